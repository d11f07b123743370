"""The optimizer lab's state without a browser: links, defaults, bad input."""

import re

import numpy as np
import pytest

from playground.labs.optimizers.state import URL_KEYS, OptimizerLabState, hp_param
from playground.numerics import surfaces
from playground.text import tr


@pytest.fixture
def state():
    s = OptimizerLabState()
    s.compute()
    return s


def test_default_state_races_every_optimizer(state):
    assert state.result is not None
    assert state.error == ""
    assert state.result.points.shape == (state.steps + 1, 6, 2)
    np.testing.assert_allclose(state.result.points[0, 0], surfaces.SURFACES["ravine"].start)


def test_picking_a_surface_applies_its_defaults_and_recomputes(state):
    state.surface = "rosenbrock"
    rosen = surfaces.SURFACES["rosenbrock"]
    assert (state.x0, state.y0) == rosen.start
    assert state.steps == rosen.steps
    assert state.adam_lr == rosen.defaults["adam"]["lr"]
    assert state.result.points.shape[0] == rosen.steps + 1
    # The race really is on Rosenbrock: L(start) = (1 + 1.5)² + 100 (2.5 − 2.25)² = 12.5.
    assert state.result.loss[0, 0] == pytest.approx(12.5)


def test_a_link_round_trips_through_the_query(state):
    state.param.update(surface="himmelblau")
    state.param.update(optimizers=["sgd", "adam"], adam_lr=0.02, adam_bias_correction=False,
                       noise=0.5, seed=7, steps=250, schedule="cosine", clip="norm",
                       clip_value=3.0, x0=1.25, y0=-0.5)
    query = state.to_query()
    assert query["surface"] == "himmelblau"
    assert query["optimizers"] == "sgd,adam"
    assert query["adam_lr"] == "0.02"
    assert query["adam_bias_correction"] == "0"
    # Values equal to the surface's defaults stay out of the link.
    assert "sgd_lr" not in query and "momentum_mu" not in query

    other = OptimizerLabState()
    assert other.apply_query(query) == []
    other.compute()
    for p in URL_KEYS:
        assert getattr(other, p) == getattr(state, p), p
    np.testing.assert_array_equal(other.result.points, state.result.points)


def test_the_link_carries_the_view_and_a_new_run_starts_at_its_last_step(state):
    """Issue #12: the player's step, the 3-D view, the log scale and the trajectories."""
    assert {"step", "view3d", "log", "paths"} <= state.LINK_KEYS
    assert not {"step", "view3d", "log", "paths"} & set(state.to_query())  # the defaults
    state.param.update(step=40, view_3d=True, log_loss="on", paths=False)
    query = state.to_query()
    assert (query["step"], query["view3d"], query["log"], query["paths"]) == ("40", "1", "on", "0")
    other = OptimizerLabState()
    assert other.apply_query(query) == []
    assert (other.step, other.view_3d, other.log_loss, other.paths) == (40, True, "on", False)
    other.precompute()  # the page's first race
    assert other.result is not None and other.step == 40  # the link's race keeps its step
    # Back to a link without them: the defaults (Back/Forward apply the whole link).
    assert other.apply_link({"surface": "ravine"}) == []
    assert (other.step, other.view_3d, other.log_loss, other.paths) == (-1, False, "auto", True)
    # A new run (another setting) is shown from its last step; a new surface, its log scale.
    other.param.update(step=10, log_loss="off")
    other.steps = 150
    assert other.step == -1
    other.surface = "rosenbrock"
    assert other.log_loss == "auto"
    assert other.apply_query({"step": "-2", "log": "maybe"}) != []  # refused, named
    assert (other.step, other.log_loss) == (-1, "auto")


