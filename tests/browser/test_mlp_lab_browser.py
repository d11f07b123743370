"""The MLP lab in a real browser: play trains, and each control changes the picture.

"The picture" is what the page shows: a screenshot of the decision-boundary plot's
frame (the Bokeh figure drawing the ``pg-boundary-image`` heat map), compared pixel
by pixel before and after a change.  The heat map's data is read from the page too
(``Bokeh.documents[0].get_model_by_name('pg-boundary-image')``) to tell a new
network from a new colouring or new points.  An optimizer race draws one heat map per
racer (``pg-race-image-i``), and the network diagram's edges (``pg-network-edges``) are
found on the page from their data and the figure's ranges, to click one and edit its
weight.  Every page ends without console errors.
"""

from __future__ import annotations

import io
import time
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from PIL import Image

from playground.text import tr

from .helpers import assert_no_errors, number, query_of, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]


#: A pixel differs when one of its channels moved by more than this (of 255).
PIXEL_TOLERANCE = 24
#: Fractions of the plot's frame that must change: new points only, or a new heat map.
POINTS_CHANGE = 0.02
HEAT_MAP_CHANGE = 0.10
CHANGE_TIMEOUT_S = 20.0
#: A new network compiles first: on a cold JAX cache with other tests beside it, tens of s.
NETWORK_TIMEOUT_S = 90.0

#: JS: the frame (the plotting area), in page coordinates and scrolled into view, of the
#: figure drawing the source named ``name`` (null while that figure is not shown).
_FRAME = """(name) => {
  if (!window.Bokeh || !Bokeh.documents || Bokeh.documents.length === 0) return null;
  const doc = Bokeh.documents[0];
  const source = doc.get_model_by_name(name);
  if (source == null) return null;
  const fig = Array.from(doc.all_models).find((m) => m.renderers != null && m.x_range != null &&
      m.renderers.some((r) => r.data_source === source));
  const view = fig == null ? null : Bokeh.index.find_one(fig);
  if (view == null) return null;
  const canvas = view.canvas_view.el;
  if (!canvas.checkVisibility()) return null;
  canvas.scrollIntoView({block: 'nearest'});
  const box = canvas.getBoundingClientRect();
  const f = view.frame.bbox;
  if (box.width < 10 || f.width < 10 || f.height < 10) return null;
  return {x: box.left + f.left, y: box.top + f.top, width: f.width, height: f.height};
}"""
BOUNDARY = "pg-boundary-image"

_HEAT_MAP = """(name) => Array.from(
  Bokeh.documents[0].get_model_by_name(name).data.image[0])"""



def wait_for_query(page, key: str, value: str | None, timeout_s: float = CHANGE_TIMEOUT_S):
    """Until the link has ``key=value`` (``value`` None: until it has no ``key``)."""
    wait_until(page, lambda: query_of(page).get(key) == value, timeout_s,
               f"the link to have {key}={value}")


# -- the picture -------------------------------------------------------------------


def picture(page, name: str = BOUNDARY) -> np.ndarray:
    """The boundary plot's frame as shown, (height, width, 3) ints (``name``: the heat
    map's source, another plot's: a race's ``pg-race-image-i``)."""
    clip = page.evaluate(_FRAME, name)
    assert clip is not None, f"the plot of {name} is not drawn"
    png = page.screenshot(clip=clip)
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def changed(a: np.ndarray, b: np.ndarray) -> float:
    """The fraction of pixels that differ between two pictures."""
    if a.shape != b.shape:
        return 1.0
    return float((np.abs(a - b).max(axis=2) > PIXEL_TOLERANCE).mean())


def settled_picture(page, timeout_s: float = CHANGE_TIMEOUT_S,
                    name: str = BOUNDARY) -> np.ndarray:
    """The picture once two looks 250 ms apart agree (no redraw under way)."""
    deadline = time.monotonic() + timeout_s
    last = picture(page, name)
    while time.monotonic() < deadline:
        page.wait_for_timeout(250)
        now = picture(page, name)
        if changed(last, now) == 0.0:
            return now
        last = now
    raise AssertionError("the decision-boundary plot kept changing")


