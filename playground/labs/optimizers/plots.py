"""Bokeh pictures of the optimizer lab, filled from a race and animated in the browser.

The server sends a race once (``RacePlots.show``); a ``CustomJS`` callback (see
``ANIMATE_JS``) moves the markers, trails, arrows, the loss chart's cursor and the
live readout to the player's step without any further message from the server.
"""

from __future__ import annotations

import math

import numpy as np
from bokeh.core.properties import value
from bokeh.layouts import column, row
from bokeh.models import (
    ColumnDataSource,
    CustomJS,
    Div,
    HoverTool,
    InlineStyleSheet,
    Legend,
    LegendItem,
    Range1d,
    Slider,
    Span,
)
from bokeh.palettes import interp_palette
from bokeh.plotting import figure

from ...numerics import critical
from ...numerics import optimizers as opt
from ...numerics.race import Race, loss_floor, loss_gap
from ...numerics.surfaces import Surface, grid
from ...text import tr
from ...ui.axes import (
    ARROWS_JS,
    PLAIN_JS,
    REFIT_ZOOM_TITLE_JS,
    arrow_reach,
    fit_step_axis,
    log_loss_range,
    loss_axes,
    loss_range,
    nice_ticks,
    readable_tick,
    readable_ticks,
    show_lone_points,
    state_table_text,
    step_range,
    text_sizes,
)
from ...ui.caption import race_status
from ...ui.contour import add_contours, contour_levels, redraw_contours, surface_grid
from ...ui.marks import (
    CRITICAL_TOOLTIPS,
    critical_columns,
    critical_marks,
    current_points,
    race_path,
    start_mark,
    state_arrows,
    step_cursor,
)
from ...ui.palettes import OPTIMIZER_COLORS
from ...ui.present import (
    FIT_WINDOW,
    FOCUS_RING,
    LECTURE_ONLY,
    NOT_IN_LECTURE,
    PLOT_FONTS,
    TOUCH_TARGETS,
    number_size,
    table_number_size,
)

#: Each optimizer's colour: the product's one registry (the MLP lab's race uses it too).
COLORS = OPTIMIZER_COLORS
_FULL_COLUMNS = ("x", "y", "loss", "gx", "gy", "sx", "sy", "vx", "vy", "ex", "ey", "lr",
                 "kink")


#: A whole race plays in about this many frames, so that long runs still play in
#: seconds: the lab picks its speed (steps per frame) so, the static page its step.
RUN_FRAMES = 250
#: The surface plot's height with its legend: on a 1280 × 720 screen its legend ends above
#: the fold.
SURFACE_HEIGHT = 500


def surface_figure(lang: str, **options) -> figure:
    """The surface plot, empty: its title, the axes θ₁ and θ₂ with readable ticks (a
    custom surface may span 10¹¹), pan and zoom (each when chosen in the toolbar: a
    swipe or a wheel over the plot scrolls the page, on a tablet too), reset and save;
    the live page's and the static page's alike.  ``options``: the figure's (Bokeh's
    names)."""
    fig = figure(title=tr("plot.surface", lang), tools="pan,wheel_zoom,reset,save",
                 active_drag=None, active_scroll=None, toolbar_location="right", **options)
    text_sizes(fig, label_px=15)
    fig.xaxis.axis_label = tr("plot.axis.x", lang)
    fig.yaxis.axis_label = tr("plot.axis.y", lang)
    for axis in (fig.xaxis[0], fig.yaxis[0]):
        axis.formatter = readable_ticks()
    return fig


def mark_race(fig, fulls: dict, trails: dict, arrows: dict, current, start,
              critical_points) -> dict:
    """On the surface plot ``fig``: each optimizer's path and trail (``fulls``,
    ``trails``: its sources by name), the state's arrows (``arrows``: by kind), the
    iterates at the step shown (``current``), the start (``start``) and the critical
    points (``critical_points``: ``ui.marks.critical_columns``; hover: verdict and
    Hessian eigenvalues), dark with a white outline, readable on both themes.
    Returns each optimizer's path and trail renderers (``ui.marks.race_path``; the
    trail's is its legend entry's)."""
    renderers = {name: race_path(fig, fulls[name], trails[name], COLORS[name])
                 for name in fulls}
    state_arrows(fig, arrows)
    current_points(fig, current)
    start_mark(fig, start)
    fig.add_tools(HoverTool(renderers=[critical_marks(fig, critical_points)],
                            tooltips=CRITICAL_TOOLTIPS))
    return renderers


def loss_figure(mode: str, lang: str, sources: dict[str, ColumnDataSource], cursor: Span,
                **options) -> figure:
    """The loss chart against steps, linear (``mode`` "linear": L) or log ("log":
    L − min L, the column ``gap``), each optimizer's curve from ``sources`` (by name:
    ``step``, ``loss``, ``gap``) in its colour, the step shown at ``cursor``.
    ``options``: the figure's (Bokeh's names)."""
    fig = figure(title=tr("plot.loss", lang), y_axis_type=mode,  # (no drag until chosen)
                 tools="pan,box_zoom,reset,save", active_drag=None, toolbar_location="right",
                 **options)
    text_sizes(fig)
    loss_axes(fig, mode, lang)
    y = "loss" if mode == "linear" else "gap"
    items = [LegendItem(label=value(tr(f"optimizer.{name}", lang)), name=f"key_{name}",
                        renderers=[fig.line("step", y, source=source, color=COLORS[name],
                                            line_width=2.5)])
             for name, source in sources.items()]
    # The colours' key, above the frame: the surface's legend (with each loss) is below
    # its plot, under the fold of an embedding frame; this one is beside the paths, never
    # over a curve.  Three a row.  (In lecture mode the headline is the key.)
    fig.add_layout(Legend(items=items, orientation="horizontal", ncols=3,
                          location="top_left", click_policy="hide", name="loss_key",
                          tags=[NOT_IN_LECTURE],
                          border_line_alpha=0.0, background_fill_alpha=0.0,
                          label_text_font_size="12px", margin=0, padding=2, spacing=10,
                          glyph_width=16, glyph_height=12, label_standoff=3,
                          label_height=12), "above")
    fig.add_layout(cursor)
    return fig


