"""The MLP lab's pictures: the heat map(s) over the plane, the curves, the race's view.

* ``ui.heatmap.Plane``: what every heat map shares (the colour mapper, the data points);
* :class:`BoundaryView`: one network's heat map, its loss and accuracy curves (the
  generalisation gap shaded), the reading and the network diagram;
* :class:`RaceView`: an optimizer race, one small heat map per racer and one pair of
  charts, every racer in its colour, and a table of where each stands.

Bokeh figures are built once and their sources patched in place; curves are streamed
through ``ui.curves.CurveFeed``, so a frame costs the browser the same after 100 or
100,000 epochs.
"""

from __future__ import annotations

import math

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, LogScale, LogTicker, Range1d, Span, Title
from bokeh.plotting import figure
from panel.viewable import Viewer

from ...numerics import optimizers as opt
from ...numerics.datasets import FEATURE_LABELS
from ...text import tr
from ...ui.axes import (
    fit_step_axis,
    history_loss_range,
    log_loss_range,
    log_tick_format,
    readable_ticks,
    show_lone_points,
    step_range,
    whole_step_ticks,
)
from ...ui.curves import CurveFeed
from ...ui.export import tag_figure, with_downloads
from ...ui.flow import NO_LEAST_WIDTH, WRAP, chart_room
from ...ui.heatmap import Plane
from ...ui.markup import text_html
from ...ui.palettes import (
    TRAIN_COLOR,
    VAL_COLOR,
    optimizer_color,
    title_ink,
)
from ...ui.present import (
    FIT_WINDOW,
    OWN_INK,
    ink,
    lecture_height,
    lecture_left,
    number_size,
    text_size,
)
from ...ui.widgets import loss_text, number_text, set_text
from .state import MAX_RACERS, MlpLabState, race_frame_text

#: Between a curve chart and its legend beside it, in px: room for half of the last x
#: tick's label ("1000" in lecture mode's 20-px type is about 44 px wide).
LEGEND_MARGIN = 26
#: A curve chart's axes, legend (beside it) and margins, in px, in plain and lecture
#: mode (measured: 166 and 234 px for the loss chart in English; 6 and 11 more for
#: ``CHART_LEFT_PX`` and ``LECTURE_CHART_LEFT_PX``): its column's least
#: width is the frame's least width plus these (``ui.flow.chart_room``), the legend's
#: margin beyond Bokeh's 10 px included.
CURVES_ROOM = chart_room(186 + LEGEND_MARGIN - 10, 261 + LEGEND_MARGIN - 10)
#: Left of a curve chart's frame (px): its widest usual tick label ("0.001" in 11-px
#: type, in lecture mode's 20-px type) and tick.
CHART_LEFT_PX, LECTURE_CHART_LEFT_PX = 38, 64
#: A curve chart's height in lecture mode (px), about the heat map's beside it (at
#: plain mode's 215 px, lecture mode's type left a frame of 90 px on a projector).
LECTURE_CHART_PX = 400
#: A race chart's height in lecture mode (px): its frame 150 px tall, the charts still
#: above the fold below three racers' heat maps on a 1080-px projector.
LECTURE_RACE_CHART_PX = 330
#: The widest a racer's heat map grows (px): four fill a 1920-px window, the charts
#: still above the fold on a 1080-px projector in lecture mode.
RACE_IMAGE_MAX_PX = 360
#: How much taller than wide a racer's heat map is at its least width (px; in proportion
#: when it scales): its title line's share, so that its frame is square within 3 % from
#: 215 to 360 px wide and in lecture mode (a title of 20 px, 34 in lecture mode).
RACE_TITLE_PX = 18
#: The race's charts: the legend of four optimizers in 11-px text.
RACE_CURVES_ROOM = chart_room(200 + LEGEND_MARGIN - 10, 270 + LEGEND_MARGIN - 10)


#: The accuracy charts' span: a little over 1, so a curve at 100 % is seen whole.
ACCURACY_SPAN = (0.0, 1.02)
#: A race chart's subtitle (what the two dashes mean), in px.
RACE_LINES_PX = 12


