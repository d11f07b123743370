"""Whole trajectories of the six optimizers against ``torch.optim`` in float64.

The race (``race.run_race``) steps all six optimizers at once; every recorded point of
every optimizer is compared with the same run done by PyTorch on the same surface,
written again here with torch operations.  Schedules are compared with
``torch.optim.lr_scheduler`` and clipping with ``torch.nn.utils.clip_grad_*``.  Adam
without bias correction has no torch counterpart: a NumPy loop of the textbook formula
is the oracle there.
"""

import math
from functools import cache

import numpy as np
import pytest
import torch

import playground  # noqa: F401  (enables float64 in JAX)
from playground.numerics import optimizers as opt
from playground.numerics import race, surfaces

NAMES = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")

TORCH_SURFACES = {
    "ravine": lambda x, y: 0.05 * x**2 + 2.0 * y**2,
    "rosenbrock": lambda x, y: (1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2,
    "himmelblau": lambda x, y: (x**2 + y - 11.0) ** 2 + (x + y**2 - 7.0) ** 2,
    "saddle": lambda x, y: (x**2 - 1.0) ** 2 + y**2,
}

# Tight: both sides compute the same formulas in float64; only the order of a few
# roundings differs.
RTOL = 1e-9
ATOL = 1e-12

NON_DEFAULT = {
    "sgd": {"lr": 0.01},
    "momentum": {"lr": 0.003, "momentum": 0.7},
    "nesterov": {"lr": 0.003, "momentum": 0.8},
    "adagrad": {"lr": 0.8, "eps": 1e-3},
    "rmsprop": {"lr": 0.05, "decay": 0.8, "eps": 1e-3},
    "adam": {"lr": 0.1, "beta1": 0.8, "beta2": 0.99, "eps": 1e-3},
}

# name -> (surface, start, steps, per-optimizer hyper-parameters)
CASES = {
    "ravine": ("ravine", (-9.0, 1.5), 150, surfaces.SURFACES["ravine"].defaults),
    "rosenbrock": ("rosenbrock", (-1.5, 2.5), 300, surfaces.SURFACES["rosenbrock"].defaults),
    "himmelblau": ("himmelblau", (-0.5, -0.3), 300, surfaces.SURFACES["himmelblau"].defaults),
    "himmelblau-nondefault": ("himmelblau", (0.5, 4.0), 200, NON_DEFAULT),
    "saddle": ("saddle", (0.001, 1.8), 200, surfaces.SURFACES["saddle"].defaults),
    "rosenbrock-nondefault": ("rosenbrock", (-1.0, 0.0), 250, {
        "sgd": {"lr": 0.001},
        "momentum": {"lr": 0.0004, "momentum": 0.5},
        "nesterov": {"lr": 0.0004, "momentum": 0.95},
        "adagrad": {"lr": 0.3, "eps": 1e-6},
        "rmsprop": {"lr": 0.005, "decay": 0.8, "eps": 1e-3},
        "adam": {"lr": 0.02, "beta1": 0.8, "beta2": 0.99, "eps": 1e-3},
    }),
}


def fn_of(surface_name):
    return surfaces.SURFACES[surface_name].fn


# ---------------------------------------------------------------------------- torch oracle


def torch_optimizer(name, params, h):
    if name == "sgd":
        return torch.optim.SGD(params, lr=h["lr"])
    if name == "momentum":
        return torch.optim.SGD(params, lr=h["lr"], momentum=h["momentum"])
    if name == "nesterov":
        return torch.optim.SGD(params, lr=h["lr"], momentum=h["momentum"], nesterov=True)
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=h["lr"], eps=h["eps"],
                                   initial_accumulator_value=0.0)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=h["lr"], alpha=h["decay"], eps=h["eps"])
    if name == "adam":
        return torch.optim.Adam(params, lr=h["lr"], betas=(h["beta1"], h["beta2"]),
                                eps=h["eps"])
    raise AssertionError(name)


