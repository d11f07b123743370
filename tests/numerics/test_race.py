"""The race as a whole: divergence, non-finite surfaces, compilation, gradient noise."""

import logging

import jax
import numpy as np
import pytest

import playground  # noqa: F401  (enables float64 in JAX)
from playground.numerics import optimizers as opt
from playground.numerics import race, surfaces
from playground.numerics.expression import parse_expression

RAVINE = surfaces.SURFACES["ravine"]
START = RAVINE.start  # (-9, 1.5)
SGD = opt.NAMES.index("sgd")
FIELDS = ("points", "loss", "grad", "step", "velocity", "second_moment", "effective_lr", "lr",
          "kink")


def ravine_gradient(points):
    """Closed form ∇(0.05x² + 2y²) = (0.1x, 4y)."""
    return np.stack([0.1 * points[..., 0], 4.0 * points[..., 1]], axis=-1)


def ravine_loss(points):
    return 0.05 * points[..., 0] ** 2 + 2.0 * points[..., 1] ** 2


def run(hyper=None, fn=RAVINE.fn, start=START, **kw):
    return race.run_race(fn, race.make_settings(start, hyper or RAVINE.defaults, **kw))


def assert_all_finite(result):
    for field in FIELDS:
        assert np.all(np.isfinite(getattr(result, field))), field


# ---------------------------------------------------------------------------- divergence


@pytest.mark.parametrize("lr", [1.5, 100.0])
def test_sgd_divergence_is_caught_and_frozen(lr):
    steps = 200
    r = run({**RAVINE.defaults, "sgd": {"lr": lr}}, steps=steps)
    k = int(r.diverged_at[SGD])
    assert 0 < k <= steps and r.stop(SGD) == ("diverged", k)  # out of bounds: a blow-up
    assert_all_finite(r)
    sgd = r.of("sgd")
    # Before k: ordinary SGD on the closed form, with |θ| ≤ the bound.
    p = np.array(START, float)
    for n in range(k):
        np.testing.assert_allclose(sgd["points"][n], p, rtol=1e-12)
        p = p - lr * ravine_gradient(p)
    # θ_k is the first iterate out of bounds (the closed-form recursion agrees).
    assert np.max(np.abs(p)) > race.DIVERGENCE_BOUND
    assert np.max(np.abs(sgd["points"][k - 1])) <= race.DIVERGENCE_BOUND
    # From k on: frozen at the last good point, its loss, no arrows.
    np.testing.assert_array_equal(sgd["points"][k:], np.broadcast_to(sgd["points"][k - 1],
                                                                       (steps + 1 - k, 2)))
    np.testing.assert_array_equal(sgd["loss"][k:], sgd["loss"][k - 1])
    for field in ("step", "grad", "velocity", "effective_lr"):
        np.testing.assert_array_equal(sgd[field][k:], 0.0)
    # The other five are unaffected and still converge.
    others = [i for i in range(len(opt.NAMES)) if i != SGD]
    np.testing.assert_array_equal(r.diverged_at[others], -1)
    assert np.all(r.loss[-1, others] < 1e-2)
    assert np.all(r.loss[-1, others] < 1e-3 * r.loss[0, others])
    # ...exactly as in a race where SGD does not diverge.
    calm = run(steps=steps)
    np.testing.assert_array_equal(calm.points[:, others], r.points[:, others])


def test_the_log_charts_floor_is_the_known_minimum_else_the_lowest_loss_reached():
    diverging = run({**RAVINE.defaults, "sgd": {"lr": 1.5}}, steps=60)
    calm = run(steps=60)
    k = int(diverging.diverged_at[SGD])
    adam = opt.NAMES.index("adam")
    assert race.loss_floor(0.0, -5.0, [diverging], [SGD]) == 0.0  # the known minimum
    # Else the lowest of the grid's and of the closed-form losses on the paths reached.
    reached = ravine_loss(diverging.of("sgd")["points"][:k])
    assert race.loss_floor(None, 1e9, [diverging], [SGD]) == pytest.approx(reached.min())
    assert race.loss_floor(None, -5.0, [diverging], [SGD]) == -5.0
    lowest = min(reached.min(), ravine_loss(calm.of("adam")["points"]).min(),
                 ravine_loss(diverging.of("adam")["points"]).min())
    assert race.loss_floor(None, 1e9, [diverging, calm], [SGD, adam]) == pytest.approx(
        lowest, rel=1e-9, abs=1e-300)


