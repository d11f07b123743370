"""What the MLP lab's pictures say: framed on the data, coloured as the numbers are, read
as the curves go (issue #11: views that assumed the generated data's scale, encodings
that misled)."""

import math
import re

import numpy as np
import pytest

from playground.labs.mlp.figures import fit_loss_axis, race_table_html
from playground.labs.mlp.lab import MlpLab
from playground.labs.mlp.state import MlpLabState
from playground.labs.optimizers.plots import COLORS
from playground.text import tr
from playground.ui.axes import step_axis
from playground.ui.colors import legible
from playground.ui.palettes import (
    CLASS_SHADES,
    HEATMAP_STRENGTH,
    OPTIMIZER_COLORS,
    class_color,
    mix,
)
from playground.ui.present import ink
from playground.ui.widgets import loss_text, number_text


@pytest.fixture
def lab():
    lab = MlpLab()
    lab.start()
    return lab


def csv_of(points: np.ndarray, labels) -> bytes:
    rows = "\n".join(f"{float(x)!r},{float(y)!r},{c}"
                     for (x, y), c in zip(points, labels, strict=True))
    return ("x1,x2,label\n" + rows).encode()


def blobs(low, high, n=80, seed=0):
    """Two classes: left half and right half of [low, high] (per direction)."""
    rng = np.random.default_rng(seed)
    points = rng.uniform(low, high, size=(n, 2))
    middle = (np.asarray(low) + np.asarray(high)) / 2
    return points, (points[:, 0] > np.atleast_1d(middle)[0]).astype(int)


def drawn_frame(fig, image):
    g = image.glyph
    return ((fig.x_range.start, fig.x_range.end, fig.y_range.start, fig.y_range.end),
            (g.x, g.x + g.dw, g.y, g.y + g.dh))


@pytest.mark.parametrize("low, high", [((20, 20), (80, 80)), ((-0.01, -0.01), (0.01, 0.01)),
                                       ((1000, -3), (1001, 500))],
                         ids=["20-80", "tiny", "shifted-anisotropic"])
def test_an_upload_at_another_scale_is_framed_on_its_points(lab, low, high):
    points, labels = blobs(low, high)
    lab.controls.upload.value = csv_of(points, labels)
    s = lab.state
    assert s.dataset == "uploaded"
    lo, hi = points.min(axis=0), points.max(axis=0)
    for fig, image in lab.plane.framed:  # the heat map and the race's four
        (x0, x1, y0, y1), (ix0, ix1, iy0, iy1) = drawn_frame(fig, image)
        assert (x0, x1, y0, y1) == pytest.approx((ix0, ix1, iy0, iy1))  # image = axes
        assert x0 < lo[0] and x1 > hi[0] and y0 < lo[1] and y1 > hi[1]  # every point in
        assert (hi[0] - lo[0]) / (x1 - x0) > 0.8 and (hi[1] - lo[1]) / (y1 - y0) > 0.8
    # The network is evaluated over the same frame: with normalised inputs it learns the
    # two halves, and the heat map shows both classes over the data.
    s.normalise = True
    for _ in range(4):
        lab.train_chunk(50)
    image = np.asarray(lab.image_source.data["image"][0])
    assert image[:, :10].mean() < 0.3 and image[:, -10:].mean() > 0.7
    # The diagram's input thumbnails are over the frame too: x̂₁ runs from its most
    # negative (0) at the left to its most positive (253) at the right; x̂₂ bottom to top.
    inputs = np.asarray(lab.network.unit_images.data["image"][0], float)
    inputs[inputs == 255] = np.nan  # the gap between thumbnails
    left, right = np.nanmean(inputs[:, 0]), np.nanmean(inputs[:, -1])
    assert left < 90 and right > 160  # (0 + 127)/2 and (253 + 127)/2 over x̂₁ and x̂₂


def test_the_normalisation_is_said_under_the_heat_map(lab):
    points, labels = blobs((20, 20), (80, 80))
    lab.controls.upload.value = csv_of(points, labels)
    note = lab.boundary.frame_note
    assert not note.visible  # inputs used as they are: nothing to say
    lab.state.normalise = True
    assert note.visible
    assert lab.race_view is None  # no race yet: its view is not built
    lab.state.race = ["sgd", "adam"]
    race_note = lab.race_view.frame_note  # the race maps' frame (no axes), then the same
    assert race_note.visible and race_note.object.endswith(" " + note.object)
    text = re.sub(r"<[^>]+>", "", note.object)
    mean, std = lab.state.data.mean, lab.state.data.std
    assert f"x₁: μ = {mean[0]:.3g}, σ = {std[0]:.3g}" in text
    assert f"x₂: μ = {mean[1]:.3g}, σ = {std[1]:.3g}" in text
    assert 40 < mean[0] < 60 and 10 < std[0] < 25


