"""The optimizer lab's views without a browser: build them, move a control, look at the data."""

import numpy as np
import panel as pn
import pytest

from playground.labs.optimizers.lab import OptimizerLab, formula_with_values
from playground.labs.optimizers.plots import COLORS
from playground.labs.optimizers.state import KNOB_PARAMS, OptimizerLabState
from playground.numerics import critical
from playground.numerics import optimizers as opt
from playground.numerics.expression import latex_number
from playground.numerics.optimizers import OPTIMIZERS
from playground.text import tr
from playground.ui.widgets import number_text


def _label(item) -> str:
    """A legend item's text (Bokeh keeps it as a plain string or as {"value": …})."""
    return item.label if isinstance(item.label, str) else item.label["value"]


@pytest.fixture
def lab():
    """The lab as a page holds it: started, with its details below the pictures."""
    lab = OptimizerLab()
    lab.start()
    lab.details()
    return lab


def test_start_draws_the_selected_optimizers(lab):
    meta = lab.plots.meta.data
    assert meta["name"] == ["sgd", "momentum", "adam"]
    for name in ("sgd", "momentum", "adam"):
        assert len(lab.plots.full[name].data["x"]) == lab.state.steps + 1
    assert len(lab.plots.full["nesterov"].data["x"]) == 0
    assert lab.player.end == lab.state.steps
    assert [_label(item).split(":")[0] for item in lab.plots.legend.items] == [
        "SGD", "Momentum", "Adam"]


def test_the_racers_are_listed_in_one_order_whatever_the_links():
    """The headline and the state table (the plots' ``meta``, in the browser) list the
    racers as the legend and the caption do: a link's ``adam,rmsprop`` put Adam before
    RMSProp in the first two and after it in the others (a review)."""
    lab = OptimizerLab(state=OptimizerLabState(optimizers=["adam", "sgd", "rmsprop",
                                                           "momentum"]))
    lab.start()
    legend = [_label(item).split(":")[0] for item in lab.plots.legend.items]
    assert legend == ["SGD", "Momentum", "RMSProp", "Adam"]
    assert lab.plots.meta.data["name"] == ["sgd", "momentum", "rmsprop", "adam"]
    caption = " ".join(lab.state.caption_parts())
    assert caption.index("SGD") < caption.index("Momentum") < caption.index(
        "RMSProp") < caption.index("Adam")


def test_moving_a_control_redraws_the_trajectory(lab):
    before = np.array(lab.plots.full["sgd"].data["x"])
    lab.hp_widget("sgd_lr").value = 0.2
    assert lab.state.sgd_lr == 0.2
    after = np.array(lab.plots.full["sgd"].data["x"])
    assert not np.allclose(before, after)
    # θ₁ = θ₀ − α ∇L(θ₀) on the ravine: x₁ = x₀ − 0.2 · 0.1 · x₀.
    assert after[1] == pytest.approx(before[0] * (1 - 0.2 * 0.1))


def test_the_formula_cards_and_the_analysis_come_with_the_details_after_the_pictures():
    lab = OptimizerLab()
    lab.start()
    assert lab.formulas.objects == []  # not on the first picture's path
    assert lab.critical_md.object == ""
    assert lab.plots.critical_source.data["x"] == []
    assert len(lab.plots.full["sgd"].data["x"]) == lab.state.steps + 1
    lab.details()
    assert "At the start point" in lab.critical_md.object
    # The ravine's one critical point, its minimum at the origin.
    assert lab.plots.critical_source.data["x"] == [pytest.approx(0.0, abs=1e-9)]
    assert lab.plots.critical_source.data["verdict"][0].startswith("local minimum")
    # In words too (they were named only on hover, out of a finger's or a key's reach).
    assert "★ local minimum: (0, 0)" in lab.critical_md.object
    # The shown optimizers' cards only, in the optimizers' order.
    assert lab.formulas.objects == [lab.formula_cards[n][0] for n in ("sgd", "momentum", "adam")]
    assert all(c.visible for c in lab.formulas.objects)
    title = lab.formula_cards["adam"][1].object
    assert "Adam" in title and "Bias correction off" not in title
    # A flag knob switched off says what it changes on its optimizer's card.
    lab.state.adam_bias_correction = False
    assert "Bias correction off" in lab.formula_cards["adam"][1].object
    lab.state.adam_bias_correction = True
    assert lab.formula_cards["adam"][1].object == title