def epoch_chart(what: str, lang: str, **options) -> figure:
    """An MLP chart against epochs: the loss (``what`` = "loss") or the accuracy
    ("acc") over whole epochs, its ticks readable at any size, the live page's and
    the static page's alike.  ``options``: the figure's (Bokeh's names); by default
    no tools, epochs over ``ui.axes.step_range()``, y over [0, 1] (the accuracy's:
    ``ACCURACY_SPAN``)."""
    title = "mlp.plot.loss" if what == "loss" else "mlp.plot.accuracy"
    fig = figure(title=tr(title, lang), **{
        "tools": "", "toolbar_location": None, "x_range": step_range(),
        "y_range": Range1d(*(ACCURACY_SPAN if what == "acc" else (0.0, 1.0))), **options})
    fig.yaxis[0].formatter = readable_ticks()
    whole_step_ticks(fig)
    fig.xaxis.axis_label = tr("mlp.plot.epoch", lang)
    return fig


def race_chart(what: str, lang: str, **options) -> figure:
    """``epoch_chart`` for a race: every racer in its colour, training solid and
    validation dashed, as its subtitle says (on a line of its own: in the title,
    lecture mode's larger text cut it off at 1280 px)."""
    fig = epoch_chart(what, lang, **options)
    fig.add_layout(Title(text=tr("mlp.plot.race_lines", lang), text_font_style="normal",
                         text_font_size=f"{RACE_LINES_PX}px"), "above")
    return fig


def generalisation_gap(fig, source: ColumnDataSource, what: str, lang: str, **options):
    """The generalisation gap of ``what`` ("loss", "acc"), shaded between the training
    and validation curves (``source``'s ``train_<what>``, ``val_<what>``)."""
    return fig.varea("epoch", f"train_{what}", f"val_{what}", source=source,
                     fill_color=VAL_COLOR, fill_alpha=0.2,  # (0.12 read 1.2:1 on white)
                     legend_label=tr("mlp.plot.gap", lang), **options)


def train_val_lines(fig, source: ColumnDataSource, what: str, lang: str,
                    validation: bool = True, legend: bool = True, **line):
    """The training (``TRAIN_COLOR``) and validation (``VAL_COLOR``) curves of ``what``
    ("loss", "acc") from ``source``'s ``train_<what>``, ``val_<what>`` against epochs,
    named in the legend unless not ``legend``; ``line``: their width, alpha (Bokeh's
    names).  Returns the two renderers (the validation one None without ``validation``)."""
    drawn = []
    for split, color, key in (("train", TRAIN_COLOR, "mlp.plot.train"),
                              ("val", VAL_COLOR, "mlp.plot.val"))[: 2 if validation else 1]:
        named = {"legend_label": tr(key, lang)} if legend else {}
        drawn.append(fig.line("epoch", f"{split}_{what}", source=source, color=color,
                              **named, **line))
    return drawn[0], drawn[1] if validation else None


def racer_lines(fig, source: ColumnDataSource, what: str, color: str,
                label: str | None = None, validation: bool = True, **line):
    """One racer's curves of ``what`` ("loss", "acc") in its ``color``: training solid
    (named ``label`` in the legend when given), validation dashed; ``line``: their
    width, alpha.  Returns both renderers (the validation one None without
    ``validation``)."""
    named = {"legend_label": label} if label is not None else {}
    train = fig.line("epoch", f"train_{what}", source=source, color=color, **named, **line)
    val = (fig.line("epoch", f"val_{what}", source=source, color=color, line_dash="dashed",
                    **line) if validation else None)
    return train, val


def legend_beside(fig):
    """``fig``'s legend right of its frame, where it never hides a curve, clear of the
    last tick's label (half of it lies right of the frame: lecture mode's "100" was cut
    to "10")."""
    fig.add_layout(fig.legend[0], "right")
    fig.legend[0].margin = LEGEND_MARGIN


def accuracy_text(accuracy: float, lang: str) -> str:
    """An accuracy (a fraction) in a readout: "99.6 %" ("99.6%" in Chinese, as its other
    percentages); "–" where it is not finite."""
    return (tr("unit.percent", lang, value=f"{100 * accuracy:.1f}") if math.isfinite(accuracy)
            else "–")