def test_divergence_at_the_start():
    r = run(start=(2e6, 0.0), steps=5)
    np.testing.assert_array_equal(r.diverged_at, 0)
    assert_all_finite(r)
    np.testing.assert_array_equal(r.points, np.broadcast_to([2e6, 0.0], r.points.shape))
    np.testing.assert_array_equal(r.step, 0.0)


def test_overflowing_step_is_not_recorded():
    r = run({"sgd": {"lr": 1e308}}, steps=5)
    assert r.diverged_at[SGD] == 1
    assert_all_finite(r)


# One custom surface for both tests below (one compilation): NaN for x < 0 or y < 0.
LOG_SQRT = "log(x) + sqrt(y)"


def test_infinite_gradient_at_a_finite_point_is_not_recorded():
    # √y at y = 0 has an infinite slope: every optimizer stops at once, "gradient
    # undefined at step 0", which is not a divergence (issue #11).
    r = run(fn=parse_expression(LOG_SQRT), start=(1.0, 0.0), steps=5)
    assert np.all(r.undefined_at == 0)
    assert np.all(r.diverged_at == -1)
    assert_all_finite(r)
    np.testing.assert_array_equal(r.points, np.broadcast_to([1.0, 0.0], r.points.shape))
    np.testing.assert_array_equal(r.loss, 0.0)
    np.testing.assert_array_equal(r.step, 0.0)
    assert [r.stop(k) for k in range(race.N_OPT)] == [("undefined", 0)] * race.N_OPT
    assert [r.good_rows(k) for k in range(race.N_OPT)] == [1] * race.N_OPT


def test_non_finite_surface_is_caught_as_divergence():
    # From (2, 4): SGD with α = 10 jumps by −10·(1/x, 1/(2√y)) = (−5, −2.5) to x = −3
    # where log is NaN.
    r = run({"sgd": {"lr": 10.0}}, fn=parse_expression(LOG_SQRT), start=(2.0, 4.0), steps=50)
    assert r.diverged_at[SGD] == 1
    # Not a blow-up: a finite point where the formula has no value (log of x < 0).
    assert r.stop(SGD) == ("outside", 1) and r.good_rows(SGD) == 1
    assert_all_finite(r)
    sgd = r.of("sgd")
    np.testing.assert_array_equal(sgd["points"], np.broadcast_to([2.0, 4.0], (51, 2)))
    np.testing.assert_allclose(sgd["loss"], np.log(2.0) + 2.0, rtol=1e-15)
    np.testing.assert_allclose(sgd["step"][0], [-5.0, -2.5], rtol=1e-15)
    np.testing.assert_array_equal(sgd["step"][1:], 0.0)
    # Whoever stayed alive stayed in the domain; everyone who left stopped inside it.
    assert np.all(r.points > 0)


# ---------------------------------------------------------------------------- compilation


def compilations(fn=RAVINE.fn, capacity=1024):
    """How many signatures the jitted race of ``fn`` has compiled."""
    return race.compiled_race(fn, capacity)._cache_size()


def race_compile_logs(caplog):
    """The 'Compiling jit(_race)' records jax.log_compiles wrote."""
    return [r for r in caplog.records
            if "Compiling" in r.getMessage() and "_race" in r.getMessage()]


