"""The static interactive export (``playground.static_export``, ``python -m playground
export``): the page a link gives, built without writing a file.

The sweep's oracle is the race engine's single run (``race.run_race``) for each value,
and the arrays the page carries must be those; the MLP page's curves are the state's
own history and its heat maps the network's at each snapshot.  The browser side
(playback, sliders, opened from disk): ``tests/browser/test_static_export_browser.py``.
"""

from __future__ import annotations

import asyncio
import html
import io
import math
import re
from contextlib import redirect_stderr, redirect_stdout

import numpy as np
import pytest

from playground import cli, static_export
from playground.numerics import optimizers as opt
from playground.numerics import race
from playground.text import tr
from playground.ui.export import download_button
from playground.ui.widgets import number_text

MAX_BYTES = 5_000_000  # the bound for the default sweep


def _main(args):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = cli.main(args)
    return status, out.getvalue(), err.getvalue()


def _header_at_each_value(page, slider: str) -> list[str]:
    """The header's text the page shows at each of ``slider``'s values."""
    return [cb for cb in page.layout.select_one({"name": slider})
            .js_property_callbacks["change:value"] if "headers" in cb.args][0].args["headers"]


def _source(page, name):
    found = page.layout.select_one({"name": name})
    assert found is not None, name
    return found


def fit_values(codes: np.ndarray, bottom: float, step: float) -> np.ndarray:
    """What the page's script draws for ``fit_codes``' codes: ``bottom + code · step``,
    NaN (a gap) for ``FIT_GAP``."""
    return np.where(codes == static_export.FIT_GAP, np.nan,
                    bottom + codes.astype(np.float64) * step)


# -- the sweep's values ---------------------------------------------------------------


@pytest.mark.parametrize(("knob", "centre", "n"), [
    ("lr", 0.45, 20), ("lr", 100.0, 20), ("lr", 1e-7, 7), ("eps", 1e-8, 5),
    ("momentum", 0.9, 20), ("momentum", 0.0, 5), ("beta2", 0.999, 11), ("decay", 0.9999, 4),
])
def test_sweep_values_hold_the_centre_inside_the_bounds(knob, centre, n):
    values = static_export.sweep_values(knob, centre, n)
    k = opt.KNOBS[knob]
    assert centre in values and len(values) == n
    assert values == sorted(values) and all(k.low <= v <= k.high for v in values)
    if k.log:  # log-spaced: equal ratios (to the 3 digits kept), about 2 decades in all
        ratios = np.diff(np.log10(values))
        np.testing.assert_allclose(ratios, ratios[0], rtol=0.05)
        assert math.isclose(math.log10(values[-1] / values[0]), 2.0 * (n - 1) / (n - 1),
                            rel_tol=0.15)
    # Three significant digits, the centre as the link gave it.
    assert all(v == float(f"{v:.3g}") for v in values if v != centre)


def test_sweep_values_of_a_flag_are_off_and_on():
    assert static_export.sweep_values("bias_correction", 1.0) == [0.0, 1.0]


def test_pick_sweep():
    shown = ["sgd", "momentum", "adam"]
    assert static_export.pick_sweep(shown, None) == ("sgd", "lr")
    assert static_export.pick_sweep(shown, "momentum") == ("momentum", "momentum")
    assert static_export.pick_sweep(shown, "beta1") == ("adam", "beta1")
    assert static_export.pick_sweep(shown, "adam.lr") == ("adam", "lr")
    for bad in ("decay", "nesterov.lr", "sgd.momentum", "speed", "bogus.lr"):
        with pytest.raises(static_export.ExportError):
            static_export.pick_sweep(shown, bad)


# -- the optimizer page ---------------------------------------------------------------


def test_the_optimizer_page_carries_each_sweep_values_race():
    link = "lab=optimizers&surface=rosenbrock&optimizers=sgd,momentum&steps=120"
    _, state = static_export.read_link(link)
    page = static_export.build_optimizer_page(state, "momentum.lr", n_values=6)
    values = page.details["values"]
    assert page.details["optimizer"] == "momentum" and len(values) == 6
    k = opt.NAMES.index("momentum")
    hyper = state.hyperparams()
    assert values[page.details["index"]] == hyper["momentum"]["lr"]
    for i, value in enumerate(values):
        settings = race.make_settings(
            (state.x0, state.y0), {**hyper, "momentum": {**hyper["momentum"], "lr": value}},
            schedule=state.settings().schedule, steps=state.steps)
        want = race.run_race(state.active_surface.fn, settings)
        rows = max(want.good_rows(k), 1)
        data = _source(page, f"sweep_{i}").data
        for column, expected in (("x", want.points[:rows, k, 0]),
                                 ("y", want.points[:rows, k, 1]),
                                 ("loss", want.loss[:rows, k]), ("sx", want.step[:rows, k, 0]),
                                 ("vy", want.velocity[:rows, k, 1]),
                                 ("ex", want.effective_lr[:rows, k, 0]),
                                 ("ey", want.effective_lr[:rows, k, 1])):
            np.testing.assert_allclose(data[column], expected, rtol=1e-12, atol=1e-12,
                                       err_msg=f"{column} at lr={value}")
    # What the page first draws is the link's own value, and the other optimizer's race.
    shown = _source(page, "full_momentum").data
    here = _source(page, f"sweep_{page.details['index']}").data
    np.testing.assert_array_equal(shown["x"], here["x"])
    want = race.run_race(state.active_surface.fn, state.settings())
    s = opt.NAMES.index("sgd")
    np.testing.assert_allclose(_source(page, "full_sgd").data["loss"],
                               want.loss[:max(want.good_rows(s), 1), s], rtol=1e-12)
    assert page.layout.select_one({"name": "pg-step"}).end == 120


def test_the_optimizer_pages_caption_follows_the_sweep():
    """Each sweep value's header says what that value's own link would: its α, and how
    far its race ran (a diverging α stops sooner)."""
    link = "lab=optimizers&surface=rosenbrock&optimizers=sgd,momentum&steps=120"
    _, state = static_export.read_link(link)
    page = static_export.build_optimizer_page(state, "momentum.lr", n_values=4)
    values = page.details["values"]
    headers = _header_at_each_value(page, "pg-sweep")
    assert len(headers) == len(values)
    for value, header in zip(values, headers, strict=True):
        _, own = static_export.read_link(f"{link}&momentum_lr={value!r}")
        assert html.escape(static_export._caption(own)) in header, value
    assert len(set(headers)) == len(values)
    # The slider writes each α as the header does (it showed 4 digits of 6: 0.05665 for
    # the header's 0.0566516).
    labels = page.layout.select_one({"name": "pg-sweep"}).format.args["labels"]
    assert any(len(label) > 6 for label in labels)
    for label, header in zip(labels, headers, strict=True):
        assert f"α = {label}" in html.unescape(header)
    # The page opens on the link's value, and the state it was built from is unchanged.
    here = page.layout.select_one({"name": "pg-header"}).text
    assert here == headers[page.details["index"]]
    assert page.caption == static_export._caption(state)  # (the link has no step)
    assert state.momentum_lr == values[page.details["index"]]