def test_a_step_past_the_runs_last_is_reported_and_the_last_is_shown():
    """A link's step beyond its ``steps`` (or the default 100): the default (the last
    step) and a note, as for any other value left out; in both languages."""
    from playground.ui.link import render_problems

    s = OptimizerLabState()
    assert s.apply_query({"step": "9999"}) == [
        "step='9999' (past the last step, 100: the last is shown)"]
    assert s.step == -1
    s = OptimizerLabState(lang="zh")
    problems = s.apply_query({"steps": "300", "step": "301", "paths": "x"})
    assert s.step == -1 and s.steps == 300
    assert [p.key for p in problems] == ["step", "paths"]  # in the table's order
    assert "第 300 步" in render_problems(problems, "zh")
    assert "past" not in render_problems(problems, "zh")
    # the run's own steps (also a bad steps' default) decide; the last step itself is fine
    assert OptimizerLabState().apply_query({"steps": "abc", "step": "150"})[-1].key == "step"
    s = OptimizerLabState()
    assert s.apply_query({"steps": "300", "step": "300"}) == [] and s.step == 300
    # Back to such a link says so too
    assert s.apply_link({"step": "500"})[0].key == "step" and s.step == -1


def test_a_link_with_only_a_surface_gets_that_surfaces_defaults():
    s = OptimizerLabState()
    assert s.apply_query({"surface": "plateau"}) == []
    assert (s.x0, s.y0) == surfaces.SURFACES["plateau"].start
    assert s.sgd_lr == surfaces.SURFACES["plateau"].defaults["sgd"]["lr"]


@pytest.mark.parametrize("query, bad", [
    ({"surface": "nope"}, "surface"),
    ({"sgd_lr": "abc"}, "sgd_lr"),
    ({"sgd_lr": "nan"}, "sgd_lr"),
    ({"sgd_lr": "-1"}, "sgd_lr"),
    ({"steps": "-4"}, "steps"),
    ({"steps": "99999999"}, "steps"),
    ({"steps": "1.5"}, "steps"),
    ({"optimizers": "sgd,rocket"}, "optimizers"),
    ({"schedule": "sometimes"}, "schedule"),
    ({"adam_bias_correction": "maybe"}, "adam_bias_correction"),
    ({"momentum_mu": "1.5"}, "momentum_mu"),
    ({"surface": "custom", "expr": "__import__('os')"}, "expr"),
])
def test_bad_link_values_are_reported_and_ignored(query, bad):
    s = OptimizerLabState()
    problems = s.apply_query(query)
    assert len(problems) == 1 and problems[0].startswith(bad)
    s.compute()
    assert s.result is not None and s.error == ""
    assert np.all(np.isfinite(s.result.points))


def test_a_custom_formula_is_raced_and_a_bad_one_keeps_the_last(state):
    state.surface = "custom"
    state.expression = "x**2 + 3*y**2"
    assert state.surface_error == ""
    np.testing.assert_allclose(state.result.loss[0, 0], state.x0**2 + 3 * state.y0**2)
    before = state.result
    state.expression = "x.__class__"
    assert "position" in state.surface_error
    assert state.result is before  # nothing recomputed, the last good surface stays
    assert state.active_surface.fn.source == "x**2 + 3*y**2"


def test_a_new_formula_clears_the_last_ones_error_while_it_compiles(state):
    """In a page a formula compiles on a worker for seconds: the last formula's error
    does not stay beside "Compiling the formula…" (review)."""
    pending = []
    state.run_slow_work = lambda _key, work, apply: pending.append((work, apply))
    state.surface = "custom"
    state.expression = "x.__class__"
    work, apply = pending.pop()
    apply(work())
    assert "position" in state.surface_error
    state.expression = "log(x) + y**2"
    assert state.surface_error == "" and len(pending) == 1
    state.expression = "x y"  # a bad one still says why once its work is done
    work, apply = pending.pop()
    apply(work())
    assert state.surface_error