def test_a_race_started_after_an_upload_frames_its_heat_maps_on_the_points(lab):
    """The race's heat maps are built when a race starts (issue #9 item 4), over the
    frame the network's heat map shows, not the generated data's [−6, 6]²."""
    points, labels = blobs((20, 20), (80, 80))
    lab.controls.upload.value = csv_of(points, labels)
    framed = drawn_frame(*lab.plane.framed[0])
    assert framed[0][0] > 10  # the upload's frame
    lab.race()  # built outside a new network's redraw too
    lab.state.race = ["sgd", "adam"]
    assert len(lab.plane.framed) == 5
    for fig, image in lab.plane.framed[1:]:
        assert drawn_frame(fig, image) == framed


def test_generated_data_keeps_the_usual_plane(lab):
    for fig, image in lab.plane.framed:
        assert drawn_frame(fig, image) == ((-6, 6, -6, 6), (-6, 6, -6, 6))


def strength_of(color: str, base: str) -> float:
    """t with ``color`` = mix(base, t), asserting the hue is ``base``'s."""
    rgb = lambda c: np.array([int(c[i:i + 2], 16) for i in (1, 3, 5)], float)
    d = rgb(base) - 255.0
    t = float(np.dot(rgb(color) - 255.0, d) / np.dot(d, d))
    assert np.abs(255.0 + t * d - rgb(color)).max() <= 1.0, (color, base)
    return t


def test_three_classes_trained_a_while_paint_confident_regions_strongest(lab):
    """The fault: p = 1 fell on the next class's white.  Every cell's colour, as Bokeh's
    linear mapper picks it, against the probability in that cell."""
    lab.controls.dataset.value = "three_class"
    for _ in range(4):
        lab.train_chunk(50)
    grid = lab.state.grid()  # k + p_k, float64
    k, p = np.ceil(grid) - 1, grid - (np.ceil(grid) - 1)
    assert (p > 0.999).mean() > 0.3  # trained a while: large confident regions
    mapper = lab.plane.color_mapper
    sent = np.asarray(lab.image_source.data["image"][0], np.float64)
    n = len(mapper.palette)
    index = np.clip(np.floor((sent - mapper.low) / (mapper.high - mapper.low) * n), 0, n - 1)
    step = HEATMAP_STRENGTH / ((1 - 1 / 3) * CLASS_SHADES)
    for cls, prob, i in zip(k.ravel(), p.ravel(), index.ravel().astype(int), strict=True):
        t = strength_of(mapper.palette[i], class_color(int(cls)))
        assert abs(t - HEATMAP_STRENGTH * (prob - 1 / 3) / (2 / 3)) <= step + 0.01
        if prob > 0.999:
            assert t > 0.95 * HEATMAP_STRENGTH and mapper.palette[i] != "#ffffff"
    assert mix(class_color(0), HEATMAP_STRENGTH) in mapper.palette


def test_race_colours_follow_the_optimizer_as_in_the_optimizer_lab(lab):
    lab.state.race = ["momentum", "adam"]
    lab.train_chunk(2)
    view = lab.race_view
    for i, name in enumerate(lab.state.racers):
        color = OPTIMIZER_COLORS[name]
        assert color == COLORS[name]  # the optimizer lab's
        # (its title is text: darkened as far as it needs to read on white)
        assert view.race_boundary_figs[i].title.text_color == legible(color)
        for lines in view.race_lines:
            assert {r.glyph.line_color for r in lines[i]} == {color}
        assert f"color:{ink(color)}" in view.race_table.object  # (readable on either theme)
    # Adam moves to the second slot of another race: its colour goes with it.
    lab.state.race = ["sgd", "adam"]
    assert view.race_boundary_figs[1].title.text_color == legible(OPTIMIZER_COLORS["adam"])
    assert view.race_boundary_figs[0].title.text_color == legible(OPTIMIZER_COLORS["sgd"])


def test_the_line_under_the_race_maps_gives_their_frame(lab):
    """The small maps have no axes: the line under them gives the frame they share with
    the single network's map, in numbers, and follows it to new data."""
    lab.state.race = ["sgd", "adam"]
    lab.train_chunk(1)
    single = lab.boundary.boundary_fig
    note = lab.race_view.frame_note
    assert note.visible
    frame = [single.x_range.start, single.x_range.end, single.y_range.start,
             single.y_range.end]
    assert note.object.startswith("Each map: x₁ from {} to {} across, x₂ from {} to {} up"
                                  .format(*(number_text(v, 3).replace("-", "−")
                                            for v in frame))), note.object
    lab.state.param.update(normalise=True)
    lab.train_chunk(1)
    assert "x₁ from" in note.object and "normalised" in note.object