#: The readout's numbers in the dark theme: brighter than their labels (``--pg-muted``),
#: the epoch in the theme's ink, the validation loss its red a quarter in white, the
#: training loss its navy a tenth (a quarter was as grey as the label: 1.02:1).
NUMBER_INK = "var(--pg-ink, #222222)"
HEADLINE_SHARE = 25
TRAIN_SHARE = 10


def readout_html(epoch, train_loss, val_loss, lang: str, whose: str | None = None,
                 accuracies: tuple[str, str] | None = None) -> str:
    """The epoch and both losses, labelled; each stable class sits on the element whose
    text is the number (inside Panel's shadow DOM): ``.pg-epoch`` reads "12".

    ``whose``: in a race, the optimizer whose losses these are (the first racer's),
    named in the losses' labels (``.pg-readout-whose``) in its colour.  ``accuracies``:
    the training and validation accuracy (``accuracy_text``; "" for none), each under
    its loss, labelled (``.pg-train-acc``, ``.pg-val-acc``; the static page's readout:
    the live one has the accuracy chart beside it)."""
    cells = (("mlp.epoch", "pg-epoch", epoch, None, None),  # None: the theme's ink
             ("mlp.train_loss", "pg-train-loss", train_loss, TRAIN_COLOR, "pg-train-acc"),
             ("mlp.val_loss", "pg-val-loss", val_loss, VAL_COLOR, "pg-val-acc"))
    share = {TRAIN_COLOR: TRAIN_SHARE, VAL_COLOR: HEADLINE_SHARE}
    number = f"font-size:{number_size(22)};font-weight:600;font-variant-numeric:tabular-nums"
    accuracy = dict(zip(("pg-train-acc", "pg-val-acc"), accuracies or ("", ""), strict=True))

    def label(key: str) -> str:
        if whose is None or key == "mlp.epoch":
            return tr(key, lang)
        name = (f"<b class='pg-readout-whose' style='color:{ink(optimizer_color(whose))}'>"
                f"{tr(f'optimizer.{whose}', lang)}</b>")
        return tr("mlp.readout.whose", lang, what=tr(key, lang), optimizer=name)

    def under(css: str | None) -> str:
        if css is None or not accuracy[css]:
            return ""
        return (f"<div class='{css}' style='font-size:{text_size(13)};"
                f"color:var(--pg-muted,#555)'>"
                f"{tr('mlp.readout.accuracy', lang, value=accuracy[css])}</div>")

    return "<div style='display:flex;flex-wrap:wrap;column-gap:30px'>" + "".join(
        f"<div style='min-width:110px'><div style='font-size:{text_size(12)};"
        f"color:var(--pg-muted,#555);white-space:nowrap'>"
        f"{label(key)}</div><span class='{css}' style='{number};"
        f"color:{NUMBER_INK if color is None else ink(color, share[color])}'>"
        f"{text_html(value)}</span>{under(acc)}</div>"
        for key, css, value, color, acc in cells) + "</div>"


