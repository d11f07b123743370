"""The static export opened from disk (``file://``, no server running): the optimizer
race's step scrubber and Play move the markers and the loss chart's cursor, the sweep
slider changes the trajectory, the log-scale loss chart is shown when the link has it
on and a toggle switches scales, the MLP run's scrubber changes the heat map, an MLP
race plays back every racer; the page loads nothing else and logs no error.  Sliders
are moved from the keyboard (Bokeh's slider handles take Home/End/arrow keys), as a
student without a mouse would."""

from __future__ import annotations

import re

import numpy as np
import pytest

from playground import static_export
from playground.numerics.diagram import diagram_layout, edge_widths, fitted_layout

# One worker runs the module (its fixtures export pages): scripts/test.sh's loadgroup.
pytestmark = pytest.mark.xdist_group("static_export")

OPTIMIZER_LINK = "lab=optimizers&surface=ravine&optimizers=sgd,momentum,adam"
MLP_LINK = "lab=mlp&dataset=xor&layers=4&activation=tanh"
LOG_LINK = "lab=optimizers&surface=ravine&optimizers=sgd,momentum&steps=60&log=on"
RACE_LINK = "lab=mlp&dataset=xor&layers=4&race=sgd,momentum,adam,rmsprop"
#: What the page's link says once it has trained (``epoch=N``), alone and in a race.
TRAINED_LINK = "lab=mlp&dataset=moons&layers=4&points=100&epoch=80"
DARK_LINK = "lab=mlp&dataset=xor&layers=4&points=100&theme=dark&val=1"
TRAINED_RACE_LINK = "lab=mlp&dataset=moons&layers=4&points=100&race=sgd,adam&epoch=40"
#: Every run diverges on ln x from x = 2; SGD last, at step 42 (the lab's run ends at 41).
ALL_DIVERGE_LINK = ("lab=optimizers&surface=custom&expr=log(x)&x0=2&y0=1.5"
                    "&optimizers=sgd,momentum,adam")
#: SGD at the link's α = 0.55 on the ravine grows (y ← −1.2y) to L ≈ 10⁷ in 40 steps
#: without diverging; at the sweep's α = 0.055 it converges from L = 8.55.
GROWING_LINK = "lab=optimizers&surface=ravine&optimizers=sgd,adam&sgd_lr=0.55&steps=40"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    made = {"optimizers": static_export.export(OPTIMIZER_LINK, folder / "race.html"),
            "mlp": static_export.export(MLP_LINK, folder / "mlp.html", epochs=100,
                                        snapshots=21),
            "log": static_export.export(LOG_LINK, folder / "log.html", n_values=3),
            "race": static_export.export(RACE_LINK, folder / "race_mlp.html", epochs=60,
                                         snapshots=7),
            "trained": static_export.export(TRAINED_LINK, folder / "trained.html"),
            "dark": static_export.export(DARK_LINK, folder / "dark.html", epochs=40,
                                         snapshots=5),
            "trained_race": static_export.export(TRAINED_RACE_LINK, folder / "trained_race.html"),
            "diverged": static_export.export(ALL_DIVERGE_LINK, folder / "diverged.html",
                                             sweep="adam.eps", n_values=3),
            "growing": static_export.export(GROWING_LINK, folder / "growing.html",
                                            n_values=3)}
    return {lab: e.path for lab, e in made.items()}


def _open(page, path):
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(path.as_uri())
    page.wait_for_function("() => window.Bokeh && Bokeh.documents.length > 0 && "
                           "Bokeh.documents[0].get_model_by_name('pg-readout').text !== ''")
    return failed


def _js(page, body: str):
    return page.evaluate("() => { const m = (n) => Bokeh.documents[0].get_model_by_name(n);\n"
                         + body + "\n}")


def _wait_played_to(page, end: int) -> None:
    """Wait for Play to start, then to reach ``end``; a loaded CI machine runs the page's
    40 ms frames far slower than a person's, so the end gets a minute and a half."""
    page.wait_for_function("() => Bokeh.documents[0].get_model_by_name('pg-play').active "
                           "|| Bokeh.documents[0].get_model_by_name('pg-step').value > 5",
                           timeout=20_000)
    try:
        page.wait_for_function("(end) => Bokeh.documents[0].get_model_by_name('pg-step')"
                               ".value === end", arg=end, timeout=90_000)
    except Exception as error:
        state = _js(page, "return [m('pg-step').value, m('pg-play').active, "
                          "m('pg-play').label]")
        raise AssertionError(f"Play stopped short of {end}: [step, active, label] = "
                             f"{state}") from error


