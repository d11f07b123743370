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
server for the caption (``figure_caption``: the state's settings in the page's words,
``LabState.caption_parts``) and then composes every tagged plot shown in the page at its
place on screen, with the caption below it.  ``python -m playground figure`` runs the
same JavaScript (``EXPORT_JS``) in a headless Chromium (see ``playground.figure``), where
``pg.arrange`` first lays the plots out again to fill the size asked, with a slide's text.
An SVG has each text once (``pg.single_texts``: Bokeh's invisible stroked copies dropped).
"""

from __future__ import annotations

import io
import itertools
import sys

import panel as pn
from bokeh.events import MenuItemClick
from bokeh.models import Axis, CustomJS, Dropdown, InlineStyleSheet, Plot

from ..text import FONT_STACK, tr
from .caption import joined
from .flow import WHOLE_LABEL
from .lab import LabState
from .present import EXPORT_TAG, FOCUS_RING, PAGE_BUTTON, PLOT_COLORS, TOUCH_TARGETS

#: A text glyph that is its plot's title (the network diagram draws its own): a figure
#: enlarges it as a title, 1.2 times its other text.
TITLE_TAG = "pg-title"
#: The PNG scales the menu offers (pixels per CSS pixel).
PNG_SCALES = (1, 2, 3)
#: The whole view's figure is saved at this scale.
FIGURE_SCALE = 2
#: Room right of a plot's frame (CSS px) for half its last tick label ("1000" centred on
#: the frame's edge, at lecture mode's 20 px; Bokeh's default, 5 px, cut it in half).
#: ``pg.right_room`` gives a figure for a slide room for its larger text.
RIGHT_ROOM_PX = 24
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
  // A canvas of (CSS size × ratio) pixels.  A legend's glyphs are small canvases of
  // their own, made at the page's pixel ratio and copied as they are into the export:
  // they are painted again at ``ratio`` first (else a 1× glyph in the corner of its 2×
  // or 3× box), and at the page's afterwards.
  png(view, ratio) {
    const legends = [...view.renderer_views.values()].filter(
      (v) => typeof v._paint_glyphs === "function" && Array.isArray(v.entries))
    const glyphs = () => legends.forEach((v) => v._paint_glyphs())
    try {
      return pg.scaled(ratio, () => { glyphs(); return view.export("png", true) }).canvas
    } finally {
      glyphs()
    }
  },
  // The figure's canvas and caption colours: the plots' border fill (the theme's, as
  // ``ui.present`` sets it; white when none) and a caption ink that reads on it.
  colors(views) {
    const ctx = document.createElement("canvas").getContext("2d")
    let fill = views.length ? views[0].model.border_fill_color : null
    ctx.fillStyle = "#ffffff"
    if (typeof fill === "string" && fill !== "") ctx.fillStyle = fill
    fill = ctx.fillStyle  // "#rrggbb" (or "rgba(…)" for a translucent colour: white)
    const background = /^#[0-9a-f]{6}$/i.test(fill) ? fill : "#ffffff"
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(background.slice(i, i + 2), 16) / 255)
    const dark = 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.4
    return {background, ink: dark ? "DARK_INK" : "LIGHT_INK"}
  },
  svg(view) {  // the plot as an SVG document (text), each text once
    return pg.single_texts(view.export("svg", false).ctx.get_serialized_svg(true))
  },
  // Bokeh paints every text twice, filled and then stroked (its outline, transparent
  // unless a text_outline_color is set); in SVG the stroke is a second <text> with no
  // fill and an invisible stroke.  Those are dropped; a visible outline is kept.
  single_texts(svg) {
    const doc = new DOMParser().parseFromString(svg, "image/svg+xml")
    if (doc.querySelector("parsererror") != null) return svg
    const none = (v) => v == null || v === "none" || v === "transparent"
    for (const el of [...doc.getElementsByTagName("text")]) {
      const opacity = el.getAttribute("stroke-opacity")
      if (none(el.getAttribute("fill"))
          && (none(el.getAttribute("stroke")) || (opacity != null && Number(opacity) === 0)))
        el.remove()
    }
    return new XMLSerializer().serializeToString(doc.documentElement)
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
  // ``layout`` with every empty band across it (rows, then columns, that no plot
  // covers: the page's readouts and controls between its plots) narrowed to ``gap``.
  packed(layout, gap) {
    const boxes = layout.boxes.map((b) => ({...b}))
    for (const [pos, size] of [["y", "height"], ["x", "width"]]) {
      const spans = boxes.map((b) => [b[pos], b[pos] + b[size]]).sort((a, b) => a[0] - b[0])
      const cuts = []  // [where the band ends, how much it is narrowed]
      let end = spans.length ? spans[0][1] : 0
      for (const [lo, hi] of spans) {
        if (lo - end > gap) cuts.push([lo, lo - end - gap])
        end = Math.max(end, hi)
      }
      for (const b of boxes) {
        b[pos] -= cuts.reduce((t, [at, by]) => t + (b[pos] >= at ? by : 0), 0)
      }
    }
    return {width: Math.max(...boxes.map((b) => b.x + b.width)),
            height: Math.max(...boxes.map((b) => b.y + b.height)), boxes}
  },
  // The caption's lines: broken after a " ·" between two settings where one does not
  // fit on the line (a setting longer than a line is broken at its spaces).
  caption_lines(caption, width, font_px) {
    const ctx = document.createElement("canvas").getContext("2d")
    ctx.font = pg.font(font_px)
    if (!caption) return []
    const lines = []
    let line = ""
    for (const part of caption.split(" · ")) {
      const joined = line === "" ? part : line + " · " + part
      if (ctx.measureText(joined).width <= width) {
        line = joined
        continue
      }
      if (line !== "") lines.push(line + " ·")
      const pieces = pg.wrap(ctx, part, width)
      lines.push(...pieces.slice(0, -1))
      line = pieces[pieces.length - 1]
    }
    lines.push(line)
    return lines
  },
  font(px) {
    return `${px}px FONT_STACK`
  },
  // The plots shown, at their places on the page (the empty bands between them
  // narrowed to the margin), and the caption below them: a canvas of (their union and
  // the caption) × ratio pixels in the plots' colours (the page's Figure item).
  compose(views, ratio, caption, font_px, margin) {
    const {width, height, boxes} = pg.packed(pg.layout(views), margin)
    const line_px = Math.round(font_px * 1.4)
    const lines = pg.caption_lines(caption, Math.max(width, 300), font_px)
    const text_h = lines.length ? lines.length * line_px + margin : 0
    const colors = pg.colors(views)
    const canvas = pg.blank(width + 2 * margin, height + text_h + 2 * margin, ratio,
                            colors.background)
    views.forEach((view, i) => {
      const box = boxes[i]
      canvas.getContext("2d").drawImage(pg.png(view, ratio), Math.round((margin + box.x) * ratio),
                                        Math.round((margin + box.y) * ratio))
    })
    pg.write(canvas, ratio, lines, margin, margin + height + margin, font_px, colors.ink)
    return canvas
  },
  blank(width, height, ratio, background = "#ffffff") {  // (width, height) × ratio pixels
    const canvas = document.createElement("canvas")
    canvas.width = Math.round(width * ratio)
    canvas.height = Math.round(height * ratio)
    const ctx = canvas.getContext("2d")
    ctx.fillStyle = background
    ctx.fillRect(0, 0, canvas.width, canvas.height)
    return canvas
  },
  write(canvas, ratio, lines, x, y, font_px, ink = "LIGHT_INK") {  // the caption, (x, y) down
    const ctx = canvas.getContext("2d")
    ctx.save()
    ctx.scale(ratio, ratio)
    ctx.fillStyle = ink
    ctx.font = pg.font(font_px)
    ctx.textBaseline = "top"
    lines.forEach((line, i) => ctx.fillText(line, x, y + i * Math.round(font_px * 1.4)))
    ctx.restore()
  },

  // ---- A figure of a given size (python -m playground figure): the plots re-laid out
  // to fill it, their text at a slide's size.  ``arrange`` resizes the plots and their
  // fonts in the page (a page of its own: the command's); once Bokeh has laid them out
  // again, ``paint`` or ``placed_svgs`` draws them at the boxes it chose.
  //
  // Each plot keeps its aspect ratio and at least its page size (× ``fraction``, the
  // figure's size to a slide's: its text is that much smaller too) unless the page
  // stretches it (a chart, a surface): those may be up to twice as tall for their
  // width (never taller than wide) or 1.5 times as wide (at least 2.5 times as wide as
  // tall).  Items: [lowest, page's, highest aspect, least width, least height, what its
  // x axis is along (a stretched chart's axis label, else ""), a stretched chart's least
  // width (else 0)]: a plot
  // with axes at least its title, axes and legend (the page's, grown with its text to
  // ``text_px``) and a frame 11 ``text_px`` tall (a chart below two big plots was left a
  // frame of 6 lines at 1600 × 900; an MLP race's charts below three maps, 7 at 8).
  aspects(view, fraction, text_px = 0) {
    const a = view.bbox.width / view.bbox.height
    const mode = String(view.model.sizing_mode || "fixed")
    const width = view.bbox.width * fraction
    const frame = view.frame != null ? view.frame.bbox.height : 0
    const axis = [...view.model.below, ...view.model.left].find(
      (m) => m != null && "major_label_text_font_size" in m.properties)
    const page_px = axis != null ? pg.px(axis.major_label_text_font_size) : 0
    const height = frame > 0 && page_px > 0
      ? (view.bbox.height - frame) * Math.max(1, text_px / page_px) + 11 * text_px : 0
    // (a "scale_*" plot keeps its aspect: a racer's square heat map)
    if (!mode.startsWith("stretch")) return [a, a, a, width, height, ""]
    // Charts over one quantity (the MLP lab's loss and accuracy, both "epoch") are read
    // together: ``best_boxes`` keeps them in one row or one column.
    const below = view.model.below.find((m) => m != null && "axis_label" in m.properties)
    const label = below != null ? below.axis_label : null
    const along = String(label != null && typeof label === "object" ? label.value ?? ""
                                                                     : label ?? "")
    // Its least width: what beside the frame (axis, legend) grown with the text, and a
    // frame 12 ``text_px`` wide (at 1280 × 720 an MLP chart's legend left it 65 px).
    const beside = view.frame != null ? view.bbox.width - view.frame.bbox.width : 0
    const least_w = frame > 0 && page_px > 0
      ? beside * Math.max(1, text_px / page_px) + 12 * text_px : 0
    return [Math.max(1, 0.5 * a), a, Math.max(1.5 * a, 2.5), 0, height, along, least_w]
  },
  px(value) {  // a font size's CSS pixels ("11px", "9pt", "1.2em" or {value: …}); 0 if none
    const text = String(value != null && typeof value === "object" ? value.value : value)
    const n = parseFloat(text)
    if (!isFinite(n)) return 0
    return text.endsWith("pt") ? n * 4 / 3 : text.endsWith("em") ? n * 16 : n
  },
  // One arrangement: ``groups`` (lists of item indices) as rows of W × H, each row one
  // height; items: [low, natural, high] aspects.  Returns the boxes and the area used.
  rows(items, groups, W, H, gap, least) {
    const spans = groups.map((g) => {
      const inner = W - gap * (g.length - 1)
      const lo = g.reduce((t, i) => t + items[i][0], 0), hi = g.reduce((t, i) => t + items[i][2], 0)
      return {inner, low: inner / hi, high: inner / lo}  // the heights at which it fills W
    })
    const room = H - gap * (groups.length - 1)
    const low = spans.reduce((t, r) => t + r.low, 0), high = spans.reduce((t, r) => t + r.high, 0)
    // Each row first gets ``least`` (or less, if it fills the width lower), then what
    // it needs to fill the width, then up to its highest.
    const base = spans.map((r, k) => Math.min(
      Math.max(least, ...groups[k].map((i) => items[i][4] || 0)), r.high))
    const based = base.reduce((t, b) => t + b, 0)
    let heights
    if (based >= room) {
      heights = base.map((b) => b * room / based)
    } else if (low > room) {
      const need = spans.map((r, k) => Math.max(r.low - base[k], 0))
      const needed = need.reduce((t, n) => t + n, 0)
      heights = base.map((b, k) => b + (room - based) * need[k] / needed)
    } else if (high <= room) {
      heights = spans.map((r) => r.high)
    } else {
      heights = spans.map((r) => r.low + (room - low) / (high - low) * (r.high - r.low))
    }
    const boxes = new Array(items.length)
    let used = 0, y = 0
    groups.forEach((g, k) => {
      const h = heights[k], want = spans[k].inner / h
      const lo = g.reduce((t, i) => t + items[i][0], 0), hi = g.reduce((t, i) => t + items[i][2], 0)
      const s = hi > lo ? Math.min(Math.max((want - lo) / (hi - lo), 0), 1) : 0
      const widths = g.map((i) => (items[i][0] + s * (items[i][2] - items[i][0])) * h)
      const row_w = widths.reduce((t, w) => t + w, 0) + gap * (g.length - 1)
      let x = Math.max((W - row_w) / 2, 0)
      g.forEach((i, j) => {
        boxes[i] = {x, y, width: widths[j], height: h}
        used += widths[j] * h
        x += widths[j] + gap
      })
      y += h + gap
    })
    const total_h = y - gap
    for (const b of boxes) b.y += Math.max((H - total_h) / 2, 0)
    return {boxes, score: used / (W * H)}
  },
  orders(n) {  // the orders tried: every one up to 5 plots, else the page's
    if (n > 5) return [[...Array(n).keys()]]
    const out = []
    const walk = (prefix, rest) => {
      if (rest.length === 0) out.push(prefix)
      rest.forEach((r, i) => walk([...prefix, r], [...rest.slice(0, i), ...rest.slice(i + 1)]))
    }
    walk([], [...Array(n).keys()])
    return out
  },
  // Rows or columns, in any order: the most area used, less a plot too small for its
  // text (under ``least`` high or 1.4 ``least`` wide), a plot of a fixed size made
  // smaller than the page draws it, plots of one size made unequal, two charts over one
  // quantity (items' sixth entry) in different rows or columns (at 1200 × 900 the MLP
  // lab's loss and accuracy were laid out diagonally, their epochs nowhere in line),
  // and a change of the page's order.
  best_boxes(items, W, H, gap, least) {
    const n = items.length
    const pairs = []
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++)
        if (items[i][5] && items[i][5] === items[j][5]) pairs.push([i, j])
    let best = null
    for (const order of pg.orders(n)) {
      const moved = order.reduce((t, v, i) => t + order.slice(i + 1).filter((w) => w < v).length, 0)
      for (let cuts = 0; cuts < 2 ** (n - 1); cuts++) {
        const groups = [[order[0]]]
        for (let i = 1; i < n; i++) {
          if (cuts & (1 << (i - 1))) groups.push([order[i]])
          else groups[groups.length - 1].push(order[i])
        }
        for (const across of [false, true]) {
          let found
          if (!across) {
            found = pg.rows(items, groups, W, H, gap, least)
          } else {  // columns: the same problem turned by a quarter
            const turned = items.map(([lo, a, hi]) => [1 / hi, 1 / a, 1 / lo, 0, 0])
            found = pg.rows(turned, groups, H, W, gap, 1.4 * least)
            found.boxes = found.boxes.map((b) => ({x: b.y, y: b.x, width: b.height,
                                                   height: b.width}))
          }
          const cramped = found.boxes.reduce((t, b, i) => t
            + Math.max(0, 1 - b.height / Math.max(least, items[i][4]))
            + Math.max(0, 1 - b.width / Math.max(1.4 * least, items[i][6] || 0)), 0)
          const shrunk = found.boxes.reduce(
            (t, b, i) => t + (items[i][3] > 0 ? Math.max(0, 1 - b.width / items[i][3]) : 0), 0)
          // Plots of one fixed size in the page (a race's heat maps) at one size here.
          const uneven = found.boxes.reduce((t, b, i) => t + found.boxes.reduce((u, c, j) => u
            + (j > i && items[i][3] > 0 && items[i][3] === items[j][3]
               ? Math.abs(b.width - c.width) / Math.max(b.width, c.width) : 0), 0), 0)
          const group = []
          groups.forEach((g, k) => g.forEach((i) => { group[i] = k }))
          const apart = pairs.filter(([i, j]) => group[i] !== group[j]).length
          const score = found.score - 0.5 * cramped - 1.5 * shrunk - uneven - 0.2 * apart
            - 0.01 * moved
          if (best == null || score > best.score + 1e-9) best = {...found, score}
        }
      }
    }
    return best.boxes
  },
  // Every text of a plot at least ``px`` (a title 1.2 px, an axis label 1.1 px), its
  // title 0.8 ``px`` above its frame.
  enlarge(view, px) {
    const m = view.model
    const models = [m.title, ...m.above, ...m.below, ...m.left, ...m.right, ...m.center,
                    ...m.renderers.map((r) => r.glyph)].filter((x) => x != null)
    const size = pg.px
    const want = {text_font_size: px, axis_label_text_font_size: 1.1 * px,
                  major_label_text_font_size: px, label_text_font_size: px,
                  title_text_font_size: px}
    for (const model of models) {
      for (const [prop, least] of Object.entries(want)) {
        if (!(prop in model.properties)) continue
        const title = model.type === "Title" || (model.tags || []).includes("pg-title")
        const target = Math.round(title ? 1.2 * least : least)  // (pg-title: TITLE_TAG)
        const value = model[prop]
        if (size(value) >= target) continue
        const spec = value != null && typeof value === "object" && "value" in value
        model[prop] = spec ? {value: `${target}px`} : `${target}px`
      }
    }
    // A title clear of what its plot draws at its top (the network's column headers,
    // grown with the text, touched its title).
    if (m.title != null && "standoff" in m.title.properties)
      m.title.standoff = Math.max(m.title.standoff, Math.round(0.8 * px))
  },
  // Lines ``thick`` times as wide and markers √thick times as large (a slide's lines, as
  // lecture mode's: the page's 1–2 px were unseen from a hall's back rows).
  // The legend entries' figure words (``figure_label``) in place of the page's.
  relabel(view) {
    const m = view.model
    for (const legend of [...m.center, ...m.above, ...m.below, ...m.left, ...m.right]) {
      if (legend == null || legend.type !== "Legend") continue
      for (const item of legend.items) {
        const words = item.tags.map((t) => t != null && typeof t === "object"
                                           ? t.pg_figure_label : null).find((w) => w != null)
        if (words != null) item.label = {value: words}
      }
    }
  },
  thicken(view, thick) {
    if (!(thick > 1)) return
    const scaled = (v, k) => typeof v === "number" ? v * k
      : v != null && typeof v === "object" && typeof v.value === "number"
        ? {...v, value: v.value * k} : v
    for (const r of view.model.renderers) {
      for (const g of [r.glyph, r.selection_glyph, r.nonselection_glyph, r.hover_glyph,
                       r.muted_glyph]) {
        if (g == null || typeof g !== "object" || g.properties == null) continue
        const change = {}
        if ("line_width" in g.properties) change.line_width = scaled(g.line_width, thick)
        if (g.type === "Scatter" && "size" in g.properties)
          change.size = scaled(g.size, Math.sqrt(thick))
        // Drawn, not sent: the server's Line takes a number where BokehJS holds a spec
        // ({value: n}), and refused it (an error reply for each line).
        g.setv(change, {sync: false})
      }
    }
  },
  // Lay the plots out in ``size`` (CSS px) above the caption, resize them and their
  // text (``text_px``) and lines (``thick``) in the page; returns the boxes and the
  // caption's lines.
  arrange(views, size, caption, text_px, font_px, margin, fraction, thick = 1) {
    const line_px = Math.round(font_px * 1.4)
    const W = size.width - 2 * margin
    const lines = pg.caption_lines(caption, W, font_px)
    const text_h = lines.length ? lines.length * line_px + margin : 0
    const H = size.height - 2 * margin - text_h
    const boxes = pg.best_boxes(views.map((v) => pg.aspects(v, fraction, text_px)), W, H, margin,
                                12 * text_px)
      .map((b) => ({x: Math.round(margin + b.x), y: Math.round(margin + b.y),
                    width: Math.floor(b.width), height: Math.floor(b.height)}))
    views.forEach((view, i) => {
      pg.enlarge(view, text_px)
      pg.thicken(view, thick)
      pg.relabel(view)
      view.model.setv({sizing_mode: "fixed", width: boxes[i].width, height: boxes[i].height,
                       min_width: null, max_width: null, min_height: null, max_height: null,
                       ...pg.right_room(view, text_px)})  // (the page's bounds would cap it)
    })
    const bottom = Math.max(...boxes.map((b) => b.y + b.height))
    return {boxes, lines, text_x: margin, text_y: bottom + margin, ...pg.colors(views)}
  },
  // Room right of the frame for half the last tick label of a horizontal axis ("1000"
  // centred on the frame's edge) at ``text_px``: {} for a plot without one.
  right_room(view, text_px) {
    const m = view.model
    const axis = [...m.below, ...m.above].some((a) => a != null && a.visible
                                               && "major_label_text_font_size" in a.properties)
    const room = Math.ceil(1.3 * text_px)
    return axis && (m.min_border_right ?? m.min_border ?? 0) < room ? {min_border_right: room} : {}
  },
  arranged(views, layout) {  // whether Bokeh has laid every plot out at its box
    return views.every((v, i) => Math.abs(v.bbox.width - layout.boxes[i].width) < 1
                                 && Math.abs(v.bbox.height - layout.boxes[i].height) < 1)
  },
  paint(views, layout, size, ratio, font_px) {
    const canvas = pg.blank(size.width, size.height, ratio, layout.background)
    const ctx = canvas.getContext("2d")
    views.forEach((view, i) => {
      const box = layout.boxes[i]  // a plot Bokeh did not resize is fitted into its box
      const fit = Math.min(box.width / view.bbox.width, box.height / view.bbox.height)
      ctx.drawImage(pg.png(view, Math.abs(fit - 1) < 0.01 ? ratio : ratio * fit),
                    Math.round(box.x * ratio), Math.round(box.y * ratio))
    })
    pg.write(canvas, ratio, layout.lines, layout.text_x, layout.text_y, font_px, layout.ink)
    return canvas
  },
  placed_svgs(views, layout) {  // each plot's SVG at its box
    return views.map((v, i) => ({name: pg.name_of(v), ...layout.boxes[i], svg: pg.svg(v)}))
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
""".replace("FONT_STACK", FONT_STACK).replace(
    "DARK_INK", PLOT_COLORS["dark"]["ink"]).replace("LIGHT_INK", PLOT_COLORS["light"]["ink"])

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

#: A menu's third tag when the server only brings its caption up to date
#: (``refresh_captions``): no figure is composed then.
QUIET = "quiet"

# The caption came back from the server (``tags``: [caption, counter]): compose; not
# when it was only brought up to date (a third tag, ``QUIET``).
_ON_CAPTION_JS = EXPORT_JS + f"if (cb_obj.tags[2] === {QUIET!r}) return\n" + r"""
const caption = cb_obj.tags.length ? cb_obj.tags[0] : ""
const views = pg.tagged(null)
if (views.length === 0) return
pg.save_canvas(pg.compose(views, scale, caption, font_px, margin), "figure.png")
"""


def refresh_captions(obj, state: LabState):
    """Bring the caption of every Download menu in ``obj`` (a Panel object) up to date
    with ``state``, quietly: what ``python -m playground figure`` reads when a lab's
    result came after the page was built (the bias–variance network family's note)."""
    caption = figure_caption(state)
    for pane in obj.select(pn.pane.Bokeh):
        menu = pane.object
        if (isinstance(menu, Dropdown) and str(menu.name).startswith("pg-download-")
                and menu.tags[:1] != [caption]):
            menu.tags = [caption, menu.tags[1] if len(menu.tags) > 1 else 0, QUIET]


def tag_figure(figure, name: str):
    """Mark ``figure`` as exportable under ``name`` (what ``--plot NAME`` picks), with
    ``RIGHT_ROOM_PX`` right of its frame if it has a horizontal axis."""
    for tag in (EXPORT_TAG, f"{EXPORT_TAG}:{name}"):
        if tag not in figure.tags:
            figure.tags = [*figure.tags, tag]
    if any(axis.visible for axis in [*figure.below, *figure.above] if isinstance(axis, Axis)):
        border = figure.min_border_right
        if ((figure.min_border if border is None else border) or 0) < RIGHT_ROOM_PX:
            figure.min_border_right = RIGHT_ROOM_PX


#: A legend entry's words in a figure, where they differ from the page's (a tag of the
#: entry: ``{FIGURE_LABEL: text}``); ``pg.arrange`` puts them in.
FIGURE_LABEL = "pg_figure_label"


def figure_label(figure, label: str, words: str):
    """The legend entry ``label`` of ``figure`` reads ``words`` in a figure for slides (the
    page's "one set's fit (click one)" asked a slide's reader to click)."""
    for legend in figure.legend:
        for item in legend.items:
            if getattr(item.label, "value", item.label) == label:
                item.tags = [*(t for t in item.tags if not (isinstance(t, dict)
                                                            and FIGURE_LABEL in t)),
                             {FIGURE_LABEL: words}]


def lab_key_of(state: LabState) -> str | None:
    """The ``LABS`` key of the lab whose state ``state`` is (among the labs imported)."""
    from .shell import LABS, lab_class

    for key, spec in LABS.items():
        if spec.split(":")[0] in sys.modules and lab_class(key).state_class() is type(state):
            return key
    return None


def figure_caption(state: LabState, notes: bool = True) -> str:
    """The settings in one line, in the page's language: the lab's name and its state's
    ``caption_parts()`` (each setting once, in the words the page shows; a lab that
    trains ends with the epoch shown), then its ``caption_notes()`` unless ``notes`` is
    False (a page that shows them itself)."""
    lang = getattr(state, "lang", "en")
    key = lab_key_of(state)
    title = tr(f"lab.{key}", lang) if key is not None else type(state).__name__
    return joined([title, *state.caption_parts(), *(state.caption_notes() if notes else [])],
                  lang)


#: The menu is a Bokeh ``Dropdown`` (its clicks run the export's JS in the browser), which
#: Panel's theme does not style: it takes a Panel button's look from the theme's custom
#: properties (which cross shadow roots), as a ``PAGE_BUTTON`` in either theme, its
#: open list too.
MENU_STYLE = """
.bk-btn.bk-btn-default { background-color: var(--panel-surface-color, #f3f3f3);
  color: var(--panel-on-surface-color, #1a1d21); border: 1px solid transparent; }
.bk-btn.bk-btn-default:hover { filter: brightness(0.95); }
.bk-Menu { --background-color: var(--panel-background-color, #ffffff);
  color: var(--panel-on-background-color, #212529);
  --border-color: var(--panel-border-color, #e0e0e0);
  --divider-color: var(--panel-border-color, #e0e0e0);
  --hover-color: var(--panel-surface-color, #f3f3f3); }
.bk-Menu { transform: translateY(calc(var(--pg-lecture, 0) * (-100% - 39px)));
  left: auto !important; right: 0 !important;
  min-width: calc(100% + var(--pg-lecture, 0) * 110px); }
"""


#: In lecture mode a plot's menu goes below it (CSS ``order`` in ``with_downloads``'s
#: column), close under it and apart from the next plot: above, with a lesson's caption,
#: it pushed the plots under a 720-px screen's fold.  (Its list then opens upwards,
#: ``MENU_STYLE``: at a screen's bottom it opened below the screen.)
MENU_BELOW_IN_LECTURE = (":host { order: calc(var(--pg-lecture, 0) * 2);"
                         " margin-top: calc(var(--pg-lecture, 0) * -6px) !important;"
                         " margin-bottom: calc(var(--pg-lecture, 0) * 22px) !important; }")


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
                    button_type=PAGE_BUTTON, css_classes=["pg-download"],
                    stylesheets=[WHOLE_LABEL,
                                 InlineStyleSheet(css=MENU_STYLE + FOCUS_RING + TOUCH_TARGETS)],
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
                  sizing_mode="stretch_width", margin=0, stylesheets=[MENU_BELOW_IN_LECTURE])


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