def test_no_recompilation_when_settings_change(caplog):
    run(steps=50)
    before = compilations()
    assert before >= 1
    variations = [
        dict(hyper={"sgd": {"lr": 0.1}, "momentum": {"lr": 0.02, "momentum": 0.5}}),
        dict(hyper={"adam": {"beta1": 0.8, "beta2": 0.99, "eps": 1e-3,
                             "bias_correction": 0.0}}),
        dict(start=(3.0, -2.0)),
        dict(noise=0.5),
        dict(noise=0.5, seed=7),
        dict(steps=1023),
        dict(steps=0),
        dict(schedule=opt.Schedule(kind=opt.SCHEDULES.index("step"), every=10.0, factor=3.0)),
        dict(schedule=opt.Schedule(kind=opt.SCHEDULES.index("cosine"), horizon=50.0)),
        dict(schedule=opt.Schedule(kind=opt.SCHEDULES.index("exponential"), gamma=0.9)),
        dict(clip="value", clip_value=0.3),
        dict(clip="norm", clip_value=2.0),
    ]
    outcomes = []
    with caplog.at_level(logging.DEBUG), jax.log_compiles(True):
        for v in variations:
            hyper = v.pop("hyper", None)
            outcomes.append(run(hyper, **v))
            assert compilations() == before, v
    assert race_compile_logs(caplog) == []
    # The variations did take effect (so the counts above mean something).
    ends = {tuple(np.round(o.points[-1].ravel(), 12)) for o in outcomes}
    assert len(ends) == len(outcomes)


def test_compilations_are_counted(caplog):
    """Both counters used above do see a compilation (a surface never raced before)."""

    def fn(x, y):  # a new function object: a cache key no other test can have used
        return x**2 + 3.0 * y**2

    assert compilations(fn) == 0
    with caplog.at_level(logging.DEBUG), jax.log_compiles(True):
        race.run_race(fn, race.make_settings((1.0, 1.0), steps=3))
    assert compilations(fn) == 1
    assert len(race_compile_logs(caplog)) == 1


def test_integer_schedule_values_do_not_recompile():
    # jit compiles once per signature (the shape, dtype and weak type of every argument),
    # so equal signatures are what "no recompilation" needs.  Compared without running
    # the race, so that no other test's compilations can hide or fake the difference
    # (run, it compiles a second time: compilations() goes from 1 to 2).
    def signature(settings):
        return jax.tree.map(lambda a: str(jax.typeof(a)), settings)  # shape, dtype, weak

    step = opt.SCHEDULES.index("step")
    as_floats = race.make_settings(START, schedule=opt.Schedule(kind=step, every=10.0,
                                                                factor=3.0))
    as_ints = race.make_settings(START, schedule=opt.Schedule(kind=step, every=10, factor=3))
    assert signature(as_ints) == signature(as_floats)


def test_capacity_for():
    assert race.capacity_for(0) == race.capacity_for(1023) == 1024
    assert race.capacity_for(1024) == 10240
    assert race.capacity_for(race.MAX_STEPS) == 10240
    with pytest.raises(ValueError):
        race.capacity_for(race.MAX_STEPS + 1)


# ---------------------------------------------------------------------------- noise

NOISE_STEPS = 1000
SIGMA = 0.7


def noisy(seed, sigma=SIGMA):
    hyper = {name: {"lr": 0.01} for name in opt.NAMES}
    return run(hyper, steps=NOISE_STEPS, noise=sigma, seed=seed)


def test_noise_is_standard_normal_scaled_by_sigma():
    r = noisy(seed=3)
    sgd = r.of("sgd")
    alpha = 0.01
    p = sgd["points"]
    xi = (p[1:] - p[:-1] + alpha * ravine_gradient(p[:-1])) / (-alpha * SIGMA)
    assert xi.shape == (NOISE_STEPS, 2)
    assert abs(xi.mean()) < 0.1
    assert 0.93 < xi.std() < 1.07
    assert abs(np.corrcoef(xi[:, 0], xi[:, 1])[0, 1]) < 0.1  # independent components
    assert abs(np.corrcoef(xi[1:, 0], xi[:-1, 0])[0, 1]) < 0.1  # and steps
    # Roughly Gaussian tails: about 4.6% beyond 2σ.
    assert 0.02 < np.mean(np.abs(xi) > 2.0) < 0.08
    # The recorded gradient is ∇L + σξ.
    np.testing.assert_allclose(sgd["grad"][:-1], ravine_gradient(p[:-1]) + SIGMA * xi,
                               rtol=1e-9, atol=1e-9)