def _press(page, slider: str, key: str, times: int = 1):
    """Focus the handle of the slider named ``slider`` and press ``key``."""
    handle = page.locator(f".pg-slider-{slider} .noUi-handle").first
    handle.focus()
    for _ in range(times):
        handle.press(key)


def test_the_race_plays_back_from_disk(page, exported):
    failed = _open(page, exported["optimizers"])
    at_end = _js(page, "return [m('pg-step').value, m('cursor').location, "
                       "Array.from(m('current').data.x)]")
    assert at_end[0] == at_end[1] == 100

    _press(page, "step", "Home")
    page.wait_for_timeout(300)
    at_start = _js(page, "return [m('pg-step').value, m('cursor').location, "
                         "Array.from(m('current').data.x), m('trail_sgd').data.x.length, "
                         "m('loss_now').data.x[0]]")
    assert at_start[0] == at_start[1] == 0 and at_start[3] == 1 and at_start[4] == 0
    assert at_start[2] != at_end[2]  # every marker went back to the start
    assert len(set(at_start[2])) == 1
    # The step and sweep sliders, side by side, read as two tracks (they touched).
    step = page.locator(".pg-slider-step .noUi-target").first.bounding_box()
    sweep = page.locator(".pg-slider-sweep .noUi-target").first.bounding_box()
    if abs(step["y"] - sweep["y"]) < 5:  # on one line (a narrow window wraps them)
        assert sweep["x"] - (step["x"] + step["width"]) >= 30, (step, sweep)

    _press(page, "step", "ArrowRight", 5)
    page.wait_for_timeout(300)
    stepped = _js(page, "return [m('pg-step').value, m('cursor').location, "
                        "m('arrows_step').data.x0.length, m('arrows_velocity').data.x0.length]")
    assert stepped[0] == stepped[1] == 5
    assert stepped[2] == 3 and stepped[3] == 2  # SGD has no velocity

    # Play runs to the end by itself.
    page.locator(".pg-play button").first.click()
    _wait_played_to(page, 100)
    assert _js(page, "return m('cursor').location") == 100

    # The sweep: another learning rate for SGD, another trajectory.
    before = _js(page, "return Array.from(m('full_sgd').data.x)")
    momentum = _js(page, "return Array.from(m('full_momentum').data.x)")
    caption = page.locator(".pg-caption")
    linked = caption.inner_text()
    _press(page, "sweep", "Home")
    page.wait_for_timeout(300)
    after = _js(page, "return [Array.from(m('full_sgd').data.x), m('pg-sweep').value, "
                      "Array.from(m('full_momentum').data.x)]")
    assert after[1] == 0 and after[0] != before
    assert after[2] == momentum  # only the swept optimizer changes
    assert _js(page, "return Array.from(m('full_sgd').data.x)") == _js(
        page, "return Array.from(m('sweep_0').data.x)")
    label = page.locator(".pg-slider-sweep .bk-slider-title").inner_text()
    assert "0.045" in label
    # The header names the slider's α, not the link's.
    assert "0.045" in caption.inner_text() and "0.045" not in linked
    assert failed == [] and page.errors == []


def test_the_sweep_slider_fits_the_loss_charts_to_its_values_runs(page, exported):
    """At the link's α the run that grew to 10⁷ fits the chart; at α = 0.055 the chart
    fits that value's converging runs (from L = 8.55), not the other value's 10⁷."""
    _open(page, exported["growing"])
    ranges = "return [m('pg-loss').y_range.end, m('pg-loss-log').y_range.end]"
    at_link = _js(page, ranges)
    assert at_link[0] > 1e6 and at_link[1] > 1e6
    _press(page, "sweep", "Home")
    page.wait_for_function("() => Bokeh.documents[0].get_model_by_name('pg-loss')"
                           ".y_range.end < 100", timeout=10_000)
    low = _js(page, ranges + ".concat([m('pg-loss').y_range.reset_end])")
    assert 8.55 < low[0] < 10 and 8.55 < low[1] < 100 and low[2] == low[0]
    _press(page, "sweep", "ArrowRight")
    page.wait_for_function("() => Bokeh.documents[0].get_model_by_name('pg-loss')"
                           ".y_range.end > 1e6", timeout=10_000)
    assert page.errors == []