def test_a_flag_sweeps_off_and_on_with_its_own_caption_at_each():
    """``--sweep bias_correction``, a knob the command names among the others: each
    value's header is its own link's (off: "no bias correction"), the slider reads
    off / on, and each value's race is the engine's (it raised a ValueError: the flag
    set to 0.0)."""
    link = "lab=optimizers&surface=ravine&optimizers=sgd,adam&steps=60"
    _, state = static_export.read_link(link)
    page = static_export.build_optimizer_page(state, "bias_correction")
    assert page.details["optimizer"] == "adam" and page.details["values"] == [0.0, 1.0]
    assert page.details["index"] == 1  # the link's: on
    headers = _header_at_each_value(page, "pg-sweep")
    for value, header in zip(("0", "1"), headers, strict=True):
        _, own = static_export.read_link(f"{link}&adam_bias_correction={value}")
        assert html.escape(static_export._caption(own)) in header, value
    assert tr("caption.no_bias_correction") in headers[0]
    assert tr("caption.no_bias_correction") not in headers[1]
    labels = page.layout.select_one({"name": "pg-sweep"}).format.args["labels"]
    assert labels == [tr("export.sweep.off"), tr("export.sweep.on")]
    k = opt.NAMES.index("adam")
    hyper = state.hyperparams()
    for i, on in enumerate((False, True)):
        settings = race.make_settings(
            (state.x0, state.y0), {**hyper, "adam": {**hyper["adam"], "bias_correction": on}},
            schedule=state.settings().schedule, steps=state.steps)
        want = race.run_race(state.active_surface.fn, settings)
        np.testing.assert_allclose(_source(page, f"sweep_{i}").data["loss"],
                                   want.loss[:max(want.good_rows(k), 1), k], rtol=1e-12)
    assert state.adam_bias_correction is True


def test_the_optimizer_page_opens_at_the_links_step_and_its_caption_names_the_run():
    """A link's step=60 of a 200-step race: the file opens at step 60; its caption says
    "200 steps" (the slider moves; "step 60 of 200" would be wrong after the first drag)."""
    link = "lab=optimizers&surface=himmelblau&optimizers=sgd,adam&steps=200&step=60"
    _, state = static_export.read_link(link)
    assert state.step == 60
    page = static_export.build_optimizer_page(state, "adam.lr", n_values=3)
    assert page.layout.select_one({"name": "pg-step"}).value == 60
    steps = page.details["steps"]
    assert steps == 200 and tr("caption.steps", "en", steps=steps) in page.caption
    assert "60" not in page.caption.split(";")[-1]
    for header in _header_at_each_value(page, "pg-sweep"):
        assert tr("caption.step_of", "en", step=60, steps=steps) not in html.unescape(header)
    assert state.step == 60  # the state it was built from is unchanged


@pytest.mark.parametrize(("link", "log"), [
    ("lab=optimizers&surface=ravine&optimizers=sgd,adam&steps=80&log=on", True),
    ("lab=optimizers&surface=ravine&optimizers=sgd,adam&steps=80", False),  # the surface's
    ("lab=optimizers&surface=rosenbrock&optimizers=sgd,adam&steps=80", True),  # own choice
    ("lab=optimizers&surface=rosenbrock&optimizers=sgd,adam&steps=80&log=off", False),
])
def test_the_optimizer_page_has_the_log_scale_loss_chart(link, log):
    """The log-scale chart (of L − min L, as the lab's) is in every page, shown when the
    link's state has it on; a toggle switches between the two."""
    _, state = static_export.read_link(link)
    page = static_export.build_optimizer_page(state, n_values=3)
    linear, log_fig = _source(page, "pg-loss"), _source(page, "pg-loss-log")
    assert page.details["log"] is log and log_fig.visible is log and linear.visible is not log
    assert log_fig.y_scale.__class__.__name__ == "LogScale"
    toggle = _source(page, "pg-log-loss")
    assert toggle.active is log
    floor = page.details["floor"]
    assert floor == state.active_surface.minimum_value == 0.0
    for n in ("sgd", "adam"):
        data = _source(page, f"full_{n}").data
        np.testing.assert_array_equal(data["gap"], np.maximum(data["loss"] - floor, 1e-16))
    for i in range(3):  # the sweep's values carry theirs too
        data = _source(page, f"sweep_{i}").data
        np.testing.assert_array_equal(data["gap"], np.maximum(data["loss"] - floor, 1e-16))
    low, high = log_fig.y_range.start, log_fig.y_range.end
    assert 0 < low < high


def test_each_sweep_value_has_the_loss_range_of_its_own_runs():
    """SGD at the link's α = 0.55 on the ravine (0.05x² + 2y² from (−9, 1.5)) grows
    without diverging: y ← (1 − 4α)y = −1.2y, L₄₀ ≈ 2·(1.5·1.2⁴⁰)² ≈ 10⁷ (closed form).
    That value's charts reach it; at the others (SGD converging from L₀ = 8.55, or
    diverging out through the top) they stay near L₀, and both charts open at the
    link's value's range."""
    _, state = static_export.read_link(
        "lab=optimizers&surface=ravine&optimizers=sgd,adam&sgd_lr=0.55&steps=40")
    page = static_export.build_optimizer_page(state, n_values=5)
    index, spans = page.details["index"], page.details["spans"]
    assert page.details["values"][index] == 0.55
    x, y = -9.0 * (1 - 0.1 * 0.55) ** 40, 1.5 * (1 - 4 * 0.55) ** 40
    top = 0.05 * x**2 + 2 * y**2
    assert top > 5e6
    for mode in ("linear", "log"):
        assert spans[mode][index][1] >= top
        for i in set(range(5)) - {index}:
            assert 8.55 < spans[mode][i][1] < 30, (mode, i, spans[mode][i])
        chart = _source(page, "pg-loss" if mode == "linear" else "pg-loss-log")
        assert (chart.y_range.start, chart.y_range.end) == tuple(spans[mode][index])


def test_the_loss_charts_step_axis_is_the_labs():
    """A run that diverges leaves through the top after step 1: with the axis at step 0
    its finite part would lie on the axis line; the lab's axis starts a little before
    step 0 and ends at the run's last step, and so does the export's."""
    from playground.labs.optimizers.lab import OptimizerLab

    link = "lab=optimizers&optimizers=sgd&steps=80"
    _, state = static_export.read_link(link)
    page = static_export.build_optimizer_page(state, n_values=2)
    _, live = static_export.read_link(link)
    lab = OptimizerLab(state=live)
    lab.prepare()
    axis = lab.plots.step_range
    assert axis.start < 0 < 80 == axis.end
    for name in ("pg-loss", "pg-loss-log"):
        x = _source(page, name).x_range
        assert (x.start, x.end) == (axis.start, axis.end)