class RacePlots:
    """The surface, the loss chart and the readout of one browser session."""

    def __init__(self, lang: str = "en"):
        self.lang = lang
        self.surface_fig = surface_figure(
            lang, height=SURFACE_HEIGHT, sizing_mode="stretch_width", match_aspect=False,
            x_range=Range1d(-1, 1), y_range=Range1d(-1, 1), name="pg-surface-plot",
            tags=[FIT_WINDOW])  # (lecture mode: fitted to the window under a lesson)
        self.contour = None
        self._arrow_reach, self._loss_floor, self._grid_min = 1.0, 0.0, 0.0
        self._framed: Surface | None = None  # the surface the view is set to
        self.drawn_surface: Surface | None = None  # the surface the contours are of
        self.critical_source = ColumnDataSource(
            {"x": [], "y": [], "verdict": [], "eig": [], "marker": [], "size": []},
            name="critical_points")
        self.start_source = ColumnDataSource({"x": [], "y": []})
        # Named, so tests and embedders can find them: Bokeh's get_model_by_name("full_adam").
        self.full = {n: ColumnDataSource({c: [] for c in _FULL_COLUMNS}, name=f"full_{n}")
                     for n in opt.NAMES}
        self.trail = {n: ColumnDataSource({"x": [], "y": []}, name=f"trail_{n}")
                      for n in opt.NAMES}
        self.current = ColumnDataSource({"x": [], "y": [], "color": []})
        self.arrows = {kind: ColumnDataSource({"x0": [], "y0": [], "x1": [], "y1": [],
                                               "color": []}, name=f"arrows_{kind}")
                       for kind in ("gradient", "velocity", "step")}
        self.meta = ColumnDataSource({"name": [], "label": [], "color": [], "diverged": [],
                                      "stopped": [], "halted": [], "undefined": [],
                                      "last": [],
                                      "velocity": [],
                                      "reach": []}, name="race_meta")
        self._draw_surface_glyphs()
        # The log-scale chart is built when first asked for (``log_loss_figure``);
        # its cursor exists from the start, for the animation's arguments.
        self._log_cursor = step_cursor()
        self.step_range = step_range()  # both loss charts': steps 0 … the run's last
        self.lone_markers = {name: [] for name in opt.NAMES}  # per chart, a lone point's dot
        self._shown: list[str] = []  # the optimizers racing
        self.loss_fig = {"linear": self._loss_figure("linear", step_cursor())}
        self.readout = Div(text="", sizing_mode="stretch_width", name="readout",
                           css_classes=["pg-readout"],
                           # A table wider than the page (lecture mode in an 820 px
                           # frame) scrolls within its own box, not the page.
                           styles={"font-size": table_number_size(15),
                                   "padding": "0 12px", "overflow-x": "auto"})
        # The numbers a lecture hall watches, in large type (≥ 28 px): the step shown and
        # each optimizer's loss there, filled by the animation; shown in lecture mode only
        # (elsewhere the legend and the readout say the same in less room).
        self.headline = Div(text="", name="headline", css_classes=["pg-headline"],
                            styles={"font-size": number_size(22), "font-weight": "600",
                                    "font-variant-numeric": "tabular-nums",
                                    "display": LECTURE_ONLY})
        # The step shown lives in the linear loss chart's cursor: the player moves it
        # (see OptimizerLab) and every move, or a new race, re-runs the animation.
        self.step_cursor = self.loss_fig["linear"].select_one({"name": "cursor"})
        self.animate = CustomJS(args=self._js_args(), code=ANIMATE_JS)
        self.step_cursor.js_on_change("location", self.animate)
        self.meta.js_on_change("data", self.animate)
        self.surface_fig.js_on_change("inner_width", CustomJS(
            args={"title": self.surface_fig.title, "plot": self.surface_fig},
            code=ARROWS_JS + REFIT_ZOOM_TITLE_JS))

    # -- building ----------------------------------------------------------------

    def _draw_surface_glyphs(self):
        f = self.surface_fig
        marks = mark_race(f, self.full, self.trail, self.arrows, self.current,
                          self.start_source, self.critical_source)
        self.path_renderers = {name: path for name, (path, _) in marks.items()}
        self.trail_renderers = {name: trail for name, (_, trail) in marks.items()}
        # Built once and relabelled: new legend models on every race cost a round trip.
        self.legend_items = {n: LegendItem(label=tr(f"optimizer.{n}", self.lang),
                                           renderers=[self.trail_renderers[n]])
                             for n in opt.NAMES}
        # Items arrive with the first race, one per selected optimizer.  Below the plot,
        # never over a trajectory (a minimum in a corner, a start point); a click on an
        # item hides that optimizer's trail.  One a line (two side by side ran under the
        # text beside the plot at 820 px), compact, so that six optimizers' entries and the
        # plot fit a 1280 × 720 screen (``SURFACE_HEIGHT``).
        self.legend = Legend(items=[], location="top_left", label_text_font_size="12px",
                             click_policy="hide", orientation="vertical",
                             border_line_alpha=0.0, margin=2, padding=2, spacing=0,
                             glyph_width=16, glyph_height=12, label_standoff=3,
                             label_height=12)
        f.add_layout(self.legend, "below")

    def log_loss_figure(self):
        """The loss chart with a log scale (of L − min L), built on first use."""
        if "log" not in self.loss_fig:
            self.loss_fig["log"] = self._loss_figure("log", self._log_cursor)
            self._fit_log_axis()
            self._show_lone_points()
            self._show_keys()
        return self.loss_fig["log"]

    def _loss_figure(self, mode: str, cursor: Span):
        # The range is set with each race (``loss_range``, ``log_loss_range``: diverged
        # tails leave through the top).
        ranges = {"y_range": Range1d(0, 1) if mode == "linear" else Range1d(1e-3, 1)}
        f = loss_figure(mode, self.lang, {n: self.loss_source(n) for n in opt.NAMES}, cursor,
                        height=300, sizing_mode="stretch_width", x_range=self.step_range,
                        tags=[FIT_WINDOW],
                        **ranges)
        y = "loss" if mode == "linear" else "gap"
        for name in opt.NAMES:
            # A run stopped at its first step has one point, which a line cannot draw.
            self.lone_markers[name].append(f.scatter(
                "step", y, source=self.loss_source(name), color=COLORS[name], size=8,
                visible=False))
        return f

    def loss_source(self, name: str) -> ColumnDataSource:
        """Optimizer ``name``'s loss curve (step, loss, gap), shared by both loss charts."""
        if not hasattr(self, "_loss_sources"):
            self._loss_sources = {n: ColumnDataSource({"step": [], "loss": [], "gap": []})
                                  for n in opt.NAMES}
        return self._loss_sources[name]

    def _js_args(self) -> dict:
        labels = state_table_text(self.lang)
        labels.update(step=tr("plot.step", self.lang), loss_of=tr("headline.loss_of", self.lang))
        # One source of each kind per registry entry, looked up by name in the browser.
        args = {"meta": self.meta, "current": self.current, "readout": self.readout,
                "headline": self.headline, "surface_title": self.surface_fig.title,
                "surface_plot": self.surface_fig,
                "labels": labels, "fulls": dict(self.full), "trails": dict(self.trail)}
        for kind, source in self.arrows.items():
            args[f"arrows_{kind}"] = source
        args["cursors"] = [self.loss_fig["linear"].select_one({"name": "cursor"}),
                           self._log_cursor]
        return args

    # -- filling -------------------------------------------------------------------

    def frame(self, surface: Surface):
        """The surface plot's view of ``surface``, the arrows' scale to it and the loss
        charts' floor (call before ``show_race``: a change of surface redraws the race
        first, and arrows scaled to the old view reopened from a link at another
        zoom).  Once per surface: a race redrawn on the same one keeps the reader's pan
        and zoom, and samples no grid."""
        if surface is self._framed:
            return
        self._framed = surface
        f = self.surface_fig
        f.x_range.start, f.x_range.end = surface.x_range
        f.y_range.start, f.y_range.end = surface.y_range
        f.x_range.reset_start, f.x_range.reset_end = surface.x_range
        f.y_range.reset_start, f.y_range.reset_end = surface.y_range
        self._arrow_reach = arrow_reach(surface.x_range, surface.y_range)
        # The loss charts' floor (the log chart draws L − floor): the surface's own.
        z = np.asarray(grid(surface)[2])
        finite = z[np.isfinite(z)]
        self._loss_floor = surface.minimum_value
        self._grid_min = float(finite.min()) if finite.size else 0.0

    def show_surface(self, surface: Surface):
        self.drawn_surface = surface
        xs, ys, z = surface_grid(surface)
        levels = contour_levels(z, surface.log_levels, surface.minimum_value)
        if self.contour is None:  # beneath the trajectories
            self.contour = add_contours(self.surface_fig, xs, ys, z, levels)
        else:
            redraw_contours(self.contour, xs, ys, z, levels)
        self.frame(surface)

    def show_critical_points(self, surface: Surface):
        """Mark the surface's critical points (hover: verdict and Hessian eigenvalues).

        Separate from ``show_surface``: finding them compiles derivatives, so the lab
        marks them with its details, after the first picture."""
        self.critical_source.data = critical_columns(critical.critical_points(surface),
                                                     self.lang)

    def show_race(self, race: Race | None, selected: list[str], start, show_paths=True):
        """Fill every source from ``race`` for the ``selected`` optimizers."""
        self.start_source.data = {"x": [start[0]], "y": [start[1]]}
        if race is None:
            selected = []
        indices = [opt.NAMES.index(n) for n in selected]
        floor = loss_floor(self._loss_floor, self._grid_min, [race] if race else [], indices)
        legend_items = []
        diverged, stopped = [], []  # the step each stopped at (−1: never), and why
        halted = []  # why, in a word (lecture mode's headline)
        undefined = []  # the step whose gradient is undefined (−1: none)
        for name in opt.NAMES:
            k = opt.NAMES.index(name)
            if name not in selected:
                self.full[name].data = {c: [] for c in _FULL_COLUMNS}
                self.loss_source(name).data = {"step": [], "loss": [], "gap": []}
                self.trail_renderers[name].visible = self.path_renderers[name].visible = False
                continue
            stop = race.stop(k)
            end = -1 if stop is None else stop[1]
            data = race.reached(k)
            data["kink"] = data["kink"].astype(np.int8)
            self.full[name].data = data
            loss = data["loss"]
            self.loss_source(name).data = {"step": np.arange(len(loss)), "loss": loss,
                                           "gap": loss_gap(loss, floor)}
            self.trail_renderers[name].visible = True
            self.path_renderers[name].visible = show_paths
            label = tr(f"optimizer.{name}", self.lang)
            status = race_status(race, k, self.lang)
            stopped.append("" if stop is None else status)
            halted.append("" if stop is None else tr(f"headline.{stop[0]}", self.lang))
            item = self.legend_items[name]
            # A text, not a column name.
            item.label = value(tr("plot.legend_item", self.lang, optimizer=label, status=status))
            legend_items.append(item)
            diverged.append(int(end))
            undefined.append(int(end) if stop is not None and stop[0] == "undefined" else -1)
        if self.legend.items != legend_items:
            self.legend.items = legend_items
        self._shown = list(selected)
        self._show_keys()
        self._fit_loss_axis(indices, race)
        last = race.last_step(selected) if race is not None else 0  # only steps reached
        if race is not None:
            fit_step_axis(self.step_range, last)
        self._show_lone_points()
        self.step_cursor.location = last
        self.meta.data = {
            "name": list(selected), "label": [tr(f"optimizer.{n}", self.lang) for n in selected],
            "color": [COLORS[n] for n in selected], "diverged": diverged, "stopped": stopped,
            "halted": halted,
            "undefined": undefined, "last": [last] * len(selected),
            # Whether it keeps a velocity (SGD, AdaGrad and RMSProp do not: no v column).
            "velocity": [opt.OPTIMIZERS[n].velocity is not None for n in selected],
            "reach": [self._arrow_reach] * len(selected),
        }

    def _show_keys(self):
        """The loss charts' keys name the optimizers racing, no others."""
        for fig in self.loss_fig.values():
            for item in fig.select_one({"name": "loss_key"}).items:
                item.visible = item.name.removeprefix("key_") in self._shown

    def _show_lone_points(self):
        show_lone_points([(marker, True) for markers in self.lone_markers.values()
                          for marker in markers])

    def _fit_loss_axis(self, indices: list[int], race: Race | None):
        """The loss charts' ranges: every run whole, a diverged one up to where it
        started (``ui.axes.loss_range``, ``log_loss_range``); reset (the toolbar) comes
        back to them."""
        sources = [self.loss_source(opt.NAMES[k]).data for k in indices]
        gone = [bool(race.diverged_at[k] >= 0) for k in indices]
        span = loss_range([d["loss"] for d in sources], gone) or (0.0, 1.0)
        self.loss_fig["linear"].y_range.update(start=span[0], end=span[1],
                                               reset_start=span[0], reset_end=span[1])
        self._log_span = log_loss_range([d["gap"] for d in sources], gone) or (1e-3, 1.0)
        self._fit_log_axis()

    def _fit_log_axis(self):
        span = getattr(self, "_log_span", None)
        if span is not None and "log" in self.loss_fig:
            self.loss_fig["log"].y_range.update(start=span[0], end=span[1],
                                                reset_start=span[0], reset_end=span[1])

    def set_log_loss(self, log: bool):
        """The log-scale loss chart (built when first asked for) or the linear one."""
        if log:
            self.log_loss_figure()
        if "log" in self.loss_fig:
            self.loss_fig["log"].visible = log
        self.loss_fig["linear"].visible = not log

    def set_paths_visible(self, visible: bool):
        """Each whole run's dashed path, for the optimizers whose trail is shown."""
        for name, renderer in self.path_renderers.items():
            renderer.visible = visible and self.trail_renderers[name].visible


