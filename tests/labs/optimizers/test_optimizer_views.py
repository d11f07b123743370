"""What the optimizer lab's pictures say after a divergence, with huge losses, with six
optimizers (issue #11: extents and overlays that did not follow what is drawn)."""

import numpy as np
import panel as pn
import pytest
from bokeh.models import CustomJSTickFormatter

from playground.labs.optimizers.lab import LEFT_ALIGNED_MATH, OptimizerLab
from playground.numerics import optimizers as opt
from playground.text import tr
from playground.ui.palettes import OPTIMIZER_COLORS
from playground.ui.present import FOCUS_RING, TOUCH_TARGETS
from playground.ui.widgets import number_text


@pytest.fixture
def lab():
    lab = OptimizerLab()
    lab.start()
    lab.details()
    return lab


def diverge_sgd(lab):
    """SGD with α = 1.2 on the ravine (curvature 4 across it) diverges at step 11."""
    lab.state.param.update(optimizers=list(opt.NAMES), sgd_lr=1.2)
    k = opt.NAMES.index("sgd")
    end = int(lab.state.result.diverged_at[k])
    assert 0 < end < lab.state.steps
    return end


def test_the_critical_panel_speaks_only_of_steps_that_exist(lab):
    end = diverge_sgd(lab)
    text = lab.critical_md.object
    assert lab.player.value == lab.state.steps
    assert f"SGD's last finite iterate, step {end - 1} (it diverged at step {end})" in text
    assert f"step {lab.state.steps}" not in text
    last = lab.state.result.points[end - 1, opt.NAMES.index("sgd")]
    # (written as the legend writes numbers: ×10ⁿ, not e-notation)
    assert f"({number_text(last[0], 4)}, {number_text(last[1], 4)})" in text
    # Before the divergence the iterate of the step shown is described.
    lab.player.value = 5
    lab._show_critical()
    assert "SGD's iterate, step 5" in lab.critical_md.object


def test_a_diverged_tail_does_not_flatten_the_other_curves(lab):
    diverge_sgd(lab)
    sgd_loss = np.asarray(lab.plots.loss_source("sgd").data["loss"])
    assert sgd_loss.max() > 1e6  # the climb before the divergence
    y = lab.plots.loss_fig["linear"].y_range
    start_loss = lab.state.result.loss[0, 0]
    least = min(np.min(lab.plots.loss_source(n).data["loss"]) for n in opt.NAMES)
    assert (y.start, y.end) == pytest.approx((least - 0.05 * (start_loss - least),
                                              start_loss + 0.05 * (start_loss - least)))
    assert (y.reset_start, y.reset_end) == (y.start, y.end)
    # Without the divergence the whole of every curve is in view.
    lab.state.sgd_lr = 0.45
    loss = lab.state.result.loss
    assert lab.plots.loss_fig["linear"].y_range.end >= loss.max()


def test_the_legend_sits_below_the_surface_and_hides_on_click(lab):
    fig = lab.plots.surface_fig
    assert lab.plots.legend in fig.below and lab.plots.legend not in fig.center
    assert lab.plots.legend.click_policy == "hide"


def test_the_loss_charts_key_above_their_frames_names_the_racers_only(lab):
    """A key of colours beside the paths, above the fold of a lecture screen (the
    surface's legend is below its plot), on both scales, following the selection."""
    lab.state.optimizers = ["momentum", "adam"]
    lab.plots.log_loss_figure()  # built later than the race: it keys the racers too
    for fig in lab.plots.loss_fig.values():
        key = fig.select_one({"name": "loss_key"})
        assert key in fig.above and key.click_policy == "hide"
        shown = [item for item in key.items if item.visible]
        assert [item.label["value"] for item in shown] == ["Momentum", "Adam"]
        # Each entry draws its optimizer's curve, in its colour.
        for item, name in zip(shown, ("momentum", "adam"), strict=True):
            (line,) = item.renderers
            assert line.data_source is lab.plots.loss_source(name)
            assert line.glyph.line_color == OPTIMIZER_COLORS[name]
    lab.state.optimizers = ["sgd"]
    key = lab.plots.loss_fig["log"].select_one({"name": "loss_key"})
    assert [item.label["value"] for item in key.items if item.visible] == ["SGD"]