def test_a_race_where_every_run_stops_ends_where_the_last_one_did():
    """SGD at α = 0.05 on ln x from x = 2: x ← x − α/x leaves the domain at step 42
    (worked out below in float64), the last of the three to go; the page's player and
    loss charts end at step 41, its last finite iterate, as the lab's run does, not at
    the 200 steps the link asks for; a sweep whose values all stop by then too."""
    x, diverged = 2.0, None
    for t in range(1, 200):
        x -= 0.05 / x
        if x <= 0:
            diverged = t
            break
    assert diverged == 42
    _, state = static_export.read_link(
        "lab=optimizers&surface=custom&expr=log(x)&x0=2&y0=1.5&optimizers=sgd,momentum,adam")
    assert state.steps == 200
    page = static_export.build_optimizer_page(state, "adam.eps", n_values=3)
    assert page.details["steps"] == diverged - 1
    assert page.layout.select_one({"name": "pg-step"}).end == diverged - 1
    assert len(_source(page, "full_sgd").data["loss"]) == diverged
    # A sweep where some value keeps going: the player ends where that one does.
    page = static_export.build_optimizer_page(state, "momentum.lr", n_values=3)
    assert page.details["values"][0] == 0.001 and page.details["steps"] == 200


def test_a_run_that_diverged_at_once_opens_at_its_end_with_its_climb_in_view():
    """SGD alone at α = 5 on the ravine: 2y² from y = 1.5 grows ×(1 − 4α)² = 361 a step,
    8.6 → 7.6·10¹⁰ in four steps, then overflows float32. Smaller α in the sweep run the
    100 steps, but the page opens at the link's run's end (the caption's "4 steps"), its
    legend says why there, and its loss chart shows the climb (it showed one point)."""
    _, state = static_export.read_link("lab=optimizers&surface=ravine&optimizers=sgd&sgd_lr=5")
    page = static_export.build_optimizer_page(state, "sgd.lr", n_values=5)
    index = page.details["index"]
    assert page.details["steps"] == 100
    assert page.layout.select_one({"name": "pg-step"}).value == 4
    loss = _source(page, "full_sgd").data["loss"]
    assert len(loss) == 5 and loss[-1] == pytest.approx(2 * 1.5**2 * 361**4, rel=1e-3)
    low, high = page.details["spans"]["linear"][index]
    assert low < loss[0] and high > loss[-1]
    assert page.ready.args["lasts"][index] == 4


def test_the_log_chart_floor_without_a_known_minimum_is_the_lowest_loss():
    _, state = static_export.read_link(
        "lab=optimizers&surface=custom&expr=x%2By&optimizers=sgd&steps=20&log=on")
    page = static_export.build_optimizer_page(state, n_values=2)
    data = _source(page, "full_sgd").data
    assert page.details["floor"] <= min(data["loss"])
    assert (np.asarray(data["gap"]) > 0).all()


def test_the_default_optimizer_page_fits_the_size_bound_and_needs_no_other_file():
    _, state = static_export.read_link("lab=optimizers")
    page = static_export.build_optimizer_page(state)
    assert len(page.details["values"]) == static_export.DEFAULT_VALUES
    html = static_export.page_html(page)
    assert len(html.encode()) <= MAX_BYTES
    assert "src=\"static/" not in html and "<script src=" not in html and "<link" not in html
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html


def test_a_chinese_link_gives_a_chinese_page():
    from playground.text import tr

    _, state = static_export.read_link("lab=optimizers&lang=zh&optimizers=adam")
    page = static_export.build_optimizer_page(state, n_values=3)
    html = static_export.page_html(page)
    assert '<html lang="zh">' in html and f"<title>{page.title}</title>" in html
    assert tr("lab.optimizers", "zh") in page.title
    assert _source(page, "pg-surface").title.text == tr("plot.surface", "zh")
    assert _source(page, "pg-step").title == tr("export.step", "zh")
    assert _source(page, "pg-sweep").title == tr("export.sweep", "zh", knob=tr("hp.lr", "zh"),
                                                 optimizer="Adam")


def test_a_chinese_pages_axis_labels_stand_upright():
    """Bokeh's axis labels are italic, and Chinese slanted by the browser leans as no
    Chinese text does ("迭代周期"); a formula's stays italic."""
    from bokeh.models import Axis

    _, state = static_export.read_link("lab=mlp&lang=zh")
    page = static_export.build_page(state, "mlp", epochs=2, snapshots=2)
    styles = {axis.axis_label: axis.axis_label_text_font_style
              for axis in page.layout.select({"type": Axis}) if axis.axis_label}
    assert styles["迭代周期"] == "normal" and styles["x₁"] == "italic", styles


@pytest.mark.parametrize("race", ["", "&race=sgd,adam"])
def test_a_link_on_a_log_scale_gives_a_page_that_opens_on_it_and_switches(race):
    from bokeh.models import LinearScale, LogScale, Toggle

    _, state = static_export.read_link("lab=mlp&log_loss=1" + race)
    page = static_export.build_page(state, "mlp", epochs=4, snapshots=2)
    chart = _source(page, "pg-loss")
    toggle = page.layout.select_one({"type": Toggle, "name": "pg-log-loss"})
    assert isinstance(chart.y_scale, LogScale) and toggle.active and chart.y_range.start > 0
    (callback,) = toggle.js_property_callbacks["change:active"]
    linear, log = callback.args["axes"]
    assert isinstance(linear[0], LinearScale) and log[0] is chart.y_scale
    (lin_low, lin_high), (log_low, log_high) = callback.args["spans"]
    losses = np.concatenate([np.asarray(h)[:, [0, 2]].ravel() for h in state.race_history]
                            if race else [state.history[:, [0, 2]].ravel()])
    assert lin_low <= losses.min() and lin_high >= losses.max()
    assert 0 < log_low <= losses[losses > 0].min() and log_high >= losses.max()


def test_the_caption_is_escaped():
    link = "lab=optimizers&surface=custom&expr=x**2%2By**2&optimizers=sgd"
    _, state = static_export.read_link(link)
    page = static_export.build_optimizer_page(state, n_values=2)
    header = page.layout.select_one({"name": "pg-header"}).text
    assert "x**2+y**2" in page.caption and "<script" not in header


# -- the MLP page ---------------------------------------------------------------------


def test_snapshot_epochs():
    assert static_export.snapshot_epochs(300, 61) == list(range(0, 301, 5))
    assert static_export.snapshot_epochs(10, 60) == list(range(11))
    marks = static_export.snapshot_epochs(1000, 60)
    assert marks[0] == 0 and marks[-1] == 1000 and len(marks) <= 60