def torch_run(surface_name, name, start, steps, h, scheduler=None, clip=None, clip_value=1.0,
              follow=None):
    """steps + 1 torch steps; per step n: θₙ, g (∇L(θₙ), clipped), αₙ, the state after the
    step and ``next``, θ after the step.

    ``follow``: teacher forcing.  Before step n the parameter is set to ``follow[n]`` (the
    race's θₙ) while torch's optimizer state evolves on its own, so each step is torch's
    update from exactly the race's point and history, and rounding differences cannot
    compound along the trajectory.
    """
    f = TORCH_SURFACES[surface_name]
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optim = torch_optimizer(name, [p], h)
    sched = scheduler(optim) if scheduler else None
    out = {k: [] for k in ("points", "loss", "grad", "lr", "velocity", "second_moment",
                           "effective_lr", "next")}
    for t in range(1, steps + 2):
        if follow is not None:
            with torch.no_grad():
                p.copy_(torch.from_numpy(np.array(follow[t - 1], dtype=np.float64)))
        optim.zero_grad()
        loss = f(p[0], p[1])
        loss.backward()
        out["points"].append(p.detach().numpy().copy())
        out["loss"].append(loss.item())
        if clip == "value":
            torch.nn.utils.clip_grad_value_([p], clip_value)
        elif clip == "norm":
            torch.nn.utils.clip_grad_norm_([p], clip_value)
        out["grad"].append(p.grad.numpy().copy())  # as the update rule sees it: clipped
        lr = optim.param_groups[0]["lr"]
        out["lr"].append(lr)
        optim.step()
        out["next"].append(p.detach().numpy().copy())
        state = optim.state[p]
        velocity, scale, second = np.zeros(2), np.ones(2), np.zeros(2)
        if name in ("momentum", "nesterov"):
            velocity = state["momentum_buffer"].numpy().copy()
        elif name == "adagrad":
            second = state["sum"].numpy().copy()
            scale = 1.0 / (np.sqrt(second) + h["eps"])
        elif name == "rmsprop":
            second = state["square_avg"].numpy().copy()
            scale = 1.0 / (np.sqrt(second) + h["eps"])
        elif name == "adam":
            velocity = state["exp_avg"].numpy() / (1.0 - h["beta1"] ** t)
            second = state["exp_avg_sq"].numpy() / (1.0 - h["beta2"] ** t)
            scale = 1.0 / (np.sqrt(second) + h["eps"])
        out["velocity"].append(velocity)
        out["second_moment"].append(second)
        out["effective_lr"].append(lr * scale)
        if sched is not None:
            sched.step()
    return {k: np.asarray(v) for k, v in out.items()}


def compare_with_torch(ours, surface_name, name, start, steps, h, rtol=RTOL, atol=ATOL,
                       **torch_kw):
    """Both comparisons of one optimizer's recorded columns with torch.

    Teacher-forced: every step n ≤ steps, θₙ₊₁ and the state after it, tight.
    Free-running: torch's own trajectory against every recorded point, over the first
    ``free_running_steps(name, steps)`` steps.
    """
    forced = torch_run(surface_name, name, start, steps, h, follow=ours["points"], **torch_kw)
    close(ours["points"][1:], forced["next"][:-1], rtol=rtol, atol=atol,
          what="θₙ₊₁ (teacher-forced)")
    close(ours["points"][-1] + ours["step"][-1], forced["next"][-1], rtol=rtol, atol=atol,
          what="last step (teacher-forced)")
    close(ours["loss"], forced["loss"], atol=1e-10, what="loss")
    close(ours["grad"], forced["grad"], rtol=rtol, atol=max(atol, 1e-10), what="grad")
    close(ours["lr"], forced["lr"], atol=1e-15, what="lr")
    close(ours["velocity"], forced["velocity"], rtol=rtol, atol=max(atol, 1e-10),
          what="velocity")
    close(ours["effective_lr"], forced["effective_lr"], rtol=rtol, atol=1e-15,
          what="effective_lr")
    # s sums g²: a relative difference in g counts twice.
    close(ours["second_moment"], forced["second_moment"], rtol=2 * rtol,
          atol=max(atol, 1e-10), what="second_moment")

    free = torch_run(surface_name, name, start, steps, h, **torch_kw)
    k = free_running_steps(name, steps)
    close(ours["points"][: k + 1], free["points"][: k + 1], rtol=rtol, atol=atol,
          what="points (free)")
    return free