def test_selecting_optimizers_shows_their_cards_and_curves(lab):
    lab.optimizer_boxes.value = ["nesterov", "rmsprop"]
    assert lab.plots.meta.data["name"] == ["nesterov", "rmsprop"]
    assert lab.hp_cards["nesterov"].visible and not lab.hp_cards["sgd"].visible
    assert len(lab.plots.loss_source("rmsprop").data["loss"]) == lab.state.steps + 1
    assert len(lab.plots.loss_source("sgd").data["loss"]) == 0
    # A card is built when its optimizer is first shown, and hidden when it is not.
    shown = [n for n, (card, *_texts) in lab.formula_cards.items()
             if card.visible and card in lab.formulas.objects]
    assert sorted(shown) == ["nesterov", "rmsprop"]
    assert lab.formulas.objects == [lab.formula_cards[n][0] for n in opt.NAMES
                                    if n in lab.formula_cards]


def test_divergence_is_marked_in_the_legend_and_its_curve_stops(lab):
    lab.state.sgd_lr = 50.0
    labels = [_label(item) for item in lab.plots.legend.items]
    assert any(label.startswith("SGD: diverged at step") for label in labels)
    k = lab.plots.meta.data["name"].index("sgd")
    stop = lab.plots.meta.data["diverged"][k]
    assert len(lab.plots.loss_source("sgd").data["loss"]) == stop
    for column in lab.plots.full["sgd"].data.values():
        assert np.all(np.isfinite(column))


def test_surface_switch_redraws_contours_and_critical_points(lab):
    lab.surface_select.value = "himmelblau"
    verdicts = lab.plots.critical_source.data["verdict"]
    assert sum(v.startswith("local minimum") for v in verdicts) == 4
    assert sum(v.startswith("saddle") for v in verdicts) == 4
    assert sum(v.startswith("local maximum") for v in verdicts) == 1
    assert lab.plots.surface_fig.x_range.start == -5.0
    assert "Himmelblau" in lab.surface_info.object or "minima" in lab.surface_info.object


def test_a_bad_formula_shows_an_error_and_keeps_the_picture(lab):
    lab.surface_select.value = "custom"
    drawn = np.array(lab.plots.full["sgd"].data["x"])
    lab.expression_input.value = "().__class__.__bases__"
    assert lab.expression_error.visible
    assert "Cannot use this formula" in lab.expression_error.object
    np.testing.assert_array_equal(lab.plots.full["sgd"].data["x"], drawn)
    lab.expression_input.value = "x**2 + y**2"
    assert not lab.expression_error.visible


def test_clicking_the_plot_moves_the_start(lab):
    class Tap:
        x, y = 2.0, -1.0
    lab._on_tap(Tap())
    assert (lab.state.x0, lab.state.y0) == (2.0, -1.0)
    assert lab.plots.full["sgd"].data["x"][0] == 2.0
    assert "(2, −1)" in lab.critical_md.object


def test_critical_readout_at_the_saddle(lab):
    lab.surface_select.value = "saddle"
    lab.state.param.update(x0=0.0, y0=0.0)
    text = lab.critical_md.object
    assert "∇L = 0: a critical point, a saddle" in text
    assert "−4, 2" in text


@pytest.mark.parametrize("name, h, expected", [
    ("sgd", {"lr": 0.45}, r"\theta \leftarrow \theta - 0.45\, g"),
    ("momentum", {"lr": 0.05, "momentum": 0.9},
     r"v \leftarrow 0.9 v + g,\quad \theta \leftarrow \theta - 0.05\, v"),
    ("rmsprop", {"lr": 0.01, "decay": 0.8, "eps": 1e-8},
     r"s \leftarrow 0.8 s + (1-0.8)\, g^2,\quad \theta \leftarrow \theta - "
     r"\frac{0.01\, g}{\sqrt{s} + 1 \times 10^{-8}}"),
])
def test_formulas_show_the_users_values(name, h, expected):
    assert formula_with_values(name, h, scheduled=False) == expected


