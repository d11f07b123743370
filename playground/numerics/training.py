"""The MLP lab's training engine: many epochs per jitted call, many models per call.

``train_epochs`` runs ``n_epochs`` epochs in one ``lax.scan``: each epoch shuffles
the training set (an explicit key), walks its mini-batches in order (an inner
``lax.scan``), and then measures cross-entropy and accuracy on the training and
validation sets with the network in evaluation mode (no dropout, batch norm's
running statistics).  It is compiled once per architecture (``Arch``: layer sizes,
activation, batch norm, batch size) and data shape; everything a slider moves —
the optimizer and its knobs, the learning rate and its schedule, clipping, L1, L2,
the dropout rate — is a traced value in ``Hyper``, so moving it never recompiles.

L1 is a proximal step, not a gradient: the optimizer steps on cross-entropy + λ₂ Σ W²,
then every weight is soft-thresholded, W ← sign(W)·max(|W| − α_n λ₁, 0) (``prox_l1``;
ISTA, and in effect TensorFlow Playground's rule that a weight whose L1 step would cross
0 is set to 0).  So L1 drives weights that the data does not need to exactly 0 and holds
them there; a subgradient step (λ₁ sign(W)) only makes them hop around 0.

The optimizer is a traced index too: the six update rules of
:mod:`playground.numerics.optimizers` (optax transformations, PyTorch's conventions) run
behind one ``lax.switch`` on a state that holds every rule's fields
(``OptimizerState``).  That makes models with different optimizers the same shape,
so a race of several optimizers, or of many seeds, is one ``jax.vmap``
(``train_many``).

An epoch of n examples with batch size b has ⌈n / b⌉ updates; when b does not
divide n the last batch is filled up with the first examples of the same shuffle.

Speed.  A playground network is tiny (a few hundred weights, batches of ten), so an
update costs the number of kernels XLA launches far more than arithmetic.  Hence:
the one ``mlp.forward`` runs with ``mlp.affine_fused`` layers (a broadcast product and
a sum that XLA fuses with the activation) rather than matrix products; the optimizer
state goes through the switch as one vector per field (``flatten_state``); dropout's
random numbers and clipping are only computed when in use; an epoch's shuffle is one
sort.  The figures are in ``benchmarks/README.md``.

Importing this module compiles nothing: the XLA options of ``train_epochs`` and
``train_many`` are probed at their first call (``jit_options``).
"""

from __future__ import annotations

import functools
import logging
import threading
from functools import lru_cache, partial
from types import MappingProxyType
from typing import Any, NamedTuple

import jax
import jax.flatten_util
import jax.numpy as jnp
import numpy as np
import optax

from . import mlp
from . import optimizers as opt

logger = logging.getLogger(__name__)

DTYPE = jnp.float32  # small networks train faster in float32; tests use float64

#: The settings nobody chose: the MLP lab's first page and ``python -m playground train``
#: both start from these (the learning rate and the optimizer knobs: ``optimizers.KNOBS``).
DEFAULTS = MappingProxyType(dict(
    dataset="circle", noise=0.0, points=500, train_ratio=50.0, seed=0, features=("x1", "x2"),
    normalise=False, layers="8,8", activation="tanh", init="xavier", optimizer="adam",
    batch=10, l1=0.0, l2=0.0, dropout=0.0, batchnorm=False))
MAX_DROPOUT = 0.9  # a rate of 1 would drop every unit: nothing would reach the output
#: λ₁ and λ₂ as the lab and the command line accept them.
PENALTY_BOUNDS = (0.0, 1.0)


class Arch(NamedTuple):
    """What fixes the compiled computation (hashable: a jit static argument)."""

    n_inputs: int
    hidden: tuple[int, ...]
    n_classes: int
    activation: str = "tanh"
    batchnorm: bool = False
    batch_size: int = 10


#: Traced training settings (scalars; leading axis when vmapped): the optimizer (an index
#: into ``optimizers.NAMES``), one field per knob of the registry (``optimizers.KNOBS``:
#: ``lr``, ``momentum``, … ``bias_correction``), the schedule, clipping, L1/L2 and dropout.
Hyper = NamedTuple("Hyper", [
    ("optimizer", jax.Array),
    *[(knob, jax.Array) for knob in opt.HYPERPARAMS],
    ("schedule", opt.Schedule),
    ("clip_kind", jax.Array),
    ("clip_value", jax.Array),
    ("l1", jax.Array),
    ("l2", jax.Array),
    ("dropout", jax.Array)])