def test_the_mlp_run_plays_back_from_disk(page, exported):
    failed = _open(page, exported["mlp"])
    last = _js(page, "return [m('pg-epoch').value, Array.from(m('image').data.image[0]), "
                     "m('played').data.epoch.length, m('cursor_loss').location]")
    assert last[0] == 20 and last[2] == 101 and last[3] == 100
    _press(page, "epoch", "Home")
    page.wait_for_timeout(300)
    first = _js(page, "return [m('pg-epoch').value, Array.from(m('image').data.image[0]), "
                      "m('played').data.epoch.length, m('cursor_loss').location]")
    assert first[0] == 0 and first[2] == 1 and first[3] == 0
    assert first[1] != last[1]  # the untrained network's heat map
    assert "0" in page.locator(".pg-epoch").first.inner_text()
    _press(page, "epoch", "ArrowRight", 3)
    page.wait_for_timeout(300)
    assert _js(page, "return m('cursor_loss').location") == 15
    # The network diagram shows the snapshot's weights (at epoch 15: snapshot 3), each
    # edge as wide as the lab draws it (``numerics.diagram.edge_widths``), and its
    # thumbnails; drawn in the page (a box of its size).
    edges = _js(page, "const e = m('pg-network-edges').data, n = m('network_snapshots').data;"
                      "return [Array.from(e.w), Array.from(e.width), Array.from(n.w[3]),"
                      " Array.from(n.w[20]), Array.from(m('pg-network-units').data.image[1]),"
                      " Array.from(n.units_1[3])]")
    np.testing.assert_array_equal(edges[0], edges[2])
    assert not np.allclose(edges[2], edges[3])  # trained on between epoch 15 and 100
    lay = diagram_layout((2, 4, 2), 580, 470, top=62)  # MLP_LINK's network
    np.testing.assert_allclose(edges[1], edge_widths(np.array(edges[0]), lay.edge_max_width),
                               rtol=1e-5)
    assert edges[4] == edges[5]
    # The best epoch's line: the first lowest validation loss up to the epoch shown.
    best = _js(page, "return [m('best_loss').location, m('best_acc').location,"
                     " Array.from(m('played').data.val_loss)]")
    assert best[0] == best[1] == int(np.argmin(best[2])) and len(best[2]) == 16
    assert "fit" in _js(page, "return m('pg-reading').text")  # (a reading, in words)
    _press(page, "epoch", "Home")
    page.wait_for_timeout(300)
    # Epoch 0: no best epoch yet, its line and legend entry hidden (as the lab's), no reading.
    legend = ("const p = m('pg-loss'), l = [...p.right, ...p.center, ...p.below]"
              ".find((x) => x.items != null);")
    assert _js(page, legend + "return [m('best_loss').visible, m('pg-reading').text,"
                     " l.items.filter((i) => i.visible).length, l.items.length]") \
        == [False, "", 3, 4]
    box = _js(page, "const b = Bokeh.index.query_one((v) => v.model === m('pg-network')).bbox;"
                    "return [b.width, b.height]")
    _, height = fitted_layout((2, 4, 2), 580, 470, top=62)  # as tall as its columns need
    assert box[0] >= 500 and abs(box[1] - height) <= 2 and height > 250, (box, height)
    assert failed == [] and page.errors == []


def _legend(page):
    return _js(page, "return m('pg-legend').items.map((item) => item.label.value)")


