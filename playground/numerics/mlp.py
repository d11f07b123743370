"""The MLP lab's model: small fully connected networks on 2-D data, in pure JAX.

Parameters are pytrees (a list of per-layer dicts), randomness is an explicit
``key`` and batch-norm running statistics live outside the trainable parameters,
as in equinox; no Panel import (the conventions: README, Conventions).

Conventions
-----------
Row vectors.  A batch ``x`` has shape (N, n_in), one example per row, and a layer is

    z = a W + b,        W: (n_in, n_out),  b: (n_out,)

which is the textbooks' column-vector form z = W a + b transposed: our ``W`` is the
textbook W transposed (and ``torch.nn.Linear.weight`` transposed).  A hidden layer
is, in order::

    z = a W + b  →  batch norm (optional)  →  activation f  →  dropout (training only)

and the output layer is z = a W + b alone: K logits for K ≥ 2 classes, turned into
probabilities by the softmax p_k = e^{z_k} / Σ_j e^{z_j}.  Two classes also use two
logits and the softmax (not one logit and a sigmoid): one rule for every K.  The two
are equivalent, σ(z₁ − z₀) = softmax(z)₁.  The loss is the mean negative
log-likelihood (cross-entropy) L = −(1/N) Σ_i log p_{y_i}(x_i), plus an optional
penalty λ₁ Σ|W| + λ₂ Σ W² over the weight matrices only (training descends the
L2 part and applies L1 as a proximal step: ``training.prox_l1``).

Batch norm (per feature, over the mini-batch, before the activation; PyTorch's
``BatchNorm1d`` conventions)::

    training:   x̂ = (z − μ_B) / √(σ²_B + ε),  y = γ x̂ + β      (σ²_B biased: ÷ N)
                running_mean ← (1 − m) running_mean + m μ_B
                running_var  ← (1 − m) running_var  + m σ²_B · N / (N − 1)   (unbiased)
    evaluation: x̂ = (z − running_mean) / √(running_var + ε),  y = γ x̂ + β

Inverted dropout with rate r, keep probability q = 1 − r (hidden layers only)::

    training:   a ← a · m · (1/q),  m ~ Bernoulli(q) per unit and example
    evaluation: a ← a                                     (the full network)

Static versus traced: ``activation``, ``batchnorm`` and ``train`` choose the
computation and must be static under ``jax.jit``; ``dropout_rate``, ``l1``, ``l2``,
``momentum`` and ``eps`` may be traced, so moving a slider never recompiles.  All
functions are pure and work under ``jax.vmap`` over a leading axis of stacked models
(parameters, running statistics and keys).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

import jax
import jax.numpy as jnp

from .errors import CodedError

Array = jax.Array
Params = list[dict[str, Array]]
BNState = tuple[dict[str, Array], ...]

# ---------------------------------------------------------------------------
# Activations.


def linear(z: Array) -> Array:
    """f(z) = z (the identity)."""
    return z


#: Activation name (as users see it) → f, applied elementwise.
ACTIVATIONS: Mapping[str, Callable[[Array], Array]] = MappingProxyType({
    "relu": jax.nn.relu,  # max(0, z); f'(0) taken as 0, as in PyTorch
    "tanh": jnp.tanh,
    "sigmoid": jax.nn.sigmoid,  # 1 / (1 + e^{−z})
    "linear": linear,
})


# ---------------------------------------------------------------------------
# Weight initialisers: (key, n_in, n_out, dtype) -> W of shape (n_in, n_out).
# Biases always start at 0.  (TensorFlow Playground starts them at 0.1; 0 is the
# common default elsewhere, e.g. Keras, and keeps "zeros" a truly all-zero network.)


def zeros(key: Array, n_in: int, n_out: int, dtype=jnp.float32) -> Array:
    """W = 0: every hidden unit of a layer computes the same thing, forever (symmetry)."""
    del key
    return jnp.zeros((n_in, n_out), dtype)


def small_uniform(key: Array, n_in: int, n_out: int, dtype=jnp.float32) -> Array:
    """W_ij ~ U(−0.5, 0.5), whatever the layer size (TensorFlow Playground's choice)."""
    return jax.random.uniform(key, (n_in, n_out), dtype, minval=-0.5, maxval=0.5)


def xavier(key: Array, n_in: int, n_out: int, dtype=jnp.float32) -> Array:
    """Glorot/Xavier normal: W_ij ~ N(0, σ²), σ² = 2 / (n_in + n_out)."""
    std = (2.0 / (n_in + n_out)) ** 0.5
    return std * jax.random.normal(key, (n_in, n_out), dtype)


def he(key: Array, n_in: int, n_out: int, dtype=jnp.float32) -> Array:
    """He/Kaiming normal (for ReLU): W_ij ~ N(0, σ²), σ² = 2 / n_in."""
    std = (2.0 / n_in) ** 0.5
    return std * jax.random.normal(key, (n_in, n_out), dtype)


INITIALISERS: Mapping[str, Callable[..., Array]] = MappingProxyType({
    "zeros": zeros,
    "small_uniform": small_uniform,
    "xavier": xavier,
    "he": he,
})


def init_params(
    key: Array,
    n_inputs: int,
    hidden: Sequence[int],
    n_outputs: int,
    init: str = "xavier",
    dtype=jnp.float32,
    batchnorm: bool = False,
) -> tuple[Params, BNState]:
    """A fresh network ``n_inputs → hidden[0] → … → n_outputs`` and its batch-norm state.

    Returns ``(params, bn_state)``.  ``params`` is a list with one dict per layer,
    ``{"W": (n_in, n_out), "b": (n_out,)}``, weights from ``INITIALISERS[init]`` and
    biases 0; with ``batchnorm`` each hidden layer also has ``"gamma"`` (ones) and
    ``"beta"`` (zeros).  ``bn_state`` holds each hidden layer's running statistics
    ``{"mean": zeros, "var": ones}``, or is ``()`` without batch norm.  ``hidden=()``
    is logistic (softmax) regression.  With batch norm a hidden layer's bias is
    redundant (the mean subtraction cancels it, its gradient is 0); it is kept so
    that the parameter structure does not depend on the switch more than needed.

    Raises:
        ValueError: fewer than 2 output logits.
    """
    if n_outputs < 2:
        raise ValueError(f"need K >= 2 output logits (one per class), got {n_outputs}")
    initialiser = INITIALISERS[init]
    sizes = (n_inputs, *hidden, n_outputs)
    keys = jax.random.split(key, len(sizes) - 1)
    params: Params = []
    bn_state = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layer = {"W": initialiser(keys[i], n_in, n_out, dtype), "b": jnp.zeros(n_out, dtype)}
        if batchnorm and i < len(hidden):
            layer["gamma"] = jnp.ones(n_out, dtype)
            layer["beta"] = jnp.zeros(n_out, dtype)
            bn_state.append({"mean": jnp.zeros(n_out, dtype), "var": jnp.ones(n_out, dtype)})
        params.append(layer)
    return params, tuple(bn_state)


# ---------------------------------------------------------------------------
# Layers with a training / evaluation difference.


def batch_norm(
    z: Array,
    gamma: Array,
    beta: Array,
    state: Mapping[str, Array],
    *,
    train: bool,
    momentum: float | Array = 0.1,
    eps: float | Array = 1e-5,
) -> tuple[Array, dict[str, Array]]:
    """Batch normalisation of ``z`` (N, F) per feature; returns ``(y, new_state)``.

    Training: x̂ = (z − μ_B) / √(σ²_B + ε) with the batch's biased variance, y = γ x̂ + β,
    and running ← (1 − m) running + m · batch statistic, using the *unbiased* batch
    variance σ²_B · N / (N − 1) for ``var`` (PyTorch's convention; needs N ≥ 2).
    Evaluation: the running statistics replace μ_B and σ²_B; the state is unchanged.

    Raises:
        ValueError: training on a batch of one example.
    """
    if train:
        n = z.shape[0]
        if n < 2:
            raise ValueError("batch norm in training needs at least 2 examples per batch")
        mu = jnp.mean(z, axis=0)
        var = jnp.mean(jnp.square(z - mu), axis=0)
        unbiased = var * (n / (n - 1))
        new_state = {
            "mean": (1 - momentum) * state["mean"] + momentum * jax.lax.stop_gradient(mu),
            "var": (1 - momentum) * state["var"] + momentum * jax.lax.stop_gradient(unbiased),
        }
    else:
        mu, var = state["mean"], state["var"]
        new_state = dict(state)
    x_hat = (z - mu) / jnp.sqrt(var + eps)
    return gamma * x_hat + beta, new_state


def _is_zero(rate) -> bool:
    """True when ``rate`` is a concrete 0 (a traced rate may be anything)."""
    if isinstance(rate, jax.core.Tracer):
        return False
    return float(rate) == 0.0


def dropout(a: Array, rate: float | Array, *, train: bool, key: Array | None = None) -> Array:
    """Inverted dropout: in training keep each unit with probability q = 1 − rate, scale by 1/q.

    Evaluation (``train=False``) and a concrete ``rate == 0`` are the identity and need
    no key; otherwise a missing key raises ``ValueError``.  ``rate`` may be traced: a
    traced 0 keeps every unit (U[0, 1) < 1 always) and divides by exactly 1.  Rate 1
    drops everything (output 0, gradient 0).

    Raises:
        ValueError: training without a PRNG key.
    """
    if not train or _is_zero(rate):
        return a
    if key is None:
        raise ValueError("dropout in training needs a PRNG key (pass key=..., or train=False)")
    q = 1.0 - jnp.asarray(rate, a.dtype)

    def dropped(a):
        keep = jax.random.bernoulli(key, q, a.shape)
        scale = 1.0 / jnp.where(q > 0, q, 1.0)  # 1/q once: every kept unit × the same
        return jnp.where(keep, a * scale, jnp.zeros_like(a))

    # A traced rate of 0 skips the random numbers (they cost more than the layer).
    return jax.lax.cond(q < 1.0, dropped, lambda a: a, a)


# ---------------------------------------------------------------------------
# The network.


def _activation(activation: str | Callable[[Array], Array]) -> Callable[[Array], Array]:
    return ACTIVATIONS[activation] if isinstance(activation, str) else activation


def affine(a: Array, w: Array, b: Array) -> Array:
    """z = a W + b as a matrix product: ``a`` (N, n_in), ``w`` (n_in, n_out), ``b`` (n_out,).

    In the arrays' own precision on every device: a GPU's default rounds float32 factors
    to TensorFloat-32 (10 bits), which moved an H200's losses by up to 7e-4 (relative) in 7
    epochs."""
    return jnp.matmul(a, w, precision=jax.lax.Precision.HIGHEST) + b


def affine_fused(a: Array, w: Array, b: Array) -> Array:
    """z = a W + b written as Σ_i a[:, i] W[i, :] + b, a broadcast product and a sum.

    Same value as :func:`affine` (up to float rounding).  For the playground's small
    layers XLA fuses it with the activation around it, where a matrix product would be
    a call of its own (under ``vmap``, a batched one that costs about one call per
    model): the training engine's form (``benchmarks/bench_training.py``).
    """
    return jnp.sum(a[..., :, None] * w, axis=-2) + b


def forward(
    params: Params,
    bn_state: BNState,
    x: Array,
    *,
    activation: str | Callable[[Array], Array],
    train: bool,
    key: Array | None = None,
    dropout_rate: float | Array = 0.0,
    batchnorm: bool = False,
    momentum: float | Array = 0.1,
    eps: float | Array = 1e-5,
    layer: Callable[[Array, Array, Array], Array] = affine,
) -> tuple[Array, BNState, tuple[Array, ...]]:
    """The forward pass; returns ``(logits, new_bn_state, hidden_activations)``.

    ``x`` is (N, n_inputs) and is cast to the parameters' dtype.  Each hidden layer
    computes z = a W + b, batch norm (if ``batchnorm``), a = f(z), then dropout
    (training only); the output layer gives (N, K) logits.  ``hidden_activations``
    holds each hidden layer's f(z), (N, width), before dropout: what the layer's
    neurons compute (the lab's neuron thumbnails call this with ``train=False``).
    ``new_bn_state`` is ``bn_state`` updated in training, unchanged in evaluation.
    ``key`` is needed only in training with a dropout rate that is not a concrete 0.
    ``layer(a, W, b)`` computes z = a W + b: :func:`affine` (a matrix product) or
    :func:`affine_fused` (the training engine's, faster inside its compiled epochs).

    Raises:
        ValueError: ``batchnorm`` without running statistics for every hidden layer, or
            dropout in training without a ``key``.
    """
    f = _activation(activation)
    n_hidden = len(params) - 1
    if batchnorm and len(bn_state) != n_hidden:
        raise ValueError("batchnorm=True needs params and bn_state made with batchnorm=True")
    use_dropout = train and n_hidden > 0 and not _is_zero(dropout_rate)
    if use_dropout:
        if key is None:
            raise ValueError("dropout in training needs a PRNG key (pass key=..., or train=False)")
        keys = jax.random.split(key, n_hidden)

    a = jnp.asarray(x, params[0]["W"].dtype)
    hidden, new_state = [], []
    for i, weights in enumerate(params[:-1]):
        z = layer(a, weights["W"], weights["b"])
        if batchnorm:
            z, s = batch_norm(z, weights["gamma"], weights["beta"], bn_state[i], train=train,
                              momentum=momentum, eps=eps)
            new_state.append(s)
        a = f(z)
        hidden.append(a)
        if use_dropout:
            a = dropout(a, dropout_rate, train=True, key=keys[i])
    logits = layer(a, params[-1]["W"], params[-1]["b"])
    return logits, (tuple(new_state) if batchnorm else bn_state), tuple(hidden)


# ---------------------------------------------------------------------------
# Losses and metrics.  ``labels`` are integer class indices, shape (N,).


def cross_entropy(logits: Array, labels: Array) -> Array:
    """Mean negative log-likelihood −(1/N) Σ_i log softmax(z_i)_{y_i} (stable log-softmax).

    The true class is picked by a mask, not a gather: the same value (the other
    classes add exact zeros), and its gradient is no scatter, which was a slow kernel
    of its own in every training step.
    """
    log_p = jax.nn.log_softmax(logits, axis=-1)
    is_label = jnp.asarray(labels)[:, None] == jnp.arange(logits.shape[-1])
    return -jnp.mean(jnp.sum(jnp.where(is_label, log_p, 0.0), axis=-1))


def accuracy(logits: Array, labels: Array) -> Array:
    """The fraction of examples whose largest logit is the true class."""
    return jnp.mean(jnp.argmax(logits, axis=-1) == jnp.asarray(labels))


def predict_proba(logits: Array) -> Array:
    """Class probabilities p_k = e^{z_k} / Σ_j e^{z_j}, shape (N, K)."""
    return jax.nn.softmax(logits, axis=-1)


@jax.custom_jvp
def abs_with_subgradient(w: Array) -> Array:
    """|w|, whose derivative is sign(w) with sign(0) = 0: the minimum-norm subgradient
    at the kink, PyTorch's ``torch.abs`` (JAX's own ``jnp.abs`` gives 1 at 0)."""
    return jnp.abs(w)


@abs_with_subgradient.defjvp
def _abs_jvp(primals, tangents):
    (w,), (t,) = primals, tangents
    return jnp.abs(w), jnp.sign(w) * t


def penalty(params: Params, l1: float | Array = 0.0, l2: float | Array = 0.0) -> Array:
    """λ₁ Σ|W| + λ₂ Σ W² over every weight matrix (not biases, not γ, β).

    The objective's penalty.  Its gradient is λ₁ sign(W) + 2 λ₂ W, with sign(0) = 0 (the
    minimum-norm subgradient of |w| at 0, as PyTorch's).  Training takes only the L2
    part's gradient: L1 is applied as a proximal step after each update
    (``training.prox_l1``, W ← sign(W)·max(|W| − α λ₁, 0)), which sets weights to exactly
    0.  PyTorch's ``weight_decay=wd`` (which adds wd · W) corresponds to λ₂ = wd / 2.
    """
    weights = [layer["W"] for layer in params]
    return (l1 * sum(jnp.sum(abs_with_subgradient(w)) for w in weights)
            + l2 * sum(jnp.sum(jnp.square(w)) for w in weights))


#: The lab's and the command line's limits on a network's shape.
MAX_HIDDEN_LAYERS = 6
MAX_WIDTH = 32

#: What a :class:`LayersError` says, by code (English; ``text._EN`` has the same
#: templates under ``layers.{code}``, the other languages theirs).
LAYER_MESSAGES: dict[str, str] = {
    "empty": "a layer's width is missing",
    "not_integer": "{item} is not a whole number",
    "width": "a layer has 1 to {max} neurons, not {width}",
    "too_many": "at most {max} hidden layers",
}


class LayersError(CodedError):
    """Why a text of hidden-layer widths was refused (a ``ValueError``): ``code`` of
    :data:`LAYER_MESSAGES` and ``params``; ``str()`` is the English reason."""

    domain = "layers"
    messages = LAYER_MESSAGES


def parse_layers(text: str) -> tuple[int, ...]:
    """Hidden layer widths from ``"8,8"``; ``""`` or ``"0"`` is a linear model.

    A trailing comma is taken (``"8,8,"`` is ``(8, 8)``), as people type lists, and a
    Chinese input method's commas (``"8，8"``, ``"8、8"``) as commas.

    Raises:
        LayersError: anything but 0–6 widths of 1–32 (a ValueError with a short reason).
    """
    text = str(text).strip().replace("，", ",").replace("、", ",")
    if text in ("", "0"):
        return ()
    if text.endswith(",") and text[:-1].strip():  # (a lone comma is a missing width)
        text = text[:-1].rstrip()
    widths = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            raise LayersError.coded("empty")
        if not (item.isascii() and item.isdigit()):  # ("٣" is a digit to Python)
            raise LayersError.coded("not_integer", item=repr(item))
        width = int(item)
        if not 1 <= width <= MAX_WIDTH:
            raise LayersError.coded("width", max=MAX_WIDTH, width=width)
        widths.append(width)
    if len(widths) > MAX_HIDDEN_LAYERS:
        raise LayersError.coded("too_many", max=MAX_HIDDEN_LAYERS)
    return tuple(widths)
