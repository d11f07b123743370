"""The play loop a lab trains with: Play/Pause, Step, Reset and a speed, per session.

:class:`Player` runs one periodic callback per session while playing (Panel's
``add_periodic_callback``, the play/pause engine): every ``period_ms`` it calls the
lab's ``advance(n)`` with ``n`` steps (epochs, iterations: the lab's unit) from the
speed control; at speed ``"max"`` the lab's ``pace(previous_n, seconds_it_took)`` picks
the next ``n``.  A frame longer than the period is followed by a rest half as long, so
clicks and messages are never starved.  A page that is closed stops at its next frame
(``ui.session.is_connected``); ``stop()`` ends the loop when the session ends.

:class:`BackgroundCompiler` compiles what the next frames need in a thread (seconds
on a CPU) while a spinner turns and frames wait, at most ``COMPILE_WAIT_S``.

Failures are never silent: an exception in a frame, a Step or a background
compilation pauses the player, goes to the log with its traceback, and is shown in
the player's ``message`` notice.

In a page, a lab that gives ``split`` has its frames' training run on a worker thread
(``run``, JAX only: JAX releases Python's lock while it computes) and only the
results applied by the periodic callback (``finish``, on the session's thread): every
page shares the server's event loop, and a heavy network's chunk of seconds on it
stopped every other page's updates for as long.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import panel as pn
import param
from panel.viewable import Viewer

from ..text import tr
from .markup import notice, set_notice
from .session import Worker, is_connected

log = logging.getLogger(__name__)

COMPILE_WAIT_S = 60.0  # frames wait this long at most for a background compilation


class BackgroundCompiler:
    """Compiles in a thread (``ui.session.Worker``), once per key and session, while a
    spinner turns.

    In a session (``attach``, from the lab's ``start()``) only; without one (no server,
    the tests) nothing is compiled ahead and the first frame compiles.
    ``on_error(exc)`` is called on the session's thread when a compilation raised.
    """

    def __init__(self, busy: pn.indicators.LoadingSpinner,
                 on_error: Callable[[BaseException], None]):
        self.busy, self.on_error = busy, on_error
        self.compiling: dict[Hashable, float] = {}  # key → since when (perf_counter)
        self.compiled: set[Hashable] = set()
        self._worker = Worker(on_error=on_error, name="compile")

    @property
    def doc(self):
        """The session's document, once attached."""
        return self._worker.doc

    def attach(self, doc):
        """In the live page: compilations run on threads from now on."""
        self._worker.attach(doc)

    def waiting(self, now: float) -> bool:
        """Whether a frame at ``now`` (``time.perf_counter()``) waits for a compilation
        (one started less than ``COMPILE_WAIT_S`` ago)."""
        return bool(self.compiling) and now - min(self.compiling.values()) < COMPILE_WAIT_S

    def needed(self, key: Hashable) -> bool:
        """Whether ``compile(key, ...)`` would start a thread: in a session, and ``key``
        neither compiled nor compiling in it."""
        return self.doc is not None and key not in self.compiled and key not in self.compiling

    def compile(self, key: Hashable, fn: Callable[[], object]):
        """Run ``fn`` (a call that compiles) in a thread, unless it is not ``needed``."""
        if not self.needed(key):
            return
        self.compiling[key] = time.perf_counter()
        self.busy.visible = True

        def done(error: BaseException | None = None):  # the session's thread
            self.compiled.add(key)
            self.compiling.pop(key, None)
            if not self.compiling:
                self.busy.visible = False
            if error is not None:
                self.on_error(error)

        self._worker.submit(key, fn, lambda _compiled: done(), failed=done)