def test_the_race_legend_follows_the_step_and_the_page_fits_1280(page, exported):
    """The legend gives each optimizer's loss at the step shown (as the lab's legend,
    in ``number_text``'s format); an optimizer that diverged keeps its finite losses
    drawn and says so once past them; the page does not scroll sideways at 1280×720."""
    from playground.text import tr
    from playground.ui.widgets import number_text

    page.set_viewport_size({"width": 1280, "height": 720})
    failed = _open(page, exported["optimizers"])
    labels = ["SGD", "Momentum", "Adam"]
    for t in (100, 40, 0):
        page.evaluate(f"() => Bokeh.documents[0].get_model_by_name('pg-step').value = {t}")
        page.wait_for_timeout(300)
        losses = _js(page, f"return ['sgd', 'momentum', 'adam'].map((n) => "
                           f"m('full_' + n).data.loss[{t}])")
        assert _legend(page) == [f"{name}: L = {number_text(loss, 4)}"
                                 for name, loss in zip(labels, losses, strict=True)]
        if t == 100:  # the state table below the pictures: each row on one line (its
            # pairs broke over two, beside the surface)
            heights = page.locator("table tr:has(td)").evaluate_all(
                "(rows) => rows.map((r) => r.getBoundingClientRect().height)")
            assert len(heights) == 3 and max(heights) < 1.7 * 13 + 6, heights
    # SGD's last α of the sweep diverges: its finite losses stay drawn, its legend says
    # where it stopped once the step is past them.
    page.evaluate("() => { const m = (n) => Bokeh.documents[0].get_model_by_name(n);"
                  " m('pg-sweep').value = m('pg-sweep').end; }")
    page.wait_for_timeout(300)
    sgd = _js(page, "const d = m('full_sgd').data, s = m('sweep_' + m('pg-sweep').end).data;"
                    "return [Array.from(d.loss), Array.from(s.loss)]")
    assert 1 < len(sgd[0]) < 101 and sgd[0] == sgd[1]
    assert all(abs(v) < float("inf") for v in sgd[0])
    drawn = _js(page, "const f = m('pg-loss'); const r = f.renderers.find((r) => "
                      "r.data_source === m('full_sgd'));"
                      "return [r.visible, Bokeh.index.find_one(r).glyph.sy.length]")
    assert drawn == [True, len(sgd[0])]
    n = len(sgd[0])
    page.evaluate(f"() => Bokeh.documents[0].get_model_by_name('pg-step').value = {n - 1}")
    page.wait_for_timeout(300)
    assert _legend(page)[0] == f"SGD: L = {number_text(sgd[0][n - 1], 4)}"
    row_step = tr("readout.row_step", "en", step=n - 1)
    assert row_step not in _js(page, "return m('pg-readout').text")
    # Its last finite iterate is a step of the run, as in the lab: its loss, not why it
    # stopped (the file's own copy of the table called it stopped one step early).
    last = _js(page, "return m('pg-readout').text").split("<tr>")[2]
    assert "<b>" not in last and number_text(sgd[0][n - 1], 4)[:4] in last, last
    page.evaluate(f"() => Bokeh.documents[0].get_model_by_name('pg-step').value = {n}")
    page.wait_for_timeout(300)
    assert _legend(page)[0].startswith("SGD: " + tr("status.diverged", "en", step="")[:8])
    # The table's SGD row is its last iterate's and says so (it read as step 100's).
    rows = _js(page, "return m('pg-readout').text").split("<tr>")
    assert row_step in rows[2] and "Momentum" not in rows[2]
    assert all(row_step not in r for r in rows[3:])
    widths = page.evaluate("() => [document.documentElement.scrollWidth, "
                           "document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], widths
    # A margin around the page (its text sat 5 px from the window's edge).
    assert page.evaluate("() => getComputedStyle(document.body).paddingLeft") == "20px"
    assert failed == [] and page.errors == []


def test_when_every_run_diverged_the_last_to_go_says_so_at_the_end(page, exported):
    """As in the lab: the player ends at step 41, SGD's last iterate; there every
    legend entry says where its run stopped (stepping out of ln's domain), SGD's (step
    42) too; a step earlier SGD still gives its loss."""
    from playground.ui.widgets import number_text

    failed = _open(page, exported["diverged"])
    assert _js(page, "return [m('pg-step').value, m('pg-step').end]") == [41, 41]
    legend = _legend(page)  # (each stepped past x = 0, where ln has no value)
    assert legend[0] == "SGD: no value at step 42 (outside the formula's domain)", legend
    assert legend[1] == "Momentum: no value at step 36 (outside the formula's domain)", legend
    assert legend[2].startswith("Adam: no value at step "), legend
    _press(page, "step", "ArrowLeft")
    page.wait_for_timeout(300)
    loss = _js(page, "return m('full_sgd').data.loss[40]")
    assert _legend(page)[0] == f"SGD: L = {number_text(loss, 4)}"
    assert failed == [] and page.errors == []


@pytest.mark.parametrize(("which", "epochs", "image"), [
    ("trained", 80, "image"), ("trained_race", 40, "image_0")])
def test_a_link_at_a_trained_epoch_scrubs_from_epoch_0(page, exported, which, epochs, image):
    """A link with ``epoch=N`` (the page writes it once it trains): a recording 0…N that
    the slider scrubs (dragged with the mouse), no slider with start == end."""
    failed = _open(page, exported[which])
    last = _js(page, f"return [m('pg-epoch').start, m('pg-epoch').end, m('pg-epoch').value, "
                     f"Array.from(m('{image}').data.image[0]), m('cursor_loss').location]")
    assert last[0] == 0 and last[1] > 1 and last[2] == last[1] and last[4] == epochs
    handle = page.locator(".pg-slider-epoch .noUi-handle").first
    box = handle.bounding_box()
    track = page.locator(".pg-slider-epoch .noUi-base").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(track["x"] - 20, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    page.wait_for_timeout(300)
    first = _js(page, f"return [m('pg-epoch').value, Array.from(m('{image}').data.image[0]), "
                      "m('cursor_loss').location]")
    assert first[0] == 0 and first[2] == 0
    assert first[1] != last[1]  # the untrained network's heat map, not epoch N's
    assert failed == [] and page.errors == []


def test_a_dark_mlp_page_from_disk(page, exported):
    """``theme=dark``: the page's background and the plots dark, the readout's text
    light; the gap and the validation points drawn (``val=1``); it scrubs."""
    failed = _open(page, exported["dark"])
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(21, 24, 28)"
    assert _js(page, "return m('pg-loss').background_fill_color") == "#1e2227"
    # The readout's ink, as the live page's (``ui.present.ink``): light on the dark page.
    color = page.locator(".pg-epoch").first.evaluate("(e) => getComputedStyle(e).color")
    channels = [float(v) for v in re.findall(r"[\d.]+", color.split("(", 1)[1])[:3]]
    scale = 255 if color.startswith("rgb") else 1
    assert min(channels) / scale > 0.6, color
    _press(page, "epoch", "Home")
    page.wait_for_timeout(300)
    assert _js(page, "return [m('pg-epoch').value, m('played').data.epoch.length, "
                     "m('gap_loss').visible]") == [0, 1, True]
    assert failed == [] and page.errors == []


def _shown(page, name: str) -> bool:
    """Whether the plot named ``name`` is drawn with a size in the page."""
    return _js(page, f"const v = Bokeh.index.find_one(m('{name}'));"
                     "const r = v.el.getBoundingClientRect();"
                     "return m('" + name + "').visible && r.width > 0 && r.height > 0")


def test_the_log_scale_loss_chart_from_disk(page, exported):
    failed = _open(page, exported["log"])
    assert _shown(page, "pg-loss-log") and not _shown(page, "pg-loss")
    _press(page, "step", "Home")
    page.wait_for_timeout(300)
    state = _js(page, "return [m('cursor_log').location, m('loss_now').data.gap[0], "
                      "m('full_sgd').data.gap[0]]")
    assert state[0] == 0 and state[1] == state[2] > 0
    toggle = page.locator(".pg-log-loss button").first
    toggle.click()
    page.wait_for_function("() => Bokeh.documents[0].get_model_by_name('pg-loss').visible")
    assert _shown(page, "pg-loss") and not _shown(page, "pg-loss-log")
    toggle.click()
    page.wait_for_function("() => Bokeh.documents[0].get_model_by_name('pg-loss-log').visible")
    assert failed == [] and page.errors == []


def test_an_mlp_race_plays_back_every_racer_from_disk(page, exported):
    failed = _open(page, exported["race"])
    for k in range(4):
        assert _shown(page, f"pg-boundary-{k}")
    titles = _js(page, "return [0, 1, 2, 3].map((k) => m('pg-boundary-' + k).title.text)")
    assert titles == ["SGD", "Momentum", "Adam", "RMSProp"]  # the link's order
    last = _js(page, "return [0, 1, 2, 3].map((k) => [Array.from(m('image_' + k).data.image[0]),"
                     " m('played_' + k).data.epoch.length])")
    assert all(n == 61 for _, n in last)
    assert last[0][0] != last[3][0]  # four networks, not one
    table = page.locator("table").filter(has_text="Optimizer").first.inner_text()
    for name in titles:  # a row per racer in the readout
        assert name in table
    _press(page, "epoch", "Home")
    page.wait_for_timeout(300)
    first = _js(page, "return [0, 1, 2, 3].map((k) => [Array.from(m('image_' + k).data.image[0]),"
                      " m('played_' + k).data.epoch.length])")
    assert all(n == 1 for _, n in first)
    assert first[0][0] == first[3][0]  # the same untrained network for every racer
    assert _js(page, "return m('cursor_loss').location") == 0
    # The lab's "Loss on a log scale": the chart's own scale swapped in the file.
    scale = "return [m('pg-loss').y_scale.constructor.__name__, m('pg-loss').y_range.start]"
    assert _js(page, scale)[0] == "LinearScale"
    page.locator(".pg-log-loss button").first.click()
    page.wait_for_function("() => Bokeh.documents[0].get_model_by_name('pg-loss')"
                           ".y_scale.constructor.__name__ === 'LogScale'")
    assert _js(page, scale)[1] > 0
    page.locator(".pg-log-loss button").first.click()
    page.wait_for_function("() => Bokeh.documents[0].get_model_by_name('pg-loss')"
                           ".y_scale.constructor.__name__ === 'LinearScale'")
    assert failed == [] and page.errors == []


def download_page(page, url: str, tmp_path):
    """Open ``url`` and save what its "Export page (HTML)" button downloads."""
    from playground.text import tr

    page.goto(url)
    button = page.locator(".pg-export-page").get_by_text(tr("export.page", "en"))
    button.wait_for(timeout=60_000)
    with page.expect_download(timeout=120_000) as info:
        button.click()
    path = tmp_path / "page.html"
    info.value.save_as(path)
    return path


@pytest.mark.parametrize(("lab", "query"), [
    ("optimizers", "lab=optimizers&surface=saddle&optimizers=sgd,adam&steps=60"),
    ("mlp", "lab=mlp&dataset=xor&layers=4"),
    # A trained page in the dark theme: the file is dark, its run from epoch 0 to 30.
    ("mlp", "lab=mlp&dataset=xor&layers=4&theme=dark&epoch=30"),
])
def test_the_page_button_downloads_a_page_that_plays_back(page, new_page, server_url, lab,
                                                          query, tmp_path):
    path = download_page(page, f"{server_url}?{query}", tmp_path)
    assert path.read_bytes().startswith(b"<!DOCTYPE html>")
    assert page.errors == []
    opened = new_page()
    failed = _open(opened, path)
    slider = "pg-step" if lab == "optimizers" else "pg-epoch"
    _press(opened, slider.removeprefix("pg-"), "Home")
    opened.wait_for_timeout(300)
    assert _js(opened, f"return m('{slider}').value") == 0
    assert (static_export.DARK_CSS in path.read_text()) == ("theme=dark" in query)
    if "epoch=30" in query:
        assert _js(opened, "return [m('pg-epoch').end > 1, m('cursor_loss').location, "
                           "m('snapshots').data.epoch.at(-1)]") == [True, 0, 30]
    assert failed == [] and opened.errors == []


BIASVARIANCE_LINK = "lab=biasvariance&datasets=40"


def export_both_themes(folder, link: str, stem: str) -> dict:
    """The page of ``link`` exported in the light and the dark theme: theme → path."""
    return {theme: static_export.export(f"{link}&theme={theme}",
                                        folder / f"{stem}_{theme}.html").path
            for theme in ("light", "dark")}


@pytest.fixture(scope="module")
def exported_bv(tmp_path_factory):
    return export_both_themes(tmp_path_factory.mktemp("export_bv"), BIASVARIANCE_LINK, "bv")


def _open_bv(page, path):
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(path.as_uri())
    page.wait_for_function("() => window.Bokeh && Bokeh.documents.length > 0 && "
                           "Bokeh.documents[0].get_model_by_name('pg-bv-fits').data.xs "
                           "&& Bokeh.documents[0].get_model_by_name('pg-bv-fits')"
                           ".data.xs.length > 0")
    return failed


def _bv_state(page):
    return _js(page, "return [m('pg-capacity').value, m('pg-bv-chosen').location, "
                     "m('pg-bv-fits').data.ys.length, Array.from(m('pg-bv-fits').data.ys[0]), "
                     "Array.from(m('pg-bv-mean').data.y), m('pg-bv-formula').text, "
                     "m('pg-bv-reading').text, m('pg-bv-chosen-label').text, "
                     "m('pg-bv-chosen-label').x]")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_biasvariance_page_moves_its_capacity_from_disk(page, exported_bv, theme):
    """Opened from disk with no server: the capacity slider, moved from the keyboard,
    redraws every fit, f̄, the chosen capacity's line, the decomposition and the
    picture itself; clicking a fit's set (its selection) shows that set's points."""
    page.set_viewport_size({"width": 1280, "height": 720})
    failed = _open_bv(page, exported_bv[theme])
    plot = page.locator(".bk-Figure").first
    at_link = _bv_state(page)
    assert at_link[:3] == [3, 3, 40] and "d = 3" in at_link[5]
    picture = plot.screenshot()
    _press(page, "capacity", "Home")
    page.wait_for_timeout(300)
    at_zero = _bv_state(page)
    assert at_zero[:3] == [0, 0, 40] and "d = 0" in at_zero[5]
    assert at_link[7:] == ["d = 3", 3] and at_zero[7:] == ["d = 0", 0]  # the line's label
    assert at_zero[3] != at_link[3] and at_zero[4] != at_link[4]
    assert max(at_zero[4]) - min(at_zero[4]) < 1e-9  # degree 0: every fit a constant
    assert plot.screenshot() != picture  # the picture changed
    _press(page, "capacity", "End")
    page.wait_for_timeout(300)
    assert _bv_state(page)[:2] == [20, 20]
    assert page.locator(".pg-slider-capacity .bk-slider-title").inner_text().endswith("20")
    # The header's caption names the slider's capacity, not the link's.
    assert "d = 20" in page.locator(".pg-caption").inner_text()
    _js(page, "m('pg-bv-fits').selected.indices = [7];")
    page.wait_for_timeout(300)
    shown = _js(page, "return [Array.from(m('pg-bv-points').data.x), "
                      "Array.from(m('bv_sets').data.x[7]), Array.from(m('pg-bv-shown').data.y), "
                      "Array.from(m('pg-bv-fits').data.ys[7])]")
    assert shown[0] == shown[1] and shown[2] == shown[3]
    if theme == "dark":
        background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(21, 24, 28)"
        assert _js(page, "return m('pg-bv-curves').background_fill_color") == "#1e2227"
    # Play sweeps every capacity from the first to the last, then stops.  Every line
    # drawn is recorded in the page (sampling from here missed some on a loaded machine).
    _js(page, "const s = m('pg-bv-chosen'); window.__pgSeen = [];"
              "s.connect(s.properties.location.change, () => window.__pgSeen.push(s.location));"
              "m('pg-capacity').value = 0;")
    page.locator(".pg-play button").click()
    page.wait_for_function("() => { const m = (n) => Bokeh.documents[0].get_model_by_name(n);"
                           " return !m('pg-play').active && m('pg-capacity').value === 20; }",
                           timeout=90_000)
    seen = page.evaluate("() => window.__pgSeen")
    assert seen == list(range(21)), seen  # one degree a frame, 0 to 20
    widths = page.evaluate("() => [document.documentElement.scrollWidth, "
                           "document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], widths
    assert failed == [] and page.errors == []


def test_the_biasvariance_button_downloads_a_page_that_moves(page, new_page, server_url,
                                                             tmp_path):
    path = download_page(page, f"{server_url}?lab=biasvariance&family=knn&datasets=20"
                               "&capacity=9", tmp_path)
    assert page.errors == []
    opened = new_page()
    failed = _open_bv(opened, path)
    assert _js(opened, "return m('pg-bv-chosen').location") == 9
    _press(opened, "capacity", "Home")
    opened.wait_for_timeout(300)
    assert _js(opened, "return [m('pg-capacity').value, m('pg-bv-chosen').location]") == [0, 1]
    assert failed == [] and opened.errors == []


#: Each page's plots by name (the optimizer page's log-scale chart is hidden unless the
#: link has ``log=on``).
PLOTS = {"optimizers": ["pg-surface", "pg-loss"], "mlp": ["pg-boundary", "pg-loss", "pg-acc"],
         "race": ["pg-boundary-0", "pg-boundary-3", "pg-loss", "pg-acc"],
         "bv": ["pg-bv-fits-plot", "pg-bv-curves"]}


def _boxes(page, names):
    """The page's width (scroll, client) and each named plot's box (left, top, right,
    bottom) as drawn."""
    return page.evaluate(
        "(names) => [document.documentElement.scrollWidth, "
        "document.documentElement.clientWidth, names.map((n) => { const r = Bokeh.index"
        ".find_one(Bokeh.documents[0].get_model_by_name(n)).el.getBoundingClientRect();"
        " return [r.left, r.top, r.right, r.bottom]; })]", names)


@pytest.mark.parametrize("size", [(static_export.MIN_WIDTH, 560), (1024, 768)])
@pytest.mark.parametrize("which", ["optimizers", "mlp", "race", "bv"])
def test_the_page_is_as_wide_as_its_window(page, exported, exported_bv, which, size):
    """Like the live page: no scrolling sideways from 820 px (an embedding iframe) up;
    every plot whole inside the window, those that do not fit side by side below each
    other.  At 1024 px the MLP page's charts are beside its heat map."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    failed = (_open_bv(page, exported_bv["light"]) if which == "bv"
              else _open(page, exported[which]))
    page.wait_for_timeout(300)
    scroll, client, boxes = _boxes(page, PLOTS[which])
    assert client == size[0] and scroll <= client, (scroll, client)
    for name, (left, top, right, bottom) in zip(PLOTS[which], boxes, strict=True):
        assert 0 <= left < right <= client and bottom > top, (name, left, right)
    first, second = boxes[0], boxes[1 if which != "race" else 2]
    beside = second[0] >= first[2] and second[1] < first[3]
    below = second[1] >= first[3]
    assert beside or below
    if size[0] == 820 and which in ("optimizers", "mlp"):
        assert below  # 600 + 420 px do not fit in 820
    if size[0] == 1024 and which in ("mlp", "bv"):
        assert beside
    assert failed == [] and page.errors == []


_TABLE_JS = """(html) => {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const step = doc.querySelector('div').textContent.match(/\\d+/)[0];
  return [Number(step), Array.from(doc.querySelectorAll('th')).map((c) => c.textContent),
          Array.from(doc.querySelectorAll('tr')).slice(1).map((r) =>
            Array.from(r.querySelectorAll('td')).map((c) => c.textContent))];
}"""


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_state_table_has_the_live_pages_columns(page, new_page, server_url, tmp_path, lang):
    """The file's state table has the live page's columns, headed alike from the language
    tables (α per dimension of the update last), and at the step the live page shows,
    each optimizer's α per dimension is the live page's."""
    from playground.text import tr

    link = f"lab=optimizers&surface=ravine&optimizers=sgd,momentum,adam&steps=40&lang={lang}"
    path = static_export.export(link, tmp_path / "race.html", n_values=3).path
    page.goto(f"{server_url}?{link}")
    page.wait_for_function("() => window.Bokeh && Bokeh.documents.length > 0 && "
                           "Bokeh.documents[0].get_model_by_name('readout') && "
                           "Bokeh.documents[0].get_model_by_name('readout').text.includes"
                           "('<table')", timeout=60_000)
    step, live_heads, live_rows = page.evaluate(
        _TABLE_JS, _js(page, "return m('readout').text"))
    opened = new_page()
    failed = _open(opened, path)
    _js(opened, f"m('pg-step').value = {step};")
    opened.wait_for_timeout(300)
    shown, heads, rows = opened.evaluate(_TABLE_JS, _js(opened, "return m('pg-readout').text"))
    assert shown == step
    assert heads == live_heads == ["", *(tr(f"readout.{key}", lang) for key in (
        "theta", "loss", "grad", "velocity", "effective_lr"))]
    assert [len(r) for r in rows] == [6, 6, 6]

    def numbers(cell):
        return [float(v.replace("\u2212", "-")) for v in cell.strip("()").split(",")]

    for row, live in zip(rows, live_rows, strict=True):
        assert row[0] == live[0]
        assert numbers(row[5]) == pytest.approx(numbers(live[5]), rel=1e-3)
    assert numbers(rows[0][5]) == [0.45, 0.45]  # SGD's α in each dimension: the link's α
    # SGD keeps no velocity: no v in either table (the live one wrote (0, 0)).
    assert rows[0][4].strip() == live_rows[0][4].strip() == ""
    assert numbers(rows[1][4]) == pytest.approx(numbers(live_rows[1][4]), rel=1e-3)
    assert failed == [] and opened.errors == [] and page.errors == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_mlp_readout_says_which_number_is_the_accuracy(page, tmp_path, lang):
    """Beside each loss its accuracy, labelled as such in the page's language
    (``mlp.readout.accuracy``), at the epoch shown."""
    from playground.text import tr

    path = static_export.export(f"lab=mlp&dataset=xor&layers=4&points=100&lang={lang}",
                                tmp_path / "mlp.html", epochs=20, snapshots=3).path
    failed = _open(page, path)
    for press in (None, "Home"):
        if press:
            _press(page, "epoch", press)
            page.wait_for_timeout(300)
        epoch, train, val = _js(page, "const d = m('history').data, "
                                      "e = m('snapshots').data.epoch[m('pg-epoch').value];"
                                      "return [e, d.train_acc[e], d.val_acc[e]]")
        for css, acc in (("pg-train-acc", train), ("pg-val-acc", val)):
            said = page.locator(f".{css}").first.inner_text()
            percent = f"{100 * acc:.1f}" + (" %" if lang == "en" else "%")  # 68.0%: as 50%
            assert said == tr("mlp.readout.accuracy", lang, value=percent), (epoch, said)
    assert epoch == 0
    assert failed == [] and page.errors == []


@pytest.fixture(scope="module")
def exported_bv_zh(tmp_path_factory):
    return export_both_themes(tmp_path_factory.mktemp("export_bv_zh"),
                              f"{BIASVARIANCE_LINK}&lang=zh", "bv_zh")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_mean_fits_bar_sits_over_its_f_in_chinese(page, exported_bv_zh, theme):
    """In a Chinese page the legend's "平均拟合 f̄" is drawn in the page's font, whose f
    carries its bar: the bar adds no width and no ink right of the f (in Bokeh's
    "helvetica" the browser took the bar from a CJK font and set it beside the f, a
    faint mark after it).  The legend's text is the theme's ink, as every entry's."""
    from playground.text import tr

    failed = _open_bv(page, exported_bv_zh[theme])
    assert page.evaluate("() => document.documentElement.lang") == "zh"
    measured = _js(page, """
      const l = m('pg-bv-legend');
      const c = document.createElement('canvas');
      document.body.appendChild(c);
      const x = c.getContext('2d');
      x.font = l.label_text_font_style + ' ' + l.label_text_font_size + ' ' + l.label_text_font;
      const f = x.measureText('f'), bar = x.measureText('f\\u0304');
      c.remove();
      return [l.items.map((i) => i.label.value), l.label_text_color,
              [f.width, f.actualBoundingBoxRight], [bar.width, bar.actualBoundingBoxRight]];""")
    labels, color, f, bar = measured
    assert tr("bv.fits.mean", "zh") in labels and "f\u0304" in tr("bv.fits.mean", "zh")
    assert bar[0] == pytest.approx(f[0], abs=0.01)
    assert bar[1] <= f[1] + 0.5
    if theme == "dark":
        from playground.ui.present import PLOT_COLORS

        assert color == PLOT_COLORS["dark"]["ink"]
    assert failed == [] and page.errors == []
