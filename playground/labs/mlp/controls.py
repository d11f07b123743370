"""The MLP lab's controls: the sidebar's widgets, each bound to a state parameter.

Lessons (presets), the data (with a CSV upload), the network (layers edited as text
or with TensorFlow Playground's + and −), training (optimizer, its knobs, schedule,
clipping, regularisation, a race) and early stopping.  The widgets follow the state
(``from_param``); what is shown depends on the settings (an optimizer's knobs, a
schedule's fields), and the lab calls ``reset()`` and ``show_details()`` when the
network changes or trains.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import SimpleNamespace

import panel as pn
import param
from panel.viewable import Viewer

from ...numerics import datasets, mlp, training
from ...numerics import optimizers as opt
from ...text import tr, tr_error
from ...ui.lab import controls
from ...ui.markup import tagged, text_html
from ...ui.present import PAGE_BUTTON, text_size
from ...ui.schedule import BOXES as SCHEDULE_BOXES
from ...ui.schedule import boxes_shown, schedule_and_clip
from ...ui.widgets import (
    INTEGER_CLASS,
    Guard,
    GuardedControls,
    KeptFile,
    decades_format,
    file_picker,
    keep_in_tab,
    kept_file,
    loss_text,
    number_text,
    set_text,
)
from .state import EVERY_SETS, PRESETS, RACER_LR, UPLOADED, MlpLabState

log = logging.getLogger(__name__)

#: The lesson buttons, in order (every one of ``state.PRESETS``): the first three, then
#: the remedies for over-fitting.
PRESET_BUTTONS = ("overfit", "underfit", "default", "overfit_dropout", "overfit_l2",
           "overfit_early_stop")


#: A data set of at most this many points gets a line saying a 100 % share exists.
FEW_POINTS = 20
#: The tab keeps its last CSV file (``ui.widgets.keep_in_tab``) under this key, up to
#: this size, so that a page reloaded for a lab switch, Back/Forward or a reload can get
#: it back.
UPLOAD_KEY = "pg-upload"
UPLOAD_KEEP_BYTES = 1_500_000


class MlpControls(Viewer, GuardedControls):
    """The sidebar: every setting of ``state``; ``on_restore`` is "restore best"."""

    state = param.ClassSelector(class_=MlpLabState)

    def __init__(self, on_restore: Callable[[], None], **params):
        super().__init__(**params)
        s, lang = self.state, self.state.lang
        t = lambda key: tr(f"mlp.{key}", lang)
        self.preset_buttons = []
        for name in PRESET_BUTTONS:
            b = pn.widgets.Button(name=t(f"preset.{name}"), button_type=PAGE_BUTTON,
                                  css_classes=[f"pg-preset-{name}"])
            b.on_click(lambda _e, n=name: self.state.apply_preset(n))
            self.preset_buttons.append(b)
        self.dataset = pn.widgets.Select.from_param(
            s.param.dataset, name=t("dataset"), options=self._dataset_options())
        self.upload = pn.widgets.FileInput(accept=".csv", multiple=False,
                                           css_classes=["pg-upload"], width=220)
        self.upload.param.watch(self._on_upload, "value")
        keep_in_tab(self.upload, UPLOAD_KEY, UPLOAD_KEEP_BYTES)
        # The link asks for an uploaded file this page has not seen: the tab's, if kept.
        self.kept_upload = (KeptFile(key=UPLOAD_KEY, field="dataset", value=UPLOADED)
                            if s.upload_problem else None)
        if self.kept_upload is not None:
            self.kept_upload.param.watch(self._on_kept_upload, "kept")
        self.upload_error = pn.pane.HTML("", visible=False, css_classes=["pg-upload-error"],
                                         styles={"color": "var(--pg-error, #b00020)",
                                                 "font-size": text_size(13),
                                                 # a quoted value of 30 digits breaks
                                                 "overflow-wrap": "anywhere",
                                                 "min-width": "0"},
                                         sizing_mode="stretch_width")
        self.upload_note = pn.pane.HTML(
            f"<span style='font-size:{text_size(12)};color:var(--pg-muted,#555)'>"
            f"{t('upload.note')}</span>",
            margin=(0, 10))
        self.noise = pn.widgets.FloatSlider.from_param(s.param.noise, name=t("noise"),
                                                       start=0, end=datasets.MAX_NOISE,
                                                       step=5,
                                                       css_classes=["pg-noise"])
        self.points = pn.widgets.IntSlider.from_param(s.param.points, name=t("points"),
                                                      start=10, end=1000, step=10)
        self.train_ratio = pn.widgets.FloatSlider.from_param(
            s.param.train_ratio, name=t("train_ratio"), start=datasets.MIN_TRAIN_PERCENT,
            end=datasets.MAX_TRAIN_PERCENT, step=5)
        # Few points: say that a share of 100 % trains on all of them (hidden with it).
        self.share_hint = pn.pane.HTML("", visible=False, css_classes=["pg-share-hint"],
                                       margin=(0, 10, 4, 10),
                                       styles={"font-size": text_size(12),
                                               "color": "var(--pg-muted, #555)"})
        self.share_box = pn.Column(self.train_ratio, self.share_hint, margin=0,
                                   sizing_mode="stretch_width")
        self.share_box._param_name = "train_ratio"  # ``Lab.without_hidden`` finds it
        self._show_share_hint()
        # Typed numbers go through a guard: refused at the box, never silently ignored.
        self.guards: dict[str, Guard] = {}
        self.seed = self._guarded("seed", pn.widgets.IntInput(name=t("seed"), width=100))
        self.features = pn.widgets.CheckButtonGroup.from_param(
            s.param.features, name=t("features"),
            options={datasets.FEATURE_LABELS[k]: k for k in datasets.FEATURES},
            button_type="primary", button_style="outline", sizing_mode="stretch_width")
        self.normalise = pn.widgets.Checkbox.from_param(s.param.normalise, name=t("normalise"))
        # The layers typed as text: a list the network cannot have is refused at the box
        # (which goes back to the layers in use), as the number boxes' values are.
        self.layers = pn.widgets.TextInput(name=t("layers"), value=s.layers,
                                           css_classes=["pg-layers"])
        self.layers.param.watch(self._on_layers_typed, "value")
        self.layers_note = pn.pane.HTML("", visible=False, css_classes=["pg-refused"],
                                        margin=(0, 10, 4, 10),
                                        styles={"color": "#842029", "font-size": "12px"})
        # TensorFlow Playground's + and − for layers and neurons, kept in step with the text.
        self.add_layer = pn.widgets.Button(name=t("layer.add"), width=100,
                                           css_classes=["pg-add-layer"])
        self.add_layer.on_click(lambda _e: self._edit_layers(add=True))
        self.remove_layer = pn.widgets.Button(name=t("layer.remove"), width=100,
                                              css_classes=["pg-remove-layer"])
        self.remove_layer.on_click(lambda _e: self._edit_layers(add=False))
        self._syncing_widths = False
        self.layer_widths = pn.Row(sizing_mode="stretch_width", styles={"flex-wrap": "wrap"})
        self.layer_note = pn.pane.HTML("", visible=False, css_classes=["pg-refused"],
                                       margin=(0, 10, 4, 10),
                                       styles={"color": "#842029", "font-size": "12px"})
        # Every assignment (a lesson, a link setting the same layers): a refusal goes.
        s.param.watch(self._on_layers, "layers", onlychanged=False)
        self._sync_layer_widths()
        self.regenerate = pn.widgets.Button(name=t("regenerate"), width=150,
                                            css_classes=["pg-regenerate"])
        self.regenerate.on_click(lambda _e: setattr(self.state, "seed", self.state.seed + 1))
        controls(self.regenerate, "seed")
        self.activation = pn.widgets.Select.from_param(
            s.param.activation, name=t("activation"), width=150,
            options={t(f"activation.{k}"): k for k in mlp.ACTIVATIONS})
        self.init = pn.widgets.Select.from_param(
            s.param.init, name=t("init"), width=150,
            options={t(f"init.{k}"): k for k in mlp.INITIALISERS})
        self.batchnorm = pn.widgets.Checkbox.from_param(s.param.batchnorm, name=t("batchnorm"),
                                                        css_classes=["pg-batchnorm"])
        self.optimizer = pn.widgets.Select.from_param(
            s.param.optimizer, name=t("optimizer"), width=160,
            options={tr(f"optimizer.{n}", lang): n for n in opt.NAMES})
        self.lr = self._guarded("lr", pn.widgets.EditableFloatSlider(
            name=t("lr"), start=0.0001, end=0.3, step=0.0001, format="0.[0000]"))
        self.batch = self._guarded("batch", pn.widgets.EditableIntSlider(
            # (A new batch size starts a fresh network, unlike this section's others.)
            name=t("batch.label"), start=1, end=max(self.state.n_train, 2)))
        # A batch size that does not divide the training set: what an epoch then is.
        self.batch_note = pn.pane.HTML("", visible=False, css_classes=["pg-batch-note"],
                                       margin=(0, 10, 4, 10),
                                       styles={"font-size": text_size(12),
                                               "color": "var(--pg-muted, #555)"})
        self.guards["batch"].layout.append(self.batch_note)  # hidden with the box
        self._fit_batch_to_data()
        self.l1 = self._guarded("l1", pn.widgets.EditableFloatSlider(
            name=t("l1"), start=0.0, end=s.param.l1.softbounds[1], step=0.0001,
            format="0.[0000]"))
        self.l2 = self._guarded("l2", pn.widgets.EditableFloatSlider(
            name=t("l2"), start=0.0, end=s.param.l2.softbounds[1], step=0.0005,
            format="0.[0000]"))
        self.dropout = pn.widgets.FloatSlider.from_param(s.param.dropout, name=t("dropout"),
                                                         start=0.0, end=training.MAX_DROPOUT,
                                                         step=0.05)
        # Every knob but α (the slider above), from its registry entry: a checkbox for a
        # flag, a number typed in scientific form for one spanning decades, else a box.
        self.knobs = {key: knob_widget(s, knob, lang)
                      for key, knob in opt.KNOBS.items() if key != "lr"}
        for key, widget in self.knobs.items():
            if not opt.KNOBS[key].flag:
                self._guarded(key, widget)
        # The schedule in epochs (the lab's words), the clipping kinds as the optimizer lab's.
        boxes = schedule_and_clip(
            self, {"schedule": t("schedule"), "every": t("schedule.every"),
                   "factor": t("schedule.factor"), "gamma": t("schedule.gamma"),
                   "clip": t("clip"), "c": t("clip.value")},
            lambda kind: t(f"schedule.{kind}"), lambda kind: tr(f"clip.{kind}", lang),
            width=105, sizing_mode="stretch_width")
        self.schedule, self.clip = boxes["schedule"], boxes["clip"]
        self.schedule_every, self.schedule_factor, self.schedule_gamma, self.clip_value = (
            boxes[name] for name in SCHEDULE_BOXES)
        self.lr_now = pn.pane.HTML("", styles={"font-size": text_size(14),
                                               "color": "var(--pg-ink, #333)"},
                                   css_classes=["pg-lr-now"], margin=(5, 10, 12, 10))
        self.race = pn.widgets.CheckBoxGroup.from_param(
            s.param.race, name=t("race"), css_classes=["pg-race"], inline=True,
            stylesheets=[".bk-input-group { flex-wrap: wrap; row-gap: 4px; }"],
            options={tr(f"optimizer.{n}", lang): n for n in opt.NAMES},
            sizing_mode="stretch_width")
        # Each racer's own α: an empty box (its placeholder the lab's α, greyed) races at
        # the lab's α; shown for the racers only.
        self.racer_lrs = {
            name: self._guarded(key, pn.widgets.FloatInput(
                name=tr("mlp.racer_lr", lang, optimizer=tr(f"optimizer.{name}", lang)),
                width=125, format=decades_format(), placeholder=number_text(s.lr)),
                unset=lambda: number_text(self.state.lr))
            for name, key in RACER_LR.items()}
        self.racer_lr_row = pn.FlexBox(*map(self._side_by_side, self.racer_lrs.values()),
                                       flex_wrap="wrap", sizing_mode="stretch_width", margin=0,
                                       visible=False)
        self.race_note = pn.pane.HTML(
            f"<span style='font-size:{text_size(12)};color:var(--pg-muted,#555)'>"
            f"{t('race.note')}</span>", margin=(0, 10),
            visible=False)
        # Whose knobs these are: a page that hides the optimizer (``hide=optimizer``) left
        # β₁, β₂ and ε with no name (a teaching assistant's review).
        self.knob_title = pn.pane.HTML("", css_classes=["pg-knob-title"], margin=(4, 10, 0, 10),
                                       styles={"font-size": text_size(13),
                                               "color": "var(--pg-muted, #555)"})
        self.knob_row = pn.Column(
            self.knob_title,
            # Wraps: Adam's β₁, β₂ and ε are wider than the sidebar at 1280 px.
            pn.FlexBox(*(self._side_by_side(w) for k, w in self.knobs.items()
                         if k != "bias_correction"),
                       flex_wrap="wrap", sizing_mode="stretch_width", margin=0),
            self.knobs["bias_correction"], margin=0)
        s.param.watch(self._on_optimizer_settings,
                      ["optimizer", "race", "schedule", "clip", "lr", "schedule_every",
                       "schedule_factor", "schedule_gamma", *RACER_LR.values()])
        self.early_stop = pn.widgets.Checkbox.from_param(s.param.early_stop,
                                                         name=t("early_stop"))
        self.patience = self._guarded("patience", pn.widgets.IntInput(name=t("patience"),
                                                                      width=130))
        self.restore = pn.widgets.Button(name=t("restore_best"), width=120,
                                         css_classes=["pg-restore-best"])
        self.restore.on_click(lambda _e: on_restore())
        self.best_pane = pn.pane.HTML("", css_classes=["pg-best"],
                                      styles={"font-size": text_size(13),
                                              "color": "var(--pg-ink, #333)"},
                                      sizing_mode="stretch_width")
        self.stop_note = pn.pane.HTML("", visible=False, css_classes=["pg-early-stopped"],
                                      styles={"font-size": text_size(13),
                                              "color": "var(--pg-muted, #555)"},
                                      sizing_mode="stretch_width")

    def _side_by_side(self, widget):
        """``_placed(widget)`` as wide as the box (with its margins), for a row of boxes
        that wraps: a guard's column stretches, one box a line."""
        placed = self._placed(widget)
        placed.param.update(sizing_mode="fixed", width=widget.width + 20)
        return placed

    def sidebar(self) -> list:
        lang = self.state.lang
        head = lambda key: pn.pane.Markdown(f"**{tr(f'mlp.{key}', lang)}**", margin=(6, 10, 0, 10))
        return [
            # Every lesson sets nearly every setting: none is left where one is hidden.
            controls(pn.Column(head("presets"), pn.Row(*self.preset_buttons[:3]),
                               pn.pane.HTML(text_html(tr("mlp.presets.hint", lang)),
                                            css_classes=["pg-presets-hint"],
                                            styles={"font-size": text_size(13)},
                                            margin=(0, 10)),
                               pn.pane.Markdown(tr("mlp.remedies", lang), margin=(0, 10)),
                               pn.Row(*self.preset_buttons[3:]), margin=0,
                               sizing_mode="stretch_width"),
                     *{k for values in PRESETS.values() for k in values}),
            head("data"), self.dataset,
            pn.Row(file_picker(self.upload, tr("mlp.upload.choose", lang), "pg-upload-button"),
                   self.upload_error), self.upload_note,
            *([self.kept_upload] if self.kept_upload is not None else []),
            self.noise, self.points, self.share_box,
            pn.Row(self._placed(self.seed), self.regenerate, styles={"align-items": "end"}),
            pn.pane.Markdown(tr("mlp.features", lang), margin=(0, 10)),
            self.features, self.normalise,
            head("network"),
            controls(pn.Column(pn.Row(self.remove_layer, self.add_layer), self.layer_widths,
                               self.layer_note, self.layers, self.layers_note, margin=0,
                               sizing_mode="stretch_width"), "layers"),
            pn.Row(self.activation, self.init),
            self.batchnorm,
            head("training"), self.optimizer, self._placed(self.lr), self.knob_row,
            self._placed(self.batch), self.schedule,
            pn.Row(*map(self._placed, (self.schedule_every, self.schedule_factor,
                                       self.schedule_gamma)),
                   self.lr_now, styles={"align-items": "end"}),
            self.clip, self._placed(self.clip_value),
            self._placed(self.l1), self._placed(self.l2), self.dropout,
            # A race trains other optimizers: a page that fixes the optimizer keeps none.
            controls(pn.Column(pn.pane.Markdown(tr("mlp.race", lang), margin=(0, 10)),
                               self.race, self.race_note, margin=0,
                               sizing_mode="stretch_width"), "race", "optimizer"),
            controls(self.racer_lr_row, "race", "optimizer", "lr"),
            pn.Row(self.early_stop, self._placed(self.patience), styles={"align-items": "end"}),
            pn.Row(self.restore, self.best_pane, styles={"align-items": "center"}),
            self.stop_note,
        ]

    def __panel__(self):
        return pn.Column(*self.sidebar(), width=360)

    # -- what the lab calls --------------------------------------------------------------

    def _show_share_hint(self):
        """With at most ``FEW_POINTS`` points and a share under 100 %: a line saying that
        100 % trains on every point (no validation)."""
        s = self.state
        data = getattr(s, "data", None)
        n = 0 if data is None else len(data.points_train) + len(data.points_val)
        shown = 0 < n <= FEW_POINTS and float(s.train_ratio) < datasets.MAX_TRAIN_PERCENT
        set_text(self.share_hint, text_html(tr("mlp.train_ratio.few", s.lang, n=n))
                 if shown else "")
        self.share_hint.visible = shown

    def _fit_batch_to_data(self):
        """The batch control's bounds are the training set's: the slider ends there (a
        slider needs two ends), its box refuses more, and one training point leaves
        nothing to choose.  The state shows the batch in use (``use_network``); where
        it does not divide the training set, a note says what an epoch then is."""
        n = self.state.n_train
        self.batch.end = max(n, 2)
        self.batch.disabled = n < 2
        self.guards["batch"].bounds = (1, max(n, 1))
        b = self.state.arch.batch_size
        extra = -n % b if n >= 2 else 0
        set_text(self.batch_note, text_html(tr(
            "mlp.batch.topped_up", self.state.lang, n=n, b=b,
            updates=self.state.updates_per_epoch, extra=extra)) if extra else "")
        self.batch_note.visible = bool(extra)

    def reset(self):
        """A new network (and data): the batch slider's range, the race's locks, no
        early-stopping note."""
        s = self.state
        self.dataset.options = self._dataset_options()
        self._fit_batch_to_data()
        self._show_share_hint()
        # An uploaded file has its own points: the generator's sliders would mislead.
        self.points.visible = self.noise.visible = s.dataset != UPLOADED
        self.show_stopped("")
        self.restore.disabled = self.early_stop.disabled = bool(s.racers)
        self._on_optimizer_settings()

    def show_details(self):
        """α now and the best epoch so far."""
        s = self.state
        self._show_lr()
        key = "mlp.best" if s.has_validation else "mlp.best.no_validation"
        # The race's networks keep no best epoch (early stopping is a single network's).
        self.best_pane.visible = not s.racers
        set_text(self.best_pane, text_html(tr(key, s.lang, epoch=s.best_epoch,
                                              loss=loss_text(s.best_val))))  # as the readout

    def show_stopped(self, text: str):
        """Why training stopped on its own (early stopping), or nothing."""
        set_text(self.stop_note, text)
        self.stop_note.visible = bool(text)

    # -- the network's layers --------------------------------------------------------------

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
        """One neuron-count box per hidden layer: when the number of layers changes, the
        boxes of the layers kept stay and only the others are made or dropped (a page made
        every box again, its models sent anew: 0.1 s of the event loop for six layers)."""
        widths = self._widths()
        inputs = list(self.layer_widths.objects)
        if len(inputs) != len(widths):
            inputs = inputs[:len(widths)]
            for i in range(len(inputs), len(widths)):
                # No limits in the browser (it clamped silently): refused here, visibly.
                box = pn.widgets.IntInput(name=tr("mlp.layer.width", self.state.lang, n=i + 1),
                                          width=72,
                                          css_classes=[f"pg-layer-width-{i}", INTEGER_CLASS])
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

    def _on_layers(self, _event):
        # A refusal's "in use" is no longer the network.
        self.layer_note.visible = self.layers_note.visible = False
        self._show_layers_text()
        self._sync_layer_widths()

    def _show_layers_text(self):
        self._syncing_widths = True
        try:
            self.layers.value = self.state.layers
        finally:
            self._syncing_widths = False

    def _on_layers_typed(self, event):
        """Layers typed as text: used if the network can have them, else refused under
        the box, which goes back to the layers in use."""
        if self._syncing_widths:
            return
        s = self.state
        try:
            hidden = mlp.parse_layers(event.new)
            refusal = ("" if str(event.new).strip()  # emptied to type anew: not a "0"
                       else tr("mlp.layers.empty", s.lang, used=s.layers))
        except ValueError as e:
            refusal = tr("input.refused", s.lang, value=event.new, reason=tr_error(e, s.lang),
                         used=s.layers)
        if refusal:
            self.layer_note.visible = False  # one refusal shown at a time
            set_text(self.layers_note, tagged("pg-refused-text", refusal))
            self.layers_note.visible = True
            self._show_layers_text()
            return
        s.layers = ",".join(map(str, hidden)) or "0"
        self._show_layers_text()  # as used (e.g. "8, 8" is 8,8)

    def _on_layer_width(self, event):
        """A neuron count typed: used if it is 1 … ``MAX_WIDTH``, else refused under the
        boxes, which go back to the network in use."""
        if self._syncing_widths:
            return
        widths = [box.value for box in self.layer_widths.objects]
        if all(isinstance(w, int) and 1 <= w <= mlp.MAX_WIDTH for w in widths):
            self.layer_note.visible = False
            self.state.layers = ",".join(map(str, widths))
            return
        in_use = self._widths()
        shown = "–" if event.new is None else event.new
        boxes = list(self.layer_widths.objects)
        used = in_use[boxes.index(event.obj)] if event.obj in boxes else ",".join(
            map(str, in_use))  # this box's width in use
        set_text(self.layer_note, tagged("pg-refused-text", tr(
            "input.refused", self.state.lang, value=shown,
            reason=tr("input.outside", self.state.lang, low=1, high=mlp.MAX_WIDTH),
            used=used)))
        self.layer_note.visible = True
        self.layers_note.visible = False  # one refusal shown at a time
        self._sync_layer_widths()

    # -- the data -------------------------------------------------------------------------

    def _dataset_options(self, uploaded: bool = False) -> dict[str, str]:
        t = lambda key: tr(f"mlp.{key}", self.state.lang)
        options = {t(f"dataset.{k}"): k for k in datasets.DATASETS}
        if uploaded or self.state.uploaded is not None:
            options[t("dataset.uploaded")] = UPLOADED
        return options

    def _on_upload(self, event):
        """A CSV file arrived: read it (in a page on a worker thread), then use it or
        say in one line why not (the data stays)."""
        if event.new is None:
            return
        self.state.run_slow_work("upload", lambda content=event.new: self._read(content),
                                 self._use_upload)

    def _on_kept_upload(self, event):
        """The tab's kept file (``KeptFile``): used as if uploaded again; without one
        the link's notice (``upload_problem``) says what is missing."""
        _name, data = kept_file(event.new)
        if data:
            self._on_upload(SimpleNamespace(new=data))

    def _read(self, content) -> datasets.Dataset | str:  # any thread
        try:
            return self.state.read_csv(content)
        except Exception as e:  # never a traceback in the page
            log.exception("the uploaded file could not be read")
            return tr("mlp.upload.failed", self.state.lang, error=e)

    def _use_upload(self, dataset: datasets.Dataset | str):
        self.dataset.options = self._dataset_options(uploaded=True)
        try:
            problem = self.state.use_csv(dataset)
        except Exception as e:  # never a traceback in the page
            log.exception("the uploaded file could not be used")
            problem = tr("mlp.upload.failed", self.state.lang, error=e)
        set_text(self.upload_error, tagged("pg-upload-message", problem) if problem else "")
        self.upload_error.visible = bool(problem)
        self.dataset.options = self._dataset_options()

    # -- training ------------------------------------------------------------------------

    def _on_optimizer_settings(self, *_events):
        """Show the knobs of the optimizers in use, the schedule's own fields, α now."""
        s = self.state
        racers = s.racers
        in_use = racers or (s.optimizer,)
        used = {hp for name in in_use for hp in opt.OPTIMIZERS[name].hyperparams}
        for hp, widget in self.knobs.items():
            widget.visible = hp in used
            if hp in self.guards:
                self.guards[hp].layout.visible = hp in used
        self.optimizer.disabled = bool(racers)
        self.race_note.visible = self.racer_lr_row.visible = bool(racers)
        self._show_guarded({key: name in racers for name, key in RACER_LR.items()})
        # In the race's order, as its maps, table and legend (the registry's read apart).
        order = [*racers, *(n for n in RACER_LR if n not in racers)]
        placed = [self._placed(self.racer_lrs[n]) for n in order]
        if list(self.racer_lr_row.objects) != placed:
            self.racer_lr_row.objects = placed
        for widget in self.racer_lrs.values():
            widget.placeholder = number_text(s.lr)
        whose = (tr("mlp.knobs_of_race", s.lang) if racers else
                 tr("mlp.knobs_of", s.lang, optimizer=tr(f"optimizer.{s.optimizer}", s.lang)))
        set_text(self.knob_title, text_html(whose) if used - {"lr"} else "")
        self.knob_title.visible = bool(used - {"lr"})
        self._show_guarded(boxes_shown(s, every_for=EVERY_SETS))  # N: cosine's T too
        self._show_lr()

    def _show_lr(self):
        """α at the epoch shown under a schedule: each racer's, where one has its own."""
        s = self.state
        racers = [n for n in s.racers if getattr(s, RACER_LR[n]) is not None]
        if s.schedule == "constant":
            text = ""
        elif racers:
            text = tr("mlp.lr_now", s.lang, lr=tr("caption.list", s.lang).join(
                tr("mlp.lr_now.racer", s.lang, name=tr(f"optimizer.{n}", s.lang),
                   lr=f"{s.lr_at_epoch(s.epoch, s.racer_lr(n)):.3g}") for n in s.racers))
        else:
            text = tr("mlp.lr_now", s.lang, lr=f"{s.lr_at_epoch(s.epoch):.3g}")
        set_text(self.lr_now, text)


def knob_widget(state, knob: opt.Knob, lang: str):
    """The compact widget of ``knob`` (a registry entry): a checkbox bound to ``state``'s
    parameter of the same name for a flag, else a number box without limits of its own
    (``MlpControls`` binds it through a ``Guard`` with the parameter's bounds, which are
    the knob's)."""
    label = tr(f"hp.{knob.short}", lang)
    if knob.flag:
        return pn.widgets.Checkbox.from_param(state.param[knob.key], name=label)
    if knob.log:  # the optimizer lab's format: 1e-8, as the cards' 1×10⁻⁸
        return pn.widgets.FloatInput(name=label, width=125, format=decades_format())
    return pn.widgets.FloatInput(name=label, step=knob.step, width=95)