#: The static export, loaded by name when a page's "Export page (HTML)" button is first
#: clicked (as the shell loads labs): it is above the labs, and most pages never use it.
STATIC_EXPORT = "playground.static_export:export_html"


def download_button(state: LabState, lab: str, theme=lambda: "light"):
    """The page's "Export page (HTML)" button: a Panel ``FileDownload`` whose file is
    ``static_export.export_html(state)`` (computed when clicked, seconds: a sweep or a
    training, on a thread of the default executor, in a ``SLOW_WORK_SLOTS`` slot, which
    a training hands on between its chunks), in the page's theme (``theme()``, when
    clicked)."""
    import asyncio
    import importlib

    from .session import SLOW_WORK_SLOTS

    def export_in_a_slot() -> bytes:
        module, name = STATIC_EXPORT.split(":")
        export_html = getattr(importlib.import_module(module), name)
        with SLOW_WORK_SLOTS:  # (handed on between the MLP run's chunks: pages first)
            return export_html(state, lab, theme=theme(), between=SLOW_WORK_SLOTS.pass_on)

    async def make():
        # Seconds of work on a thread, not the event loop every page shares.
        data = await asyncio.get_running_loop().run_in_executor(None, export_in_a_slot)
        return io.BytesIO(data)

    return pn.widgets.FileDownload(
        callback=make, filename=f"playground-{lab}.html",
        label=tr("export.page", state.lang), button_type=PAGE_BUTTON, width=200,
        embed=False, css_classes=["pg-export-page"])