def test_adam_formula_without_bias_correction_and_with_a_schedule():
    h = {"lr": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "bias_correction": 0.0}
    latex = formula_with_values("adam", h, scheduled=True)
    assert r"\hat m = m" in latex and r"1-0.9^t" not in latex
    assert r"\alpha_t" in latex and "0.1" not in latex.replace("0.1\\", "")


# The cards at step t (θₜ₊₁ recomputed from the numbers shown, for all six optimizers,
# with and without clipping): tests/labs/optimizers/test_update_cards.py.


def test_the_3d_view_draws_the_surface_and_the_paths(lab):
    assert not lab.view_3d.visible
    lab.show_3d.value = True
    assert lab.view_3d.visible
    world = lab.surface_3d.world.data
    n_paths = len(lab.state.optimizers)
    assert len(world["x"]) > 2 * n_paths  # grid lines plus one line per path
    assert world["color"][-n_paths:] == [COLORS[n] for n in lab.state.optimizers]
    for zs in world["z"]:
        assert np.all(np.isfinite(zs)) and min(zs) >= 0.0
    lab.optimizer_boxes.value = ["adam"]
    assert lab.surface_3d.world.data["color"][-1] == COLORS["adam"]


def _axis_map(spec, axis):
    """The (unit position, number) of an axis's ticks, from their labels."""
    ticks = [(at, float(text.replace("\u2212", "-"))) for ax, at, text, title in
             zip(spec["axis"], spec["at"], spec["text"], spec["title"], strict=True)
             if ax == axis and not title]
    return np.array(ticks)


#: The surfaces' formulas as their pages write them (f = 0.05x² + 2y², Rosenbrock's).
_CLOSED_FORMS = {"ravine": lambda x, y: 0.05 * x**2 + 2 * y**2,
                 "rosenbrock": lambda x, y: (1 - x)**2 + 100 * (y - x**2)**2}


@pytest.mark.parametrize("surface", ["ravine", "rosenbrock"])
def test_the_3d_views_axes_read_the_surface_drawn(surface):
    """Each axis's ticks name what is drawn there: a wireframe point, read back through
    the x, y and loss ticks (linear, or log₁₀(1 + L − L_min) on Rosenbrock's log-spaced
    picture), is the surface's value there, from its formula in closed form."""
    from playground.labs.optimizers.plots import Surface3D
    from playground.numerics.surfaces import SURFACES

    s = SURFACES[surface]
    view = Surface3D("zh")
    view.show(s, None, [])
    spec = view.axes.data
    titles = [t for t, title in zip(spec["text"], spec["title"], strict=True) if title]
    loss_name = "view.3d.loss_log" if s.log_levels else "plot.loss.linear"
    assert titles == [tr("plot.axis.x", "zh"), tr("plot.axis.y", "zh"), tr(loss_name, "zh")]
    xs, ys, zs = _axis_map(spec, "x"), _axis_map(spec, "y"), _axis_map(spec, "z")
    assert len(xs) >= 3 and len(ys) >= 3 and len(zs) >= 3
    # x and y: one straight map from the unit box to the surface's coordinates.
    fx, fy = (np.polyfit(m[:, 0], m[:, 1], 1) for m in (xs, ys))
    for m, f in ((xs, fx), (ys, fy)):
        np.testing.assert_allclose(np.polyval(f, m[:, 0]), m[:, 1], atol=1e-9)
    # The loss: straight in L, or in log₁₀(1 + L − L₀) where L₀ is the "0" tick's value.
    base = zs[0, 1]
    value = (lambda v: np.log10(1 + v - base)) if s.log_levels else (lambda v: v)
    fz = np.polyfit(zs[:, 0], value(zs[:, 1]), 1)
    np.testing.assert_allclose(np.polyval(fz, zs[:, 0]), value(zs[:, 1]), atol=1e-9)
    world = view.world.data
    for line in (0, 7, 20):  # grid lines of the wireframe
        for i in (0, 13, 40):
            x, y, z = (world[c][line][i] for c in ("x", "y", "z"))
            if z >= 1.2:  # clipped at the picture's top
                continue
            loss = _CLOSED_FORMS[surface](np.polyval(fx, x), np.polyval(fy, y))
            np.testing.assert_allclose(np.polyval(fz, z), value(loss), rtol=1e-6, atol=1e-6)


