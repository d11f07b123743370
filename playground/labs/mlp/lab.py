"""The MLP lab: controls, the training loop and the pictures, wired to one state object.

The numerics live in :mod:`playground.numerics`, the state in :mod:`.state`; this module
only builds widgets and Bokeh figures and moves data into them.  Play runs a
periodic callback per session: every ``PERIOD_MS`` it trains a chunk of epochs (one
compiled call; at speed "max" as many as fit in ``FRAME_S``) and replaces the heat
map's image in place; the curves (streamed, at most ``MAX_CURVE_POINTS`` each), the
network diagram and the numbers follow every ``DETAILS_PERIOD_S``.
"""

from __future__ import annotations

import logging
import threading
import time

import jax.numpy as jnp
import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, LinearColorMapper, Span
from bokeh.plotting import figure
from panel.io import hold
from panel.viewable import Viewer

from ...numerics import datasets, mlp, training
from ...numerics import optimizers as opt
from ...numerics.decision import GRID_EXTENT, GRID_SIZE
from ...numerics.training import train_keeping_best, train_race
from ...text import tr
from ...ui.markup import notice, set_notice, tagged
from ...ui.palettes import binary_palette, class_color, class_palette, hard_palette
from ...ui.session import next_tick_from_any_thread
from ...ui.widgets import respond_at_once, set_text
from . import state as mlp_state
from .network import NetworkDiagram
from .state import MAX_RACERS, SPEEDS, UPLOADED, MlpLabState, next_chunk

log = logging.getLogger(__name__)

TRAIN_COLOR, VAL_COLOR = "#1f3b5c", "#d62728"
#: The racers' colours (distinct from the class colours of the heat maps).
RACE_COLORS = ("#1b9e77", "#7570b3", "#e7298a", "#444444")
COMPILE_WAIT_S = 60.0  # frames wait this long at most for a background compilation
PERIOD_MS = 25  # 40 frames per second: some above the 30 a page needs
#: A race's four heat maps while playing, at most 10 times a second: sent at the full
#: rate they queue up in the browser faster than it paints them (a Pause then took
#: seconds to show).
RACE_PICTURE_PERIOD_S = 0.1
DETAILS_PERIOD_S = 0.2  # while playing, curves, thumbnails and numbers: 5 times a second


MAX_CURVE_POINTS = 400  # per curve: the browser's work per frame stays bounded
CURVE_COLUMNS = ("train_loss", "train_acc", "val_loss", "val_acc")  # a history's columns