def heat_map(page, name: str = BOUNDARY) -> np.ndarray:
    return np.asarray(page.evaluate(_HEAT_MAP, name), dtype=np.float64)


def open_lab(page, url: str) -> np.ndarray:
    """Open the lab at ``url`` (a query) and return its first settled picture."""
    page.goto(url, wait_until="load")
    page.locator(".pg-epoch").wait_for(state="visible", timeout=60_000)
    # Every part in the page: the controls join after the pictures.
    page.locator(".pg-complete").wait_for(state="attached", timeout=60_000)
    wait_until(page, lambda: page.evaluate(_FRAME, BOUNDARY) is not None, 30,
               "the decision-boundary plot")
    return settled_picture(page)


def change_picture(page, action, what: str, at_least: float,
                   timeout_s: float = CHANGE_TIMEOUT_S,
                   ready=lambda: True) -> tuple[np.ndarray, np.ndarray]:
    """Run ``action()``; within ``timeout_s`` the picture must change in ≥ ``at_least``
    of its pixels, once ``ready()`` (e.g. the new network's heat map has arrived: a
    "compiling" line shifting the page changes the picture for a moment too).

    Returns the settled pictures before and after.
    """
    before = settled_picture(page)
    action()
    fraction = 0.0
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        page.wait_for_timeout(200)
        if changed(before, picture(page)) >= at_least and ready():
            # A change that stays: a passing one (a "compiling" line shifting the page)
            # then a server busy for a second or two looked settled, before the redraw.
            after = settled_picture(page)
            if changed(before, after) >= at_least:
                break
    else:
        after = settled_picture(page)
    fraction = changed(before, after)
    assert fraction >= at_least, (
        f"{what}: only {fraction:.1%} of the decision-boundary plot changed "
        f"(at least {at_least:.0%} expected)")
    return before, after


# -- controls ----------------------------------------------------------------------


def checkbox(page, css_class: str):
    return page.locator(f".{css_class} input[type=checkbox]")


def type_into(locator, text: str):
    locator.fill(text)
    locator.press("Enter")


def press_step(page, times: int):
    """Train ``times`` single epochs with the Step button."""
    start = int(number(page, "pg-epoch"))
    for i in range(1, times + 1):
        page.locator(".pg-step button").click()
        wait_until(page, lambda i=i: number(page, "pg-epoch") == start + i, 60,
                   f"epoch {start + i}")


# --------------------------------------------------------------------------- tests


def test_play_trains_and_pause_stops(page, server_url):
    page.goto(server_url + "?lab=mlp&dataset=xor&layers=4&optimizer=adam&lr=0.03",
              wait_until="load")
    page.locator(".pg-epoch").wait_for(state="visible", timeout=60_000)
    wait_until(page, lambda: number(page, "pg-epoch") == 0, 60, "epoch 0")
    # The epoch-0 losses are shown before any training.
    wait_until(page, lambda: number(page, "pg-train-loss") > 0, 60, "the first loss")
    first_loss = number(page, "pg-train-loss")

    page.locator(".pg-play button").click()
    wait_until(page, lambda: number(page, "pg-epoch") >= 40, 90, "40 epochs")
    page.locator(".pg-play button").click()  # pause
    # Once the server has taken the pause (it relabels the button; on a loaded machine
    # that can be seconds after the click), no epoch follows.
    wait_until(page, lambda: tr("mlp.play") in page.locator(".pg-play button").inner_text(),
               30, "the button relabelled Play")
    page.wait_for_timeout(500)
    stopped_at = number(page, "pg-epoch")
    page.wait_for_timeout(1500)
    assert number(page, "pg-epoch") == stopped_at  # the periodic callback stopped
    assert number(page, "pg-train-loss") < 0.7 * first_loss
    assert number(page, "pg-val-loss") > 0
    assert_no_errors(page)