def race_table_html(racers, rows, diverged, has_validation: bool, lang: str,
                    readings=None, lrs=None) -> str:
    """Where each racer stands: its name in its colour, its training loss and, with a
    validation part, its validation loss and accuracy, and the verdict on its curves;
    one that diverged says at which epoch across them.  ``rows[i]``: racer i's
    (training loss, training accuracy, validation loss, validation accuracy) at the
    epoch shown; ``diverged[i]``: the epoch it diverged at by then, or None;
    ``readings[i]``: its ``reading`` key (``MlpLabState.race_readings``; None: no
    column); ``lrs[i]``: its learning rate (a column where they differ).  The live
    page's table and the static page's."""
    lrs = lrs if lrs is not None and len(set(lrs)) > 1 else None
    keys = ["mlp.race.optimizer", *(["mlp.race.lr"] if lrs else []), "mlp.train_loss"] + (
        ["mlp.val_loss", "mlp.race.val_acc"] if has_validation else []) + (
        ["mlp.race.reading"] if readings is not None else [])
    head = "".join(f"<th>{tr(k, lang)}</th>" for k in keys)
    body = []
    readings = [None] * len(racers) if readings is None else readings
    for k, (name, row, epoch, verdict) in enumerate(zip(racers, rows, diverged, readings,
                                                         strict=True)):
        lr = f"<td class='pg-race-lr'>{number_text(lrs[k])}</td>" if lrs else ""
        if epoch is not None:
            cells = lr + (f"<td colspan={len(keys) - 1 - bool(lrs)}>"
                          f"{tr('mlp.race.diverged', lang, epoch=epoch)}</td>")
        else:
            cells = lr + f"<td class='pg-race-train'>{text_html(loss_text(row[0]))}</td>" + (
                f"<td>{text_html(loss_text(row[2]))}</td><td>{accuracy_text(row[3], lang)}</td>"
                if has_validation else "") + (
                f"<td class='pg-race-reading'>{tr(f'mlp.reading.{verdict}.short', lang)}</td>"
                if verdict is not None else "")
        body.append(f"<tr><td style='color:{ink(optimizer_color(name))};font-weight:600'>"
                    f"{tr(f'optimizer.{name}', lang)}</td>{cells}</tr>")
    return (f"<table style='font-size:{text_size(15)};border-spacing:14px 2px;"
            f"font-variant-numeric:tabular-nums'><tr>{head}</tr>{''.join(body)}</table>")


def fit_loss_axis(fig, histories, diverged, log: bool = False):
    """A loss chart's range: every network's losses, a diverged one's only up to where it
    started (``ui.axes.loss_range``: its last epochs' climb does not flatten the rest);
    ``log``: on a log scale (``ui.axes.log_loss_range``: losses of 0 left out)."""
    if log:
        curves = [np.asarray(h)[:, [0, 2]] for h in histories]
        low, high = log_loss_range(curves, diverged) or (1e-3, 1.0)
    else:
        low, high = history_loss_range(histories, diverged)
    fig.y_range.update(start=low, end=high)


class LossScale:
    """A loss chart's y axis, linear or log (``MlpLabState.log_loss``), switched in
    place: BokehJS redraws a plot whose ``y_scale`` changes, so the chart keeps its
    curves, legend, best epoch and downloads (a second chart for the log scale would
    double them).  The log scale's models are made when first shown."""

    def __init__(self, fig):
        self.fig = fig
        axis = fig.yaxis[0]
        self._linear = (fig.y_scale, axis.ticker, axis.formatter)
        self._log = None

    @property
    def log(self) -> bool:
        return self._log is not None and self.fig.y_scale is self._log[0]

    def models(self, log: bool) -> tuple:
        """The scale, ticker and tick formatter of the linear or the log axis."""
        if log and self._log is None:
            self._log = (LogScale(), LogTicker(), log_tick_format())
        return self._log if log else self._linear

    def show(self, log: bool):
        if log == self.log:
            return
        scale, ticker, formatter = self.models(log)
        self.fig.y_scale = scale
        self.fig.yaxis[0].update(ticker=ticker, formatter=formatter)
        for grid in self.fig.ygrid:
            grid.ticker = ticker


def reading_markdown(state: MlpLabState, upto: int | None = None) -> str:
    """The reading of the curves (``mlp.reading.*``, Markdown) up to epoch ``upto``
    (default: the epoch shown) and what these settings add to its advice
    (``MlpLabState.reading_note``)."""
    verdict = state.reading(upto)
    note = state.reading_note(verdict)
    space = "" if state.lang == "zh" else " "  # (after "。" Chinese runs on)
    return (tr(f"mlp.reading.{verdict}", state.lang, layers=state.sigmoid_layers)
            + (space + note if note else ""))


def frame_note_pane() -> pn.pane.HTML:
    """A line under the heat map(s): the normalisation of the inputs, when there is one."""
    return pn.pane.HTML("", visible=False, css_classes=["pg-normalised"],
                        styles={"font-size": text_size(13), "color": "var(--pg-muted, #444)"},
                        sizing_mode="stretch_width", margin=(0, 10))