class CurveFeed:
    """Moves a growing history (epochs × 4) into a chart's ColumnDataSource.

    The chart gets every k-th epoch, k = 1, 2, 4, … doubling whenever the chart would
    hold more than ``max_points`` points (it is then rebuilt once at the new stride),
    so redrawing it costs the browser the same after 100 or 100,000 epochs.
    """

    def __init__(self, source: ColumnDataSource, max_points: int = MAX_CURVE_POINTS):
        self.source, self.max_points = source, max_points
        self.stride, self.fed = 1, 0  # fed: history rows already considered

    @staticmethod
    def columns(history: np.ndarray, epochs: np.ndarray) -> dict:
        rows = history[epochs]
        return {"epoch": epochs, **{c: rows[:, i] for i, c in enumerate(CURVE_COLUMNS)}}

    def clear(self):
        self.stride, self.fed = 1, 0
        self.source.data = self.columns(np.zeros((0, 4), np.float32), np.zeros(0, int))

    def feed(self, history: np.ndarray):
        n = len(history)
        if n < self.fed:  # the history was cut: start again
            self.clear()
        if n == self.fed:
            return
        stride = self.stride
        while n > stride * self.max_points:
            stride *= 2
        if stride != self.stride:
            self.stride = stride
            self.source.data = self.columns(history, np.arange(0, n, stride))
        else:
            first = -(-self.fed // stride) * stride
            epochs = np.arange(first, n, stride)
            if len(epochs):
                self.source.stream(self.columns(history, epochs))
        self.fed = n


def loss_text(loss: float) -> str:
    """Three decimals, or two significant digits below 0.001 (never a bare 0.000)."""
    return f"{loss:.3f}" if loss >= 0.001 or loss == 0 else f"{loss:.1e}"


class MlpLab(Viewer):
    """A small neural network learning 2-D data, TensorFlow-Playground style."""

    state = param.ClassSelector(class_=MlpLabState)

    URL_TRIGGERS = mlp_state.URL_KEYS  # the link follows every setting it carries

    def __init__(self, **params):
        if "state" not in params:
            params["state"] = MlpLabState()
        super().__init__(**params)
        self.callback = None  # the periodic callback while playing
        self._doc = None  # the session's document, once started in a session
        self._details_at = 0.0  # when curves and thumbnails were last redrawn
        self._picture_at = 0.0  # when the heat map(s) were last redrawn
        self._compiling: dict = {}  # (arch, racers, data shapes) compiling → since when
        self._compiled: set = set()  # (arch, racers, data shapes) compiled in this session
        self.link_problems = ""
        self._started = False
        self._cuts = self.state.cuts  # history cuts already drawn
        self._build_figures()
        self.network = NetworkDiagram(state=self.state, on_edit=self._on_trained)
        self._build_controls()
        self._build_views()
        respond_at_once(self.sidebar())
        self.state.param.watch(self._on_reset, ["generation"])
        self.state.param.watch(self._on_trained, ["epoch"])
        self.state.param.watch(lambda _e: self._show_message(), ["error"])
        self.state.param.watch(self._on_discretize, ["discretize"])

    # -- the lab interface (see app.py) -------------------------------------------

    def set_busy(self, busy: bool):
        self.busy.visible = busy

    def prepare(self):
        """Draw the untrained network before the lab is in the page (its heat map was
        computed and compiled by ``MlpLabState.precompute``), so that the first
        picture the browser draws is the network's, not a blank one."""
        if self._started:
            return
        self._started = True
        self._on_reset()

    def report_link_problems(self, problems: list[str]):
        self.link_problems = tr("url.ignored", self.state.lang,
                                problems="; ".join(problems)) if problems else ""
        self._show_message()

    def start(self):
        """In the live page: compile training in the background."""
        self.prepare()
        if self._doc is None and pn.state.curdoc is not None \
                and pn.state.curdoc.session_context is not None:
            self._doc = pn.state.curdoc
            pn.state.on_session_destroyed(lambda _ctx: self._stop_loop())
            self._warm_up()

    # -- controls --------------------------------------------------------------------

    def _build_controls(self):
        s, lang = self.state, self.state.lang
        t = lambda key: tr(f"mlp.{key}", lang)
        self.preset_buttons = []
        for name in ("overfit", "underfit", "default", "overfit_dropout", "overfit_l2",
                     "overfit_early_stop"):
            b = pn.widgets.Button(name=t(f"preset.{name}"), button_type="light",
                                  css_classes=[f"pg-preset-{name}"])
            b.on_click(lambda _e, n=name: self.state.apply_preset(n))
            self.preset_buttons.append(b)
        self.dataset = pn.widgets.Select.from_param(
            s.param.dataset, name=t("dataset"), options=self._dataset_options())
        self.upload = pn.widgets.FileInput(accept=".csv", multiple=False,
                                           css_classes=["pg-upload"], width=220)
        self.upload.param.watch(self._on_upload, "value")
        self.upload_error = pn.pane.HTML("", visible=False, css_classes=["pg-upload-error"],
                                         styles={"color": "#b00020", "font-size": "13px"},
                                         sizing_mode="stretch_width")
        self.upload_note = pn.pane.HTML(
            f"<span style='font-size:12px;color:#555'>{t('upload.note')}</span>",
            margin=(0, 10))
        self.noise = pn.widgets.FloatSlider.from_param(s.param.noise, name=t("noise"),
                                                       start=0, end=50, step=5,
                                                       css_classes=["pg-noise"])
        self.points = pn.widgets.IntSlider.from_param(s.param.points, name=t("points"),
                                                      start=10, end=1000, step=10)
        self.train_ratio = pn.widgets.FloatSlider.from_param(
            s.param.train_ratio, name=t("train_ratio"), start=10, end=90, step=5)
        self.seed = pn.widgets.IntInput.from_param(s.param.seed, name=t("seed"), width=100)
        self.features = pn.widgets.CheckButtonGroup.from_param(
            s.param.features, name=t("features"),
            options={datasets.FEATURE_LABELS[k]: k for k in datasets.FEATURES},
            button_type="primary", button_style="outline", sizing_mode="stretch_width")
        self.normalise = pn.widgets.Checkbox.from_param(s.param.normalise, name=t("normalise"))
        self.layers = pn.widgets.TextInput.from_param(s.param.layers, name=t("layers"),
                                                      css_classes=["pg-layers"])
        # TensorFlow Playground's + and − for layers and neurons, kept in step with the text.
        self.add_layer = pn.widgets.Button(name=t("layer.add"), width=100,
                                           css_classes=["pg-add-layer"])
        self.add_layer.on_click(lambda _e: self._edit_layers(add=True))
        self.remove_layer = pn.widgets.Button(name=t("layer.remove"), width=100,
                                              css_classes=["pg-remove-layer"])
        self.remove_layer.on_click(lambda _e: self._edit_layers(add=False))
        self._syncing_widths = False
        self.layer_widths = pn.Row(sizing_mode="stretch_width", styles={"flex-wrap": "wrap"})
        s.param.watch(lambda _e: self._sync_layer_widths(), "layers")
        self._sync_layer_widths()
        self.regenerate = pn.widgets.Button(name=t("regenerate"), width=150,
                                            css_classes=["pg-regenerate"])
        self.regenerate.on_click(lambda _e: setattr(self.state, "seed", self.state.seed + 1))
        self.activation = pn.widgets.Select.from_param(s.param.activation, name=t("activation"),
                                                       width=150)
        self.init = pn.widgets.Select.from_param(s.param.init, name=t("init"), width=150)
        self.batchnorm = pn.widgets.Checkbox.from_param(s.param.batchnorm, name=t("batchnorm"),
                                                        css_classes=["pg-batchnorm"])
        self.optimizer = pn.widgets.Select.from_param(
            s.param.optimizer, name=t("optimizer"), width=160,
            options={tr(f"optimizer.{n}", lang): n for n in opt.NAMES})
        self.lr = pn.widgets.EditableFloatSlider.from_param(
            s.param.lr, name=t("lr"), start=0.0001, end=0.3, step=0.0001, format="0.[0000]")
        self.batch = pn.widgets.EditableIntSlider.from_param(
            s.param.batch, name=t("batch"), start=1, end=max(self.state.n_train, 2))
        self.l1 = pn.widgets.EditableFloatSlider.from_param(
            s.param.l1, name=t("l1"), start=0.0, end=0.01, step=0.0001, format="0.[0000]")
        self.l2 = pn.widgets.EditableFloatSlider.from_param(
            s.param.l2, name=t("l2"), start=0.0, end=0.05, step=0.0005, format="0.[0000]")
        self.dropout = pn.widgets.FloatSlider.from_param(s.param.dropout, name=t("dropout"),
                                                         start=0.0, end=0.9, step=0.05)
        hp = lambda key: tr(f"hp.{key}", lang)
        self.knobs = {
            "momentum": pn.widgets.FloatInput.from_param(s.param.momentum, name=hp("mu"),
                                                         step=0.01, width=95),
            "decay": pn.widgets.FloatInput.from_param(s.param.decay, name=hp("rho"),
                                                      step=0.01, width=95),
            "beta1": pn.widgets.FloatInput.from_param(s.param.beta1, name=hp("beta1"),
                                                      step=0.01, width=80),
            "beta2": pn.widgets.FloatInput.from_param(s.param.beta2, name=hp("beta2"),
                                                      step=0.001, width=80),
            "eps": pn.widgets.FloatInput.from_param(s.param.eps, name=hp("eps"), width=125,
                                                    format="0.[000000000000]"),
            "bias_correction": pn.widgets.Checkbox.from_param(s.param.bias_correction,
                                                              name=hp("bias_correction")),
        }
        self.schedule = pn.widgets.Select.from_param(
            s.param.schedule, name=t("schedule"), css_classes=["pg-schedule"],
            sizing_mode="stretch_width",
            options={t(f"schedule.{k}"): k for k in opt.SCHEDULES})
        self.schedule_every = pn.widgets.IntInput.from_param(
            s.param.schedule_every, name=t("schedule.every"), start=1, width=105)
        self.schedule_factor = pn.widgets.FloatInput.from_param(
            s.param.schedule_factor, name=t("schedule.factor"), start=1.0, step=0.5, width=105)
        self.schedule_gamma = pn.widgets.FloatInput.from_param(
            s.param.schedule_gamma, name=t("schedule.gamma"), start=0.5, end=1.0, step=0.001,
            width=105)
        self.lr_now = pn.pane.HTML("", styles={"font-size": "14px", "color": "#333"},
                                   css_classes=["pg-lr-now"], margin=(5, 10, 12, 10))
        self.clip = pn.widgets.Select.from_param(
            s.param.clip, name=t("clip"), css_classes=["pg-clip"], sizing_mode="stretch_width",
            options={tr(f"clip.{k}", lang): k for k in opt.CLIPPING})
        self.clip_value = pn.widgets.FloatInput.from_param(
            s.param.clip_value, name=t("clip.value"), start=1e-6, step=0.1, width=105)
        self.race = pn.widgets.CheckBoxGroup.from_param(
            s.param.race, name=t("race"), css_classes=["pg-race"], inline=True,
            stylesheets=[".bk-input-group { flex-wrap: wrap; row-gap: 4px; }"],
            options={tr(f"optimizer.{n}", lang): n for n in opt.NAMES},
            sizing_mode="stretch_width")
        self.race_note = pn.pane.HTML(
            f"<span style='font-size:12px;color:#555'>{t('race.note')}</span>", margin=(0, 10),
            visible=False)
        self.knob_row = pn.Column(
            pn.Row(*(w for k, w in self.knobs.items() if k != "bias_correction")),
            self.knobs["bias_correction"], margin=0)
        s.param.watch(self._on_optimizer_settings,
                      ["optimizer", "race", "schedule", "clip", "lr", "schedule_every",
                       "schedule_factor", "schedule_gamma"])

        self.play = pn.widgets.Toggle(name=t("play"), button_type="primary", width=110,
                                      css_classes=["pg-play"])
        self.play.param.watch(self._on_play, "value")
        self.step = pn.widgets.Button(name=t("step"), width=80, css_classes=["pg-step"])
        self.step.on_click(lambda _e: self.train_chunk(1))
        self.reset = pn.widgets.Button(name=t("reset"), width=80, css_classes=["pg-reset"])
        self.reset.on_click(lambda _e: self.state.reset())
        self.speed = pn.widgets.Select(name=t("speed"), options=list(SPEEDS), value=SPEEDS[1],
                                       width=110, css_classes=["pg-speed"])
        self._chunk = 1  # epochs per frame at speed "max", adapted every frame
        self._resume_at = 0.0  # no frame before this time (see _tick)
        self.busy = pn.indicators.LoadingSpinner(value=True, size=30, visible=False,
                                                 align="center")
        self.message = notice("warning", css_classes=["pg-message"])
        # The epoch and both losses in one fixed-size pane: one model to update per frame.
        self.readout = pn.pane.HTML(self._readout_html(0, "", ""), width=440, height=58,
                                    margin=(0, 10))
        self.reading_pane = pn.pane.Markdown("", css_classes=["pg-reading"],
                                             styles={"font-size": "15px"},
                                             sizing_mode="stretch_width")
        self.show_val = pn.widgets.Checkbox(name=t("show_val"), value=False,
                                          css_classes=["pg-show-val"])
        self.show_val.param.watch(self._on_show_val, "value")
        self.discretize = pn.widgets.Checkbox.from_param(s.param.discretize,
                                                         name=t("discretize"),
                                                         css_classes=["pg-discretize"])
        self.early_stop = pn.widgets.Checkbox.from_param(s.param.early_stop,
                                                         name=t("early_stop"))
        self.patience = pn.widgets.IntInput.from_param(s.param.patience, name=t("patience"),
                                                       start=1, end=10_000, width=130)
        self.restore = pn.widgets.Button(name=t("restore_best"), width=120,
                                         css_classes=["pg-restore-best"])
        self.restore.on_click(lambda _e: self.restore_best())
        self.best_pane = pn.pane.HTML("", css_classes=["pg-best"],
                                      styles={"font-size": "13px", "color": "#333"},
                                      sizing_mode="stretch_width")
        self.stop_note = pn.pane.HTML("", visible=False, css_classes=["pg-early-stopped"],
                                      styles={"font-size": "13px", "color": "#555"},
                                      sizing_mode="stretch_width")
        self.race_table = pn.pane.HTML("", css_classes=["pg-race-table"],
                                       sizing_mode="stretch_width")

    def _widths(self) -> list[int]:
        try:
            return list(mlp.parse_layers(self.state.layers))
        except ValueError:
            return list(self.state.arch.hidden)

    def _edit_layers(self, add: bool):
        """One hidden layer more (as wide as the last, or 4) or one fewer."""
        widths = self._widths()
        if add and len(widths) < mlp.MAX_HIDDEN_LAYERS:
            widths.append(widths[-1] if widths else 4)
        elif not add and widths:
            widths.pop()
        self.state.layers = ",".join(map(str, widths)) or "0"

    def _sync_layer_widths(self):
        """One neuron-count box per hidden layer, rebuilt when the number of layers changes."""
        widths = self._widths()
        inputs = list(self.layer_widths.objects)
        if len(inputs) != len(widths):
            inputs = []
            for i in range(len(widths)):
                box = pn.widgets.IntInput(name=tr("mlp.layer.width", self.state.lang, n=i + 1),
                                          start=1, end=mlp.MAX_WIDTH, width=72,
                                          css_classes=[f"pg-layer-width-{i}"])
                box.param.watch(self._on_layer_width, "value")
                inputs.append(box)
            self.layer_widths.objects = inputs
        self._syncing_widths = True  # the boxes follow the text: no network per box
        try:
            for box, width in zip(inputs, widths, strict=True):
                box.value = width
        finally:
            self._syncing_widths = False
        self.add_layer.disabled = len(widths) >= mlp.MAX_HIDDEN_LAYERS
        self.remove_layer.disabled = not widths

    def _on_layer_width(self, _event):
        if self._syncing_widths:
            return
        widths = [box.value for box in self.layer_widths.objects]
        if all(isinstance(w, int) and 1 <= w <= mlp.MAX_WIDTH for w in widths):
            self.state.layers = ",".join(map(str, widths))

    def _dataset_options(self, uploaded: bool = False) -> dict[str, str]:
        t = lambda key: tr(f"mlp.{key}", self.state.lang)
        options = {t(f"dataset.{k}"): k for k in datasets.DATASETS}
        if uploaded or self.state.uploaded is not None:
            options[t("dataset.uploaded")] = UPLOADED
        return options

    def _readout_html(self, epoch, train_loss, val_loss) -> str:
        """Labelled numbers; each stable class sits on the element whose text is the
        number (inside Panel's shadow DOM): ``.pg-epoch`` reads "12"."""
        cells = (("mlp.epoch", "pg-epoch", epoch, "#222"),
                 ("mlp.train_loss", "pg-train-loss", train_loss, TRAIN_COLOR),
                 ("mlp.val_loss", "pg-val-loss", val_loss, VAL_COLOR))
        number = "font-size:22px;font-weight:600;font-family:monospace"
        return "<div style='display:flex;gap:30px'>" + "".join(
            f"<div style='min-width:110px'><div style='font-size:12px;color:#555'>"
            f"{tr(key, self.state.lang)}</div><span class='{css}' style='{number};"
            f"color:{color}'>{value}</span></div>" for key, css, value, color in cells) + "</div>"

    def sidebar(self) -> list:
        lang = self.state.lang
        head = lambda key: pn.pane.Markdown(f"**{tr(f'mlp.{key}', lang)}**", margin=(6, 10, 0, 10))
        return [
            head("presets"), pn.Row(*self.preset_buttons[:3]),
            pn.pane.Markdown(tr("mlp.remedies", lang), margin=(0, 10)),
            pn.Row(*self.preset_buttons[3:]),
            head("data"), self.dataset,
            pn.Row(self.upload, self.upload_error), self.upload_note,
            self.noise, self.points, self.train_ratio,
            pn.Row(self.seed, self.regenerate, styles={"align-items": "end"}),
            pn.pane.Markdown(tr("mlp.features", lang), margin=(0, 10)),
            self.features, self.normalise,
            head("network"), pn.Row(self.remove_layer, self.add_layer), self.layer_widths,
            self.layers, pn.Row(self.activation, self.init),
            self.batchnorm,
            head("training"), self.optimizer, self.lr, self.knob_row, self.batch,
            self.schedule,
            pn.Row(self.schedule_every, self.schedule_factor, self.schedule_gamma,
                   self.lr_now, styles={"align-items": "end"}),
            self.clip, self.clip_value,
            self.l1, self.l2, self.dropout,
            pn.pane.Markdown(tr("mlp.race", lang), margin=(0, 10)), self.race, self.race_note,
            pn.Row(self.early_stop, self.patience, styles={"align-items": "end"}),
            pn.Row(self.restore, self.best_pane, styles={"align-items": "center"}),
            self.stop_note,
        ]

    def main(self) -> list:
        controls = pn.Row(
            self.play, self.step, self.reset, self.speed,
            self.readout,
            self.busy, sizing_mode="stretch_width", styles={"align-items": "end"})
        return [
            self.message,
            controls,
            pn.Row(self.show_val, self.discretize),
            self.single_view,
            self.race_view,
        ]

    def _build_views(self):
        """The single network's view and the race's view (one of them is shown).

        Bokeh panes are shown and hidden through the Columns around them (toggling a
        Bokeh pane's own ``visible`` upsets Panel's stylesheets).
        """
        self.single_view = pn.Column(
            pn.Row(
                pn.Column(pn.pane.Bokeh(self.boundary_fig), width=470),
                pn.Column(pn.pane.Bokeh(self.loss_fig, sizing_mode="stretch_width"),
                          pn.pane.Bokeh(self.acc_fig, sizing_mode="stretch_width"),
                          sizing_mode="stretch_width"),
                sizing_mode="stretch_width"),
            self.reading_pane, self.network, sizing_mode="stretch_width")
        self.race_slots = [pn.Column(pn.pane.Bokeh(fig), margin=0)
                           for fig in self.race_boundary_figs]
        self.race_view = pn.Column(
            pn.Row(*self.race_slots),
            pn.Row(pn.pane.Bokeh(self.race_loss_fig, sizing_mode="stretch_width"),
                   pn.pane.Bokeh(self.race_acc_fig, sizing_mode="stretch_width"),
                   sizing_mode="stretch_width"),
            self.race_table, visible=False, sizing_mode="stretch_width")

    def __panel__(self):
        return pn.Row(pn.Column(*self.sidebar(), width=360), pn.Column(*self.main()))

    # -- pictures --------------------------------------------------------------------

    def _build_figures(self):
        lang = self.state.lang
        e = GRID_EXTENT
        fig = figure(width=460, height=440, x_range=(-e, e), y_range=(-e, e),
                     title=tr("mlp.plot.boundary", lang), toolbar_location=None,
                     match_aspect=True, tools="")
        self.color_mapper = LinearColorMapper(palette=binary_palette(), low=0.0, high=1.0)
        self.image_source = ColumnDataSource(
            {"image": [np.full((GRID_SIZE, GRID_SIZE), 0.5)]}, name="pg-boundary-image")
        fig.image(image="image", x=-e, y=-e, dw=2 * e, dh=2 * e, source=self.image_source,
                  color_mapper=self.color_mapper)
        self.train_points = ColumnDataSource({"x": [], "y": [], "color": []})
        self.val_points = ColumnDataSource({"x": [], "y": [], "color": []})
        fig.scatter("x", "y", source=self.train_points, fill_color="color",
                    line_color="white", size=7, line_width=1)
        self.val_renderer = fig.scatter("x", "y", source=self.val_points, fill_color="color",
                                        line_color="black", size=7, marker="triangle",
                                        line_width=1, visible=False)
        fig.xaxis.axis_label, fig.yaxis.axis_label = "x₁", "x₂"
        self.boundary_fig = fig
        self.val_renderers = [self.val_renderer]

        self.curves = ColumnDataSource({"epoch": [], "train_loss": [], "train_acc": [],
                                        "val_loss": [], "val_acc": []})
        self.curve_feed = CurveFeed(self.curves)
        self.loss_fig = self._chart(tr("mlp.plot.loss", lang), "loss")
        self.acc_fig = self._chart(tr("mlp.plot.accuracy", lang), "acc")
        self.acc_fig.y_range.start, self.acc_fig.y_range.end = 0.0, 1.02
        self.best_span = Span(location=0, dimension="height", line_color=VAL_COLOR,
                              line_dash="dashed", line_width=1.5, line_alpha=0.8)
        self.loss_fig.add_layout(self.best_span)
        self._build_race_figures()

    def _build_race_figures(self):
        """Up to four small heat maps and one pair of charts for an optimizer race.

        Built once; a race shows as many as it has racers and renames them.
        """
        lang, e = self.state.lang, GRID_EXTENT
        self.race_images, self.race_boundary_figs = [], []
        for i in range(MAX_RACERS):
            fig = figure(width=245, height=245, x_range=(-e, e), y_range=(-e, e),
                         toolbar_location=None, tools="", match_aspect=True,
                         title=tr(f"optimizer.{opt.NAMES[i]}", lang))
            source = ColumnDataSource({"image": [np.full((GRID_SIZE, GRID_SIZE), 0.5)]},
                                      name=f"pg-race-image-{i}")
            fig.image(image="image", x=-e, y=-e, dw=2 * e, dh=2 * e, source=source,
                      color_mapper=self.color_mapper)
            fig.scatter("x", "y", source=self.train_points, fill_color="color",
                        line_color="white", size=5, line_width=0.5)
            self.val_renderers.append(fig.scatter(
                "x", "y", source=self.val_points, fill_color="color", line_color="black",
                size=5, marker="triangle", line_width=0.5, visible=False))
            fig.title.text_color = RACE_COLORS[i]
            fig.title.text_font_size = "14px"
            fig.axis.visible = False
            self.race_images.append(source)
            self.race_boundary_figs.append(fig)
        self.race_curves = [ColumnDataSource({"epoch": [], "train_loss": [], "train_acc": [],
                                              "val_loss": [], "val_acc": []})
                            for _ in range(MAX_RACERS)]
        self.race_feeds = [CurveFeed(source) for source in self.race_curves]
        self.race_lines = []  # per chart, per racer: (training line, validation line)
        self.race_loss_fig = self._race_chart(tr("mlp.plot.race_loss", lang), "loss")
        self.race_acc_fig = self._race_chart(tr("mlp.plot.race_accuracy", lang), "acc")
        self.race_acc_fig.y_range.start, self.race_acc_fig.y_range.end = 0.0, 1.02

    def _race_chart(self, title: str, what: str):
        """Each racer in its colour: training solid, validation dashed."""
        lang = self.state.lang
        fig = figure(height=260, title=title, toolbar_location=None, tools="",
                     sizing_mode="stretch_width")
        by_racer = []
        for i, source in enumerate(self.race_curves):
            name = tr(f"optimizer.{opt.NAMES[i]}", lang)
            train = fig.line("epoch", f"train_{what}", source=source, color=RACE_COLORS[i],
                             line_width=2, legend_label=name)
            val = fig.line("epoch", f"val_{what}", source=source, color=RACE_COLORS[i],
                           line_width=2, line_dash="dashed")
            by_racer.append((train, val))
        # Beside the plot, where it never hides a curve.
        fig.add_layout(fig.legend[0], "right")
        fig.legend.label_text_font_size = "11px"
        fig.xaxis.axis_label = tr("mlp.plot.epoch", lang)
        self.race_lines.append(by_racer)
        return fig

    def _chart(self, title: str, what: str):
        lang = self.state.lang
        fig = figure(height=215, title=title, toolbar_location=None, tools="",
                     sizing_mode="stretch_width")
        # The generalisation gap, shaded between the two curves.
        fig.varea("epoch", f"train_{what}", f"val_{what}", source=self.curves,
                  fill_color=VAL_COLOR, fill_alpha=0.12, legend_label=tr("mlp.plot.gap", lang))
        fig.line("epoch", f"train_{what}", source=self.curves, color=TRAIN_COLOR, line_width=2,
                 legend_label=tr("mlp.plot.train", lang))
        fig.line("epoch", f"val_{what}", source=self.curves, color=VAL_COLOR, line_width=2,
                 legend_label=tr("mlp.plot.val", lang))
        # Beside the plot, where it never hides a curve.
        fig.add_layout(fig.legend[0], "right")
        fig.xaxis.axis_label = tr("mlp.plot.epoch", lang)
        return fig

    # -- reactions -------------------------------------------------------------------

    def _on_reset(self, *_events):
        """New data or a new network: redraw everything from epoch 0."""
        if not self._started:
            return
        s = self.state
        with hold():
            self._set_color_mapper()
            self.dataset.options = self._dataset_options()
            for source, points, y in ((self.train_points, s.data.points_train, s.data.y_train),
                                      (self.val_points, s.data.points_val, s.data.y_val)):
                source.data = {"x": points[:, 0], "y": points[:, 1],
                               "color": [class_color(c)
                                         for c in np.asarray(y)]}
            self.batch.end = max(s.n_train, 2)
            self.curve_feed.clear()
            self._cuts = s.cuts
            set_text(self.stop_note, "")
            self.stop_note.visible = False
            self._reset_race_view()
            self._on_optimizer_settings()
            self._show_progress()
        self._warm_up()

    def _reset_race_view(self):
        """Show the race (one heat map per racer) or the single network's view."""
        s, lang = self.state, self.state.lang
        racers = s.racers
        self.single_view.visible = not racers
        self.race_view.visible = bool(racers)
        self.restore.disabled = self.early_stop.disabled = bool(racers)
        for i in range(MAX_RACERS):
            active = i < len(racers)
            name = tr(f"optimizer.{racers[i]}", lang) if active else ""
            self.race_slots[i].visible = active
            self.race_boundary_figs[i].title.text = name
            self.race_feeds[i].clear()
            for fig, lines in zip((self.race_loss_fig, self.race_acc_fig), self.race_lines,
                                  strict=True):
                for renderer in lines[i]:
                    renderer.visible = active
                fig.legend.items[i].visible = active
                fig.legend.items[i].label = {"value": name}

    def _on_show_val(self, event):
        for renderer in self.val_renderers:
            renderer.visible = event.new

    def _on_optimizer_settings(self, *_events):
        """Show the knobs of the optimizers in use, the schedule's own fields, α now."""
        s = self.state
        racers = s.racers
        in_use = racers or (s.optimizer,)
        used = {hp for name in in_use for hp in opt.OPTIMIZERS[name].hyperparams}
        for hp, widget in self.knobs.items():
            widget.visible = hp in used
        self.optimizer.disabled = bool(racers)
        self.race_note.visible = bool(racers)
        kind = s.schedule
        self.schedule_every.visible = kind in ("step", "inverse_time", "cosine")
        self.schedule_factor.visible = kind == "step"
        self.schedule_gamma.visible = kind == "exponential"
        self.clip_value.visible = s.clip != "none"
        self._show_lr()

    def _show_lr(self):
        s = self.state
        text = "" if s.schedule == "constant" else tr(
            "mlp.lr_now", s.lang, lr=f"{s.lr_at_epoch(s.epoch):.3g}")
        set_text(self.lr_now, text)

    def _set_color_mapper(self):
        """Soft colours (probability) or hard ones (discretize: the predicted class)."""
        k = self.state.data.n_classes
        if self.state.discretize:
            self.color_mapper.update(palette=hard_palette(k), low=-0.5, high=k - 0.5)
        elif k == 2:
            self.color_mapper.update(palette=binary_palette(), low=0.0, high=1.0)
        else:
            self.color_mapper.update(palette=class_palette(k), low=0.0, high=float(k))

    def _on_discretize(self, *_events):
        if self._started:
            with hold():
                self._set_color_mapper()
                self._draw_boundaries()

    def _draw_boundaries(self):
        """The heat map(s): the network's, or each racer's (one call for all)."""
        s = self.state
        if s.racers:
            for source, grid in zip(self.race_images, s.race_grids(), strict=False):
                source.data = {"image": [grid.astype(np.float32)]}
        else:
            self.image_source.data = {"image": [s.grid().astype(np.float32)]}

    def _on_upload(self, event):
        """A CSV file arrived: use it, or say in one line why not (the data stays)."""
        if event.new is None:
            return
        s = self.state
        self.dataset.options = self._dataset_options(uploaded=True)
        try:
            problem = s.load_csv(event.new)
        except Exception as e:  # never a traceback in the page
            log.exception("the uploaded file could not be read")
            problem = f"{type(e).__name__}: {e}"
        set_text(self.upload_error, tagged("pg-upload-message", problem) if problem else "")
        self.upload_error.visible = bool(problem)
        self.dataset.options = self._dataset_options()

    def restore_best(self):
        """Put the best epoch's model back (the curves stay)."""
        self.pause()
        self.state.restore_best()
        if self._started:
            with hold():
                self._show_progress()

    def _on_trained(self, *_events):
        if not self._started:
            return
        now = time.perf_counter()
        playing = self.callback is not None
        if playing and self.state.racers and now - self._picture_at < RACE_PICTURE_PERIOD_S:
            return  # four heat maps per frame would swamp the browser: train on
        self._picture_at = now
        details = not playing or now - self._details_at >= DETAILS_PERIOD_S
        if details:
            self._details_at = now
        with hold():
            self._show_progress(details)

    def _show_progress(self, details: bool = True):
        """Redraw the heat map(s); with ``details`` also the numbers, the curves, the
        network diagram, the best epoch and the reading.

        While playing, details follow at most every ``DETAILS_PERIOD_S``: the heat map
        is what a learner watches, and sending it alone keeps the browser's work per
        frame small enough to paint every one (≥ 30 a second).
        """
        s = self.state
        self._draw_boundaries()
        if not details:
            return
        last = s.history[min(s.epoch, len(s.history) - 1)]
        set_text(self.readout, self._readout_html(s.epoch, loss_text(last[0]), loss_text(last[2])))
        if self._cuts != s.cuts:  # trained on after "restore best": redraw the curves
            self._cuts = s.cuts
            self.curve_feed.clear()
        self.curve_feed.feed(s.history)
        if s.racers:
            self._show_race_progress()
        else:
            self.network.update()
        self._show_lr()
        self.best_span.location = s.best_epoch
        set_text(self.best_pane,
                 tr("mlp.best", s.lang, epoch=s.best_epoch, loss=f"{s.best_val:.3f}"))
        set_text(self.reading_pane, tr(f"mlp.reading.{s.reading()}", s.lang))

    def _show_race_progress(self):
        """Stream each racer's new rows; a table of where each one stands."""
        s, lang = self.state, self.state.lang
        rows_html = []
        for i, (name, history) in enumerate(zip(s.racers, s.race_history, strict=True)):
            self.race_feeds[i].feed(history)
            last = history[-1]
            diverged = s.race_diverged[i]
            status = (tr("mlp.race.diverged", lang, epoch=diverged) if diverged is not None
                      else f"{loss_text(last[0])}</td><td>{loss_text(last[2])}</td>"
                           f"<td>{100 * last[3]:.1f} %")
            span = 3 if diverged is not None else 1
            rows_html.append(
                f"<tr><td style='color:{RACE_COLORS[i]};font-weight:600'>"
                f"{tr(f'optimizer.{name}', lang)}</td><td colspan={span}>{status}</td></tr>")
        head = "".join(f"<th>{tr(k, lang)}</th>" for k in (
            "mlp.race.optimizer", "mlp.train_loss", "mlp.val_loss", "mlp.race.val_acc"))
        set_text(self.race_table, "<table style='font-size:15px;border-spacing:14px 2px'>"
                              f"<tr>{head}</tr>{''.join(rows_html)}</table>")

    def train_chunk(self, n_epochs: int):
        """Train ``n_epochs`` epochs in one compiled call; the charts follow."""
        s = self.state
        s.train(n_epochs)
        if s.diverged_at is not None:
            self.pause()  # nothing more to learn until a reset
            return
        if s.should_stop():
            self.pause()
            set_text(self.stop_note, tr("mlp.early_stopped", s.lang, epoch=s.epoch,
                                    best=s.best_epoch, patience=s.patience))
            self.stop_note.visible = True

    def _tick(self):
        """One frame: a chunk of epochs, then the pictures (at "max", as many epochs as
        keep a frame within ``FRAME_S``)."""
        started = time.perf_counter()
        waiting = self._compiling and started - min(self._compiling.values()) < COMPILE_WAIT_S
        if waiting or started < self._resume_at:
            return  # compiling a new network, or resting after a long frame
        if self.speed.value != "max":
            self.train_chunk(int(self.speed.value))
        else:
            self.train_chunk(self._chunk)
        elapsed = time.perf_counter() - started
        if self.speed.value == "max":
            self._chunk = next_chunk(self._chunk, elapsed)
        # A frame longer than the period (a big network, a race at a fixed speed) is
        # followed by a rest half as long, so clicks and messages are never starved.
        self._resume_at = started + elapsed * 1.5 if elapsed > PERIOD_MS / 1000 else 0.0

    def _on_play(self, event):
        lang = self.state.lang
        self.play.name = tr("mlp.pause" if event.new else "mlp.play", lang)
        if event.new:
            set_text(self.stop_note, "")
            self.stop_note.visible = False
            self.callback = pn.state.add_periodic_callback(self._tick, period=PERIOD_MS)
        else:
            self._stop_loop()
            if self._started:  # the details skipped while playing
                with hold():
                    self._show_progress()

    def _stop_loop(self):
        if self.callback is not None:
            self.callback.stop()
            self.callback = None

    def pause(self):
        """Stop the training loop and show the Play button."""
        self._stop_loop()
        if self.play.value:
            self.play.value = False

    def _show_message(self):
        set_notice(self.message, (self.link_problems, self.state.error))

    def _warm_up(self):
        """Compile training for this network in the background (seconds on a CPU; the
        number of epochs per call is traced, so one compilation serves every speed).

        Meanwhile the spinner turns and Play's frames wait instead of blocking the page.
        """
        s = self.state
        arch, model, hyper, data = s.arch, s.model, s.hyper(), s.data[:4]
        shapes = (arch, s.racers, data[0].shape, data[2].shape)
        if self._doc is None or shapes in self._compiled or shapes in self._compiling:
            return
        next_tick = next_tick_from_any_thread(self._doc)
        self._compiling[shapes] = time.perf_counter()
        self.set_busy(True)

        def done():
            self._compiled.add(shapes)
            self._compiling.pop(shapes, None)
            if not self._compiling:
                self.set_busy(False)
        best_loss = jnp.asarray(s.best_val, training.DTYPE)

        racers = s.racers
        if racers:
            models = s.race_models
            hypers = s.race_hyper()

        def compile_all():
            try:
                if racers:
                    train_race(arch, models, hypers, *data, n_epochs=1)
                else:
                    train_keeping_best(arch, model, model, best_loss, hyper, *data,
                                       n_epochs=1)
            finally:
                next_tick(done)

        threading.Thread(target=compile_all, name="mlp-warmup", daemon=True).start()