class Player(Viewer):
    """Play/Pause, Step, Reset, a speed and a busy spinner driving a lab's ``advance``.

    Args:
        advance: ``advance(n)`` runs ``n`` steps and redraws (the session's thread).
        reset: what Reset does.
        speeds: the speed control's options, steps per frame; ``"max"`` as many as
            ``pace`` allows.
        speed: the speed at first.
        period_ms: the time between frames while playing, in milliseconds.
        pace: ``pace(previous_n, elapsed_s) -> n`` at speed ``"max"``.
        labels: the texts of ``play``, ``pause``, ``step``, ``reset`` and ``speed``.
        on_play, on_pause: called when Play starts the loop and when it stops.
        lang: the language of the error message.
        split: ``split(n) -> (run, finish)``, ``advance(n)`` as ``finish(run())``:
            in a page the frames run ``run()`` on a worker thread (it must change
            nothing a page shows) and ``finish`` its result on the session's thread.
        waits: frames wait while ``waits()`` is true (e.g. a new network being built).

    The lab places the widgets (``play``, ``step``, ``reset``, ``speed``, ``busy``,
    ``message``) or the whole player (``__panel__``), calls ``attach(doc)`` from its
    ``start()`` and ``stop()`` from its ``stop()``, which the shell calls when the
    session ends: a periodic callback never outlives its page.
    """

    playing = param.Boolean(False, doc="whether the periodic callback runs")

    def __init__(self, advance: Callable[[int], None], reset: Callable[[], None], *,
                 speeds: Sequence, speed, period_ms: int, labels: Mapping[str, str],
                 pace: Callable[[int, float], int] | None = None,
                 on_play: Callable[[], None] = lambda: None,
                 on_pause: Callable[[], None] = lambda: None, lang: str = "en",
                 split: Callable[[int], tuple[Callable[[], object],
                                              Callable[[object], None]]] | None = None,
                 waits: Callable[[], bool] = lambda: False):
        super().__init__()
        self.advance, self.pace, self.split, self.waits = advance, pace, split, waits
        self.in_flight: _Chunk | None = None  # the chunk a worker thread trains
        # One thread while playing (starting a thread per chunk made the event loop wait
        # for each to start: ≈ 10 % of its time with the machine loaded).
        self._worker: ThreadPoolExecutor | None = None
        self.on_play, self.on_pause = on_play, on_pause
        self.period_ms, self.labels, self.lang = period_ms, labels, lang
        self.callback = None  # the periodic callback while playing
        self.doc = None  # the session's document, once in the live page
        self.chunk = 1  # steps per frame at speed "max", adapted every frame
        self.resume_at = 0.0  # no frame before this time (see tick)
        self.play = pn.widgets.Toggle(name=labels["play"], button_type="primary", width=110,
                                      css_classes=["pg-play"])
        self.play.param.watch(self._on_play, "value")
        self.step = pn.widgets.Button(name=labels["step"], width=100, css_classes=["pg-step"])
        self.step.on_click(lambda _e: self.step_once())
        self.steps_waiting = 0  # Step clicks made while ``waits()``: run by ``resume``
        self.reset = pn.widgets.Button(name=labels["reset"], width=80, css_classes=["pg-reset"])
        self.reset.on_click(lambda _e: self._reset(reset))
        # (speeds are numbers but "max", which is said in the page's language)
        self.speed = pn.widgets.Select(name=labels["speed"], value=speed, options={
            labels.get(f"speed.{v}", str(v)) if v == "max" else str(v): v for v in speeds},
                                       width=110, css_classes=["pg-speed"])
        self.busy = pn.indicators.LoadingSpinner(value=True, size=30, visible=False,
                                                 align="center", css_classes=["pg-busy"])
        self.message = notice("danger", css_classes=["pg-player-error"])
        self.compiler = BackgroundCompiler(self.busy, on_error=self.fail)

    def __panel__(self):
        return pn.Row(self.play, self.step, self.reset, self.speed, self.busy,
                      styles={"align-items": "end"})

    def attach(self, doc):
        """In the live page: ``doc`` is the session's document (background compiles
        report back to it; frames stop once no browser is connected to it)."""
        self.doc = doc
        self.compiler.attach(doc)

    # -- frames ----------------------------------------------------------------------

    def tick(self):
        """One frame: ``advance`` a chunk (at "max", as many steps as ``pace`` says)."""
        if self.doc is not None and not is_connected(self.doc):
            # The page was closed: stop now, not when Bokeh ends the session (15–35 s).
            self.pause()
            return
        started = time.perf_counter()
        if self.compiler.waiting(started) or started < self.resume_at or self.waits():
            return  # compiling what the frame needs, or resting after a long frame
        if self.split is not None and self.doc is not None:
            self._tick_on_a_worker()
            return
        if self.speed.value != "max":
            ok = self.run_safely(self.advance, int(self.speed.value))
        else:
            ok = self.run_safely(self.advance, self.chunk)
        if not ok:
            return
        elapsed = time.perf_counter() - started
        if self.speed.value == "max":
            self.chunk = self.pace(self.chunk, elapsed)
        # A frame longer than the period (a big network, a race at a fixed speed) is
        # followed by a rest half as long, so clicks and messages are never starved.
        self.resume_at = started + elapsed * 1.5 if elapsed > self.period_ms / 1000 else 0.0

    def _tick_on_a_worker(self):
        """A frame in a page: apply the chunk a worker finished, start the next one."""
        chunk = self.in_flight
        if chunk is not None:
            if not chunk.done.is_set():
                return  # the worker trains on: this frame has nothing to show
            self.in_flight = None
            if chunk.error is not None:
                self.fail(chunk.error)
                return
            if not self.run_safely(chunk.finish, chunk.result):
                return
            if self.speed.value == "max":
                self.chunk = self.pace(self.chunk, chunk.took)
            if self.callback is None:
                return  # ``finish`` paused (diverged, stopped early)
        n = self.chunk if self.speed.value == "max" else int(self.speed.value)
        try:
            run, finish = self.split(n)
        except Exception as e:
            log.exception("a step of the play loop failed")
            self.fail(e)
            return
        if self._worker is None:
            self._worker = ThreadPoolExecutor(1, thread_name_prefix="playground-chunk")
        self.in_flight = _Chunk(run, finish, self._worker)

    def step_once(self):
        """Step: one step now, or, while ``waits()`` (a new network being made), once
        it is ready (``resume``): a step pressed right after a change is a step of the
        new network, not of the old one that the change then throws away."""
        if self.waits():
            self.steps_waiting += 1
            return
        self.run_safely(self.advance, 1)

    def resume(self):
        """The lab's ``waits()`` turned false: run the steps pressed meanwhile."""
        n, self.steps_waiting = self.steps_waiting, 0
        if n and not self.waits():
            self.run_safely(self.advance, n)
        else:
            self.steps_waiting += n

    def _reset(self, reset: Callable[[], None]):
        self.steps_waiting = 0
        self.run_safely(reset)

    def run_safely(self, fn: Callable, *args) -> bool:
        """``fn(*args)``; if it raises, pause and say why (``fail``).  Returns whether it
        ran through."""
        try:
            fn(*args)
        except Exception as e:
            log.exception("a step of the play loop failed")
            self.fail(e)
            return False
        return True

    def fail(self, error: BaseException):
        """Pause and show ``error`` in ``message`` (the session's thread)."""
        self.pause()
        set_notice(self.message, [tr("error.unexpected", self.lang,
                                     error=f"{type(error).__name__}: {error}")])

    # -- play and pause --------------------------------------------------------------

    def _on_play(self, event):
        self.play.name = self.labels["pause" if event.new else "play"]
        if event.new:
            set_notice(self.message, [])
            self.on_play()
            self.callback = pn.state.add_periodic_callback(self.tick, period=self.period_ms)
            self.playing = True
        else:
            self.stop()
            self.on_pause()

    def stop(self):
        """Stop the periodic callback (the button keeps its state; see ``pause``)."""
        if self.callback is not None:
            self.callback.stop()
            self.callback = None
        self.in_flight = None  # a chunk under way is dropped
        if self._worker is not None:  # its thread ends once the chunk under way has
            self._worker.shutdown(wait=False)
            self._worker = None
        self.playing = False

    def pause(self):
        """Stop the loop and show the Play button."""
        self.stop()
        if self.play.value:
            self.play.value = False


class _Chunk:
    """A chunk of steps that a worker thread runs (``run()``) for the play loop, which
    then applies it (``finish(result)``)."""

    def __init__(self, run: Callable[[], object], finish: Callable[[object], None],
                 worker: ThreadPoolExecutor):
        self.finish = finish
        self.result, self.error, self.took = None, None, 0.0
        self.done = threading.Event()
        worker.submit(self._run, run)

    def _run(self, run):  # the worker thread
        started = time.perf_counter()
        try:
            self.result = run()
        except Exception as e:
            log.exception("a chunk of the play loop failed on its thread")
            self.error = e
        self.took = time.perf_counter() - started
        self.done.set()
