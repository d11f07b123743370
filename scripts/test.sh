#!/usr/bin/env bash
# Set up everything the tests need on a fresh machine, then run them all.
#   bash scripts/test.sh [pytest args]
# Makes .venv (Python >= 3.11), installs requirements-test.txt, installs Debian's
# chromium (the browser tests drive it through Playwright; never `playwright install`),
# nginx (the deployment test) and fonts-noto-cjk (Chinese in the page and in exported
# figures) when missing, then runs ruff and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -r requirements-test.txt

# Debian packages the tests drive: chromium (browser tests), nginx (the deployment test),
# a CJK font (without one Chinese renders as empty boxes in Chromium and in exported figures).
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$missing nginx"
[ -n "$(fc-list :lang=zh 2>/dev/null)" ] || dpkg -s fonts-noto-cjk >/dev/null 2>&1 \
  || missing="$missing fonts-noto-cjk"
if [ -n "$missing" ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi

.venv/bin/ruff check .
# One JAX compilation cache for this run alone (fresh), shared by every test process:
# the Python tests' workers (tests/conftest.py) and the browser tests' servers, which
# load what the Python tests compiled.
export PLAYGROUND_JAX_CACHE="${PLAYGROUND_JAX_CACHE:-$(mktemp -d)}"
if [ $# -gt 0 ]; then
  exec .venv/bin/python -m pytest -q "$@"
fi
# The Python tests on every core (pytest-xdist); then the browser tests on two workers,
# each its own server, test by test (a file whose module fixture starts a server or
# exports pages runs on one worker: its `xdist_group`), so that neither waits long for
# the other at the end; last, alone, the `quiet` ones: they time real pages and read a
# server's CPU, which tests beside them would disturb.
.venv/bin/python -m pytest -q -n auto -m "not browser" --durations=10
.venv/bin/python -m pytest -q -n 2 --dist loadgroup -m "browser and not quiet" --durations=40
.venv/bin/python -m pytest -q -m "browser and quiet" --durations=5