#: Runs in the browser when the step shown (the cursor's location) or the race changes.
ANIMATE_JS = ARROWS_JS + PLAIN_JS + r"""
const t = Math.max(0, Math.round(cursors[0].location));
const names = meta.data.name;
const cur = {x: [], y: [], color: []};
const raw = [];  // [kind, x, y, dx, dy, color]
let rows = "";
// The headline: the step, then each optimizer's loss at it (or why it stopped).
const small = "<span style='display:block;font-size:max(12px, var(--pg-text-size, 0px));" +
  "font-weight:400;color:var(--pg-muted,#555);white-space:nowrap'>";
let numbers = "<div style='min-width:90px" + (names.length > 4 ? ";display:flex;" +
  "flex-direction:column;justify-content:flex-end" : "") + "'>" + small + labels.step + "</span>" +
  "<span class='pg-step-now'>" + t + "</span></div>";
for (let k = 0; k < names.length; k++) {
  const d = fulls[names[k]].data;
  if (d.x.length === 0) continue;
  const color = meta.data.color[k];
  const shown = pgStateRow(raw, d, t, {  // ui.axes.ARROWS_JS
    label: meta.data.label[k], color, velocity: meta.data.velocity[k],
    end: meta.data.diverged[k], status: meta.data.stopped[k],
    undefinedAt: meta.data.undefined[k], kink: (i) => d.kink[i], text: labels});
  const i = shown.i;
  trails[names[k]].data = {x: d.x.slice(0, i + 1), y: d.y.slice(0, i + 1)};
  cur.x.push(d.x[i]); cur.y.push(d.y[i]); cur.color.push(color);
  // As wide as its widest number (8.888×10⁻⁸) from the start: a loss that grew long
  // at step 88 wrapped the headline to a second line, and the pictures jumped 90 px.
  // Five or six at 0.8 of the size: at 1280 px in lecture mode the sixth went to a
  // second row, and the surface lost 75 px.
  // (and their names may wrap: "损失 L（Nesterov 动量法）" kept a sixth off the row)
  numbers += "<div style='min-width:6em" +
    (names.length > 4 ? ";max-width:6.5em;font-size:0.8em;display:flex;" +
     "flex-direction:column;justify-content:flex-end" : "") +  // (numbers on one line)
    "'>" + (names.length > 4 ? small.replace("white-space:nowrap", "white-space:normal") : small) +
    labels.loss_of.replace("{optimizer}", () => meta.data.label[k]) +
    "</span><span class='pg-loss-now' style='color:" + pgInk(color) + "'>" +
    // (a word: "–" read as a minus sign from the back of a lecture hall; "stopped" as
    // "finished")
    (shown.stopped || shown.undefinedHere ? meta.data.halted[k] : pgPlain(d.loss[i])) +
    "</span></div>";  // as the legend
  rows += shown.row;
}
current.data = cur;
headline.text = "<div style='display:flex;flex-wrap:wrap;column-gap:24px;row-gap:4px'>" +
  numbers + "</div>";
const reach = meta.data.reach.length ? meta.data.reach[0] : 1;
const {zoom, arrows} = pgArrows(raw, reach);  // ui.axes.ARROWS_JS
arrows_gradient.data = arrows.gradient;
arrows_velocity.data = arrows.velocity;
arrows_step.data = arrows.step;
cursors[1].location = t;
readout.text = names.length ? pgStateTable(labels, t, zoom, rows) : "";
pgZoomTitle(surface_title, labels.surface, labels, zoom, arrows, surface_plot);
"""