def test_a_start_where_the_surface_is_not_finite_gives_a_message(state):
    state.surface = "custom"
    state.expression = "log(x)"
    state.param.update(x0=-1.0, y0=0.0)
    assert state.result is None
    assert state.error.startswith(tr("surface.undefined", x="-1", y="0"))  # NaN, not ∞
    assert state.error.endswith(tr("surface.undefined.remedy"))
    state.x0 = 0.0  # log(0) = −∞
    assert state.error.startswith(tr("surface.not_finite", x="0", y="0"))
    state.expression = "sqrt(-x**2 - y**2 - 1)"  # NaN everywhere: no start to click
    assert state.error.endswith(tr("surface.nowhere.remedy"))
    state.expression = "log(x)"
    state.x0 = 1.0
    assert state.result is not None and state.error == ""


def test_divergence_is_reported_and_nothing_non_finite_is_returned(state):
    state.sgd_lr = 50.0
    k = 0  # sgd
    assert state.result.diverged_at[k] >= 1
    for field in ("points", "loss", "grad", "step", "velocity", "effective_lr", "lr"):
        assert np.all(np.isfinite(getattr(state.result, field))), field
    assert (state.result.diverged_at[1:] == -1).all()


def test_hyperparameter_parameters_cover_every_optimizer_knob():
    from playground.numerics import optimizers as opt
    s = OptimizerLabState()
    for name, spec in opt.OPTIMIZERS.items():
        for hp in spec.hyperparams:
            assert hp_param(name, hp) in s.param


def test_a_schedule_that_brings_alpha_to_zero_is_said():
    """Issue #11: α ÷ 100 every step underflows to 0 after ~165 steps; the optimizers then
    stand still, and the page says from which step."""
    state = OptimizerLabState()
    state.param.update(schedule="step", schedule_every=1, schedule_factor=100.0, steps=400)
    first_zero = int(np.flatnonzero(np.all(state.result.lr == 0.0, axis=1))[0])
    assert 100 < first_zero < 400
    assert f"brings α to 0 at step {first_zero}" in state.error
    state.schedule_factor = 2.0
    assert state.error == ""


#: Chinese characters, and a run of three English words (an English sentence).
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,}(?:\s+[A-Za-z]{2,}){2,}\b")


def test_a_bad_formula_is_explained_in_the_pages_language():
    s = OptimizerLabState(lang="zh")
    s.surface = "custom"
    s.expression = "foo(x)"
    assert CJK.search(s.surface_error) and "foo" in s.surface_error
    assert not ENGLISH_RUN.search(s.surface_error), s.surface_error
    english = OptimizerLabState()
    english.surface = "custom"
    english.expression = "foo(x)"
    assert "unknown name 'foo' at position 1" in english.surface_error


def test_a_bad_formula_in_a_chinese_link_is_reported_in_chinese():
    from playground.ui.link import render_problems

    s = OptimizerLabState(lang="zh")
    problems = s.apply_query({"surface": "custom", "expr": "foo(x)", "steps": "many"})
    assert [p.split("=")[0] for p in problems] == ["expr", "steps"]
    shown = render_problems(problems, "zh")
    assert CJK.search(shown) and "'foo(x)'" in shown and "'many'" in shown
    assert "；" in shown and "（" in shown and not ENGLISH_RUN.search(shown), shown


def test_a_page_keeps_its_races_through_a_release_of_the_servers(jax_compilations):
    """The server's memory bound drops JAX's caches (``ui.memory``); the next slider move
    races on the page's own programs (``numerics.programs``): nothing is traced or
    reloaded on the event loop (the start's value too: evaluated op by op it was five
    small programs of JAX's), the same race as a page that saw no release."""
    from playground.ui import memory

    released, untouched = OptimizerLabState(), OptimizerLabState()
    released.compute()
    compiled = released.programs.compilations
    memory.release_compiled_programs()
    with jax_compilations() as made:
        released.x0 = -1.25  # a slider move
    untouched.x0 = -1.25
    assert made == []
    assert released.programs.compilations == compiled
    np.testing.assert_array_equal(released.result.loss, untouched.result.loss)
    assert released.result.loss.shape[0] == released.steps + 1
