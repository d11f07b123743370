"""``python -m playground export "LINK-QUERY" out.html``: a static, interactive copy of a
lab, one HTML file for a course site that hosts only files (no server).

JAX does not run in the browser, so the file holds what was computed when it was
exported, and Bokeh's ``CustomJS`` plays it back over those arrays:

* **optimizer lab**: the race the link describes, with a step scrubber (slider and
  Play), each optimizer's marker, trail and arrows (−αg, −αv where it has a velocity,
  the step Δθ) on the contours, and the loss chart's cursor.  One knob (default: the
  learning rate of the first optimizer shown) becomes a slider over a sweep of
  ``n_values`` values computed in one vmapped call (``numerics.race.run_sweep``):
  log-spaced over a decade either side of the link's value for a knob that spans
  decades (α, ε), evenly spaced over the knob's usual range otherwise, always inside
  its bounds (``numerics.optimizers.KNOBS``) and always containing the link's value,
  where the slider starts.
* **MLP lab**: the link's network trained ``epochs`` epochs from its start (default:
  the link's ``epoch=N``, else ``DEFAULT_EPOCHS``), with
  snapshots of the heat map and of the network diagram (every unit's thumbnail, every
  weight's edge, as the lab draws them) every ``ceil(epochs / snapshots)`` epochs, and
  the training and validation curves with the best epoch's line and the lab's reading
  of them (``MlpLabState.reading(upto=…)``) at each snapshot, played back with an epoch
  scrubber.  A link with an
  optimizer race (``race=…``) gives what the page shows for it: every racer's heat
  map, the race's two charts (every racer in its colour) and its table.
* **bias–variance lab**: the family fitted at every capacity to every training set (what
  the lab computes for the link; the network family is trained here, which takes
  seconds to a minute), with the capacity as a slider over that family (Play sweeps
  it from the simplest model to the most complex): every set's
  fit, their mean f̄, the truth and one set's points (click a fit to show its set);
  the curves against capacity with the chosen capacity's line; the reading and the
  decomposition with that capacity's numbers.  The fits are stored as 16-bit codes
  over a window 16 plot heights either side of the plot (``FIT_WINDOW``; finer than a
  pixel, what leaves the window is drawn at its edge, far off the plot), and at most
  ``FIT_BYTES`` of them: past that, the first sets' fits only (the page says how
  many; bias², variance and the errors are of every set).
* As the lab shows the link: the MLP page's validation points only with ``val=1``, its
  generalisation gap shaded; ``theme=dark`` styles the plots (``ui.present.Presenter``)
  and the file's page (``DARK_CSS``); the button exports in the page's theme.
* As wide as the window, never wider, from ``MIN_WIDTH`` (an iframe) up, as the live
  page: rows of plots wrap (``WRAP``), charts and texts stretch to the width left.
* The optimizer lab's loss chart comes in both scales, linear and log (of L − min L,
  as the lab draws it); the link's choice is shown and a toggle switches.

Bokeh's JavaScript is inlined (``bokeh.resources.INLINE``), so the file opens offline
from disk.  ``build_optimizer_page``, ``build_mlp_page`` and ``build_biasvariance_page``
build the Bokeh layout (pure: no file), its plots drawn by the labs' own figure builders
(``labs.optimizers.plots``, ``labs.mlp.figures``, ``labs.biasvariance.figures``: as the
live page draws them); ``page_html`` makes the file's text; ``export_html`` does both for
a lab's state (the page's "Export page (HTML)" button, ``ui.export.download_button``);
``export`` reads a link, as the command line does.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import latex2mathml.converter
import numpy as np
from bokeh.core.properties import value as literal
from bokeh.embed import file_html
from bokeh.layouts import column, row
from bokeh.models import (
    ColumnDataSource,
    CustomJS,
    CustomJSTickFormatter,
    Div,
    Label,
    Legend,
    LegendItem,
    Range1d,
    Slider,
    Span,
    Title,
    Toggle,
)
from bokeh.resources import INLINE
from param.parameterized import discard_events

from .labs.biasvariance.figures import (
    chosen_label_side,
    chosen_text,
    curve_columns,
    curve_sources,
    curves_figure,
    fit_sources,
    fits_figure,
)
from .labs.mlp.figures import (
    ACCURACY_SPAN,
    LossScale,
    accuracy_text,
    best_epoch_mark,
    epoch_chart,
    generalisation_gap,
    legend_beside,
    race_chart,
    race_table_html,
    racer_lines,
    reading_markdown,
    readout_html,
    train_val_lines,
)
from .labs.mlp.network import DiagramPicture, diagram_legend, unit_names, unit_sizes
from .labs.mlp.state import LINK_CHUNK_S, race_frame_text
from .labs.optimizers.plots import RUN_FRAMES, loss_figure, mark_race, surface_figure
from .numerics import biasvariance as bv
from .numerics import critical, race
from .numerics import optimizers as opt
from .numerics.diagram import MIN_EDGE_WIDTH, W_CLIP
from .text import DEFAULT_LANGUAGE, FONT_STACK, tr
from .ui.axes import (
    ARROWS_JS,
    LEGEND_TEXT_JS,
    PLAIN_JS,
    arrow_reach,
    decomposition_range,
    fit_step_axis,
    fits_range,
    history_loss_range,
    legend_text,
    log_loss_range,
    loss_range,
    state_table_text,
    step_range,
    text_sizes,
)
from .ui.caption import number, race_status
from .ui.contour import add_contours, contour_levels, surface_grid
from .ui.curves import CurveFeed
from .ui.export import RIGHT_ROOM_PX  # room for a chart's last tick label
from .ui.flow import WRAP
from .ui.heatmap import Plane
from .ui.marks import (
    critical_columns,
    step_cursor,
)
from .ui.markup import text_html
from .ui.paint import skip_css_variables
from .ui.palettes import OPTIMIZER_COLORS, title_ink
from .ui.present import (
    MATH_FONT,
    OWN_INK,
    PLOT_COLORS,
    VIEWPORT_META,
    dark_page_css,
    page_fonts,
    upright_chinese,
)
from .ui.widgets import SLIDER_COLON_JS, label_colon, loss_text, number_text

#: The sweep's default number of values, and the bounds on it.
DEFAULT_VALUES = 20
VALUES_BOUNDS = (2, 60)
#: A log knob's sweep spans this many decades either side of the link's value.
LOG_DECADES = 1.0
#: The MLP run: epochs trained, and at most this many heat-map snapshots.
DEFAULT_EPOCHS = 300
DEFAULT_SNAPSHOTS = 60
EPOCHS_BOUNDS = (1, 20_000)
SNAPSHOTS_BOUNDS = (2, 200)
#: The optimizer race's playback: a frame every FRAME_MS, at most PLAY_FRAMES frames.
FRAME_MS = 40
PLAY_FRAMES = RUN_FRAMES
#: The MLP run's playback: a frame every MLP_FRAME_MS (300 epochs in 12 s, about the
#: live lab's default pace; at FRAME_MS they went by in 6 s, too fast to talk over).
MLP_FRAME_MS = 80
#: The bias–variance page's Play: each capacity shown this long (its fits redrawn).
CAPACITY_FRAME_MS = 350
#: The bias–variance page: the fits' window either side of the plot, in plot heights,
#: and the most bytes its fits' codes (and their sets' points) take in the file.
FIT_WINDOW = 16
FIT_BYTES = 2_000_000
#: A fit's code for a value that is not finite (drawn as a gap).
FIT_GAP = 65535
#: A script or style sheet loaded by a relative URL (``static/…``): the file must need
#: nothing else.
LOCAL_RESOURCE = re.compile(r'<script[^>]*\ssrc="(?![a-z]+:)[^"]*"[^>]*></script>\n?'
                            r'|<link[^>]*\shref="(?![a-z]+:)[^"]*"[^>]*>\n?')
#: A race's columns in the file, per optimizer and step.
RACE_COLUMNS = ("x", "y", "loss", "gx", "gy", "sx", "sy", "vx", "vy", "ex", "ey", "lr", "gap",
                "gstate")


class ExportError(Exception):
    """The page cannot be exported (a bad link, an option that does not apply); one line."""


@dataclass
class Page:
    """A built page: the Bokeh layout, its title and language, the caption of its
    settings, and what was precomputed (``details``, plain values for the CLI)."""

    layout: object
    title: str
    lang: str
    caption: str
    details: dict = field(default_factory=dict)
    #: Run once when the file opens (draws the first frame).
    ready: CustomJS | None = None
    #: The optimizer page's races, one per sweep value (``numerics.race.Race``).
    races: list = field(default_factory=list)
    #: ``light`` or ``dark`` (the link's ``theme``): the plots styled as the page's.
    theme: str = "light"


# ---------------------------------------------------------------------------
# The sweep's values


def sweep_values(knob: str, centre: float, n: int = DEFAULT_VALUES) -> list[float]:
    """``n`` values of knob ``knob`` around the link's value ``centre``, sorted, inside
    the knob's bounds and containing ``centre`` exactly.

    Log knobs (α, ε): ``geomspace`` over centre·10^(±LOG_DECADES), shifted inside the
    bounds.  Flags: 0 and 1.  Others: ``linspace`` over the knob's usual range (its
    ``soft`` bounds, else its bounds).  The grid value nearest ``centre`` is replaced by
    it (so the slider starts at the link's value).

    Raises:
        ValueError: ``n`` < 2, or ``centre`` outside the knob's bounds.
    """
    k = opt.KNOBS[knob]
    centre = opt.check_knob(knob, centre)
    if n < 2:
        raise ValueError("a sweep needs at least 2 values")
    if k.flag:
        return [0.0, 1.0]
    # In the knob's own scale (log₁₀ for a log knob): a window about the centre, inside
    # the bounds, and an even grid on it with the centre at one of its points.
    to, back = (math.log10, lambda u: 10.0**u) if k.log else (float, float)
    low, high = to(k.low), to(k.high)
    c = to(max(centre, k.low))
    if k.log:
        a = min(max(low, c - LOG_DECADES), max(low, high - 2 * LOG_DECADES))
        b = min(high, a + 2 * LOG_DECADES)
    else:
        a, b = (to(v) for v in (k.soft or (k.low, k.high)))
        a, b = min(a, c), max(b, c)
    at = round((c - a) / (b - a) * (n - 1)) if b > a else 0
    steps = [(c - a) / at if at > 0 else math.inf,
             (b - c) / (n - 1 - at) if at < n - 1 else math.inf]
    step = min(steps) if min(steps) > 0 else (b - a) / (n - 1)
    values = {centre}
    for i in range(n):
        if i != at:
            v = back(c + (i - at) * step)
            # Three significant digits: the slider, the note and the captions read
            # 0.0119, not 0.0119149 (a new user's review).
            values.add(min(max(float(f"{v:.3g}"), k.low), k.high))
    return sorted(values)


def pick_sweep(shown: list[str], sweep: str | None) -> tuple[str, str]:
    """(optimizer, knob) of ``--sweep``: ``KNOB`` (the first optimizer shown that has it)
    or ``OPTIMIZER.KNOB``; None: the first optimizer's learning rate.

    Raises:
        ExportError: an unknown knob or optimizer, or none shown that has the knob.
    """
    if not shown:
        raise ExportError("the link shows no optimizer (optimizers=…)")
    if sweep is None:
        return shown[0], "lr"
    name, _, knob = sweep.rpartition(".")
    if knob not in opt.KNOBS:
        raise ExportError(f"--sweep: unknown knob {knob!r}; knobs: {', '.join(opt.KNOBS)}")
    if name:
        if name not in opt.OPTIMIZERS:
            raise ExportError(f"--sweep: unknown optimizer {name!r}")
        if name not in shown:
            raise ExportError(f"--sweep: {name} is not shown (shown: {', '.join(shown)})")
        if knob not in opt.OPTIMIZERS[name].hyperparams:
            raise ExportError(f"--sweep: {name} has no knob {knob}")
        return name, knob
    for name in shown:
        if knob in opt.OPTIMIZERS[name].hyperparams:
            return name, knob
    raise ExportError(f"--sweep: no optimizer shown has {knob} (shown: {', '.join(shown)})")


# ---------------------------------------------------------------------------
# Shared pieces


def _caption(state, notes: bool = True) -> str:
    from .ui.export import figure_caption

    return figure_caption(state, notes)


def captions_along(state, settings: list[dict], notes: bool = True) -> list[str]:
    """The caption of ``state`` with each of ``settings`` (parameter → value) set in
    turn, as if its link had set them: the caption that follows a page's slider.
    Nothing is recomputed (the watchers do not run: a setting that is a result, such
    as the optimizer lab's ``result``, is given with the others) and ``state`` is left
    as it was."""
    kept = {key: getattr(state, key) for each in settings for key in each}
    captions = []
    try:
        for each in settings:
            with discard_events(state):
                state.param.update(each)
            captions.append(_caption(state, notes))
    finally:
        with discard_events(state):
            state.param.update(kept)
    return captions


def _header_follows(slider: Slider, header: Div, title: str, captions: list[str],
                    note: str):
    """The header's caption is ``captions[i]`` while ``slider`` is at ``i``."""
    slider.js_on_change("value", CustomJS(
        args={"header": header, "headers": [_header_html(title, c, note) for c in captions]},
        code="header.text = headers[Math.round(cb_obj.value)];"))


#: The narrowest window (an embedding iframe) the page fits without scrolling sideways.
MIN_WIDTH = 820


#: The optimizer page's loss charts: at least this wide, beside the surface where the
#: window has room for both, else below it, as wide as the page (the state table is
#: below them, as wide as the page).
LOSS_MIN_WIDTH = 470


#: The MLP page's charts: at least this wide, beside the heat map(s) where the window
#: has room, else below, as wide as the page.
CHARTS_MIN_WIDTH = 420
#: The network diagram's legend, beside it (below it in a narrower window), px.
NETWORK_LEGEND_W = 300
#: The plots' text: the page's own fonts (``ui.export``'s figures', the live page's), not
#: Bokeh's "helvetica".  In a page whose language is Chinese (``<html lang="zh">``), the
#: browser draws a "helvetica" text's combining marks from a CJK font, beside the letter
#: rather than over it: the f̄ of the bias–variance legend read as "f ˉ", faint.
PLOT_FONT = FONT_STACK
#: The bias–variance page's two plots: side by side from twice this width, each at
#: most ``BV_MAX_WIDTH`` (wider, a plot of 430 px height reads flat).
BV_MIN_WIDTH, BV_MAX_WIDTH = 380, 800


#: A slider's margin (top, right, bottom, left) where two stand side by side.
SLIDER_MARGIN = (5, 20, 5, 20)


def _wrap(*children, **options):
    """``children`` side by side while the window is wide enough, else below each other;
    the row as wide as the page (``WRAP``)."""
    return row(*children, sizing_mode="stretch_width", stylesheets=[WRAP], **options)


def _header(title: str, caption: str, note: str) -> Div:
    """The page's title, the caption of its settings and a note on what was computed
    (every text escaped: a link's formula is a user's text), as wide as the page, its
    lines wrapping."""
    return Div(text=_header_html(title, caption, note), sizing_mode="stretch_width",
               name="pg-header")


def _header_html(title: str, caption: str, note: str) -> str:
    return (f"<div style='font:600 22px system-ui,sans-serif;color:var(--pg-ink,#222)'>"
            f"{text_html(title)}</div>"
            f"<div class='pg-caption' style='font:14px system-ui,sans-serif;"
            f"color:var(--pg-ink,#333);margin-top:4px'>{text_html(caption)}</div>"
            f"<div style='font:13px system-ui,sans-serif;color:var(--pg-muted,#555);"
            f"margin-top:4px'>"
            f"{text_html(note)}</div>")


def _play_toggle(slider: Slider, lang: str, name: str, frame_ms: int = FRAME_MS) -> Toggle:
    """Play/Pause: moves ``slider`` to its end in at most ``PLAY_FRAMES`` frames, one
    every ``frame_ms``."""
    toggle = Toggle(label=tr("mlp.play", lang), width=110, name=name, button_type="success",
                    css_classes=["pg-play"])
    toggle.js_on_change("active", CustomJS(
        args={"slider": slider, "play": tr("mlp.play", lang), "pause": tr("mlp.pause", lang),
              "frames": PLAY_FRAMES, "frame_ms": frame_ms},
        code=PLAY_JS))
    return toggle


PLAY_JS = r"""
const timers = window.pg_timers = window.pg_timers || {};
clearInterval(timers[cb_obj.id]);
if (cb_obj.active) {
  cb_obj.label = pause;
  if (slider.value >= slider.end) slider.value = slider.start;
  const per = Math.max(slider.step, Math.ceil((slider.end - slider.start) / frames));
  timers[cb_obj.id] = setInterval(() => {
    const next = Math.min(slider.end, slider.value + per);
    slider.value = next;
    if (next >= slider.end) cb_obj.active = false;
  }, frame_ms);
} else {
  cb_obj.label = play;
}
"""


#: The dark theme's page (the live page's ``ui.present.CSS``): Bokeh's widgets and the
#: readouts inherit its colours.
PAGE_DARK = PLOT_COLORS["dark"]["border"]  # the live dark page's background
DARK_CSS = f"<style>{dark_page_css('body')} body {{ background: {PAGE_DARK}; }}</style>"
#: The file's page: a margin around the content (the browser's 8 px, less Bokeh's,
#: left the text 5 px from the window's edge); the layout stays as wide as the window.
PAGE_CSS = "<style>html body { padding: 12px 20px; }</style>"  # (over Bokeh's "html, body")


# ---------------------------------------------------------------------------
# The optimizer lab


def _race_columns(r: race.Race, k: int, floor: float = 0.0) -> dict[str, np.ndarray]:
    """Optimizer ``k``'s rows of race ``r`` that it reached, as the file's columns (the
    lab's, ``Race.reached``, with ``step``, ``gap`` = L − ``floor`` for the log-scale
    chart, and ``gstate`` in place of ``kink``)."""
    columns = r.reached(k)
    kink = columns.pop("kink")
    rows = len(kink)
    # What g is: 0 the gradient, 1 the minimum-norm subgradient (θ at a kink), 2 undefined
    # (the iterate where the run stopped, its slope infinite).
    gstate = kink.astype(np.float64)
    stop = r.stop(k)
    if stop is not None and stop[0] == "undefined" and stop[1] < rows:
        gstate[stop[1]] = 2.0
    return {"step": np.arange(rows, dtype=np.float64), "gstate": gstate,
            "gap": race.loss_gap(columns["loss"], floor), **columns}


def build_optimizer_page(state, sweep: str | None = None,
                         n_values: int = DEFAULT_VALUES) -> Page:
    """The optimizer lab's race (``state``: an ``OptimizerLabState`` set from a link)
    as a page that plays it back, with the swept knob as a slider (see the module).

    Sources by name: ``full_NAME`` (what is drawn for optimizer NAME: ``step`` and
    ``RACE_COLUMNS``), ``sweep_I`` (the swept optimizer's columns for the I-th value;
    ``full_`` holds the slider's), ``trail_NAME``, ``current``; widgets ``pg-step``,
    ``pg-sweep``, ``pg-play``.

    Raises:
        ExportError: no optimizer shown, a bad ``sweep``, a start where the surface is
            not finite, or ``n_values`` outside ``VALUES_BOUNDS``.
    """
    lang = state.lang
    if not VALUES_BOUNDS[0] <= n_values <= VALUES_BOUNDS[1]:
        raise ExportError(f"--values must be between {VALUES_BOUNDS[0]} and {VALUES_BOUNDS[1]}")
    shown = state.racers
    name, knob = pick_sweep(shown, sweep)
    surface = state.shown_surface  # its view widened to a far start
    start = (float(state.x0), float(state.y0))
    start_value = float(np.asarray(surface.fn(*start)))
    if not math.isfinite(start_value):
        raise ExportError(tr("surface.undefined" if math.isnan(start_value)
                             else "surface.not_finite", lang, x=f"{start[0]:g}",
                             y=f"{start[1]:g}"))
    centre = state.hyperparams()[name][knob]
    values = sweep_values(knob, centre, n_values)
    index = values.index(centre)
    races = race.run_sweep(surface.fn, state.settings(), name, knob, values)
    here = races[index]
    # The player ends where the lab's run does: the last step a shown run reached (for
    # any value of the sweep), not steps after every run stopped.
    steps = max(r.last_step(shown) for r in races)
    swept_k = opt.NAMES.index(name)
    xs, ys, z = surface_grid(surface)
    floor = race.loss_floor(surface.minimum_value, float(np.nanmin(z)), races,
                            [opt.NAMES.index(n) for n in shown])

    full = {n: ColumnDataSource(_race_columns(here, opt.NAMES.index(n), floor),
                                name=f"full_{n}") for n in shown}
    sweeps = [ColumnDataSource(_race_columns(r, swept_k, floor), name=f"sweep_{i}")
              for i, r in enumerate(races)]
    trails = {n: ColumnDataSource({"x": [], "y": []}, name=f"trail_{n}") for n in shown}
    current = ColumnDataSource({"x": [], "y": [], "color": []}, name="current")
    loss_now = ColumnDataSource({"x": [], "y": [], "gap": [], "color": []}, name="loss_now")
    arrows = {kind: ColumnDataSource({"x0": [], "y0": [], "x1": [], "y1": [], "color": []},
                                     name=f"arrows_{kind}")
              for kind in ("gradient", "velocity", "step")}

    # The contours, as the lab draws them.
    levels = contour_levels(z, surface.log_levels, surface.minimum_value)
    fig = surface_figure(lang, width=550, height=500, x_range=Range1d(*surface.x_range),
                         y_range=Range1d(*surface.y_range), name="pg-surface")
    add_contours(fig, xs, ys, z, levels)
    marks = mark_race(
        fig, full, trails, arrows, current,
        ColumnDataSource({"x": [start[0]], "y": [start[1]]}, name="start"),
        ColumnDataSource(critical_columns(critical.critical_points(surface), lang),
                         name="critical_points"))
    items = [LegendItem(label=literal(tr(f"optimizer.{n}", lang)), renderers=[marks[n][1]])
             for n in shown]
    legend = Legend(items=items, location="top_left", label_text_font_size="14px",
                    click_policy="hide", orientation="horizontal", ncols=2,
                    border_line_alpha=0.0, margin=4, padding=4, spacing=16, name="pg-legend")
    fig.add_layout(legend, "below")

    # The loss charts, linear and log scale (of L − min L), as the lab's at each sweep
    # value: its runs fit the range (diverged tails leave through the top), which the
    # sweep slider sets (one range for all: a value whose run grew to 10⁸ flattened
    # every other value's curves).
    spans = {"linear": [], "log": []}
    for r_swept in races:
        curves, gaps, gone = [], [], []
        for n in shown:
            k = opt.NAMES.index(n)
            r = r_swept if n == name else here
            columns = _race_columns(r, k, floor)
            curves.append(columns["loss"])
            gaps.append(columns["gap"])
            gone.append(bool(r.diverged_at[k] >= 0))
        spans["linear"].append(loss_range(curves, gone) or (0.0, 1.0))
        spans["log"].append(log_loss_range(gaps, gone) or (1e-3, 1.0))
    log = state.log_scale()
    loss_figs, cursors = {}, []
    steps_axis = step_range()  # both charts', as the lab's
    fit_step_axis(steps_axis, steps)
    for mode in ("linear", "log"):
        cursor = step_cursor(steps, "cursor" if mode == "linear" else "cursor_log")
        f = loss_figure(mode, lang, full, cursor, height=330, sizing_mode="stretch_width",
                        min_width=LOSS_MIN_WIDTH, x_range=steps_axis,
                        y_range=Range1d(*spans[mode][index]),
                        name="pg-loss" if mode == "linear" else "pg-loss-log",
                        visible=log == (mode == "log"))
        f.scatter("x", "y" if mode == "linear" else "gap", source=loss_now, size=9,
                  fill_color="color",
                  line_color="white", line_width=1.5)
        loss_figs[mode] = f
        cursors.append(cursor)
    log_toggle = Toggle(label=tr("view.log_loss", lang), active=log, width=200,
                        name="pg-log-loss", css_classes=["pg-log-loss"])
    log_toggle.js_on_change("active", CustomJS(
        args={"linear": loss_figs["linear"], "log": loss_figs["log"]},
        code="log.visible = cb_obj.active; linear.visible = !cb_obj.active;"))

    # Below the pictures, as wide as the page: beside the surface, at 1280 px, its
    # pairs broke over two lines (the table's cells wrap, never widen the page).
    readout = Div(text="", sizing_mode="stretch_width", name="pg-readout",
                  styles={"font-size": "14px", "font-family": "system-ui, sans-serif",
                          "overflow-x": "auto"})
    # Two sliders side by side: a wider margin between them, or they read as one track.
    # It opens at the link's step (the run's end by default: the link's value's, which
    # the caption counts; another value's may go on) and plays the whole run.
    first = min(int(state.step) if 0 <= state.step < steps else steps, here.last_step(shown))
    step_slider = Slider(start=0, end=max(steps, 1), step=1, value=first, width=400,
                         margin=SLIDER_MARGIN, title=tr("export.step", lang), name="pg-step",
                         css_classes=["pg-slider-step"])
    knob_label = tr(f"hp.{opt.KNOBS[knob].short}", lang)
    flag = opt.KNOBS[knob].flag  # (Adam's bias correction: off and on)
    labels = ([tr(f"export.sweep.{'on' if v else 'off'}", lang) for v in values] if flag
              else [number(v) for v in values])
    sweep_title = tr("export.sweep", lang, knob=knob_label,
                     optimizer=tr(f"optimizer.{name}", lang))
    sweep_slider = Slider(start=0, end=len(values) - 1, step=1, value=index, width=400,
                          margin=SLIDER_MARGIN, name="pg-sweep", css_classes=["pg-slider-sweep"],
                          title=sweep_title, format=CustomJSTickFormatter(
                              # Written as the header's caption writes it (6 digits):
                              # the slider's 4 digits read as another value.
                              args={"labels": labels},
                              code="return labels[Math.round(tick)];"))
    play = _play_toggle(step_slider, lang, "pg-play")
    statuses = {n: ([race_status(r, swept_k, lang) for r in races] if n == name
                    else [race_status(here, opt.NAMES.index(n), lang)] * len(races)) for n in shown}
    diverged = {n: ([int(r.stop(swept_k)[1]) if r.stop(swept_k) else -1 for r in races]
                    if n == name else [int(here.stop(opt.NAMES.index(n))[1])
                                       if here.stop(opt.NAMES.index(n)) else -1] * len(races))
                for n in shown}
    animate = CustomJS(args={
        "step": step_slider, "sweep": sweep_slider, "swept": name, "sweeps": sweeps,
        "names": shown,
        "labels": [tr(f"optimizer.{n}", lang) for n in shown],
        "colors": [OPTIMIZER_COLORS[n] for n in shown],
        "velocity": [opt.OPTIMIZERS[n].velocity is not None for n in shown],
        "statuses": statuses, "diverged": diverged, "fulls": full, "trails": trails,
        "lasts": [r.last_step(shown) for r in races],  # each value's run's last step
        "current": current, "loss_now": loss_now, "cursors": cursors, "legend": legend,
        "readout": readout, "surface_title": fig.title, "surface_plot": fig,
        "arrows_gradient": arrows["gradient"],
        "arrows_velocity": arrows["velocity"], "arrows_step": arrows["step"],
        "reach": arrow_reach(surface.x_range, surface.y_range),
        "y_ranges": [loss_figs["linear"].y_range, loss_figs["log"].y_range],
        "spans": [spans["linear"], spans["log"]],
        "text": {**state_table_text(lang), **legend_text(lang)}},
        code=OPTIMIZER_JS)
    step_slider.js_on_change("value", animate)
    sweep_slider.js_on_change("value", animate)
    from .labs.optimizers.state import hp_param

    # The caption names the run ("200 steps"), not the step shown: the slider moves.
    captions = captions_along(state, [{hp_param(name, knob): bool(v) if flag else v,
                                       "result": r, "step": -1}
                                      for v, r in zip(values, races, strict=True)])
    caption = captions[index]
    note = tr("export.note.optimizers", lang, n=len(values), knob=knob_label,
              optimizer=tr(f"optimizer.{name}", lang), low=labels[0],
              high=labels[-1])  # as the slider's ticks
    title = f"{tr('app.title', lang)} · {tr('lab.optimizers', lang)}"
    controls = _wrap(play, step_slider, sweep_slider, log_toggle)
    header = _header(title, caption, note)
    _header_follows(sweep_slider, header, title, captions, note)  # the α it names
    layout = column(header, controls,
                    _wrap(fig, column(loss_figs["linear"], loss_figs["log"],
                                      sizing_mode="stretch_width", min_width=LOSS_MIN_WIDTH)),
                    readout, sizing_mode="stretch_width", name="pg-page")
    return Page(layout, title, lang, caption, {
        "lab": "optimizers", "optimizer": name, "knob": knob, "values": values,
        "index": index, "steps": steps, "shown": shown, "log": log, "floor": floor,
        "spans": spans},
        ready=animate, races=races)


#: The optimizer page's playback: the step slider's value t, the sweep slider's value i.
OPTIMIZER_JS = ARROWS_JS + PLAIN_JS + LEGEND_TEXT_JS + r"""
const t = Math.max(0, Math.round(step.value));
const i = Math.round(sweep.value);
if (cb_obj === sweep) {
  fulls[swept].data = Object.assign({}, sweeps[i].data);
  y_ranges.forEach((range, m) => {  // this value's runs fit, as the lab's at it
    const [low, high] = spans[m][i];
    range.setv({start: low, end: high, reset_start: low, reset_end: high});
  });
}
const cur = {x: [], y: [], color: []}, now = {x: [], y: [], gap: [], color: []}, raw = [];
let rows = "";
for (let k = 0; k < names.length; k++) {
  const d = fulls[names[k]].data;
  if (d.x.length === 0) continue;
  const color = colors[k], status = statuses[names[k]][i], end = diverged[names[k]][i];
  // The lab's table, row for row (gstate: 1 at a kink, 2 where g is undefined).
  const shown = pgStateRow(raw, d, t, {  // ui.axes.ARROWS_JS
    label: labels[k], color, velocity: velocity[k], end, status,
    undefinedAt: d.gstate.indexOf(2), kink: (j) => d.gstate[j] === 1, text});
  const j = shown.i;
  trails[names[k]].data = {x: d.x.slice(0, j + 1), y: d.y.slice(0, j + 1)};
  cur.x.push(d.x[j]); cur.y.push(d.y[j]); cur.color.push(color);
  now.x.push(j); now.y.push(d.loss[j]); now.gap.push(d.gap[j]); now.color.push(color);
  // The legend: each optimizer's loss at step t, as the lab's legend gives it.
  legend.items[k].label = {value: pgLegendText(t, labels[k], d.loss[j], end, lasts[i],
                                               status, text)};
  rows += shown.row;
}
current.data = cur;
loss_now.data = now;
for (const c of cursors) c.location = t;
const {zoom, arrows: out} = pgArrows(raw, reach);  // ui.axes.ARROWS_JS
arrows_gradient.data = out.gradient;
arrows_velocity.data = out.velocity;
arrows_step.data = out.step;
readout.text = pgStateTable(text, t, zoom, rows, ";font-size:13px");
pgZoomTitle(surface_title, text.surface, text, zoom, out, surface_plot);
"""


# ---------------------------------------------------------------------------
# The MLP lab


def snapshot_epochs(epochs: int, snapshots: int = DEFAULT_SNAPSHOTS) -> list[int]:
    """0, k, 2k, …, and ``epochs`` itself: k = ⌈epochs / (snapshots − 1)⌉, so at most
    ``snapshots`` heat maps."""
    every = max(1, math.ceil(epochs / max(snapshots - 1, 1)))
    marks = list(range(0, epochs, every))
    return [*marks, epochs]


def _heat_image(plane: Plane, grid: np.ndarray) -> np.ndarray:
    """A snapshot's heat map as stored in the file: the lab's (``Plane.image``), two
    classes' p₁ as a byte (256 shades for the palette's 128; ``_plane`` scales the
    colour mapper to it)."""
    image = plane.image(grid)
    if plane.two_class_probability:
        return np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)
    return image


def build_mlp_page(state, epochs: int = DEFAULT_EPOCHS,
                   snapshots: int = DEFAULT_SNAPSHOTS,
                   between: Callable[[], None] | None = None) -> Page:
    """The MLP lab's network (``state``: an ``MlpLabState`` set from a link) trained
    ``epochs`` epochs from its start, as a page that plays the run back (see the
    module).  A state already trained (a link's ``epoch=N``) starts afresh from its
    initial network first, so the recording covers epochs 0…``epochs``.  Trains
    ``state`` (it ends at the last epoch, or where training diverged), with
    ``between()`` between chunks of about ``LINK_CHUNK_S`` seconds when given.

    Sources by name: ``snapshots`` (``epoch``, ``image``: the heat maps), ``image`` (the
    one shown), ``history`` (every epoch's losses and accuracies), ``played``,
    ``network_snapshots`` (the network diagram's frames, ``_network_snapshots``) and the
    diagram's own (``pg-network-units``, ``pg-network-outputs``, ``pg-network-edges``:
    the frame shown) in the figure ``pg-network``; the widget ``pg-epoch``.

    Raises:
        ExportError: ``epochs`` or ``snapshots`` outside their bounds.
    """
    lang = state.lang
    if not EPOCHS_BOUNDS[0] <= epochs <= EPOCHS_BOUNDS[1]:
        raise ExportError(f"--epochs must be between {EPOCHS_BOUNDS[0]} and {EPOCHS_BOUNDS[1]}")
    if not SNAPSHOTS_BOUNDS[0] <= snapshots <= SNAPSHOTS_BOUNDS[1]:
        raise ExportError(f"--snapshots must be between {SNAPSHOTS_BOUNDS[0]} and "
                          f"{SNAPSHOTS_BOUNDS[1]}")
    if state.epoch != 0:  # a link's trained network (``epoch=N``): record from its start
        state.restart_for_link()
    if state.racers:  # a race: every racer, as the page shows it
        return build_mlp_race_page(state, epochs, snapshots, between)
    drawing = DiagramPicture(lang)
    drawing.fig.name = "pg-network"
    drawing.set_structure(unit_sizes(state), unit_names(state))
    marks, taken = _train_snapshots(state, epochs, snapshots, lambda: (
        np.asarray(state.grid()), drawing.frame(*state.diagram(), state.arch.activation)),
        between)
    plane = _plane(state)
    images = [_heat_image(plane, grid) for grid, _ in taken]
    network = _network_snapshots(drawing, [frame for _, frame in taken])
    history = np.asarray(state.history, np.float64)
    snaps = ColumnDataSource({"epoch": marks, "image": images}, name="snapshots")
    heat, shown_image = _heat_figure(plane, images[-1],
                                     tr("mlp.plot.boundary", lang), (520, 500), "pg-boundary",
                                     "image")
    heat.xaxis.axis_label, heat.yaxis.axis_label = "x₁", "x₂"
    has_val = bool(state.has_validation)
    full, played = _history_sources(history, marks[-1])
    cursors, charts, best_lines, best_items = [], [], [], []
    # The best epoch so far at each snapshot (the lab's: the first lowest validation loss).
    best_epochs = [int(np.argmin(history[: e + 1, 2])) for e in marks]
    for what in ("loss", "acc"):
        span = (ACCURACY_SPAN if what == "acc" else  # as the lab's: a diverged run's climb
                history_loss_range([history], [state.diverged_at is not None]))  # leaves
        chart = _epoch_chart(what, lang, span, marks[-1], 250,
                             min_border_right=RIGHT_ROOM_PX)
        if what == "loss":
            log_toggle = _log_loss_toggle(chart, [history], [state.diverged_at is not None],
                                          lang, bool(state.log_loss))
        if has_val:  # the generalisation gap, shaded between the curves, as the lab's
            generalisation_gap(chart, played, what, lang, name=f"gap_{what}")
        # The whole run faint, what is played over it.
        train_val_lines(chart, full, what, lang, has_val, legend=False, line_width=1.5,
                        line_alpha=0.25)
        train_val_lines(chart, played, what, lang, has_val, line_width=2.5)
        if has_val:  # (the best on validation: without validation points, none)
            best, key = best_epoch_mark(chart, lang)
            best.location, best.name = best_epochs[-1], f"best_{what}"
            best_lines.append(best)
            best_items.extend(item for item in chart.legend[0].items
                              if key in item.renderers)
        legend_beside(chart)
        cursors.append(_epoch_cursor(chart, what, marks[-1]))
        charts.append(chart)
    readout = Div(text="", sizing_mode="stretch_width", name="pg-readout",
                  styles={"font-size": "16px", "font-family": "system-ui, sans-serif"})
    slider = _epoch_slider(marks, lang)
    play = _play_toggle(slider, lang, "pg-play", MLP_FRAME_MS)
    none = tr("mlp.no_validation", lang)
    readouts = [readout_html(  # the lab's, each loss with its accuracy under it
        e, loss_text(history[e, 0]), loss_text(history[e, 2]) if has_val else none, lang,
        accuracies=(accuracy_text(history[e, 1], lang),
                    accuracy_text(history[e, 3], lang) if has_val else "")) for e in marks]
    # The lab's reading of the curves up to each snapshot (none before training shows).
    readings = [_reading_html(reading_markdown(state, e)) if state.reading(upto=e) != "early"
                else "" for e in marks]
    # (Three lines high at least: the diagram below it does not jump as Play goes on.)
    reading = Div(text=readings[-1], sizing_mode="stretch_width", name="pg-reading",
                  styles={"font-size": "15px", "font-family": "system-ui, sans-serif",
                          "color": "var(--pg-ink, #222)", "min-height": "4.2em"})
    animate = CustomJS(args={
        "slider": slider, "snaps": snaps, "image": shown_image, "full": full, "played": played,
        "cursors": cursors, "readout": readout, "readouts": readouts, "network": network,
        "best_lines": best_lines, "best_items": best_items, "best_epochs": best_epochs,
        "reading": reading, "readings": readings,
        "units": drawing.unit_images, "outputs": drawing.output_images,
        "edges": drawing.edge_source, "max_width": drawing.layout.edge_max_width,
        "w_clip": W_CLIP, "min_width": MIN_EDGE_WIDTH}, code=MLP_JS)
    slider.js_on_change("value", animate)
    title, caption, note, every = _mlp_heading(state, marks)
    if state.diverged_at is not None:
        note += " " + tr("mlp.diverged", lang, epoch=state.diverged_at)
    layout = column(_header(title, caption, note), _wrap(play, slider, log_toggle),
                    _wrap(heat, column(*charts, readout, sizing_mode="stretch_width",
                                       min_width=CHARTS_MIN_WIDTH)),
                    _heat_key(plane, lang), reading,
                    _wrap(drawing.fig, Div(
                        text=f"<div style='font:13px system-ui,sans-serif;"
                             f"color:var(--pg-muted,#555)'>{text_html(diagram_legend(state))}"
                             f"</div>", width=NETWORK_LEGEND_W, margin=(40, 10, 10, 10),
                        name="pg-network-legend")),
                    sizing_mode="stretch_width", name="pg-page")
    return Page(layout, title, lang, caption, {
        "lab": "mlp", "epochs": marks[-1], "snapshots": len(marks), "every": every},
        ready=animate)


def _reading_html(text: str) -> str:
    """A reading (``mlp.reading.*``: Markdown whose only markup is ``**bold**``, as the
    lab's pane shows it) as HTML."""
    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text_html(text))


