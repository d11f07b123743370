"""How fast can XLA:CPU run the bare update of 32 small networks, against one?

    PYTHONPATH=. python benchmarks/bench_update_floor.py

Issue #3 asks for 32 networks trained at once with ``vmap`` in ≤ 3× the time of
one.  This script measures the floor under that figure: the bare SGD update of
TensorFlow Playground's network (2-8-8-2 tanh, softmax cross-entropy, batches of
10), without anything the engine adds (shuffles, evaluation after each epoch, the
optimizer switch, clipping, regularisation), written in four forms, for 1 and for
32 models.  5,000 updates run in one ``lax.scan``; the time per update is the best
of 5 runs.  Every form's gradients are checked against ``jax.grad`` first.

Forms:

- ``grad``: ``jax.grad`` of a loss whose layers are broadcast products summed
  (``mlp.affine_fused``'s form), vmapped over the models.
- ``hand``: the same layers with the backward pass written out (δ = p − onehot,
  ∂W = aᵀδ, δ ← δWᵀ ⊙ (1 − a²)), vmapped over the models.
- ``matmul``: ``hand`` with matrix products (``@``) instead of broadcast sums.
- ``minor``: ``jax.grad`` with the models as the last (fastest-varying) axis,
  written without ``vmap``, so every operation runs along the 32 models.
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np

import playground

playground.one_xla_thread_per_computation()  # before any computation, as the server

playground.compute_on_the_cpu()  # as the server; JAX_PLATFORMS=cuda for a GPU

from playground.numerics import training  # noqa: E402  (the engine's XLA options)

SIZES = (2, 8, 8, 2)
BATCH, BATCHES, UPDATES, LR = 10, 25, 5000, 0.03
_OPTIONS = training.jit_options()  # YNNPACK kept to matrix products, as the engine


def _sum_layer(a, w):  # Σ_i a[b, i] w[i, j]
    return jnp.sum(a[:, :, None] * w[None], axis=1)


def _loss(params, x, y):
    a = x
    for i, (w, b) in enumerate(params):
        z = _sum_layer(a, w) + b
        a = jnp.tanh(z) if i < len(params) - 1 else z
    return jnp.mean(jax.nn.logsumexp(a, axis=-1) - jnp.take_along_axis(a, y[:, None], 1)[:, 0])


def _hand_grads(params, x, y, matmul: bool):
    layer = (lambda a, w: a @ w) if matmul else _sum_layer
    outer = (lambda a, d: a.T @ d) if matmul else (
        lambda a, d: jnp.sum(a[:, :, None] * d[:, None, :], axis=0))
    back = (lambda d, w: d @ w.T) if matmul else (
        lambda d, w: jnp.sum(d[:, None, :] * w[None], axis=2))
    acts = [x]
    for i, (w, b) in enumerate(params):
        z = layer(acts[-1], w) + b
        acts.append(jnp.tanh(z) if i < len(params) - 1 else z)
    p = jax.nn.softmax(acts[-1], axis=-1)
    delta = (p - jax.nn.one_hot(y, p.shape[-1], dtype=p.dtype)) / x.shape[0]
    grads = []
    for i in range(len(params) - 1, -1, -1):
        grads.append((outer(acts[i], delta), jnp.sum(delta, axis=0)))
        if i > 0:
            delta = back(delta, params[i][0]) * (1 - acts[i] ** 2)
    return grads[::-1]


def _minor_loss(params, x, y):  # arrays (..., models)
    a = x
    for i, (w, b) in enumerate(params):
        z = jnp.sum(a[:, :, None, :] * w[None], axis=1) + b[None]
        a = jnp.tanh(z) if i < len(params) - 1 else z
    picked = jnp.sum(jnp.where(y[:, None, :] == jnp.arange(a.shape[1])[None, :, None], a, 0), 1)
    return jnp.sum(jax.nn.logsumexp(a, axis=1) - picked) / x.shape[0]


def grads_fn(form: str):
    """Per-model gradients for a stack of models (leading axis; last for ``minor``)."""
    if form == "grad":
        return jax.vmap(jax.grad(_loss))
    if form in ("hand", "matmul"):
        return jax.vmap(lambda p, x, y: _hand_grads(p, x, y, form == "matmul"))
    if form == "minor":
        return jax.grad(_minor_loss)
    raise ValueError(form)


def problem(models: int, minor: bool, seed: int = 0):
    rng = np.random.default_rng(seed)
    f32 = lambda a: jnp.asarray(a, jnp.float32)
    params = [(f32(rng.normal(size=(models, m, n)) * 0.5), f32(rng.normal(size=(models, n)) * 0.1))
              for m, n in zip(SIZES[:-1], SIZES[1:], strict=True)]
    xs = f32(rng.normal(size=(models, BATCHES, BATCH, SIZES[0])))
    ys = jnp.asarray(rng.integers(0, SIZES[-1], size=(models, BATCHES, BATCH)), jnp.int32)
    if minor:  # the models' axis last
        params = jax.tree.map(lambda a: jnp.moveaxis(a, 0, -1), params)
        xs, ys = jnp.moveaxis(xs, 0, -1), jnp.moveaxis(ys, 0, -1)
    return params, xs, ys


def check(form: str):
    """The form's gradients equal ``jax.grad``'s, model by model."""
    params, xs, ys = problem(4, form == "minor")
    if form == "minor":
        got = grads_fn(form)(params, xs[0], ys[0])
    else:
        got = grads_fn(form)(params, xs[:, 0], ys[:, 0])
    ref_params, ref_xs, ref_ys = problem(4, False)
    want = jax.vmap(jax.grad(_loss))(ref_params, ref_xs[:, 0], ref_ys[:, 0])
    if form == "minor":
        got = jax.tree.map(lambda a: jnp.moveaxis(a, -1, 0), got)
    for g, w in zip(jax.tree.leaves(got), jax.tree.leaves(want), strict=True):
        np.testing.assert_allclose(g, w, rtol=2e-4, atol=1e-6)


def seconds_per_update(form: str, models: int) -> float:
    grads = grads_fn(form)
    minor = form == "minor"

    def run(params, xs, ys):
        def step(p, i):
            k = i % BATCHES
            x = xs[k] if minor else xs[:, k]
            y = ys[k] if minor else ys[:, k]
            g = grads(p, x, y)
            return jax.tree.map(lambda a, b: a - LR * b, p, g), None
        return jax.lax.scan(step, params, jnp.arange(UPDATES))[0]

    run = jax.jit(run, **_OPTIONS)
    args = problem(models, minor)
    jax.block_until_ready(run(*args))
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        jax.block_until_ready(run(*args))
        best = min(best, time.perf_counter() - t0)
    return best / UPDATES


def main():
    for form in ("grad", "hand", "matmul", "minor"):
        check(form)
        one, many = seconds_per_update(form, 1), seconds_per_update(form, 32)
        print(f"{form:7s} one network {1e6 * one:6.2f} µs/update, 32 networks "
              f"{1e6 * many:6.2f} µs/update = {many / one:5.1f}× one")


if __name__ == "__main__":
    main()