def free_running_steps(name, steps):
    """How far the free-running trajectories are compared.

    RMSProp is numerically unstable on these curved surfaces: on Rosenbrock it rattles
    across the valley, and near any minimum s → 0 makes α/(√s + ε) grow until the
    minimum is unstable.  A 1-ulp difference between the two implementations (XLA and
    torch round, fuse and order the same float64 operations differently) then grows
    ~4× per step (measured: 1e-16 at step 30, 1e-2 at step 58 on Rosenbrock), so no
    tolerance survives 300 steps.  Its first 40 steps are compared free-running; the
    teacher-forced comparison covers every step.  All other optimizers are compared
    free-running on every point.
    """
    return min(steps, 40) if name == "rmsprop" else steps


@cache
def race_of(case, schedule=None, clip="none", clip_value=1.0, steps=None):
    surface_name, start, case_steps, hyper = CASES[case]
    steps = case_steps if steps is None else steps
    settings = race.make_settings(start, hyper, schedule=schedule, clip=clip,
                                  clip_value=clip_value, steps=steps)
    result = race.run_race(fn_of(surface_name), settings)
    # A precondition of every comparison below: the run is a real trajectory.
    np.testing.assert_array_equal(result.diverged_at, -1)
    return result


def hyper_for(case, name):
    return opt.hyperparams_for(name, CASES[case][3].get(name))


def close(actual, expected, rtol=RTOL, atol=ATOL, what=""):
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


# ---------------------------------------------------------------------------- trajectories


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("case", list(CASES))
def test_trajectory_matches_torch(case, name):
    surface_name, start, steps, _ = CASES[case]
    ours = race_of(case).of(name)
    assert ours["points"].shape == (steps + 1, 2)
    np.testing.assert_array_equal(ours["points"][0], start)
    compare_with_torch(ours, surface_name, name, start, steps, hyper_for(case, name))


def test_the_six_optimizers():
    assert tuple(opt.NAMES) == NAMES


def test_trajectories_actually_move_and_differ():
    """Guards against vacuous comparisons: every optimizer travels, and differently."""
    r = race_of("himmelblau-nondefault")
    travelled = np.linalg.norm(r.points[-1] - r.points[0], axis=-1)
    assert np.all(travelled > 0.5)
    middle = r.points[20]
    for i in range(len(NAMES)):
        for j in range(i):
            assert not np.allclose(middle[i], middle[j])


@pytest.mark.parametrize("case", list(CASES))
def test_step_column_is_the_difference_of_points(case):
    r = race_of(case)
    scale = np.abs(r.points[:-1]) + np.abs(r.points[1:])
    diff = r.points[1:] - r.points[:-1]
    assert np.all(np.abs(r.step[:-1] - diff) <= 1e-14 * scale + 1e-300)


@pytest.mark.parametrize("case", list(CASES))
def test_grad_column_is_the_closed_form_gradient(case, gradient_of):
    r = race_of(case)
    surface_name = CASES[case][0]
    expected = gradient_of(surface_name, r.points[..., 0], r.points[..., 1])
    close(r.grad, expected, rtol=1e-11, atol=1e-11)


def test_non_adaptive_columns(gradient_of):
    r = race_of("himmelblau-nondefault")
    for name in ("sgd", "momentum", "nesterov"):
        col = r.of(name)
        np.testing.assert_array_equal(col["effective_lr"], np.repeat(col["lr"][:, None], 2, 1))
    np.testing.assert_array_equal(r.of("sgd")["velocity"], 0.0)
    np.testing.assert_array_equal(r.of("rmsprop")["velocity"], 0.0)
    # SGD's step is exactly −α∇L.
    sgd = r.of("sgd")
    grad = gradient_of("himmelblau", sgd["points"][:, 0], sgd["points"][:, 1])
    close(sgd["step"], -0.01 * grad, rtol=1e-12)


# ---------------------------------------------------------------------------- schedules


def _schedule(kind, **kw):
    return opt.Schedule(kind=opt.SCHEDULES.index(kind), **kw)


