"""The race: all six optimizers descending one surface from one start, in one jitted call.

``run_race`` steps every optimizer of :data:`playground.numerics.optimizers.NAMES` at once
(a ``lax.fori_loop`` over steps whose length is a traced value, the gradient of
all six iterates taken with one ``vmap``).  Hyper-parameters, the start, the
noise, the schedule, the clipping, the seed and the number of steps are all traced
arguments, so a slider never recompiles; only a new surface function or a longer
buffer (``capacity``) does.  The UI shows the subset the user selected.

Each step n = 0 … steps records, per optimizer: the iterate θₙ, L(θₙ), the gradient
g the update rule used at θₙ (noise added, then clipped), the step Δθ = θₙ₊₁ − θₙ, the
velocity-like state after that step (momentum's v, Adam's m̂), the running mean of
squared gradients after it (AdaGrad's and RMSProp's s, Adam's v̂), the per-dimension
effective learning rate α·scale and the scheduled α.  What each optimizer keeps is
read through its registry entry (``optimizers.velocity``, ``optimizers.second_moment``).

Gradient noise simulates mini-batches: g̃ = ∇L(θ) + σ ξₙ, ξₙ ~ N(0, I), one ξₙ per
step shared by all optimizers (common random numbers make the race fair).

Divergence: an iterate that is not finite, leaves ``|θ| ≤ DIVERGENCE_BOUND`` or whose
loss is not finite stops that optimizer: ``diverged_at`` records the step, and every
later record repeats the last good iterate with zero arrows, so nothing
non-finite ever leaves this module.  Where that step went to a finite point within the
bound whose loss is NaN (√x at x < 0), the formula has no value there: ``outside``
says so (``outside_domain``), and ``stop`` calls it ``"outside"``, not a divergence.

An undefined gradient is not a divergence: at a finite iterate with a finite loss
whose gradient is ±∞ or NaN (√x at x = 0: an infinite slope; custom formulas take
the minimum-norm subgradient at kinks, see ``expression``, so |x|, √(x² + y²) and
max(x, −x) at 0 have gradient 0) the optimizer stops there: ``undefined_at`` records
the step, that iterate is recorded (with zero arrows) and repeated.  Where a formula's
g is a subgradient (θₙ at a kink, ``Expression.at_kink``) ``kink`` says so, so that
what shows g can say it is the minimum-norm subgradient.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import optimizers as opt
from .programs import Programs, run
from .surfaces import SurfaceFn

DIVERGENCE_BOUND = 1e6
#: Buffers are allocated for one of these lengths (steps + 1 ≤ capacity); steps
#: within a capacity reuse the compiled function.
CAPACITIES = (1024, 10240)
MAX_STEPS = CAPACITIES[-1] - 1
#: A race's steps, its start's coordinates and its gradient noise σ as the lab, its
#: links and the command line accept them.
STEPS_BOUNDS = (1, 10_000)
START_BOUNDS = (-1e4, 1e4)
NOISE_BOUNDS = (0.0, 100.0)
N_OPT = len(opt.NAMES)


class RaceSettings(NamedTuple):
    """Everything a race depends on besides the surface, as arrays (all traced)."""

    start: jax.Array  # (2,)
    hyper: Mapping[str, jax.Array]  # each (N_OPT,), in opt.NAMES order
    schedule: opt.Schedule
    clip_kind: jax.Array  # index into opt.CLIPPING
    clip_value: jax.Array
    noise: jax.Array  # σ
    seed: jax.Array
    steps: jax.Array


class Race(NamedTuple):
    """A finished race as NumPy arrays; the leading axis is the step n = 0 … steps."""

    points: np.ndarray  # (steps+1, N_OPT, 2)
    loss: np.ndarray  # (steps+1, N_OPT)
    grad: np.ndarray  # (steps+1, N_OPT, 2)   g as the rule saw it: noisy, clipped
    step: np.ndarray  # (steps+1, N_OPT, 2)   θₙ₊₁ − θₙ
    velocity: np.ndarray  # (steps+1, N_OPT, 2)
    second_moment: np.ndarray  # (steps+1, N_OPT, 2)   s (Adam: v̂); 0 without one
    effective_lr: np.ndarray  # (steps+1, N_OPT, 2)
    lr: np.ndarray  # (steps+1, N_OPT)
    diverged_at: np.ndarray  # (N_OPT,) step index, −1 when it never diverged
    # (N_OPT,) the step whose iterate has an undefined gradient (the optimizer stopped
    # there), −1 when none did
    undefined_at: np.ndarray | None = None
    # (steps+1, N_OPT) whether θₙ is at a kink of a formula (``Expression.at_kink``):
    # its g is the minimum-norm subgradient there, not a gradient
    kink: np.ndarray | None = None
    # (N_OPT,) whether the step it "diverged" at left the formula's domain: a finite point
    # within the bound where the loss is NaN (√x at x < 0), not a blow-up
    outside: np.ndarray | None = None

    def of(self, name: str) -> dict[str, np.ndarray]:
        """One optimizer's columns."""
        k = opt.NAMES.index(name)
        return {f: getattr(self, f)[:, k] for f in self._fields
                if f not in ("diverged_at", "undefined_at", "outside")
                and getattr(self, f) is not None}

    def stop(self, k: int) -> tuple[str, int] | None:
        """Why and where optimizer ``k`` stopped: ``("diverged", step)``, ``("outside",
        step)`` (that step's point is outside the formula's domain: its loss is NaN),
        ``("undefined", step)`` (its gradient there is undefined) or None."""
        if self.diverged_at[k] >= 0:
            outside = self.outside is not None and bool(self.outside[k])
            return "outside" if outside else "diverged", int(self.diverged_at[k])
        if self.undefined_at is not None and self.undefined_at[k] >= 0:
            return "undefined", int(self.undefined_at[k])
        return None

    def last_step(self, names) -> int:
        """The last step that one of the optimizers ``names`` reached (each stops where
        it diverges or its gradient is undefined): the run's last unless every one
        stopped before it; the run's last when ``names`` is empty."""
        reached = [self.good_rows(opt.NAMES.index(n)) for n in names]
        return max(max(reached, default=len(self.loss)) - 1, 0)

    def reached(self, k: int) -> dict[str, np.ndarray]:
        """Optimizer ``k``'s rows that it reached (``good_rows``, at least one) as the
        charts' columns, each of length n: ``x``, ``y`` (θ), ``loss``, ``gx``, ``gy`` (g),
        ``sx``, ``sy`` (θₙ₊₁ − θₙ), ``vx``, ``vy`` (the velocity), ``ex``, ``ey`` (α per
        dimension), ``lr`` (α_n) and ``kink`` (bool: g is the minimum-norm subgradient
        at a kink of the formula)."""
        rows = max(self.good_rows(k), 1)
        return {"x": self.points[:rows, k, 0], "y": self.points[:rows, k, 1],
                "loss": self.loss[:rows, k],
                "gx": self.grad[:rows, k, 0], "gy": self.grad[:rows, k, 1],
                "sx": self.step[:rows, k, 0], "sy": self.step[:rows, k, 1],
                "vx": self.velocity[:rows, k, 0], "vy": self.velocity[:rows, k, 1],
                "ex": self.effective_lr[:rows, k, 0], "ey": self.effective_lr[:rows, k, 1],
                "lr": self.lr[:rows, k],
                "kink": (np.zeros(rows, bool) if self.kink is None else self.kink[:rows, k])}

    def good_rows(self, k: int) -> int:
        """How many leading rows of optimizer ``k`` are iterates it reached: all, the
        step it diverged at (that iterate was not finite), or one past the step whose
        gradient is undefined (that iterate is real; no step was taken from it)."""
        stop = self.stop(k)
        if stop is None:
            return len(self.loss)
        return stop[1] + 1 if stop[0] == "undefined" else stop[1]


