"""The MLP lab in a real browser: play trains, and each control changes the picture.

"The picture" is what the page shows: a screenshot of the decision-boundary plot's
frame (the Bokeh figure drawing the ``pg-boundary-image`` heat map), compared pixel
by pixel before and after a change.  The heat map's data is read from the page too
(``Bokeh.documents[0].get_model_by_name('pg-boundary-image')``) to tell a new
network from a new colouring or new points.  Every page ends without console errors.
"""

from __future__ import annotations

import io
import time
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from PIL import Image

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]

#: A pixel differs when one of its channels moved by more than this (of 255).
PIXEL_TOLERANCE = 24
#: Fractions of the plot's frame that must change: new points only, or a new heat map.
POINTS_CHANGE = 0.02
HEAT_MAP_CHANGE = 0.10
CHANGE_TIMEOUT_S = 20.0

#: JS: the boundary figure's frame (the plotting area) in page coordinates, in view.
_BOUNDARY_FRAME = """() => {
  if (!window.Bokeh || !Bokeh.documents || Bokeh.documents.length === 0) return null;
  const doc = Bokeh.documents[0];
  const image = doc.get_model_by_name('pg-boundary-image');
  if (image == null) return null;
  const fig = Array.from(doc.all_models).find((m) => m.renderers != null && m.x_range != null &&
      m.renderers.some((r) => r.data_source === image));
  const view = fig == null ? null : Bokeh.index.find_one(fig);
  if (view == null) return null;
  view.canvas_view.el.scrollIntoView({block: 'nearest'});
  const box = view.canvas_view.el.getBoundingClientRect();
  const f = view.frame.bbox;
  if (f.width < 10 || f.height < 10) return null;
  return {x: box.left + f.left, y: box.top + f.top, width: f.width, height: f.height};
}"""

_HEAT_MAP = """() => Array.from(
  Bokeh.documents[0].get_model_by_name('pg-boundary-image').data.image[0])"""


def number(page, css_class: str) -> float:
    return float(page.locator(f".{css_class}").inner_text().strip())


def wait_until(page, condition, timeout_s: float, what: str):
    """Poll ``condition()`` (Playwright locators pierce Panel's shadow DOM; JS does not)."""
    for _ in range(int(timeout_s * 4)):
        try:
            if condition():
                return
        except ValueError:  # text not there yet
            pass
        page.wait_for_timeout(250)
    raise AssertionError(f"timed out waiting for {what}")


def assert_no_errors(page):
    assert page.errors == [], "console or page errors:\n" + "\n".join(page.errors)


def query_of(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def wait_for_query(page, key: str, value: str | None, timeout_s: float = CHANGE_TIMEOUT_S):
    """Until the link has ``key=value`` (``value`` None: until it has no ``key``)."""
    wait_until(page, lambda: query_of(page).get(key) == value, timeout_s,
               f"the link to have {key}={value}")


# -- the picture -------------------------------------------------------------------


def picture(page) -> np.ndarray:
    """The boundary plot's frame as shown, (height, width, 3) ints."""
    clip = page.evaluate(_BOUNDARY_FRAME)
    assert clip is not None, "the decision-boundary plot is not drawn"
    png = page.screenshot(clip=clip)
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def changed(a: np.ndarray, b: np.ndarray) -> float:
    """The fraction of pixels that differ between two pictures."""
    if a.shape != b.shape:
        return 1.0
    return float((np.abs(a - b).max(axis=2) > PIXEL_TOLERANCE).mean())


def settled_picture(page, timeout_s: float = CHANGE_TIMEOUT_S) -> np.ndarray:
    """The picture once two looks 250 ms apart agree (no redraw under way)."""
    deadline = time.monotonic() + timeout_s
    last = picture(page)
    while time.monotonic() < deadline:
        page.wait_for_timeout(250)
        now = picture(page)
        if changed(last, now) == 0.0:
            return now
        last = now
    raise AssertionError("the decision-boundary plot kept changing")


def heat_map(page) -> np.ndarray:
    return np.asarray(page.evaluate(_HEAT_MAP), dtype=np.float64)


def open_lab(page, url: str) -> np.ndarray:
    """Open the lab at ``url`` (a query) and return its first settled picture."""
    page.goto(url, wait_until="load")
    page.locator(".pg-epoch").wait_for(state="visible", timeout=60_000)
    wait_until(page, lambda: page.evaluate(_BOUNDARY_FRAME) is not None, 30,
               "the decision-boundary plot")
    return settled_picture(page)


def change_picture(page, action, what: str, at_least: float) -> tuple[np.ndarray, np.ndarray]:
    """Run ``action()``; the picture must change in ≥ ``at_least`` of its pixels.

    Returns the settled pictures before and after.
    """
    before = settled_picture(page)
    action()
    fraction = 0.0
    deadline = time.monotonic() + CHANGE_TIMEOUT_S
    while time.monotonic() < deadline:
        page.wait_for_timeout(200)
        fraction = changed(before, picture(page))
        if fraction >= at_least:
            break
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
    page.goto(server_url + "?lab=mlp&dataset=xor&layers=8&optimizer=adam&lr=0.03",
              wait_until="load")
    page.locator(".pg-epoch").wait_for(state="visible", timeout=60_000)
    wait_until(page, lambda: number(page, "pg-epoch") == 0, 60, "epoch 0")
    # The epoch-0 losses are shown before any training.
    wait_until(page, lambda: number(page, "pg-train-loss") > 0, 60, "the first loss")
    first_loss = number(page, "pg-train-loss")

    page.locator(".pg-play button").click()
    wait_until(page, lambda: number(page, "pg-epoch") >= 40, 90, "40 epochs")
    page.locator(".pg-play button").click()  # pause
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
        ("activation relu", lambda: page.get_by_label("Activation").select_option("relu"),
         HEAT_MAP_CHANGE, ("activation", "relu"), True),
        # A new data set keeps the network's start (the same seed): its points move.
        ("data set spiral", lambda: page.get_by_label("Data set").select_option(label="Spiral"),
         POINTS_CHANGE, ("dataset", "spiral"), False),
        ("noise 50 %", lambda: page.locator(".pg-noise .noUi-handle").press("End"),
         POINTS_CHANGE, ("noise", "50"), False),
        ("seed 7", lambda: type_into(page.get_by_label("Seed"), "7"),
         HEAT_MAP_CHANGE, ("seed", "7"), True),
        ("the over-fitting lesson", lambda: page.locator(".pg-preset-overfit button").click(),
         HEAT_MAP_CHANGE, ("layers", "32,32,32"), True),
    ]
    for what, action, at_least, (key, value), new_network in steps:
        old = heat_map(page)
        change_picture(page, action, what, at_least)
        wait_for_query(page, key, value)
        assert number(page, "pg-epoch") == 0, what  # a fresh network
        if new_network:
            assert np.abs(heat_map(page) - old).max() > 0.05, f"{what}: the same heat map"
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
