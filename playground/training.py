"""The MLP lab's training engine: many epochs per jitted call, many models per call.

``train_epochs`` runs ``n_epochs`` epochs in one ``lax.scan``: each epoch shuffles
the training set (an explicit key), walks its mini-batches in order (an inner
``lax.scan``), and then measures cross-entropy and accuracy on the training and
validation sets with the network in evaluation mode (no dropout, batch norm's
running statistics).  It is compiled once per architecture (``Arch``: layer sizes,
activation, batch norm, batch size) and data shape; everything a slider moves —
the optimizer and its knobs, the learning rate and its schedule, clipping, L1, L2,
the dropout rate — is a traced value in ``Hyper``, so moving it never recompiles.

The optimizer is a traced index too: the six update rules of
:mod:`playground.optimizers` (optax transformations, PyTorch's conventions) run
behind one ``lax.switch`` on a state that holds every rule's fields
(``OptimizerState``).  That makes models with different optimizers the same shape,
so a race of several optimizers, or of many seeds, is one ``jax.vmap``
(``train_many``).

An epoch of n examples with batch size b has ⌈n / b⌉ updates; when b does not
divide n the last batch is filled up with the first examples of the same shuffle.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from . import mlp
from . import optimizers as opt

DTYPE = jnp.float32  # small networks train faster in float32; tests use float64


class Arch(NamedTuple):
    """What fixes the compiled computation (hashable: a jit static argument)."""

    n_inputs: int
    hidden: tuple[int, ...]
    n_classes: int
    activation: str = "tanh"
    batchnorm: bool = False
    batch_size: int = 10


class Hyper(NamedTuple):
    """Traced training settings (scalars; leading axis when vmapped)."""

    optimizer: jax.Array  # index into optimizers.NAMES
    lr: jax.Array
    momentum: jax.Array
    decay: jax.Array
    beta1: jax.Array
    beta2: jax.Array
    eps: jax.Array
    bias_correction: jax.Array
    schedule: opt.Schedule
    clip_kind: jax.Array
    clip_value: jax.Array
    l1: jax.Array
    l2: jax.Array
    dropout: jax.Array


def make_hyper(optimizer: str = "sgd", *, lr: float = 0.03, schedule: opt.Schedule | None = None,
               clip: str = "none", clip_value: float = 1.0, l1: float = 0.0, l2: float = 0.0,
               dropout: float = 0.0, dtype=DTYPE, **knobs) -> Hyper:
    """Settings from plain values; ``knobs`` are the optimizer's (momentum, eps, ...)."""
    if optimizer not in opt.NAMES:
        raise ValueError(f"unknown optimizer {optimizer!r}")
    h = opt.hyperparams_for(optimizer, knobs)
    f = lambda v: jnp.asarray(v, dtype)
    s = schedule or opt.Schedule()
    return Hyper(
        optimizer=jnp.asarray(opt.NAMES.index(optimizer), jnp.int32), lr=f(lr),
        momentum=f(h["momentum"]), decay=f(h["decay"]), beta1=f(h["beta1"]),
        beta2=f(h["beta2"]), eps=f(h["eps"]), bias_correction=f(h["bias_correction"]),
        schedule=opt.Schedule(jnp.asarray(s.kind, jnp.int32), f(s.every), f(s.factor),
                              f(s.gamma), f(s.horizon)),
        clip_kind=jnp.asarray(opt.CLIPPING.index(clip), jnp.int32), clip_value=f(clip_value),
        l1=f(l1), l2=f(l2), dropout=f(dropout))


class OptimizerState(NamedTuple):
    """Every update rule's state at once, so all optimizers share one shape."""

    trace: list  # momentum, Nesterov: v
    sum_of_squares: list  # AdaGrad: s
    rms: list  # RMSProp: s
    mu: list  # Adam: m
    nu: list  # Adam: v
    count: jax.Array  # Adam's t


class Model(NamedTuple):
    params: list
    bn_state: tuple
    opt_state: OptimizerState
    key: jax.Array
    step: jax.Array  # updates so far (the schedule's n)
    epoch: jax.Array


def init_model(key, arch: Arch, init: str = "xavier", dtype=DTYPE) -> Model:
    """A fresh network and an optimizer state of zeros."""
    init_key, train_key = jax.random.split(key)
    params, bn_state = mlp.init_params(init_key, arch.n_inputs, arch.hidden, arch.n_classes,
                                       init=init, dtype=dtype, batchnorm=arch.batchnorm)
    zeros = lambda: jax.tree.map(jnp.zeros_like, params)
    state = OptimizerState(zeros(), zeros(), zeros(), zeros(), zeros(), jnp.zeros((), jnp.int32))
    return Model(params, bn_state, state, train_key, jnp.zeros((), jnp.int32),
                 jnp.zeros((), jnp.int32))


def _rule_update(name: str, grads, state: OptimizerState, params, h: Hyper):
    """One optax update rule on its own fields of the shared state."""
    knobs = {"momentum": h.momentum, "decay": h.decay, "eps": h.eps, "beta1": h.beta1,
             "beta2": h.beta2, "bias_correction": h.bias_correction}
    rule = opt.OPTIMIZERS[name].rule(knobs)
    if name in ("momentum", "nesterov"):
        direction, new = rule.update(grads, optax.TraceState(trace=state.trace), params)
        return direction, state._replace(trace=new.trace)
    if name == "adagrad":
        direction, new = rule.update(grads, opt.ScaleByAdagradState(state.sum_of_squares),
                                     params)
        return direction, state._replace(sum_of_squares=new.sum_of_squares)
    if name == "rmsprop":
        direction, new = rule.update(grads, optax.ScaleByRmsState(nu=state.rms), params)
        return direction, state._replace(rms=new.nu)
    if name == "adam":
        direction, new = rule.update(
            grads, opt.ScaleByAdamState(state.count, state.mu, state.nu), params)
        return direction, state._replace(count=new.count, mu=new.mu, nu=new.nu)
    direction, _ = rule.update(grads, optax.EmptyState(), params)  # sgd
    return direction, state