def test_the_mlp_page_plays_back_the_recorded_run():
    _, state = static_export.read_link("lab=mlp&dataset=xor&layers=4&seed=3")
    page = static_export.build_mlp_page(state, epochs=40, snapshots=5)
    snaps = _source(page, "snapshots").data
    assert list(snaps["epoch"]) == [0, 10, 20, 30, 40] and state.epoch == 40
    history = _source(page, "history").data
    np.testing.assert_array_equal(history["train_loss"], state.history[:, 0])
    np.testing.assert_array_equal(history["val_acc"], state.history[:, 3])
    # The last heat map is the trained network's (two classes: p₁ as a byte).
    np.testing.assert_array_equal(snaps["image"][-1],
                                  np.round(np.clip(state.grid(), 0, 1) * 255).astype(np.uint8))
    assert not np.array_equal(snaps["image"][0], snaps["image"][-1])
    # The network diagram at each snapshot: its edges are the network's weights then
    # (the untrained network's: the same link's state at epoch 0), its thumbnails the
    # lab's diagram of the trained network.
    frames = _source(page, "network_snapshots").data
    trained = np.concatenate([np.ravel(layer["W"]) for layer in state.model.params])
    np.testing.assert_allclose(frames["w"][-1], trained, rtol=1e-6)
    _, fresh = static_export.read_link("lab=mlp&dataset=xor&layers=4&seed=3")
    untrained = np.concatenate([np.ravel(layer["W"]) for layer in fresh.model.params])
    np.testing.assert_allclose(frames["w"][0], untrained, rtol=1e-6)
    assert len(trained) == 2 * 4 + 4 * 2 and len(frames["w"]) == 5
    from playground.labs.mlp.network import NetworkDiagram

    lab = NetworkDiagram(state=state)
    lab.update()
    shown = _source(page, "pg-network-units").data["image"]
    for c, image in enumerate(lab.unit_images.data["image"]):
        np.testing.assert_array_equal(frames[f"units_{c}"][-1], image)
        np.testing.assert_array_equal(shown[c], image)  # the file opens at the last
    np.testing.assert_array_equal(frames["outputs"][-1], lab.output_images.data["image"][0])
    assert not np.array_equal(frames["units_1"][0], frames["units_1"][-1])
    # The best epoch's line where the lab's run keeps it, and the lab's reading, in words.
    assert _source(page, "best_loss").location == _source(page, "best_acc").location \
        == state.best_epoch
    reading = tr(f"mlp.reading.{state.reading()}", "en").replace("**", "")
    assert html.unescape(re.sub("<[^>]+>", "", _source(page, "pg-reading").text)) == reading


def test_the_mlp_page_reads_the_curves_at_every_snapshot():
    """Each snapshot's reading is what the lab said at that epoch (a run trained to it),
    and its best epoch the lab's then: still learning, then over-fitting."""
    from playground.labs.mlp.figures import reading_markdown

    link = "lab=mlp&dataset=spiral&layers=8,8&points=200&seed=1"
    _, state = static_export.read_link(link)
    page = static_export.build_mlp_page(state, epochs=240, snapshots=9)
    marks = list(_source(page, "snapshots").data["epoch"])
    assert marks == list(range(0, 241, 30))
    js = _source(page, "pg-epoch").js_property_callbacks["change:value"][0].args
    shown = []
    for e, text, best in zip(marks, js["readings"], js["best_epochs"], strict=True):
        _, at = static_export.read_link(f"{link}&epoch={e}")  # the lab's run stopped there
        key = at.reading()
        assert text == ("" if key == "early" else static_export._reading_html(
            reading_markdown(at))) and best == at.best_epoch
        shown.append(key)
    assert shown[0] == "early" and "learning" in shown and shown[-1] == "overfit_noise_free"


def test_snapshots_further_apart_than_one_training_call():
    _, state = static_export.read_link("lab=mlp&dataset=xor&layers=2&points=50")
    page = static_export.build_mlp_page(state, epochs=600, snapshots=2)
    assert list(_source(page, "snapshots").data["epoch"]) == [0, 600] and state.epoch == 600


def test_a_run_that_diverges_ends_where_it_diverged():
    # (a link that diverges after some epochs: ``tests/labs/mlp/test_mlp_lab.py``)
    _, state = static_export.read_link(
        "lab=mlp&optimizer=nesterov&momentum=0.99&lr=0.02&dataset=spiral&layers=8,8"
        "&activation=linear&features=x1,x2,x1_sq,x2_sq,x1x2")
    page = static_export.build_mlp_page(state, epochs=100, snapshots=11)
    marks = list(_source(page, "snapshots").data["epoch"])
    assert state.diverged_at is not None and marks[-1] < 100 and marks == sorted(set(marks))
    assert len(_source(page, "history").data["epoch"]) == marks[-1] + 1


@pytest.mark.parametrize("race_part", ["", "&race=sgd,adam"])
def test_a_link_at_a_trained_epoch_records_from_epoch_0_to_it(race_part):
    """The page writes ``epoch=N`` into its link once it trains: the export still
    records the run from the untrained network to epoch N (snapshots spread over 0…N),
    the same run as the link without ``epoch`` exported for N epochs."""
    link = "lab=mlp&dataset=xor&layers=4&seed=3&points=100" + race_part
    _, state = static_export.read_link(link + "&epoch=50")
    assert state.epoch == 50  # the page's network: trained to the link's epoch
    page = static_export.build_page(state, "mlp", snapshots=6)
    snaps = _source(page, "snapshots").data
    assert list(snaps["epoch"]) == [0, 10, 20, 30, 40, 50] and state.epoch == 50
    assert _source(page, "pg-epoch").end == 5 > _source(page, "pg-epoch").start
    _, plain = static_export.read_link(link)
    oracle = static_export.build_page(plain, "mlp", epochs=50, snapshots=6)
    history = "history_0" if race_part else "history"
    np.testing.assert_array_equal(_source(page, history).data["train_loss"],
                                  _source(oracle, history).data["train_loss"])
    assert len(_source(page, history).data["epoch"]) == 51
    image = "image_0" if race_part else "image"
    assert not np.array_equal(snaps[image][0], snaps[image][-1])
    for a, b in zip(snaps[image], _source(oracle, "snapshots").data[image], strict=True):
        np.testing.assert_array_equal(a, b)


def _triangles(page, name="pg-boundary"):
    """The heat map's validation points (triangles): how many are drawn (shown)."""
    from bokeh.models import Scatter

    return sum(len(r.data_source.data["x"]) for r in _source(page, name).renderers
               if isinstance(r.glyph, Scatter) and r.glyph.marker == "triangle"
               and r.visible)


def test_the_mlp_page_follows_the_link_validation_points_gap_and_theme():
    """As the page: validation points only with ``val=1``; the generalisation gap
    shaded between the played curves; ``theme=dark`` styles the plots and the file."""
    from bokeh.models import VArea

    from playground.ui.present import PLOT_COLORS

    link = "lab=mlp&dataset=xor&layers=4&seed=3&points=100"
    _, plain = static_export.read_link(link)
    page = static_export.build_page(plain, "mlp", epochs=10, snapshots=3)
    assert _triangles(page) == 0 and page.theme == "light"
    for what in ("loss", "acc"):
        gap = _source(page, f"gap_{what}")
        assert isinstance(gap.glyph, VArea) and gap.data_source is _source(page, "played")
        assert (gap.glyph.y1, gap.glyph.y2) == (f"train_{what}", f"val_{what}")
        chart = _source(page, f"pg-{what}")  # its legend beside it, over no curve
        assert chart.legend[0] in chart.right and chart.legend[0] not in chart.center
    assert _source(page, "pg-boundary").background_fill_color != PLOT_COLORS["dark"]["background"]
    assert static_export.DARK_CSS not in static_export.page_html(page)

    dark_link = link + "&val=1&theme=dark"
    _, shown = static_export.read_link(dark_link)
    page = static_export.build_page(shown, "mlp", epochs=10, snapshots=3,
                                    theme=static_export.link_theme(dark_link))
    assert _triangles(page) == len(shown.data.points_val) > 0
    assert page.theme == "dark"
    for name in ("pg-boundary", "pg-loss", "pg-acc"):
        assert _source(page, name).background_fill_color == PLOT_COLORS["dark"]["background"]
    html = static_export.page_html(page)
    assert static_export.DARK_CSS in html and html.index(static_export.DARK_CSS) < 400
    # No validation part (100 % training): no points, no gap, whatever the link says.
    _, alone = static_export.read_link(link + "&val=1&train_ratio=100")
    page = static_export.build_page(alone, "mlp", epochs=10, snapshots=3)
    assert _triangles(page) == 0
    assert page.layout.select_one({"name": "gap_loss"}) is None