def _network_snapshots(drawing: DiagramPicture, frames: list[dict]) -> ColumnDataSource:
    """The network diagram's frames (``DiagramPicture.frame``), one row a snapshot:
    ``units_{c}`` (column c's thumbnails), ``outputs`` and ``w`` (the edges' weights;
    their widths the page computes, ``MLP_JS``, as ``numerics.diagram.edge_widths``:
    half the bytes); the diagram shows the last one."""
    drawing.draw(frames[-1])
    columns = {f"units_{c}": [frame["units"][c] for frame in frames]
               for c in range(len(frames[0]["units"]))}
    columns.update({key: [frame[key] for frame in frames] for key in ("outputs", "w")})
    return ColumnDataSource(columns, name="network_snapshots")


def _mlp_heading(state, marks: list[int]) -> tuple[str, str, str, int]:
    """An MLP page's title, caption (the link's settings), note (the epochs recorded,
    one snapshot every ``every``) and ``every``."""
    every = marks[1] - marks[0] if len(marks) > 1 else 1
    kept = (tr("export.every.one", state.lang) if every == 1
            else tr("export.every", state.lang, n=every))  # ("every 1 epochs")
    note = tr("export.note.mlp", state.lang, epochs=marks[-1], every=kept, n=len(marks))
    title = f"{tr('app.title', state.lang)} · {tr('lab.mlp', state.lang)}"
    # (A race's frame, its only note, has its line under the maps: not twice.)
    return title, _caption(state, notes=False), note, every