def _corners(a, e):
    return {(x, y): (x * np.cos(a) - y * np.sin(a),
                     0.6 * np.sin(e) * (x * np.sin(a) + y * np.cos(a)))
            for x in (-1.0, 1.0) for y in (-1.0, 1.0)}


@pytest.mark.parametrize("surface", ["ravine", "rosenbrock", "rastrigin"])
def test_the_3d_views_axes_stand_on_the_near_edges_and_the_left_corner(surface):
    """At every turn and tilt: x and y along the box's floor edges nearest the viewer
    (lowest on screen), the loss up the corner furthest left, the tick labels set away
    from the box, none of x or y near the loss axis's foot nor y's near the corner it
    shares with x (Rastrigin's x = −5 sat on the loss's "0"), the loss's all there up
    to the default tilt and apart at any."""
    from playground.labs.optimizers.plots import (
        CORNER_ROOM,
        Z_LABEL_SPACING,
        Surface3D,
        axes_screen,
    )
    from playground.numerics.surfaces import SURFACES

    view = Surface3D()
    view.show(SURFACES[surface], None, [])
    spec = view.axes.data
    n_ticks = {ax: sum(1 for a_, t in zip(spec["axis"], spec["title"], strict=True)
                       if a_ == ax and not t) for ax in "xyz"}
    for azimuth in range(-180, 180, 20):
        for elevation in (5, 30, 60, 90):
            a, e = np.radians(azimuth), np.radians(elevation)
            corners = _corners(a, e)
            lines, ticks, labels = axes_screen(spec, azimuth, elevation)
            xa, ya, za = zip(lines["xs"], lines["ys"], strict=True)  # (xs, ys) per axis
            low = min(np.mean([corners[(-1, y)][1], corners[(1, y)][1]]) for y in (-1, 1))
            assert np.mean(xa[1]) == pytest.approx(low)  # x: the lower of its two edges
            low = min(np.mean([corners[(x, -1)][1], corners[(x, 1)][1]]) for x in (-1, 1))
            assert np.mean(ya[1]) == pytest.approx(low)
            assert za[0][0] == za[0][1] == pytest.approx(min(c[0] for c in corners.values()))
            assert za[1][1] > za[1][0]  # the loss axis goes up
            assert len(ticks["x"]) == sum(n_ticks.values())
            # The x and y tick labels but those near a corner where another axis's are
            # read: the loss axis's foot (its "0"), and, for y, the corner it shares with
            # x.  The loss's from its 0 up, left out where closer than Z_LABEL_SPACING
            # to the last.
            tick = labels["tick"]
            beside = [k for k, axis in enumerate(tick["axis"]) if axis == "z"]
            assert all(tick["dx"][k] < 0 and tick["dy"][k] == 0 for k in beside)  # left
            foot = min(corners, key=lambda c: corners[c][0])  # the loss axis's (x, y)
            y0 = min((-1, 1), key=lambda y: corners[(-1, y)][1] + corners[(1, y)][1])
            x0 = min((-1, 1), key=lambda x: corners[(x, -1)][1] + corners[(x, 1)][1])
            kept = 0
            for axis, at, title in zip(spec["axis"], spec["at"], spec["title"], strict=True):
                if title or axis == "z":
                    continue
                world = (at, y0) if axis == "x" else (x0, at)
                near_foot = all(abs(w - f) < CORNER_ROOM for w, f in zip(world, foot,
                                                                          strict=True))
                kept += not (near_foot or (axis == "y" and abs(at - y0) < CORNER_ROOM))
            assert len(tick["text"]) - len(beside) == kept > 0
            heights = [tick["y"][k] for k in beside]
            assert tick["text"][beside[0]] == "0" and 1 <= len(beside) <= n_ticks["z"]
            assert np.all(np.diff(heights) >= Z_LABEL_SPACING - 1e-9)
            if elevation <= 30:
                assert len(beside) == n_ticks["z"]
            # Tick labels of x and y are set off straight away from the box's middle
            # (which the projection puts at 0, 0): towards their edge's midpoint.
            away = [np.array([np.mean(lines["xs"][k]), np.mean(lines["ys"][k])])
                    for k in (0, 1)]
            away = [m / np.linalg.norm(m) for m in away if np.linalg.norm(m) > 1e-3]
            for dx, dy, axis in zip(tick["dx"], tick["dy"], tick["axis"], strict=True):
                if axis == "z":
                    continue
                d = np.array([dx, -dy]) / np.hypot(dx, dy)  # screen pixels run down
                assert not away or min(np.linalg.norm(d - m) for m in away) < 1e-6
