"""Compute time of one race: 6 optimizers × N steps, after warm-up.

    python benchmarks/bench_race.py [--steps 1000] [--repeat 200]

Target (issue #2): ≤ 5 ms for 6 optimizers × 1,000 steps on the 2-core CPU.
Also checks that changing every traced setting does not compile again.
"""

import argparse
import statistics
import time

import jax

import playground

playground.one_xla_thread_per_computation()  # before any computation, as the server

playground.compute_on_the_cpu()  # as the server; JAX_PLATFORMS=cuda for a GPU

from playground.numerics import optimizers as opt  # noqa: E402
from playground.numerics import race, surfaces  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=200)
    args = ap.parse_args()
    print(f"jax {jax.__version__} on {jax.devices()[0].platform}")
    for key in ("ravine", "rosenbrock", "himmelblau"):
        s = surfaces.SURFACES[key]
        settings = race.make_settings(s.start, s.defaults, steps=args.steps)
        compiled = race.compiled_race(s.fn, race.capacity_for(args.steps))
        t0 = time.perf_counter()
        jax.block_until_ready(compiled(settings))
        first = time.perf_counter() - t0
        times = []
        for i in range(args.repeat):
            varied = race.make_settings(
                (s.start[0] + 1e-3 * i, s.start[1]), s.defaults, steps=args.steps,
                noise=0.01 * (i % 3), seed=i, clip=opt.CLIPPING[i % 3],
                schedule=opt.Schedule(kind=i % len(opt.SCHEDULES)))
            t0 = time.perf_counter()
            jax.block_until_ready(compiled(varied))
            times.append(time.perf_counter() - t0)
        end_to_end = []
        for _ in range(20):
            t0 = time.perf_counter()
            race.run_race(s.fn, settings)
            end_to_end.append(time.perf_counter() - t0)
        print(f"{key:11s} first call (compile) {first:6.2f} s | race 6x{args.steps}: "
              f"median {1e3 * statistics.median(times):5.2f} ms, "
              f"p95 {1e3 * sorted(times)[int(0.95 * len(times))]:5.2f} ms | "
              f"with transfer to NumPy: {1e3 * statistics.median(end_to_end):5.2f} ms | "
              f"compilations after varying every setting: {compiled._cache_size()}")


if __name__ == "__main__":
    main()