def _train_snapshots(state, epochs: int, snapshots: int, grids,
                     between: Callable[[], None] | None = None) -> tuple[list, list]:
    """Train ``state`` to ``epochs`` (or until it halts), taking ``grids()`` at each of
    ``snapshot_epochs``: the epochs reached and what ``grids`` gave there.  With
    ``between``, training goes in chunks of about ``LINK_CHUNK_S`` seconds with
    ``between()`` after each (a server's export hands its slot on there)."""
    marks, taken = [], []
    for epoch in snapshot_epochs(epochs, snapshots):
        while state.epoch < epoch:  # one call trains at most a chunk's capacity
            before = state.epoch
            chunk = epoch - state.epoch
            state.train(chunk if between is None
                        else min(chunk, state.epochs_within(LINK_CHUNK_S)))
            if between is not None:
                between()
            if state.epoch == before:  # halted: diverged, or α scheduled to 0
                break
        if marks and state.epoch == marks[-1]:
            break
        marks.append(int(state.epoch))
        taken.append(grids())
    return marks, taken


def _heat_key(plane: Plane, lang: str) -> Div:
    """The line saying what the heat maps' colours and marks are, as the lab's."""
    return Div(text=f"<div style='font:13px system-ui,sans-serif;color:var(--pg-ink,#222)'>"
                    f"{plane.key_html(lang)}</div>", sizing_mode="stretch_width",
               name="pg-heat-key", disable_math=True)


