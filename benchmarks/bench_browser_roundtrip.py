"""Browser round trip: a changed setting → the new data in the page.

    python benchmarks/bench_browser_roundtrip.py [--lab optimizers|biasvariance] [--n 30]
                                                 [--url http://127.0.0.1:5006/app]

Starts ``panel serve app.py`` (unless ``--url`` names a running one), opens the lab in
headless Chromium (the system ``chromium``), then ``--n`` times changes a setting.  Each
round trip is timed in the browser with ``performance.now()``: from the keydown to the
change of a data source (a Bokeh ``data`` change signal), i.e. widget sync, the
computation on the server and the new data applied in the page.

* ``optimizers`` (the default): a new value typed into SGD's learning rate and Enter →
  the ``full_sgd`` trajectory.
* ``biasvariance`` (issue #13's setting: polynomials of degree 0–20, M = 100 sets,
  n = 20): an arrow key on the noise slider's handle (right, then left: σ 0.30 ↔ 0.35)
  → the variance curve (every degree × set decomposed, the fits and curves sent).

Prints the median and the p95, and the line ``roundtrip_ms median=<..> p95=<..>``.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's root
from playground.serving import launch_chromium, percentile, running_app  # noqa: E402

_DRAWN_JS = """() => {
  if (!window.Bokeh || !Bokeh.documents || Bokeh.documents.length === 0) return false;
  const m = Bokeh.documents[0].get_model_by_name('%s');
  return m != null && m.data.x != null && m.data.x.length > 1;
}"""
#: The optimizer lab's SGD trajectory is drawn (``bench_server_start`` waits for it too).
DRAWN_JS = _DRAWN_JS % "full_sgd"

#: JS: record the time of every keydown the round trip starts at, and of the next change
#: of the source's data.
_INSTALL_PROBE_JS = """([name, keys]) => {
  const m = Bokeh.documents[0].get_model_by_name(name);
  window.__rt = {key: null, data: null};
  // Keyboard events are composed: a key inside a widget's shadow root reaches here.
  document.addEventListener('keydown', (e) => {
    if (keys.some((k) => e.key.startsWith(k))) window.__rt = {key: performance.now(), data: null};
  }, {capture: true});
  m.connect(m.properties.data.change, () => {
    if (window.__rt.key !== null && window.__rt.data === null)
      window.__rt.data = performance.now();
  });
}"""


def _sgd_rate(page):
    """The optimizer lab: each round trip types a new SGD learning rate."""
    lr_input = page.locator(".pg-sgd_lr input")
    if not lr_input.is_visible():  # SGD's card starts collapsed
        page.locator(".card-header", has_text="SGD").first.click()
    lr_input.wait_for(state="visible")

    def change(i):
        lr_input.fill(f"{0.2 + 0.005 * i:.3f}")  # each different from the last
        lr_input.press("Enter")
    return change


def _noise_step(page):
    """The bias–variance lab: each round trip moves the noise slider one step."""
    handle = page.locator(".pg-bv-noise .noUi-handle")
    handle.wait_for(state="visible")
    return lambda i: handle.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")


#: Per lab: its query, the source whose change ends a round trip, the keys that start
#: one, how a change is made, and a pause between changes (s; a reader's pace).
LABS = {
    "optimizers": ("", "full_sgd", ["Enter"], _sgd_rate, 0.0),
    "biasvariance": ("?lab=biasvariance", "pg-bv-variance", ["Arrow"], _noise_step, 0.15),
}


def measure(url: str, n: int, lab: str = "optimizers") -> list[float]:
    from playwright.sync_api import sync_playwright

    query, source, keys, control, pause_s = LABS[lab]
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url + query, wait_until="commit")
            page.wait_for_function(_DRAWN_JS % source, timeout=90_000)
            page.locator(".pg-complete").wait_for(state="attached", timeout=90_000)
            page.evaluate(_INSTALL_PROBE_JS, [source, keys])
            change = control(page)
            times = []
            for i in range(n):
                change(i)
                page.wait_for_function("() => window.__rt.data !== null", timeout=30_000)
                rt = page.evaluate("() => window.__rt")
                times.append(rt["data"] - rt["key"])
                page.wait_for_timeout(1000 * pause_s)
            return times
        finally:
            browser.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lab", choices=list(LABS), default="optimizers")
    ap.add_argument("--n", type=int, default=30, help="round trips to time")
    ap.add_argument("--url", help="a running server's app URL (default: start one)")
    args = ap.parse_args()
    with running_app() if args.url is None else contextlib.nullcontext(args.url) as url:
        times = measure(url, args.n, args.lab)
    median, p95 = statistics.median(times), percentile(times, 0.95)
    print(f"{len(times)} round trips ({args.lab}): median {median:.1f} ms, p95 {p95:.1f} ms, "
          f"min {min(times):.1f} ms, max {max(times):.1f} ms")
    print(f"roundtrip_ms median={median:.1f} p95={p95:.1f}")


if __name__ == "__main__":
    main()