def test_display_toggles_change_the_picture(page, server_url):
    first = open_lab(page, server_url + "?lab=mlp&dataset=xor")
    soft = heat_map(page)
    assert soft.size >= 100 and 0.0 < soft.min() < soft.max() < 1.0  # p₁ on a grid

    # Discretize: hard class colours; the heat map holds the predicted class itself.
    change_picture(page, lambda: checkbox(page, "pg-discretize").check(), "discretize on",
                   HEAT_MAP_CHANGE)
    wait_for_query(page, "discretize", "1")
    hard = heat_map(page)
    assert set(np.unique(hard)) <= {0.0, 1.0}
    sure = np.abs(soft - 0.5) > 1e-3  # the class of p₁ = ½ is a float's toss
    np.testing.assert_array_equal(hard[sure], (soft[sure] > 0.5).astype(float))
    _, back = change_picture(page, lambda: checkbox(page, "pg-discretize").uncheck(),
                             "discretize off", HEAT_MAP_CHANGE)
    wait_for_query(page, "discretize", None)
    assert changed(first, back) == 0.0  # the same network, the soft colours again
    np.testing.assert_allclose(heat_map(page), soft)

    # Validation points: drawn on top, the network's picture stays.
    change_picture(page, lambda: checkbox(page, "pg-show-val").check(),
                   "show validation points", POINTS_CHANGE)
    np.testing.assert_allclose(heat_map(page), soft)
    _, hidden = change_picture(page, lambda: checkbox(page, "pg-show-val").uncheck(),
                               "hide validation points", POINTS_CHANGE)
    assert changed(first, hidden) == 0.0
    assert_no_errors(page)


def test_data_and_network_controls_change_the_picture(page, server_url):
    open_lab(page, server_url + "?lab=mlp&dataset=circle")
    steps = [
        # (what, action, fraction of the frame that must change, link key and value,
        #  whether the network (heat map) must change too)
        ("feature x₁²", lambda: page.get_by_role("button", name="x₁²", exact=True).click(),
         HEAT_MAP_CHANGE, ("features", "x1,x2,x1_sq"), True),
        ("layers 4", lambda: type_into(page.locator(".pg-layers input"), "4"),
         HEAT_MAP_CHANGE, ("layers", "4"), True),
        ("activation relu", lambda: page.get_by_label("Activation").select_option(
            label=tr("mlp.activation.relu")),
         HEAT_MAP_CHANGE, ("activation", "relu"), True),
        # A new data set keeps the network's start (the same seed): its points move.
        ("data set spiral", lambda: page.get_by_label("Data set").select_option(label="Spiral"),
         POINTS_CHANGE, ("dataset", "spiral"), False),
        ("noise 50 %", lambda: page.locator(".pg-noise .noUi-handle").press("End"),
         POINTS_CHANGE, ("noise", "50"), False),
        ("seed 7", lambda: type_into(page.get_by_label("Seed", exact=True), "7"),
         HEAT_MAP_CHANGE, ("seed", "7"), True),
        ("the over-fitting lesson", lambda: page.locator(".pg-preset-overfit button").click(),
         HEAT_MAP_CHANGE, ("layers", "32,32,32"), True),
    ]
    for what, action, at_least, (key, value), new_network in steps:
        old = heat_map(page)
        new_heat_map = lambda old=old: np.abs(heat_map(page) - old).max() > 0.05
        change_picture(page, action, what, at_least,
                       NETWORK_TIMEOUT_S if new_network else CHANGE_TIMEOUT_S,
                       ready=new_heat_map if new_network else lambda: True)
        wait_for_query(page, key, value)
        assert number(page, "pg-epoch") == 0, what  # a fresh network
        if new_network:
            assert new_heat_map(), f"{what}: the same heat map"
    assert_no_errors(page)


