"""The shared play loop (``playground.ui.player``) with a counter for a lab."""

import threading
import time
from types import SimpleNamespace

import pytest

from playground.ui import session as ui_session
from playground.ui.player import COMPILE_WAIT_S, BackgroundCompiler, Player

LABELS = {"play": "Play", "pause": "Pause", "step": "Step", "reset": "Reset", "speed": "Speed"}


@pytest.fixture
def counter():
    """A lab whose steps count: ``counter.player`` advances ``counter.steps``."""
    c = SimpleNamespace(steps=[], resets=0, plays=0, pauses=0)
    c.player = Player(c.steps.append, lambda: setattr(c, "resets", c.resets + 1),
                      speeds=(1, 5, "max"), speed=5, period_ms=25,
                      pace=lambda previous, elapsed: previous * 2, labels=LABELS,
                      on_play=lambda: setattr(c, "plays", c.plays + 1),
                      on_pause=lambda: setattr(c, "pauses", c.pauses + 1))
    return c


def test_step_reset_and_play_pause(counter):
    p = counter.player
    p.step.clicks += 1
    p.reset.clicks += 1
    assert counter.steps == [1] and counter.resets == 1
    p.play.value = True
    assert p.callback.running and p.callback.period == 25 and p.playing
    assert p.play.name == "Pause" and counter.plays == 1
    p.tick()
    assert counter.steps == [1, 5]
    callback = p.callback
    p.play.value = False
    assert not callback.running and p.callback is None and not p.playing
    assert p.play.name == "Play" and counter.pauses == 1


def test_steps_pressed_while_the_lab_waits_run_once_it_is_ready(counter):
    """A Step pressed while a new network is made steps the new one, not the old one
    (which the change then threw away, leaving epoch 0 on the page)."""
    p, waiting = counter.player, [True]
    p.waits = lambda: waiting[0]
    p.step.clicks += 1
    p.step.clicks += 1
    assert counter.steps == []
    p.resume()  # still waiting (another request came): nothing yet
    assert counter.steps == []
    waiting[0] = False
    p.resume()
    assert counter.steps == [2]
    p.resume()  # nothing left
    assert counter.steps == [2]
    waiting[0] = True
    p.step.clicks += 1
    p.reset.clicks += 1  # Reset forgets the steps pressed before it
    waiting[0] = False
    p.resume()
    assert counter.steps == [2] and counter.resets == 1


def test_at_max_speed_the_pace_picks_the_next_chunk(counter):
    p = counter.player
    p.speed.value = "max"
    for _ in range(3):
        p.tick()
    assert counter.steps == [1, 2, 4]


def test_stop_ends_the_periodic_callback_for_good(counter):
    p = counter.player
    p.play.value = True
    callback = p.callback
    p.stop()  # the session ended
    assert not callback.running and p.callback is None


def test_a_failing_step_pauses_logs_and_shows_why(counter, caplog):
    p = counter.player

    def broken(n):
        raise ValueError("no such epoch")

    p.advance = broken
    p.play.value = True
    p.tick()
    assert not p.play.value and p.callback is None
    assert p.message.visible and "ValueError: no such epoch" in p.message.object
    assert [r.exc_info[0] for r in caplog.records if r.levelname == "ERROR"] == [ValueError]
    p.step.clicks += 1  # a Step fails the same way, never silently
    assert len([r for r in caplog.records if r.levelname == "ERROR"]) == 2


def test_frames_wait_for_a_background_compilation_and_its_failure_is_reported(
        counter, monkeypatch, caplog):
    later = []  # the session's next ticks
    monkeypatch.setattr(ui_session, "next_tick_from_any_thread", lambda doc: later.append)
    p = counter.player
    compiler = p.compiler
    compiler.compile("net", lambda: None)
    assert not compiler.compiling  # no session: nothing compiled ahead
    p.attach(object())
    release = threading.Event()

    def compile_then_fail():
        release.wait(10)
        raise RuntimeError("XLA ran out of memory")

    compiler.compile("net", compile_then_fail)
    assert p.busy.visible and compiler.waiting(time.perf_counter())
    assert not compiler.waiting(time.perf_counter() + COMPILE_WAIT_S + 1)
    p.play.value = True
    p.tick()
    assert counter.steps == []  # the frame waited
    compiler.compile("net", compile_then_fail)  # compiling already: no second thread
    release.set()
    for _ in range(200):
        if later:
            break
        time.sleep(0.05)
    later.pop()()
    assert not p.busy.visible and not compiler.compiling and not compiler.needed("net")
    assert not p.play.value and "XLA ran out of memory" in p.message.object
    assert any(r.levelname == "ERROR" and r.exc_info for r in caplog.records)


def test_the_compiler_without_a_session_compiles_nothing():
    busy = SimpleNamespace(visible=False)
    compiler = BackgroundCompiler(busy, on_error=lambda e: None)
    assert not compiler.needed("net") and not compiler.waiting(time.perf_counter())


def test_a_closed_page_stops_the_loop_at_the_next_frame(counter):
    """Bokeh ends a closed page's session 15–35 s later; the loop stops at once."""
    p = counter.player
    connections = SimpleNamespace(connection_count=1)
    p.attach(SimpleNamespace(session_context=SimpleNamespace(_session=connections)))
    p.play.value = True
    p.tick()
    assert counter.steps == [5]
    connections.connection_count = 0  # the tab was closed
    p.tick()
    assert counter.steps == [5] and p.callback is None and not p.play.value


def test_in_a_page_chunks_train_on_a_worker_and_frames_apply_them(counter, caplog):
    """The periodic callback never waits for a chunk: a worker runs it, a later frame
    shows it and starts the next one; a chunk that fails pauses and says why."""
    p = counter.player
    ran, release = [], threading.Event()

    def split(n):
        def run():
            release.wait(10)
            ran.append(threading.current_thread() is not threading.main_thread())
            return n
        return run, counter.steps.append

    p.split = split
    p.attach(SimpleNamespace(session_context=SimpleNamespace(
        _session=SimpleNamespace(connection_count=1))))
    p.play.value = True
    p.tick()  # starts a chunk of 5
    chunk = p.in_flight
    p.tick()  # still training: nothing to show, the frame returns at once
    assert counter.steps == [] and p.in_flight is chunk
    release.set()
    assert chunk.done.wait(10)
    p.tick()  # shows it and starts the next
    assert counter.steps == [5] and ran[0] is True and p.in_flight is not chunk
    assert p.in_flight.done.wait(10)
    p.waits = lambda: True  # e.g. a new network being built: frames wait
    p.tick()
    assert counter.steps == [5]
    p.waits = lambda: False

    def failing(n):
        def run():
            raise RuntimeError("XLA ran out of memory")
        return run, counter.steps.append

    p.split = failing
    p.tick()  # shows the chunk done, starts a failing one
    assert counter.steps == [5, 5]
    assert p.in_flight.done.wait(10)
    p.tick()
    assert counter.steps == [5, 5] and not p.play.value and p.callback is None
    assert p.in_flight is None and "XLA ran out of memory" in p.message.object
    assert any(r.levelname == "ERROR" and r.exc_info for r in caplog.records)