def heat_key_pane() -> pn.pane.HTML:
    """A line under the heat map(s): what their colours and marks are
    (``ui.heatmap.Plane.key_html``)."""
    return pn.pane.HTML("", css_classes=["pg-heat-key-line"],
                        styles={"font-size": text_size(13), "color": "var(--pg-ink, #222)"},
                        sizing_mode="stretch_width", margin=(0, 10))


def show_note(pane: pn.pane.HTML, text: str):
    """``text`` as plain characters in ``pane``, hidden when empty."""
    set_text(pane, text_html(text) if text else "")
    pane.visible = bool(text)


def empty_curves() -> ColumnDataSource:
    """A training-curve source with no epoch yet (``ui.curves.CurveFeed.columns``)."""
    return ColumnDataSource(CurveFeed.columns(np.zeros((0, 4)), np.zeros(0, int)))


def normalisation_note(state: MlpLabState) -> str:
    """What the network sees when inputs are normalised (x̂ = (x − μ)/σ per feature, μ
    and σ of the training set), as a line of text; "" when they are used as they are."""
    if not state.normalise:
        return ""
    data, lang = state.data, state.lang
    names = [FEATURE_LABELS[f] for f in (tuple(state.features) or ("x1", "x2"))]
    each = "; ".join(f"{name}: μ = {float(m):.3g}, σ = {float(sd):.3g}"
                     for name, m, sd in zip(names, data.mean, data.std, strict=False))
    return tr("mlp.normalised", lang, features=each)


#: The best epoch's line (lowest validation loss so far) on an epoch chart.
BEST_STYLE = {"line_color": VAL_COLOR, "line_dash": "dashed", "line_width": 1.5,
              "line_alpha": 0.8}


def best_epoch_mark(fig, lang: str):
    """The best epoch on epoch chart ``fig``: a vertical line (a ``Span``; move its
    ``location``) and its legend entry ("best epoch"), a line that draws nothing (a
    Span has no legend entry, and with no point at all Bokeh draws no key: one NaN).
    Returns (span, the legend's renderer)."""
    span = Span(location=0, dimension="height", **BEST_STYLE)
    fig.add_layout(span)
    key = fig.line(np.array([np.nan]), np.array([np.nan]), **BEST_STYLE,
                   legend_label=tr("mlp.plot.best", lang))
    return span, key


