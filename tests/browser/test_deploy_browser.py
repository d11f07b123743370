"""Several backends behind nginx (``python -m playground.deploy``), on loopback.

Two visitors (two browser contexts) open the lab through the proxy: the second goes
to the other backend (least connections), each page's websocket reaches the backend
that made its session (the lab draws), and the health endpoint answers through the
proxy.
"""

from __future__ import annotations

import shutil
import tempfile
import urllib.request
from pathlib import Path

import pytest

from playground import deploy
from playground.serving import free_port

# One worker runs the module (its fixture starts a cluster): scripts/test.sh's loadgroup.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(240), pytest.mark.xdist_group("deploy")]

_DRAWN = """() => {
  if (!window.Bokeh || !Bokeh.documents || Bokeh.documents.length === 0) return false;
  const m = Bokeh.documents[0].get_model_by_name('full_sgd');
  return m != null && m.data.x != null && m.data.x.length > 1;
}"""


@pytest.fixture(scope="module")
def cluster():
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        pytest.skip("no nginx (the test command installs Debian's)")
    with tempfile.TemporaryDirectory() as run_dir, tempfile.TemporaryFile("w+") as log:
        try:
            c = deploy.start(port=free_port(), backend_ports=[free_port(), free_port()],
                             run_dir=Path(run_dir), log=log)
        except Exception as e:
            log.seek(0)
            pytest.fail(f"{e}\n{log.read()[-4000:]}")
        try:
            yield c
        finally:
            c.stop()


def test_two_visitors_are_served_by_two_backends_through_the_proxy(browser, cluster):
    backends = []
    contexts = []
    try:
        for _ in range(2):
            context = browser.new_context(viewport={"width": 1280, "height": 720})
            contexts.append(context)
            page = context.new_page()
            errors = []
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            page.on("console", lambda m, errors=errors: errors.append(m.text)
                    if m.type == "error" else None)  # a CSP violation is one
            page.goto(cluster.url + "?surface=himmelblau", wait_until="commit")
            page.wait_for_function(_DRAWN, timeout=90_000)  # the websocket works
            cookie = {c["name"]: c["value"] for c in context.cookies()}
            backends.append(cookie["pg_backend"])
            assert errors == []
    finally:
        for context in contexts:
            context.close()
    assert sorted(backends) == sorted(f"127.0.0.1:{p}" for p in cluster.backend_ports)


def test_the_health_endpoint_answers_through_the_proxy(cluster):
    with urllib.request.urlopen(f"http://127.0.0.1:{cluster.port}/liveness", timeout=10) as r:
        assert r.status == 200
    with urllib.request.urlopen(cluster.url, timeout=30) as r:
        assert "img-src 'self' data: blob:" in r.headers["Content-Security-Policy"]


def test_the_config_keeps_visitors_on_their_backend():
    conf = deploy.nginx_config([5101, 5102], 8080, Path("/run/x"))
    assert "least_conn;" in conf and "proxy_set_header Upgrade $http_upgrade;" in conf
    assert '"127.0.0.1:5102" 127.0.0.1:5102;' in conf and "pg_backend=$upstream_addr" in conf
    assert "ip_hash;" in deploy.nginx_config([5101], 8080, Path("/run/x"), sticky="ip")
    with pytest.raises(ValueError):
        deploy.nginx_config([5101], 8080, Path("/run/x"), sticky="round-robin")


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGKILL"])
def test_a_stopped_command_leaves_no_backend_nor_nginx(tmp_path, signame):
    """A supervisor stops the command with SIGTERM, or kills it (SIGKILL, which it cannot
    catch): nothing may be left listening."""
    import signal
    import subprocess
    import sys
    import time

    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        pytest.skip("no nginx (the test command installs Debian's)")
    port, first = free_port(), free_port()
    proc = subprocess.Popen([sys.executable, "-m", "playground.deploy", "--backends", "1",
                             "--port", str(port), "--backend-port", str(first),
                             "--run-dir", str(tmp_path)], cwd=deploy.REPO_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deploy.wait_for(f"http://127.0.0.1:{port}/liveness", 120, [proc])
        assert proc.stdout.readline().startswith("serving")  # it is up and waiting
        proc.send_signal(getattr(signal, signame))
        assert proc.wait(timeout=30) == (0 if signame == "SIGTERM" else -signal.SIGKILL)
        deadline = time.monotonic() + 20  # killed: its children get SIGTERM and exit
        while True:
            try:  # both ports free again: nginx and the backend are gone
                deploy.check_ports_free([port, first])
                break
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
    finally:
        if proc.poll() is None:
            proc.kill()