def test_training_changes_the_picture(page, server_url):
    url = server_url + "?lab=mlp&dataset=spiral&layers=8,8&optimizer=adam&lr=0.03"
    untrained = open_lab(page, url)
    wait_until(page, lambda: number(page, "pg-epoch") == 0, 30, "epoch 0")

    # Step: one epoch, a new picture.
    change_picture(page, lambda: press_step(page, 1), "one Step", 0.01)

    # Play: the picture keeps changing while the epochs go up.
    page.evaluate("""() => {
      const m = Bokeh.documents[0].get_model_by_name('pg-boundary-image');
      window.__pgRepaints = 0;
      m.connect(m.properties.data.change, () => { window.__pgRepaints += 1; });
    }""")
    page.locator(".pg-play button").click()
    pictures, epochs = [picture(page)], [number(page, "pg-epoch")]
    new_looks, deadline = 0, time.monotonic() + 45
    while time.monotonic() < deadline and (new_looks < 4 or epochs[-1] < epochs[0] + 20):
        page.wait_for_timeout(300)
        pictures.append(picture(page))
        epochs.append(number(page, "pg-epoch"))
        new_looks += changed(pictures[-2], pictures[-1]) > 0.005
    page.locator(".pg-play button").click()  # pause
    assert new_looks >= 4, (f"the picture changed in only {new_looks} of "
                            f"{len(pictures) - 1} looks while playing")
    assert epochs[-1] >= epochs[0] + 20, epochs
    assert page.evaluate("() => window.__pgRepaints") >= 4
    assert changed(pictures[0], pictures[-1]) >= HEAT_MAP_CHANGE
    wait_until(page, lambda: page.locator(".pg-play button").inner_text().strip().endswith(
        "Play"), 30, "the Play button back")

    # Reset: epoch 0, the same untrained network (same seed) as at the start.
    page.locator(".pg-reset button").click()
    wait_until(page, lambda: number(page, "pg-epoch") == 0, 30, "epoch 0 after Reset")
    assert changed(untrained, settled_picture(page)) < 0.001
    press_step(page, 3)
    without_bn = heat_map(page)

    # Batch norm: a fresh network (epoch 0) that learns differently.  (At epoch 0 the
    # picture is the same: the running statistics start at mean 0 and variance 1.)
    checkbox(page, "pg-batchnorm").check()
    wait_for_query(page, "batchnorm", "1")
    wait_until(page, lambda: number(page, "pg-epoch") == 0, 30, "epoch 0 with batch norm")
    press_step(page, 3)
    with_bn = heat_map(page)
    assert np.abs(with_bn - without_bn).max() > 0.05, "batch norm trained the same picture"
    assert changed(untrained, settled_picture(page)) >= HEAT_MAP_CHANGE
    assert_no_errors(page)


# -- the race, the network diagram and the remaining controls -------------------------

#: JS: the network diagram's edges, their ends in page coordinates (the figure scrolled
#: into view), from the edge source and the figure's ranges and frame.
_DIAGRAM_EDGES = """() => {
  const doc = Bokeh.documents[0];
  const edges = doc.get_model_by_name('pg-network-edges');
  const fig = Array.from(doc.all_models).find((m) => m.renderers != null && m.x_range != null &&
      m.renderers.some((r) => r.data_source === edges));
  const view = Bokeh.index.find_one(fig);
  view.canvas_view.el.scrollIntoView({block: 'center'});
  const box = view.canvas_view.el.getBoundingClientRect();
  const f = view.frame.bbox, xr = fig.x_range, yr = fig.y_range;
  const sx = (x) => box.left + f.left + (x - xr.start) / (xr.end - xr.start) * f.width;
  const sy = (y) => box.top + f.top + (yr.end - y) / (yr.end - yr.start) * f.height;
  const d = edges.data;
  return {ends: Array.from(d.x0, (_, k) => [sx(d.x0[k]), sy(d.y0[k]), sx(d.x1[k]), sy(d.y1[k])]),
          w: Array.from(d.w), src: Array.from(d.src), dst: Array.from(d.dst)};
}"""