class BoundaryView(Viewer):
    """One network: its heat map, its curves, the reading and the network diagram.

    ``layout`` is built once (the lab shows or hides it); Bokeh panes are shown and
    hidden through the Columns around them (toggling a Bokeh pane's own ``visible``
    upsets Panel's stylesheets).
    """

    state = param.ClassSelector(class_=MlpLabState)

    def __init__(self, plane: Plane, network: Viewer, **params):
        super().__init__(**params)
        lang = self.state.lang
        self.plane = plane
        self.boundary_fig, self.image_source = plane.figure(
            "pg-boundary-image", 7, 1, width=460, height=440,
            title=tr("mlp.plot.boundary", lang), tags=[FIT_WINDOW])
        self.boundary_fig.xaxis.axis_label, self.boundary_fig.yaxis.axis_label = "x₁", "x₂"
        self.curves = empty_curves()
        self.curve_feed = CurveFeed(self.curves)
        self.cuts = self.state.cuts  # history cuts already drawn
        self.loss_fig = self._chart("loss")
        self.loss_scale = LossScale(self.loss_fig)
        self.acc_fig = self._chart("acc")
        # The best epoch (lowest validation loss, what "restore best" goes back to) on
        # both charts: its accuracy read there too, and both legends hold the same
        # entries, so that the two frames are equally wide and their epochs line up.
        marks = [best_epoch_mark(fig, lang) for fig in (self.loss_fig, self.acc_fig)]
        self.best_spans = tuple(span for span, _ in marks)
        self.best_keys = [key for _, key in marks]
        # The best epoch is the best on validation: without validation points, none.
        self.validation_renderers.extend(self.best_keys)
        self.reading_pane = pn.pane.Markdown("", css_classes=["pg-reading"],
                                             styles={"font-size": text_size(15)},
                                             sizing_mode="stretch_width")
        self.network = network
        self.frame_note = frame_note_pane()
        self.key = heat_key_pane()
        boundary = with_downloads(pn.pane.Bokeh(self.boundary_fig), "boundary", self.state)
        # The key in the menu's column, right under the map: in lecture mode the menu goes
        # below the plot, and the key after it was under a 720-px screen's fold.
        boundary.append(self.key)
        self.layout = pn.Column(
            pn.Row(
                pn.Column(boundary, self.frame_note, width=470),
                # Beside the heat map one above the other; narrow (an iframe, 150 %
                # zoom, lecture mode with the controls open), below it, side by side
                # where both have room.
                pn.Row(*(pn.Column(with_downloads(pn.pane.Bokeh(fig, sizing_mode="stretch_width"),
                                                  name, self.state),
                                   sizing_mode="stretch_width", stylesheets=[CURVES_ROOM])
                         for fig, name in ((self.loss_fig, "loss"), (self.acc_fig, "accuracy"))),
                       sizing_mode="stretch_width", stylesheets=[WRAP, CURVES_ROOM]),
                sizing_mode="stretch_width", stylesheets=[WRAP]),
            self.reading_pane, self.network, sizing_mode="stretch_width",
            stylesheets=[":host { min-width: 0 !important; max-height: none !important; }"])

    def __panel__(self):
        return self.layout

    def _chart(self, what: str):
        # One width for both charts' tick labels ("0.86" beside "1" at epoch 0 moved
        # one frame 6 px): their epochs line up one above the other.
        fig = epoch_chart(what, self.state.lang, height=215, sizing_mode="stretch_width",
                          min_border_left=CHART_LEFT_PX,
                          tags=[lecture_height(LECTURE_CHART_PX),
                                lecture_left(LECTURE_CHART_LEFT_PX),
                                *([FIT_WINDOW] if what == "loss" else [])])
        lang = self.state.lang
        gap = generalisation_gap(fig, self.curves, what, lang)
        _, val = train_val_lines(fig, self.curves, what, lang, line_width=2)
        self.validation_renderers = [*getattr(self, "validation_renderers", []), gap, val]
        # A curve of one point (epoch 0) is a dot: a line of one point draws nothing.
        self.lone_markers = [*getattr(self, "lone_markers", []), *(
            (fig.scatter("epoch", f"{part}_{what}", source=self.curves, color=color, size=7,
                         visible=False), part == "val")
            for part, color in (("train", TRAIN_COLOR), ("val", VAL_COLOR)))]
        legend_beside(fig)
        return fig

    def reset(self):
        """A new network: the curves start again; the normalisation is said again."""
        self.curve_feed.clear()
        self.cuts = self.state.cuts
        show_note(self.frame_note, normalisation_note(self.state))
        self._show_validation(self.state.has_validation)
        self._fit_epochs()

    def _fit_epochs(self):
        """The epoch axes from 0 to the last epoch drawn; a lone point as a dot."""
        s = self.state
        for fig in (self.loss_fig, self.acc_fig):
            fit_step_axis(fig.x_range, len(s.history) - 1)
        show_lone_points([(marker, s.has_validation or not is_val)
                          for marker, is_val in self.lone_markers])

    def _show_validation(self, shown: bool):
        """Without validation points (training share 100 %) no validation curve, no gap,
        and no legend entry for them.  The best epoch's line and its legend entry wait
        for a trained epoch too: before one there is no best to mark."""
        best = shown and len(self.state.history) > 1
        marks = [*self.best_keys, *self.best_spans]
        wanted = {id(r): best if any(r is m for m in marks) else shown
                  for r in [*self.validation_renderers, *self.best_spans]}
        for renderer in [*self.validation_renderers, *self.best_spans]:
            if renderer.visible != wanted[id(renderer)]:
                renderer.visible = wanted[id(renderer)]
        for fig in (self.loss_fig, self.acc_fig):
            for item in fig.legend[0].items:
                key = id(item.renderers[0]) if item.renderers else None
                if key in wanted and item.visible != wanted[key]:
                    item.visible = wanted[key]

    def draw(self):
        """The heat map (see ``MlpLabState.grid``)."""
        self.image_source.data = {"image": [self.plane.image(self.state.grid())]}

    def show_details(self):
        """The curves, the best epoch's line and the reading."""
        s = self.state
        if self.cuts != s.cuts:  # trained on after "restore best": redraw the curves
            self.cuts = s.cuts
            self.curve_feed.clear()
        self.curve_feed.feed(s.history)
        self.loss_scale.show(s.log_loss)
        fit_loss_axis(self.loss_fig, [s.history], [s.diverged_at is not None], s.log_loss)
        self._show_validation(s.has_validation)
        self._fit_epochs()
        for span in self.best_spans:
            span.location = s.best_epoch
        set_text(self.reading_pane, reading_markdown(s))


