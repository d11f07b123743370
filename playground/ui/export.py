"""Figures out of the page: each plot as PNG (1×, 2×, 3×) or SVG, and a whole lab view
(its plots, their legends and a caption of the settings) as one PNG.

Everything is drawn in the browser by Bokeh's own export machinery, with no message to
the server for a plot: a plot's view (``Bokeh.index.find_one(model)``) paints itself
into a fresh canvas (``view.export("png")``; its pixel ratio is ``devicePixelRatio``,
which ``EXPORT_JS`` sets to the scale asked for while it paints) or into an SVG context
(``view.export("svg")``), and the result is saved through an ``<a download>``.

A lab offers this with one call per plot, ``with_downloads(pane, name, state)``: a
small "Download" menu (a Bokeh ``Dropdown``) placed above the plot, whose figure is
tagged ``pg-export`` and ``pg-export:NAME``; the menu's last item, "Figure", asks the
server for the caption (``figure_caption``: the state's link in words, and the epoch
for a lab that trains) and then composes every tagged plot shown in the page at its
place on screen, with the caption below it.  ``python -m playground figure`` runs the
same JavaScript (``EXPORT_JS``) in a headless Chromium (see ``playground.figure``).
"""

from __future__ import annotations

import itertools
import sys

import panel as pn
from bokeh.events import MenuItemClick
from bokeh.models import CustomJS, Dropdown, Plot

from ..text import tr
from .caption import joined
from .lab import LabState

#: Every exportable figure carries this tag, and ``pg-export:NAME`` with its name.
EXPORT_TAG = "pg-export"
#: The PNG scales the menu offers (pixels per CSS pixel).
PNG_SCALES = (1, 2, 3)
#: The whole view's figure is saved at this scale.
FIGURE_SCALE = 2
#: The caption's font (CSS pixels) and the margin around a composed figure.
CAPTION_FONT_PX = 15
MARGIN_PX = 12