def test_huge_values_get_readable_ticks(lab):
    lab.surface_select.value = "custom"
    lab.expression_input.value = "1e11*x**2 + y**2"
    for axis in (lab.plots.loss_fig["linear"].yaxis[0], lab.plots.surface_fig.xaxis[0],
                 lab.plots.surface_fig.yaxis[0]):
        assert isinstance(axis.formatter, CustomJSTickFormatter)


def test_the_step_cards_lines_start_at_the_left(lab):
    lab.state.optimizers = ["momentum"]
    _card, _title, _symbolic, _with_values, at_step = lab.formula_cards["momentum"]
    assert r"\begin{array}{l}" in at_step.object
    assert LEFT_ALIGNED_MATH in at_step.stylesheets


def test_adams_card_without_bias_correction_says_so_in_symbols_too(lab):
    """Both lines of the card follow the flag: the rule in symbols (it kept m̂ = m/(1−β₁ᵗ)
    while the line with the numbers said m̂ = m), the numbers, and the title's note."""
    from playground.labs.optimizers.state import hp_param

    lab.state.optimizers = ["adam"]
    _card, title, symbolic, with_values, _at_step = lab.formula_cards["adam"]
    assert r"\frac{m}{1-\beta_1^t}" in symbolic.object
    setattr(lab.state, hp_param("adam", "bias_correction"), False)
    for pane in (symbolic, with_values):
        assert r"\hat m = m" in pane.object and "^t}" not in pane.object, pane.object
    assert "m̂ = m" in title.object


@pytest.mark.parametrize("surface", ["rastrigin", "rosenbrock", "himmelblau"])
def test_every_point_of_the_surface_is_in_a_filled_band(lab, surface, monkeypatch):
    """Above the top contour level was left unfilled: white, the colour of the lowest loss
    (Rastrigin's highest bumps looked like holes)."""
    from playground.ui import contour

    seen = {}
    real = contour.contour_data

    def spy(xs, ys, z, levels):
        seen["z"], seen["levels"] = np.ma.filled(z, np.nan), np.asarray(levels)
        return real(xs, ys, z, levels)

    monkeypatch.setattr(contour, "contour_data", spy)
    lab.surface_select.value = surface
    z, levels = seen["z"], seen["levels"]
    assert np.nanmax(z) <= levels[-1]  # (below the first level is white, as it should be)


def test_a_run_of_one_point_is_a_dot_on_a_step_axis_from_0(lab):
    """sqrt(x) + y² at x = 0: the gradient is undefined at the start, the run has one
    point, drawn as a dot (a line of one point draws nothing) on a step axis 0 … 1: the
    only step that exists, seen whole (not 0 … steps, where nothing happened)."""
    lab.state.apply_query({"surface": "custom", "expr": "sqrt(x) + y**2", "x0": "0",
                           "y0": "1", "optimizers": "momentum", "steps": "5"})
    plots = lab.plots
    plots.set_log_loss(True)  # the log chart too, built after the race
    assert len(plots.loss_source("momentum").data["step"]) == 1
    for fig in plots.loss_fig.values():
        assert (fig.x_range.start, fig.x_range.end) == (-0.02, 1.0)  # a dot at 0 seen whole
    assert plots.step_cursor.location == 0
    assert [m.visible for m in plots.lone_markers["momentum"]] == [True, True]
    assert not any(m.visible for name, markers in plots.lone_markers.items()
                   if name != "momentum" for m in markers)
    lab.state.apply_query({"surface": "ravine", "optimizers": "momentum,adam",
                           "steps": "30"})
    assert not any(m.visible for markers in plots.lone_markers.values() for m in markers)
    assert plots.loss_fig["linear"].x_range.end == 30.0


def test_the_critical_panel_says_where_the_gradient_is_a_subgradient(lab):
    lab.state.apply_query({"surface": "custom", "expr": "abs(x) + y**2", "x0": "0",
                           "y0": "1", "optimizers": "sgd", "steps": "5"})
    lab._show_critical()
    text = lab.critical_md.object
    assert text.count("the minimum-norm subgradient") == 2  # the start and SGD's iterate
    full = lab.plots.full["sgd"].data
    assert list(full["kink"]) == [1] * 6
    assert lab.plots.meta.data["undefined"] == [-1]
    lab.state.apply_query({"x0": "0.5"})
    lab._show_critical()
    assert "subgradient" not in lab.critical_md.object


