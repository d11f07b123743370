"""How a page's plots are painted: BokehJS's CSS-variable lookups skipped.

BokehJS (3.9) reads each visual property of everything it paints (a line's colour,
width and dash, a fill, every text of an axis, a legend, a title) first from a CSS
variable, ``getComputedStyle(view.el).getPropertyValue("--bk-…")``, so that a stylesheet
may override it (bokeh/bokeh#15286).  No stylesheet of this project, Panel's or
Bokeh's sets any ``--bk-`` variable, so every lookup answers "" and the property's own
value is used; but each lookup makes the browser bring the page's styles up to date
first, and a page that changes as it trains (readouts, the heat map, the curves)
recomputes them several times a frame.  Measured on an MLP page (Chromium, this
project's 2-core machine, benchmarks/README.md "fortieth session"): opening it,
the renderer's main thread 1.32–1.45 → 1.19–1.31 s; playing it, Chromium's CPU for
8 s of play 6.39 → 6.10 s (mean of four).

:data:`SKIP_CSS_VARIABLES_JS` makes the lookup answer "" at once; a page runs it when
its document is ready (:func:`skip_css_variables`), before a lab's plots join it.  A
BokehJS without the method (another version) is left as it is.  Remove once BokehJS
caches the lookups (bokeh/bokeh#15205).
"""

from __future__ import annotations

from bokeh.models import CustomJS

#: Makes ``VisualProperties._get_css_value`` answer "" (no ``--bk-`` variable is set).
SKIP_CSS_VARIABLES_JS = """
let visual = null;
try {
  visual = Bokeh.require('core/visuals/visual');
} catch (e) {  // a BokehJS without the module: nothing to skip
  return;
}
const proto = visual && visual.VisualProperties && visual.VisualProperties.prototype;
if (proto == null || typeof proto._get_css_value !== 'function' || proto._get_css_value.pgSkip)
  return;
const skip = function () { return ''; };
skip.pgSkip = true;
proto._get_css_value = skip;
"""


def skip_css_variables(doc) -> None:
    """Run :data:`SKIP_CSS_VARIABLES_JS` in ``doc``'s page when it is ready (once per
    page: BokehJS is the page's own)."""
    doc.js_on_event("document_ready", CustomJS(code=SKIP_CSS_VARIABLES_JS))