def _same_types(update, grads, state, params, h):
    """A branch of the switch, its outputs cast to the inputs' dtypes (Adam's bias
    correction is computed in the default float type, which is float64 here)."""
    direction, new_state = update(grads, state, params, h)
    cast = lambda new, old: jax.tree.map(lambda a, b: a.astype(b.dtype), new, old)
    return cast(direction, params), cast(new_state, state)


def clip_tree(grads, kind, threshold):
    """Clip a gradient pytree by value or by its global norm (``kind`` indexes CLIPPING)."""
    by_value, _ = optax.clip(threshold).update(grads, optax.EmptyState())
    by_norm, _ = optax.clip_by_global_norm(threshold).update(grads, optax.EmptyState())
    return jax.tree.map(lambda g, v, n: jnp.stack([g, v, n])[kind], grads, by_value, by_norm)


def apply_update(params, state: OptimizerState, grads, h: Hyper, step):
    """θ ← θ − α_n · direction, the direction from the selected rule."""
    grads = clip_tree(grads, h.clip_kind, h.clip_value)
    branches = [partial(_same_types, partial(_rule_update, name)) for name in opt.NAMES]
    direction, state = jax.lax.switch(h.optimizer, branches, grads, state, params, h)
    alpha = h.lr * opt.schedule_multiplier(h.schedule, step)
    params = jax.tree.map(lambda p, d: p - alpha.astype(p.dtype) * d, params, direction)
    return params, state


def evaluate(arch: Arch, model: Model, x, y):
    """(cross-entropy, accuracy) of the network in evaluation mode."""
    logits, _, _ = mlp.forward(model.params, model.bn_state, x, activation=arch.activation,
                               train=False, batchnorm=arch.batchnorm)
    return mlp.cross_entropy(logits, y), mlp.accuracy(logits, y)


def epoch_order(key, n: int, batch_size: int):
    """The shuffled example indices of one epoch, as (⌈n / b⌉, b) batches."""
    n_batches = -(-n // batch_size)
    # One sort of random keys: a uniform shuffle, cheaper than random.permutation's
    # repeated rounds (which took about half of a small network's epoch).
    perm = jnp.argsort(jax.random.bits(key, (n,), jnp.uint32))
    filled = jnp.concatenate([perm, perm[: n_batches * batch_size - n]])
    return filled.reshape(n_batches, batch_size)


def _epoch(arch: Arch, h: Hyper, x, y, model: Model) -> Model:
    key, shuffle_key, dropout_key = jax.random.split(model.key, 3)
    batches = epoch_order(shuffle_key, x.shape[0], arch.batch_size)
    grad_fn = jax.grad(mlp.loss_fn, has_aux=True)

    def step(carry, xs):
        params, bn_state, state, n = carry
        indices, batch_key = xs
        grads, (bn_state, _, _) = grad_fn(
            params, bn_state, x[indices], y[indices], activation=arch.activation,
            key=batch_key, dropout_rate=h.dropout, l1=h.l1, l2=h.l2,
            batchnorm=arch.batchnorm)
        params, state = apply_update(params, state, grads, h, n)
        return (params, bn_state, state, n + 1), None

    keys = jax.random.split(dropout_key, batches.shape[0])
    (params, bn_state, state, n), _ = jax.lax.scan(
        step, (model.params, model.bn_state, model.opt_state, model.step), (batches, keys))
    return Model(params, bn_state, state, key, n, model.epoch + 1)


@partial(jax.jit, static_argnames=("arch", "n_epochs"))
def train_epochs(arch: Arch, model: Model, h: Hyper, x_train, y_train, x_val, y_val,
                 n_epochs: int):
    """``n_epochs`` epochs; returns the model and per-epoch metrics.

    Metrics: an (n_epochs, 4) array of training loss, training accuracy, validation
    loss and validation accuracy after each epoch (cross-entropy without the
    L1/L2 penalty, network in evaluation mode).
    """

    def one(model, _):
        model = _epoch(arch, h, x_train, y_train, model)
        metrics = jnp.stack([*evaluate(arch, model, x_train, y_train),
                             *evaluate(arch, model, x_val, y_val)])
        return model, metrics

    return jax.lax.scan(one, model, None, length=n_epochs)


@partial(jax.jit, static_argnames=("arch", "n_epochs"))
def train_many(arch: Arch, models: Model, h: Hyper, x_train, y_train, x_val, y_val,
               n_epochs: int):
    """``train_epochs`` for a stack of models (leading axis).

    Settings with a leading axis differ per model; scalar ones are shared.  A shared
    optimizer index keeps ``lax.switch`` a real branch (one rule computed); a stacked
    one (a race) evaluates every rule and selects, which costs more.
    """
    train = partial(train_epochs.__wrapped__, arch, n_epochs=n_epochs)
    h_axes = jax.tree.map(lambda leaf: 0 if jnp.ndim(leaf) > 0 else None, h)
    return jax.vmap(lambda m, hh: train(m, hh, x_train, y_train, x_val, y_val),
                    in_axes=(0, h_axes))(models, h)


def stack(items):
    """Stack equal-shaped pytrees (models or settings) along a new leading axis."""
    return jax.tree.map(lambda *leaves: jnp.stack(leaves), *items)