def _plane(state) -> Plane:
    """The heat maps' plane as the lab's (``ui.heatmap.Plane``: its colours, frame and
    points, the validation points shown as the link says), its colour mapper over the
    file's encoding of the images (``_heat_image``: two classes' p₁ as bytes)."""
    plane = Plane()
    plane.set_colors(int(state.data.n_classes), bool(state.discretize))
    if plane.two_class_probability:
        plane.color_mapper.update(low=0.0, high=255.0)
    plane.show_points(state.data)
    plane.show_val(bool(state.has_validation and state.show_val))  # the link's ``val=1``
    return plane


def _heat_figure(plane: Plane, image: np.ndarray, title: str, size: tuple[int, int],
                 name: str, image_name: str, point_size: int = 7):
    """A heat map of ``plane`` named ``name`` showing ``image`` (``_heat_image``) from
    the source ``image_name``, ``size`` (width, height) px; returns the figure and that
    source."""
    heat, source = plane.figure(image_name, point_size, 1,
                                title=title, width=size[0], height=size[1], tools="save",
                                toolbar_location="right", name=name)
    source.data = {"image": [image]}
    text_sizes(heat)
    return heat, source


def _history_sources(history: np.ndarray, last: int, suffix: str = ""):
    """An MLP history (epochs × 4: training loss and accuracy, validation loss and
    accuracy) as two sources: ``history{suffix}`` every epoch, ``played{suffix}`` the
    epochs up to ``last`` (the playback grows it)."""
    columns = CurveFeed.columns(history, np.arange(len(history)))  # the lab's columns
    columns["epoch"] = columns["epoch"].astype(np.float64)
    played = {k: v[: last + 1] for k, v in columns.items()}
    return (ColumnDataSource(columns, name=f"history{suffix}"),
            ColumnDataSource(played, name=f"played{suffix}"))