def test_race_titles_keep_their_colours_in_the_dark_theme(lab):
    """In the dark theme each heat map's title is its racer's colour lightened as the
    page's coloured text is (``ink``), not the theme's one ink; a race started in the
    dark and a return to the light theme colour them too."""
    from playground.ui.present import Display, Presenter

    lab.state.race = ["momentum", "adam"]
    lab.train_chunk(1)
    view, dark = lab.race_view, Display(theme="dark")
    figs = view.race_boundary_figs
    lab.display_changed(dark)
    Presenter(dark).style(figs)  # as the page's styling does, after the lab's
    assert [f.title.text_color for f in figs[:2]] == [
        mix(OPTIMIZER_COLORS["momentum"], 0.4), mix(OPTIMIZER_COLORS["adam"], 0.4)]
    lab.state.race = ["adam", "rmsprop", "sgd"]
    Presenter(dark).style(figs)
    assert [f.title.text_color for f in figs[:3]] == [
        mix(OPTIMIZER_COLORS[n], 0.4) for n in ("adam", "rmsprop", "sgd")]
    lab.display_changed(Display(theme="light"))
    assert [f.title.text_color for f in figs[:3]] == [
        legible(OPTIMIZER_COLORS[n]) for n in ("adam", "rmsprop", "sgd")]


def test_a_links_race_keeps_its_order_in_the_headline_and_heat_maps():
    """``race=adam,momentum``: Adam, named first, is the headline's racer and the first
    heat map (the registry lists momentum before Adam)."""
    lab = MlpLab()
    assert lab.state.apply_query({"race": "adam,momentum"}) == []
    lab.start()
    lab.train_chunk(2)
    assert lab.state.racers == ("adam", "momentum")
    whose = re.search(r"class='pg-readout-whose'[^>]*>([^<]*)<", lab.readout.object)
    assert whose and whose.group(1) == "Adam"
    titles = [f.title.text for f in lab.race_view.race_boundary_figs[:2]]
    assert titles[0].startswith("Adam") and titles[1].startswith("Momentum"), titles


def test_a_race_headline_goes_to_the_first_racer_still_training():
    """SGD diverged at epoch 1, yet the headline read "Training loss (SGD) 2.218", its
    last finite loss, as if it were now (a student's review): Adam's, named."""
    lab = MlpLab()
    assert lab.state.apply_query({"lr": "10", "dataset": "spiral", "layers": "8,8",
                                  "activation": "linear",
                                  "features": "x1,x2,x1_sq,x2_sq,x1x2",
                                  "race": "sgd,adagrad"}) == []
    lab.start()
    for _ in range(4):
        lab.train_chunk(5)
    s = lab.state
    assert s.race_diverged[0] is not None and s.race_diverged[1] is None
    whose = re.search(r"class='pg-readout-whose'[^>]*>([^<]*)<", lab.readout.object)
    assert whose and whose.group(1) == "AdaGrad"
    train = re.search(r"class='pg-train-loss'[^>]*>([^<]*)<", lab.readout.object).group(1)
    assert train == loss_text(s.race_history[1][-1, 0])


def test_the_readings_advice_names_the_remedies_already_on():
    """Dropout 0.5 over-fitting read "use … L2 or dropout" (a student's review): the
    reading says what is on, and that more of it would help; under-fitting with a
    penalty says it holds the network back."""
    from playground.labs.mlp.figures import reading_markdown

    s = MlpLabState(dropout=0.5, l2=0.01)
    note = s.reading_note("overfit")
    assert "Already on here: dropout p = 0.5, L2 penalty λ₂ = 0.01; a larger value" in note
    assert "Also holding the network back here: dropout p = 0.5" in s.reading_note("underfit")
    assert s.reading_note("good") == "" and MlpLabState().reading_note("overfit") == ""
    s.train(8)
    assert reading_markdown(s).startswith(tr(f"mlp.reading.{s.reading()}", "en"))