def test_an_empty_selection_says_what_to_do(lab):
    lab.optimizer_boxes.value = []
    assert lab.message.visible and "Select at least one optimizer" in lab.message.object
    assert lab.plots.meta.data["name"] == [] and lab.plots.legend.items == []
    lab.optimizer_boxes.value = ["adam"]
    assert not lab.message.visible


def test_a_card_gets_its_knobs_when_first_opened(lab):
    card = lab.hp_cards["adam"]
    assert card.objects == [] and "adam_lr" not in lab.hp_widgets
    card.collapsed = False
    # Each typed knob sits with its guard's note (the first object of its layout).
    placed = [o[0] if isinstance(o, pn.Column) else o for o in card.objects]
    assert placed == [lab.hp_widgets[f"adam_{hp}"]
                      for hp in OPTIMIZERS["adam"].hyperparams]
    assert len(card.objects) == 5  # α, β₁, β₂, ε, bias correction
    slider = lab.hp_widgets["adam_lr"]
    default = lab.state.surface_defaults()["adam_lr"]
    assert slider.end == pytest.approx(float(f"{5 * default:.2g}"))
    slider.value = default / 2  # the knob drives the race
    assert lab.state.adam_lr == pytest.approx(default / 2)
    # Another surface re-ranges the slider that now exists.
    lab.state.surface = "rosenbrock"
    new_default = lab.state.surface_defaults()["adam_lr"]
    assert slider.end == pytest.approx(float(f"{5 * new_default:.2g}"))
    card.collapsed, card.collapsed = True, False  # opening again builds nothing new
    assert card.objects[0][0] is slider


def test_the_3d_figure_is_built_only_when_asked_for(lab):
    assert lab.surface_3d is None and lab.view_3d.objects == []
    lab.show_3d.value = True
    assert lab.surface_3d is not None and len(lab.view_3d.objects) == 1


def test_a_knob_built_late_answers_at_once_too(lab):
    """Panel waits 50 ms for more events from a widget; the lab's widgets do not."""
    import panel as pn

    slider = lab.hp_widget("sgd_lr")  # a composite: a slider and a number box
    inner = slider.select(pn.widgets.Widget)
    assert len(inner) > 1 and all(w._debounce == 0 for w in inner)


def test_the_log_scale_loss_chart_is_built_when_first_asked_for(lab):
    assert "log" not in lab.plots.loss_fig and len(lab.loss_pane.objects) == 1
    lab.log_loss.value = True
    log_fig = lab.plots.loss_fig["log"]
    assert log_fig.visible and not lab.plots.loss_fig["linear"].visible
    assert lab.loss_pane.objects[1].object is log_fig
    # It draws L − min L from the same sources, and the animation moves its cursor.
    sources = {r.data_source for r in log_fig.renderers}
    assert sources == {lab.plots.loss_source(n) for n in OPTIMIZERS}
    assert len(lab.plots.loss_source("sgd").data["gap"]) == lab.state.steps + 1
    assert log_fig.select_one({"name": "cursor"}) is lab.plots.animate.args["cursors"][1]
    lab.log_loss.value = False
    assert not log_fig.visible and lab.plots.loss_fig["linear"].visible
    lab.log_loss.value = True
    assert len(lab.loss_pane.objects) == 2  # built once