#: A static MLP page's log-scale toggle: the loss chart's scale, ticks and range swapped
#: in the browser, as the lab's ``LossScale`` does on the server.
LOG_LOSS_JS = """
const i = cb_obj.active ? 1 : 0;
const [scale, ticker, formatter] = axes[i];
chart.y_scale = scale;
chart.left[0].ticker = ticker;
chart.left[0].formatter = formatter;
for (const grid of grids) grid.ticker = ticker;
chart.y_range.start = spans[i][0];
chart.y_range.end = spans[i][1];
"""


def _log_loss_toggle(chart, histories, diverged, lang: str, log: bool) -> Toggle:
    """The lab's "Loss on a log scale" for a static page's loss ``chart`` (its ranges
    from ``histories``, as the lab's ``fit_loss_axis``), on from the start where the
    link asks (``log_loss=1``)."""
    scale = LossScale(chart)
    spans = [list(history_loss_range(histories, diverged)),
             list(log_loss_range([np.asarray(h)[:, [0, 2]] for h in histories], diverged)
                  or (1e-3, 1.0))]
    toggle = Toggle(label=tr("mlp.log_loss", lang), active=log, width=200,
                    name="pg-log-loss", css_classes=["pg-log-loss"])
    toggle.js_on_change("active", CustomJS(args={
        "chart": chart, "axes": [list(scale.models(False)), list(scale.models(True))],
        "grids": list(chart.ygrid), "spans": spans}, code=LOG_LOSS_JS))
    scale.show(log)
    chart.y_range.update(start=spans[log][0], end=spans[log][1])
    return toggle


def _epoch_chart(what: str, lang: str, span: tuple[float, float], last: int,
                 height: int, race: bool = False, **extra):
    """An MLP page's loss (``what`` = "loss") or accuracy ("acc") chart over epochs
    0 … ``last`` as the lab's (``race``: a race's), L or accuracy within ``span``,
    named ``pg-{what}``."""
    chart = (race_chart if race else epoch_chart)(
        what, lang, height=height, tools="save", sizing_mode="stretch_width",
        min_width=CHARTS_MIN_WIDTH, toolbar_location="right", y_range=Range1d(*span),
        name=f"pg-{what}", **extra)
    fit_step_axis(chart.x_range, last)
    text_sizes(chart, 15)
    return chart