def test_the_readout_knows_the_step_whose_gradient_is_undefined(lab):
    lab.state.apply_query({"surface": "custom", "expr": "sqrt(x) + y**2", "x0": "0",
                           "y0": "1", "optimizers": "momentum", "steps": "5"})
    assert lab.plots.meta.data["undefined"] == [0]


def test_a_run_that_stopped_at_its_start_is_shown_at_step_0_everywhere(lab):
    """Every optimizer stopped at step 0 (√x at x = 0): the player, the cursor, the
    formulas and the critical panel speak of step 0, and the panel says why."""
    lab.state.apply_query({"surface": "custom", "expr": "sqrt(x) + y**2", "x0": "0",
                           "y0": "1", "optimizers": "sgd,adam", "steps": "200"})
    assert (lab.player.value, lab.player.end) == (0, 0)
    assert lab.plots.step_cursor.location == 0
    text = lab.critical_md.object
    assert "(0, 1): L = 1; the gradient is undefined here" in text
    assert "step 200" not in text and "iterate" not in text  # step 0 is the start
    # From x = 0.5 both reach x = 0 at step 10 and stop there: the run ends at step 10.
    lab.state.apply_query({"surface": "custom", "expr": "sqrt(x) + y**2", "x0": "0.5",
                           "y0": "1", "optimizers": "sgd,adam", "steps": "200"})
    assert lab.state.result.last_step(["sgd", "adam"]) == lab.player.end < 200
    lab.state.apply_query({"surface": "ravine", "optimizers": "sgd,adam", "steps": "200"})
    assert lab.player.end == 200


def test_when_every_run_diverged_the_last_to_go_says_so_at_the_runs_end(lab):
    """ln x from x = 2: each run steps past x = 0, momentum and Adam at step 36, SGD at
    step 42.  The run ends at SGD's last iterate (41), where its legend entry
    (``meta.last``) and the critical panel say that step 42 left the formula's domain
    (ln of x < 0 has no value: not a blow-up, which "diverged" had said)."""
    lab.state.apply_query({"surface": "custom", "expr": "log(x)", "x0": "2", "y0": "1.5",
                           "optimizers": "sgd,momentum,adam", "steps": "200"})
    meta = lab.plots.meta.data
    assert meta["name"] == ["sgd", "momentum", "adam"]
    assert meta["diverged"] == [42, 36, 36]
    assert lab.player.end == 41 and meta["last"] == [41, 41, 41]
    assert meta["stopped"][0] == "no value at step 42 (outside the formula's domain)"
    assert "At SGD's last iterate, step 41 (step 42 left the formula's domain)" in (
        lab.critical_md.object)
    lab.player.value = 20  # before any run stopped: SGD's iterate at step 20
    lab._show_critical()
    assert "At SGD's iterate, step 20" in lab.critical_md.object


@pytest.mark.parametrize(("expr", "x0", "y0", "shape"), [
    # on the kink x = 0: |x| is a V there, not flat; its Hessian says nothing
    ("abs(x) + y**2", "0", "1", "unknown: the Hessian is undefined here"),
    ("sqrt(x**2 + y**2)", "1", "0", "flat in one direction (a zero eigenvalue)"),  # a cone
    ("x**2 + y**2", "1", "1", "a bowl's (both eigenvalues > 0)"),
    ("x**2 - y**2", "1", "1", "a saddle's (eigenvalues of both signs)"),
    # a plane: it read "flat in one direction"
    ("abs(x) + abs(y)", "2", "1.5", "flat in every direction (both eigenvalues 0: a plane here)"),
    ("y", "1", "1", "flat in every direction (both eigenvalues 0: a plane here)"),
])
def test_the_critical_panel_names_the_curvature_in_a_whole_sentence(lab, expr, x0, y0,
                                                                     shape):
    """Away from a critical point the panel says what the curvature is like (it once
    ended "… that of a degenerate")."""
    lab.state.apply_query({"surface": "custom", "expr": expr, "x0": x0, "y0": y0,
                           "optimizers": "sgd", "steps": "5"})
    lab._show_critical()
    first = lab.critical_md.object.split("\n\n")[0]
    assert first.endswith(f"∇L ≠ 0: not a critical point; the curvature here is {shape}")