def test_same_seed_reproduces_other_seed_differs():
    a, b, c = noisy(seed=3), noisy(seed=3), noisy(seed=4)
    for field in FIELDS:
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert not np.allclose(a.points[1:], c.points[1:])
    assert not np.allclose(a.grad, c.grad)


def test_all_optimizers_share_the_noise_at_each_step():
    r = noisy(seed=11)
    np.testing.assert_array_equal(r.diverged_at, -1)
    noise = r.grad - ravine_gradient(r.points)  # (steps+1, 6, 2)
    for k in range(1, len(opt.NAMES)):
        np.testing.assert_allclose(noise[:, k], noise[:, 0], rtol=0, atol=1e-12)
    assert np.std(noise) > 0.5 * SIGMA  # ...and it is really there


def test_zero_noise_gives_the_exact_gradient():
    r = noisy(seed=11, sigma=0.0)
    np.testing.assert_allclose(r.grad, ravine_gradient(r.points), rtol=1e-14, atol=0)


# ---------------------------------------------------------------------------- shape, steps


def test_steps_zero_gives_one_row():
    r = run(steps=0)
    assert r.points.shape == (1, len(opt.NAMES), 2)
    assert r.loss.shape == r.lr.shape == (1, len(opt.NAMES))
    np.testing.assert_array_equal(r.points[0], np.broadcast_to(START, (len(opt.NAMES), 2)))
    np.testing.assert_allclose(r.loss[0], ravine_loss(np.array(START)), rtol=1e-15)


@pytest.mark.parametrize("steps", [1, 17, 300])
def test_row_count_and_shapes(steps):
    r = run(steps=steps)
    n = len(opt.NAMES)
    for field in ("points", "grad", "step", "velocity", "second_moment", "effective_lr"):
        assert getattr(r, field).shape == (steps + 1, n, 2), field
    assert r.loss.shape == r.lr.shape == r.kink.shape == (steps + 1, n)
    assert r.diverged_at.shape == (n,)
    np.testing.assert_allclose(r.loss, ravine_loss(r.points), rtol=1e-13, atol=1e-300)
    col = r.of("adam")
    assert set(col) == set(FIELDS)
    np.testing.assert_array_equal(col["points"], r.points[:, opt.NAMES.index("adam")])


def test_make_settings_rejects_too_many_steps():
    race.make_settings(START, steps=race.MAX_STEPS)  # the largest allowed
    with pytest.raises(ValueError):
        race.make_settings(START, steps=race.MAX_STEPS + 1)
    with pytest.raises(ValueError):
        race.make_settings(START, steps=-1)


def test_make_settings_applies_overrides_to_one_optimizer_only():
    s = race.make_settings(START, {"adam": {"lr": 0.123}})
    lr = np.asarray(s.hyper["lr"])
    assert lr[opt.NAMES.index("adam")] == 0.123
    assert np.all(np.delete(lr, opt.NAMES.index("adam")) == opt.DEFAULTS["lr"])
    assert np.asarray(s.hyper["eps"])[opt.NAMES.index("adagrad")] == 1e-10


# ---------------------------------------------------------------------------- kinks

CONE_SPELLINGS = ["sqrt(x**2 + y**2)", "(x**2 + y**2)**0.5", "sqrt(x^2 + y^2) + 0*x"]