def make_hyper(optimizer: str = "sgd", *, lr: float | None = None,
               schedule: opt.Schedule | None = None, clip: str = "none",
               clip_value: float = 1.0, l1: float = 0.0, l2: float = 0.0,
               dropout: float = 0.0, dtype=DTYPE, **knobs) -> Hyper:
    """Settings from plain values; ``knobs`` are the optimizer's (momentum, eps, ...);
    ``lr`` None is the registry's learning rate for ``optimizer`` (what the lab starts at).

    Raises:
        ValueError: an optimizer not in the registry.
    """
    if optimizer not in opt.NAMES:
        raise ValueError(f"unknown optimizer {optimizer!r}")
    h = opt.hyperparams_for(optimizer, knobs if lr is None else {**knobs, "lr": lr})
    f = lambda v: jnp.asarray(v, dtype)
    s = schedule or opt.Schedule()
    return Hyper(
        optimizer=jnp.asarray(opt.NAMES.index(optimizer), jnp.int32),
        **{k: f(h[k]) for k in opt.HYPERPARAMS},
        schedule=opt.Schedule(jnp.asarray(s.kind, jnp.int32), f(s.every), f(s.factor),
                              f(s.gamma), f(s.horizon)),
        clip_kind=jnp.asarray(opt.CLIPPING.index(clip), jnp.int32), clip_value=f(clip_value),
        l1=f(l1), l2=f(l2), dropout=f(dropout))


#: Every update rule's state at once, so all optimizers share one shape: one field per
#: slot of the registry (``optimizers.STATE_SLOTS``: momentum's and Nesterov's trace v,
#: AdaGrad's s, RMSProp's s, Adam's m, v and its step count t).
OptimizerState = NamedTuple("OptimizerState", [(slot, Any) for slot in opt.STATE_SLOTS])


class Model(NamedTuple):
    """A network in training: its parameters and batch-norm statistics, every optimizer's
    state (``OptimizerState``), the random key for shuffling and dropout, the updates made
    so far (the schedule's n) and the epochs trained.
    """
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
    state = OptimizerState(**{
        slot: jnp.zeros((), jnp.int32) if slot == opt.COUNT_SLOT
        else jax.tree.map(jnp.zeros_like, params) for slot in opt.STATE_SLOTS})
    return Model(params, bn_state, state, train_key, jnp.zeros((), jnp.int32),
                 jnp.zeros((), jnp.int32))


def _rule_update(name: str, grads, state: OptimizerState, h: Hyper):
    """One optax update rule on its own slots of the shared state (no rule reads θ)."""
    spec = opt.OPTIMIZERS[name]
    rule = spec.rule({k: getattr(h, k) for k in opt.HYPERPARAMS})
    own = spec.state(**{f: getattr(state, slot) for f, slot in spec.slots.items()})
    direction, new = rule.update(grads, own)
    return direction, state._replace(**{slot: getattr(new, f) for f, slot in spec.slots.items()})


def _same_types(update, grads, state, h):
    """A branch of the switch, its outputs cast to the inputs' dtypes (Adam's bias
    correction is computed in the default float type, which is float64 here)."""
    direction, new_state = update(grads, state, h)
    cast = lambda new, old: jax.tree.map(lambda a, b: a.astype(b.dtype), new, old)
    return cast(direction, grads), cast(new_state, state)


def clip_tree(grads, kind, threshold):
    """Clip a gradient pytree by value or by its global norm (``kind`` indexes CLIPPING:
    none, each entry to [−c, c], or the whole tree scaled to norm ≤ c; ``threshold`` c);
    the same pytree, every leaf its own shape."""
    by_value, _ = optax.clip(threshold).update(grads, optax.EmptyState())
    by_norm, _ = optax.clip_by_global_norm(threshold).update(grads, optax.EmptyState())
    return jax.tree.map(lambda g, v, n: jnp.stack([g, v, n])[kind], grads, by_value, by_norm)