def test_a_flat_direction_reads_0_not_float64s_noise(lab):
    """exp(0.3x + 0.7y) is flat across 0.3x + 0.7y = c: its Hessian's first eigenvalue
    is 0, which float64 computes as −2.8×10⁻¹⁷ at (1, 1); the panel says 0 as its
    verdict does ("flat in one direction")."""
    lab.state.apply_query({"surface": "custom", "expr": "exp(0.3*x + 0.7*y)", "x0": "1",
                           "y0": "1", "optimizers": "sgd", "steps": "5"})
    lab._show_critical()
    first = lab.critical_md.object.split("\n\n")[0]
    assert "Hessian eigenvalues = 0, 1.58" in first
    assert "10⁻" not in first and "flat in one direction" in first


def test_a_race_redrawn_before_its_surface_scales_its_arrows_to_the_new_view(lab):
    """In a page a change of surface redraws the race before the surface: its arrows were
    scaled to the old view (a copied link then reopened at another zoom) and its log
    chart measured L − min L against the old surface's floor."""

    import param

    from playground.numerics import surfaces

    lab.surface_select.value = "himmelblau"
    saddle = surfaces.SURFACES["saddle"]
    with param.parameterized.discard_events(lab.state):  # the surface's redraw not yet run
        lab.state.active_surface = saddle
    lab._redraw_race()
    # The saddle's view (widened to the Himmelblau start and ends the state still has).
    shown = lab.state.shown_surface
    assert shown.fn is saddle.fn
    # (a quarter of its shorter side: the longest arrow stays inside the plot)
    reach = 0.25 * min(shown.x_range[1] - shown.x_range[0],
                       shown.y_range[1] - shown.y_range[0])
    assert lab.plots.meta.data["reach"] == [reach] * len(lab.state.optimizers)
    assert lab.plots._loss_floor == saddle.minimum_value


@pytest.mark.parametrize(("expr", "sentence"), [
    ("sqrt(x**2 + y**2)", "a critical point at a kink, where the second-derivative test "
                          "does not apply"),  # the cone's tip
    ("x**4 + y**2", "a critical point, of a kind the second-derivative test cannot tell"),
    ("x**2 + y**2", "∇L = 0: a critical point, a local minimum"),
])
def test_a_critical_point_is_named_in_a_whole_sentence(lab, expr, sentence):
    lab.state.apply_query({"surface": "custom", "expr": expr, "x0": "0", "y0": "0",
                           "optimizers": "sgd", "steps": "5"})
    lab._show_critical()
    assert sentence in lab.critical_md.object.split("\n\n")[0]


def test_a_new_race_on_the_same_surface_keeps_the_readers_zoom(lab):
    """Only a change of surface sets the surface plot's view: moving α (a new race)
    left the reader's pan and zoom alone before, and still does."""
    x_range = lab.plots.surface_fig.x_range
    x_range.start, x_range.end = -2.0, 2.0  # the reader zoomed in
    lab.state.sgd_lr = 0.3
    assert (x_range.start, x_range.end) == (-2.0, 2.0)
    lab.surface_select.value = "himmelblau"
    assert (x_range.start, x_range.end) == lab.state.active_surface.x_range


