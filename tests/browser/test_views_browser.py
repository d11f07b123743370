"""What users see in both labs (issue #11 §3, §5), in a real browser at 1280 × 720.

* an upload at [20, 80]² is framed: the heat map's figure, its image and the points share
  the data's frame, and the normalisation is said under the picture;
* three classes trained a while: the confident regions are painted in their class's
  strongest shade (screenshot pixels at cell centres, against the heat map's values);
* the optimizer lab's legend sits below the surface's frame, never over a trajectory, whole
  on its canvas and above the fold of a 1280 × 720 screen, six optimizers included;
  after a divergence the loss axis stays on the other curves and the critical-point
  panel names the last finite iterate.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from playground.ui.palettes import HEATMAP_STRENGTH, class_color, mix

from .helpers import open_page, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

#: JS: the plot drawing the source named ``name``: its ranges, its image glyph and its
#: frame in page pixels (null until drawn).
_PLOT = """(name) => {
  if (!window.Bokeh || !Bokeh.documents || Bokeh.documents.length === 0) return null;
  const doc = Bokeh.documents[0];
  const source = doc.get_model_by_name(name);
  if (source == null) return null;
  const fig = Array.from(doc.all_models).find((m) => m.renderers != null && m.x_range != null &&
      m.renderers.some((r) => r.data_source === source));
  const view = fig == null ? null : Bokeh.index.find_one(fig);
  if (view == null || !view.canvas_view.el.checkVisibility()) return null;
  view.canvas_view.el.scrollIntoView({block: 'nearest'});
  const image = fig.renderers.find((r) => r.data_source === source).glyph;
  const box = view.canvas_view.el.getBoundingClientRect();
  const f = view.frame.bbox;
  return {x_range: [fig.x_range.start, fig.x_range.end],
          y_range: [fig.y_range.start, fig.y_range.end],
          image: [image.x, image.y, image.dw, image.dh].map((v) => v.value ?? v),
          values: Array.from(source.data.image[0]),
          frame: {x: box.left + f.left, y: box.top + f.top, width: f.width, height: f.height}};
}"""
BOUNDARY = "pg-boundary-image"




def csv_far_away() -> bytes:
    rng = np.random.default_rng(0)
    points = rng.uniform(20, 80, size=(200, 2))
    inside = ((points - 50) ** 2).sum(axis=1) < 400
    rows = "\n".join(f"{x:.3f},{y:.3f},{int(c)}" for (x, y), c in zip(points, inside,
                                                                        strict=True))
    return ("x1,x2,label\n" + rows).encode()


def test_an_upload_far_from_the_origin_is_framed_and_its_normalisation_said(new_page,
                                                                            server_url):
    page = open_page(new_page, f"{server_url}?lab=mlp&normalise=true")
    wait_until(page, lambda: page.evaluate(_PLOT, BOUNDARY) is not None, 60, "the heat map")
    upload = page.locator(".pg-upload input[type=file]")
    upload.set_input_files({"name": "far.csv", "mimeType": "text/csv",
                            "buffer": csv_far_away()})
    wait_until(page, lambda: page.evaluate(_PLOT, BOUNDARY)["x_range"][0] > 10, 30,
               "the heat map framed on the upload")
    plot = page.evaluate(_PLOT, BOUNDARY)
    x0, x1 = plot["x_range"]
    y0, y1 = plot["y_range"]
    assert 10 < x0 < 20 and 80 < x1 < 90 and 10 < y0 < 20 and 80 < y1 < 90
    assert plot["image"] == pytest.approx([x0, y0, x1 - x0, y1 - y0])
    # What users see: the points in the frame (class 1's blue and class 0's orange).
    png = page.screenshot(clip=plot["frame"])
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)
    for color in (class_color(0), class_color(1)):
        rgb = np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(pixels - rgb).max(axis=2) < 30).sum() > 200, color
    note = page.locator(".pg-normalised").first  # the single network's (the race's next)
    note.wait_for(state="visible", timeout=20_000)
    text = note.evaluate("e => Array.from(e.shadowRoot.children).filter((c) => "
                         "c.tagName === 'DIV').map((c) => c.innerText).join(' ')")
    assert "x₁: μ = 5" in text and "normalised" in text
    assert page.errors == []


def test_three_classes_trained_a_while_are_not_painted_white(new_page, server_url):
    page = open_page(new_page, f"{server_url}?lab=mlp&dataset=three_class")
    wait_until(page, lambda: page.evaluate(_PLOT, BOUNDARY) is not None, 60, "the heat map")
    page.locator(".pg-play button, button:has-text('Play')").first.click()
    wait_until(page, lambda: int(page.locator(".pg-epoch").inner_text()) >= 300, 120,
               "300 epochs")
    page.locator("button:has-text('Pause')").first.click()
    page.wait_for_timeout(1500)
    plot = page.evaluate(_PLOT, BOUNDARY)
    values = np.asarray(plot["values"], float).reshape(80, 80)  # as sent: k + p − 1/96
    v = values + 0.5 / 48
    k = np.clip(np.ceil(v - 1e-6) - 1, 0, 2).astype(int)
    p = v - k
    png = page.screenshot(clip=plot["frame"])
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)
    h, w, _ = pixels.shape
    confident = np.argwhere(p > 0.995)
    assert len(confident) > 0.3 * 80 * 80
    right = 0
    for i, j in confident:
        y = int(h - (i + 0.5) * h / 80)
        x = int((j + 0.5) * w / 80)
        want = mix(class_color(int(k[i, j])), HEATMAP_STRENGTH)
        rgb = np.array([int(want[n:n + 2], 16) for n in (1, 3, 5)])
        right += int(np.abs(pixels[y, x] - rgb).max() <= 12)
    assert right >= 0.85 * len(confident)  # the rest are under data points
    assert page.errors == []


_LEGEND_AND_FRAME = """() => {
  if (!window.Bokeh || !Bokeh.documents || Bokeh.documents.length === 0) return null;
  const doc = Bokeh.documents[0];
  const legend = Array.from(doc.all_models).find((m) => m.type === 'Legend' ||
      (m.constructor && m.constructor.name === 'Legend'));
  const fig = Array.from(doc.all_models).find((m) => m.below != null &&
      m.below.includes(legend));
  if (legend == null || fig == null) return null;
  const fv = Bokeh.index.find_one(fig);
  const lv = Bokeh.index.find_one(legend);
  if (fv == null || lv == null) return null;
  const f = fv.frame.bbox, l = lv.bbox;
  const c = fv.canvas_view.el.getBoundingClientRect();
  return {frame: [f.left, f.top, f.right, f.bottom], legend: [l.left, l.top, l.right, l.bottom],
          items: legend.items.length, canvas: [c.left, c.top + window.scrollY, c.width, c.height],
          labels: legend.items.map((i) => i.label.value ?? i.label)};
}"""


@pytest.mark.parametrize("query", [
    "surface=himmelblau&optimizers=sgd,momentum,nesterov,adagrad,rmsprop,adam",
    "surface=ravine&optimizers=sgd,momentum,nesterov,adagrad,rmsprop,adam&sgd_lr=1.2",
])
def test_the_legend_is_below_the_surface_and_a_divergence_keeps_the_loss_axis(
        new_page, server_url, query):
    page = open_page(new_page, f"{server_url}?lab=optimizers&{query}")
    wait_until(page, lambda: (page.evaluate(_LEGEND_AND_FRAME) or {}).get("items") == 6, 60,
               "six legend items")
    box = page.evaluate(_LEGEND_AND_FRAME)
    assert box["legend"][1] >= box["frame"][3]  # its top is below the frame's bottom
    # The whole legend is on the canvas (the longest label, "Adam: L = 1.091×10⁻¹¹", was
    # cut at its right edge) and above the fold of a 1280 × 720 screen.
    left, top, width, height = box["canvas"]
    assert box["legend"][0] >= 0 and box["legend"][2] <= width and box["legend"][3] <= height
    assert top + box["legend"][3] <= 720, (top, box["legend"])
    assert any("×10" in label for label in box["labels"]) or "sgd_lr" in query
    if "sgd_lr" in query:
        loss_range = page.evaluate("""() => {
          const doc = Bokeh.documents[0];
          const s = doc.get_model_by_name('full_momentum');
          const fig = Array.from(doc.all_models).find((m) => m.y_range != null &&
              m.y_range.start != null && m.title != null && m.title.text === 'Loss vs step');
          return [fig.y_range.start, fig.y_range.end, Math.max(...s.data.loss)];
        }""")
        start, end, momentum_max = loss_range
        assert end < 10 and end >= momentum_max  # not 10¹⁰: the others stay readable
        critical = page.get_by_text("last finite iterate").first
        critical.wait_for(state="visible", timeout=60_000)
        assert "SGD's last finite iterate, step 10 (it diverged at step 11)" in (
            critical.inner_text())
    assert page.errors == []