def build_mlp_race_page(state, epochs: int = DEFAULT_EPOCHS,
                        snapshots: int = DEFAULT_SNAPSHOTS,
                        between: Callable[[], None] | None = None) -> Page:
    """An MLP link's optimizer race (``state.racers``) as the page shows it: every
    racer's heat map, one pair of charts with every racer in its colour (training
    solid, validation dashed) and a table of where each stands, played back with an
    epoch scrubber.  Trains ``state`` as ``build_mlp_page`` does.

    Sources by name: ``snapshots`` (``epoch``, ``image_K``: racer K's heat maps),
    ``image_K`` (the one shown), ``history_K`` (racer K's losses and accuracies, up to
    where it diverged), ``played_K``; the widget ``pg-epoch``.
    """
    lang, racers = state.lang, list(state.racers)
    marks, grids = _train_snapshots(state, epochs, snapshots,
                                    lambda: np.asarray(state.race_grids()), between)
    plane = _plane(state)
    images = [[_heat_image(plane, grid[k]) for grid in grids] for k in range(len(racers))]
    snaps = ColumnDataSource({"epoch": marks, **{f"image_{k}": images[k]
                                                 for k in range(len(racers))}},
                             name="snapshots")
    has_val = bool(state.has_validation)
    labels = [tr(f"optimizer.{n}", lang) for n in racers]
    colors = [OPTIMIZER_COLORS[n] for n in racers]
    shown, heats = [], []
    for k in range(len(racers)):
        heat, source = _heat_figure(plane, images[k][-1], labels[k], (290, 290),
                                    f"pg-boundary-{k}", f"image_{k}", point_size=5)
        heat.title.update(text_color=colors[k], tags=[OWN_INK])  # (``theme`` dark: lighter)
        heat.axis.visible = False
        shown.append(source)
        heats.append(heat)
    histories = [np.asarray(h, np.float64) for h in state.race_history]
    fulls, playeds = map(list, zip(*[_history_sources(h, marks[-1], f"_{k}")
                                     for k, h in enumerate(histories)], strict=True))
    gone = [d is not None for d in state.race_diverged]
    cursors, charts = [], []
    for what in ("loss", "acc"):
        span = ACCURACY_SPAN if what == "acc" else history_loss_range(histories, gone)
        chart = _epoch_chart(what, lang, span, marks[-1], 260, race=True)
        if what == "loss":
            log_toggle = _log_loss_toggle(chart, histories, gone, lang, bool(state.log_loss))
        for k in range(len(racers)):  # the whole run faint, what is played over it
            racer_lines(chart, fulls[k], what, colors[k], None, has_val, line_width=1.5,
                        line_alpha=0.25)
            train, _ = racer_lines(chart, playeds[k], what, colors[k], labels[k], has_val,
                                   line_width=2.5)
            train.name = f"line_{what}_{k}"
        chart.legend[0].update(label_text_font_size="13px", border_line_alpha=0.0)
        legend_beside(chart)
        cursors.append(_epoch_cursor(chart, what, marks[-1]))
        charts.append(chart)
    readout = Div(text="", sizing_mode="stretch_width", min_width=300, name="pg-readout",
                  styles={"font-size": "16px", "font-family": "system-ui, sans-serif",
                          "overflow-x": "auto"})
    slider = _epoch_slider(marks, lang)
    play = _play_toggle(slider, lang, "pg-play", MLP_FRAME_MS)
    readouts = [  # the epoch, then the lab's table as it stood then
        f"<div>{tr('mlp.epoch', lang)}<br><b class='pg-epoch' style='font-size:24px'>{e}"
        "</b></div>" + race_table_html(
            racers, [h[min(e, len(h) - 1)] for h in histories],
            [d if d is not None and e >= d else None for d in state.race_diverged],
            has_val, lang, state.race_readings(upto=e),
            [state.racer_lr(n) for n in racers]) for e in marks]
    animate = CustomJS(args={
        "slider": slider, "snaps": snaps, "images": shown, "fulls": fulls,
        "playeds": playeds, "cursors": cursors, "readout": readout, "readouts": readouts},
        code=MLP_RACE_JS)
    slider.js_on_change("value", animate)
    title, caption, note, every = _mlp_heading(state, marks)
    frame = Div(text=f"<div style='font:13px system-ui,sans-serif;color:var(--pg-muted,#555)'>"
                     f"{text_html(race_frame_text(plane.frame, lang))}</div>",
                sizing_mode="stretch_width", name="pg-race-frame")  # (the maps have no axes)
    layout = column(_header(title, caption, note), _wrap(play, slider, log_toggle),
                    _wrap(*heats),
                    _heat_key(plane, lang), frame,
                    _wrap(column(*charts, sizing_mode="stretch_width",
                                 min_width=CHARTS_MIN_WIDTH), readout),
                    sizing_mode="stretch_width", name="pg-page")
    return Page(layout, title, lang, caption, {
        "lab": "mlp", "epochs": marks[-1], "snapshots": len(marks), "every": every,
        "racers": racers}, ready=animate)


#: The race page's playback: the slider's value is a snapshot's index; each racer's
#: curves up to that epoch (one that diverged: up to its last).
MLP_RACE_JS = r"""
const i = Math.round(slider.value), e = snaps.data.epoch[i];
for (let k = 0; k < images.length; k++) {
  images[k].data = {image: [snaps.data["image_" + k][i]]};
  const d = fulls[k].data, j = Math.min(e, d.epoch.length - 1), cut = {};
  for (const c of Object.keys(d)) cut[c] = d[c].slice(0, j + 1);
  playeds[k].data = cut;
}
for (const c of cursors) c.location = e;
readout.text = readouts[i];
"""


#: The MLP page's playback: the slider's value is a snapshot's index.
MLP_JS = r"""
const i = Math.round(slider.value), e = snaps.data.epoch[i];
image.data = {image: [snaps.data.image[i]]};
const d = full.data, cut = {};
for (const k of Object.keys(d)) cut[k] = d[k].slice(0, e + 1);
played.data = cut;
for (const c of cursors) c.location = e;
readout.text = readouts[i];
for (const b of best_lines) { b.location = best_epochs[i]; b.visible = e > 0 }
for (const item of best_items) item.visible = e > 0  // (no best before an epoch, as the lab)
reading.text = readings[i];
const n = network.data, columns = Object.keys(n).filter((k) => k.startsWith("units_")).length;
units.data = {...units.data, image: [...Array(columns).keys()].map((c) => n["units_" + c][i])};
outputs.data = {...outputs.data, image: [n.outputs[i]]};
const w = n.w[i]  // numerics.diagram.edge_widths
const width = w.map((x, k) => Math.max(max_width[k] * Math.min(Math.abs(x) / w_clip, 1), min_width))
edges.data = {...edges.data, w: w, width: width};
"""


# ---------------------------------------------------------------------------
# The bias–variance lab


def fit_codes(fits: np.ndarray, low: float, high: float) -> tuple[np.ndarray, float, float]:
    """``fits`` as 16-bit codes over [``low``, ``high``] widened by ``FIT_WINDOW`` times
    its height either side: (codes, the window's bottom, the step); a value is
    ``bottom + code · step``, clipped to the window; not finite: ``FIT_GAP``."""
    height = high - low
    bottom, top = low - FIT_WINDOW * height, high + FIT_WINDOW * height
    step = (top - bottom) / (FIT_GAP - 1)
    finite = np.isfinite(fits)
    codes = np.round((np.clip(np.where(finite, fits, bottom), bottom, top) - bottom) / step)
    return np.where(finite, codes, FIT_GAP).astype(np.uint16), bottom, step