# One library, prepended to each callback's code (a CustomJS body cannot share
# functions); the command line evaluates it in its page as it is.  ``pg.scaled`` sets
# ``devicePixelRatio`` while a view paints: Bokeh's CanvasLayer reads it once, when made.
EXPORT_JS = r"""
const pg = {
  tag: "pg-export",
  shown(view) {
    const el = view.el
    return el != null && el.isConnected && el.getClientRects().length > 0
      && view.bbox.width > 0 && view.bbox.height > 0
  },
  tagged(name) {
    const want = name == null ? pg.tag : pg.tag + ":" + name
    const views = [...Bokeh.index.query((v) => v.model != null && Array.isArray(v.model.tags)
                                        && v.model.tags.includes(want))]
    return [...new Set(views)].filter(pg.shown)
  },
  name_of(view) {
    const tag = view.model.tags.find((t) => t.startsWith(pg.tag + ":"))
    return tag == null ? "plot" : tag.slice(pg.tag.length + 1)
  },
  scaled(ratio, fn) {
    const own = Object.getOwnPropertyDescriptor(window, "devicePixelRatio")
    Object.defineProperty(window, "devicePixelRatio", {value: ratio, configurable: true})
    try {
      return fn()
    } finally {
      if (own != null) Object.defineProperty(window, "devicePixelRatio", own)
      else delete window.devicePixelRatio
    }
  },
  png(view, ratio) {  // a canvas of (CSS size × ratio) pixels
    return pg.scaled(ratio, () => view.export("png", true)).canvas
  },
  svg(view) {  // the plot as an SVG document (text)
    return view.export("svg", false).ctx.get_serialized_svg(true)
  },
  save(blob, filename) {
    const link = document.createElement("a")
    link.href = URL.createObjectURL(blob)
    link.download = filename
    document.body.appendChild(link)
    link.click()
    link.remove()
    setTimeout(() => URL.revokeObjectURL(link.href), 10000)
  },
  save_canvas(canvas, filename) {
    canvas.toBlob((blob) => pg.save(blob, filename), "image/png")
  },
  wrap(ctx, text, width) {  // lines of at most `width` pixels, broken at spaces or anywhere
    const lines = []
    for (const paragraph of text.split("\n")) {
      let line = ""
      for (const piece of paragraph.split(/(\s+)/)) {
        for (const ch of (ctx.measureText(piece).width > width ? [...piece] : [piece])) {
          if (line !== "" && ctx.measureText(line + ch).width > width) {
            lines.push(line.trimEnd())
            line = ch.trimStart()
          } else {
            line += ch
          }
        }
      }
      lines.push(line)
    }
    return lines
  },
  layout(views) {  // each view's box relative to their union, in CSS pixels
    const rects = views.map((v) => v.el.getBoundingClientRect())
    const left = Math.min(...rects.map((r) => r.left)), top = Math.min(...rects.map((r) => r.top))
    const right = Math.max(...rects.map((r) => r.right))
    const bottom = Math.max(...rects.map((r) => r.bottom))
    return {width: right - left, height: bottom - top,
            boxes: rects.map((r) => ({x: r.left - left, y: r.top - top,
                                      width: r.width, height: r.height}))}
  },
  caption_lines(caption, width, font_px) {
    const ctx = document.createElement("canvas").getContext("2d")
    ctx.font = pg.font(font_px)
    return caption ? pg.wrap(ctx, caption, width) : []
  },
  font(px) {
    return `${px}px system-ui, "Segoe UI", Roboto, "Noto Sans CJK SC", sans-serif`
  },
  // The plots shown, at their places, and the caption below them: a canvas of
  // (size, or their union and the caption) × ratio pixels.  With `size`, the plots are
  // scaled to fill it (painted again at that scale, never resampled) and centred.
  compose(views, ratio, caption, size, font_px, margin) {
    const {width, height, boxes} = pg.layout(views)
    const line_px = Math.round(font_px * 1.4)
    const text_height = (lines) => lines.length ? lines.length * line_px + margin : 0
    let fit = 1
    let lines = pg.caption_lines(caption, Math.max(width, 300), font_px)
    if (size != null) {
      for (let i = 0; i < 2; i++) {  // the caption's width follows the plots' width
        fit = Math.min((size.width - 2 * margin) / width,
                       (size.height - 2 * margin - text_height(lines)) / height, 3)
        lines = pg.caption_lines(caption, Math.max(Math.min(width * fit, size.width - 2 * margin),
                                                   300), font_px)
      }
    }
    const block_w = width * fit, block_h = height * fit, text_h = text_height(lines)
    const out_w = size != null ? size.width : block_w + 2 * margin
    const out_h = size != null ? size.height : block_h + text_h + 2 * margin
    const canvas = document.createElement("canvas")
    canvas.width = Math.round(out_w * ratio)
    canvas.height = Math.round(out_h * ratio)
    const ctx = canvas.getContext("2d")
    ctx.fillStyle = "#ffffff"
    ctx.fillRect(0, 0, canvas.width, canvas.height)
    const x0 = Math.max((out_w - block_w) / 2, margin)
    const y0 = Math.max((out_h - block_h - text_h) / 2, margin)
    views.forEach((view, i) => {
      const box = boxes[i]
      ctx.drawImage(pg.png(view, ratio * fit), Math.round((x0 + box.x * fit) * ratio),
                    Math.round((y0 + box.y * fit) * ratio))
    })
    ctx.scale(ratio, ratio)
    ctx.fillStyle = "#222222"
    ctx.font = pg.font(font_px)
    ctx.textBaseline = "top"
    const text_x = Math.min(x0, Math.max(out_w - margin - Math.max(...lines.map(
      (line) => ctx.measureText(line).width), 0), margin))
    lines.forEach((line, i) => {
      ctx.fillText(line, text_x, y0 + block_h + margin + i * line_px)
    })
    return canvas
  },
  caption() {  // the caption the menus hold (set by the server)
    const menu = Bokeh.index.query_one((v) => v.model != null && typeof v.model.name === "string"
                                       && v.model.name.startsWith("pg-download-"))
    return menu != null && menu.model.tags.length ? String(menu.model.tags[0]) : ""
  },
  fingerprint() {  // changes while the plots are still being drawn or filled
    return JSON.stringify(pg.tagged(null).map((v) => [
      v.bbox.width, v.bbox.height, v.model.renderers.map((r) => {
        const data = r.data_source != null ? r.data_source.data : {}
        return Object.values(data).map((column) => {
          let total = 0, n = 0
          const add = (x) => { if (typeof x === "number" && isFinite(x)) total += x; n += 1 }
          for (const x of column) {
            if (x != null && typeof x === "object" && x.length != null) for (const y of x) add(y)
            else add(x)
          }
          return [n, total]
        })
      })]))
  },
  // What the command line reads: each plot shown, with its name, box and SVG.
  svgs(name) {
    const views = pg.tagged(name)
    const {width, height, boxes} = pg.layout(views)
    return {width, height, plots: views.map((v, i) => ({name: pg.name_of(v), ...boxes[i],
                                                        svg: pg.svg(v)}))}
  },
}
"""