def loss_floor(minimum: float | None, grid_min: float, races: Sequence[Race],
               indices: Sequence[int]) -> float:
    """The floor a log-scale loss chart subtracts (``loss_gap``): the surface's known
    minimum value ``minimum``, else the lowest of ``grid_min`` (the lowest finite L on
    the grid drawn) and of the finite losses optimizers ``indices`` reached in each of
    ``races`` (before they stopped)."""
    if minimum is not None:
        return float(minimum)
    lows = [float(grid_min)]
    for r in races:
        for k in indices:
            loss = r.loss[:max(r.good_rows(k), 1), k]
            loss = loss[np.isfinite(loss)]
            if loss.size:
                lows.append(float(loss.min()))
    return min(lows)


def loss_gap(loss: np.ndarray, floor: float) -> np.ndarray:
    """L − ``floor``, what a log-scale loss chart draws: kept above 10⁻¹⁶·max(1, |floor|),
    so that reaching the minimum shows as the chart's bottom, not as a gap."""
    return np.maximum(loss - floor, 1e-16 * max(1.0, abs(floor)))


def make_settings(
    start,
    hyper: Mapping[str, Mapping[str, float]] | None = None,
    *,
    schedule: opt.Schedule | None = None,
    clip: str = "none",
    clip_value: float = 1.0,
    noise: float = 0.0,
    seed: int = 0,
    steps: int = 100,
) -> RaceSettings:
    """Settings from plain values; ``hyper[name]`` overrides that optimizer's defaults.

    Raises:
        ValueError: steps outside 0 … ``MAX_STEPS``.
    """
    hyper = hyper or {}
    table = [opt.hyperparams_for(name, hyper.get(name)) for name in opt.NAMES]
    f64 = np.float64
    if not 0 <= int(steps) <= MAX_STEPS:
        raise ValueError(f"steps must be between 0 and {MAX_STEPS}")
    # NumPy arrays: the jitted race takes them as they are, where jnp.asarray would
    # compile a conversion per shape and dtype on a server's first race.
    return RaceSettings(
        start=np.asarray(start, f64),
        hyper={p: np.asarray([row[p] for row in table], f64) for p in opt.HYPERPARAMS},
        # Fixed dtypes: an int where a float was (every=10 vs 10.0) would recompile.
        schedule=opt.Schedule(*(np.asarray(v, np.int32 if f == "kind" else f64)
                                for f, v in zip(opt.Schedule._fields,
                                                schedule or opt.Schedule(), strict=True))),
        clip_kind=np.asarray(opt.CLIPPING.index(clip), np.int32),
        clip_value=np.asarray(clip_value, f64),
        noise=np.asarray(noise, f64),
        seed=np.asarray(seed, np.uint32),
        steps=np.asarray(int(steps), np.int32),
    )