def flatten_state(state: OptimizerState) -> OptimizerState:
    """The state with each rule's pytree raveled into one vector (``count`` as is)."""
    ravel = lambda tree: jax.flatten_util.ravel_pytree(tree)[0]
    return state._replace(**{slot: ravel(getattr(state, slot)) for slot in state._fields
                             if slot != opt.COUNT_SLOT})


def unflatten_state(flat: OptimizerState, params) -> OptimizerState:
    """``flatten_state`` undone, the pytrees shaped like ``params``."""
    unravel = jax.flatten_util.ravel_pytree(params)[1]
    return flat._replace(**{slot: unravel(getattr(flat, slot)) for slot in flat._fields
                            if slot != opt.COUNT_SLOT})


def prox_l1(params, threshold):
    """Soft-thresholding of every weight matrix (not biases, not γ, β):
    W ← sign(W)·max(|W| − threshold, 0), the proximal step of threshold·Σ|W|."""
    def shrink(w):
        t = jnp.asarray(threshold, w.dtype)
        return jnp.sign(w) * jnp.maximum(jnp.abs(w) - t, 0.0)
    return [{**layer, "W": shrink(layer["W"])} for layer in params]


def apply_update(params, state: OptimizerState, grads, h: Hyper, step, clipping=None):
    """θ ← θ − α_n · direction, the direction from the selected rule; then L1's proximal
    step on the weights, W ← sign(W)·max(|W| − α_n λ₁, 0) (``prox_l1``).

    ``state`` is flat (``flatten_state``): the rules run on one vector per field, so
    ``lax.switch`` passes a few arrays in and out instead of one per layer and field
    (each a copy per step for the rules that leave it unchanged).  ``clipping``
    (default ``h.clip_kind != 0``) may be False only when no clipping is selected: the
    clipped forms are then not computed at all.

    Shapes: ``params`` and ``grads`` a list of layers, each ``{"W": (d_in, d_out), "b":
    (d_out,)}`` (batch norm's ``gamma``, ``beta`` (d_out,) too); ``step`` the step index n
    (scalar, 0 first).  Returns ``(params, state)`` in the same shapes.
    """
    if clipping is None:
        clipping = h.clip_kind != 0
    grads = jax.lax.cond(clipping, lambda g: clip_tree(g, h.clip_kind, h.clip_value),
                         lambda g: g, grads)
    # Raveled after the cond: before it, XLA fuses the gradient sums into the
    # concatenation, which runs slower than the sums on their own.
    flat_grads, unravel = jax.flatten_util.ravel_pytree(grads)
    branches = [partial(_same_types, partial(_rule_update, name)) for name in opt.NAMES]
    direction, state = jax.lax.switch(h.optimizer, branches, flat_grads, state, h)
    alpha = h.lr * opt.schedule_multiplier(h.schedule, step)
    params = jax.tree.map(lambda p, d: p - alpha.astype(p.dtype) * d, params, unravel(direction))
    return prox_l1(params, alpha * h.l1), state


def loss(params, bn_state, x, y, arch: Arch, key, dropout_rate, l2):
    """The objective's smooth part, cross-entropy + λ₂ Σ W² (``mlp.penalty`` without L1,
    which ``apply_update``'s proximal step applies); ``(loss, new_bn_state)``.

    ``mlp.forward`` in training mode with ``mlp.affine_fused`` layers; a concrete
    ``dropout_rate`` of 0 draws no random numbers and needs no ``key``.  ``x``: (B, F)
    inputs (F: the input features), ``y``: (B,) integer class labels; the loss is a scalar
    (nats per example).
    """
    logits, bn_state, _ = mlp.forward(
        params, bn_state, x, activation=arch.activation, train=True, key=key,
        dropout_rate=dropout_rate, batchnorm=arch.batchnorm, layer=mlp.affine_fused)
    return mlp.cross_entropy(logits, y) + mlp.penalty(params, 0.0, l2), bn_state