def test_a_deep_sigmoid_network_stuck_at_chance_reads_vanishing_gradients():
    """Six layers of 32 sigmoid units, SGD: the loss stays at ln 2, read "add hidden
    layers" (a student's review); the gradient fades through the layers (CONCEPTS §5)."""
    from playground.labs.mlp.figures import reading_markdown

    s = MlpLabState()
    assert s.apply_query({"layers": "32,32,32,32,32,32", "activation": "sigmoid",
                          "optimizer": "sgd", "batch": "1"}) == []
    s.train_to(60)
    assert s.reading() == "underfit_vanishing" and s.history[-1, 0] > 0.9 * math.log(2)
    words = reading_markdown(s)
    assert "With 6 hidden layers of sigmoid units" in words and "vanishing gradients" in words
    assert "add hidden layers" not in words  # (the plain under-fitting advice)
    s.apply_query({"activation": "relu", "init": "he"})  # the same depth in ReLU
    assert s.sigmoid_layers == 0


def test_the_loss_charts_go_to_a_log_scale_and_back_in_place(lab):
    """Over-fitting on a log scale: the training loss falls by decades while the
    validation loss climbs (on a linear one it hugs 0).  The chart itself changes
    scale (no second chart); its range holds the positive losses."""
    from bokeh.models import LinearScale, LogScale

    s = lab.state
    lab.train_chunk(30)
    fig, axis = lab.boundary.loss_fig, lab.boundary.loss_fig.yaxis[0]
    linear_ticker = axis.ticker
    assert isinstance(fig.y_scale, LinearScale)
    lab.log_loss.value = True  # the check box
    assert s.log_loss and s.to_query()["log_loss"] == "1"
    assert isinstance(fig.y_scale, LogScale) and fig.ygrid[0].ticker is axis.ticker
    losses = s.history[:, [0, 2]]
    assert 0 < fig.y_range.start <= losses.min() and fig.y_range.end >= losses.max()
    s.race = ["sgd", "adam"]
    lab.train_chunk(3)
    race = lab.race_view.race_loss_fig
    assert isinstance(race.y_scale, LogScale) and race.y_range.start > 0
    lab.log_loss.value = False
    assert isinstance(race.y_scale, LinearScale)
    assert isinstance(fig.y_scale, LinearScale) and axis.ticker is linear_ticker


def test_sgd_with_a_large_step_reads_as_unstable_not_under_fitting(lab):
    """The issue's case: SGD with α = 5 jumps between losses of about 2 and 14."""
    s = lab.state
    s.param.update(dataset="spiral", optimizer="sgd", lr=5.0)
    for _ in range(4):
        lab.train_chunk(25)
    train = s.history[-10:, 0]
    assert train.max() > 3 * train.min()  # it oscillates
    assert s.reading() == "unstable"
    text = lab.boundary.reading_pane.object
    assert "Unstable" in text and "learning rate" in text and "add hidden layers" not in text


def test_noise_free_over_fitting_says_nothing_of_noise(lab):
    lab.controls.preset_buttons[0].clicks += 1  # the over-fitting lesson …
    lab.state.noise = 0.0  # … without noise
    for _ in range(6):
        lab.train_chunk(50)
    assert lab.state.reading() in ("overfit_noise_free", "good")
    assert "noise" not in lab.boundary.reading_pane.object


def test_a_racers_diverged_tail_leaves_the_loss_chart_through_the_top(lab):
    fig = lab.race().race_loss_fig
    steady = np.c_[np.linspace(0.7, 0.1, 50), np.zeros(50), np.linspace(0.7, 0.2, 50),
                   np.zeros(50)]
    exploding = steady.copy()
    exploding[30:, [0, 2]] = 10.0 ** np.arange(20)[:, None]
    fit_loss_axis(fig, [steady, exploding], [False, True])
    assert fig.y_range.start < 0.1 and 0.7 < fig.y_range.end < 0.8
    fit_loss_axis(fig, [steady, exploding], [False, False])
    assert fig.y_range.end > 1e18  # nothing diverged: all of it
    assert math.isfinite(fig.y_range.start)


def lone_dots(markers) -> list[bool]:
    return [m.visible for m in markers]


def test_a_curve_of_one_point_is_a_dot_on_an_epoch_axis_from_0(lab):
    """At epoch 0 each curve is one point: a dot (a line of one point draws nothing) on
    an axis 0 … 1 (Bokeh's own range made it −1 … 1); once trained, lines on 0 … epoch."""
    view, s = lab.boundary, lab.state
    assert len(view.curves.data["epoch"]) == 1
    for fig in (view.loss_fig, view.acc_fig):
        assert (fig.x_range.start, fig.x_range.end) == step_axis(1)
    assert -0.05 < step_axis(1)[0] < 0 and step_axis(1)[1] == 1.0
    assert lone_dots(m for m, _ in view.lone_markers) == [True] * 4
    lab.train_chunk(5)
    assert lone_dots(m for m, _ in view.lone_markers) == [False] * 4
    for fig in (view.loss_fig, view.acc_fig):
        assert (fig.x_range.start, fig.x_range.end) == step_axis(5)
        assert fig.x_range.end == len(s.history) - 1
    s.train_ratio = 100.0  # a new network without validation: the training dot only
    assert len(view.curves.data["epoch"]) == 1
    assert lone_dots(m for m, is_val in view.lone_markers) == [True, False, True, False]
    assert [is_val for _, is_val in view.lone_markers] == [False, True, False, True]


