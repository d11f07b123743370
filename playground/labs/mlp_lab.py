"""The MLP lab: controls, the training loop and the pictures, wired to one state object.

The numerics live in :mod:`playground.training` and :mod:`.mlp_state`; this module
only builds widgets and Bokeh figures and moves data into them.  Play runs a
periodic callback per session: every 50 ms it trains a chunk of epochs (one
compiled call), streams the new rows into the loss and accuracy charts and replaces
the heat map's image in place.
"""

from __future__ import annotations

import threading

import jax.numpy as jnp
import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, LinearColorMapper, Span
from bokeh.plotting import figure
from panel.io import hold
from panel.viewable import Viewer

from .. import datasets, training
from .. import optimizers as opt
from ..text import tr
from .mlp_state import GRID_EXTENT, GRID_SIZE, SPEEDS, UPLOADED, MlpLabState, train_keeping_best
from .optimizer_lab import _respond_at_once, _set

#: Class colours (TensorFlow Playground's orange and blue, then green, and more for
#: uploaded files with up to 10 classes).
CLASS_COLORS = ("#f59322", "#0877bd", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
                "#7f7f7f", "#bcbd22", "#17becf", "#d62728")
TRAIN_COLOR, VAL_COLOR = "#1f3b5c", "#d62728"
PERIOD_MS = 50


def _mix(color: str, t: float) -> str:
    """``color`` blended with white: t = 0 white, t = 1 the colour itself."""
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(255 + (c - 255) * t):02x}" for c in (r, g, b))


def binary_palette(n: int = 128) -> list[str]:
    """Class 0's colour → white (p₁ = ½) → class 1's colour, pale enough to show points."""
    half = n // 2
    return ([_mix(CLASS_COLORS[0], 0.75 * (1 - i / half)) for i in range(half)]
            + [_mix(CLASS_COLORS[1], 0.75 * i / half) for i in range(half)])


def class_palette(n_classes: int, shades: int = 48) -> list[str]:
    """Blocks of shades, one block per class, for values k + p_k (see decision_grid)."""
    return [_mix(CLASS_COLORS[k], 0.75 * i / shades) for k in range(n_classes)
            for i in range(shades)]


def hard_palette(n_classes: int) -> list[str]:
    """One flat colour per class, for the predicted class k (discretized heat map)."""
    return [_mix(CLASS_COLORS[k], 0.6) for k in range(n_classes)]


def tagged(css_class: str, text) -> str:
    """HTML whose one element carries ``css_class`` and exactly ``text``."""
    return f"<span class='{css_class}'>{text}</span>"