# -- state that follows an action (issue #11 §4) ----------------------------------------

def assert_view_shows_the_run(lab):
    """The scrubber, the curves, the trajectories and the legend show the state's run."""
    s = lab.state
    steps = len(s.result.loss) - 1
    assert steps == s.steps and lab.player.end == steps and lab.player.value == steps
    assert lab.plots.step_cursor.location == steps
    for name in s.optimizers:
        k = list(opt.NAMES).index(name)
        end = int(s.result.diverged_at[k])
        rows = steps + 1 if end < 0 else max(end, 1)
        np.testing.assert_array_equal(lab.plots.full[name].data["x"],
                                      s.result.points[:rows, k, 0])
    assert [_label(i).split(":")[0] for i in lab.plots.legend.items] == [
        f"{n}" for n in lab.plots.meta.data["label"]]


@pytest.mark.parametrize("action", [
    {"steps": 1000}, {"surface": "himmelblau"}, {"x0": 2.0}, {"schedule": "cosine"},
    {"noise": 0.3}, {"sgd_lr": 0.1}])
def test_every_change_of_the_run_reaches_the_whole_view(lab, action):
    lab.state.param.update(**action)
    assert_view_shows_the_run(lab)


def test_the_step_card_says_which_update_its_numbers_are(lab):
    """The card at step t shows the update t → t+1; its v after the update is the state
    table's v at step t (the race's row t)."""
    lab.player.value = 7
    lab._on_player_pause()
    caption = lab.step_captions["momentum"].object
    assert "from step 7 to step 8" in caption and lab.step_captions["momentum"].visible
    full = lab.plots.full["momentum"].data
    at_step = lab.formula_cards["momentum"][-1].object
    v_after = (full["vx"][7], full["vy"][7])
    assert latex_number(float(v_after[0]), 4) in at_step
    # (the velocity, not Adam's second moment v: a reviewer read it so)
    assert tr("readout.velocity") == "velocity v / m̂ after the update"


def test_at_the_last_step_the_card_shows_the_update_the_table_and_arrows_show(lab):
    """At the last step the run takes no further update, but the state table and the
    arrows show the one it would take: so does the card, and it says so (reviews: two
    m̂ under one step, then the card a step behind the table)."""
    end = int(lab.player.end)
    lab.player.value = end
    lab._on_player_pause()
    caption = lab.step_captions["sgd"].object  # the first card says it in full
    assert f"ends at step {end}" in caption and f"from step {end} to step {end + 1}" in caption
    # the others in a line (six cards said the same three lines)
    assert lab.step_captions["adam"].object == tr("formula.at_step.again", step=end,
                                                  next=end + 1)
    full = lab.plots.full["adam"].data
    card = lab.formula_cards["adam"][-1].object
    assert latex_number(float(full["vx"][end]), 4) in card  # the table's m̂ at step `end`
    lab.player.value = end - 1
    lab._on_player_pause()
    assert "ends at step" not in lab.step_captions["adam"].object
    assert f"from step {end - 1} to step {end}" in lab.step_captions["adam"].object


def test_a_cards_title_joins_its_note_with_the_languages_colon():
    lab = OptimizerLab(state=OptimizerLabState(lang="zh", optimizers=["adam"]))
    lab.start()
    lab.details()
    assert lab.formula_cards["adam"][1].object.startswith("**Adam**：")
    english = OptimizerLab(state=OptimizerLabState(optimizers=["adam"]))
    english.start()
    english.details()
    assert english.formula_cards["adam"][1].object.startswith("**Adam**: ")