def evaluate(arch: Arch, model: Model, x, y, layer=mlp.affine):
    """(cross-entropy, accuracy) of the network in evaluation mode on ``x`` (N, F) with
    labels ``y`` (N,): two scalars, nats per example and the share classified right.

    ``layer``: ``mlp.affine``'s matrix products by default, faster than
    ``mlp.affine_fused`` on 250 rows in a default-compiled function (the lab's);
    ``train_epochs`` passes ``affine_fused`` (the same values up to float rounding).
    """
    logits, _, _ = mlp.forward(model.params, model.bn_state, x, activation=arch.activation,
                               train=False, batchnorm=arch.batchnorm, layer=layer)
    return reported_loss(mlp.cross_entropy(logits, y)), mlp.accuracy(logits, y)


def reported_loss(ce):
    """A cross-entropy as reported, never below 0: log-softmax's rounding can give
    −1e-8 for a network that is sure and right, which read "−0.000" (a loss, not a
    gradient: training is unchanged)."""
    return jnp.where(ce <= 0, 0.0, ce)  # NaN stays NaN: a divergence is seen


def epoch_order(key, n: int, batch_size: int):
    """The shuffled example indices of one epoch, as (⌈n / b⌉, b) batches.

    The permutation is ``argsort`` of n random 32-bit keys (ties in index order), a
    uniform shuffle.  It is computed as one sort of (key << 32 | index): the same
    order, and a sort without a second operand is several times cheaper.
    """
    n_batches = -(-n // batch_size)
    bits = jax.random.bits(key, (n,), jnp.uint32).astype(jnp.uint64)
    packed = jnp.sort((bits << 32) | jnp.arange(n, dtype=jnp.uint64))
    perm = (packed & 0xFFFFFFFF).astype(jnp.int32)
    filled = jnp.concatenate([perm, perm[: n_batches * batch_size - n]])
    return filled.reshape(n_batches, batch_size)


def epoch_keys(key):
    """An epoch's keys from the model's: (the next epoch's key, the shuffle's, dropout's).

    The shuffle is ``epoch_order(shuffle_key, n, b)``; the dropout key is split into
    one key per batch, and each of those into one per hidden layer (``mlp.forward``).
    """
    return tuple(jax.random.split(key, 3))


def _epoch(arch: Arch, h: Hyper, x, y, model: Model, dropout=None, clipping=None) -> Model:
    """One epoch of mini-batch updates.

    ``dropout`` and ``clipping`` (defaults ``h.dropout > 0``, ``h.clip_kind != 0``) say
    whether any model uses them; when not, the epoch runs without dropout's random
    numbers and without clipping (``train_many`` decides once for the whole stack,
    so that ``vmap`` keeps these conditions real branches).
    """
    if dropout is None:
        dropout = h.dropout > 0
    key, shuffle_key, dropout_key = epoch_keys(model.key)
    order = epoch_order(shuffle_key, x.shape[0], arch.batch_size)
    grad_fn = jax.grad(loss, has_aux=True)

    def updates(with_dropout: bool):
        def step(carry, batch):
            params, bn_state, state, n = carry
            xb, yb, batch_key = batch
            rate = h.dropout if with_dropout else 0.0
            grads, bn_state = grad_fn(params, bn_state, xb, yb, arch, batch_key, rate, h.l2)
            params, state = apply_update(params, state, grads, h, n, clipping)
            return (params, bn_state, state, n + 1), None

        def run(carry):
            keys = jax.random.split(dropout_key, order.shape[0]) if with_dropout else None
            # The epoch's batches gathered at once; the scan slices them.
            return jax.lax.scan(step, carry, (x[order], y[order], keys))[0]

        return run

    carry = (model.params, model.bn_state, flatten_state(model.opt_state), model.step)
    params, bn_state, state, n = jax.lax.cond(dropout, updates(True), updates(False), carry)
    return Model(params, bn_state, unflatten_state(state, params), key, n, model.epoch + 1)


def _train(arch: Arch, model: Model, h: Hyper, x_train, y_train, x_val, y_val, n_epochs: int,
           dropout=None, clipping=None):
    def metrics(model, x, y):
        return evaluate(arch, model, x, y, layer=mlp.affine_fused)

    def one(model, _):
        model = _epoch(arch, h, x_train, y_train, model, dropout, clipping)
        return model, jnp.stack([*metrics(model, x_train, y_train),
                                 *metrics(model, x_val, y_val)])

    return jax.lax.scan(one, model, None, length=n_epochs)


@lru_cache(maxsize=1)
def jit_options() -> dict:
    """``jax.jit`` options for the training functions: YNNPACK for matrix products only.

    XLA:CPU hands reductions of 4,096 elements or more to its YNNPACK library too:
    the sums in ``mlp.affine_fused`` once 32 models are stacked, which it runs several
    times slower than XLA's own loops (1.3 s instead of 0.32 s for the 32 networks of
    ``benchmarks/bench_training.py``).  Only the kernels change, not what they
    compute.  A jax or XLA without the option gets none; finding out compiles a tiny
    probe, once per process, at the first call (never at import).
    """
    options = {"xla_cpu_experimental_ynn_fusion_type": "LIBRARY_FUSION_TYPE_INDIVIDUAL_DOT"}
    try:
        jax.jit(lambda v: v + 1, compiler_options=options).lower(0.0).compile()
    except Exception as error:  # unknown option, or a jax.jit without compiler_options
        logger.info("training compiles without %s: %s", options, error)
        return {}
    return {"compiler_options": options}


class _JitWithProbedOptions:
    """``jax.jit(fn, **jit_kwargs, **jit_options())``, made at the first call.

    Attributes of the jitted function (``_cache_size``, ``lower``, ...) pass through.
    """

    def __init__(self, fn, **jit_kwargs):
        functools.update_wrapper(self, fn)
        self._fn, self._jit_kwargs = fn, jit_kwargs
        self._jitted = None
        self._lock = threading.Lock()

    def _get(self):
        if self._jitted is None:
            with self._lock:  # one jitted function, hence one cache, whichever thread asks
                if self._jitted is None:
                    self._jitted = jax.jit(self._fn, **self._jit_kwargs, **jit_options())
        return self._jitted

    def __call__(self, *args, **kwargs):
        return self._get()(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._get(), name)


def _jit_with_probed_options(**jit_kwargs):
    return lambda fn: _JitWithProbedOptions(fn, **jit_kwargs)


@_jit_with_probed_options(static_argnames=("arch", "n_epochs"))
def train_epochs(arch: Arch, model: Model, h: Hyper, x_train, y_train, x_val, y_val,
                 n_epochs: int):
    """``n_epochs`` epochs; returns the model and per-epoch metrics.

    Metrics: an (n_epochs, 4) array of training loss, training accuracy, validation
    loss and validation accuracy after each epoch (cross-entropy without the
    L1/L2 penalty, network in evaluation mode).
    """
    return _train(arch, model, h, x_train, y_train, x_val, y_val, n_epochs)


@_jit_with_probed_options(static_argnames=("arch", "n_epochs"))
def train_many(arch: Arch, models: Model, h: Hyper, x_train, y_train, x_val, y_val,
               n_epochs: int):
    """``train_epochs`` for a stack of models (leading axis).

    Settings with a leading axis differ per model; scalar ones are shared.  A shared
    optimizer index keeps ``lax.switch`` a real branch (one rule computed); a stacked
    one (a race) evaluates every rule and selects, which costs more.  Dropout and
    clipping are skipped for the whole stack when no model uses them.
    """
    dropout = jnp.any(h.dropout > 0)
    clipping = jnp.any(h.clip_kind != 0)
    h_axes = jax.tree.map(lambda leaf: 0 if jnp.ndim(leaf) > 0 else None, h)
    return jax.vmap(lambda m, hh: _train(arch, m, hh, x_train, y_train, x_val, y_val, n_epochs,
                                         dropout, clipping),
                    in_axes=(0, h_axes))(models, h)


def stack(items):
    """Stack equal-shaped pytrees (models or settings) along a new leading axis."""
    return jax.tree.map(lambda *leaves: jnp.stack(leaves), *items)


# -- training with the best model kept, and races (the MLP lab's engine) ------------

#: The most epochs one compiled call trains (the count is traced).
CHUNK_CAPACITY = 256


class Data(NamedTuple):
    """What the network sees: float32 inputs (features, normalised), int labels."""

    x_train: jax.Array
    y_train: jax.Array
    x_val: jax.Array
    y_val: jax.Array
    points_train: np.ndarray  # raw 2-D points, for the scatter plot
    points_val: np.ndarray
    mean: np.ndarray  # the normaliser (0 and 1 when off)
    std: np.ndarray
    n_classes: int
    # False at a training share of 100 %: x_val, y_val are then the training set (so the
    # engine's "validation" columns and best epoch follow the training loss) and
    # points_val is empty.
    has_validation: bool = True


@partial(jax.jit, static_argnames=("arch",))
def evaluate_both(arch: Arch, model: Model, x_train, y_train, x_val, y_val):
    """[train loss, train accuracy, val loss, val accuracy], as ``train_epochs`` reports."""
    return jnp.stack([*evaluate(arch, model, x_train, y_train),
                      *evaluate(arch, model, x_val, y_val)])


def _train_keeping_best(arch: Arch, model: Model, best: Model,
                        best_loss, h: Hyper, x_train, y_train, x_val, y_val,
                        n_epochs, capacity: int, dropout=None, clipping=None):
    def one(i, carry):
        model, best, best_loss, metrics = carry
        model = _epoch(arch, h, x_train, y_train, model, dropout, clipping)
        row = jnp.stack([*evaluate(arch, model, x_train, y_train),
                         *evaluate(arch, model, x_val, y_val)])
        better = row[2] < best_loss
        best = jax.tree.map(lambda new, old: jnp.where(better, new, old), model, best)
        return model, best, jnp.where(better, row[2], best_loss), metrics.at[i].set(row)

    metrics = jnp.zeros((capacity, 4), DTYPE)
    n = jnp.clip(jnp.asarray(n_epochs, jnp.int32), 1, capacity)
    return jax.lax.fori_loop(0, n, one, (model, best, best_loss, metrics))


@partial(jax.jit, static_argnames=("arch", "capacity"))
def train_keeping_best(arch: Arch, model: Model, best: Model,
                       best_loss, h: Hyper, x_train, y_train, x_val, y_val,
                       n_epochs, capacity: int = CHUNK_CAPACITY):
    """``n_epochs`` epochs (as ``train_epochs``), keeping the best model too.

    ``n_epochs`` is traced (1 … ``capacity``), so every speed, and the adaptive one,
    shares one compiled function per architecture.  ``best`` and ``best_loss`` are the
    best so far; an epoch replaces them only when its validation loss is strictly
    lower (ties keep the earliest epoch, as ``argmin``).  Returns the model, the best
    model, its validation loss and a (capacity, 4) metrics array whose first
    ``n_epochs`` rows are filled.
    """
    return _train_keeping_best(arch, model, best, best_loss, h, x_train, y_train, x_val,
                               y_val, n_epochs, capacity)


@partial(jax.jit, static_argnames=("arch", "capacity"))
def train_race(arch: Arch, models: Model, h: Hyper, x_train,
               y_train, x_val, y_val, n_epochs, active=None, capacity: int = CHUNK_CAPACITY):
    """``train_keeping_best`` for a stack of models with stacked settings (one vmap).

    A model comes back trained only if it is ``active`` (default: all) and all its
    metrics stayed finite; otherwise it comes back as it went in (a racer that
    diverged keeps its last finite network).  Returns the models and their
    (n_models, capacity, 4) metrics.  Dropout and clipping are skipped for the whole
    stack when no model uses them (as ``train_many``).
    """
    # Asked once for the stack: per model, under vmap, each cond would run both branches.
    dropout = jnp.any(h.dropout > 0)
    clipping = jnp.any(h.clip_kind != 0)

    def one(model, hh, is_active):
        trained, _, _, metrics = _train_keeping_best(
            arch, model, model, jnp.asarray(jnp.inf, DTYPE), hh, x_train, y_train,
            x_val, y_val, n_epochs, capacity, dropout, clipping)
        keep = is_active & jnp.all(jnp.isfinite(metrics))
        return jax.tree.map(lambda new, old: jnp.where(keep, new, old), trained, model), metrics

    if active is None:
        active = jnp.ones(jax.tree.leaves(models)[0].shape[0], bool)
    return jax.vmap(one)(models, h, active)
