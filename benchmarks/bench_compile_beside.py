"""A playing page's frame work while another page compiles a new network, in one process.

    PYTHONPATH=. python benchmarks/bench_compile_beside.py [--layers 32,32,32,32,32,32]

No server and no browser: lab state A trains as the MLP player does on its thread (5
epochs and the heat map per frame, a frame every 33 ms), while lab state B, on another
thread, makes, compiles (an empty JAX disk cache) and trains one step of a new network
(``fresh_network``, ``compile_pictures``, as a page's worker does).  Prints A's frame
work (median, p90 and longest, ms) alone and during B's compilation: how much of page
A's pauses in ``bench_stall.py`` the compilation itself makes on this machine's cores,
apart from the event loop and the browsers.  Issue #9 item 4 (benchmarks/README.md).
Last line: ``compile_beside alone_ms=<median> during_ms=<median> during_max_ms=<..>``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's root

FRAME_S = 0.033
EPOCHS_PER_FRAME = 5


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", default="32,32,32,32,32,32", help="page B's new network")
    ap.add_argument("--alone-s", type=float, default=3.0, help="page A alone, first")
    args = ap.parse_args()
    os.environ["PLAYGROUND_JAX_CACHE"] = tempfile.mkdtemp(prefix="compile-beside-")
    import numpy as np

    from playground import compute_on_the_cpu, one_xla_thread_per_computation

    one_xla_thread_per_computation()  # as the server (ui.process.configure_process)
    compute_on_the_cpu()
    sys.setswitchinterval(0.0005)
    from playground.labs.mlp.state import MlpLabState

    a, b = MlpLabState(), MlpLabState()
    run, record = a.training(EPOCHS_PER_FRAME)
    record(run())  # A's programs compiled before it is timed
    a.grid()
    frames, stop = [], threading.Event()

    def play():  # page A's player thread
        while not stop.is_set():
            started = time.perf_counter()
            run, record = a.training(EPOCHS_PER_FRAME)
            result = run()
            a.grid()
            record(result)
            frames.append((started, time.perf_counter() - started))
            time.sleep(FRAME_S)

    player = threading.Thread(target=play)
    player.start()
    time.sleep(args.alone_s)
    hidden = tuple(int(n) for n in args.layers.split(","))
    began = time.perf_counter()

    def compile_b():  # page B's worker
        fresh = b.compile_pictures(b.fresh_network(hidden))
        b.use_network(fresh)
        b.train_to(1)

    worker = threading.Thread(target=compile_b)
    worker.start()
    worker.join()
    ended = time.perf_counter()
    time.sleep(0.5)
    stop.set()
    player.join()
    alone = np.array([d for t, d in frames if t < began]) * 1000
    during = np.array([d for t, d in frames if began <= t <= ended]) * 1000
    print(f"page B's new network {args.layers}: {ended - began:.1f} s to compile and start")
    for name, d in (("alone", alone), (f"during B's {ended - began:.1f} s", during)):
        print(f"page A's frame work {name}: median {np.median(d):.1f} ms, p90 "
              f"{np.percentile(d, 90):.1f} ms, longest {d.max():.1f} ms ({len(d)} frames)")
    print(f"compile_beside alone_ms={np.median(alone):.1f} during_ms={np.median(during):.1f} "
          f"during_max_ms={during.max():.1f}")


if __name__ == "__main__":
    main()