def test_a_dark_optimizer_page_and_race_page():
    from playground.ui.present import PLOT_COLORS

    dark = PLOT_COLORS["dark"]["background"]
    _, state = static_export.read_link("lab=optimizers&optimizers=adam&steps=30")
    page = static_export.build_page(state, "optimizers", n_values=2, theme="dark")
    assert _source(page, "pg-surface").background_fill_color == dark
    _, state = static_export.read_link("lab=mlp&dataset=xor&layers=4&race=sgd,adam&val=1")
    page = static_export.build_page(state, "mlp", epochs=10, snapshots=2, theme="dark")
    assert _source(page, "pg-loss").background_fill_color == dark
    assert _triangles(page, "pg-boundary-0") > 0
    # Each heat map's title, the racer's name, keeps its optimizer's colour, lightened
    # as the page's text in that colour is (it was the theme's one ink: whose is which?).
    from playground.ui.palettes import OPTIMIZER_COLORS, mix

    for k, name in enumerate(("sgd", "adam")):
        title = page.layout.select_one({"name": f"pg-boundary-{k}"}).title
        assert title.text_color == mix(OPTIMIZER_COLORS[name], 0.4), (name, title.text_color)


def test_an_mlp_race_exports_every_racer():
    """A race's page carries every racer (the page shows them all), each the network
    that optimizer alone trains from the same start (the oracle: the export of that
    optimizer's own link, no race)."""
    link = "lab=mlp&dataset=xor&layers=4&seed=3&points=100"
    _, state = static_export.read_link(link + "&race=sgd,adam")
    page = static_export.build_mlp_page(state, epochs=30, snapshots=4)
    assert page.details["racers"] == ["sgd", "adam"]
    snaps = _source(page, "snapshots").data
    assert list(snaps["epoch"]) == [0, 10, 20, 30]
    assert [_source(page, f"pg-boundary-{k}").title.text for k in range(2)] == ["SGD", "Adam"]
    # The maps have no axes: the line under them gives their frame, the heat maps' own.
    heat = _source(page, "pg-boundary-0")
    ends = (heat.x_range.start, heat.x_range.end, heat.y_range.start, heat.y_range.end)
    low, high = (number_text(v, 3).replace("-", "−") for v in ends[:2])  # the axes' minus
    assert f"x₁ from {low} to {high} across" in _source(page, "pg-race-frame").text
    grids = np.asarray(state.race_grids())
    for k, name in enumerate(["sgd", "adam"]):
        _, alone = static_export.read_link(f"{link}&optimizer={name}")
        single = static_export.build_mlp_page(alone, epochs=30, snapshots=4)
        np.testing.assert_allclose(_source(page, f"history_{k}").data["train_loss"],
                                   _source(single, "history").data["train_loss"], rtol=1e-9)
        np.testing.assert_allclose(_source(page, f"history_{k}").data["val_acc"],
                                   _source(single, "history").data["val_acc"], rtol=1e-9)
        np.testing.assert_array_equal(
            snaps[f"image_{k}"][-1], np.round(np.clip(grids[k], 0, 1) * 255).astype(np.uint8))
    assert not np.array_equal(snaps["image_0"][-1], snaps["image_1"][-1])
    for what in ("loss", "acc"):
        legend = _source(page, f"pg-{what}").legend[0]
        assert [item.label.value for item in legend.items] == ["SGD", "Adam"]


def test_the_default_mlp_page_fits_the_size_bound():
    _, state = static_export.read_link("lab=mlp")
    html = static_export.page_html(static_export.build_mlp_page(state))
    assert len(html.encode()) <= MAX_BYTES


# -- the bias–variance page ---------------------------------------------------------------


def _document(html: str) -> dict:
    """The file's Bokeh document (its JSON), refusing NaN and ±Infinity tokens."""
    import json
    import re

    text = re.search(r'<script type="application/json" id="[^"]*">(.*?)</script>', html,
                     re.S).group(1)

    def refuse(token):
        raise AssertionError(f"{token} in the page's document")

    return json.loads(text, parse_constant=refuse)


def test_the_biasvariance_formula_at_every_capacity_has_the_decompositions_numbers():
    """The formula the page shows at each capacity (drawn as HTML: braces from MathML do
    not stretch in Chromium) reads the numerics' decomposition there, as the lab's LaTeX
    (``bv.decomposition_latex``) does: test error ≈ bias² + variance + σ² = their sum."""
    import re

    from bokeh.models import CustomJS

    from playground.numerics import biasvariance as bv

    _, state = static_export.read_link("lab=biasvariance&truth=abs&n=12&datasets=30"
                                       "&noise=0.2&capacity=5")
    page = static_export.build_biasvariance_page(state)
    want = bv.as_shown(bv.decompose("poly", bv.make_data("abs", 12, 30, 0, inputs="spread"),
                                    0.2))
    formulas = next(m.args["formulas"] for m in page.layout.references()
                    if isinstance(m, CustomJS) and "formulas" in m.args)
    assert len(formulas) == 21
    for c, formula in enumerate(formulas):
        shown = re.findall(r"<b[^>]*>([^<]+)</b>", formula)
        assert shown == [number_text(v, 3) for v in (
            want.test_error[c], want.bias2[c], want.variance[c], want.noise, want.total[c])], c
        assert f"d = {c}:" in formula
    assert _source(page, "pg-bv-formula").text == formulas[5]


