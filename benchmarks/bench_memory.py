"""Server memory against the links a class sends: distinct MLP architectures and formulas.

    PYTHONPATH=. python benchmarks/bench_memory.py [--architectures 50] [--formulas 50]

In one process, as a server would: each distinct architecture gets a fresh MLP lab
state that draws its heat map and trains 20 epochs; each distinct formula a custom
optimizer-lab race and its contour grid.  Prints the resident memory (RSS) after
each group of ten, then after ``jax.clear_caches()`` and after glibc's
``malloc_trim(0)``, which hands freed memory back to the system (issue #9 item 3:
≤ 1.5 GB for 50 + 50, and back near the plateau once the pages are gone).
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import time

import playground

playground.one_xla_thread_per_computation()  # as the server

playground.compute_on_the_cpu()  # as the server; JAX_PLATFORMS=cuda for a GPU

import jax  # noqa: E402

from playground.labs.mlp.state import MlpLabState  # noqa: E402
from playground.labs.optimizers.state import OptimizerLabState  # noqa: E402
from playground.ui import memory  # noqa: E402


def rss_mb() -> float:
    """This process's resident memory, in MiB."""
    return int(open(f"/proc/{os.getpid()}/statm").read().split()[1]) * os.sysconf(
        "SC_PAGE_SIZE") / 2**20


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--architectures", type=int, default=50)
    ap.add_argument("--formulas", type=int, default=50)
    ap.add_argument("--budget", type=float, default=None,
                    help="MB: release compiled programs past it, as a server does "
                         f"(the server's is {memory.SERVER_LIMIT_MB:g})")
    args = ap.parse_args()
    memory.BUDGET.limit_mb = args.budget
    print(f"start: {rss_mb():.0f} MB (budget: {args.budget or 'none'})")
    start = time.perf_counter()
    shapes = [(w,) * depth for depth in (1, 2, 3) for w in range(3, 33)]
    for i in range(args.architectures):
        state = MlpLabState()
        state.apply_query({"layers": ",".join(map(str, shapes[i % len(shapes)]))})
        state.grid()
        state.train(20)
        if (i + 1) % 10 == 0:
            gc.collect()
            print(f"{i + 1} architectures: {rss_mb():.0f} MB "
                  f"({time.perf_counter() - start:.0f} s)")
    for i in range(args.formulas):
        state = OptimizerLabState()
        state.apply_query({"surface": "custom", "expr": f"x**2 + {i + 2}*y**2 + sin({i}*x)"})
        state.precompute()
        if (i + 1) % 10 == 0:
            gc.collect()
            print(f"{i + 1} formulas: {rss_mb():.0f} MB ({time.perf_counter() - start:.0f} s)")
    del state
    gc.collect()
    print(f"pages gone: {rss_mb():.0f} MB ({memory.BUDGET.releases} releases)")
    jax.clear_caches()
    gc.collect()
    print(f"after jax.clear_caches(): {rss_mb():.0f} MB")
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    print(f"after malloc_trim(0): {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