def race_image(i: int) -> str:
    return f"pg-race-image-{i}"


def shown(page, name: str) -> bool:
    """Whether the figure drawing the source ``name`` is on the page (not hidden)."""
    return page.evaluate(_FRAME, name) is not None


def pane_text(page, css_class: str) -> str:
    """The text of a Panel HTML pane carrying ``css_class`` (its content is in a shadow root)."""
    return page.locator(f".{css_class}").evaluate(
        "e => Array.from(e.shadowRoot.children).filter((c) => c.tagName === 'DIV')"
        ".map((c) => c.innerText).join('\\n').trim()")


def distances_to_segments(ends: np.ndarray, x: float, y: float) -> np.ndarray:
    """The distance from (x, y) to each segment (x0, y0, x1, y1) of ``ends``."""
    p0, d = ends[:, :2], ends[:, 2:] - ends[:, :2]
    t = np.clip(((np.array([x, y]) - p0) * d).sum(axis=1)
                / np.maximum((d * d).sum(axis=1), 1e-12), 0.0, 1.0)
    return np.hypot(*(p0 + t[:, None] * d - np.array([x, y])).T)


def edge_to_click(ends: np.ndarray, clearance: float = 12.0) -> tuple[int, float, float]:
    """An edge k and a point (x, y) on it, away from its ends (the thumbnails) and at
    least ``clearance`` pixels from every other edge: a click there selects edge k."""
    for k in range(len(ends)):
        for t in np.linspace(0.25, 0.75, 11):
            x, y = ends[k, :2] + t * (ends[k, 2:] - ends[k, :2])
            others = np.delete(distances_to_segments(ends, x, y), k)
            if others.min() >= clearance:
                return k, float(x), float(y)
    raise AssertionError("no edge of the diagram stands clear of the others")


def test_optimizer_race(page, server_url):
    open_lab(page, server_url + "?lab=mlp&dataset=circle&layers=4")
    assert not shown(page, race_image(0))
    page.get_by_label("SGD", exact=True).check()
    page.get_by_label("Adam", exact=True).check()
    wait_for_query(page, "race", "sgd,adam")
    # Two race heat maps instead of the single network's view.
    wait_until(page, lambda: shown(page, race_image(0)) and shown(page, race_image(1))
               and not shown(page, BOUNDARY), CHANGE_TIMEOUT_S, "the race's two heat maps")
    assert not shown(page, race_image(2))
    wait_until(page, lambda: "SGD" in pane_text(page, "pg-race-table")
               and "Adam" in pane_text(page, "pg-race-table"), CHANGE_TIMEOUT_S,
               "the race table")
    assert number(page, "pg-epoch") == 0
    start = [heat_map(page, race_image(i)) for i in (0, 1)]
    assert start[0].max() - start[0].min() > 0.05  # the network's heat map, not a blank
    np.testing.assert_array_equal(start[0], start[1])  # the same network, the same start
    start_pictures = [settled_picture(page, name=race_image(i)) for i in (0, 1)]

    page.locator(".pg-play button").click()
    wait_until(page, lambda: number(page, "pg-epoch") >= 20, 60, "20 epochs of the race")
    page.locator(".pg-play button").click()  # pause
    wait_until(page, lambda: page.locator(".pg-play button").inner_text().strip().endswith(
        "Play"), 30, "the Play button back")
    pictures = [settled_picture(page, name=race_image(i)) for i in (0, 1)]
    trained = [heat_map(page, race_image(i)) for i in (0, 1)]
    assert np.abs(trained[0] - trained[1]).max() > 0.05, "SGD and Adam drew the same heat map"
    for i, name in enumerate(("SGD", "Adam")):
        assert np.abs(trained[i] - start[i]).max() > 0.05, f"{name}'s heat map did not change"
        assert changed(start_pictures[i], pictures[i]) >= HEAT_MAP_CHANGE, (
            f"{name}'s plot looks as at epoch 0")
    table = pane_text(page, "pg-race-table")
    assert "SGD" in table and "Adam" in table, table
    # Each racer's own α: its box shows the lab's greyed until one is typed, then the
    # link and the table's α column carry it.
    box = page.locator(".pg-lr_sgd input")
    assert box.input_value() == "" and box.get_attribute("placeholder") == "0.01"
    assert page.locator(".pg-lr_adam input").is_visible()
    assert not page.locator(".pg-lr_momentum input").is_visible()
    box.fill("0.3")
    box.press("Enter")
    wait_for_query(page, "lr_sgd", "0.3")
    wait_until(page, lambda: "0.3" in page.locator(".pg-race-lr").all_inner_texts(),
               CHANGE_TIMEOUT_S, "SGD's α in the race table")
    box.fill("")  # emptied: the lab's α again, the box empty (it read "NaNeNaN")
    box.press("Enter")
    wait_for_query(page, "lr_sgd", None)
    assert box.input_value() == ""
    assert_no_errors(page)


