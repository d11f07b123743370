"""What a release of the server's compiled programs costs the pages still open.

    PYTHONPATH=. python benchmarks/bench_release.py [--others 5]

In one process with JAX's persistent cache (a fresh directory), as a server: page A
trains the default network; ``--others`` pages each train another architecture and
close; then the memory bound's release (``ui.memory.release_compiled_programs``; with
``--at-once``, one ``jax.clear_caches()`` as before its steps), and the longest another
thread (a page's loop, asking every 5 ms) waited for Python meanwhile.
Prints the release's time and the memory before and after it, then page A's next
epoch: through its own programs (``numerics.programs``, what the lab does) and, for
comparison, through ``jax.jit``'s caches (what the lab did before: a trace and a
reload from the disk cache after every release); the same for an optimizer page's next
slider move (a race, on the event loop).
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import threading
import time

import playground

playground.one_xla_thread_per_computation()  # as the server

playground.compute_on_the_cpu()  # as the server; JAX_PLATFORMS=cuda for a GPU

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

from playground.labs.mlp.state import MlpLabState  # noqa: E402
from playground.labs.optimizers.state import OptimizerLabState  # noqa: E402
from playground.numerics import race, training  # noqa: E402
from playground.ui import memory  # noqa: E402


def timed(fn) -> float:
    started = time.perf_counter()
    jax.block_until_ready(fn())
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--others", type=int, default=5)
    parser.add_argument("--at-once", action="store_true",
                        help="release with one jax.clear_caches() (before the steps)")
    parser.add_argument("--log-compiles", action="store_true",
                        help="name what page A's next epoch compiles")
    args = parser.parse_args()
    sys.setswitchinterval(0.0005)  # as the server (ui.process.configure_process)
    gc.freeze()  # (the imports' objects out of the collector's sight, as the server)
    jax.config.update("jax_compilation_cache_dir", tempfile.mkdtemp())
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)

    page = MlpLabState()
    page.train(5)
    optimizers = OptimizerLabState()
    optimizers.compute()
    race.run_race(optimizers.active_surface.fn, optimizers.settings())  # (jit's, warm)
    jit_args = (page.arch, page.model, page.model, jnp.asarray(page.best_val, training.DTYPE),
                page.hyper(), *page.data[:4])
    print(f"page A's epoch through jax.jit before the release: "
          f"{timed(lambda: training.train_keeping_best(*jit_args, n_epochs=1)) * 1000:.0f} ms "
          "(its caches warm: the page's compilation filled them)")
    for k in range(args.others):
        other = MlpLabState(layers=f"{9 + k},{9 + k},{9 + k}")
        other.train(3)
        del other
    before = memory.resident_mb()
    gaps, running = [], threading.Event()
    running.set()

    def ticker():  # another thread (a page's loop) that wants Python every 5 ms
        last = time.perf_counter()
        while running.is_set():
            time.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    thread = threading.Thread(target=ticker)
    thread.start()
    if args.at_once:  # what the release was until 2026-12-05
        memory._evict_in_steps = lambda: None
    took = timed(lambda: memory.release_compiled_programs())
    running.clear()
    thread.join()
    print(f"release: {took:.2f} s; {before:.0f} → {memory.resident_mb():.0f} MB resident; "
          f"another thread's longest wait meanwhile {max(gaps) * 1000:.0f} ms")
    compiled = page.programs.compilations
    if args.log_compiles:
        jax.config.update("jax_log_compiles", True)
    own = timed(lambda: page.train(1) or page.history)
    print(f"page A's next epoch, its own programs: {own * 1000:.1f} ms "
          f"(compilations {page.programs.compilations - compiled})")
    through_jit = timed(lambda: training.train_keeping_best(*jit_args, n_epochs=1))
    print(f"page A's next epoch through jax.jit's caches: {through_jit * 1000:.0f} ms "
          "(a trace and a load from the disk cache)")
    compiled = optimizers.programs.compilations
    own = timed(lambda: setattr(optimizers, "x0", optimizers.x0 + 0.25)
                or optimizers.result.loss)
    print(f"an optimizer page's next slider move (a race), its own programs: "
          f"{own * 1000:.1f} ms (compilations {optimizers.programs.compilations - compiled})")
    through_jit = timed(lambda: race.run_race(optimizers.active_surface.fn,
                                              optimizers.settings()).loss)
    print(f"the same race through jax.jit's caches: {through_jit * 1000:.0f} ms")


if __name__ == "__main__":
    main()
