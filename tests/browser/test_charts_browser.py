"""The charts' keys and points in a real browser at 1280 × 720 (issue #11, review).

* the MLP lab's best-epoch marker (a dashed line) has its entry in each chart's legend,
  drawn as the marker is, in both languages, and the two charts' frames are equally wide
  (their legends hold the same entries: Chinese's long "best epoch" was in one alone);
* a curve of one point (the MLP lab at epoch 0, a run stopped at its first step in the
  optimizer lab) is drawn as a dot on a step axis from 0 (it drew nothing on −1 … 1);
* the plots are painted without BokehJS's CSS-variable lookups (``ui.paint``).
"""

from __future__ import annotations

import pytest

from playground.text import tr

from .helpers import open_page, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

#: JS: the shown figure titled ``title``: its ranges, its visible legend entries (label, the
#: first renderer's colour and dash), its height-spanning Spans, its visible renderers
#: (glyph type, number of points) and its legend's box and canvas size (canvas pixels).
CHART = """(title) => {
  if (!window.Bokeh || !Bokeh.documents || Bokeh.documents.length === 0) return null;
  const doc = Bokeh.documents[0];
  const fig = Array.from(doc.all_models).find((m) => m.renderers != null &&
      m.title != null && m.title.text === title);
  if (fig == null) return null;
  const view = Bokeh.index.find_one(fig);
  if (view == null || !view.canvas_view.el.checkVisibility()) return null;
  const v = (x) => (x != null && typeof x === 'object' && 'value' in x) ? x.value : x;
  const parts = [...fig.right, ...fig.below, ...fig.left, ...fig.above, ...fig.center];
  const legend = parts.find((m) => m.items != null);
  const lv = legend == null ? null : Bokeh.index.find_one(legend);
  const style = (g) => ({color: v(g.line_color), dash: JSON.stringify(v(g.line_dash))});
  return {
    x_range: [fig.x_range.start, fig.x_range.end],
    y_range: [fig.y_range.start, fig.y_range.end],
    items: legend == null ? [] : legend.items.filter((i) => i.visible).map((i) => ({
      label: v(i.label), ...style(i.renderers[0].glyph)})),
    spans: fig.center.filter((m) => m.dimension === 'height' && 'location' in m)
      .filter((m) => m.visible).map((m) => ({location: m.location, ...style(m)})),
    renderers: fig.renderers.filter((r) => r.visible && r.data_source != null).map((r) => ({
      type: r.glyph.type, n: r.data_source.get_length()})),
    legend: lv == null ? null : [lv.bbox.left, lv.bbox.top, lv.bbox.right, lv.bbox.bottom],
    canvas: [view.canvas_view.bbox.width, view.canvas_view.bbox.height],
    frame_width: view.frame.bbox.width,
    frame_left: view.el.getBoundingClientRect().left + view.frame.bbox.left,
  };
}"""


def chart(page, title: str, timeout_s: float = 90):
    wait_until(page, lambda: page.evaluate(CHART, title) is not None, timeout_s, title)
    return page.evaluate(CHART, title)


def inside(box, canvas) -> bool:
    left, top, right, bottom = box
    return left >= 0 and top >= 0 and right <= canvas[0] + 0.5 and bottom <= canvas[1] + 0.5


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_best_epoch_marker_has_its_legend_entry(new_page, server_url, lang):
    # (the marker waits for a trained epoch: the link trains 20)
    page = open_page(new_page, f"{server_url}?lab=mlp&lang={lang}&epoch=20")
    wait_until(page, lambda: len(chart(page, tr("mlp.plot.loss", lang))["spans"]) == 1, 60,
               "the best epoch's marker")
    charts = [chart(page, tr(title, lang)) for title in ("mlp.plot.loss", "mlp.plot.accuracy")]
    for fig in charts:
        [marker] = fig["spans"]
        entries = {item["label"]: item for item in fig["items"]}
        key = entries[tr("mlp.plot.best", lang)]
        assert (key["color"], key["dash"]) == (marker["color"], marker["dash"])
        assert key["dash"] not in ("null", '"solid"', "[]")  # drawn dashed, as the marker is
        assert inside(fig["legend"], fig["canvas"])  # the whole legend is on the canvas
    assert charts[0]["spans"][0]["location"] == charts[1]["spans"][0]["location"]
    # Equal legends, equal frames: one above the other, their epochs line up.
    assert charts[0]["frame_width"] == pytest.approx(charts[1]["frame_width"], abs=1)
    assert page.errors == []