def test_a_race_of_one_epoch_draws_each_racer_as_a_dot(lab):
    lab.state.race = ["momentum", "adam"]
    view = lab.race_view
    view.show_details()
    shown = {i: [d.visible for d in dots] for i, dots in view.race_dots}
    assert all(shown[i] == ([True, True] if i < 2 else [False, False]) for i in shown)
    for i, dots in view.race_dots:
        if i < 2:
            assert dots[0].glyph.fill_color == OPTIMIZER_COLORS[lab.state.racers[i]]
    for fig in (view.race_loss_fig, view.race_acc_fig):
        assert (fig.x_range.start, fig.x_range.end) == step_axis(1)
    lab.train_chunk(3)
    assert not any(d.visible for _, dots in view.race_dots for d in dots)
    assert view.race_loss_fig.x_range.end == 3.0


def test_the_race_table_writes_each_loss_as_the_readout_does():
    """Each racer's losses as the headline writes a loss (its first row is the
    headline's racer), a power of ten as the formulas write one; a diverged racer's row
    says so across it."""
    rows = [(0.002, 1.0, 0.5, 0.75), (7.3e-4, 1.0, 0.25, 0.8), (float("nan"),) * 4]
    html = race_table_html(["sgd", "adam", "momentum"], rows, [None, None, 3], True, "en")
    cells = re.findall(r"<td(?: class='pg-race-train')?>([^<]*)</td>", html)
    assert cells[:6] == ["0.002", "0.500", "75.0 %", "7.3×10⁻⁴", "0.250", "80.0 %"], cells
    assert "diverged" in html
    # A loss float32 rounds to 0 reads as the bound it is below (escaped), never "0".
    html = race_table_html(["rmsprop"], [(0.0, 1.0, 0.0, 1.0)], [None], True, "en")
    cells = re.findall(r"<td(?: class='pg-race-train')?>([^<]*)</td>", html)
    assert cells == ["&lt; 10⁻⁷", "&lt; 10⁻⁷", "100.0 %"], cells


def test_the_race_table_gives_each_racers_alpha_where_they_differ():
    rows = [(0.5, 0.8, 0.6, 0.75)] * 2
    same = race_table_html(["sgd", "adam"], rows, [None, None], True, "en", lrs=[0.01, 0.01])
    assert "pg-race-lr" not in same and "<th>α</th>" not in same
    own = race_table_html(["sgd", "adam"], rows, [None, 2], True, "en", lrs=[0.3, 0.001])
    assert re.findall(r"<td class='pg-race-lr'>([^<]*)</td>", own) == ["0.3", "0.001"]
    heads = re.findall(r"<th>([^<]*)</th>", own)
    assert heads[:3] == ["Optimizer", "α", "Training loss"], heads
    assert "<td colspan=3>" in own  # the diverged racer's row: its α, then the note across


def test_a_race_reads_each_racers_curves():
    """A race said nothing of each network's fit (the single network's reading was
    dropped): its table has a reading per racer, the single network's verdict on that
    racer's own curves; one that diverged is unstable."""
    from playground.numerics.reading import reading

    lab = MlpLab()
    assert lab.state.apply_query({"race": "sgd,adam", "sgd_lr": "50"}) == []
    lab.start()
    lab.train_chunk(30)
    s = lab.state
    table = lab.race_view.race_table.object
    assert tr("mlp.race.reading") in table
    readings = s.race_readings()
    for i, history in enumerate(s.race_history):
        if s.race_diverged[i] is None:
            assert readings[i] == reading(history, s.data.n_classes, float(s.noise),
                                          s.has_validation)
        else:
            assert readings[i] == "unstable"
    shown = re.findall(r"class='pg-race-reading'>([^<]*)<", table)
    alive = [tr(f"mlp.reading.{r}.short") for r, d in zip(readings, s.race_diverged,
                                                         strict=True) if d is None]
    assert shown == alive and alive
    # An epoch before the end (the static page's snapshots): the curves up to it.
    assert s.race_readings(upto=3) == ["early"] * len(s.racers)
