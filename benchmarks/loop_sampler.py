"""What the server's event loop does, sampled: ``panel serve`` with a sampler of its
main thread, and a report of a time window.

    python benchmarks/loop_sampler.py serve SAMPLES -- serve app.py --port 5100 ...
    python benchmarks/loop_sampler.py report SAMPLES [--start MS --end MS] [--top 30]

``serve`` runs ``panel`` with the arguments after ``--`` and, every 4 ms, writes the
main thread's stack (where every page's callbacks run) with the time in ms since the
epoch (``time.time() * 1000``, comparable with a browser's
``performance.timeOrigin + performance.now()``) as one line of ``SAMPLES``.

``report`` says how long the loop was busy in the window (not waiting in ``select``),
the time under each function (inclusive; a sample's interval counted up to 60 ms,
since a thread that holds Python's lock in C code also holds off the sampler), and the
longest stretches of work.  Used for issue #9 item 4 (benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections import Counter

PERIOD_S = 0.004
MAX_INTERVAL_MS = 60.0


def serve(samples: str, panel_args: list[str]):
    start_sampler(samples)
    from panel.command import main

    sys.argv = ["panel", *panel_args]
    main()


def start_sampler(samples: str):
    """Every ``PERIOD_S``, the main thread's stack as a line of ``samples`` (a thread)."""
    out = open(samples, "w", buffering=1 << 16)  # noqa: SIM115 (open while serving)
    main_id = threading.main_thread().ident

    def sample():
        n = 0
        while True:
            time.sleep(PERIOD_S)
            frame = sys._current_frames().get(main_id)
            now = time.time() * 1000
            stack = []
            try:
                while frame is not None:
                    code = frame.f_code
                    stack.append(f"{os.path.basename(code.co_filename)}:{code.co_name}")
                    frame = frame.f_back
            except AttributeError:  # a frame torn down while read (seen once): no sample
                continue
            out.write(f"{now:.1f}\t{';'.join(reversed(stack))}\n")
            n += 1
            if n % 25 == 0:
                out.flush()

    threading.Thread(target=sample, name="loop-sampler", daemon=True).start()


def idle(stack: list[str]) -> bool:
    return stack[-1] in ("selectors.py:select", "selectors.py:poll")


def report(samples: str, start: float, end: float, top: int):
    rows = []
    with open(samples) as f:
        for line in f:
            try:
                t, stack = line.rstrip("\n").split("\t")
            except ValueError:
                continue
            if start <= float(t) <= end:
                rows.append((float(t), stack.split(";")))
    if len(rows) < 2:
        print("no samples in the window")
        return
    busy, under, runs, run = 0.0, Counter(), [], None
    for (t, stack), (t2, _) in zip(rows, rows[1:], strict=False):
        dt = min(t2 - t, MAX_INTERVAL_MS)
        if idle(stack):
            if run is not None and t - run[1] > 8:
                runs.append(run)
                run = None
            continue
        busy += dt
        for fn in set(stack):
            under[fn] += dt
        run = [t, t2] if run is None else [run[0], t2]
    if run is not None:
        runs.append(run)
    span = rows[-1][0] - rows[0][0]
    print(f"window {span / 1000:.2f} s, the loop busy {busy / 1000:.2f} s "
          f"({100 * busy / span:.0f} %)")
    print("time under each function (inclusive):")
    for fn, ms in under.most_common(top):
        print(f"  {ms / 1000:7.3f} s  {fn}")
    print("longest stretches of work (s after the window's start, length):")
    for a, b in sorted(runs, key=lambda r: r[0] - r[1])[:8]:
        print(f"  {(a - rows[0][0]) / 1000:7.2f}  {(b - a) / 1000:.3f} s")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        if len(sys.argv) < 4 or "--" not in sys.argv:
            sys.exit(__doc__)
        cut = sys.argv.index("--")
        serve(sys.argv[2], sys.argv[cut + 1:])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["report"])
    ap.add_argument("samples")
    ap.add_argument("--start", type=float, default=0.0, help="ms since the epoch")
    ap.add_argument("--end", type=float, default=float("inf"), help="ms since the epoch")
    ap.add_argument("--top", type=int, default=30)
    args = ap.parse_args()
    report(args.samples, args.start, args.end, args.top)


if __name__ == "__main__":
    main()