def test_the_loss_chart_goes_to_a_log_scale_in_place(page, server_url):
    """The check box swaps the chart's own scale (BokehJS redraws it): its ticks become
    powers of ten and the link carries it."""
    open_lab(page, server_url + "?lab=mlp&dataset=xor&layers=4&epoch=40")
    wait_until(page, lambda: number(page, "pg-epoch") == 40, CHANGE_TIMEOUT_S, "epoch 40")
    scale = """(title) => { const fig = Array.from(Bokeh.documents[0].all_models).find((m) =>
        m.title != null && m.title.text === title);
      return [fig.y_scale.constructor.__name__, fig.y_range.start]; }"""
    title = tr("mlp.plot.loss")
    assert page.evaluate(scale, title)[0] == "LinearScale"
    page.get_by_label(tr("mlp.log_loss"), exact=True).check()
    wait_for_query(page, "log_loss", "1")
    wait_until(page, lambda: page.evaluate(scale, title)[0] == "LogScale", CHANGE_TIMEOUT_S,
               "the loss chart's log scale")
    assert page.evaluate(scale, title)[1] > 0
    assert_no_errors(page)


def test_in_lecture_mode_the_larger_diagram_still_selects_the_edge_clicked(page, server_url):
    """Lecture mode draws the network's diagram LECTURE_SCALE times larger (its text
    read from the back of a hall); a click on an edge still selects that edge."""
    from playground.labs.mlp.network import FIG_W, LECTURE_SCALE

    open_lab(page, server_url + "?lab=mlp&dataset=xor&layers=4&present=1")
    width = page.evaluate("""() => {
      const doc = Bokeh.documents[0];
      const edges = doc.get_model_by_name('pg-network-edges');
      const fig = Array.from(doc.all_models).find((m) => m.renderers != null &&
          m.x_range != null && m.renderers.some((r) => r.data_source === edges));
      return Bokeh.index.find_one(fig).canvas_view.el.getBoundingClientRect().width; }""")
    assert FIG_W * 1.2 < width <= FIG_W * LECTURE_SCALE + 2, width  # the window: 1280
    edges = page.evaluate(_DIAGRAM_EDGES)
    k, x, y = edge_to_click(np.asarray(edges["ends"]))
    page.mouse.click(x, y)
    weight_input = page.locator(".pg-weight-input input")
    wait_until(page, lambda: weight_input.is_enabled(), CHANGE_TIMEOUT_S,
               "a click on an edge to select its weight")
    label = page.locator(".pg-weight-label").inner_text()
    assert edges["src"][k] in label and edges["dst"][k] in label, (label, k)
    assert_no_errors(page)


