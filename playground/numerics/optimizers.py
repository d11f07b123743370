"""The six optimizers, learning-rate schedules and gradient clipping.

Conventions are PyTorch's (``../shared/CONCEPTS.md`` §2), with θ the parameters,
g the (possibly noisy, clipped) gradient, α_t the scheduled learning rate and t
the step count from 1:

=========  ===============================================================
sgd        θ ← θ − α g
momentum   v ← μ v + g;                     θ ← θ − α v
nesterov   v ← μ v + g;                     θ ← θ − α (g + μ v)
adagrad    s ← s + g²;                      θ ← θ − α g / (√s + ε)
rmsprop    s ← ρ s + (1 − ρ) g²;            θ ← θ − α g / (√s + ε)
adam       m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;
           m̂ = m / (1 − β₁ᵗ);  v̂ = v / (1 − β₂ᵗ);  θ ← θ − α m̂ / (√v̂ + ε)
=========  ===============================================================

Every optimizer is an optax ``GradientTransformation`` built by composition:
``chain(scale_by_<rule>, scale_by_learning_rate(schedule))``.  optax's own
``trace`` (momentum, Nesterov) and ``scale_by_rms`` (with ε outside the root)
already follow these conventions; optax's AdaGrad puts ε inside the root and its
Adam cannot switch bias correction off, so those two rules are written here in
the same interface.  All hyper-parameters may be traced JAX values: building an
optimizer inside a jitted function with slider values as arguments never
recompiles when a slider moves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

Array = jax.Array

# ---------------------------------------------------------------------------
# Update rules that optax does not ship with PyTorch's conventions.


class ScaleByAdagradState(NamedTuple):
    sum_of_squares: optax.Updates


def scale_by_adagrad(eps: float | Array = 1e-10) -> optax.GradientTransformation:
    """AdaGrad's scaling, PyTorch's form: s ← s + g², u = g / (√s + ε), s₀ = 0."""

    def init_fn(params):
        return ScaleByAdagradState(jax.tree.map(jnp.zeros_like, params))

    def update_fn(updates, state, params=None):
        del params
        s = jax.tree.map(lambda g, s: s + g * g, updates, state.sum_of_squares)
        updates = jax.tree.map(lambda g, s: g / (jnp.sqrt(s) + eps), updates, s)
        return updates, ScaleByAdagradState(s)

    return optax.GradientTransformation(init_fn, update_fn)


class ScaleByAdamState(NamedTuple):
    count: Array
    mu: optax.Updates
    nu: optax.Updates


def scale_by_adam(
    b1: float | Array = 0.9,
    b2: float | Array = 0.999,
    eps: float | Array = 1e-8,
    bias_correction: bool | Array = True,
) -> optax.GradientTransformation:
    """Adam's scaling with bias correction that can be switched off (a traced flag).

    m ← β₁ m + (1 − β₁) g, v ← β₂ v + (1 − β₂) g²; with correction
    m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ), else m̂ = m, v̂ = v; u = m̂ / (√v̂ + ε).
    """

    def init_fn(params):
        zeros = jax.tree.map(jnp.zeros_like, params)
        return ScaleByAdamState(jnp.zeros([], jnp.int32), zeros, zeros)

    def update_fn(updates, state, params=None):
        del params
        count = state.count + 1
        mu = optax.tree.update_moment(updates, state.mu, b1, 1)
        nu = optax.tree.update_moment_per_elem_norm(updates, state.nu, b2, 2)
        mu_hat, nu_hat = adam_corrected(mu, nu, count, b1, b2, bias_correction)
        updates = jax.tree.map(lambda m, v: m / (jnp.sqrt(v) + eps), mu_hat, nu_hat)
        return updates, ScaleByAdamState(count, mu, nu)

    return optax.GradientTransformation(init_fn, update_fn)


def adam_corrected(mu, nu, count, b1, b2, bias_correction):
    """(m̂, v̂): the bias-corrected moments, or (m, v) when correction is off."""
    on = jnp.asarray(bias_correction, bool)
    t = count.astype(jnp.result_type(float))
    c1 = jnp.where(on, 1.0 - b1**t, 1.0)
    c2 = jnp.where(on, 1.0 - b2**t, 1.0)
    return jax.tree.map(lambda m: m / c1, mu), jax.tree.map(lambda v: v / c2, nu)


# ---------------------------------------------------------------------------
# The registry.


@dataclass(frozen=True)
class OptimizerSpec:
    """One optimizer as users see it: its name, knobs and formula."""

    key: str
    hyperparams: tuple[str, ...]
    rule: Callable[..., optax.GradientTransformation]
    latex: str


OPTIMIZERS: Mapping[str, OptimizerSpec] = MappingProxyType({
    spec.key: spec
    for spec in (
        OptimizerSpec(
            "sgd", ("lr",), lambda h: optax.identity(),
            r"\theta \leftarrow \theta - \alpha\, g",
        ),
        OptimizerSpec(
            "momentum", ("lr", "momentum"),
            lambda h: optax.trace(decay=h["momentum"], nesterov=False),
            r"v \leftarrow \mu v + g,\quad \theta \leftarrow \theta - \alpha\, v",
        ),
        OptimizerSpec(
            "nesterov", ("lr", "momentum"),
            lambda h: optax.trace(decay=h["momentum"], nesterov=True),
            r"v \leftarrow \mu v + g,\quad \theta \leftarrow \theta - \alpha\,(g + \mu v)",
        ),
        OptimizerSpec(
            "adagrad", ("lr", "eps"), lambda h: scale_by_adagrad(eps=h["eps"]),
            r"s \leftarrow s + g^2,\quad \theta \leftarrow \theta - \frac{\alpha\, g}"
            r"{\sqrt{s} + \varepsilon}",
        ),
        OptimizerSpec(
            "rmsprop", ("lr", "decay", "eps"),
            lambda h: optax.scale_by_rms(
                decay=h["decay"], eps=h["eps"], initial_scale=0.0, eps_in_sqrt=False),
            r"s \leftarrow \rho s + (1-\rho)\, g^2,\quad \theta \leftarrow \theta - "
            r"\frac{\alpha\, g}{\sqrt{s} + \varepsilon}",
        ),
        OptimizerSpec(
            "adam", ("lr", "beta1", "beta2", "eps", "bias_correction"),
            lambda h: scale_by_adam(h["beta1"], h["beta2"], h["eps"], h["bias_correction"]),
            r"m \leftarrow \beta_1 m + (1-\beta_1)\, g,\quad v \leftarrow \beta_2 v + "
            r"(1-\beta_2)\, g^2,\quad \hat m = \frac{m}{1-\beta_1^t},\quad \hat v = "
            r"\frac{v}{1-\beta_2^t},\quad \theta \leftarrow \theta - \frac{\alpha\, \hat m}"
            r"{\sqrt{\hat v} + \varepsilon}",
        ),
    )
})

NAMES: tuple[str, ...] = tuple(OPTIMIZERS)

#: Every knob any optimizer has, with its default (PyTorch's, except ρ = 0.9).
DEFAULTS: Mapping[str, float] = MappingProxyType({
    "lr": 0.01, "momentum": 0.9, "decay": 0.9, "beta1": 0.9, "beta2": 0.999,
    "eps": 1e-8, "bias_correction": 1.0,
})
HYPERPARAMS: tuple[str, ...] = tuple(DEFAULTS)
#: AdaGrad's ε default is PyTorch's 1e-10.
OPTIMIZER_DEFAULTS: Mapping[str, Mapping[str, float]] = MappingProxyType({
    "adagrad": MappingProxyType({"eps": 1e-10}),
})


def hyperparams_for(name: str, overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """All of ``HYPERPARAMS`` for optimizer ``name``: defaults, then ``overrides``."""
    h = dict(DEFAULTS)
    h.update(OPTIMIZER_DEFAULTS.get(name, {}))
    h.update(overrides or {})
    return h


# ---------------------------------------------------------------------------
# Learning-rate schedules: α_t as a function of the step index n = t − 1.

SCHEDULES: tuple[str, ...] = ("constant", "step", "exponential", "inverse_time", "cosine")


class Schedule(NamedTuple):
    """A schedule as traced values.  ``kind`` indexes ``SCHEDULES``.

    step:         α_n = α · k^(−⌊n / N⌋)        (divide by k every N steps)
    exponential:  α_n = α · γⁿ
    inverse_time: α_n = α / (1 + n / N)
    cosine:       α_n = α · (1 + cos(π · min(n, T) / T)) / 2   (T = the run's length)
    """

    kind: Array | int = 0
    every: Array | float = 100.0  # N
    factor: Array | float = 2.0  # k
    gamma: Array | float = 0.99  # γ
    horizon: Array | float = 1000.0  # T


def schedule_multiplier(schedule: Schedule, n) -> Array:
    """α_n / α for the schedule, at step index n = t − 1 (0 for the first step)."""
    n = jnp.asarray(n, jnp.result_type(float))
    every = jnp.maximum(schedule.every, 1.0)
    horizon = jnp.maximum(schedule.horizon, 1.0)
    multipliers = jnp.stack([
        jnp.ones_like(n),
        schedule.factor ** -jnp.floor(n / every),
        schedule.gamma**n,
        1.0 / (1.0 + n / every),
        0.5 * (1.0 + jnp.cos(jnp.pi * jnp.minimum(n, horizon) / horizon)),
    ])
    return multipliers[jnp.asarray(schedule.kind)]


# ---------------------------------------------------------------------------
# Gradient clipping, applied to g before the update rule.

CLIPPING: tuple[str, ...] = ("none", "value", "norm")


def clip_gradient(g: Array, kind, threshold) -> Array:
    """g unchanged, each component clipped to [−c, c], or rescaled so ‖g‖ ≤ c.

    Uses optax's own ``clip`` and ``clip_by_global_norm``; ``kind`` indexes ``CLIPPING``.
    """
    by_value, _ = optax.clip(threshold).update(g, optax.EmptyState())
    by_norm, _ = optax.clip_by_global_norm(threshold).update(g, optax.EmptyState())
    return jnp.stack([g, by_value, by_norm])[jnp.asarray(kind)]


def build(name: str, h: Mapping[str, Array], schedule: Schedule) -> optax.GradientTransformation:
    """Optimizer ``name`` with hyper-parameters ``h``: its rule, then −α_t."""
    lr = h["lr"]
    return optax.chain(
        OPTIMIZERS[name].rule(h),
        optax.scale_by_learning_rate(lambda count: lr * schedule_multiplier(schedule, count)),
    )


def velocity(name: str, rule_state, h: Mapping[str, Array]) -> Array | None:
    """The optimizer's velocity-like state after an update, or None if it has none.

    Momentum and Nesterov: the trace v.  Adam: the first moment m̂ (bias-corrected
    as configured).
    """
    if name in ("momentum", "nesterov"):
        return rule_state.trace
    if name == "adam":
        mu_hat, _ = adam_corrected(rule_state.mu, rule_state.nu, rule_state.count,
                                   h["beta1"], h["beta2"], h["bias_correction"])
        return mu_hat
    return None


def per_dimension_scale(name: str, rule_state, h: Mapping[str, Array]) -> Array | None:
    """1 / (√s + ε) per dimension for the adaptive methods (Adam: 1 / (√v̂ + ε))."""
    if name in ("adagrad",):
        return 1.0 / (jnp.sqrt(rule_state.sum_of_squares) + h["eps"])
    if name == "rmsprop":
        return 1.0 / (jnp.sqrt(rule_state.nu) + h["eps"])
    if name == "adam":
        _, nu_hat = adam_corrected(rule_state.mu, rule_state.nu, rule_state.count,
                                   h["beta1"], h["beta2"], h["bias_correction"])
        return 1.0 / (jnp.sqrt(nu_hat) + h["eps"])
    return None