@pytest.mark.parametrize("query, start", [
    ({"surface": "custom", "expr": "(x-50)**2+(y-50)**2", "x0": "45", "y0": "45"}, (45, 45)),
    ({"surface": "ravine", "x0": "300", "y0": "40"}, (300, 40)),
    ({"surface": "custom", "expr": "0.001*(x**2+y**2)", "x0": "500", "y0": "-300"},
     (500, -300)),
])
def test_a_start_outside_the_surfaces_view_is_drawn_with_the_surface_around_it(lab, query,
                                                                               start):
    """The view and the contours' grid widen to the start and to the runs' whole paths
    (to the formula's minimum at (50, 50); the ravine's zig-zags), with a margin; the
    start moved back inside a preset's view gives that view again."""
    lab.state.apply_query(query)
    fig, shown = lab.plots.surface_fig, lab.state.shown_surface
    for low, high, v in ((fig.x_range.start, fig.x_range.end, start[0]),
                         (fig.y_range.start, fig.y_range.end, start[1])):
        assert low < v < high and min(v - low, high - v) >= 0.08 * (high - low)
    assert lab.plots.drawn_surface is shown  # the contours sampled over that view
    assert (fig.x_range.start, fig.x_range.end) == shown.x_range
    r = lab.state.result
    for k in range(r.points.shape[1]):  # every run's whole path is in sight
        xs, ys = r.points[:, k].T
        assert fig.x_range.start < xs.min() and xs.max() < fig.x_range.end
        assert fig.y_range.start < ys.min() and ys.max() < fig.y_range.end
    if query["surface"] == "custom":
        return
    lab.state.param.update(x0=shown.start[0], y0=shown.start[1])
    own = lab.state.active_surface
    assert lab.state.shown_surface is own
    assert (fig.x_range.start, fig.x_range.end) == own.x_range


def test_a_long_surface_formula_is_set_on_lines_that_fit_the_sidebar():
    """Beale's three squares and Rastrigin's five terms on several lines, each no longer
    than the sidebar shows (measured: 28-30 characters fitted at 1280 × 720), every
    term once and in order; a short formula stays on one line."""
    from playground.labs.optimizers.lab import FORMULA_LINE_CHARS, formula_lines, shown_length
    from playground.numerics.surfaces import SURFACES

    for key in ("beale", "rastrigin"):
        surface = SURFACES[key]
        latex = formula_lines(surface)
        assert latex.startswith(r"\begin{array}{l}") and latex.endswith(r"\end{array}")
        lines = latex[len(r"\begin{array}{l}"):-len(r"\end{array}")].split(r" \\ ")
        assert len(lines) >= 2
        assert all(shown_length(line) <= FORMULA_LINE_CHARS for line in lines), lines
        joined = " ".join(line.removeprefix(r"\qquad ") for line in lines)
        assert joined == surface.latex
    assert formula_lines(SURFACES["rosenbrock"]) == SURFACES["rosenbrock"].latex
    assert shown_length(r"10 \cos\left(2 \pi x\right)") == len("10cos(2πx)")
    assert shown_length(r"\min\left(x, \ln\left(y\right)\right)") == len("min(x,ln(y))")


def test_in_lecture_mode_the_surface_formula_takes_more_lines():
    """Lecture mode's 320-px column at 24-px math held 15 characters a line, and
    Rosenbrock's closing ")²" ran off its edge (an instructor at 1280 × 720)."""
    from playground.labs.optimizers.lab import (
        LECTURE_FORMULA_LINE_CHARS,
        OptimizerLab,
        formula_lines,
    )
    from playground.numerics.surfaces import SURFACES
    from playground.ui.present import Display

    lab = OptimizerLab()
    lab.state.surface = "rosenbrock"
    lab.start()
    assert lab.surface_formula.object == f"${SURFACES['rosenbrock'].latex}$"
    lab.display_changed(Display(present=True))
    lecture = formula_lines(SURFACES["rosenbrock"], LECTURE_FORMULA_LINE_CHARS)
    assert lab.surface_formula.object == f"${lecture}$" and r" \\ " in lecture
    lab.display_changed(Display(present=False))
    assert lab.surface_formula.object == f"${SURFACES['rosenbrock'].latex}$"