def test_the_3d_figure_has_its_picture_before_it_joins_the_page(lab):
    """Sent with its data and its projection: nothing left for a later message that
    could overtake the figure itself."""
    lab.show_3d.value = True
    screen = lab.surface_3d.screen.data
    assert len(screen["xs"]) == len(lab.surface_3d.world.data["x"]) > 3
    a, e = np.radians(lab.surface_3d.azimuth.value), np.radians(lab.surface_3d.elevation.value)
    x, y, z = (np.asarray(lab.surface_3d.world.data[c][0]) for c in ("x", "y", "z"))
    np.testing.assert_allclose(screen["xs"][0], x * np.cos(a) - y * np.sin(a))
    np.testing.assert_allclose(screen["ys"][0],
                               z * np.cos(e) + 0.6 * np.sin(e) * (x * np.sin(a) + y * np.cos(a)))


def test_a_link_applied_whole_resets_what_it_leaves_out(lab):
    s = lab.state
    s.param.update(steps=400, noise=0.5, seed=3)
    assert lab.state.apply_link({"surface": "ravine", "optimizers": "sgd,adam"}) == []
    assert (s.steps, s.noise, s.seed) == (100, 0.0, 0) and s.optimizers == ["sgd", "adam"]
    assert_view_shows_the_run(lab)


@pytest.mark.parametrize("p, bad", [
    ("sgd_lr", 1000.0), ("sgd_lr", -1.0), ("x0", 1e9), ("steps", 0), ("steps", 20000),
    ("noise", -1.0), ("seed", -1), ("schedule_every", 0), ("schedule_factor", 0.5),
    ("schedule_gamma", 2.0), ("clip_value", 0.0), ("adam_eps", 5.0), ("adam_beta1", 1.0)])
def test_a_value_outside_its_bounds_is_refused_at_its_box(lab, p, bad):
    if p in KNOB_PARAMS:
        lab.hp_widget(p)
    guard = lab.guards[p]
    in_use, result = getattr(lab.state, p), lab.state.result
    guard.widget.value = bad
    assert getattr(lab.state, p) == in_use and lab.state.result is result
    assert guard.widget.value == in_use and guard.note.visible
    assert f"{number_text(in_use)} is in use" in guard.refusal


def test_in_a_page_a_typed_formula_compiles_on_a_worker_and_the_last_one_wins(
        lab, monkeypatch):
    """Issue #9 item 4: a formula's compilation (seconds) never runs on the event loop
    every page shares; a "compiling" line shows meanwhile."""
    import time

    from playground.ui import session as ui_session

    later = []
    monkeypatch.setattr(ui_session, "next_tick_from_any_thread", lambda doc: later.append)
    lab.surface_select.value = "custom"
    lab.worker.attach(type("Page", (), {"session_context": None})())
    lab.state.run_slow_work = lab.worker.submit
    drawn = np.array(lab.plots.full["sgd"].data["x"])
    lab.expression_input.value = "x**2 + 3*y**2"
    assert lab.compiling.visible and lab.worker.busy("formula")
    np.testing.assert_array_equal(lab.plots.full["sgd"].data["x"], drawn)  # not yet
    lab.expression_input.value = "x**2/4 + y**2"  # typed again meanwhile: this one wins
    for _ in range(2):
        for _ in range(1200):
            if later:
                break
            time.sleep(0.05)
        later.pop()()
    assert not lab.compiling.visible and not lab.worker.busy()
    assert lab.state.active_surface.fn.source == "x**2/4 + y**2"
    assert lab.state.to_query()["expr"] == "x**2/4 + y**2"
    assert not np.array_equal(lab.plots.full["sgd"].data["x"], drawn)


@pytest.mark.parametrize("action", ["surface", "defaults", "link"])
def test_a_refusal_goes_when_the_values_are_reset_even_to_the_same(lab, action):
    """Saddle and custom both start SGD at α = 0.05: a refusal typed on the saddle spoke
    of the saddle's run, and goes with a new surface (or defaults, or a link) even though
    α stays 0.05."""
    s = lab.state
    s.surface = "saddle"
    lab.hp_widget("sgd_lr")
    guard = lab.guards["sgd_lr"]
    guard.widget.value = 1000.0
    assert guard.note.visible and s.sgd_lr == 0.05
    steps = lab.guards["steps"]
    steps.widget.value = 0
    assert steps.note.visible
    if action == "surface":
        s.surface = "custom"
    elif action == "defaults":
        s.reset_to_surface_defaults()
    else:
        assert s.apply_link({"surface": "saddle", "optimizers": "sgd"}) == []
    assert s.sgd_lr == 0.05 and guard.widget.value == 0.05
    assert not guard.note.visible and guard.refusal == ""
    assert not steps.note.visible  # the steps were set again too