class RaceView(Viewer):
    """An optimizer race: up to four small heat maps and one pair of charts.

    Built once, when the page first shows a race (``MlpLab.race``); a race shows as many
    as it has racers and renames them (``reset``).
    """

    state = param.ClassSelector(class_=MlpLabState)
    theme = param.Selector(default="light", objects=["light", "dark"],
                           doc="the page's theme: each heat map's title, the racer's name, "
                               "in its optimizer's colour for it (``title_ink``)")

    def __init__(self, plane: Plane, **params):
        super().__init__(**params)
        lang = self.state.lang
        self.plane = plane
        self.race_images, self.race_boundary_figs = [], []
        for i in range(MAX_RACERS):
            # Its frame square, as wide as its quarter of the row from 215 px (4 × 215 fit
            # a 1280-px window; at 245 even the hidden race view held the lab wider than
            # the window) to RACE_IMAGE_MAX_PX (a wide window, lecture mode on a
            # projector): the title's line on top (``RACE_TITLE_PX``), or the circle
            # data set was drawn as an oval (303 × 270 in lecture mode).
            fig, source = plane.figure(f"pg-race-image-{i}", 5, 0.5, width=215,
                                       height=215 + RACE_TITLE_PX,
                                       sizing_mode="scale_width", min_width=215,
                                       max_width=RACE_IMAGE_MAX_PX, css_classes=["pg-race-map"],
                                       title=tr(f"optimizer.{opt.NAMES[i]}", lang))
            fig.title.update(text_font_size="14px", tags=[OWN_INK])
            # No axes: ticks took a fifth of each small map's width (its frame under the
            # 200 px every chart keeps); the line under the maps gives their frame.
            fig.axis.visible = False
            self.race_images.append(source)
            self.race_boundary_figs.append(fig)
        self.race_curves = [empty_curves() for _ in range(MAX_RACERS)]
        self.race_feeds = [CurveFeed(source) for source in self.race_curves]
        self.race_lines = []  # per chart, per racer: (training line, validation line)
        self.race_dots = []  # (racer, its lone-point dots), per chart
        self.race_loss_fig = self._race_chart("loss")
        self.loss_scale = LossScale(self.race_loss_fig)
        self.race_acc_fig = self._race_chart("acc")
        self.race_table = pn.pane.HTML("", css_classes=["pg-race-table"],
                                       sizing_mode="stretch_width")
        # No wider than a map: two racers' maps side by side, not each alone in half a row.
        self.race_slots = [pn.Column(pn.pane.Bokeh(fig, sizing_mode="scale_width"), margin=0,
                                     sizing_mode="stretch_width", min_width=215,
                                     max_width=RACE_IMAGE_MAX_PX)
                           for fig in self.race_boundary_figs]
        for i, fig in enumerate(self.race_boundary_figs):  # in the whole view's figure
            tag_figure(fig, f"race_{i + 1}")
        self.frame_note = frame_note_pane()
        self.key = heat_key_pane()
        chart = lambda fig, name: pn.Column(
            with_downloads(pn.pane.Bokeh(fig, sizing_mode="stretch_width"), name, self.state),
            sizing_mode="stretch_width", stylesheets=[RACE_CURVES_ROOM])
        self.layout = pn.Column(
            pn.Row(*self.race_slots, stylesheets=[WRAP]),
            self.key, self.frame_note,
            pn.Row(chart(self.race_loss_fig, "race_loss"),
                   chart(self.race_acc_fig, "race_accuracy"), sizing_mode="stretch_width",
                   stylesheets=[WRAP]),
            self.race_table, visible=False, sizing_mode="stretch_width",
            stylesheets=[NO_LEAST_WIDTH])

    def __panel__(self):
        return self.layout

    def _race_chart(self, what: str):
        """Each racer in its colour: training solid, validation dashed."""
        lang = self.state.lang
        fig = race_chart(what, lang, height=260, sizing_mode="stretch_width",
                         tags=[lecture_height(LECTURE_RACE_CHART_PX)])
        by_racer = []
        for i, source in enumerate(self.race_curves):
            name = tr(f"optimizer.{opt.NAMES[i]}", lang)
            color = optimizer_color(opt.NAMES[i])  # set again for each race (``reset``)
            train, val = racer_lines(fig, source, what, color, name, line_width=2)
            # A lone point as a dot (filled: training; hollow: validation).
            dots = [fig.scatter("epoch", f"train_{what}", source=source, color=color, size=7,
                                visible=False),
                    fig.scatter("epoch", f"val_{what}", source=source, line_color=color,
                                fill_color=None, line_width=2, size=8, visible=False)]
            self.race_dots.append((i, dots))
            by_racer.append((train, val))
        legend_beside(fig)
        fig.legend.label_text_font_size = "11px"
        self.race_lines.append(by_racer)
        return fig

    @param.depends("theme", watch=True)
    def _recolour_titles(self):
        for i, name in enumerate(self.state.racers):
            self.race_boundary_figs[i].title.text_color = title_ink(optimizer_color(name),
                                                                    self.theme)

    def reset(self):
        """Show as many heat maps and curves as there are racers, named after them."""
        s, lang = self.state, self.state.lang
        racers = s.racers
        show_note(self.frame_note, " ".join(filter(None, (race_frame_text(self.plane.frame, lang),
                                                          normalisation_note(s)))))
        for i in range(MAX_RACERS):
            active = i < len(racers)
            name = tr(f"optimizer.{racers[i]}", lang) if active else ""
            # The optimizer's colour, not the slot's: the same in both labs.
            color = optimizer_color(racers[i]) if active else "#444444"
            self.race_slots[i].visible = active
            self.race_boundary_figs[i].title.update(text=name,
                                                    text_color=title_ink(color, self.theme))
            self.race_feeds[i].clear()
            for fig, lines in zip((self.race_loss_fig, self.race_acc_fig), self.race_lines,
                                  strict=True):
                for renderer in lines[i]:
                    renderer.visible = active
                    renderer.glyph.line_color = color
                fig.legend.items[i].visible = active
                fig.legend.items[i].label = {"value": name}
        for i, dots in self.race_dots:
            active = i < len(racers)
            color = optimizer_color(racers[i]) if active else "#444444"
            dots[0].glyph.update(fill_color=color, line_color=color)
            dots[1].glyph.line_color = color

    def draw(self):
        """Each racer's heat map (one call for all)."""
        for source, grid in zip(self.race_images, self.state.race_grids(), strict=False):
            source.data = {"image": [self.plane.image(grid)]}

    def show_details(self):
        """Stream each racer's new rows; a table of where each one stands."""
        s = self.state
        for feed, history in zip(self.race_feeds, s.race_history, strict=False):
            feed.feed(history)
        self.loss_scale.show(s.log_loss)
        fit_loss_axis(self.race_loss_fig, s.race_history,
                      [d is not None for d in s.race_diverged], s.log_loss)
        last = max((len(h) for h in s.race_history), default=1) - 1
        for fig in (self.race_loss_fig, self.race_acc_fig):
            fit_step_axis(fig.x_range, last)
        show_lone_points([(dot, i < len(s.racers) and (k == 0 or s.has_validation))
                          for i, dots in self.race_dots for k, dot in enumerate(dots)])
        set_text(self.race_table, race_table_html(
            s.racers, [h[-1] for h in s.race_history], s.race_diverged, s.has_validation,
            s.lang, s.race_readings(), [s.racer_lr(n) for n in s.racers]))
