"""The MLP lab in the browser: epochs per second shown, boundary repaints per second.

    python benchmarks/bench_mlp_browser.py [--seconds 10] [--warmup 5] [--speed max]
                                           [--url URL] [--no-engine]

Starts ``panel serve app.py`` (unless ``--url`` names a running one's app URL), opens
TensorFlow Playground's spiral setting in headless Chromium (the system ``chromium``),

    ?lab=mlp&dataset=spiral&layers=8,8&activation=tanh&optimizer=sgd&lr=0.03
           &batch=10&train_ratio=50&noise=0

chooses the fastest speed in the "Epochs per tick" select (``max`` where it exists,
else the largest number; ``--speed`` names another), presses Play, lets it run
``--warmup`` seconds (compilation, the adaptive chunk settling), then measures
``--seconds`` seconds inside the page:

* epochs/s shown: the epoch number's changes (the ``pg-epoch`` HTML model's text),
  timed with ``performance.now()`` as they arrive;
* heat maps received/s: changes of the ``pg-boundary-image`` data source's ``data``;
* repaints/s: animation frames (``requestAnimationFrame``) that show a different
  image than the frame before, and the median and p95 interval between them.

Then (unless ``--no-engine``), with the server stopped, the same setting's training
without any UI: ``MlpLabState.train(n)`` (the lab's compiled call, best-model keeping
and the copy of the metrics included) for the median chunk the page used and for the
largest chunk.  Last line: ``mlp_browser epochs_per_s=<..> repaints_per_s=<..>
interval_ms median=<..> p95=<..>``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's root
import playground  # noqa: E402
from playground.serving import launch_chromium, percentile, running_app  # noqa: E402

QUERY = ("lab=mlp&dataset=spiral&layers=8,8&activation=tanh&optimizer=sgd&lr=0.03"
         "&batch=10&train_ratio=50&noise=0")

DRAWN_JS = """() => {
  if (!window.Bokeh || !Bokeh.documents || Bokeh.documents.length === 0) return false;
  const m = Bokeh.documents[0].get_model_by_name('pg-boundary-image');
  return m != null && m.data.image != null && m.data.image.length > 0;
}"""

#: JS: start recording epoch texts, image data changes and frames showing a new image.
_INSTALL_PROBE_JS = """() => {
  const doc = Bokeh.documents[0];
  const image = doc.get_model_by_name('pg-boundary-image');
  const epochModel = Array.from(doc.all_models).find(
      (m) => typeof m.text === 'string' && m.text.includes('pg-epoch'));
  const unescape = document.createElement('textarea');
  const epochOf = () => {
    unescape.innerHTML = epochModel.text;  // Panel sends the HTML escaped
    const match = unescape.value.match(/pg-epoch[^>]*>\\s*(\\d+)\\s*</);
    return match ? Number(match[1]) : null;
  };
  const rec = {start: performance.now(), epochs: [[performance.now(), epochOf()]],
               received: [], painted: [], frames: 0, stop: false};
  window.__pgBench = rec;
  epochModel.connect(epochModel.properties.text.change, () => {
    if (!rec.stop) rec.epochs.push([performance.now(), epochOf()]);
  });
  image.connect(image.properties.data.change, () => {
    if (!rec.stop) rec.received.push(performance.now());
  });
  let shown = image.data.image[0];
  const frame = (now) => {
    if (rec.stop) return;
    rec.frames += 1;
    const current = image.data.image[0];
    if (current !== shown) { shown = current; rec.painted.push(now); }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}"""

_STOP_PROBE_JS = """() => {
  const rec = window.__pgBench;
  rec.stop = true;
  rec.end = performance.now();
  return rec;
}"""


def fastest_speed(options: list[str]) -> str:
    if "max" in options:
        return "max"
    return max(options, key=float)


def measure(url: str, seconds: float, warmup: float, speed_choice: str | None) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            errors = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url, wait_until="load")
            page.wait_for_function(DRAWN_JS, timeout=90_000)
            page.locator(".pg-epoch").wait_for(state="visible", timeout=90_000)
            speed = page.locator(".pg-speed select")
            options = speed.evaluate("(s) => Array.from(s.options).map((o) => o.value)")
            chosen = speed_choice or fastest_speed(options)
            if chosen not in options:
                sys.exit(f"--speed {chosen!r}: the page offers {options}")
            speed.select_option(chosen)
            page.wait_for_timeout(300)  # the choice reaches the server before Play
            page.locator(".pg-play button").click()
            page.wait_for_timeout(int(warmup * 1000))
            page.evaluate(_INSTALL_PROBE_JS)
            page.wait_for_timeout(int(seconds * 1000))
            rec = page.evaluate(_STOP_PROBE_JS)
            page.locator(".pg-play button").click()  # pause
            page.wait_for_timeout(300)
            rec.update(speed=chosen, options=options, errors=errors)
            return rec
        finally:
            browser.close()


def summarise(rec: dict) -> dict:
    span_s = (rec["end"] - rec["start"]) / 1000
    epochs = [(t, e) for t, e in rec["epochs"] if e is not None]
    shown = (epochs[-1][1] - epochs[0][1]) if len(epochs) > 1 else 0
    steps = [b[1] - a[1] for a, b in zip(epochs, epochs[1:], strict=False) if b[1] > a[1]]
    painted = rec["painted"]
    intervals = [b - a for a, b in zip(painted, painted[1:], strict=False)]
    return {
        "span_s": span_s,
        "epochs_per_s": shown / span_s,
        "epochs_shown": shown,
        "chunk_median": statistics.median(steps) if steps else 0,
        "received_per_s": len(rec["received"]) / span_s,
        "repaints_per_s": len(painted) / span_s,
        "frames_per_s": rec["frames"] / span_s,
        "interval_median_ms": statistics.median(intervals) if intervals else float("nan"),
        "interval_p95_ms": percentile(intervals, 0.95) if intervals else float("nan"),
        "interval_max_ms": max(intervals) if intervals else float("nan"),
    }


def engine_epochs_per_s(chunks: list[int], seconds: float = 2.0) -> dict[int, float]:
    """The same setting trained without UI: ``MlpLabState.train(n)``, epochs/s per n."""
    from playground.labs.mlp import state as mlp_state

    query = dict(item.split("=") for item in QUERY.split("&") if not item.startswith("lab="))
    results = {}
    for n in chunks:
        state = mlp_state.MlpLabState()
        problems = state.apply_query(query)
        assert not problems, problems
        state.train(n)  # compile (or load from the cache)
        done, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            state.train(n)
            done += n
        results[n] = done / (time.perf_counter() - t0)
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="measured time")
    ap.add_argument("--warmup", type=float, default=5.0, help="play this long first")
    ap.add_argument("--speed", help="the speed to choose (default: the fastest)")
    ap.add_argument("--url", help="a running server's app URL (default: start one)")
    ap.add_argument("--no-engine", action="store_true", help="skip the engine figure")
    args = ap.parse_args()
    playground.one_xla_thread_per_computation()  # the engine figure below, as the server
    playground.compute_on_the_cpu()  # as the server; JAX_PLATFORMS=cuda for a GPU
    load_before = os.getloadavg()[0]
    with running_app() if args.url is None else contextlib.nullcontext(args.url) as url:
        rec = measure(f"{url}?{QUERY}", args.seconds, args.warmup, args.speed)
    s = summarise(rec)
    print(f"setting: ?{QUERY}")
    print(f"speed {rec['speed']!r} (of {rec['options']}); load average before "
          f"{load_before:.2f}, after {os.getloadavg()[0]:.2f}")
    print(f"over {s['span_s']:.1f} s after {args.warmup:g} s of play:")
    print(f"  epochs shown: {s['epochs_per_s']:,.0f} epochs/s ({s['epochs_shown']:,} epochs, "
          f"median {s['chunk_median']:g} epochs per update)")
    print(f"  heat maps received: {s['received_per_s']:.1f}/s; repaints (frames showing a "
          f"new heat map): {s['repaints_per_s']:.1f}/s of {s['frames_per_s']:.1f} frames/s")
    print(f"  interval between repaints: median {s['interval_median_ms']:.1f} ms, "
          f"p95 {s['interval_p95_ms']:.1f} ms, max {s['interval_max_ms']:.1f} ms")
    if rec["errors"]:
        print("console errors:\n  " + "\n  ".join(rec["errors"]))
    if not args.no_engine:
        from playground.labs.mlp import state as mlp_state

        capacity = getattr(mlp_state, "CHUNK_CAPACITY", 200)
        chunks = sorted({max(1, min(int(s["chunk_median"]), capacity)), capacity})
        for n, rate in engine_epochs_per_s(chunks).items():
            print(f"engine without UI (MlpLabState.train({n})): {rate:,.0f} epochs/s")
    print(f"mlp_browser epochs_per_s={s['epochs_per_s']:.0f} "
          f"repaints_per_s={s['repaints_per_s']:.1f} "
          f"interval_ms median={s['interval_median_ms']:.1f} p95={s['interval_p95_ms']:.1f}")


if __name__ == "__main__":
    main()
