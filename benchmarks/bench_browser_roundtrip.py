"""Browser round trip: a typed learning rate → the new SGD trajectory in the page.

    python benchmarks/bench_browser_roundtrip.py [--n 30] [--url http://127.0.0.1:5006/app]

Starts ``panel serve app.py`` (unless ``--url`` names a running one), opens the
optimizer lab in headless Chromium (the system ``chromium``), then ``--n`` times types
a new value into SGD's learning-rate input and presses Enter.  Each round trip is
timed in the browser with ``performance.now()``: from the Enter keydown to the change
of the ``full_sgd`` data source (a Bokeh ``data`` change signal), i.e. widget sync,
the race on the server and the new data applied in the page.  Prints the median and
the p95, and the line ``roundtrip_ms median=<..> p95=<..>``.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's root
from playground.serving import launch_chromium, percentile, running_app  # noqa: E402

DRAWN_JS = """() => {
  if (!window.Bokeh || !Bokeh.documents || Bokeh.documents.length === 0) return false;
  const m = Bokeh.documents[0].get_model_by_name('full_sgd');
  return m != null && m.data.x != null && m.data.x.length > 1;
}"""

#: JS: record the time of every Enter keydown and of every change of full_sgd's data.
_INSTALL_PROBE_JS = """() => {
  const m = Bokeh.documents[0].get_model_by_name('full_sgd');
  window.__rt = {enter: null, data: null};
  // Keyboard events are composed: an Enter inside a widget's shadow root reaches here.
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') window.__rt = {enter: performance.now(), data: null};
  }, {capture: true});
  m.connect(m.properties.data.change, () => {
    if (window.__rt.enter !== null && window.__rt.data === null)
      window.__rt.data = performance.now();
  });
}"""


def measure(url: str, n: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url, wait_until="commit")
            page.wait_for_function(DRAWN_JS, timeout=90_000)
            page.evaluate(_INSTALL_PROBE_JS)
            lr_input = page.locator(".pg-sgd_lr input")
            if not lr_input.is_visible():  # SGD's card starts collapsed
                page.locator(".card-header", has_text="SGD").first.click()
            lr_input.wait_for(state="visible")
            times = []
            for i in range(n):
                value = f"{0.2 + 0.005 * i:.3f}"  # each different from the last
                lr_input.fill(value)
                lr_input.press("Enter")
                page.wait_for_function("() => window.__rt.data !== null", timeout=30_000)
                rt = page.evaluate("() => window.__rt")
                times.append(rt["data"] - rt["enter"])
            return times
        finally:
            browser.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=30, help="round trips to time")
    ap.add_argument("--url", help="a running server's app URL (default: start one)")
    args = ap.parse_args()
    with running_app() if args.url is None else contextlib.nullcontext(args.url) as url:
        times = measure(url, args.n)
    median, p95 = statistics.median(times), percentile(times, 0.95)
    print(f"{len(times)} round trips (Enter in SGD's learning rate → new full_sgd data): "
          f"median {median:.1f} ms, p95 {p95:.1f} ms, min {min(times):.1f} ms, "
          f"max {max(times):.1f} ms")
    print(f"roundtrip_ms median={median:.1f} p95={p95:.1f}")


if __name__ == "__main__":
    main()