@pytest.mark.parametrize("formula", CONE_SPELLINGS)
def test_an_optimizer_at_the_tip_of_a_cone_stays_there(formula):
    """Issue #11: SGD with α = 1 from (1, 0) lands on the tip (0, 0) at step 1 and stays,
    loss 0, no divergence; started at the tip, every optimizer stays."""
    fn = parse_expression(formula)
    r = run({"sgd": {"lr": 1.0}}, fn=fn, start=(1.0, 0.0), steps=3)
    sgd = r.of("sgd")
    np.testing.assert_array_equal(sgd["points"], [[1, 0], [0, 0], [0, 0], [0, 0]])
    np.testing.assert_array_equal(sgd["loss"], [1, 0, 0, 0])
    assert r.stop(SGD) is None
    tip = run(fn=fn, start=(0.0, 0.0), steps=20)
    np.testing.assert_array_equal(tip.points, 0.0)
    np.testing.assert_array_equal(tip.diverged_at, -1)
    np.testing.assert_array_equal(tip.undefined_at, -1)


@pytest.mark.parametrize("formula", ["abs(x) + abs(y)", "max(x, -x) + max(y, -y)",
                                     "sqrt(x**2) + sqrt(y**2)", "max(abs(x), abs(y))"])
def test_every_optimizer_stays_at_the_kink_of_a_polyhedral_minimum(formula):
    r = run(fn=parse_expression(formula), start=(0.0, 0.0), steps=10)
    np.testing.assert_array_equal(r.points, 0.0)
    np.testing.assert_array_equal(r.grad, 0.0)
    assert all(r.stop(k) is None for k in range(race.N_OPT))


@pytest.mark.parametrize("formula", ["sqrt(x**2 + y**2) + 0.5*x", "abs(x) + 0.5*x + y**2",
                                     "abs(x) + x + abs(y)", "2*max(x, 0) + abs(y)"])
def test_every_optimizer_stays_at_a_minimum_where_a_kink_meets_a_slope(formula):
    """CONCEPTS §2: a tilted cone's tip, |x| beside a slope of ½ (0 is in the
    subdifferential [−½, 3/2]): g = 0 at the minimum, however the kink is written."""
    r = run(fn=parse_expression(formula), start=(0.0, 0.0), steps=10)
    np.testing.assert_array_equal(r.points, 0.0)
    np.testing.assert_array_equal(r.grad, 0.0)
    assert r.kink.all()


def test_an_undefined_gradient_after_some_steps_stops_there():
    # √|x|·0 + √x: SGD from x = 1 with α = 2 jumps by −2·½ = −1 to x = 0, where the
    # slope of √x is infinite: stopped at step 1 at (0, 0) with loss 0 recorded.
    r = run({"sgd": {"lr": 2.0}}, fn=parse_expression("sqrt(x) + y**2"), start=(1.0, 0.0),
            steps=4)
    assert r.stop(SGD) == ("undefined", 1)
    assert r.good_rows(SGD) == 2
    sgd = r.of("sgd")
    np.testing.assert_array_equal(sgd["points"], [[1, 0], [0, 0], [0, 0], [0, 0], [0, 0]])
    np.testing.assert_array_equal(sgd["loss"], [1, 0, 0, 0, 0])
    np.testing.assert_array_equal(sgd["step"][1:], 0.0)
    assert_all_finite(r)


def test_the_race_says_where_g_is_a_subgradient():
    """|x| + y² from (0, 1): SGD slides down y along the kink x = 0, each g the
    minimum-norm subgradient (0, 2y); off the kink, and on smooth surfaces, a gradient."""
    r = run({"sgd": {"lr": 0.1}}, fn=parse_expression("abs(x) + y**2"), start=(0.0, 1.0),
            steps=5)
    assert r.kink[:, SGD].all() and r.of("sgd")["kink"].all()
    off = run({"sgd": {"lr": 0.1}}, fn=parse_expression("abs(x) + y**2"), start=(0.5, 1.0),
              steps=2)
    assert not off.kink[:, SGD].any()
    smooth = run(fn=surfaces.SURFACES["himmelblau"].fn, start=(0.0, 0.0), steps=5)
    assert smooth.kink.dtype == bool and not smooth.kink.any()