def test_the_biasvariance_page_carries_every_capacitys_fits():
    """What the page draws at each capacity is the numerics' own decomposition (called
    here directly): every set's fit (to the 16-bit code's step), f̄, the curves, the
    sets' points; the slider starts at the link's capacity."""
    from playground.numerics import biasvariance as bv

    _, state = static_export.read_link("lab=biasvariance&truth=abs&n=12&datasets=30"
                                       "&noise=0.2&capacity=5&shown=4")
    page = static_export.build_biasvariance_page(state)
    data = bv.make_data("abs", 12, 30, 0, inputs="spread")  # the lab's default
    want = bv.decompose("poly", data, 0.2)
    assert page.details["capacities"] == list(range(21)) and page.details["sets_drawn"] == 30
    slider = _source(page, "pg-capacity")
    assert (slider.start, slider.end, slider.value) == (0, 20, 5)
    low, high = static_export.fits_range(data.f_grid, 0.2)
    codes = _source(page, "bv_codes").data["codes"]
    window = (high - low) * static_export.FIT_WINDOW
    step = (high - low) * (2 * static_export.FIT_WINDOW + 1) / (static_export.FIT_GAP - 1)
    for c in range(21):
        drawn = fit_values(np.asarray(codes[c]).reshape(30, bv.N_GRID),
                                         low - window, step)
        # Within the window exactly (to half a code's step), past it at its edge.
        np.testing.assert_allclose(drawn, np.clip(want.fits[c], low - window, high + window),
                                   atol=step / 2 + 1e-12)
        np.testing.assert_allclose(_source(page, "bv_means").data["y"][c], want.mean_fit[c],
                                   rtol=1e-12)
    assert np.abs(want.fits).max() > high + window  # degree 20 on 12 points: clipped
    np.testing.assert_allclose(_source(page, "pg-bv-total").data["y"],
                               np.maximum(bv.as_shown(want).total, 1e-6), rtol=1e-12)
    np.testing.assert_allclose(_source(page, "pg-bv-test_error").data["y"],
                               np.maximum(want.test_error, 1e-6), rtol=1e-12)
    sets = _source(page, "bv_sets").data
    np.testing.assert_array_equal(sets["x"][4], data.x[4])
    np.testing.assert_allclose(sets["y"][4], data.f_train[4] + 0.2 * data.eps[4], rtol=1e-12)
    assert _source(page, "pg-bv-shown").tags == [4]
    assert _source(page, "pg-bv-chosen").location == 5
    assert "0.04" in _source(page, "pg-bv-formula").text  # σ² = 0.2²
    # Where bias² is drawn as 0 (at the log chart's bottom), the page says so, as the
    # live lab does: the capacities read from the numerics' own decomposition.
    zero = [c for c, b in enumerate(bv.as_shown(want).bias2) if b <= 0]
    note = _source(page, "pg-bv-zero-note")
    assert zero and note.visible
    runs = []  # neighbouring degrees, three or more written as a range ("11–20")
    for c in zero:
        if runs and c == runs[-1][-1] + 1:
            runs[-1].append(c)
        else:
            runs.append([c])
    written = [f"{r[0]}–{r[-1]}" if len(r) >= 3 else ", ".join(map(str, r)) for r in runs]
    where = (f"d ≥ {zero[0]}" if zero == list(range(zero[0], 21)) and len(zero) > 1
             else "d = " + ", ".join(written))
    assert f"drawn as 0, below the chart's bottom, at {where}:" in html.unescape(note.text)


def test_the_biasvariance_pages_caption_follows_the_capacity():
    link = "lab=biasvariance&family=knn&n=12&datasets=20"
    _, state = static_export.read_link(link)
    page = static_export.build_biasvariance_page(state)
    caps = page.details["capacities"]
    headers = _header_at_each_value(page, "pg-capacity")
    assert len(headers) == len(caps) == len(set(headers))
    for cap in (caps[0], page.details["capacity"], caps[-1]):
        _, own = static_export.read_link(f"{link}&capacity={cap}")
        own.compute()
        shown = static_export._caption(own, notes=False)
        assert html.escape(shown) in headers[caps.index(cap)], cap
    # The bias² note once in the page: under the charts, not in the header too.
    zero_note = _source(page, "pg-bv-zero-note")
    assert zero_note.visible and zero_note.text
    assert all(html.unescape(zero_note.text) not in html.unescape(h) for h in headers)
    assert page.layout.select_one({"name": "pg-header"}).text == headers[
        caps.index(page.details["capacity"])]
    assert state.capacity == page.details["capacity"]


def test_the_biasvariance_page_says_nothing_of_a_zero_bias2_where_there_is_none():
    _, state = static_export.read_link("lab=biasvariance&family=knn&truth=abs&n=12"
                                       "&datasets=30&noise=0.2&capacity=5")
    state.compute()  # k-NN: no error above the chart's top
    # then bias² well above its sampling error at every capacity
    state.result = state.result._replace(bias2=np.asarray(state.result.variance) * 1e3 + 1.0)
    note = _source(static_export.build_biasvariance_page(state), "pg-bv-zero-note")
    assert not note.visible and note.text == ""


def test_the_biasvariance_file_is_in_the_links_language_without_nan():
    from playground.labs.biasvariance.state import BiasVarianceLabState
    from playground.text import tr

    state = BiasVarianceLabState(lang="zh")
    state.apply_query({"family": "knn", "datasets": "20"})
    html = static_export.export_html(state, "biasvariance").decode()
    import json

    assert '<html lang="zh">' in html
    document = json.dumps(_document(html), ensure_ascii=False)  # no NaN or Infinity token
    for key in ("lab.biasvariance", "bv.fits.title", "bv.curves.title", "bv.capacity.knn",
                "bv.axis.knn", "bv.family.knn.note", "bv.term.variance"):
        assert tr(key, "zh") in document, key
    assert tr("bv.fits.title", "en") not in document
    page = static_export.build_page(state, "biasvariance")
    for codes in _source(page, "bv_codes").data["codes"]:
        assert static_export.FIT_GAP not in np.asarray(codes)  # every fit finite


@pytest.mark.parametrize("family, reads", [
    ("poly", ["argmin", "‖Φdc−y‖2+λ‖c‖2", "Φd=[P0(ti)⋯Pd(ti)]", "t=2x−1"]),
    ("knn", ["f^(x)=1k∑i∈Nk(x)yi"]),
    ("features", ["argmin", "‖Φpc−y‖2", "ϕj(x)=max(0,wj(x−uj))"]),
    ("network", ["minθ∑i(fθ(xi)−yi)2+λ(‖a‖2+‖v‖2)", "tanh(ajt+bj)+c"]),
])
def test_the_biasvariance_page_shows_the_models_objective_as_mathml(family, reads):
    """As the live lab's (KaTeX) but drawn by the browser: each symbol where the LaTeX
    puts it (the text in reading order; issue #13: the static page lacked it)."""
    import xml.etree.ElementTree as ET

    _, state = static_export.read_link(f"lab=biasvariance&family={family}&datasets=10")
    page = static_export.build_page(state, "biasvariance")
    model = next(m for m in page.layout.select({"name": "pg-bv-model"}))
    root = ET.fromstring(model.text)
    assert root.tag == "{http://www.w3.org/1998/Math/MathML}math"
    text = "".join(root.itertext()).replace("\xa0", "")
    assert "\\" not in text  # no LaTeX command left as text (latex2mathml's \arg)
    for part in reads:
        assert part in text, (part, text)
    # A norm's two bars of one size: the left one stretched over the terms between.
    bars = [e for e in root.iter("{http://www.w3.org/1998/Math/MathML}mo") if e.text == "‖"]
    assert all(e.get("stretchy") == "false" for e in bars), family


