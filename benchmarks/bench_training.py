"""The MLP training engine without the UI (issue #3's engine figures).

    PYTHONPATH=. python benchmarks/bench_training.py

TensorFlow Playground's spiral setting: 2-8-8-2 tanh, 250 training points, batch 10,
SGD lr 0.03, no noise.  Prints epochs/s of one network, and the time of 32 networks
trained at once with vmap against one (target ≤ 3×), and of a 4-optimizer race; then
the lab's own functions: ``train_keeping_best`` (one network) and ``train_race`` (two
and four racers).
Every figure includes the evaluation of both sets after every epoch.  Times are the
best of 5 runs (the machine may be shared).
"""

import time
from functools import partial

import jax
import jax.numpy as jnp

import playground

playground.one_xla_thread_per_computation()  # before any computation, as the server

playground.compute_on_the_cpu()  # as the server; JAX_PLATFORMS=cuda for a GPU

from playground.numerics import datasets, training  # noqa: E402


def timed(fn, repeat=5):
    jax.block_until_ready(fn())  # compile
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        jax.block_until_ready(fn())
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    data = datasets.make_dataset("spiral", 500, 0.0, 0)
    train, val = datasets.split(data, 50, 0)
    f32 = lambda a: jnp.asarray(a, jnp.float32)
    x, y, xv, yv = f32(train.X), jnp.asarray(train.y), f32(val.X), jnp.asarray(val.y)
    arch = training.Arch(2, (8, 8), 2, "tanh", False, 10)
    h = training.make_hyper("sgd", lr=0.03)
    epochs = 200
    one = training.init_model(jax.random.key(0), arch)
    t1 = timed(lambda: training.train_epochs(arch, one, h, x, y, xv, yv, n_epochs=epochs))
    print(f"one network: {epochs / t1:,.0f} epochs/s ({1e3 * t1 / epochs:.2f} ms/epoch, "
          f"{len(train.y) // 10} updates/epoch)")
    many = training.stack([training.init_model(jax.random.key(i), arch) for i in range(32)])
    t32 = timed(lambda: training.train_many(arch, many, h, x, y, xv, yv, n_epochs=epochs))
    print(f"32 networks at once (vmap): {t32:.3f} s for {epochs} epochs = {t32 / t1:.1f}× one "
          f"({32 * epochs / t32:,.0f} network-epochs/s)")
    race = training.stack([training.make_hyper(n, lr=0.01)
                           for n in ("sgd", "momentum", "rmsprop", "adam")])
    four = training.stack([one] * 4)
    t4 = timed(lambda: training.train_many(arch, four, race, x, y, xv, yv, n_epochs=epochs))
    print(f"race of 4 optimizers: {t4:.3f} s for {epochs} epochs = {t4 / t1:.1f}× one")

    inf = jnp.asarray(jnp.inf, training.DTYPE)
    tk = timed(lambda: training.train_keeping_best(arch, one, one, inf, h, x, y, xv, yv,
                                                   epochs))
    print(f"the lab's loop (train_keeping_best): {epochs / tk:,.0f} epochs/s")
    for n in (2, 4):
        hypers = training.stack([training.make_hyper(name, lr=0.01) for name in
                                 ("sgd", "momentum", "rmsprop", "adam")[:n]])
        models = training.stack([one] * n)
        tr = timed(partial(training.train_race, arch, models, hypers, x, y, xv, yv, epochs))
        print(f"the lab's race of {n} (train_race): {tr:.3f} s for {epochs} epochs "
              f"= {tr / tk:.1f}× the lab's loop")


if __name__ == "__main__":
    main()