class MlpLab(Viewer):
    """A small neural network learning 2-D data, TensorFlow-Playground style."""

    state = param.ClassSelector(class_=MlpLabState)

    URL_TRIGGERS = tuple(("dataset", "noise", "points", "train_ratio", "seed", "features",
                          "normalise", "layers", "activation", "init", "optimizer", "lr",
                          "batch", "l1", "l2", "dropout", "batchnorm", "discretize",
                          "early_stop", "patience"))

    def __init__(self, **params):
        if "state" not in params:
            params["state"] = MlpLabState()
        super().__init__(**params)
        self.callback = None  # the periodic callback while playing
        self.link_problems = ""
        self._started = False
        self._shown_rows = 0  # history rows already in the charts
        self._cuts = self.state.cuts  # history cuts already drawn
        self._build_figures()
        self._build_controls()
        _respond_at_once(self.sidebar())
        self.state.param.watch(self._on_reset, ["generation"])
        self.state.param.watch(self._on_trained, ["epoch"])
        self.state.param.watch(lambda _e: self._show_message(), ["error"])
        self.state.param.watch(self._on_discretize, ["discretize"])

    # -- the lab interface (see app.py) -------------------------------------------

    def ready(self) -> bool:
        return True  # the first picture needs no training

    def set_busy(self, busy: bool):
        self.busy.visible = busy

    def page_ready_js(self):
        return None

    def after_load(self, doc):
        pass

    def report_link_problems(self, problems: list[str]):
        self.link_problems = tr("url.ignored", self.state.lang,
                                problems="; ".join(problems)) if problems else ""
        self._show_message()

    def start(self):
        """Draw the untrained network, and compile training in the background."""
        if self._started:
            return
        self._started = True
        self._on_reset()
        if pn.state.curdoc is not None and pn.state.curdoc.session_context is not None:
            pn.state.on_session_destroyed(lambda _ctx: self.pause())
            self._warm_up()

    # -- controls --------------------------------------------------------------------

    def _build_controls(self):
        s, lang = self.state, self.state.lang
        t = lambda key: tr(f"mlp.{key}", lang)
        self.preset_buttons = []
        for name in ("overfit", "underfit", "default"):
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
                                                       start=0, end=50, step=5)
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
        self.activation = pn.widgets.Select.from_param(s.param.activation, name=t("activation"),
                                                       width=150)
        self.init = pn.widgets.Select.from_param(s.param.init, name=t("init"), width=150)
        self.batchnorm = pn.widgets.Checkbox.from_param(s.param.batchnorm, name=t("batchnorm"))
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
            s.param.l2, name=t("l2"), start=0.0, end=0.01, step=0.0001, format="0.[0000]")
        self.dropout = pn.widgets.FloatSlider.from_param(s.param.dropout, name=t("dropout"),
                                                         start=0.0, end=0.9, step=0.05)

        self.play = pn.widgets.Toggle(name=t("play"), button_type="primary", width=110,
                                      css_classes=["pg-play"])
        self.play.param.watch(self._on_play, "value")
        self.step = pn.widgets.Button(name=t("step"), width=80, css_classes=["pg-step"])
        self.step.on_click(lambda _e: self.train_chunk(1))
        self.reset = pn.widgets.Button(name=t("reset"), width=80, css_classes=["pg-reset"])
        self.reset.on_click(lambda _e: self.state.reset())
        self.speed = pn.widgets.Select(name=t("speed"), options=list(SPEEDS), value=SPEEDS[1],
                                       width=110, css_classes=["pg-speed"])
        self.busy = pn.indicators.LoadingSpinner(value=True, size=30, visible=False,
                                                 align="center")
        self.message = pn.pane.Alert("", alert_type="warning", visible=False,
                                     sizing_mode="stretch_width")
        number = {"font-size": "22px", "font-weight": "600", "font-family": "monospace"}
        # The stable classes sit on the element holding the text itself (inside Panel's
        # shadow DOM), so its text is the number: `.pg-epoch` reads "12".
        self.epoch_pane = pn.pane.HTML(tagged("pg-epoch", 0), styles=number)
        self.train_loss_pane = pn.pane.HTML(tagged("pg-train-loss", ""),
                                            styles={**number, "color": TRAIN_COLOR})
        self.val_loss_pane = pn.pane.HTML(tagged("pg-val-loss", ""),
                                          styles={**number, "color": VAL_COLOR})
        self.reading_pane = pn.pane.Markdown("", css_classes=["pg-reading"],
                                             styles={"font-size": "15px"},
                                             sizing_mode="stretch_width")
        self.show_val = pn.widgets.Checkbox(name=t("show_val"), value=False)
        self.show_val.param.watch(lambda e: setattr(self.val_renderer, "visible", e.new),
                                  "value")
        self.discretize = pn.widgets.Checkbox.from_param(s.param.discretize,
                                                         name=t("discretize"))
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

    def _dataset_options(self, uploaded: bool = False) -> dict[str, str]:
        t = lambda key: tr(f"mlp.{key}", self.state.lang)
        options = {t(f"dataset.{k}"): k for k in datasets.DATASETS}
        if uploaded or self.state.uploaded is not None:
            options[t("dataset.uploaded")] = UPLOADED
        return options

    def _readout(self, label: str, pane) -> pn.Column:
        return pn.Column(pn.pane.HTML(f"<span style='font-size:12px;color:#555'>{label}"
                                      "</span>", margin=(0, 10)), pane, width=130, margin=0)

    def sidebar(self) -> list:
        lang = self.state.lang
        head = lambda key: pn.pane.Markdown(f"**{tr(f'mlp.{key}', lang)}**", margin=(6, 10, 0, 10))
        return [
            head("presets"), pn.Row(*self.preset_buttons),
            head("data"), self.dataset,
            pn.Row(self.upload, self.upload_error), self.upload_note,
            self.noise, self.points, self.train_ratio,
            self.seed, pn.pane.Markdown(tr("mlp.features", lang), margin=(0, 10)),
            self.features, self.normalise,
            head("network"), self.layers, pn.Row(self.activation, self.init),
            self.batchnorm,
            head("training"), self.optimizer, self.lr, self.batch, self.l1, self.l2,
            self.dropout,
            pn.Row(self.early_stop, self.patience, styles={"align-items": "end"}),
            pn.Row(self.restore, self.best_pane, styles={"align-items": "center"}),
            self.stop_note,
        ]

    def main(self) -> list:
        lang = self.state.lang
        controls = pn.Row(
            self.play, self.step, self.reset, self.speed,
            self._readout(tr("mlp.epoch", lang), self.epoch_pane),
            self._readout(tr("mlp.train_loss", lang), self.train_loss_pane),
            self._readout(tr("mlp.val_loss", lang), self.val_loss_pane),
            self.busy, sizing_mode="stretch_width", styles={"align-items": "end"})
        return [
            self.message,
            controls,
            pn.Row(
                pn.Column(pn.pane.Bokeh(self.boundary_fig),
                          pn.Row(self.show_val, self.discretize), width=470),
                pn.Column(pn.pane.Bokeh(self.loss_fig, sizing_mode="stretch_width"),
                          pn.pane.Bokeh(self.acc_fig, sizing_mode="stretch_width"),
                          sizing_mode="stretch_width"),
                sizing_mode="stretch_width"),
            self.reading_pane,
        ]

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
            {"image": [np.full((GRID_SIZE, GRID_SIZE), 0.5)]})
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

        self.curves = ColumnDataSource({"epoch": [], "train_loss": [], "train_acc": [],
                                        "val_loss": [], "val_acc": []})
        self.loss_fig = self._chart(tr("mlp.plot.loss", lang), "loss")
        self.acc_fig = self._chart(tr("mlp.plot.accuracy", lang), "acc")
        self.acc_fig.y_range.start, self.acc_fig.y_range.end = 0.0, 1.02
        self.best_span = Span(location=0, dimension="height", line_color=VAL_COLOR,
                              line_dash="dashed", line_width=1.5, line_alpha=0.8)
        self.loss_fig.add_layout(self.best_span)

    def _chart(self, title: str, what: str):
        lang = self.state.lang
        fig = figure(height=215, title=title, toolbar_location=None, tools="",
                     sizing_mode="stretch_width")
        fig.line("epoch", f"train_{what}", source=self.curves, color=TRAIN_COLOR, line_width=2,
                 legend_label=tr("mlp.plot.train", lang))
        fig.line("epoch", f"val_{what}", source=self.curves, color=VAL_COLOR, line_width=2,
                 legend_label=tr("mlp.plot.val", lang))
        fig.legend.location = "top_right" if what == "loss" else "bottom_right"
        fig.legend.background_fill_alpha = 0.6
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
                               "color": [CLASS_COLORS[c % len(CLASS_COLORS)]
                                         for c in np.asarray(y)]}
            self.batch.end = max(s.n_train, 2)
            self.curves.data = {"epoch": [], "train_loss": [], "train_acc": [],
                                "val_loss": [], "val_acc": []}
            self._shown_rows = 0
            self._cuts = s.cuts
            _set(self.stop_note, "")
            self.stop_note.visible = False
            self._show_progress()

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
                self.image_source.data = {"image": [self.state.grid()]}

    def _on_upload(self, event):
        """A CSV file arrived: use it, or say in one line why not (the data stays)."""
        if event.new is None:
            return
        s = self.state
        self.dataset.options = self._dataset_options(uploaded=True)
        try:
            problem = s.load_csv(event.new)
        except Exception as e:  # never a traceback in the page
            problem = f"{type(e).__name__}: {e}"
        _set(self.upload_error, tagged("pg-upload-message", problem) if problem else "")
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
        if self._started:
            with hold():
                self._show_progress()

    def _show_progress(self):
        """Stream the new history rows, redraw the heat map, the numbers and the reading."""
        s = self.state
        if self._cuts != s.cuts:  # trained on after "restore best": redraw the curves
            self._cuts = s.cuts
            self.curves.data = {"epoch": [], "train_loss": [], "train_acc": [],
                                "val_loss": [], "val_acc": []}
            self._shown_rows = 0
        rows = s.history[self._shown_rows:]
        if len(rows):
            first = self._shown_rows
            self.curves.stream({
                "epoch": np.arange(first, first + len(rows)),
                "train_loss": rows[:, 0], "train_acc": rows[:, 1],
                "val_loss": rows[:, 2], "val_acc": rows[:, 3]})
            self._shown_rows += len(rows)
        self.image_source.data = {"image": [s.grid()]}
        last = s.history[min(s.epoch, len(s.history) - 1)]
        self.best_span.location = s.best_epoch
        _set(self.best_pane, tr("mlp.best", s.lang, epoch=s.best_epoch, loss=f"{s.best_val:.3f}"))
        _set(self.epoch_pane, tagged("pg-epoch", s.epoch))
        _set(self.train_loss_pane, tagged("pg-train-loss", f"{last[0]:.3f}"))
        _set(self.val_loss_pane, tagged("pg-val-loss", f"{last[2]:.3f}"))
        _set(self.reading_pane, tr(f"mlp.reading.{s.reading()}", s.lang))

    def train_chunk(self, n_epochs: int):
        """Train ``n_epochs`` epochs in one compiled call; the charts follow."""
        s = self.state
        s.train(n_epochs)
        if s.diverged_at is not None:
            self.pause()  # nothing more to learn until a reset
            return
        if s.should_stop():
            self.pause()
            _set(self.stop_note, tr("mlp.early_stopped", s.lang, epoch=s.epoch,
                                    best=s.best_epoch, patience=s.patience))
            self.stop_note.visible = True

    def _tick(self):
        self.train_chunk(int(self.speed.value))

    def _on_play(self, event):
        lang = self.state.lang
        self.play.name = tr("mlp.pause" if event.new else "mlp.play", lang)
        if event.new:
            _set(self.stop_note, "")
            self.stop_note.visible = False
            self.callback = pn.state.add_periodic_callback(self._tick, period=PERIOD_MS)
        else:
            self.pause()

    def pause(self):
        """Stop the training loop (pause, or the session ended)."""
        if self.callback is not None:
            self.callback.stop()
            self.callback = None
        if self.play.value:
            self.play.value = False

    def _show_message(self):
        text = "  \n".join(m for m in (self.link_problems, self.state.error) if m)
        _set(self.message, text)
        self.message.visible = bool(text)

    def _warm_up(self):
        """Compile the chunk sizes for this network in the background (seconds on a CPU)."""
        s = self.state
        arch, model, hyper, data = s.arch, s.model, s.hyper(), s.data[:4]
        best_loss = jnp.asarray(s.best_val, training.DTYPE)

        def compile_all():
            for n in (1, *SPEEDS):
                train_keeping_best(arch, model, model, best_loss, hyper, *data, n_epochs=n)

        threading.Thread(target=compile_all, name="mlp-warmup", daemon=True).start()