@pytest.mark.parametrize("lang, variance", [("en", "variance"), ("zh", "方差")])
def test_the_biasvariance_page_defines_its_terms_as_the_live_page(lang, variance):
    """The terms' definitions (``bv.definitions_latex``, a review found none) in the
    page's language, as MathML, with the note on what f_m, f̄ and ⟨·⟩ₓ are."""
    import xml.etree.ElementTree as ET

    from playground.text import tr
    from playground.ui.markup import text_html

    _, state = static_export.read_link(f"lab=biasvariance&datasets=10&lang={lang}")
    page = static_export.build_page(state, "biasvariance")
    shown = next(m for m in page.layout.select({"name": "pg-bv-definitions"}))
    text = "".join(ET.fromstring(shown.text).itertext()).replace("\xa0", "")
    assert text.startswith(f"{variance}=⟨1M−1∑m(fm(x)−f") and "\\" not in text, text
    note = next(m for m in page.layout.select({"name": "pg-bv-definitions-note"}))
    assert note.text == text_html(tr("bv.definitions.note", lang))


@pytest.mark.parametrize("link", ["lab=biasvariance", "lab=biasvariance&family=features",
                                  "lab=biasvariance&family=knn&theme=dark"])
def test_the_default_biasvariance_pages_fit_the_size_bound(link):
    lab, state = static_export.read_link(link)
    page = static_export.build_page(state, lab, theme=static_export.link_theme(link))
    html = static_export.page_html(page)
    assert len(html.encode()) <= MAX_BYTES
    assert page.details["sets_drawn"] == page.details["sets"] == 100
    assert "<script src=" not in html and "<link" not in html
    assert (static_export.DARK_CSS in html) == ("theme=dark" in link)


def test_many_sets_keep_the_first_fits_and_the_shown_set_within_the_budget():
    kept = static_export.kept_sets(500, 200, 60, 121, shown=450)
    each = 60 * 121 * 2 + 200 * 2 * 8
    assert len(kept) * each <= static_export.FIT_BYTES < (len(kept) + 1) * each
    assert kept[:-1] == list(range(len(kept) - 1)) and kept[-1] == 450
    assert static_export.kept_sets(100, 20, 21, 121, shown=3) == list(range(100))


def test_fit_codes_round_trip_and_mark_what_is_not_finite():
    fits = np.array([[0.0, 1.0, -1.5, 1e9, -1e9, np.nan, np.inf]])
    codes, bottom, step = static_export.fit_codes(fits, -2.0, 2.0)
    drawn = fit_values(codes, bottom, step)
    np.testing.assert_allclose(drawn[0, :3], fits[0, :3], atol=step / 2)
    assert drawn[0, 3] == pytest.approx(2.0 + 16 * 4.0) and drawn[0, 4] == pytest.approx(-66.0)
    assert np.isnan(drawn[0, 5:]).all() and codes.dtype == np.uint16


def test_the_biasvariance_button_exports_the_lab_state():
    from playground.labs.biasvariance.state import BiasVarianceLabState

    state = BiasVarianceLabState()
    state.apply_query({"family": "knn", "datasets": "10", "capacity": "7"})
    state.precompute()
    button = download_button(state, "biasvariance", lambda: "dark")
    assert button.filename == "playground-biasvariance.html"
    data = asyncio.run(button.callback()).getvalue()
    assert data.startswith(b"<!DOCTYPE html>") and len(data) <= MAX_BYTES
    assert static_export.DARK_CSS.encode() in data and b"k nearest neighbours, k = 7" in data


# -- the command ----------------------------------------------------------------------


def test_the_command_writes_the_file_and_prints_its_size(tmp_path):
    out = tmp_path / "race.html"
    status, stdout, stderr = _main(["export", "lab=optimizers&optimizers=adam&steps=50",
                                    str(out), "--values", "3"])
    assert status == 0, stderr
    import json

    printed = json.loads(stdout)
    assert printed["bytes"] == out.stat().st_size and len(printed["values"]) == 3


def test_the_command_exports_a_biasvariance_link(tmp_path):
    import json

    out = tmp_path / "bv.html"
    status, stdout, stderr = _main(["export", "lab=biasvariance&family=knn&datasets=20",
                                    str(out)])
    assert status == 0, stderr
    printed = json.loads(stdout)
    assert printed["bytes"] == out.stat().st_size <= MAX_BYTES
    assert printed["lab"] == "biasvariance" and printed["capacities"] == list(range(1, 21))
    assert out.read_text().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("args", [
    ["lab=optimizers&surface=nowhere", "x.html"],  # a value the lab cannot set
    ["lab=optimizers&bogus=1", "x.html"],  # an unknown key
    ["lab=nowhere", "x.html"],
    ["lab=biasvariance&family=trees", "x.html"],
    ["lab=biasvariance&capacity=99", "x.html"],  # outside the family's capacities
    ["lab=biasvariance", "x.html", "--epochs", "10"],  # another lab's option
    ["lab=optimizers", "x.png"],
    ["lab=optimizers", "x.html", "--sweep", "decay"],  # no optimizer shown has it
    ["lab=optimizers", "x.html", "--epochs", "10"],  # the MLP lab's option
    ["lab=mlp", "x.html", "--sweep", "lr"],
    ["lab=optimizers", "x.html", "--values", "1"],
    ["lab=mlp", "x.html", "--epochs", "0"],
])
def test_a_bad_link_or_option_is_refused_in_one_line(tmp_path, args):
    args = [args[0], str(tmp_path / args[1]), *args[2:]]
    status, stdout, stderr = _main(["export", *args])
    assert status == 2 and stdout == ""
    assert stderr.startswith("error: ") and stderr.count("\n") == 1
    assert not (tmp_path / "x.html").exists()


# -- the page's button ----------------------------------------------------------------


def test_the_button_exports_the_state_as_its_link_describes_it():
    from playground.labs.optimizers.state import OptimizerLabState

    state = OptimizerLabState()
    state.apply_query({"surface": "saddle", "optimizers": "adam", "steps": "40"})
    state.precompute()
    button = download_button(state, "optimizers")
    assert button.filename == "playground-optimizers.html"
    data = asyncio.run(button.callback()).getvalue()  # on a thread, not the event loop
    assert data.startswith(b"<!DOCTYPE html>") and len(data) <= MAX_BYTES
    # The caption in words; the state is left as it was.
    assert b"Loss surface: Saddle point" in data and state.steps == 40


def test_the_mlp_button_keeps_an_uploaded_data_set():
    from playground.labs.mlp.state import MlpLabState

    state = MlpLabState()
    rows = "\n".join(f"{x},{x * 0.5},{int(x > 0)}" for x in np.linspace(-3, 3, 40))
    assert state.use_csv(state.read_csv("x1,x2,label\n" + rows)) == ""
    fresh_html = static_export.export_html(state, "mlp", epochs=5, snapshots=3).decode()
    assert "Data: Uploaded CSV" in fresh_html


