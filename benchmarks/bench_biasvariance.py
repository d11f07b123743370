"""The bias–variance lab's computations: every capacity × M sets in one call, after warm-up.

    PYTHONPATH=. python benchmarks/bench_biasvariance.py [--repeat 30] [--network-sets 100]

(``--network-sets 0`` skips the network family.)  The load average is printed first: on a
shared machine every figure grows with it.

Targets (issue #13): polynomial 21 degrees × 200 sets × n = 20 ≤ 20 ms; random features
60 widths × 100 sets ≤ 100 ms; the network family 16 widths × 100 sets × 500 steps
(reported); a slider's recompute and redraw (M = 100, degrees 0–20, n = 20) p95 ≤ 150 ms,
measured here on the server's side (the state's recompute and the lab's new data for
its figures, no browser).  Each timed call varies σ, λ and the seed: the script also
checks that none compiles again.
"""

import argparse
import os
import statistics
import time

import playground

playground.one_xla_thread_per_computation()  # before any computation, as the server

playground.compute_on_the_cpu()  # as the server; JAX_PLATFORMS=cuda for a GPU

from playground.labs.biasvariance.lab import BiasVarianceLab  # noqa: E402
from playground.labs.biasvariance.state import BiasVarianceLabState  # noqa: E402
from playground.numerics import biasvariance as bv  # noqa: E402


def timed(fn, repeat):
    fn(0)  # warm-up: compile
    compiled = bv.compilations()
    times = []
    for i in range(1, repeat + 1):
        t0 = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t0)
    assert bv.compilations() == compiled, "a traced setting compiled again"
    return times


def report(name, times, target=None):
    ms = sorted(1e3 * t for t in times)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    goal = f" (target ≤ {target} ms)" if target else ""
    print(f"{name}: median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, "
          f"min {ms[0]:.1f} ms over {len(ms)} calls{goal}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--network-sets", type=int, default=100)
    args = ap.parse_args()
    one, five, fifteen = os.getloadavg()
    print(f"load average (1, 5, 15 min): {one:.1f} {five:.1f} {fifteen:.1f} "
          f"on {os.cpu_count()} cores")

    poly = bv.make_data("sin", 20, 200, seed=0)
    report("poly 21 degrees x 200 sets x n=20",
           timed(lambda i: bv.decompose("poly", poly, 0.3 + 0.01 * i, ridge=1e-3 * (i % 3),
                                        seed=i), args.repeat), 20)

    features = bv.make_data("sin", 20, 100, seed=0)
    widths = (*range(1, 41), *range(43, 101, 3))  # dense up to 2n, then every third
    assert len(widths) == 60, len(widths)
    report("random features 60 widths x 100 sets x n=20",
           timed(lambda i: bv.decompose("features", features, 0.3, widths,
                                        ridge=1e-3 * (i % 2), seed=i), args.repeat), 100)

    knn = bv.make_data("sin", 20, 100, seed=0)
    report("k-NN k=1..20 x 100 sets x n=20",
           timed(lambda i: bv.decompose("knn", knn, 0.3 + 0.01 * i), args.repeat))

    if args.network_sets:
        network = bv.make_data("sin", 20, args.network_sets, seed=0)
        report(f"network 16 widths x {args.network_sets} sets x 500 steps",
               timed(lambda i: bv.decompose("network", network, 0.3, ridge=1e-3 * i), 3))

    state = BiasVarianceLabState(datasets=100)
    state.precompute()
    lab = BiasVarianceLab(state=state)
    lab.prepare()
    lab.main()
    changes = [("noise", lambda i: 0.2 + 0.01 * i), ("ridge", lambda i: [0.0, 1e-3, 0.1][i % 3]),
               ("seed", lambda i: i), ("truth", lambda i: list(bv.TRUTHS)[(i // 4) % 4])]

    def slider(i):
        name, value = changes[i % len(changes)]
        setattr(state, name, value(i))

    report("slider -> recompute + figures' new data (M=100, poly 0-20, n=20, server side)",
           timed(slider, 4 * args.repeat), 150)


if __name__ == "__main__":
    main()
