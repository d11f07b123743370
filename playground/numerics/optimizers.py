"""The six optimizers, learning-rate schedules and gradient clipping.

Conventions are PyTorch's (README, Conventions), with θ the parameters,
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

The registry: ``OPTIMIZERS`` holds one :class:`OptimizerSpec` per optimizer (its rule,
its LaTeX, how to read its state, its knobs) and ``KNOBS`` one :class:`Knob` per
hyper-parameter (symbol, bounds, default, widget hints).  Both labs' parameters and
links, the command line, the race, the training engine, the update-rule cards and the
playback derive from them: adding an optimizer is one new entry here, plus its name in
the language tables (``optimizer.<name>`` in ``text.py`` and ``text_zh.py``; an
``optimizer.<name>.note`` is optional), its oracle in ``tests/numerics/test_optimizers.py``
and, for a preset surface where the knobs' defaults do not suit it, its line in that
surface's ``defaults`` (``numerics.surfaces``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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
# The knobs: one entry per hyper-parameter, used by both labs, their links and the CLI.


@dataclass(frozen=True)
class Knob:
    """One hyper-parameter as users see it, with its one set of bounds.

    Bounds are closed, ``low ≤ value ≤ high``, and the same in both labs' widgets,
    both labs' links and the command line.  The decay rates μ, ρ, β₁, β₂ stop at
    0.9999 (1 would never forget a gradient and never let Adam's correction finish).
    """

    key: str  # the name in code, in the MLP lab's links and on the command line
    short: str  # in the optimizer lab's parameter names (``adam_beta1``) and text keys
    latex: str  # its symbol in the update rules
    default: float
    low: float
    high: float
    flag: bool = False  # on (1) or off (0): a checkbox
    log: bool = False  # spans decades: typed in scientific form, or a slider of its own range
    step: float | None = None  # a slider's step
    soft: tuple[float, float] | None = None  # a slider's usual range, inside the bounds
    symbol: str = ""  # ``latex`` in plain text, for captions (``α``, ``β₁``)


KNOBS: Mapping[str, Knob] = MappingProxyType({k.key: k for k in (
    Knob("lr", "lr", r"\alpha", 0.01, 1e-7, 100.0, log=True, symbol="α"),
    Knob("momentum", "mu", r"\mu", 0.9, 0.0, 0.9999, step=0.001, soft=(0.0, 0.999),
         symbol="μ"),
    Knob("decay", "rho", r"\rho", 0.9, 0.0, 0.9999, step=0.001, soft=(0.0, 0.999),
         symbol="ρ"),
    Knob("beta1", "beta1", r"\beta_1", 0.9, 0.0, 0.9999, step=0.001, soft=(0.0, 0.999),
         symbol="β₁"),
    Knob("beta2", "beta2", r"\beta_2", 0.999, 0.0, 0.9999, step=0.001, soft=(0.0, 0.999),
         symbol="β₂"),
    Knob("eps", "eps", r"\varepsilon", 1e-8, 1e-12, 1.0, log=True, symbol="ε"),
    Knob("bias_correction", "bias_correction", "", 1.0, 0.0, 1.0, flag=True),
)})


def check_knob(key: str, value: float) -> float:
    """``value`` as a float if it is a finite number within knob ``key``'s bounds.

    Raises:
        ValueError: not finite, or outside ``[low, high]`` (the message says which).
    """
    knob = KNOBS[key]
    value = float(value)
    if not math.isfinite(value):
        raise ValueError("not finite")
    if not knob.low <= value <= knob.high:
        raise ValueError(f"outside [{knob.low:g}, {knob.high:g}]")
    return value


# ---------------------------------------------------------------------------
# The registry: one entry per optimizer, keyed by the name users see.


def _trace_velocity(state, h):
    return state.trace


def _adam_velocity(state, h):
    return adam_corrected(state.mu, state.nu, state.count, h["beta1"], h["beta2"],
                          h["bias_correction"])[0]


def _adam_second_moment(state, h):
    return adam_corrected(state.mu, state.nu, state.count, h["beta1"], h["beta2"],
                          h["bias_correction"])[1]


_ADAM_CORRECTION = r"\hat m = \frac{m}{1-\beta_1^t},\quad \hat v = \frac{v}{1-\beta_2^t}"
_DIVIDED = r"\oslash \left(\sqrt{<second>} + <eps>\right)"


@dataclass(frozen=True)
class OptimizerSpec:
    """One optimizer as users see it: its rule, its formulas, its state and its knobs.

    ``latex`` is the symbolic rule in the knobs' symbols (``KNOBS[k].latex``);
    ``latex_off`` rewrites part of it when a flag knob is off.  ``at_step`` is the
    update of one step with numbers, a template whose ``<name>`` fields the optimizer
    lab fills from a race's records: ``<theta>``, ``<g>``, ``<alpha>``, ``<new>``
    (θₜ₊₁), ``<t>`` (t + 1), ``<velocity>`` and ``<second>`` (the state after the step),
    ``<velocity_prev>`` and ``<second_prev>`` (before it), and every knob by its key.

    ``state`` is the rule's optax state type; ``slots`` maps its fields to the
    training engine's shared state (``training.OptimizerState``), whose fields are
    every slot of every entry; a slot named ``count`` is the step count t (a scalar),
    every other slot is shaped like θ.  ``velocity`` and ``second_moment`` read the
    state after an update: the velocity-like vector (v, Adam's m̂) and the running
    mean of squares s (Adam's v̂) that scales each dimension by 1 / (√s + ε).
    """

    key: str
    hyperparams: tuple[str, ...]
    rule: Callable[[Mapping[str, Array]], optax.GradientTransformation]
    latex: str
    at_step: str
    state: type = optax.EmptyState
    slots: Mapping[str, str] = field(default_factory=dict)
    velocity: Callable | None = None
    second_moment: Callable | None = None
    defaults: Mapping[str, float] = field(default_factory=dict)
    latex_off: Mapping[str, tuple[str, str]] = field(default_factory=dict)


OPTIMIZERS: Mapping[str, OptimizerSpec] = MappingProxyType({
    spec.key: spec
    for spec in (
        OptimizerSpec(
            "sgd", ("lr",), lambda h: optax.identity(),
            r"\theta \leftarrow \theta - \alpha\, g",
            r"\theta_{<t>} = <theta> - <alpha>\,<g> = <new>",
        ),
        OptimizerSpec(
            "momentum", ("lr", "momentum"),
            lambda h: optax.trace(decay=h["momentum"], nesterov=False),
            r"v \leftarrow \mu v + g,\quad \theta \leftarrow \theta - \alpha\, v",
            r"\begin{array}{l} v = <momentum>\,<velocity_prev> + <g> = <velocity> \\ "
            r"\theta_{<t>} = <theta> - <alpha>\,<velocity> = <new> \end{array}",
            state=optax.TraceState, slots={"trace": "trace"}, velocity=_trace_velocity,
        ),
        OptimizerSpec(
            "nesterov", ("lr", "momentum"),
            lambda h: optax.trace(decay=h["momentum"], nesterov=True),
            r"v \leftarrow \mu v + g,\quad \theta \leftarrow \theta - \alpha\,(g + \mu v)",
            r"\begin{array}{l} v = <momentum>\,<velocity_prev> + <g> = <velocity> \\ "
            r"\theta_{<t>} = <theta> - <alpha>\left(<g> + <momentum>\,<velocity>\right)"
            r" = <new> \end{array}",
            state=optax.TraceState, slots={"trace": "trace"}, velocity=_trace_velocity,
        ),
        OptimizerSpec(
            "adagrad", ("lr", "eps"), lambda h: scale_by_adagrad(eps=h["eps"]),
            r"s \leftarrow s + g^2,\quad \theta \leftarrow \theta - \frac{\alpha\, g}"
            r"{\sqrt{s} + \varepsilon}",
            r"\begin{array}{l} s = <second_prev> + <g>^2 = <second> \\ "
            r"\theta_{<t>} = <theta> - <alpha>\,<g> " + _DIVIDED + r" = <new> \end{array}",
            state=ScaleByAdagradState, slots={"sum_of_squares": "sum_of_squares"},
            second_moment=lambda state, h: state.sum_of_squares,
            defaults={"eps": 1e-10},  # PyTorch's
        ),
        OptimizerSpec(
            "rmsprop", ("lr", "decay", "eps"),
            lambda h: optax.scale_by_rms(
                decay=h["decay"], eps=h["eps"], initial_scale=0.0, eps_in_sqrt=False),
            r"s \leftarrow \rho s + (1-\rho)\, g^2,\quad \theta \leftarrow \theta - "
            r"\frac{\alpha\, g}{\sqrt{s} + \varepsilon}",
            r"\begin{array}{l} s = <decay>\,<second_prev> + (1-<decay>)\,<g>^2 = <second> \\ "
            r"\theta_{<t>} = <theta> - <alpha>\,<g> " + _DIVIDED + r" = <new> \end{array}",
            state=optax.ScaleByRmsState, slots={"nu": "rms"},
            second_moment=lambda state, h: state.nu,
        ),
        OptimizerSpec(
            "adam", ("lr", "beta1", "beta2", "eps", "bias_correction"),
            lambda h: scale_by_adam(h["beta1"], h["beta2"], h["eps"], h["bias_correction"]),
            r"m \leftarrow \beta_1 m + (1-\beta_1)\, g,\quad v \leftarrow \beta_2 v + "
            r"(1-\beta_2)\, g^2,\quad " + _ADAM_CORRECTION + r",\quad \theta \leftarrow "
            r"\theta - \frac{\alpha\, \hat m}{\sqrt{\hat v} + \varepsilon}",
            r"\begin{array}{l} \hat m = <velocity>,\quad \hat v = <second> \\ "
            r"\theta_{<t>} = <theta> - <alpha>\,<velocity> " + _DIVIDED
            + r" = <new> \end{array}",
            state=ScaleByAdamState, slots={"count": "count", "mu": "mu", "nu": "nu"},
            velocity=_adam_velocity, second_moment=_adam_second_moment,
            latex_off={"bias_correction": (_ADAM_CORRECTION, r"\hat m = m,\quad \hat v = v")},
        ),
    )
})

NAMES: tuple[str, ...] = tuple(OPTIMIZERS)

#: Every knob with its default (PyTorch's, except ρ = 0.9).
DEFAULTS: Mapping[str, float] = MappingProxyType({k: knob.default for k, knob in KNOBS.items()})
HYPERPARAMS: tuple[str, ...] = tuple(KNOBS)


def hyperparams_for(name: str, overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """All of ``HYPERPARAMS`` for optimizer ``name``: defaults, its own, then ``overrides``."""
    h = dict(DEFAULTS)
    h.update(OPTIMIZERS[name].defaults)
    h.update(overrides or {})
    return h


def symbolic_latex(name: str, h: Mapping[str, float] | None = None) -> str:
    """Optimizer ``name``'s rule in symbols, as the flag knobs in ``h`` configure it."""
    spec = OPTIMIZERS[name]
    latex = spec.latex
    for knob, (on, off) in spec.latex_off.items():
        if h is not None and not h.get(knob, KNOBS[knob].default):
            latex = latex.replace(on, off)
    return latex


# ---------------------------------------------------------------------------
# Learning-rate schedules: α_t as a function of the step index n = t − 1.

SCHEDULES: tuple[str, ...] = ("constant", "step", "exponential", "inverse_time", "cosine")
#: The step schedule's k and the exponential schedule's γ, as every lab and the command
#: line accept them: past k = 100 or under γ = 0.5, α falls to 0 within a few steps.
SCHEDULE_FACTOR_BOUNDS = (1.0, 100.0)
SCHEDULE_GAMMA_BOUNDS = (0.5, 1.0)
#: N of the step and inverse-time schedules, T of the cosine one (steps in the
#: optimizer lab, epochs in the MLP lab).
SCHEDULE_EVERY_BOUNDS = (1, 100_000)
#: The settings each schedule reads besides α: N (``every``) the step and inverse-time
#: schedules, k (``factor``) the step one, γ (``gamma``) the exponential one.  Cosine's T
#: is the run's length (the MLP lab sets it in the N box, in epochs).
SCHEDULE_SETTINGS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "every": ("step", "inverse_time"), "factor": ("step",), "gamma": ("exponential",)})
#: c of value and norm clipping.
CLIP_VALUE_BOUNDS = (1e-6, 1e6)


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


#: N, k and γ where a caller sets none (the optimizer lab's and the command line's; the
#: MLP lab counts N in epochs and starts it at 50); c of clipping likewise.
DEFAULT_SCHEDULE = Schedule()
DEFAULT_CLIP_VALUE = 1.0


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


#: ``schedule_multiplier`` as one compiled call, for a readout outside a compiled loop
#: (op by op it cost ~0.5 ms, asked every frame; compiled ~0.05 ms).  Every field traced.
schedule_multiplier_now = jax.jit(schedule_multiplier)


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


#: The training engine's optimizer-state slots: every entry's, each once.
STATE_SLOTS: tuple[str, ...] = tuple(dict.fromkeys(
    slot for spec in OPTIMIZERS.values() for slot in spec.slots.values()))
#: The slot holding the step count t (a scalar); every other slot is shaped like θ.
COUNT_SLOT = "count"


def velocity(name: str, rule_state, h: Mapping[str, Array]) -> Array | None:
    """The optimizer's velocity-like state after an update, or None if it has none.

    Momentum and Nesterov: the trace v.  Adam: the first moment m̂ (bias-corrected
    as configured).  Shaped like θ.
    """
    read = OPTIMIZERS[name].velocity
    return None if read is None else read(rule_state, h)


def second_moment(name: str, rule_state, h: Mapping[str, Array]) -> Array | None:
    """The running mean of squared gradients s after an update (Adam: v̂), or None."""
    read = OPTIMIZERS[name].second_moment
    return None if read is None else read(rule_state, h)


def per_dimension_scale(name: str, rule_state, h: Mapping[str, Array]) -> Array | None:
    """1 / (√s + ε) per dimension for the adaptive methods (Adam: 1 / (√v̂ + ε))."""
    s = second_moment(name, rule_state, h)
    return None if s is None else 1.0 / (jnp.sqrt(s) + h["eps"])