# A menu item: export the first plot tagged with the menu's name that is shown.
_ON_ITEM_JS = EXPORT_JS + r"""
const item = (cb_obj != null && cb_obj.item != null) ? cb_obj.item : this.item
if (item.startsWith("png:") || item === "svg") {
  const view = pg.tagged(name)[0]
  if (view == null) return
  if (item === "svg") {
    pg.save(new Blob([pg.svg(view)], {type: "image/svg+xml"}), `${name}.svg`)
  } else {
    const ratio = Number(item.slice(4))
    pg.save_canvas(pg.png(view, ratio), ratio === 1 ? `${name}.png` : `${name}@${ratio}x.png`)
  }
}
"""

# The caption came back from the server (``tags``: [caption, counter]): compose.
_ON_CAPTION_JS = EXPORT_JS + r"""
const caption = cb_obj.tags.length ? cb_obj.tags[0] : ""
const views = pg.tagged(null)
if (views.length === 0) return
pg.save_canvas(pg.compose(views, scale, caption, null, font_px, margin), "figure.png")
"""


def tag_figure(figure, name: str):
    """Mark ``figure`` as exportable under ``name`` (what ``--plot NAME`` picks)."""
    for tag in (EXPORT_TAG, f"{EXPORT_TAG}:{name}"):
        if tag not in figure.tags:
            figure.tags = [*figure.tags, tag]


def lab_key_of(state: LabState) -> str | None:
    """The ``LABS`` key of the lab whose state ``state`` is (among the labs imported)."""
    from .shell import LABS, lab_class

    for key, spec in LABS.items():
        if spec.split(":")[0] in sys.modules and lab_class(key).state_class() is type(state):
            return key
    return None


def figure_caption(state: LabState) -> str:
    """The settings in one line, in the page's language: the lab's name and its state's
    ``caption_parts()`` (each setting once, in the words the page shows; a lab that
    trains ends with the epoch shown)."""
    lang = getattr(state, "lang", "en")
    key = lab_key_of(state)
    title = tr(f"lab.{key}", lang) if key is not None else type(state).__name__
    return joined([title, *state.caption_parts()], lang)


def download_menu(name: str, state: LabState, *, width: int = 130) -> pn.Row:
    """A "Download" menu for the plot tagged ``name`` (``tag_figure``; of several, the
    one shown, such as a linear or a log chart): PNG 1×, 2×, 3× and SVG, saved as
    ``NAME.png``, ``NAME@2x.png``, ``NAME.svg``; and "Figure": every tagged plot shown in
    the page with ``figure_caption(state)`` below, as ``figure.png``.

    Returns a row with the menu at its right end."""
    lang = getattr(state, "lang", "en")
    items = [(f"PNG {s}×", f"png:{s}") for s in PNG_SCALES]
    items += [("SVG", "svg"), None, (tr("export.figure", lang), "figure")]
    # The caption as the link describes the state now (the command line reads it).
    menu = Dropdown(label=tr("export.download", lang), menu=items, width=width,
                    button_type="light", css_classes=["pg-download"],
                    tags=[figure_caption(state), 0], name=f"pg-download-{name}")
    menu.js_on_event(MenuItemClick, CustomJS(args={"name": name}, code=_ON_ITEM_JS))
    menu.js_on_change("tags", CustomJS(args={"scale": FIGURE_SCALE, "font_px": CAPTION_FONT_PX,
                                             "margin": MARGIN_PX}, code=_ON_CAPTION_JS))
    requests = itertools.count(1)

    def on_item(event):
        if event.item == "figure":  # the caption as the server sees the state now
            menu.tags = [figure_caption(state), next(requests)]

    menu.on_event(MenuItemClick, on_item)
    return pn.Row(pn.layout.HSpacer(), pn.pane.Bokeh(menu, margin=(0, 5)),
                  sizing_mode="stretch_width", margin=0)


def _tag_plots(obj, name: str):
    for pane in obj.select(pn.pane.Bokeh):
        if isinstance(pane.object, Plot):
            tag_figure(pane.object, name)


def with_downloads(obj, name: str, state: LabState) -> pn.Column:
    """``obj`` (a Panel object showing one plot, or several shown in turn) under a
    ``download_menu`` for it.  Every Bokeh plot in ``obj`` is tagged ``name``, now and
    whenever ``obj``'s objects change (a chart built later joins its menu)."""
    _tag_plots(obj, name)
    if isinstance(obj, pn.layout.ListLike):
        obj.param.watch(lambda _event: _tag_plots(obj, name), "objects")
    return pn.Column(download_menu(name, state), obj,
                     sizing_mode=getattr(obj, "sizing_mode", None) or "stretch_width",
                     margin=0)