SCHEDULE_STEPS = 100
SCHEDULE_CASES = {
    # id: (case whose surface, start and hyper-parameters are used, playground schedule,
    #      torch scheduler factory); SCHEDULE_STEPS steps each.
    "step-2": ("himmelblau", _schedule("step", every=20.0, factor=2.0),
               lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=20, gamma=0.5)),
    "step-3": ("ravine", _schedule("step", every=7.0, factor=3.0),
               lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=7, gamma=1 / 3)),
    "exponential": ("himmelblau-nondefault", _schedule("exponential", gamma=0.98),
                    lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.98)),
    "inverse_time": ("himmelblau", _schedule("inverse_time", every=10.0),
                     lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda e: 1 / (1 + e / 10))),
    # Cosine over exactly the run's length T.
    "cosine": ("saddle", _schedule("cosine", horizon=float(SCHEDULE_STEPS)),
               lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=SCHEDULE_STEPS,
                                                                    eta_min=0)),
}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("sched_id", list(SCHEDULE_CASES))
def test_schedule_matches_torch(sched_id, name):
    case, schedule, factory = SCHEDULE_CASES[sched_id]
    surface_name, start, _, _ = CASES[case]
    steps = SCHEDULE_STEPS
    ours = race_of(case, schedule=schedule, steps=steps).of(name)
    compare_with_torch(ours, surface_name, name, start, steps, hyper_for(case, name),
                       scheduler=factory)


