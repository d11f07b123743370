"""The MLP lab: its controls, pictures and play loop wired to one state object.

The numerics live in :mod:`playground.numerics`, the state in :mod:`.state`, the
sidebar in :mod:`.controls`, the pictures in :mod:`.figures` and :mod:`.network`;
the play loop is the shared :class:`playground.ui.player.Player`.  While playing,
every ``PERIOD_MS`` a frame trains a chunk of epochs (one compiled call; at speed
"max" as many as fit in ``state.FRAME_S``) and replaces the heat map's image in
place; the curves (streamed), the network diagram and the numbers follow every
``DETAILS_PERIOD_S``.

In the live page what takes long runs on worker threads, never on the event loop that
every page shares: the chunks of epochs (the player's ``split``), and a new network
(new data or architecture: its first metrics and its pictures' programs compiled,
``ui.session.Worker``; a "compiling" line shows meanwhile, frames wait, and the
latest setting wins).
"""

from __future__ import annotations

import time

import jax.numpy as jnp
import panel as pn
import param
from panel.io import hold

from ...numerics import training
from ...text import tr
from ...ui.export import download_button
from ...ui.flow import NO_LEAST_WIDTH, WRAP
from ...ui.heatmap import Plane
from ...ui.lab import Lab
from ...ui.lab import controls as ui_controls
from ...ui.markup import notice, set_notice, text_html
from ...ui.player import Player
from ...ui.present import text_size
from ...ui.session import Worker
from ...ui.widgets import loss_text, set_text
from . import state as mlp_state
from .controls import MlpControls
from .figures import BoundaryView, RaceView, readout_html
from .network import NetworkDiagram
from .state import (
    LINK_CHUNK_S,
    MAX_LINK_EPOCHS,
    RACER_LR,
    SPEEDS,
    UPLOADED,
    MlpLabState,
    next_chunk,
)

PERIOD_MS = 25  # 40 frames per second: some above the 30 a page needs
#: A race's four heat maps while playing, at most 10 times a second: sent at the full
#: rate they queue up in the browser faster than it paints them (a Pause then took
#: seconds to show).
RACE_PICTURE_PERIOD_S = 0.1
DETAILS_PERIOD_S = 0.2  # while playing, curves, thumbnails and numbers: 5 times a second


def speed_value(text: str):
    """The player's speed (an entry of ``SPEEDS``) of the state's ``speed`` text."""
    return text if text == "max" else int(text)


#: The row of check boxes (validation points, discretized output) and the page's
#: export: under the pictures in lecture mode, where above them it left the heat map's
#: axis under a 1280 × 720 projector's fold with a lesson's caption (a new user's review).
BELOW_IN_LECTURE = (":host { order: calc(var(--pg-lecture, 0) * 2);"
                    " margin-top: calc(var(--pg-lecture, 0) * 8px) !important; }")


