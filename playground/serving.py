"""A real ``panel serve app.py`` in a subprocess, for the browser tests and benchmarks.

Plain functions, no pytest: ``tests/browser/conftest.py`` builds its fixtures on them
and ``benchmarks/bench_browser_*.py`` import them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
#: Headless Debian Chromium; the network flags keep it from calling home.
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SERVER_START_TIMEOUT_S = 90.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_command(port: int) -> list[str]:
    return [sys.executable, "-m", "panel", "serve", "app.py", "--port", str(port),
            "--address", "127.0.0.1", f"--allow-websocket-origin=127.0.0.1:{port}"]


def start_server(port: int, env: dict | None = None, log=None) -> subprocess.Popen:
    """``panel serve app.py`` in its own process group (so that it can be killed whole)."""
    return subprocess.Popen(server_command(port), cwd=REPO_ROOT, env=env,
                            stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT,
                            start_new_session=True)


def wait_for_http(url: str, proc: subprocess.Popen | None,
                  timeout: float = SERVER_START_TIMEOUT_S, interval: float = 0.2):
    """Until ``url`` answers 200; raises if the server exits or the time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"panel serve exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(interval)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def launch_chromium(playwright):
    """The system Chromium, headless (never a browser downloaded by Playwright)."""
    path = shutil.which("chromium")
    if path is None:
        sys.exit("no `chromium` on PATH")
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0 ≤ q ≤ 1) with linear interpolation."""
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def stop_server(proc: subprocess.Popen):
    """Terminate the server's process group, then kill it if it lingers."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
