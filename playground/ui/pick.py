"""A tap on lines that overlap picks one: the nearest to the click.

Bokeh's tap tool selects every line of a ``multi_line`` that passes within a few pixels
of the click: on the bias–variance lab's fits (a hundred curves, close together) one
click selected four fits, all drawn in the selection's colour, while the page showed the
points of only one.  :func:`pick_nearest_line` gives the tap tool a callback that keeps
the one nearest to the click (in screen pixels: the distance to each segment), in the
live page and in its static export alike.
"""

from __future__ import annotations

from bokeh.models import CustomJS, TapTool

#: ``cb_data``: the click (``geometries.x``, ``.y``: data units) and the tapped source,
#: whose ``selected.indices`` the tap just set; ``plot``: for the pixels per unit.
NEAREST_LINE_JS = """
const hits = cb_data.source.selected.indices;
if (hits.length < 2) return;
const {x, y} = cb_data.geometries, data = cb_data.source.data;
const xr = plot.x_range, yr = plot.y_range;
const kx = (plot.inner_width || 1) / ((xr.end - xr.start) || 1);
const ky = (plot.inner_height || 1) / ((yr.end - yr.start) || 1);
let best = hits[0], least = Infinity;
for (const i of hits) {
  const xs = data.xs[i], ys = data.ys[i];
  for (let k = 0; k + 1 < xs.length; k++) {
    const ax = (xs[k] - x) * kx, ay = (ys[k] - y) * ky;
    const dx = (xs[k + 1] - x) * kx - ax, dy = (ys[k + 1] - y) * ky - ay;
    if (!Number.isFinite(ax + ay + dx + dy)) continue;  // a gap in the line
    const len = dx * dx + dy * dy;
    const t = len > 0 ? Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len)) : 0;
    const px = ax + t * dx, py = ay + t * dy, d = px * px + py * py;
    if (d < least) { least = d; best = i; }
  }
}
cb_data.source.selected.indices = [best];
"""


def pick_nearest_line(plot, renderer) -> TapTool:
    """``plot``'s tap tool selects one line of ``renderer`` (a ``multi_line``): of those
    the click hits, the nearest.  Returns the tool."""
    tool = plot.select_one(TapTool)
    tool.renderers = [renderer]
    tool.callback = CustomJS(args={"plot": plot}, code=NEAREST_LINE_JS)
    return tool