def test_the_files_readout_knows_a_subgradient_and_an_undefined_gradient():
    """``gstate`` per row: 1 where g is the minimum-norm subgradient (|x| + y² on x = 0),
    2 at the iterate where the gradient is undefined (√x at x = 0), else 0; the page's
    script words them (``readout.subgradient``, ``readout.grad_undefined``)."""
    from playground.numerics.expression import parse_expression

    settings = race.make_settings((0.0, 1.0), {"sgd": {"lr": 0.1}}, steps=3)
    sgd = opt.NAMES.index("sgd")
    kink = race.run_race(parse_expression("abs(x) + y**2"), settings)
    assert static_export._race_columns(kink, sgd)["gstate"].tolist() == [1, 1, 1, 1]
    steep = race.run_race(parse_expression("sqrt(x) + y**2"), settings)
    assert static_export._race_columns(steep, sgd)["gstate"].tolist() == [2]
    smooth = race.run_race(parse_expression("x**2 + y**2"),
                           race.make_settings((1.0, 1.0), steps=3))
    assert static_export._race_columns(smooth, sgd)["gstate"].tolist() == [0] * 4
    # The file's table (the lab's code, ui.axes.ARROWS_JS) words both from its own texts.
    assert "o.text.subgradient" in static_export.OPTIMIZER_JS
    assert "o.text.grad_undefined" in static_export.OPTIMIZER_JS
    texts = static_export.state_table_text("zh")
    assert texts["subgradient"] == tr("readout.subgradient", "zh")
    assert texts["grad_undefined"] == tr("readout.grad_undefined", "zh")


def test_a_stretched_chart_keeps_the_pages_room_for_its_last_tick_label():
    from playground.ui.export import RIGHT_ROOM_PX

    _, state = static_export.read_link("lab=mlp&dataset=xor&layers=4&points=100")
    page = static_export.build_mlp_page(state, epochs=4, snapshots=2)
    for name in ("pg-loss", "pg-acc"):
        assert _source(page, name).min_border_right >= RIGHT_ROOM_PX


@pytest.mark.parametrize("link", [
    "lab=biasvariance&datasets=10&lang=zh&theme=dark",
    "lab=optimizers&surface=ravine&optimizers=sgd,adam&steps=20&lang=zh",
    "lab=mlp&dataset=xor&layers=4&points=100&race=sgd,adam&lang=zh"])
def test_every_plot_text_is_in_the_pages_font(link):
    """Titles, axes, legends and labels in ``PLOT_FONT``, none in Bokeh's "helvetica"
    (whose f̄ a Chinese page drew with its bar beside the f)."""
    from bokeh.models import Axis, Label, Legend, Title

    lab, state = static_export.read_link(link)
    page = static_export.build_page(state, lab, theme=static_export.link_theme(link),
                                    **({"epochs": 4, "snapshots": 2} if lab == "mlp" else {}))
    fonts = {Title: ["text_font"], Axis: ["axis_label_text_font", "major_label_text_font"],
             Legend: ["label_text_font", "title_text_font"], Label: ["text_font"]}
    seen = set()
    for kind, names in fonts.items():
        for model in page.layout.select({"type": kind}):
            seen.add(kind)
            for name in names:
                assert getattr(model, name) == static_export.PLOT_FONT, (model, name)
    assert seen >= {Title, Axis, Legend}
    assert "Noto Sans CJK SC" in static_export.PLOT_FONT


def test_a_chinese_page_joins_its_sliders_titles_with_the_chinese_colon():
    """Bokeh writes "label: value" in a slider's title: a Chinese page's script puts
    "：" in its place (``COLON_JS``); an English page has no such script."""
    from bokeh.models import Div

    from playground.static_export import Page, page_html

    zh = page_html(Page(Div(text="x"), "t", "zh", "c"))
    en = page_html(Page(Div(text="x"), "t", "en", "c"))
    assert "pgColon" in zh and ("\\uff1a" in zh or "：" in zh)
    assert "pgColon" not in en


def test_the_mlp_button_hands_the_slow_work_slot_on_between_chunks(monkeypatch):
    """A page's export trains in chunks of about ``LINK_CHUNK_S`` and calls ``between``
    after each (the button: ``SLOW_WORK_SLOTS.pass_on``, so that pages opened meanwhile
    are prepared before the export ends), recording the same run as in one call; a link
    at ``epoch=N`` is recorded from epoch 0 once, not trained to N first."""
    from playground.labs.mlp.state import MlpLabState

    link = {"dataset": "xor", "layers": "8,8", "seed": "2", "epoch": "120"}
    state = MlpLabState()
    state.apply_query(link)
    trained, calls = [], []
    original = MlpLabState.train

    def train(self, n, *args, **kwargs):
        trained.append(n)
        return original(self, n, *args, **kwargs)

    monkeypatch.setattr(MlpLabState, "train", train)
    static_export.export_html(state, "mlp", snapshots=4, between=lambda: calls.append(1))
    monkeypatch.undo()
    assert sum(trained) == 120  # once, from epoch 0 (no training to the link's epoch first)
    assert len(calls) == len(trained) >= 4 and state.epoch == 0  # the page's state untouched
    # The same run as trained in one call per snapshot.
    _, oracle = static_export.read_link("lab=mlp&dataset=xor&layers=8,8&seed=2")
    whole = static_export.build_mlp_page(oracle, epochs=120, snapshots=4)
    page_state = MlpLabState()
    page_state.apply_query(link)
    page_state.precompute(budget_s=0.0)
    chunked = static_export.build_mlp_page(page_state, epochs=120, snapshots=4,
                                           between=lambda: None)
    for name in ("history", "snapshots"):
        for key, column in _source(whole, name).data.items():
            for a, b in zip(column, _source(chunked, name).data[key], strict=True):
                np.testing.assert_array_equal(a, b)


def test_the_biasvariance_button_hands_the_slot_on_between_the_network_familys_parts():
    """The network family (trained for the page, seconds to a minute) is computed in its
    buckets of widths with ``between`` after each, as the live page computes it."""
    from playground.labs.biasvariance.state import BiasVarianceLabState, parts

    state = BiasVarianceLabState()
    state.apply_query({"family": "network", "datasets": "5", "n": "10"})
    calls = []
    html = static_export.export_html(state, "biasvariance",
                                     between=lambda: calls.append(1)).decode()
    assert len(calls) == len(parts(state.settings())) + 1 >= 3  # before the first, after each
    assert "pg-bv-fits" in html and state.result is None  # the page's state untouched


@pytest.mark.parametrize("link", ["lab=mlp&dataset=xor&layers=4&points=100&val=1",
                                  "lab=mlp&dataset=xor&layers=4&points=100&race=sgd,adam"])
def test_an_mlp_page_says_which_colour_is_which_class(link):
    """The file carries the lab's key under its heat map(s): a swatch per class, what
    the background is, the points' marks (validation's where they are shown)."""
    _, state = static_export.read_link(link)
    page = static_export.build_mlp_page(state, epochs=4, snapshots=2)
    key = _source(page, "pg-heat-key")
    assert tr("mlp.key.class", "en", k=1) in key.text
    assert tr("mlp.key.soft2", "en") in key.text
    assert (tr("mlp.key.val", "en") in key.text) == ("val=1" in link)


def test_an_mlp_page_kept_at_every_epoch_says_so_in_words():
    """"its prediction kept every 1 epochs" (a teaching assistant's review)."""
    _, state = static_export.read_link("lab=mlp&dataset=xor&layers=4&points=100")
    page = static_export.build_mlp_page(state, epochs=5, snapshots=6)
    assert page.details["every"] == 1
    header = _source(page, "pg-header").text
    assert tr("export.every.one", "en") in header and "every 1 epochs" not in header