def test_editing_a_weight(page, server_url):
    open_lab(page, server_url + "?lab=mlp&dataset=xor&layers=4")
    before = heat_map(page)
    edges = page.evaluate(_DIAGRAM_EDGES)
    ends = np.asarray(edges["ends"])
    assert len(ends) == 2 * 4 + 4 * 2  # x₁, x₂ → 4 neurons → 2 classes
    k, x, y = edge_to_click(ends)
    weight_input = page.locator(".pg-weight-input input")
    assert weight_input.is_disabled()  # nothing selected yet

    page.mouse.click(x, y)
    wait_until(page, lambda: weight_input.is_enabled(), CHANGE_TIMEOUT_S,
               "a click on an edge to select its weight")
    label = page.locator(".pg-weight-label").inner_text()
    assert edges["src"][k] in label and edges["dst"][k] in label, (label, k)
    assert "<b>" not in label and "<" not in label, label  # the names bold, no tag shown
    assert page.locator(".pg-weight-label b").count() == 2
    wait_until(page, lambda: weight_input.input_value() != "", CHANGE_TIMEOUT_S,
               "the weight's value in the input")
    assert float(weight_input.input_value()) == pytest.approx(edges["w"][k], abs=1e-4)

    new = -4.0 if edges["w"][k] > 0 else 4.0
    type_into(weight_input, str(new))
    wait_until(page, lambda: np.abs(heat_map(page) - before).max() > 0.01, CHANGE_TIMEOUT_S,
               "the heat map of the edited network")
    wait_until(page, lambda: page.evaluate(_DIAGRAM_EDGES)["w"][k] == new, CHANGE_TIMEOUT_S,
               "the diagram's edge to show the new weight")
    assert number(page, "pg-epoch") == 0  # the same network, edited: no reset
    edited = heat_map(page)
    assert not page.locator(".pg-weight-message").is_visible()

    # A value out of range: a message, and the network stays as it was.
    type_into(weight_input, "1e9")
    message = page.locator(".pg-weight-message")
    wait_until(page, lambda: message.is_visible(), CHANGE_TIMEOUT_S, "the weight's message")
    assert "1000000000 is outside the range" in message.inner_text(), message.inner_text()
    # The box goes back to the weight in use, as every number box does.
    wait_until(page, lambda: float(weight_input.input_value()) == new, CHANGE_TIMEOUT_S,
               "the box back at the weight in use")
    page.wait_for_timeout(500)
    np.testing.assert_array_equal(heat_map(page), edited)
    assert page.evaluate(_DIAGRAM_EDGES)["w"][k] == new

    # A layer the network does not have: nothing selected, an empty box (not "NaN").
    type_into(page.locator(".pg-pick-layer input"), "4")
    wait_until(page, lambda: weight_input.is_disabled(), CHANGE_TIMEOUT_S, "no weight chosen")
    assert weight_input.input_value() == ""
    assert_no_errors(page)


def test_an_edited_weight_is_in_the_link_and_back_and_forward_restore_it(page, new_page,
                                                                        server_url):
    """The weight typed goes into the link (``edits``): a page opened from it shows the
    edited network; Back shows it unedited, Forward edited again."""
    open_lab(page, server_url + "?lab=mlp&dataset=xor&layers=4")
    before = heat_map(page)
    for css, text in (("pg-pick-layer", "1"), ("pg-pick-from", "2"), ("pg-pick-to", "3")):
        type_into(page.locator(f".{css} input"), text)
    weight_input = page.locator(".pg-weight-input input")
    wait_until(page, lambda: weight_input.is_enabled(), CHANGE_TIMEOUT_S, "weight selected")
    type_into(weight_input, "-3")
    edits = lambda p: parse_qs(urlsplit(p.url).query).get("edits")  # noqa: E731
    wait_until(page, lambda: edits(page) == ["0:1:2:3:-3"], CHANGE_TIMEOUT_S,
               "the edit in the link")
    wait_until(page, lambda: np.abs(heat_map(page) - before).max() > 0.01, CHANGE_TIMEOUT_S,
               "the heat map of the edited network")
    edited = heat_map(page)
    other = new_page()
    open_lab(other, page.url)
    wait_until(other, lambda: np.allclose(heat_map(other), edited, atol=1e-6),
               CHANGE_TIMEOUT_S, "the linked page's network, edited")
    page.go_back()
    wait_until(page, lambda: edits(page) is None and np.allclose(heat_map(page), before,
                                                                 atol=1e-6),
               NETWORK_TIMEOUT_S, "Back: the network unedited")
    page.go_forward()
    wait_until(page, lambda: edits(page) == ["0:1:2:3:-3"] and np.allclose(
        heat_map(page), edited, atol=1e-6), NETWORK_TIMEOUT_S, "Forward: edited again")
    assert_no_errors(page)
    assert_no_errors(other)


