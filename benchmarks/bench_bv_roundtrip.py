"""Browser round trip in the bias–variance lab: a noise step → every capacity recomputed
and the new curves in the page.

    python benchmarks/bench_bv_roundtrip.py [--n 40] [--url http://127.0.0.1:5006/app]

Starts ``panel serve app.py`` (unless ``--url`` names a running one), opens
``?lab=biasvariance`` (polynomials of degree 0–20, M = 100 sets, n = 20: issue #13's
setting) in headless Chromium (the system ``chromium``), then ``--n`` times presses an
arrow key on the noise slider's handle (right, then left: σ 0.30 ↔ 0.35).  Each round
trip is timed in the browser with ``performance.now()``: from the keydown to the change
of the variance curve's data source, i.e. widget sync, the decomposition of all 21
degrees × 100 sets on the server, the fits' and curves' new data applied in the page.
Prints the median and the p95, and the line ``bv_roundtrip_ms median=<..> p95=<..>``.
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
  const m = Bokeh.documents[0].get_model_by_name('pg-bv-variance');
  return m != null && m.data.x != null && m.data.x.length > 1;
}"""

#: JS: record the time of every arrow keydown and of the next change of the curve's data.
_INSTALL_PROBE_JS = """() => {
  const m = Bokeh.documents[0].get_model_by_name('pg-bv-variance');
  window.__rt = {key: null, data: null};
  document.addEventListener('keydown', (e) => {
    if (e.key.startsWith('Arrow')) window.__rt = {key: performance.now(), data: null};
  }, {capture: true});
  m.connect(m.properties.data.change, () => {
    if (window.__rt.key !== null && window.__rt.data === null)
      window.__rt.data = performance.now();
  });
}"""


def measure(url: str, n: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url + "?lab=biasvariance", wait_until="commit")
            page.wait_for_function(DRAWN_JS, timeout=90_000)
            page.wait_for_timeout(2000)  # the page's last steps (controls, details)
            page.evaluate(_INSTALL_PROBE_JS)
            handle = page.locator(".pg-bv-noise .noUi-handle")
            handle.wait_for(state="visible")
            times = []
            for i in range(n):
                handle.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
                page.wait_for_function("() => window.__rt.data !== null", timeout=30_000)
                rt = page.evaluate("() => window.__rt")
                times.append(rt["data"] - rt["key"])
                page.wait_for_timeout(150)  # a reader's pace, not a held key
            return times
        finally:
            browser.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=40, help="round trips to time")
    ap.add_argument("--url", help="a running server's app URL (default: start one)")
    args = ap.parse_args()
    with running_app() if args.url is None else contextlib.nullcontext(args.url) as url:
        times = measure(url, args.n)
    median, p95 = statistics.median(times), percentile(times, 0.95)
    print(f"{len(times)} round trips (a noise step → new curves, poly 0–20, M = 100, "
          f"n = 20): median {median:.1f} ms, p95 {p95:.1f} ms, min {min(times):.1f} ms, "
          f"max {max(times):.1f} ms")
    print(f"bv_roundtrip_ms median={median:.1f} p95={p95:.1f}")


if __name__ == "__main__":
    main()