def kept_sets(sets: int, n: int, capacities: int, grid: int, shown: int) -> list[int]:
    """The training sets whose fits the file holds: all ``sets``, or as many as
    ``FIT_BYTES`` allows (each costs its fits' codes and its points), the first ones
    and the link's ``shown`` set."""
    each = capacities * grid * 2 + n * 2 * 8
    k = max(1, min(sets, FIT_BYTES // each))
    kept = list(range(k))
    if shown >= k:
        kept[-1] = shown
    return kept


def _decomposition_html(result, index: int, symbol: str, lang: str) -> str:
    """The lab's decomposition at capacity index ``index`` (``bv.DECOMPOSITION``, as
    ``bv.decomposition_latex`` writes it) in HTML: each number with its name under a
    rule, as under a brace (a static page carries no LaTeX renderer, and Chromium's
    MathML does not stretch an underbrace)."""
    result = bv.as_shown(result)  # the terms as drawn, their sum what they add up to
    sign = "<span style='font-size:24px;vertical-align:top;margin:0 4px'>{}</span>"
    html = (f"<span style='font-size:20px;vertical-align:top;margin-right:10px'>"
            f"{symbol} = {result.capacities[index]}{label_colon(lang).strip()}</span>")
    for term in bv.DECOMPOSITION:
        value = getattr(result, term.field)
        text = text_html(number_text(value if term.field == "noise" else value[index], 3))
        if term.sign:
            html += sign.format(term.sign)
        if term.field == "total":
            html += (f"<b class='pg-bv-total' style='font-size:24px;vertical-align:top;"
                     f"margin-left:4px'>{text}</b>")
            continue
        name = (text_html(tr(f"bv.term.{term.label}", lang)) if term.label is not None
                else "σ") + ("²" if term.squared else "")
        css = {"test_error": "pg-bv-test"}.get(term.field, f"pg-bv-{term.field}")
        html += (f"<span class='pg-bv-term {css}' style='display:inline-flex;"
                 f"flex-direction:column;align-items:center;vertical-align:top;"
                 f"margin:0 4px'><b style='font-size:24px'>{text}</b>"
                 f"<span style='border-top:2px solid var(--pg-muted,#555);padding:2px 6px 0;"
                 f"font-size:15px;color:var(--pg-muted,#555)'>{name}</span></span>")
    return html


def objective_mathml(latex: str) -> str:
    """A family's objective (``bv.Family.objective``) or the terms' definitions
    (``bv.definitions_latex``), LaTeX, as MathML (``latex2mathml``; its ``\\arg`` comes
    out as a backslash and ``\\operatorname`` as italic letters, so arg min is upright
    text).  A norm's bars keep their size (``‖`` is a stretchy fence in MathML: the
    left one grew to the height of the terms between, the right one, under its ², did
    not)."""
    mathml = latex2mathml.converter.convert(latex.replace(r"\arg\min", r"\text{arg min}"))
    return mathml.replace("<mo>&#x02016;</mo>", '<mo stretchy="false">&#x02016;</mo>')


def build_biasvariance_page(state, between: Callable[[], None] | None = None) -> Page:
    """The bias–variance lab (``state``: a ``BiasVarianceLabState`` set from a link) as
    a page whose capacity slider picks from the family computed at every capacity (see
    the module).  Computes the result when ``state`` has none (the network family),
    calling ``between()`` between its parts when given.

    Sources by name: ``bv_codes`` (``codes``: per capacity the kept sets' fits as
    ``FIT_GAP``-coded ``uint16``, set-major), ``bv_means`` (``y``: f̄ per capacity),
    ``bv_sets`` (``x``, ``y``: the kept sets' training points), ``pg-bv-fits``,
    ``pg-bv-mean``, ``pg-bv-truth``, ``pg-bv-shown``, ``pg-bv-points`` (what is drawn),
    ``pg-bv-KEY`` per curve; the span ``pg-bv-chosen``; widgets ``pg-capacity`` and
    ``pg-play`` (Play sweeps the capacity); the Divs ``pg-bv-reading``, ``pg-bv-formula``,
    ``pg-bv-zero-note`` (where bias² is drawn as 0; hidden where nowhere).

    Raises:
        ExportError: the settings could not be computed (the lab's message).
    """
    lang = state.lang
    if state.result is None:  # (the network family, or random features in parts)
        state.compute(on_part=None if between is None else lambda _done, _parts: between())
    if state.result is None:
        raise ExportError(state.error or "the settings could not be computed")
    r, d = state.result, state.data
    caps = [int(c) for c in r.capacities]
    n_sets, n = r.y.shape
    grid = np.asarray(d.grid, np.float64)
    index, family = state.index, bv.FAMILIES[r.family]
    kept = kept_sets(n_sets, n, len(caps), len(grid), int(state.shown))
    shown = kept.index(min(int(state.shown), n_sets - 1)) if int(state.shown) in kept else 0
    low, high = fits_range(d.f_grid, state.noise)
    codes, bottom, step = fit_codes(np.asarray(r.fits)[:, kept, :], low, high)
    store = ColumnDataSource({"codes": [c.ravel() for c in codes]}, name="bv_codes")
    means = ColumnDataSource({"y": [np.asarray(m, np.float64) for m in r.mean_fit]},
                             name="bv_means")
    bands = [bv.mean_fit_band(r, i) for i in range(len(caps))]
    bands = ColumnDataSource({"lower": [lower for lower, _ in bands],
                              "upper": [upper for _, upper in bands]}, name="bv_bands")
    sets = ColumnDataSource({"x": [np.asarray(d.x[m], np.float64) for m in kept],
                             "y": [np.asarray(r.y[m], np.float64) for m in kept]},
                            name="bv_sets")
    sources = fit_sources()
    sources["fits"].selected.indices = [shown]  # the fit highlighted: the set shown's
    sources["truth"].data = {"x": grid, "y": np.asarray(d.f_grid, np.float64)}
    sources["shown"].tags = [shown]
    size = {"height": 430, "sizing_mode": "stretch_width", "min_width": BV_MIN_WIDTH,
            "max_width": BV_MAX_WIDTH}
    fig = fits_figure(sources, lang, (low, high), name="pg-bv-fits-plot", **size)
    curve_src = curve_sources()
    for key, columns in curve_columns(r).items():
        curve_src[key].data = columns
    curves = curves_figure(curve_src, r.family, lang, caps[index], int(state.n),
                           decomposition_range(r), name="pg-bv-curves", **size)
    curves.show_chosen(r.family, caps[index])  # (its label's side, as the lab's)
    chosen_labels = [chosen_text(r.family, c) for c in caps]
    chosen_sides = [list(chosen_label_side(r.family, c, caps)) for c in caps]

    slider = Slider(start=0, end=max(len(caps) - 1, 1), step=1, value=index, width=520,
                    title=tr(f"bv.capacity.{r.family}", lang), name="pg-capacity",
                    margin=(5, 5, 5, 10), align="center",
                    css_classes=["pg-slider-capacity"], disabled=len(caps) < 2,
                    format=CustomJSTickFormatter(
                        args={"caps": caps},
                        code="return String(caps[Math.min(Math.round(tick), caps.length - 1)])"))
    readings = [state.reading_html(i) for i in range(len(caps))]
    formulas = [_decomposition_html(r, i, family.symbol, lang) for i in range(len(caps))]
    reading = Div(text=readings[index], sizing_mode="stretch_width", name="pg-bv-reading",
                  disable_math=True,
                  styles={"font-size": "16px", "font-family": "system-ui, sans-serif",
                          "color": "var(--pg-ink, #222)"})
    formula = Div(text=formulas[index], sizing_mode="stretch_width", name="pg-bv-formula",
                  disable_math=True,
                  styles={"font-family": "system-ui, sans-serif",
                          "color": "var(--pg-ink, #222)", "margin-top": "6px"})
    # The model's objective as MathML, which browsers draw themselves: a static page
    # carries no LaTeX renderer (the live lab's is KaTeX).
    model = Div(text=objective_mathml(family.objective), sizing_mode="stretch_width",
                disable_math=True, name="pg-bv-model", stylesheets=[MATH_FONT],
                styles={"font-size": "17px", "color": "var(--pg-ink, #222)",
                        "overflow-x": "auto", "margin-top": "6px"})
    # What the terms are, as the live page says it.
    definitions = Div(text=objective_mathml(state.definitions()), sizing_mode="stretch_width",
                      disable_math=True, name="pg-bv-definitions", stylesheets=[MATH_FONT],
                      styles={"font-size": "17px", "color": "var(--pg-ink, #222)",
                              "overflow-x": "auto", "margin-top": "6px"})
    definitions_note = Div(text=text_html(tr("bv.definitions.note", lang)),
                           sizing_mode="stretch_width", disable_math=True,
                           name="pg-bv-definitions-note",
                           styles={"font-size": "13px", "font-family": "system-ui, sans-serif",
                                   "color": "var(--pg-muted, #555)"})
    # Where bias² is within its sampling error of 0 it is drawn at the chart's bottom,
    # where the test error is past its top: said under the charts, as in the live page.
    zero_note = Div(text=text_html(state.chart_note()), sizing_mode="stretch_width",
                    disable_math=True, name="pg-bv-zero-note",
                    visible=bool(state.chart_note()),
                    styles={"font-size": "14px", "font-family": "system-ui, sans-serif",
                            "color": "var(--pg-muted, #555)"})
    family_note = Div(text=text_html(state.family_note()),
                      sizing_mode="stretch_width",
                      disable_math=True, name="pg-bv-family-note",
                      styles={"font-size": "13px", "font-family": "system-ui, sans-serif",
                              "color": "var(--pg-muted, #555)"})
    animate = CustomJS(args={
        "slider": slider, "store": store, "means": means, "sets": sets, "grid": grid,
        "fits": sources["fits"], "mean": sources["mean"], "shown": sources["shown"],
        "bands": bands, "band": sources["band"],
        "points": sources["points"], "chosen": curves.chosen, "chosen_label": curves.label,
        "chosen_labels": chosen_labels, "chosen_sides": chosen_sides,
        "caps": caps, "reading": reading, "formula": formula,
        "readings": readings, "formulas": formulas, "bottom": bottom, "step": step,
        "gap": FIT_GAP, "count": len(kept)}, code=BIASVARIANCE_JS)
    slider.js_on_change("value", animate)
    sources["fits"].selected.js_on_change("indices", animate)

    caption = _caption(state)
    note = tr("export.note.biasvariance", lang, n=len(caps), symbol=family.symbol,
              low=caps[0], high=caps[-1], sets=n_sets)
    if len(kept) < n_sets:
        note += " " + tr("export.note.biasvariance_sets", lang, kept=len(kept), sets=n_sets)
    title = f"{tr('app.title', lang)} · {tr('lab.biasvariance', lang)}"
    # Play sweeps the capacity from the first (or from where it is) to the last.
    play = _play_toggle(slider, lang, "pg-play", CAPACITY_FRAME_MS)
    play.disabled = len(caps) < 2
    # (without the bias² note: the page shows it under the charts)
    header = _header(title, _caption(state, notes=False), note)
    _header_follows(slider, header, title,
                    captions_along(state, [{"capacity": c} for c in caps], notes=False), note)
    layout = column(header, _wrap(play, slider), _wrap(fig, curves.figure),
                    zero_note, reading, formula, definitions, definitions_note, model,
                    family_note, sizing_mode="stretch_width",
                    name="pg-page")
    return Page(layout, title, lang, caption, {
        "lab": "biasvariance", "family": r.family, "capacities": caps,
        "capacity": caps[index], "sets": n_sets, "sets_drawn": len(kept)}, ready=animate)


#: The bias–variance page: the slider's value is a capacity's index; a tapped fit (the
#: selection's first index) becomes the set shown, kept in ``shown.tags``.
BIASVARIANCE_JS = r"""
const i = Math.round(slider.value), G = grid.length, q = store.data.codes[i];
const tapped = fits.selected.indices;
if (cb_obj === fits.selected && tapped.length === 0) return;  // a tap beside every fit
if (tapped.length > 0) shown.tags = [tapped[0]];
const m = Math.min(shown.tags[0] || 0, count - 1);
if (cb_obj !== fits.selected) {
  const xs = [], ys = [];
  for (let s = 0; s < count; s++) {
    const y = new Float64Array(G);
    for (let g = 0; g < G; g++) {
      const c = q[s * G + g];
      y[g] = c === gap ? NaN : bottom + c * step;
    }
    xs.push(grid); ys.push(y);
  }
  fits.data = {xs: xs, ys: ys};
  mean.data = {x: grid, y: means.data.y[i]};
  band.data = {x: grid, lower: bands.data.lower[i], upper: bands.data.upper[i]};
  chosen.location = caps[i];
  chosen_label.x = caps[i];
  chosen_label.text = chosen_labels[i];
  chosen_label.text_align = chosen_sides[i][0];
  chosen_label.x_offset = chosen_sides[i][1];
  reading.text = readings[i];
  formula.text = formulas[i];
}
shown.data = {x: grid, y: fits.data.ys[m]};
points.data = {x: sets.data.x[m], y: sets.data.y[m]};
"""

# ---------------------------------------------------------------------------
# The file


#: Every Bokeh slider's title with the page's language's colon (``colon``), as the live
#: page's script does (``ui.widgets.SLIDER_COLON_JS``).
COLON_JS = SLIDER_COLON_JS + """
const watch = () => {
  for (const doc of Bokeh.documents) for (const m of doc.all_models) {
    const view = Bokeh.index.find_one(m);
    if (view && view.shadow_el)
      pgColon(view.shadow_el.querySelector('.bk-slider-title'), () => colon);
  }
};
setTimeout(watch, 0);
setTimeout(watch, 1000);
"""


def page_html(page: Page) -> str:
    """The page as one self-contained HTML document (Bokeh's JavaScript inlined), in
    its language (``<html lang=…>``), its first frame drawn when it opens."""
    from bokeh.document import Document

    doc = Document()
    doc.add_root(page.layout)
    skip_css_variables(doc)  # (its Play repaints as the live page's)
    if page.ready is not None:
        doc.js_on_event("document_ready", page.ready)
    colon = tr("widget.colon", page.lang)
    if colon != ": ":  # the sliders' titles with the language's colon
        doc.js_on_event("document_ready", CustomJS(args={"colon": colon}, code=COLON_JS))
    html = file_html(doc, INLINE, page.title)
    # Panel, once imported, adds its own resources by relative URLs (its ES-module shim;
    # in a server, KaTeX's and Tabulator's CSS), which nothing here uses: from disk each
    # is a missing file and a console error.
    html = LOCAL_RESOURCE.sub("", html)
    # After the head's first tag (a "</head>" also occurs in Bokeh's inlined script).
    css = PAGE_CSS + (DARK_CSS if page.theme == "dark" else "")
    html = html.replace('<meta charset="utf-8">',
                        '<meta charset="utf-8">\n' + VIEWPORT_META + "\n" + css, 1)
    return html.replace('<html lang="en">', f'<html lang="{page.lang}">', 1)


def mlp_epochs(state) -> int:
    """The MLP run's default length: the link's epoch (``epoch=N``, the network the
    page shows), else ``DEFAULT_EPOCHS``."""
    return int(state.trained) or DEFAULT_EPOCHS


def plot_fonts(layout):
    """Every text drawn in ``layout``'s plots (titles, axes, legends, labels) in
    ``PLOT_FONT`` (``ui.present.page_fonts``), Chinese axis labels upright."""
    models = layout.references()
    page_fonts(models, PLOT_FONT)
    upright_chinese(models)


def build_page(state, lab: str, sweep: str | None = None, n_values: int | None = None,
               epochs: int | None = None, snapshots: int | None = None,
               theme: str = "light", between: Callable[[], None] | None = None) -> Page:
    """``_build_page`` in the link's ``theme`` (``light`` or ``dark``): the plots styled
    as the page's (``ui.present.Presenter``: in either theme its tools, full screen
    among them, as the live page's), the file's background and text too; their text in
    ``PLOT_FONT`` (``plot_fonts``).  ``between``: see ``PAGES``."""
    page = _build_page(state, lab, between, sweep=sweep, n_values=n_values, epochs=epochs,
                       snapshots=snapshots)
    plot_fonts(page.layout)
    from .ui.present import PLOT_COLORS, Display, Presenter

    # As the live page in either theme: each plot's full-screen tool, its tools' tooltips
    # in the page's language; the dark theme's colours.
    Presenter(Display(lang=page.lang, theme=theme)).style([page.layout])
    if theme == "dark":
        light, dark = PLOT_COLORS["light"]["muted"], PLOT_COLORS["dark"]["muted"]
        for cursor in page.layout.select({"type": Span}):  # the step's, epoch's, capacity's
            if cursor.line_color == light:
                cursor.line_color = dark
        for label in page.layout.select({"type": Label}):  # the capacity line's
            if label.text_color == light:
                label.text_color = dark
        for title in page.layout.select({"type": Title}):  # a racer's, in its colour
            if OWN_INK in title.tags:
                title.text_color = title_ink(title.text_color, "dark")
        page.theme = "dark"
    return page


#: The command line's name of each option of ``build_page``.
_OPTION_NAMES = {"sweep": "--sweep", "n_values": "--values", "epochs": "--epochs",
                 "snapshots": "--snapshots"}
#: Each lab's static page: its builder from a state and the options it takes (a lab
#: with a static page adds its line here).  Each builder also takes ``between``, which
#: long work calls between its parts (the MLP run's training chunks, the bias–variance
#: network family's buckets of widths); the optimizer lab's sweep is one call.
PAGES = {
    "optimizers": (lambda state, sweep=None, n_values=None, between=None: build_optimizer_page(
        state, sweep, DEFAULT_VALUES if n_values is None else n_values),
                   ("sweep", "n_values")),
    "mlp": (lambda state, epochs=None, snapshots=None, between=None: build_mlp_page(
        state, mlp_epochs(state) if epochs is None else epochs,
        DEFAULT_SNAPSHOTS if snapshots is None else snapshots, between),
            ("epochs", "snapshots")),
    "biasvariance": (lambda state, between=None: build_biasvariance_page(state, between), ()),
}


def _build_page(state, lab: str, between: Callable[[], None] | None = None,
                **options) -> Page:
    """Lab ``lab``'s page (``PAGES``) with the ``options`` given (None: not given),
    refusing an option that lab's page would ignore.

    Raises:
        ExportError: a lab without a static export, or an option its page does not take.
    """
    if lab not in PAGES:
        raise ExportError(f"lab={lab} has no static export (only {', '.join(PAGES)})")
    build, takes = PAGES[lab]
    given = {k: v for k, v in options.items() if v is not None}
    ignored = [_OPTION_NAMES[k] for k in given if k not in takes]
    if ignored:
        allowed = ", ".join(_OPTION_NAMES[k] for k in takes) or "none"
        raise ExportError(f"lab={lab} takes {allowed} of the options, not "
                          f"{', '.join(ignored)}")
    return build(state, between=between, **given)


def export_html(state, lab: str | None = None, **options) -> bytes:
    """The page of a lab's ``state`` as the HTML file's bytes (UTF-8): a fresh state set
    from ``state``'s link (``state`` itself is left as it is, mid-run or not), so the
    file shows what the link describes.  ``lab``: the lab's key (default: found from
    the state's class among the labs imported); ``options``: those of ``build_page``
    (``between`` among them).  A link's trained epochs (``epoch=N``) are not trained
    here first: the page records them from epoch 0.

    Raises:
        ExportError: see ``build_page``.
    """
    from .ui.export import lab_key_of

    lab = lab or lab_key_of(state)
    fresh = type(state)(lang=state.lang)
    if getattr(state, "uploaded", None) is not None:  # a link cannot carry an upload
        fresh.uploaded = state.uploaded
    fresh.apply_query(state.to_query())
    fresh.precompute(budget_s=0.0)  # (the MLP page trains from epoch 0 itself)
    return page_html(build_page(fresh, lab, **options)).encode("utf-8")


def _epoch_cursor(chart, what: str, epoch) -> Span:
    """The epoch shown, a dashed vertical line on an MLP page's chart ``what``."""
    cursor = step_cursor(epoch, f"cursor_{what}")
    chart.add_layout(cursor)
    return cursor


def _epoch_slider(marks: list, lang: str) -> Slider:
    """An MLP page's epoch slider over its snapshots, labelled with their epochs."""
    return Slider(start=0, end=len(marks) - 1, step=1, value=len(marks) - 1, width=520,
                  title=tr("mlp.epoch", lang), name="pg-epoch",
                  css_classes=["pg-slider-epoch"], format=CustomJSTickFormatter(
                      args={"marks": marks}, code="return String(marks[Math.round(tick)])"))


@dataclass(frozen=True)
class Exported:
    """What ``export`` wrote: the path, its size in bytes, the seconds it took, the page."""

    path: Path
    size: int
    seconds: float
    page: Page


def read_link(link: str):
    """The lab key and its state set from ``link`` (a query or a whole URL), with the
    first picture's numbers computed, as a page would open it.

    Raises:
        ExportError: an unknown lab, or any value the link could not set (its problems).
    """
    from .ui.link import problem
    from .ui.present import read_display
    from .ui.shell import DEFAULT_LAB, prepare_state
    from .ui.shell import LABS as ALL_LABS

    query, problems = _read_query(link)
    lab = query.get("lab", DEFAULT_LAB)
    if lab not in ALL_LABS:
        raise ExportError("; ".join([*problems, problem("lab", lab, "unknown")]))
    if lab not in PAGES:
        raise ExportError(f"lab={lab} has no static export (only {', '.join(PAGES)})")
    display, display_problems = read_display(query)
    lang = display.lang if display.lang else DEFAULT_LANGUAGE
    state, problems = prepare_state(lab, query, problems + display_problems, lang)
    if problems:
        raise ExportError(tr("url.ignored", "en", problems="; ".join(problems)))
    return lab, state


def link_theme(link: str) -> str:
    """The theme ``link`` asks for (``theme=dark``), else ``light``."""
    from .ui.present import read_display

    return read_display(_read_query(link)[0])[0].theme


def _read_query(link: str) -> tuple[dict[str, str], list[str]]:
    """``ui.link.read_query`` of a link's query (``link``: a query or a whole URL), a
    typed one's + as plus signs (``ui.link.typed_query``)."""
    from .ui.link import link_query, read_query

    return read_query(link_query(link))


def export(link: str, out: Path, **options) -> Exported:
    """Write the static page of ``link`` to ``out`` (``.html``); ``options``: those of
    ``build_page``.

    Raises:
        ExportError: a bad link, an option that does not apply, an output that is not
            ``.html``, or a file that cannot be written.
    """
    started = time.perf_counter()
    if out.suffix.lower() not in (".html", ".htm"):
        raise ExportError(f"the output must end in .html, not {out.name!r}")
    lab, state = read_link(link)
    page = build_page(state, lab, theme=link_theme(link), **options)
    data = page_html(page).encode("utf-8")
    try:
        out.write_bytes(data)
    except OSError as e:
        raise ExportError(f"{out}: {e.strerror}") from None
    return Exported(out, len(data), time.perf_counter() - started, page)