class _Carry(NamedTuple):
    theta: jax.Array  # (N_OPT, 2), the iterate about to be recorded
    last_good: jax.Array
    last_good_loss: jax.Array
    states: tuple
    # −1 running; n ≥ 0 diverged at step n; −2 − n stopped at step n, gradient undefined
    # (one array: a second one in the loop's carry costs ~20 % of a race)
    stopped: jax.Array
    records: jax.Array  # (capacity, N_OPT, _WIDTH)


# Columns of each field in the single record row: vectors take 2, scalars 1.
_COLUMNS = {"points": slice(0, 2), "grad": slice(2, 4), "step": slice(4, 6),
            "velocity": slice(6, 8), "effective_lr": slice(8, 10), "loss": 10, "lr": 11,
            "second_moment": slice(12, 14), "kink": 14}
_WIDTH = 15


def _race(fn: SurfaceFn, capacity: int, s: RaceSettings) -> dict:
    hyper = [{p: s.hyper[p][k] for p in opt.HYPERPARAMS} for k in range(N_OPT)]
    # The rules give the direction; the scheduled −α is applied once for all six below
    # (the same thing as optimizers.build's scale_by_learning_rate, computed once a step).
    rules = [opt.OPTIMIZERS[name].rule(h) for name, h in zip(opt.NAMES, hyper, strict=True)]
    base_lr = s.hyper["lr"]
    theta0 = jnp.broadcast_to(s.start, (N_OPT, 2))
    if hasattr(fn, "value_and_gradient"):  # a formula: its six points at once
        def value_and_grad(theta):
            value, gradient = fn.value_and_gradient(theta[:, 0], theta[:, 1])
            return value, jnp.stack(gradient, -1)
    else:
        value_and_grad = jax.vmap(jax.value_and_grad(lambda p: fn(p[0], p[1])))
    at_kink = getattr(fn, "at_kink", None)  # a formula's; other functions have no kinks
    # Drawn up front: random bits inside the loop would cost more than the optimizers.
    noise = s.noise * jax.random.normal(jax.random.key(s.seed), (capacity, 2))

    def body(n, c: _Carry) -> _Carry:
        loss, grad = value_and_grad(c.theta)
        bad = (~jnp.all(jnp.isfinite(c.theta), -1) | ~jnp.isfinite(loss)
               | jnp.any(jnp.abs(c.theta) > DIVERGENCE_BOUND, -1))
        # A finite point whose slope is infinite or NaN: stop there, not a divergence.
        undefined = ~jnp.all(jnp.isfinite(grad), -1)
        stopped = jnp.where(c.stopped == -1, jnp.where(bad, n, jnp.where(undefined, -2 - n, -1)),
                            c.stopped)
        alive = stopped == -1
        diverged = stopped >= 0
        theta = jnp.where(diverged[:, None], c.last_good, c.theta)
        loss = jnp.where(diverged, c.last_good_loss, loss)

        g = jnp.where(alive[:, None], grad + noise[n], 0.0)
        clipped = jax.vmap(opt.clip_gradient, (0, None, None))(g, s.clip_kind, s.clip_value)
        alpha = base_lr * opt.schedule_multiplier(s.schedule, n)
        directions, states, vel, scales, seconds = [], [], [], [], []
        for k, name in enumerate(opt.NAMES):
            direction, state = rules[k].update(clipped[k], c.states[k], theta[k])
            v = opt.velocity(name, state, hyper[k])
            s2 = opt.second_moment(name, state, hyper[k])
            scale = opt.per_dimension_scale(name, state, hyper[k])
            directions.append(direction)
            states.append(state)
            vel.append(jnp.zeros(2) if v is None else v)
            seconds.append(jnp.zeros(2) if s2 is None else s2)
            scales.append(jnp.ones(2) if scale is None else scale)
        live = alive[:, None]
        step = jnp.where(live, -alpha[:, None] * jnp.stack(directions), 0.0)
        row = jnp.concatenate([
            theta, clipped, step,
            jnp.where(live, jnp.stack(vel), 0.0),
            jnp.where(live, alpha[:, None] * jnp.stack(scales), 0.0),
            loss[:, None], alpha[:, None],
            jnp.where(live, jnp.stack(seconds), 0.0),
            (jnp.zeros(N_OPT) if at_kink is None
             else at_kink(theta[:, 0], theta[:, 1]).astype(theta.dtype))[:, None],
        ], axis=1)
        # θ and L are finite by construction; a gradient or step can still overflow on
        # the row before the divergence is seen (or at a point with an infinite slope).
        row = jnp.where(jnp.isfinite(row), row, 0.0)
        records = c.records.at[n].set(row)
        return _Carry(theta + step, theta, loss, tuple(states), stopped, records)

    init = _Carry(theta0, theta0, jnp.zeros(N_OPT), tuple(r.init(theta0[0]) for r in rules),
                  jnp.full(N_OPT, -1, jnp.int32), jnp.zeros((capacity, N_OPT, _WIDTH)))
    final = jax.lax.fori_loop(0, s.steps + 1, body, init)
    return final.records, final.stopped