def width_boxes(page) -> list[int]:
    """The values in the neuron-count boxes, one per hidden layer."""
    values = []
    while (box := page.locator(f".pg-layer-width-{len(values)} input")).count():
        values.append(int(box.input_value()))
    return values


def test_layer_buttons(page, server_url):
    first = open_lab(page, server_url + "?lab=mlp&dataset=xor&layers=4")
    one_layer = heat_map(page)
    n_edges = lambda: len(page.evaluate(_DIAGRAM_EDGES)["w"])
    assert width_boxes(page) == [4]
    assert n_edges() == 2 * 4 + 4 * 2

    change_picture(page, lambda: page.locator(".pg-add-layer button").click(), "+ layer",
                   HEAT_MAP_CHANGE, NETWORK_TIMEOUT_S,
                   ready=lambda: np.abs(heat_map(page) - one_layer).max() > 0.05)
    wait_for_query(page, "layers", "4,4")
    wait_until(page, lambda: width_boxes(page) == [4, 4], CHANGE_TIMEOUT_S,
               "a second neuron-count box")
    wait_until(page, lambda: n_edges() == 2 * 4 + 4 * 4 + 4 * 2, CHANGE_TIMEOUT_S,
               "the diagram's new layer")
    assert np.abs(heat_map(page) - one_layer).max() > 0.05, "+ layer: the same heat map"
    assert page.locator(".pg-layers input").input_value() == "4,4"

    two_layers = heat_map(page)
    _, back = change_picture(page, lambda: page.locator(".pg-remove-layer button").click(),
                             "− layer", HEAT_MAP_CHANGE, NETWORK_TIMEOUT_S,
                             ready=lambda: np.abs(heat_map(page) - two_layers).max() > 0.05)
    wait_for_query(page, "layers", "4")
    wait_until(page, lambda: width_boxes(page) == [4], CHANGE_TIMEOUT_S,
               "one neuron-count box again")
    wait_until(page, lambda: n_edges() == 2 * 4 + 4 * 2, CHANGE_TIMEOUT_S,
               "the diagram without the layer")
    np.testing.assert_allclose(heat_map(page), one_layer)  # the same seed, the same network
    assert changed(first, back) < 0.001
    assert_no_errors(page)


def test_schedule_shows_the_learning_rate_now(page, server_url):
    page.goto(server_url + "?lab=mlp&dataset=xor&lr=0.03", wait_until="load")
    page.locator(".pg-epoch").wait_for(state="visible", timeout=60_000)
    assert pane_text(page, "pg-lr-now") == ""  # constant: nothing to show
    page.locator(".pg-schedule select").select_option(label=tr("mlp.schedule.step", "en"))
    wait_until(page, lambda: pane_text(page, "pg-lr-now") != "", CHANGE_TIMEOUT_S,
               "the α now readout")
    assert pane_text(page, "pg-lr-now") == tr("mlp.lr_now", "en", lr="0.03")
    wait_for_query(page, "schedule", "step")
    assert_no_errors(page)