class MlpLab(Lab):
    """A small neural network learning 2-D data, TensorFlow-Playground style."""

    state = param.ClassSelector(class_=MlpLabState)

    URL_TRIGGERS = mlp_state.URL_KEYS  # the link follows every setting it carries

    def __init__(self, **params):
        super().__init__(**params)
        s, lang = self.state, self.state.lang
        self._details_at = 0.0  # when curves and thumbnails were last redrawn
        self._picture_at = 0.0  # when the heat map(s) were last redrawn
        self._started = False
        self._live = False  # started in its page (or a script): it trains on to a link's epoch
        self.plane = Plane()
        self.network = NetworkDiagram(state=s, on_edit=self._on_trained)
        self.boundary = BoundaryView(self.plane, self.network, state=s)
        # A race's view (four heat maps, two charts: 400 of the page's 900 Bokeh models)
        # is built when a race first starts (``race``), in this column.
        self.race_view: RaceView | None = None
        self.race_area = pn.Column(visible=False, sizing_mode="stretch_width", margin=0,
                                   stylesheets=[NO_LEAST_WIDTH])
        self.controls = MlpControls(on_restore=self.restore_best, state=s)
        self.player = Player(
            self.train_chunk, s.reset, speeds=SPEEDS, speed=speed_value(s.speed),
            period_ms=PERIOD_MS,
            pace=next_chunk, on_play=lambda: self._show_stopped(""),
            on_pause=self._on_pause, lang=lang, split=self.split_chunk,
            # A new network or an uploaded file being read: a Step pressed meanwhile
            # is a step of the network that comes of it.
            waits=lambda: self.worker.busy(),
            labels={k: tr(f"mlp.{k}", lang) for k in ("play", "pause", "step", "reset",
                                                       "speed", "speed.max")})
        # A new network is made on a worker thread in the live page (``start``).
        self.worker = Worker(on_error=self._on_work_failed, on_busy=self._show_compiling,
                             name="mlp-network")
        self.compiling = pn.pane.HTML(
            f"<span style='font-size:14px;color:#555'>{tr('mlp.compiling', lang)}</span>",
            visible=False, css_classes=["pg-compiling"], margin=(0, 10))
        self._catching_up = False  # training on to the link's epoch (``_catch_up``)
        self._written_generation = self.state.generation  # see ``_write_epoch``
        self.image_source = self.boundary.image_source  # what the page's tests read
        self.message = notice("warning", css_classes=["pg-message"])
        self.stopped = notice("info", css_classes=["pg-stopped-main"])
        # The epoch and both losses in one fixed-size pane: one model to update per frame.
        self.readout = pn.pane.HTML(readout_html(0, "", "", lang), width=440, height=58,
                                    margin=(0, 10))
        # Past the epochs a link can hold, say where a link (a reload, a language) reopens.
        self.link_note = pn.pane.HTML(
            text_html(tr("mlp.link_epoch_note", lang, epoch=f"{MAX_LINK_EPOCHS:,}")),
            visible=False, css_classes=["pg-link-epoch-note"],
            styles={"font-size": text_size(13)}, margin=(4, 10))
        self.show_val = pn.widgets.Checkbox.from_param(s.param.show_val,
                                                       name=tr("mlp.show_val", lang),
                                                       visible=s.has_validation,
                                                       css_classes=["pg-show-val"])
        self.plane.show_val(s.show_val)
        s.param.watch(lambda e: (self.plane.show_val(e.new), self._show_key()), "show_val")
        self.discretize = pn.widgets.Checkbox.from_param(s.param.discretize,
                                                         name=tr("mlp.discretize", lang),
                                                         css_classes=["pg-discretize"])
        # Training loss falling by decades while validation loss climbs reads on a log
        # scale; on a linear one it hugs 0.
        self.log_loss = pn.widgets.Checkbox.from_param(s.param.log_loss,
                                                       name=tr("mlp.log_loss", lang),
                                                       css_classes=["pg-log-loss"])
        s.param.watch(self._on_log_loss, ["log_loss"])
        # A racer's own α, typed while paused: the race table's α column says it at once.
        s.param.watch(self._on_racer_lr, list(RACER_LR.values()))
        self.sidebar()  # built here, on the thread that prepares the page
        s.param.watch(self._on_reset, ["generation"])
        s.param.watch(self._on_trained, ["epoch"])
        s.param.watch(lambda _e: self.show_message(), ["error"])
        s.param.watch(self._on_discretize, ["discretize"])
        s.param.watch(self._on_dataset, ["dataset"])
        s.param.watch(self._on_link_epoch, ["trained", "edits"])
        s.param.watch(self._write_epoch, ["epoch"])
        # The speed is the link's (``speed=max``) and the control's, both ways.
        s.param.watch(lambda e: setattr(self.player.speed, "value", speed_value(e.new)),
                      ["speed"])
        self.player.speed.param.watch(lambda e: setattr(s, "speed", str(e.new)), ["value"])

    # -- the lab contract (playground.ui.lab) ---------------------------------------------

    def build_sidebar(self) -> list:
        return self.controls.sidebar()

    def hide_controls(self, keys):
        """``Lab.hide_controls``; the weight editor, in the network diagram, is the
        control of ``edits``."""
        super().hide_controls(keys)
        if "edits" in self.hidden:
            self.network.lock_weights()

    def main(self) -> list:
        p = self.player
        # Narrow, two lines (Bokeh gives a Row its children's sum as minimum width).
        controls = pn.Row(p.play, p.step, p.reset, ui_controls(p.speed, "speed"),
                          self.readout, p.busy,
                          self.compiling, sizing_mode="stretch_width",
                          styles={"align-items": "end"},
                          stylesheets=[WRAP])
        toggles = pn.Row(self.show_val, self.discretize, self.log_loss,
                         download_button(self.state, "mlp", lambda: self.theme),
                         stylesheets=[WRAP, BELOW_IN_LECTURE])
        return [
            self.message,
            p.message,
            self.stopped,
            controls,
            # (Never cut at the page column's height: Bokeh's max-height 100 % drew the
            # reading and the network over the accuracy chart on a 720-px screen.)
            # (Nor held wider than a narrow frame by Bokeh's least width, its rows'.)
            # The link's epoch note under the pictures: above them, appearing at epoch
            # 5,001 of a run, it moved every picture down while they played.
            pn.Column(toggles, self.boundary, self.link_note, self.race_area,
                      sizing_mode="stretch_width",
                      margin=0, styles={"flex-shrink": "0", "max-height": "none"},
                      stylesheets=[NO_LEAST_WIDTH]),
        ]

    def prepare(self):
        """Draw the untrained network before the lab is in the page (its heat map was
        computed and compiled by ``MlpLabState.precompute``), so that the first
        picture the browser draws is the network's, not a blank one."""
        if self._started:
            return
        self._started = True
        self._on_reset()

    def start(self):
        """In the live page: compile training in the background; from now on a new
        network is made, and chunks of epochs trained, on worker threads."""
        self.prepare()
        self._live = True
        doc = pn.state.curdoc
        if self.player.compiler.doc is None and doc is not None \
                and doc.session_context is not None:
            self.player.attach(doc)
            self.worker.attach(doc)
            self.state.run_slow_work = self._run_slow_work
            self._warm_up()
        self._catch_up()  # what the page's preparation left of a link's epochs

    def stop(self):
        self.player.stop()

    def display_changed(self, display):
        """Lecture mode: the fixed-size readout grows with its larger numbers, the
        network's diagram with its text."""
        super().display_changed(display)
        width, height = (560, 96) if display.present else (440, 58)
        self.readout.param.update(width=width, height=height)
        # Its larger label ("Epochs per frame") would run into the readout.
        if not hasattr(self, "_speed_width"):
            self._speed_width = self.player.speed.width
        self.player.speed.width = 200 if display.present else self._speed_width
        self.network.display_changed(display)
        if self.race_view is not None:
            self.race_view.theme = display.theme

    def show_message(self):
        set_notice(self.message, (self.link_problems, self.state.error))

    @property
    def callback(self):
        """The play loop's periodic callback while playing, else None."""
        return self.player.callback

    @property
    def step(self) -> pn.widgets.Button:
        """The player's Step button."""
        return self.player.step

    # -- training --------------------------------------------------------------------------

    def train_chunk(self, n_epochs: int):
        """Train ``n_epochs`` epochs in one compiled call; the charts follow."""
        self.state.train(n_epochs)
        self._after_chunk()

    def split_chunk(self, n_epochs: int):
        """``train_chunk`` in two halves for the player (``ui.player.Player``'s
        ``split``): the training on a worker thread, then its result recorded and
        drawn on the session's thread."""
        # A race's four heat maps come with the chunk only when its frame will draw them
        # (``_on_trained``: every RACE_PICTURE_PERIOD_S), a frame from now.
        due = (self.player.callback is None
               or time.perf_counter() - self._picture_at >= RACE_PICTURE_PERIOD_S
               - PERIOD_MS / 1000)
        run, record = self.state.training(n_epochs, pictures=due)

        def finish(result):
            record(result)
            self._after_chunk()

        return run, finish

    def _after_chunk(self):
        """Pause when training diverged or stopped early (the charts followed)."""
        s = self.state
        if s.halted:
            self.player.pause()  # nothing more to learn until a reset (``s.error`` says why)
            return
        if s.should_stop():
            self.player.pause()
            self._show_stopped(s.early_stop_message())

    def _show_stopped(self, text: str):
        """Why training paused on its own (early stopping), or nothing: above the
        pictures, where Play is (at the sidebar's foot alone, out of sight at 1366 × 768,
        a student saw training pause for no reason), and in the sidebar's section."""
        set_notice(self.stopped, [text])
        self.controls.show_stopped(text)

    def restore_best(self):
        """Put the best epoch's model back (the curves stay)."""
        self.player.pause()
        self.state.restore_best()
        if self._started:
            with hold():
                self._show_progress()

    def _run_slow_work(self, key, work, use):
        """The state's ``run_slow_work`` in the live page: ``work`` on a worker thread
        (a new network: with the programs its first pictures need compiled there too),
        then ``use`` on the session's thread; per key the latest request wins."""
        if key == "network":
            work = lambda make=work: self.state.compile_pictures(make())
        self.worker.submit(key, work, use)

    def _on_dataset(self, event):
        """The tab gave back the file the link named (``ui.widgets.KeptFile``): the
        link's notice about it goes."""
        s = self.state
        if event.new == UPLOADED and s.upload_problem:
            self.withdraw_link_problem(s.upload_problem)
            s.upload_problem = ""

    def _busy_text(self, key: str, **params) -> str:
        return (f"<span style='font-size:14px;color:#555'>"
                f"{tr(key, self.state.lang, **params)}</span>")

    def _show_compiling(self, busy: bool):
        self.compiling.visible = busy
        self.player.busy.visible = busy or bool(self.player.compiler.compiling)
        if not busy:
            # A result dropped (stale, its page closed) ended a catch-up too.
            self._catching_up = False
            set_text(self.compiling, self._busy_text("mlp.compiling"))
            self.player.resume()
            self._catch_up()

    def _on_work_failed(self, error: BaseException):
        """Paused with the reason; a catch-up to the link's epoch is given up (the link
        then says the epoch shown)."""
        self._catching_up = False
        self.state.trained = min(self.state.epoch, MAX_LINK_EPOCHS)
        self.player.fail(error)

    def _warm_up(self):
        """Compile training for this network in the background (seconds on a CPU; the
        number of epochs per call is traced, so one compilation serves every speed).

        Meanwhile the spinner turns and Play's frames wait instead of blocking the page.
        """
        s = self.state
        arch, model, hyper, data = s.arch, s.model, s.hyper(), s.data[:4]
        shapes = (arch, s.racers, data[0].shape, data[2].shape)
        compiler = self.player.compiler
        if not compiler.needed(shapes):
            return
        best_loss = jnp.asarray(s.best_val, training.DTYPE)
        if s.racers:
            models, hypers = s.race_models, s.race_hyper()
            compiler.compile(shapes, lambda: s.train_race(arch, models, hypers, data,
                                                          n_epochs=1))
        else:
            compiler.compile(shapes, lambda: s.train_keeping_best(
                arch, model, model, best_loss, hyper, data, n_epochs=1))

    # -- reactions -------------------------------------------------------------------------

    def _on_reset(self, *_events):
        """New data or a new network: redraw everything from epoch 0."""
        if not self._started:
            return
        s = self.state
        with hold():
            if s.racers:
                self.race()  # built before the plane frames its heat maps
            self.plane.set_colors(s.data.n_classes, s.discretize)
            self.plane.show_points(s.data)
            self.boundary.reset()
            self.show_val.visible = s.has_validation  # none to show at a 100 % share
            self.boundary.layout.visible = not s.racers
            self.race_area.visible = bool(s.racers)
            if self.race_view is not None:
                self.race_view.layout.visible = bool(s.racers)
                self.race_view.reset()
            self.controls.reset()
            self._show_progress()
            self._show_key()
            self._show_stopped("")
        self._warm_up()
        self._catch_up()

    def race(self) -> RaceView:
        """The race's view, built the first time a race is shown: a page that never
        races never makes its models (each of which Bokeh walks again at every change
        of the page, on the event loop every page shares)."""
        if self.race_view is None:
            self.race_view = RaceView(self.plane, state=self.state, theme=self.theme)
            self.race_view.layout.visible = False  # ``_on_reset`` shows it
            self.race_area.objects = self.styled([self.race_view.layout])
        return self.race_view

    def _on_log_loss(self, *_events):
        """The loss charts on the scale chosen, their ranges refitted."""
        if self._started:
            with hold():
                self.boundary.show_details()
                if self.state.racers:
                    self.race().show_details()

    def _on_racer_lr(self, *_events):
        if self._started and self.state.racers:
            self.race().show_details()

    def _on_discretize(self, *_events):
        if self._started:
            with hold():
                self.plane.set_colors(self.state.data.n_classes, self.state.discretize)
                self._draw_boundaries()
                self._show_key()

    def _show_key(self):
        """The line under the heat map(s) saying what their colours and marks are."""
        key = self.plane.key_html(self.state.lang)
        for view in (self.boundary, self.race_view):
            if view is not None and view.key.object != key:
                view.key.object = key

    # -- the link's epoch ---------------------------------------------------------------------

    def _write_epoch(self, *_events):
        """The epoch shown goes into the link (``trained``), but not frame by frame
        while playing (``_on_pause`` writes it then), nor while catching up, nor while
        a link is applied (its epoch stands: a link followed while playing pauses)."""
        s = self.state
        if s.applying_link:
            return
        if s.generation != self._written_generation:
            # A new network's epoch 0: a change of the user's has cleared ``trained``
            # already, and a link's new network still has its epoch to reach.
            self._written_generation = s.generation
            return
        if self._started and not self._catching_up and self.player.callback is None:
            s.trained = min(s.epoch, MAX_LINK_EPOCHS)

    def _on_link_epoch(self, *events):
        """A link (Back/Forward) asks for another epoch or other weight edits: train on
        to it, or, for an earlier epoch or edits the network shown has but the link
        does not, start the network again and train to it (making the link's edits)."""
        s = self.state
        if not self._started or not s.applying_link or self._catching_up:
            return  # the page wrote it, or a new network of the user's cleared it
        pending = s.edits_pending()
        edits_moved = any(e.name == "edits" for e in events)
        if s.trained == min(s.epoch, MAX_LINK_EPOCHS) and not edits_moved:
            return
        self.player.pause()
        if s.trained < s.epoch or pending is None or any(e.epoch < s.epoch for e in pending):
            s.restart_for_link()  # a new generation: ``_on_reset`` catches up
        else:
            self._catch_up()

    def _catch_up(self):
        """Train on to the link's epoch on the worker (frames wait meanwhile), a chunk
        at a time so that a newer request or a closed page stops it; each chunk ends at
        the link's next weight edit, which its record makes."""
        s = self.state
        # (Not while the page is prepared: on the worker it will be, a chunk at a time;
        # nor once it has closed: its chunks' results are dropped, and each drop, which
        # ends the worker's work, asked for the next.)
        if not self._live or self._catching_up or self.worker.busy("network") \
                or self.worker.closed():
            return
        if not s.racers and s.apply_due_edits():  # the link's edits at the epoch shown
            self._on_trained()
        if s.should_stop():  # (the page's preparation may have trained to the stop)
            self._show_stopped(s.early_stop_message())
        if s.epoch >= s.trained or s.halted or s.should_stop():
            return
        self._catching_up = True
        run, record = s.training(min(s.trained - s.epoch, s.epochs_within(LINK_CHUNK_S)))

        def use(result):
            record(result)
            self._catching_up = False
            self._after_chunk()
            self._catch_up()

        set_text(self.compiling, self._busy_text("mlp.catching_up", epoch=s.trained))
        self.worker.submit("network", run, use)

    def _on_pause(self):
        self._write_epoch()
        if self._started:  # the details skipped while playing
            with hold():
                self._show_progress()

    def _on_trained(self, *_events):
        if not self._started:
            return
        now = time.perf_counter()
        playing = self.player.callback is not None
        if playing and self.state.racers and now - self._picture_at < RACE_PICTURE_PERIOD_S:
            return  # four heat maps per frame would swamp the browser: train on
        self._picture_at = now
        details = not playing or now - self._details_at >= DETAILS_PERIOD_S
        if details:
            self._details_at = now
        with hold():
            self._show_progress(details)

    def _draw_boundaries(self):
        """The heat map(s): the network's, or each racer's (one call for all)."""
        if self.state.racers:
            self.race().draw()
        else:
            self.boundary.draw()

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
        # In a race the headline is the first racer's that has not diverged, said so (a
        # diverged one's showed its last finite loss, as if it were now).
        k = next((i for i, d in enumerate(s.race_diverged) if d is None), 0) \
            if s.racers else None
        history = s.history if k is None else s.race_history[k]
        last = history[min(s.epoch, len(history) - 1)]
        val = loss_text(last[2]) if s.has_validation else tr("mlp.no_validation", s.lang)
        set_text(self.readout, readout_html(s.epoch, loss_text(last[0]), val, s.lang,
                                            whose=None if k is None else s.racers[k]))
        if self.link_note.visible != (s.epoch > MAX_LINK_EPOCHS):
            self.link_note.visible = s.epoch > MAX_LINK_EPOCHS
        self.boundary.show_details()
        if s.racers:
            self.race().show_details()
        else:
            self.network.update()
        self.controls.show_details()