# Compiled races by surface.  A cache of pure functions shared by every session
# (no session state): bounded, since custom expressions add entries; locked, since
# the sessions' threads, the thread preparing a page and the warm-up all reach it.
_COMPILED: OrderedDict = OrderedDict()
_COMPILED_LOCK = threading.Lock()
_MAX_COMPILED = 64


def compiled_race(fn: SurfaceFn, capacity: int):
    """The jitted race for ``fn`` and ``capacity`` (one compilation each, whichever
    threads ask at once; the 64 most recently used are kept)."""
    key = (fn, capacity)
    with _COMPILED_LOCK:  # jax.jit only wraps: the compilation is at the first call
        compiled = _COMPILED.get(key)
        if compiled is not None:
            _COMPILED.move_to_end(key)
            return compiled
        compiled = _COMPILED[key] = jax.jit(partial(_race, fn, capacity))
        while len(_COMPILED) > _MAX_COMPILED:
            _COMPILED.popitem(last=False)
    return compiled


@partial(jax.jit, static_argnames=("fn",))
def value_at(fn: SurfaceFn, x, y) -> jax.Array:
    """``fn(x, y)`` at a point (scalars) as one compiled call, which a page holds in its
    programs (``programs.run``): evaluated op by op it was five small programs of JAX's,
    compiled again on the event loop after each release of the server's (``ui.memory``)."""
    return fn(x, y)


def capacity_for(steps: int) -> int:
    """The buffer length (one of ``CAPACITIES``) a race of ``steps`` steps is computed in:
    the shortest that holds its ``steps + 1`` points, so that races within one share a
    compiled program.

    Raises:
        ValueError: ``steps`` above ``MAX_STEPS``.
    """
    for capacity in CAPACITIES:
        if steps + 1 <= capacity:
            return capacity
    raise ValueError(f"steps must be at most {MAX_STEPS}")


def outside_domain(fn: SurfaceFn, points: np.ndarray, step: np.ndarray,
                   diverged_at: np.ndarray) -> np.ndarray:
    """(N_OPT,) bool: whether each optimizer's divergence was a step out of ``fn``'s
    domain, the point it stepped to (θ of the step before plus its step, which the race
    records) finite and within ``DIVERGENCE_BOUND`` with a loss that is NaN (√x at x < 0,
    log x at x ≤ 0), rather than a blow-up (a point or loss that overflows)."""
    out = np.zeros(len(diverged_at), bool)
    for k, d in enumerate(diverged_at):
        if d < 1:
            continue
        taken = np.asarray(step[d - 1, k], np.float64)
        to = np.asarray(points[d - 1, k], np.float64) + taken
        # (a step that overflowed is recorded as 0: that is a blow-up)
        if np.any(taken != 0) and np.all(np.isfinite(to)) and np.all(
                np.abs(to) <= DIVERGENCE_BOUND):
            out[k] = bool(np.isnan(float(fn(to[0], to[1]))))
    return out


