"""How a page is shown, for every lab: its language, the light or dark theme and lecture
mode.

All three are shell conventions: the link carries them (``lang=zh``, ``theme=dark``,
``present=1``, read by :data:`DISPLAY_LINK` like any lab's fields, so a bad value gives
the usual notice) and the header sets them.  The language is given to the lab's state
(every text comes from ``playground.text``); for theme and lecture mode this module
styles whatever a lab draws:

- CSS on the page's root element (:data:`CSS`): custom properties, which cross Panel's
  shadow roots, set the text colours (``--pg-ink``, ``--pg-muted``), Bokeh's widget font
  size (``--bokeh-font-size``) and the sizes a lab's HTML reads (``--pg-label-size``,
  ``--pg-number-size``).  A lab's HTML writes ``color:var(--pg-ink,#222)`` rather than a
  bare colour so that the theme reaches it.
- Bokeh models, set on the server (:func:`style_plot`): backgrounds, axes, grids,
  legends and titles in the theme's colours; in lecture mode larger text and lines
  ``THICK`` times as wide.  A lab chooses which renderers thicken with
  ``Lab.thick_renderers()`` (all line glyphs by default).
- Every plot gets Bokeh's full-screen tool (a button in its toolbar).
- In lecture mode the first row of pictures (tagged ``FIT_WINDOW``) is made shorter
  where the browser's window would cut it off (``WindowFit`` reports the window).

The dark colours follow WCAG 2.1: text at least 4.5:1 against its background.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import re
from typing import NamedTuple

import param
from bokeh.models import (
    Axis,
    FullscreenTool,
    GlyphRenderer,
    Grid,
    Label,
    Legend,
    Line,
    MultiLine,
    Plot,
    Segment,
    Title,
    VArea,
)
from panel.reactive import ReactiveHTML

from ..text import DEFAULT_LANGUAGE, FONT_STACK, LANGUAGES, tr
from .colors import OKABE_ITO, TEXT_CONTRAST, contrast, legible_darkening, luminance, mix
from .link import LinkTable, param_field

log = logging.getLogger(__name__)

THEMES = ("light", "dark")

#: The ``button_type`` of every button in the page below the header.  Panel's "light"
#: buttons are white with dark text whatever the theme: unseen on the light page (no
#: border, white on white) and glaring on the dark one.  "default" is the theme's own
#: (light grey on the light page, dark grey on the dark), like Step and Reset; only the
#: header's buttons, on its dark blue in both themes, are "light".
PAGE_BUTTON = "default"
#: Panel's step player draws the browser's own buttons (grey with a black outset border,
#: in either theme): its stylesheet gives them a ``PAGE_BUTTON``'s look from the theme's
#: custom properties (its icons are drawn in the text's colour).  Its title (the step
#: shown) goes in lecture mode (``--pg-plain-display``), where the headline says it large.
PLAYER_CSS = """
button { background-color: var(--panel-surface-color, #f3f3f3);
  color: var(--panel-on-surface-color, #1a1d21); border: 1px solid transparent;
  border-radius: 4px; cursor: pointer; }
button:hover { filter: brightness(0.95); }
button:focus-visible { outline: 2px solid var(--panel-primary-color, #0072b5); }
.pn-player-title { display: var(--pg-plain-display, block); }
button { min-height: calc(22px + var(--pg-lecture, 0) * 14px); }
button svg { width: calc(12px + var(--pg-lecture, 0) * 10px);
  height: calc(12px + var(--pg-lecture, 0) * 10px); }
"""
#: A visible ring on whatever the keyboard focuses, inside every widget's shadow root
#: (``Shell.join``) and the download menus': Bokeh's number boxes and selects had
#: ``outline: none`` and a faint glow, and the dark theme's slider handles none to see.
#: ``--pg-focus``: the theme's (``DARK_VARIABLES``; white on the header's dark blue).
FOCUS_RING = """
:is(input, select, textarea, button, .bk-input, .bk-btn, .noUi-handle, [tabindex]):focus-visible {
  outline: 2px solid var(--pg-focus, #0072b5) !important; outline-offset: 2px; }
"""
#: On a touch screen (a finger, not a mouse) every control at least 40 CSS px high and a
#: slider's handle as large: a tablet's 22-px buttons, 13-px check boxes and 14-px handles
#: took an exact hit (WCAG 2.5.5 asks 44 px; 40 keeps the sidebar's rows on one screen).
TOUCH_TARGETS = """
@media (pointer: coarse) {
  button, .bk-btn, select, input.bk-input { min-height: 40px !important; }
  input[type=checkbox], input[type=radio] { width: 22px; height: 22px; margin: 0 6px 0 0; }
  :host(.bk-Checkbox) { display: flex; align-items: center; min-height: 40px; }
  .bk-input-group label { min-height: 40px; display: inline-flex; align-items: center;
    margin-right: 16px; }
  .noUi-horizontal .noUi-handle { width: 30px !important; height: 30px !important;
    right: -15px !important; top: -11px !important; border-radius: 50%; }
}
"""
#: Lecture mode multiplies line widths by this.
THICK = 2.0
#: Lecture mode's font sizes in Bokeh plots (title, axis label, tick label, legend; a
#: label in the plot, such as the bias–variance chart's "p = n", as a tick label).
PLOT_FONTS = {"title": "24px", "axis_label": "22px", "tick": "20px", "legend": "20px"}

#: A plot's colours per theme: (background, border, ink, muted ink, grid, legend fill).
PLOT_COLORS = {
    "light": {"background": "#ffffff", "border": "#ffffff", "ink": "#222222",
              "muted": "#444444", "grid": "#e5e5e5", "legend": "#ffffff"},
    "dark": {"background": "#1e2227", "border": "#15181c", "ink": "#eeeeee",
             "muted": "#c8ccd0", "grid": "#3a4048", "legend": "#23282e"},
}
#: In the dark theme a glyph drawn in a colour this dark (relative luminance) is redrawn
#: in the theme's ink: black markers and the darkest palette entries would vanish.
DARK_GLYPH_LUMINANCE = 0.06
#: In the dark theme a shaded area (``VArea``: the generalisation gap, a band) is drawn
#: this many times as opaque: a light shade on a dark plot is near its background (the
#: MLP lab's gap, red at 0.2 on #1e2227, read 1.1:1).
DARK_AREA_ALPHA = 2.5
#: A glyph tagged so (Bokeh's ``tags``: ``fig.scatter(…, tags=[KEEP_INK])``) keeps its
#: colours in the dark theme: a mark drawn on a fill that is the same in both themes (the
#: optimizer lab's contours, ``ui.marks``).
KEEP_INK = "pg-keep-ink"
#: Every exportable figure carries this tag, and ``pg-export:NAME`` with its name
#: (``ui.export.tag_figure``).
EXPORT_TAG = "pg-export"
#: A title tagged so (its ``tags``) is coloured by its owner in both themes
#: (``palettes.title_ink``: a racer's name in its optimizer's colour); the dark theme's ink would
#: take the colour, and with it whose the plot is, away.
OWN_INK = "pg-own-ink"
#: A plot tagged ``lecture_height(px)`` is that tall in lecture mode: a chart whose
#: frame lecture mode's larger type and legend would leave a strip (the MLP lab's
#: curves, 215 px: a frame of 90 px on a projector).
LECTURE_HEIGHT = "pg-lecture-height="
#: A legend tagged so is hidden in lecture mode, where the headline's large numbers key
#: the same colours (the optimizer lab's loss key: in lecture type, three entries a row
#: were wider than a narrow page's chart).
NOT_IN_LECTURE = "pg-not-in-lecture"


def lecture_height(px: int) -> str:
    """The tag of a plot ``px`` tall in lecture mode (see :data:`LECTURE_HEIGHT`)."""
    return f"{LECTURE_HEIGHT}{int(px)}"


#: A plot tagged ``lecture_left(px)`` keeps ``px`` left of its frame in lecture mode
#: (``min_border_left``): two charts one above the other whose tick labels differ in
#: width ("0.92" and "0.8" in 20-px type) still line up their x axes.
LECTURE_LEFT = "pg-lecture-left="


def lecture_left(px: int) -> str:
    """The tag of a plot with ``px`` left of its frame in lecture mode (see
    :data:`LECTURE_LEFT`)."""
    return f"{LECTURE_LEFT}{int(px)}"


#: A plot tagged so is, in lecture mode, made shorter where the window would cut off its
#: frame or the axis under it (the legends below it may go under the fold), its frame
#: to ``FIT_LEAST`` of its lecture height at least; a plot of a fixed size keeps its
#: frame's shape, its canvas as wide as its title at least (Bokeh cuts a title off at
#: the canvas's edge: room is left right of the frame).  The window and each plot's
#: place come from the browser (``WindowFit``).  A lesson's caption and lecture type
#: above them left the optimizer lab's contours, the MLP heat map and the bias–variance
#: charts partly under a 1280 × 720 projector's fold (a new user's review).
FIT_WINDOW = "pg-fit-window"
FIT_LEAST = 0.6
#: Room kept under a fitted plot's axis (px): its labels in sight, not on the window's edge.
FIT_MARGIN_PX = 8


class Place(NamedTuple):
    """Where a plot is in the browser (page px): its top, the height of the legends
    below it, its height and width outside its frame (title, axes, legends), its
    title's text width and its frame's left edge (in the plot)."""

    top: float
    legends: float
    outside_h: float
    outside_w: float
    title_w: float
    frame_left: float


def read_window(report: str) -> tuple[float, dict[str, Place]] | None:
    """``WindowFit.report`` (JSON: the window's height and, by Bokeh model id, each tagged
    plot's ``Place``) as (height, places); None for anything else (it comes from the
    browser: unchecked, an absurd height would shrink every plot)."""
    try:
        data = json.loads(report)
        height = float(data["height"])
        places = {str(k): Place(*(float(x) for x in v)) for k, v in dict(data["plots"]).items()}
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if not (100 <= height <= 20_000 and len(places) <= 50 and all(
            math.isfinite(x) and abs(x) <= 1e6 and (i == 0 or x >= 0)
            for place in places.values() for i, x in enumerate(place))):
        return None
    return height, places


#: Lecture mode on a window at least this wide (CSS px) says to zoom the browser: 1.35 ×
#: the 1280 px it is sized for (a 1920-px projector at 100 % is 1920; at 150 %, 1280).
ZOOM_HINT_PX = 1728


class WindowFit(ReactiveHTML):
    """Sends the server the browser window's height and the ``Place`` of each plot tagged
    ``FIT_WINDOW`` (``report``, for ``read_window``) while ``active`` (lecture mode),
    when they change: a lesson's next caption, a resized window."""

    active = param.Boolean(default=False)
    report = param.String(default="")
    #: Said in lecture mode on a window much wider than the 1280 px it is sized for (a
    #: 1920-px projector at 100 %: text and pictures at two thirds of their size, half
    #: the screen empty), once per tab: the browser's zoom (150 %) draws them crisp at
    #: their size; the page cannot (CSS zoom blurs the plots' canvases).
    zoom_hint = param.String(default="")
    zoom_close = param.String(default="")  # its close button's name

    _template = "<div id='fit' style='display:none'></div>"
    _scripts = {
        "render": """
          state.last = '';
          state.ctx = document.createElement('canvas').getContext('2d');  // a title's width
          state.measure = () => {
            if (!data.active || !window.Bokeh || !Bokeh.index) { return; }
            const plots = {};
            for (const view of Bokeh.index.query((v) => v.model != null && v.frame != null &&
                 Array.isArray(v.model.tags) && v.model.tags.includes('""" + FIT_WINDOW + """'))) {
              const box = view.el.getBoundingClientRect();
              if (box.width === 0 || box.height === 0) { continue; }
              let legends = 0;
              for (const m of view.model.below) {
                const legend = m != null && m.type === 'Legend' ? Bokeh.index.find_one(m) : null;
                if (legend != null && legend.bbox != null) { legends += legend.bbox.height; }
              }
              const title = view.model.title;
              let title_w = 0;
              if (title != null && title.text) {
                const size = title.text_font_size, px = size.value ?? size;
                state.ctx.font = `${title.text_font_style} ${px} ${title.text_font}`;
                title_w = Math.max(...String(title.text).split('\\n').map(  // (its widest line)
                  (line) => state.ctx.measureText(line).width));
              }
              plots[view.model.id] = [Math.round(box.top + window.scrollY), Math.round(legends),
                                      Math.round(box.height - view.frame.bbox.height),
                                      Math.round(box.width - view.frame.bbox.width),
                                      Math.ceil(title_w), Math.round(view.frame.bbox.left)];
            }
            const report = JSON.stringify({height: window.innerHeight, plots});
            if (report !== state.last) { state.last = report; data.report = report; }
          };
          state.timer = setInterval(state.measure, 700);
          window.addEventListener('resize', state.measure);
          state.hint = () => {
            const wide = data.active && window.innerWidth >= ZOOM_HINT_PX;
            const seen = sessionStorage.getItem('pg-zoom-hint') === '1';
            if (wide && !seen && data.zoom_hint && state.note == null) {
              const note = document.createElement('div');
              note.className = 'pg-zoom-hint'; note.setAttribute('role', 'status');
              note.style.cssText = 'position:fixed;right:16px;bottom:16px;z-index:10000;' +
                'max-width:460px;padding:12px 44px 12px 16px;border-radius:8px;' +
                'font:18px/1.4 system-ui,sans-serif;background:#1f3b5c;color:white;' +
                'box-shadow:0 6px 24px rgba(0,0,0,0.35)';
              // (Panel sends string parameters HTML-escaped: a textarea gives them back.)
              const un = (t) => { const a = document.createElement('textarea');
                                  a.innerHTML = t; return a.value; };
              note.textContent = un(data.zoom_hint);
              const close = document.createElement('button');
              close.textContent = '×'; close.setAttribute('aria-label', un(data.zoom_close));
              close.style.cssText = 'position:absolute;top:6px;right:8px;font-size:22px;' +
                'background:none;border:none;color:white;cursor:pointer';
              close.addEventListener('click', () => {
                sessionStorage.setItem('pg-zoom-hint', '1'); note.remove(); state.note = null;
              });
              note.appendChild(close);
              document.body.appendChild(note); state.note = note;
            } else if (!wide && state.note != null) {
              state.note.remove(); state.note = null;  // zoomed (or left lecture mode)
            }
          };
          state.hintTimer = setInterval(state.hint, 1000);
        """.replace("ZOOM_HINT_PX", str(ZOOM_HINT_PX)),
        "active": "state.last = ''; state.measure(); state.hint();",
        "remove": """
          clearInterval(state.timer); clearInterval(state.hintTimer);
          if (state.note != null) state.note.remove();
          window.removeEventListener('resize', state.measure);
        """,
    }


#: The text properties of a plot's models that name a font (Bokeh's default: "helvetica").
PLOT_TEXT_FONTS = {Title: ("text_font",), Axis: ("axis_label_text_font", "major_label_text_font"),
                   Legend: ("label_text_font", "title_text_font"), Label: ("text_font",)}


def page_fonts(models, font: str = FONT_STACK):
    """Every text of ``models`` (a plot's, e.g. ``plot.references()``) drawn in ``font``,
    the page's.  In a Chinese page (``<html lang="zh">``) the browser's font for
    "helvetica" is a CJK one, which draws a combining mark beside its letter or not at
    all: the bias–variance legend's f̄ read as "f"."""
    for model in models:
        for kind, names in PLOT_TEXT_FONTS.items():
            if isinstance(model, kind):
                model.update(**dict.fromkeys(names, font))


#: A Chinese character (CJK Unified Ideographs).
_CJK = re.compile("[\u4e00-\u9fff]")


def upright_chinese(models):
    """Each axis label of ``models`` with Chinese in it drawn upright: Bokeh's axis labels
    are italic, and a browser slants a CJK font's characters it has no italic of
    ("迭代周期" leaning as no Chinese text does); a label that is maths alone (x₁, L(θ))
    stays italic."""
    for model in models:
        if isinstance(model, Axis) and isinstance(model.axis_label, str) and _CJK.search(
                model.axis_label):
            model.axis_label_text_font_style = "normal"


def ink(color: str, share: int = 40) -> str:
    """A CSS colour for text drawn in ``color`` (``#rrggbb``) that reads at 4.5:1 in
    both themes: in the light one ``colors.legible`` on ``INK_BACKGROUND`` (Okabe–Ito's orange is
    2.3:1 on white, its yellow 1.3:1), in the dark one ``share`` percent of ``color``
    mixed with white (``--pg-mix``; less: brighter, a headline number at 25 is brighter
    than the muted label above it)."""
    return f"color-mix(in srgb, {color} {share}%, var(--pg-mix, {_light_rest(color, share)}))"


#: The lightest theme's darkest background under coloured text: Panel's card headers
#: (#f7f7f7; an optimizer's name there read at 4.2:1 when made for white).
INK_BACKGROUND = "#f5f5f5"


@functools.lru_cache(maxsize=128)  # pure; readouts redrawn each frame call it (0.6 ms)
def _light_rest(color: str, share: int) -> str:
    """What ``ink`` mixes ``color`` with in the light theme for the mix to be
    ``legible(color)``: a darker shade, u·c, of it (``color-mix`` in sRGB is linear in
    each channel: s·c + (1 − s)·u·c = t·c, t the legible darkening), u a step darker
    while the rounded channels read below 4.5:1."""
    if luminance(color) is None:
        return color
    s = share / 100
    u = (legible_darkening(color, INK_BACKGROUND) - s) / (1 - s)
    while u >= 0:
        rest = mix(color, u, "#000000")
        if contrast(mix(color, s, rest), INK_BACKGROUND) >= TEXT_CONTRAST:
            return rest
        u -= 1 / 256
    raise ValueError(f"{color} at {share} % cannot be made legible: share at most "
                     f"{legible_darkening(color):.0%}")


#: ``pgInk(color)``: :func:`ink` in the browser, for an optimizer's colour (Okabe–Ito's:
#: the optimizer pages' tables and headline, the static pages' readouts; another colour
#: is itself in the light theme).
INK_JS = r"""
function pgInk(c) {
  const rest = (""" + json.dumps({c.lower(): _light_rest(c, 40)
                                  for c in OKABE_ITO}) + r""")[
    String(c).toLowerCase()] || c;
  return "color-mix(in srgb, " + c + " 40%, var(--pg-mix, " + rest + "))";
}
"""


def text_size(px: float) -> str:
    """A CSS font size: ``px`` pixels, at least the lecture mode's text size."""
    return f"max({px}px, var(--pg-text-size, 0px))"


#: Lecture mode's size for a LaTeX formula, over its text size: KaTeX's math font has an
#: x-height of 0.43 em against Arial's 0.52, so a formula at 20 px read as ~16 px text.
MATH_SCALE = 1.2


def math_size(px: float) -> str:
    """A CSS font size for a formula (KaTeX): ``px``, at least lecture mode's text size
    times :data:`MATH_SCALE` (so that it reads as large as the text beside it)."""
    return f"max({px}px, calc(var(--pg-text-size, 0px) * {MATH_SCALE}))"


#: CSS for a formula's LaTeX pane: never wider than its column; a formula wider than it
#: (Adam's in lecture mode, a bias–variance fit's at 1024 px, any in an 820 px frame)
#: scrolls within its own box rather than widening the page or being cut off, with a
#: shadow at each edge that has more formula beyond it (a scroll bar is not always
#: drawn: macOS, a touch screen).  The shadows lie under the box's background, whose
#: covers (in the page's colour, ``--pg-page``) scroll with the formula and hide a
#: shadow once its end is in view.
FORMULA_BOX = """:host { max-width: 100%; overflow-x: auto; overflow-y: hidden;
  background:
    linear-gradient(to right, var(--pg-page, #ffffff) 40%, transparent) left / 28px 100%,
    linear-gradient(to left, var(--pg-page, #ffffff) 40%, transparent) right / 28px 100%,
    radial-gradient(farthest-side at 0 50%, rgba(128, 128, 128, 0.6), transparent)
      left / 14px 100%,
    radial-gradient(farthest-side at 100% 50%, rgba(128, 128, 128, 0.6), transparent)
      right / 14px 100%;
  background-repeat: no-repeat; background-attachment: local, local, scroll, scroll; }"""
#: A LaTeX pane's formula as the browser draws it from KaTeX's MathML (Panel's way), in
#: a font with an OpenType MATH table (macOS's, Windows's, Linux's), named: the browser
#: places accents, radicals' bars and fractions from it (in a text font v̂ drew as a
#: diamond, √ had no bar), and the generic ``math`` family follows the page's language
#: (a Chinese font drew a norm's ∥ slanted, as "//").  Fractions in display style
#: (``math-style: normal``): inline, their terms were 60 % of the text.
MATH_FONT = ("math { font-family: 'STIX Two Math', 'Cambria Math', 'Latin Modern Math', "
             "'DejaVu Math TeX Gyre', math, serif; math-style: normal; }")


def katex_html_stylesheets() -> list[str]:
    """Stylesheets for a LaTeX pane that KaTeX lays out itself (HTML, its braces drawn
    as SVG), not the browser from KaTeX's MathML (Panel's way): Chromium does not
    stretch an operator along a line, so ``\\underbrace{0.00479}`` drew a 6-px cup under
    one digit.  KaTeX's CSS goes into the pane's shadow root, its HTML is shown at the
    pane's own size (not 1.21 em), in the system's serif: Panel ships no KaTeX fonts
    (each one asked for was a 404)."""
    from panel.models.katex import KaTeX  # (its CSS's path follows Panel's resources)

    return [*KaTeX.__css__,
            ".katex { font-size: 1em; } .katex span.katex-html { display: inline; }"
            " .katex, .katex * { font-family: 'Times New Roman', 'Liberation Serif',"
            " 'DejaVu Serif', serif !important; }"]


#: The page laid out at the device's width, as on a desktop window of that width (without
#: it a tablet lays the page out 980 px wide and shrinks it: 12-px labels drawn at 10 px).
#: Narrower than the 640 px the layouts are made for (a phone), it is laid out at 640 px.
VIEWPORT_META = (
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<script>if (screen.width < 640) document.querySelector('meta[name=viewport]')"
    ".setAttribute('content', 'width=640');</script>")


#: A CSS ``display`` that shows an element in lecture mode only (a custom property crosses
#: Panel's shadow roots).
LECTURE_ONLY = "var(--pg-lecture-display, none)"


def number_size(px: float) -> str:
    """A CSS font size for a number users watch: ``px``, at least lecture mode's size."""
    return f"max({px}px, var(--pg-number-size, 0px))"


#: Lecture mode's table of numbers: this share of the window's width per px of type
#: (``table_number_size``).  A table of five columns of pairs fits 1280 px at 20 px.
TABLE_VW = 1.6


def table_number_size(px: float) -> str:
    """A CSS font size for a wide table of numbers: ``px``; in lecture mode the watched
    numbers' size where the window has room for it, else ``TABLE_VW`` % of the window's
    width, never under lecture mode's text size (at 30 px in a 1280-px window the
    optimizer lab's state table broke every pair over two lines)."""
    return (f"max({px}px, min(var(--pg-number-size, 0px), "
            f"max(var(--pg-text-size, 0px), {TABLE_VW}vw)))")


class Display(param.Parameterized):
    """How one page is shown (not what it shows): its language, theme and lecture mode."""

    lang = param.Selector(default=DEFAULT_LANGUAGE, objects=list(LANGUAGES),
                          doc="the language of every text in the page: en or zh")
    theme = param.Selector(default="light", objects=list(THEMES),
                           doc="light or dark colours for every pane and plot")
    present = param.Boolean(default=False,
                            doc="lecture mode: large text, thick lines, full-screen plots")

    def classes(self) -> list[str]:
        """The CSS classes of the page's root element."""
        return ([f"pg-theme-{self.theme}", f"pg-lang-{self.lang}"]
                + (["pg-present"] if self.present else []))


#: The link fields of every page, whatever its lab.
DISPLAY_LINK = LinkTable([param_field(Display, "lang"), param_field(Display, "theme"),
                          param_field(Display, "present")])


def read_display(query) -> tuple[Display, list[str]]:
    """The display a link asks for, and one problem per bad field (never raises)."""
    values, problems = DISPLAY_LINK.read(query)
    return Display(**values), problems


def display_query(display: Display) -> dict[str, str]:
    """The link fields of ``display`` that differ from the defaults."""
    return DISPLAY_LINK.write({"lang": display.lang, "theme": display.theme,
                               "present": display.present})


#: Bokeh's toolbar tools (by class) → the key of the tooltip its button shows
#: (``plot.tool.{key}``): Bokeh's own descriptions are English.
TOOL_KEYS = {"PanTool": "pan", "WheelZoomTool": "wheel_zoom", "BoxZoomTool": "box_zoom",
             "ResetTool": "reset", "SaveTool": "save", "HoverTool": "hover", "TapTool": "tap",
             "FullscreenTool": "fullscreen"}


def describe_tools(plot: Plot, lang: str) -> None:
    """Name each toolbar button of ``plot`` in ``lang`` (its tooltip); a tool with a
    description of its own keeps it."""
    for tool in plot.toolbar.tools:
        key = TOOL_KEYS.get(type(tool).__name__)
        if key is not None and getattr(tool, "description", None) in (None, "", *(
                tr(f"plot.tool.{key}", code) for code in LANGUAGES)):
            tool.description = tr(f"plot.tool.{key}", lang)


class Presenter:
    """Applies one page's :class:`Display` to Bokeh plots, and undoes it.

    Remembers each styled model's own values (``originals``: model id → {property:
    value}) so that switching back restores them exactly.
    """

    def __init__(self, display: Display):
        self.display = display
        self.originals: dict[str, dict[str, object]] = {}
        #: The browser window's height and the ``FIT_WINDOW`` plots' places
        #: (``read_window``), or None: no plot is fitted.
        self.window: tuple[float, dict[str, Place]] | None = None

    def _set(self, model, prop: str, value):
        saved = self.originals.setdefault(model.id, {})
        if prop not in saved:
            saved[prop] = getattr(model, prop)
        if getattr(model, prop) != value:
            setattr(model, prop, value)

    def _restore(self, model, prop: str):
        saved = self.originals.get(model.id, {})
        if prop in saved and getattr(model, prop) != saved[prop]:
            setattr(model, prop, saved[prop])

    def _apply(self, model, prop: str, value, active: bool):
        if active:
            self._set(model, prop, value)
        else:
            self._restore(model, prop)

    def _size(self, plot: Plot, lecture_h: int | None, big: bool):
        """``plot``'s height in this display: its own, its lecture height
        (``LECTURE_HEIGHT``), made shorter to fit the window (``FIT_WINDOW``); a plot of a
        fixed size (the MLP heat map) keeps its frame's shape and its title's room."""
        saved = self.originals.get(plot.id, {})
        own_h, own_w = saved.get("height", plot.height), saved.get("width", plot.width)
        if not own_h:
            return  # (no height of its own to start from)
        height, width = (lecture_h or own_h) if big else own_h, own_w
        place = (self.window[1].get(plot.id) if big and self.window is not None
                 and FIT_WINDOW in plot.tags else None)
        fixed = plot.sizing_mode in (None, "fixed") and bool(own_w)
        if place is not None and height > place.outside_h:
            frame = height - place.outside_h  # its frame's height unfitted
            # The frame and its axes in the window; the legends below may go under it.
            room = (self.window[0] - place.top - FIT_MARGIN_PX
                    - (place.outside_h - place.legends))
            scale = min(1.0, max(FIT_LEAST, room / frame))
            height = round(place.outside_h + scale * frame)
            # Its own right border (a border grown here for the title is not its own).
            right = saved.get("min_border_right", plot.min_border_right)
            right = plot.min_border or 0 if right is None else right
            frame_w = own_w - place.frame_left - right
            if fixed and frame_w > 0:
                width = round(place.frame_left + scale * frame_w + right)
                extra = max(0, math.ceil(place.frame_left + place.title_w + 4) - width)
                self._apply(plot, "min_border_right", right + extra, extra > 0)
                width += extra
        elif fixed:
            self._apply(plot, "min_border_right", None, False)
        self._apply(plot, "height", height, height != own_h)
        if fixed:
            self._apply(plot, "width", width, width != own_w)

    def style_plot(self, plot: Plot, thick: set[str] | None = None):
        """Theme and lecture mode on one plot; ``thick`` the ids of the renderers whose
        lines thicken (None: every line glyph)."""
        dark = self.display.theme == "dark"
        big = self.display.present
        colors = PLOT_COLORS["dark"]
        if not any(isinstance(t, FullscreenTool) for t in plot.toolbar.tools):
            plot.add_tools(FullscreenTool())
        describe_tools(plot, self.display.lang)
        # Bokeh's logo is a link to bokeh.org: a Tab stop before each plot's tools, and a
        # way out of a course's embedded page.
        plot.toolbar.logo = None
        for prop, key in (("background_fill_color", "background"),
                          ("border_fill_color", "border")):
            self._apply(plot, prop, colors[key], dark)
        self._apply(plot, "outline_line_color", colors["grid"], dark)
        # Lecture mode's larger titles ran under a toolbar above the plot: it goes right.
        if self.originals.get(plot.id, {}).get("toolbar_location",
                                               plot.toolbar_location) == "above":
            self._apply(plot, "toolbar_location", "right", big)
        lecture_h = None
        for tag in plot.tags:
            if isinstance(tag, str) and tag.startswith(LECTURE_HEIGHT):
                lecture_h = int(tag[len(LECTURE_HEIGHT):])
            if isinstance(tag, str) and tag.startswith(LECTURE_LEFT):
                self._apply(plot, "min_border_left", int(tag[len(LECTURE_LEFT):]), big)
        if lecture_h is not None or FIT_WINDOW in plot.tags:
            self._size(plot, lecture_h, big)
        zh = self.display.lang == "zh"  # set once: a page's language is fixed
        if not (dark or big or zh or self.originals):
            # The default display on plots never styled otherwise: nothing to set or to
            # restore, and no walk of the plot's models (each page opened styles its
            # plots on the event loop every page shares).
            return
        models = plot.references()  # one walk of the plot's models (a ``select`` is one each)
        if zh:
            page_fonts(models)
            upright_chinese(models)

        def of_type(kind):
            return [m for m in models if isinstance(m, kind)]

        for title in of_type(Title):
            if OWN_INK not in title.tags:
                self._apply(title, "text_color", colors["ink"], dark)
            self._apply(title, "text_font_size", PLOT_FONTS["title"], big)
        for axis in of_type(Axis):
            for prop in ("axis_line_color", "major_tick_line_color", "minor_tick_line_color"):
                if self.originals.get(axis.id, {}).get(prop, getattr(axis, prop)) is not None:
                    self._apply(axis, prop, colors["muted"], dark)  # (a hidden one stays so)
            self._apply(axis, "axis_label_text_color", colors["ink"], dark)
            self._apply(axis, "major_label_text_color", colors["ink"], dark)
            self._apply(axis, "axis_label_text_font_size", PLOT_FONTS["axis_label"], big)
            self._apply(axis, "major_label_text_font_size", PLOT_FONTS["tick"], big)
            self._apply(axis, "axis_line_width", 2, big)
        for grid in of_type(Grid):
            self._apply(grid, "grid_line_color", colors["grid"], dark)
        for label in of_type(Label):  # (12 px: unread from a lecture hall's back rows)
            self._apply(label, "text_font_size", PLOT_FONTS["tick"], big)
        for legend in of_type(Legend):
            self._apply(legend, "background_fill_color", colors["legend"], dark)
            self._apply(legend, "border_line_color", colors["grid"], dark)
            self._apply(legend, "label_text_color", colors["ink"], dark)
            self._apply(legend, "title_text_color", colors["ink"], dark)
            self._apply(legend, "label_text_font_size", PLOT_FONTS["legend"], big)
            self._apply(legend, "glyph_width", 36, big)
            if NOT_IN_LECTURE in legend.tags:
                self._apply(legend, "visible", False, big)
        for renderer in of_type(GlyphRenderer):
            glyph = renderer.glyph
            for prop in () if KEEP_INK in glyph.tags else (
                    "line_color", "fill_color", "text_color"):
                if prop not in glyph.properties():
                    continue  # (a missing one raises, its message made by difflib: slow)
                value = getattr(glyph, prop)
                saved = self.originals.get(glyph.id, {}).get(prop, value)
                shade = luminance(saved) if isinstance(saved, str) else None
                if shade is not None and shade < DARK_GLYPH_LUMINANCE:
                    self._apply(glyph, prop, colors["ink"], dark)
            if isinstance(glyph, VArea):
                alpha = self.originals.get(glyph.id, {}).get("fill_alpha", glyph.fill_alpha)
                if isinstance(alpha, (int, float)):
                    self._apply(glyph, "fill_alpha", min(1.0, alpha * DARK_AREA_ALPHA), dark)
            if isinstance(glyph, (Line, MultiLine, Segment)) and (
                    thick is None or renderer.id in thick):
                width = self.originals.get(glyph.id, {}).get("line_width", glyph.line_width)
                if isinstance(width, (int, float)):
                    self._apply(glyph, "line_width", width * THICK, big)

    def style(self, objects, thick: set[str] | None = None):
        """Every Bokeh plot inside ``objects`` (Bokeh models or layouts)."""
        for obj in objects:
            try:  # a plot itself needs no walk of its models
                plots = [obj] if isinstance(obj, Plot) else obj.select({"type": Plot})
            except Exception:  # a model that cannot be searched: leave it as drawn
                log.exception("could not style %r", obj)
                continue
            for plot in plots:
                self.style_plot(plot, thick)


#: The dark theme's CSS variables, from its plots' colours (``PLOT_COLORS``): the live
#: page's (``CSS``) and the static page's.  ``--pg-mix``: what ``ink`` mixes a colour
#: with; ``--bokeh-icon-color``: the plots' tool icons (Bokeh's #747679 on the plots).
DARK_VARIABLES = {
    "--pg-ink": PLOT_COLORS["dark"]["ink"], "--pg-muted": PLOT_COLORS["dark"]["muted"],
    "--pg-error": "#ff8a80", "--pg-mix": "#ffffff", "--pg-rule": PLOT_COLORS["dark"]["grid"],
    "--pg-page": PLOT_COLORS["dark"]["border"], "--pg-focus": "#8cc8ff",
    "--bokeh-icon-color": PLOT_COLORS["dark"]["muted"]}


def dark_page_css(selector: str) -> str:
    """The dark theme's variables and text colour on ``selector`` (CSS)."""
    variables = " ".join(f"{k}: {v};" for k, v in DARK_VARIABLES.items())
    return f"{selector} {{ {variables} color: {PLOT_COLORS['dark']['ink']}; }}"


CSS = dark_page_css(".pg-theme-dark") + (
    "\nhtml:has(.pg-theme-dark), body:has(.pg-theme-dark) { "
    f"background: {PLOT_COLORS['dark']['border']}; color: {PLOT_COLORS['dark']['ink']}; }}") + """
.pg-header { --pg-focus: #ffffff; }
.pg-present {
  --bokeh-font-size: 20px; --pg-text-size: 20px; --pg-number-size: 30px; font-size: 20px;
  --pg-lecture-display: block; --pg-plain-display: none; --pg-lecture: 1;
}
"""