@pytest.mark.parametrize("sched_id", list(SCHEDULE_CASES))
def test_schedule_changes_the_learning_rate(sched_id):
    """The schedule is really applied (the comparison above could not pass vacuously)."""
    case, schedule, _ = SCHEDULE_CASES[sched_id]
    lr = race_of(case, schedule=schedule, steps=SCHEDULE_STEPS).lr
    assert lr[-1, 0] < 0.6 * lr[0, 0]
    if sched_id == "cosine":
        assert lr[-1, 0] == pytest.approx(0.0, abs=1e-18)  # α_T = 0
        assert lr[SCHEDULE_STEPS // 2, 0] == pytest.approx(0.5 * lr[0, 0], rel=1e-12)


@pytest.mark.parametrize("sched_id", list(SCHEDULE_CASES))
def test_the_readouts_compiled_schedule_gives_the_races_learning_rates(sched_id):
    """``schedule_multiplier_now`` (the MLP readout's α) is α_n of the race at every step,
    for every kind, from one compilation."""
    case, schedule, _ = SCHEDULE_CASES[sched_id]
    lr = race_of(case, schedule=schedule, steps=SCHEDULE_STEPS).lr[:, 0]
    base = lr[0]
    first = base * float(opt.schedule_multiplier_now(schedule, 0.0))
    compiled = opt.schedule_multiplier_now._cache_size()
    now = [first] + [base * float(opt.schedule_multiplier_now(schedule, float(n)))
                     for n in range(1, len(lr))]
    np.testing.assert_allclose(now, lr, rtol=1e-12, atol=1e-300)
    assert opt.schedule_multiplier_now._cache_size() == compiled  # every value is traced


# ---------------------------------------------------------------------------- clipping

CLIP_CASES = {"value": 5.0, "norm": 10.0}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("clip", list(CLIP_CASES))
def test_clipping_matches_torch(clip, name):
    surface_name, start, steps, _ = CASES["rosenbrock-nondefault"]
    ours = race_of("rosenbrock-nondefault", clip=clip, clip_value=CLIP_CASES[clip]).of(name)
    # clip_grad_norm_ divides by ‖g‖ + 1e-6 where the playground (its formula card) divides
    # by ‖g‖: a relative difference of ~1e-6/‖g‖ in each clipped step.  The exact formula
    # is checked tightly in test_clipped_sgd_step_is_exact.  Momentum-like states add
    # up those differences (‖g‖ ≤ c = 10 each), hence the absolute tolerance.
    rtol, atol = (1e-7, 1e-6) if clip == "norm" else (RTOL, ATOL)
    compare_with_torch(ours, surface_name, name, start, steps,
                       hyper_for("rosenbrock-nondefault", name), rtol=rtol, atol=atol,
                       clip=clip, clip_value=CLIP_CASES[clip])


@pytest.mark.parametrize("clip", list(CLIP_CASES))
def test_clipped_sgd_step_is_exact(clip, gradient_of):
    c = CLIP_CASES[clip]
    r = race_of("rosenbrock-nondefault", clip=clip, clip_value=c).of("sgd")
    g = gradient_of("rosenbrock", r["points"][:, 0], r["points"][:, 1])
    if clip == "value":
        clipped = np.clip(g, -c, c)
    else:
        norm = np.linalg.norm(g, axis=-1, keepdims=True)
        clipped = g * np.minimum(1.0, c / norm)
    # The recorded gradient is the one the update rule used: clipped.
    close(r["grad"], clipped, rtol=1e-11, atol=1e-11)
    close(r["step"], -r["lr"][:, None] * clipped, rtol=1e-11, atol=1e-14)
    # Clipping was active on some steps and not on others.
    active = np.any(clipped != g, axis=-1)
    assert active.any() and not active.all()


# ---------------------------------------------------------------------------- Adam variants


def adam_without_correction(surface_name, start, steps, h, gradient_of):
    """The textbook recursion with m̂ = m, v̂ = v."""
    theta = np.array(start, float)
    m = v = np.zeros(2)
    points = [theta.copy()]
    for _ in range(steps):
        g = gradient_of(surface_name, *theta)
        m = h["beta1"] * m + (1 - h["beta1"]) * g
        v = h["beta2"] * v + (1 - h["beta2"]) * g * g
        theta = theta - h["lr"] * m / (np.sqrt(v) + h["eps"])
        points.append(theta.copy())
    return np.array(points)


@pytest.mark.parametrize("surface_name", ["himmelblau", "rosenbrock"])
def test_adam_without_bias_correction(surface_name, gradient_of):
    h = {"lr": 0.05, "beta1": 0.8, "beta2": 0.99, "eps": 1e-3, "bias_correction": 0.0}
    start, steps = (-1.0, 0.5), 200
    settings = race.make_settings(start, {"adam": h}, steps=steps)
    ours = race.run_race(fn_of(surface_name), settings).of("adam")
    expected = adam_without_correction(surface_name, start, steps, h, gradient_of)
    close(ours["points"], expected)
    # ...and it really is a different run from Adam with correction.
    with_correction = race.run_race(
        fn_of(surface_name), race.make_settings(start, {"adam": {**h, "bias_correction": 1.0}},
                                                steps=steps)).of("adam")
    assert not np.allclose(with_correction["points"], ours["points"])
    # The first step is tiny without correction: (1−β₁)/√(1−β₂) times the corrected one.
    ratio = np.abs(ours["step"][0]) / np.abs(with_correction["step"][0])
    np.testing.assert_allclose(ratio, 0.2 / math.sqrt(0.01), rtol=1e-3)


# ---------------------------------------------------------------------------- optimizers.build


@pytest.mark.parametrize("name", opt.NAMES)
def test_build_matches_torch(name):
    """Every registry entry's rule, as ``optimizers.build`` composes it (used outside the
    race), agrees with torch.optim in float64; an entry without a torch counterpart in
    ``torch_optimizer`` fails here."""
    import jax

    case = "himmelblau-nondefault"
    surface_name, start, _, _ = CASES[case]
    steps = 40
    h = hyper_for(case, name)
    schedule = _schedule("exponential", gamma=0.97)
    tx = opt.build(name, {k: np.float64(v) for k, v in h.items()}, schedule)
    fn = fn_of(surface_name)
    grad = jax.grad(lambda p: fn(p[0], p[1]))

    @jax.jit
    def step(params, state):
        updates, state = tx.update(grad(params), state, params)
        return params + updates, state

    params = np.asarray(start, float)
    state = tx.init(params)
    points = [params]
    for _ in range(steps):
        params, state = step(params, state)
        points.append(np.asarray(params))
    ref = torch_run(surface_name, name, start, steps, h,
                    scheduler=lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.97))
    close(np.array(points), ref["points"])


def test_each_knob_is_one_registry_entry_its_plain_symbol_and_its_training_field():
    """A knob's plain symbol (captions) is its LaTeX symbol's character, read from
    Unicode's names (``\\beta_1`` → GREEK SMALL LETTER BETA, SUBSCRIPT ONE), and the
    MLP engine's traced settings have one field per knob, in the registry's order."""
    import unicodedata

    from playground.numerics import training

    digits = {"1": "ONE", "2": "TWO"}
    for key, knob in opt.KNOBS.items():
        if knob.flag:
            continue
        letter, _, index = knob.latex.lstrip("\\").partition("_")
        letter = letter.removeprefix("var")  # \varepsilon: the same letter, ε
        expected = unicodedata.lookup(f"GREEK SMALL LETTER {letter.upper()}") + (
            unicodedata.lookup(f"SUBSCRIPT {digits[index]}") if index else "")
        assert knob.symbol == expected, key
    fields = training.Hyper._fields
    assert [f for f in fields if f in opt.KNOBS] == list(opt.HYPERPARAMS)
    assert fields[1:1 + len(opt.HYPERPARAMS)] == opt.HYPERPARAMS
