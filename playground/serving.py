"""A real ``panel serve app.py`` in a subprocess, and the system Chromium, for the
browser tests, the benchmarks and ``python -m playground figure`` (a development and
command-line tool: the app never imports it).

Plain functions, no pytest: ``tests/browser/conftest.py`` builds its fixtures on them,
``benchmarks/bench_*.py`` import them, so that no benchmark imports a test module, and
so does ``playground.figure`` (imported by ``playground.cli`` for its ``figure`` command).
Importing this module imports neither Panel nor JAX nor Playwright: the server runs
in its own process, and the caller brings Playwright.
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

#: The checkout's root, where ``app.py`` is.
REPO_ROOT = Path(__file__).resolve().parents[1]
#: Headless Debian Chromium; the network flags keep it from calling home.
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SERVER_START_TIMEOUT_S = 90.0

#: JS for an MLP lab's page: from now on, record when its epoch number changes on screen
#: (a ``MutationObserver`` on the readout, inside Panel's shadow DOM), every animation
#: frame, and the animation frames that show a new heat map (its image's array replaced:
#: the page's main picture, redrawn up to 40 times a second while it plays; the readout
#: only 5 times), in milliseconds since the epoch (``performance.timeOrigin +
#: performance.now()``, comparable with ``time.time() * 1000`` and across pages).
#: ``EPOCH_PROBE_READ_JS`` returns ``{changes: [[ms, text], ...], frames: [ms, ...],
#: paints: [ms, ...]}``.
EPOCH_PROBE_JS = """() => {
  const find = (root) => {
    const el = root.querySelector('.pg-epoch');
    if (el) return el;
    for (const n of root.querySelectorAll('*')) {
      if (n.shadowRoot) { const f = find(n.shadowRoot); if (f) return f; }
    }
    return null;
  };
  const first = find(document);
  const root = first.getRootNode();
  const now = () => performance.timeOrigin + performance.now();
  const rec = {changes: [[now(), first.textContent]], frames: [], stop: false};
  window.__pgStall = rec;
  let shown = first.textContent;
  new MutationObserver(() => {
    const el = root.querySelector('.pg-epoch');
    const text = el ? el.textContent : null;
    if (!rec.stop && text !== shown) { shown = text; rec.changes.push([now(), text]); }
  }).observe(root, {subtree: true, childList: true, characterData: true});
  const image = Bokeh.documents[0].get_model_by_name('pg-boundary-image');
  rec.paints = [];
  let picture = image.data.image[0];
  const frame = () => {
    if (rec.stop) return;
    const t = now();
    rec.frames.push(t);
    if (image.data.image[0] !== picture) { picture = image.data.image[0]; rec.paints.push(t); }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}"""

EPOCH_PROBE_READ_JS = "() => window.__pgStall"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_command(port: int, origins: list[str] | None = None) -> list[str]:
    """``panel serve app.py`` on ``port`` of 127.0.0.1, with this Python, accepting
    websockets from ``origins`` (``host:port``; default: that address itself)."""
    origins = origins or [f"127.0.0.1:{port}"]
    return [sys.executable, "-m", "panel", "serve", "app.py", "--port", str(port),
            "--address", "127.0.0.1", *(f"--allow-websocket-origin={o}" for o in origins)]


def start_server(port: int, env: dict | None = None, log=None) -> subprocess.Popen:
    """``panel serve app.py`` in its own process group (so that it can be killed whole)."""
    return subprocess.Popen(server_command(port), cwd=REPO_ROOT, env=env,
                            stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT,
                            start_new_session=True)


def wait_for_http(url: str, proc: subprocess.Popen | None,
                  timeout: float = SERVER_START_TIMEOUT_S, interval: float = 0.2):
    """Wait until ``url`` answers 200, asking every ``interval`` seconds.

    Raises:
        RuntimeError: ``proc`` (the server, if given) exited.
        TimeoutError: no answer within ``timeout`` seconds.
    """
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


def chromium_path() -> str | None:
    """The system Chromium's executable, or None when there is no ``chromium`` on PATH."""
    return shutil.which("chromium")


def launch_chromium(playwright, profile: str | os.PathLike | None = None, **context_options):
    """The system Chromium, headless (never a browser downloaded by Playwright), through
    Playwright's sync API (``sync_playwright()``'s object): a ``Browser``, or, given a
    ``profile`` folder, one ``BrowserContext`` kept in it (with ``context_options``,
    e.g. ``viewport``), whose disk cache keeps V8's compiled code between pages.

    Raises:
        RuntimeError: no ``chromium`` on PATH.
    """
    path = chromium_path()
    if path is None:
        raise RuntimeError("no `chromium` on PATH: install the system Chromium")
    if profile is not None:
        return playwright.chromium.launch_persistent_context(
            profile, executable_path=path, args=CHROMIUM_ARGS, headless=True, **context_options)
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` and its threads, in seconds (``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_threads(pid: int) -> int:
    """How many threads process ``pid`` has now."""
    return len(os.listdir(f"/proc/{pid}/task"))


def process_rss_mb(pid: int) -> float:
    """Resident memory of process ``pid``, in MiB."""
    pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0 ≤ q ≤ 1) of ``values`` with linear interpolation between the
    closest ranks (NumPy's default ``method="linear"``)."""
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def longest_gap(times: list[float], start: float, end: float) -> float:
    """The longest time between two of ``times`` (sorted, ms) that overlaps [start, end]
    (ms); the gap still open at ``end`` counts up to ``end``."""
    times = [t for t in times if t <= end]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False) if b >= start]
    if times:
        gaps.append(end - max(times[-1], start))
    return max(gaps) if gaps else end - start


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


@contextlib.contextmanager
def running_app(env: dict | None = None, log=None, on_start=None):
    """``with running_app() as url``: a ``panel serve app.py`` answering at ``url``
    (``http://127.0.0.1:<port>/app``), stopped on leaving.

    ``env`` is the server's environment (default: this process's); its output goes to
    the file ``log`` (default: nowhere).  ``on_start(process)`` hears of the server's
    ``subprocess.Popen`` once it answers.

    Raises:
        RuntimeError: the server exited before answering.
        TimeoutError: it did not answer within ``SERVER_START_TIMEOUT_S``.
    """
    port = free_port()
    proc = start_server(port, env=env, log=log)
    try:
        url = f"http://127.0.0.1:{port}/app"
        wait_for_http(url, proc)
        if on_start is not None:
            on_start(proc)
        yield url
    finally:
        stop_server(proc)