def run_race(fn: SurfaceFn, settings: RaceSettings, programs: Programs | None = None) -> Race:
    """Race every optimizer on ``fn``; returns NumPy arrays trimmed to steps + 1 rows.
    Compiled into ``programs`` when given (a page's own, kept through a release of
    JAX's caches)."""
    steps = int(settings.steps)
    records, stopped = jax.device_get(run(programs, compiled_race(fn, capacity_for(steps)), (),
                                          settings))
    records = np.asarray(records)[: steps + 1]
    fields = {name: records[:, :, cols] for name, cols in _COLUMNS.items()}
    fields["kink"] = fields["kink"] > 0
    stopped = np.asarray(stopped)
    diverged_at = np.where(stopped >= 0, stopped, -1)
    return Race(**fields, diverged_at=diverged_at,
                undefined_at=np.where(stopped <= -2, -2 - stopped, -1),
                outside=outside_domain(fn, fields["points"], fields["step"], diverged_at))


# ---------------------------------------------------------------------------
# A sweep: one knob of one optimizer over many values, every race in one call.


def sweep_settings(settings: RaceSettings, name: str, knob: str, values) -> RaceSettings:
    """``settings`` repeated once per value in ``values``, optimizer ``name``'s knob
    ``knob`` set to that value: every hyper-parameter array becomes (V, N_OPT).

    Raises:
        ValueError: ``name`` lacks ``knob``, or a value outside the knob's bounds.
    """
    if knob not in opt.OPTIMIZERS[name].hyperparams:
        raise ValueError(f"{name} has no knob {knob}")
    values = np.asarray([opt.check_knob(knob, v) for v in values], np.float64)
    k = opt.NAMES.index(name)
    hyper = {p: np.repeat(np.asarray(a, np.float64)[None, :], len(values), axis=0)
             for p, a in settings.hyper.items()}
    hyper[knob][:, k] = values
    return settings._replace(hyper=hyper)


def _sweep_axes() -> RaceSettings:
    """vmap's in_axes for a swept ``RaceSettings``: the hyper-parameters along axis 0."""
    return RaceSettings(None, {p: 0 for p in opt.HYPERPARAMS}, None, None, None, None,
                        None, None)


def compiled_sweep(fn: SurfaceFn, capacity: int):
    """The jitted, vmapped race for ``fn`` and ``capacity``: many hyper-parameter rows
    in one call (cached beside ``compiled_race``)."""
    key = (fn, capacity, "sweep")
    with _COMPILED_LOCK:
        compiled = _COMPILED.get(key)
        if compiled is not None:
            _COMPILED.move_to_end(key)
            return compiled
        compiled = _COMPILED[key] = jax.jit(jax.vmap(partial(_race, fn, capacity),
                                                     in_axes=(_sweep_axes(),)))
        while len(_COMPILED) > _MAX_COMPILED:
            _COMPILED.popitem(last=False)
    return compiled


def run_sweep(fn: SurfaceFn, settings: RaceSettings, name: str, knob: str, values) -> list[Race]:
    """One race per value of optimizer ``name``'s knob ``knob`` (``sweep_settings``),
    all in one jitted ``vmap`` call; each as ``run_race`` returns it (steps + 1 rows).

    Raises:
        ValueError: see ``sweep_settings``; steps above ``MAX_STEPS``.
    """
    swept = sweep_settings(settings, name, knob, values)
    steps = int(settings.steps)
    records, stopped = jax.device_get(compiled_sweep(fn, capacity_for(steps))(swept))
    out = []
    for rows, stop in zip(np.asarray(records)[:, : steps + 1], np.asarray(stopped), strict=True):
        fields = {f: rows[:, :, cols] for f, cols in _COLUMNS.items()}
        fields["kink"] = fields["kink"] > 0
        diverged_at = np.where(stop >= 0, stop, -1)
        out.append(Race(**fields, diverged_at=diverged_at,
                        undefined_at=np.where(stop <= -2, -2 - stop, -1),
                        outside=outside_domain(fn, fields["points"], fields["step"],
                                               diverged_at)))
    return out