def test_with_clipping_or_noise_the_page_says_which_gradient_g_is(lab):
    """With clipping on, the state table's g (and the worked updates') is the clipped
    gradient while the critical-point check gives ∇L: a reviewer read two gradients at
    one point as a mistake.  A note under the table says which is which."""
    note = lab.gradient_note
    assert not note.visible  # neither noise nor clipping
    lab.state.apply_query({"surface": "custom", "expr": "0.05*x**2 + 2*y**2", "x0": "-9",
                           "y0": "1.5", "optimizers": "sgd", "clip": "norm",
                           "clip_value": "1", "steps": "3"})
    lab._show_critical()
    # ∇L = (0.1x, 4y) = (−0.9, 6) at the start; clipped by norm to length 1.
    true = np.array([-0.9, 6.0])
    seen = np.asarray(lab.state.result.grad[0, 0])
    np.testing.assert_allclose(seen, true / np.linalg.norm(true), rtol=1e-6)
    assert "(−0.9, 6)" in lab.critical_md.object.split("\n\n")[0]
    assert note.visible and tr("clip.norm") in note.object and "c = 1" in note.object
    lab.state.noise = 0.5
    assert "σ = 0.5" in note.object and tr("clip.norm") in note.object
    lab.state.clip = "none"
    assert "σ = 0.5" in note.object and "clipped" not in note.object
    lab.state.noise = 0.0
    assert not note.visible


def test_a_diverged_run_is_told_what_to_do(lab):
    """The legend said "diverged at step 2" and no more.  A run whose loss grew is told
    a smaller α helps; one that ran away downhill is told a smaller α helps only where
    the surface has a valley (x·y has none; x² − x⁴/10 + y² one at 0, which SGD at α = 3
    overshoots); the others are not named."""
    lab.state.apply_query({"surface": "ravine", "optimizers": "sgd,adam", "sgd_lr": "5"})
    assert not lab.message.visible  # (under the pictures: above, it pushed the legend down)
    text = lab.stop_hint.object
    assert lab.stop_hint.visible and "Diverged: SGD." in text and "Adam" not in text
    assert "a smaller α" in text
    lab.state.apply_query({"surface": "custom", "expr": "x*y", "x0": "1", "y0": "0.5",
                           "optimizers": "sgd", "sgd_lr": "0.1", "steps": "400"})
    stop = lab.state.result.stop(opt.NAMES.index("sgd"))
    assert stop is not None and stop[0] == "diverged"
    text = lab.stop_hint.object
    assert "Ran away downhill: SGD." in text and "Diverged" not in text
    # A step past the domain's edge (x − log x from x = 3 at α = 5: x < 0 at once).
    lab.state.apply_query({"surface": "custom", "expr": "x-log(x)+y^2", "x0": "3",
                           "y0": "0", "optimizers": "sgd", "sgd_lr": "5"})
    assert lab.state.result.stop(opt.NAMES.index("sgd"))[0] == "outside"
    assert "Left the formula&#x27;s domain: SGD." in lab.stop_hint.object  # (escaped)
    lab.state.apply_query({"surface": "ravine", "optimizers": "sgd", "sgd_lr": "0.45"})
    assert not lab.stop_hint.visible


def test_a_surface_infinite_at_the_start_says_what_to_do(lab):
    """1/0 is infinite everywhere: the message named the start point and stopped there."""
    lab.state.apply_query({"surface": "custom", "expr": "1/x", "x0": "0", "y0": "1.5"})
    error = lab.state.error
    assert error.startswith(tr("surface.not_finite", x="0", y="1.5"))
    assert error.endswith(tr("surface.not_finite.remedy"))
    assert lab.message.visible and tr("surface.not_finite.remedy") in lab.message.object
    assert "L is infinite here" in lab.critical_md.object
    lab.state.apply_query({"surface": "custom", "expr": "sqrt(-x)", "x0": "1", "y0": "0"})
    assert lab.state.error.startswith(tr("surface.undefined", x="1", y="0"))
    assert "L is not defined here (NaN)" in lab.critical_md.object  # as the banner says
    # Infinite everywhere: no start to click, only the formula to change.
    lab.state.apply_query({"surface": "custom", "expr": "1/0", "x0": "2", "y0": "1.5"})
    assert lab.state.error.endswith(tr("surface.nowhere.remedy"))


def test_a_cards_controls_made_as_it_opens_are_styled_as_the_pages(lab):
    """An optimizer's card fills as it first opens, after the shell styled the page's
    controls: its boxes had no focus ring (nothing showed where the keyboard was)."""
    card = lab.hp_cards["sgd"]
    assert not card.objects
    card.collapsed = False
    widgets = card.select(pn.widgets.Widget)
    assert widgets
    for widget in widgets:
        assert FOCUS_RING in widget.stylesheets and TOUCH_TARGETS in widget.stylesheets