def test_lecture_mode_moves_the_speed_to_the_sidebar_and_back(lab):
    """In lecture mode the speed leaves the player's row for the sidebar's Run section
    (the headline then fits beside the player); plain mode brings it back; the player
    steps by the speed wherever it is."""
    from playground.ui.present import Display

    assert lab.speed_beside.objects == [lab.speed] and lab.speed_beside.visible
    assert not lab.speed_in_sidebar.visible
    lab.display_changed(Display(present=True))
    lab.display_changed(Display(present=True))  # (called again while the display lasts)
    assert lab.speed_in_sidebar.objects == [lab.speed] and lab.speed_in_sidebar.visible
    assert lab.speed_beside.objects == [] and not lab.speed_beside.visible
    lab.speed.value = 5
    assert lab.player.step == 5
    lab.display_changed(Display(present=False))
    assert lab.speed_beside.objects == [lab.speed] and not lab.speed_in_sidebar.visible


def test_while_playing_the_analysis_at_the_iterate_waits_for_the_pause(lab):
    """The critical-point text named "SGD's iterate, step 100" while the picture played
    at step 29: playing, it says the analysis follows the pause; paused, it is back."""
    from playground.text import tr

    paused = lab.critical_md.object
    assert "iterate, step 100" in paused
    lab.player.direction = 1
    playing = lab.critical_md.object
    assert "iterate" not in playing.replace(tr("critical.while_playing"), "")
    assert tr("critical.while_playing") in playing
    assert playing.startswith(paused.split("\n\n")[0])  # the start's analysis stays
    lab.player.value = 40
    lab.player.direction = 0
    assert "iterate, step 40" in lab.critical_md.object


def test_a_cosine_schedules_last_card_says_its_alpha_has_come_down_to_0(lab):
    """With T = steps, the further step's α(1 + cos(π T/T))/2 is 0: the card's update
    moved nothing and the arrows were gone, unexplained (an instructor's review)."""
    lab.state.schedule = "cosine"
    end = int(lab.player.end)
    lab.player.value = end
    lab._on_player_pause()
    caption = lab.step_captions["sgd"].object  # (the first card's caption, in full)
    ended = tr("formula.schedule_ended", next=end + 1, steps=int(lab.state.steps))
    assert ended.strip() in caption
    lr = np.asarray(lab.plots.full["adam"].data["lr"])  # the α each row's update takes
    assert lr[end] == pytest.approx(0.0, abs=1e-12) and lr[end - 1] > 0
    lab.player.value = end - 1
    lab._on_player_pause()
    assert ended.strip() not in lab.step_captions["sgd"].object


def test_every_critical_point_is_listed_in_words_by_verdict_as_its_marker():
    """Himmelblau's nine: four minima, four saddles, one maximum, each with its place
    (hover gave them one at a time, to a mouse only)."""
    lab = OptimizerLab()
    lab.state.surface = "himmelblau"
    lab.start()
    lab.details()
    text = lab.critical_md.object
    lines = [line for line in text[text.index("Critical points"):].splitlines() if line]
    points = critical.critical_points(lab.state.shown_surface)
    assert len(points) == 9
    assert lines[0].startswith("Critical points of this surface") and len(lines) == 4
    minima, maxima, saddles = (line.removeprefix(f"- {symbol} ")
                               for line, symbol in zip(lines[1:], "★▲⊠", strict=True))
    assert minima.startswith("local minimum: (3, 2)") and minima.count("(") == 4
    assert saddles.startswith("saddle: ") and saddles.count("(") == 4
    assert maxima.startswith("local maximum: (−0.2708, −0.923)") and maxima.count("(") == 1