class Surface3D:
    """A 3-D wireframe of the surface with the paths on it, rotated in the browser.

    Drawn with Bokeh (a projected ``multi_line``), so it needs no extra JavaScript
    library; drag the picture or move the sliders to turn it.  Surfaces drawn with
    log-spaced contours are drawn as log₁₀(1 + L − L_min) so steep walls do not
    flatten the valley.
    """

    LINES = 28  # grid lines in each direction
    SAMPLES = 56  # points along each grid line

    def __init__(self, lang: str = "en"):
        self.lang = lang
        self.fig = figure(height=460, sizing_mode="stretch_width", tools="save",
                          toolbar_location="right", title=tr("view.3d", lang),
                          x_range=Range1d(-1.75, 1.75), y_range=Range1d(-1.3, 1.75),
                          match_aspect=True)
        self.fig.axis.visible = False
        self.fig.grid.visible = False
        self.fig.title.text_font_size = "16px"
        self.world = ColumnDataSource({"x": [], "y": [], "z": [], "color": [], "width": [],
                                       "alpha": []}, name="surface3d_world")
        self.screen = ColumnDataSource({"xs": [], "ys": [], "color": [], "width": [],
                                        "alpha": []}, name="surface3d_screen")
        self.fig.multi_line("xs", "ys", source=self.screen, line_color="color",
                            line_width="width", line_alpha="alpha")
        # The axes: x and y along the box's near edges, the loss up its left corner,
        # each with round ticks in the surface's own numbers and its name (as the 2-D
        # view's and the loss chart's); placed again at every turn (``axes_screen``).
        self.axes = ColumnDataSource({"axis": [], "at": [], "text": [], "title": []},
                                     name="surface3d_axes")
        self.axes_lines = ColumnDataSource({"xs": [], "ys": []}, name="surface3d_axes_lines")
        self.axes_ticks = ColumnDataSource({"x": [], "y": []}, name="surface3d_axes_ticks")
        self.axes_labels = {kind: ColumnDataSource(
            {"x": [], "y": [], "text": [], "align": [], "baseline": [], "dx": [], "dy": [],
             "axis": []}, name=f"surface3d_axes_{kind}") for kind in ("tick", "title")}
        self.fig.multi_line("xs", "ys", source=self.axes_lines, line_color=AXIS_INK,
                            line_width=1.2, line_alpha=0.9)
        self.fig.scatter("x", "y", source=self.axes_ticks, size=4, color=AXIS_INK)
        self.label_glyphs = {
            kind: self.fig.text(
                "x", "y", text="text", source=source, text_align="align",
                text_baseline="baseline", x_offset="dx", y_offset="dy", text_color=AXIS_TEXT,
                text_font_size=AXIS_FONTS[kind][False],
                text_font_style="italic" if kind == "title" else "normal").glyph
            for kind, source in self.axes_labels.items()}
        # (Bokeh's own sliders, made as the view first opens: the page's focus ring and
        # touch-sized handles given here.)
        sheets = [InlineStyleSheet(css=FOCUS_RING + TOUCH_TARGETS)]
        self.azimuth = Slider(title=tr("view.3d.azimuth", lang), start=-180, end=180, step=1,
                              value=-55, sizing_mode="stretch_width", name="pg-3d-azimuth",
                              stylesheets=sheets)
        self.elevation = Slider(title=tr("view.3d.elevation", lang), start=5, end=90, step=1,
                                value=30, sizing_mode="stretch_width",
                                name="pg-3d-elevation", stylesheets=sheets)
        project = CustomJS(args={"world": self.world, "screen": self.screen,
                                 "az": self.azimuth, "el": self.elevation, "axes": self.axes,
                                 "axes_lines": self.axes_lines, "axes_ticks": self.axes_ticks,
                                 "tick_labels": self.axes_labels["tick"],
                                 "title_labels": self.axes_labels["title"]},
                           code=PROJECTION_JS + AXES_JS + PROJECT_JS)
        for model, attr in ((self.azimuth, "value"), (self.elevation, "value"),
                            (self.world, "data"), (self.axes, "data")):
            model.js_on_change(attr, project)
        self.fig.js_on_event("pan", CustomJS(args={"az": self.azimuth, "el": self.elevation},
                                             code=DRAG_JS))
        self.layout = column(self.fig, row(self.azimuth, self.elevation,
                                           sizing_mode="stretch_width"),
                             sizing_mode="stretch_width", name="pg-view-3d")

    def show(self, surface: Surface, race: Race | None, selected: list[str]):
        """``surface`` as a wire-frame and the ``selected`` runs of ``race`` on it."""
        xs = np.linspace(*surface.x_range, self.SAMPLES)
        ys = np.linspace(*surface.y_range, self.SAMPLES)
        _, _, z = (np.asarray(a) for a in grid(surface, self.SAMPLES))
        finite = np.isfinite(z)
        floor = float(z[finite].min()) if finite.any() else 0.0
        if surface.minimum_value is not None:
            floor = min(floor, surface.minimum_value)

        def height(values):
            values = np.asarray(values, float)
            h = (np.log10(1.0 + np.maximum(values - floor, 0.0)) if surface.log_levels
                 else values - floor)
            return h

        h = height(np.where(finite, z, floor))
        top = float(np.percentile(h, 99)) or 1.0
        cx, sx = np.mean(surface.x_range), np.ptp(surface.x_range) / 2
        cy, sy = np.mean(surface.y_range), np.ptp(surface.y_range) / 2
        to_unit = lambda a, c, s_: ((np.asarray(a) - c) / s_).tolist()
        data = {"x": [], "y": [], "z": [], "color": [], "width": [], "alpha": []}
        every = max(1, self.SAMPLES // self.LINES)
        for i in range(0, self.SAMPLES, every):
            for xline, yline, zline in ((xs, np.full_like(xs, ys[i]), h[i, :]),
                                        (np.full_like(ys, xs[i]), ys, h[:, i])):
                zz = np.clip(zline / top, 0.0, 1.2)
                level = int(np.clip(np.mean(zz) / 1.2 * (len(WIRE_PALETTE) - 1), 0,
                                    len(WIRE_PALETTE) - 1))
                data["x"].append(to_unit(xline, cx, sx))
                data["y"].append(to_unit(yline, cy, sy))
                data["z"].append(zz.tolist())
                data["color"].append(WIRE_PALETTE[level])
                data["width"].append(1.0)
                data["alpha"].append(0.8)
        wire_top = max((max(z) for z in data["z"]), default=1.0) or 1.0  # ≤ 1.2
        for name in selected if race is not None else []:
            k = opt.NAMES.index(name)
            rows = max(race.good_rows(k), 1)
            px, py = race.points[:rows, k, 0], race.points[:rows, k, 1]
            inside = ((px >= surface.x_range[0]) & (px <= surface.x_range[1])
                      & (py >= surface.y_range[0]) & (py <= surface.y_range[1]))
            pz = np.clip(height(race.loss[:rows, k]) / top, 0.0, 1.2) + 0.01
            data["x"].append(to_unit(np.where(inside, px, np.nan), cx, sx))
            data["y"].append(to_unit(np.where(inside, py, np.nan), cy, sy))
            data["z"].append(pz.tolist())
            data["color"].append(COLORS[name])
            data["width"].append(4.0)
            data["alpha"].append(1.0)
        # The axes (set before the wireframe: the browser projects both on its change).
        self.axes.data = self.axes_spec(surface, floor, top, wire_top)
        self.world.data = data

    def axes_spec(self, surface: Surface, floor: float, top: float, z_top: float) -> dict:
        """The axes' rows (``axis`` x, y or z; ``at``, where along it in the picture's
        unit box; ``text``; ``title``): round ticks of x and y over the surface's
        range, of L over the heights drawn (``z`` = h / top with h = L − floor, or
        log₁₀(1 + L − floor) on a surface with log-spaced contours: ticks at L − floor
        = 0, 1, 2, 5, 10, … spaced apart), and each axis's name (x and y beside their
        middles, the loss at its axis's top, ``z_top``)."""
        rows = {"axis": [], "at": [], "text": [], "title": []}

        def add(axis, at, text, title=False):
            rows["axis"].append(axis)
            rows["at"].append(float(at))
            rows["text"].append(text)
            rows["title"].append(title)

        for axis, (low, high) in (("x", surface.x_range), ("y", surface.y_range)):
            centre, half = (low + high) / 2, (high - low) / 2
            for tick in nice_ticks(low, high):
                add(axis, (tick - centre) / half, readable_tick(tick))
        if surface.log_levels:
            above, last = [0.0], 0.0
            for k in range(0, 16):
                for m in (1, 2, 5):
                    d = m * 10.0 ** k
                    z = np.log10(1.0 + d) / top
                    if z > z_top + 1e-9:
                        break
                    if z - last >= 0.18:  # Z_LABEL_SPACING apart up to a 33° tilt
                        above.append(d)
                        last = z
            for d in above:
                add("z", np.log10(1.0 + d) / top, readable_tick(floor + d))
        else:
            for tick in nice_ticks(floor, floor + z_top * top, 4):
                add("z", (tick - floor) / top, readable_tick(tick))
        add("x", 0.0, tr("plot.axis.x", self.lang), True)
        add("y", 0.0, tr("plot.axis.y", self.lang), True)
        add("z", z_top, tr("view.3d.loss_log" if surface.log_levels else "plot.loss.linear",
                           self.lang), True)
        return rows

    def set_lecture(self, big: bool):
        """Lecture mode's sizes for the axes' text (the shell's styling reaches a
        plot's axes, not text drawn as glyphs)."""
        for kind, glyph in self.label_glyphs.items():
            size = AXIS_FONTS[kind][big]
            if glyph.text_font_size != size:
                glyph.text_font_size = size

    def project(self):
        """Set the projected lines now (as ``PROJECT_JS`` does in the browser): for a
        figure filled before it joins the page, whose ``world`` never changes there.

        ``projection`` at the sliders' azimuth and elevation.
        """
        at = projection(self.azimuth.value, self.elevation.value)
        d = self.world.data
        xs, ys = [], []
        for x, y, z in zip(d["x"], d["y"], d["z"], strict=True):
            u, v = at(*(np.asarray(c, float) for c in (x, y, z)))
            xs.append(u.tolist())
            ys.append(v.tolist())
        self.screen.data = {"xs": xs, "ys": ys, "color": list(d["color"]),
                            "width": list(d["width"]), "alpha": list(d["alpha"])}
        lines, ticks, labels = axes_screen(self.axes.data, self.azimuth.value,
                                           self.elevation.value)
        self.axes_lines.data, self.axes_ticks.data = lines, ticks
        for kind, source in self.axes_labels.items():
            source.data = labels[kind]


#: How much depth (x sin a + y cos a) shows as height at elevation e: a flattened view
#: in which the loss's axis keeps most of the picture.
FORESHORTENING = 0.6


def projection(azimuth: float, elevation: float):
    """The 3-D view's projection at ``azimuth``, ``elevation`` (degrees): a function of
    (x, y, z) (numbers or arrays; NaN stays NaN) to screen (u, v),

        u = x cos a − y sin a,  v = z cos e + FORESHORTENING · (x sin a + y cos a) sin e;

    ``PROJECTION_JS``'s ``pgProjection`` is its twin in the browser."""
    a, e = math.radians(azimuth), math.radians(elevation)
    ca, sa, ce, se = math.cos(a), math.sin(a), math.cos(e), math.sin(e)
    return lambda x, y, z: (x * ca - y * sa, z * ce + (x * sa + y * ca) * se * FORESHORTENING)


#: ``pgProjection(azimuth, elevation)``: ``projection``'s twin (degrees in, a function of
#: x, y, z to [u, v] out), for ``AXES_JS`` and ``PROJECT_JS``.
PROJECTION_JS = r"""
const pgProjection = (azimuth, elevation) => {
  const a = azimuth * Math.PI / 180, e = elevation * Math.PI / 180;
  const ca = Math.cos(a), sa = Math.sin(a), ce = Math.cos(e), se = Math.sin(e);
  return (x, y, z) => [x * ca - y * sa, z * ce + (x * sa + y * ca) * se * FORESHORTENING];
};
""".replace("FORESHORTENING", str(FORESHORTENING))

#: The 3-D view's axes: dark ink (the dark theme redraws it in its own), text in the
#: 2-D view's sizes (lecture mode: the shell's plot fonts).
AXIS_INK, AXIS_TEXT = "#555555", "#333333"
AXIS_FONTS = {"tick": {False: "13px", True: PLOT_FONTS["tick"]},
              "title": {False: "15px", True: PLOT_FONTS["axis_label"]}}
#: Pixels between an axis and its tick labels, and to its name (beyond them).
TICK_GAP_PX, TITLE_GAP_PX = 8, 40
#: Pixels between the loss axis's top and its name.
Z_TITLE_GAP_PX = 12
#: How near (in the box's unit coordinates) a tick of x or y may come to a corner where
#: another axis's labels are read: closer, its label is left out (Rastrigin's x = −5 at
#: −0.98 sat on the loss's "0").
CORNER_ROOM = 0.12
#: The least height between two of the loss's tick labels, in the picture's units
#: (about 20 px: its height is fixed); a label closer to the last one is left out.
Z_LABEL_SPACING = 0.15


def _placement(du: float, dv: float) -> tuple[str, str]:
    """Text set off in screen direction (du, dv) (a unit vector, v up): its align and
    baseline, so that it starts at its anchor and runs away from the axis."""
    align = "right" if du < -0.35 else "left" if du > 0.35 else "center"
    baseline = "top" if dv < -0.35 else "bottom" if dv > 0.35 else "middle"
    return align, baseline


def axes_screen(spec: dict, azimuth: float, elevation: float):
    """Where the 3-D view's axes are drawn at ``azimuth``, ``elevation`` (degrees), as
    ``AXES_JS`` places them in the browser: x along the box's edge nearest the viewer
    (y = y₀, the smaller depth x sin a + y cos a), y along the nearest x = x₀ edge, the
    loss up the corner furthest left; tick labels set off the box, away from its
    middle (none of x or y at the loss axis's foot), the names of x and y further out
    beside their middles, the loss's above its axis.

    Returns (lines, tick marks, {"tick": labels, "title": labels}) as the sources'
    data."""
    a = math.radians(azimuth)
    ca, sa = math.cos(a), math.sin(a)
    at = projection(azimuth, elevation)

    def unit(p, q, fallback=(0.0, -1.0)):
        du, dv = q[0] - p[0], q[1] - p[1]
        n = math.hypot(du, dv)
        return (du / n, dv / n) if n > 1e-3 else fallback

    y0 = -1.0 if ca >= 0 else 1.0
    x0 = -1.0 if sa >= 0 else 1.0
    xc, yc = (-1.0 if ca >= 0 else 1.0), (1.0 if sa >= 0 else -1.0)
    rows = list(zip(spec["axis"], spec["at"], spec["text"], spec["title"], strict=True))
    z_top = max([r[1] for r in rows if r[0] == "z" and r[3]], default=1.0)
    edges = {"x": (lambda t: (t, y0, 0.0)), "y": (lambda t: (x0, t, 0.0)),
             "z": (lambda t: (xc, yc, t))}
    ends = {"x": (-1.0, 1.0), "y": (-1.0, 1.0), "z": (0.0, z_top)}
    out = {"x": (lambda t: (t, 2 * y0, 0.0)), "y": (lambda t: (2 * x0, t, 0.0))}
    lines = {"xs": [], "ys": []}
    for axis in ("x", "y", "z"):
        p, q = (at(*edges[axis](t)) for t in ends[axis])
        lines["xs"].append([p[0], q[0]])
        lines["ys"].append([p[1], q[1]])
    ticks = {"x": [], "y": []}
    labels = {kind: {"x": [], "y": [], "text": [], "align": [], "baseline": [], "dx": [],
                     "dy": [], "axis": []} for kind in ("tick", "title")}
    last_z = -math.inf
    for axis, t, text, title in rows:
        p = at(*edges[axis](t))
        du, dv = (0.0, 1.0) if axis == "z" and title else (
            (-1.0, 0.0) if axis == "z" else unit(p, at(*out[axis](t))))
        gap, kind = (TITLE_GAP_PX, "title") if title else (TICK_GAP_PX, "tick")
        if title and axis == "z":
            gap = Z_TITLE_GAP_PX
        if not title:
            ticks["x"].append(p[0])
            ticks["y"].append(p[1])
            foot = edges[axis](t)
            if axis != "z" and (abs(foot[0] - xc) < CORNER_ROOM
                                and abs(foot[1] - yc) < CORNER_ROOM):
                continue  # at the loss axis's foot: its "0" is read there
            if axis == "y" and abs(t - y0) < CORNER_ROOM:
                continue  # at the corner x's axis shares: x's label is read there
            if axis == "z":  # tilted far, the loss's labels close up: every other one
                if p[1] - last_z < Z_LABEL_SPACING - 1e-12:
                    continue
                last_z = p[1]
        align, baseline = _placement(du, dv)
        row = labels[kind]
        for key, v in (("x", p[0]), ("y", p[1]), ("text", text), ("align", align),
                       ("baseline", baseline), ("dx", gap * du), ("dy", -gap * dv),
                       ("axis", axis)):
            row[key].append(v)
    return lines, ticks, labels


WIRE_PALETTE = interp_palette(("#9ecae1", "#4a6fa5", "#1f3b5c"), 16)

#: Rotate about the vertical axis by the azimuth, tilt by the elevation, project.
PROJECT_JS = r"""
{
const at = pgProjection(az.value, el.value);
const d = world.data, xs = [], ys = [];
for (let k = 0; k < d.x.length; k++) {
  const X = d.x[k], Y = d.y[k], Z = d.z[k], sx = [], sy = [];
  for (let i = 0; i < X.length; i++) {
    const [u, v] = at(X[i], Y[i], Z[i]);  // NaN stays NaN: Bokeh breaks the line there
    sx.push(u); sy.push(v);
  }
  xs.push(sx); ys.push(sy);
}
screen.data = {xs: xs, ys: ys, color: d.color, width: d.width, alpha: d.alpha};
}
"""

#: ``axes_screen`` in the browser: the axes placed for the azimuth and elevation, before
#: ``PROJECT_JS`` (which ends by setting the wireframe).
AXES_JS = r"""
{
const a = az.value * Math.PI / 180, ca = Math.cos(a), sa = Math.sin(a);
const project = pgProjection(az.value, el.value), at = (p) => project(p[0], p[1], p[2]);
const unit = (p, q) => { const du = q[0] - p[0], dv = q[1] - p[1], n = Math.hypot(du, dv);
  return n > 1e-3 ? [du / n, dv / n] : [0, -1]; };
const place = (du, dv) => [du < -0.35 ? "right" : du > 0.35 ? "left" : "center",
                           dv < -0.35 ? "top" : dv > 0.35 ? "bottom" : "middle"];
const y0 = ca >= 0 ? -1 : 1, x0 = sa >= 0 ? -1 : 1;
const xc = ca >= 0 ? -1 : 1, yc = sa >= 0 ? 1 : -1;
const s = axes.data;
let zTop = null;
for (let i = 0; i < s.axis.length; i++)
  if (s.axis[i] === "z" && s.title[i]) zTop = zTop === null ? s.at[i] : Math.max(zTop, s.at[i]);
if (zTop === null) zTop = 1;
const edges = {x: (t) => [t, y0, 0], y: (t) => [x0, t, 0], z: (t) => [xc, yc, t]};
const ends = {x: [-1, 1], y: [-1, 1], z: [0, zTop]};
const out = {x: (t) => [t, 2 * y0, 0], y: (t) => [2 * x0, t, 0]};
const lines = {xs: [], ys: []};
for (const axis of ["x", "y", "z"]) {
  const p = at(edges[axis](ends[axis][0])), q = at(edges[axis](ends[axis][1]));
  lines.xs.push([p[0], q[0]]); lines.ys.push([p[1], q[1]]);
}
const ticks = {x: [], y: []};
const empty = () => ({x: [], y: [], text: [], align: [], baseline: [], dx: [], dy: [],
                      axis: []});
const labels = {tick: empty(), title: empty()};
let lastZ = -Infinity;
for (let i = 0; i < s.axis.length; i++) {
  const axis = s.axis[i], title = s.title[i], w = edges[axis](s.at[i]), p = at(w);
  const d = axis === "z" ? (title ? [0, 1] : [-1, 0]) : unit(p, at(out[axis](s.at[i])));
  const kind = title ? "title" : "tick";
  const gap = title ? (axis === "z" ? Z_TITLE_GAP : TITLE_GAP) : TICK_GAP;
  if (!title) {
    ticks.x.push(p[0]); ticks.y.push(p[1]);
    const foot = Math.abs(w[0] - xc) < CORNER_ROOM && Math.abs(w[1] - yc) < CORNER_ROOM;
    if (axis !== "z" && foot) continue;  // at the loss axis's foot: its "0" is read there
    if (axis === "y" && Math.abs(s.at[i] - y0) < CORNER_ROOM) continue;  // x's corner
    if (axis === "z") {  // tilted far, the loss's labels close up: every other one
      if (p[1] - lastZ < Z_SPACING - 1e-12) continue;
      lastZ = p[1];
    }
  }
  const [align, baseline] = place(d[0], d[1]), row = labels[kind];
  row.x.push(p[0]); row.y.push(p[1]); row.text.push(s.text[i]); row.align.push(align);
  row.baseline.push(baseline); row.dx.push(gap * d[0]); row.dy.push(-gap * d[1]);
  row.axis.push(axis);
}
axes_lines.data = lines; axes_ticks.data = ticks;
tick_labels.data = labels.tick; title_labels.data = labels.title;
}
"""
for _name, _value in (("CORNER_ROOM", CORNER_ROOM),
                      ("Z_SPACING", Z_LABEL_SPACING), ("Z_TITLE_GAP", Z_TITLE_GAP_PX),
                      ("TICK_GAP", TICK_GAP_PX), ("TITLE_GAP", TITLE_GAP_PX)):
    AXES_JS = AXES_JS.replace(_name, str(_value))

#: Dragging the picture turns it.
DRAG_JS = r"""
az.value = ((az.value - cb_obj.delta_x * 0.4 + 540) % 360) - 180;
el.value = Math.min(90, Math.max(5, el.value + cb_obj.delta_y * 0.3));
"""