@pytest.mark.parametrize("query", ["lab=mlp", "lab=mlp&lang=zh", "lab=mlp&present=1"])
def test_the_two_charts_epochs_line_up_from_epoch_0(new_page, server_url, query):
    """At epoch 0 the loss axis's labels (0.86 … 0.92) were wider than the accuracy's
    (0 … 1): one frame started 6 px right of the other (11 px in lecture mode's 20-px
    type), one above the other."""
    page = open_page(new_page, f"{server_url}?{query}")
    lang = "zh" if "lang=zh" in query else "en"
    charts = [chart(page, tr(title, lang)) for title in ("mlp.plot.loss", "mlp.plot.accuracy")]
    assert charts[0]["frame_left"] == pytest.approx(charts[1]["frame_left"], abs=1), charts
    assert charts[0]["frame_width"] == pytest.approx(charts[1]["frame_width"], abs=1), charts
    assert page.errors == []


def dots(fig) -> list[dict]:
    return [r for r in fig["renderers"] if r["type"] == "Scatter"]


#: JS run before the page's own: counts the page's reads of ``--bk-`` CSS variables.
COUNT_CSS_VARIABLE_READS = """
window.pgCssVariableReads = 0;
const read = CSSStyleDeclaration.prototype.getPropertyValue;
CSSStyleDeclaration.prototype.getPropertyValue = function (name) {
  if (String(name).startsWith('--bk-')) window.pgCssVariableReads++;
  return read.call(this, name);
};"""


def test_a_curve_of_one_point_is_a_dot_on_an_axis_from_0(new_page, server_url):
    page = open_page(new_page, f"{server_url}?lab=mlp", init_script=COUNT_CSS_VARIABLE_READS)
    for title in ("mlp.plot.loss", "mlp.plot.accuracy"):
        fig = chart(page, tr(title))
        assert fig["x_range"] == pytest.approx([-0.02, 1]), title
        assert [d["n"] for d in dots(fig)] == [1, 1], title  # training and validation
    page.locator(".pg-step button, button:has-text('+1 epoch')").first.click()
    wait_until(page, lambda: chart(page, tr("mlp.plot.loss"))["x_range"][1] == 1
               and dots(chart(page, tr("mlp.plot.loss"))) == [], 60, "the lines")
    # Every plot painted twice, and not one CSS-variable lookup (``ui.paint``): each
    # made the browser recompute the page's styles.
    assert page.evaluate("window.pgCssVariableReads") == 0
    assert page.errors == []


def test_a_run_stopped_at_its_first_step_is_a_dot(new_page, server_url):
    """sqrt(x) + y² from (0, 1): the gradient is undefined at the start."""
    page = open_page(new_page, f"{server_url}?lab=optimizers&surface=custom"
                               "&expr=sqrt(x)%2By**2&x0=0&y0=1&optimizers=momentum&steps=5")
    fig = chart(page, tr("plot.loss"))
    assert fig["x_range"] == pytest.approx([-0.02, 1])  # only step 0 exists, seen whole
    assert [d["n"] for d in dots(fig)] == [1]
    assert page.errors == []


def test_the_legends_numbers_are_written_as_number_text_writes_them(page):
    """``pgPlain`` (the optimizer legends', live and exported) is ``number_text(v, 4)``'s
    twin: one column of losses reads ``4.056×10⁻⁴`` beside ``8.691×10⁻⁵`` (it wrote
    ``0.0004056``), and the edges of each form agree (exact ties aside: JavaScript
    rounds 1234.5 up, Python to even)."""
    from playground.ui.axes import PLAIN_JS
    from playground.ui.widgets import number_text

    values = [0.0004056, 8.691e-5, 0.001234, 0.00099996, 0.0009999, 0.12345, 1234.56,
              9999.6, 12345.6, -0.0004, 0.0, 1e-3, 3e-9, 2.5, 1e21, -1.5, -2e-7]
    written = page.evaluate("(values) => {" + PLAIN_JS + "\nreturn values.map(pgPlain)}",
                            values)
    assert written == [number_text(v, 4) for v in values]
    assert written[:2] == ["4.056×10⁻⁴", "8.691×10⁻⁵"]
