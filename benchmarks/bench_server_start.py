"""Time from starting ``panel serve app.py`` to trajectories drawn in a browser page.

    python benchmarks/bench_server_start.py [--cache-dir DIR]

Runs the server three times with ``PLAYGROUND_JAX_CACHE`` pointing at the same
directory (an empty temporary one unless ``--cache-dir`` is given): cold while the
JAX compilation cache is empty, then warm (the cache the first run filled).  Each time, Chromium
is already running with an empty tab open (opening one takes Playwright ≈ 0.15 s);
the clock starts just before the server process is spawned and stops when
``full_sgd`` has more than one point in the page (the pictures come first); it also
reports when the sidebar's controls and the state table under the pictures are
there (they follow on the next ticks).  The page is opened in that tab as soon as
the server accepts connections, as a person would.  Prints
``server_start_to_drawn_s=<..>`` for each run.
"""

from __future__ import annotations

import argparse
import os
import socket
import tempfile
import time

from bench_browser_roundtrip import DRAWN_JS  # (puts the repository's root on the path)

from playground.serving import free_port, launch_chromium, start_server, stop_server


def one_run(browser, cache_dir: str) -> dict[str, float]:
    env = {**os.environ, "PLAYGROUND_JAX_CACHE": cache_dir}
    port = free_port()
    url = f"http://127.0.0.1:{port}/app"
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    # An open tab, as a person's browser has.
    page = context.new_page()
    t0 = time.perf_counter()
    proc = start_server(port, env=env)
    try:
        # As a person would: open the page once the server listens.  (Polling with
        # HTTP requests would build a throw-away session first, ~1 s of the server.)
        wait_for_port(port, proc)
        listening = time.perf_counter() - t0
        page.goto(url, wait_until="commit")
        answered = time.perf_counter() - t0
        page.wait_for_function(DRAWN_JS, timeout=180_000, polling=10)
        drawn = time.perf_counter() - t0
        # The controls and the state table follow the pictures (see app.create_app).
        page.locator(".pg-optimizers").wait_for(state="visible", timeout=60_000)
        page.wait_for_function(COMPLETE_JS, timeout=60_000, polling=10)
        complete = time.perf_counter() - t0
    finally:
        context.close()
        stop_server(proc)
    return {"listening": listening, "answered": answered, "drawn": drawn,
            "complete": complete}


COMPLETE_JS = """() => {
  const m = Bokeh.documents[0].get_model_by_name('readout');
  return m != null && m.text.includes('State at step');
}"""


def wait_for_port(port: int, proc, timeout: float = 90.0):
    """Until the server accepts connections on ``port``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"panel serve exited with status {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"port {port} not open within {timeout:.0f} s")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache-dir", help="JAX cache directory (default: a new empty one)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="playground-jax-") as tmp, sync_playwright() as p:
        cache_dir = args.cache_dir or tmp
        browser = launch_chromium(p)
        try:
            for _ in range(3):
                files = sum(len(f) for _, _, f in os.walk(cache_dir))
                label = "warm" if files else "cold"  # a given --cache-dir may be filled
                t = one_run(browser, cache_dir)
                print(f"{label}: JAX cache {cache_dir} ({files} files before); "
                      f"listening after {t['listening']:.2f} s, page answered after "
                      f"{t['answered']:.2f} s, trajectories drawn after {t['drawn']:.2f} s, "
                      f"controls and state table after {t['complete']:.2f} s")
                print(f"server_start_to_drawn_s={t['drawn']:.2f} cache={label}")
        finally:
            browser.close()


if __name__ == "__main__":
    main()
