"""Handing a background thread's result back to a session (``playground.ui.session``)."""

import asyncio
import logging
import threading
import time
from types import SimpleNamespace

import pytest

from playground.ui import session as ui_session
from playground.ui.session import Worker, next_tick_from_any_thread


class Document:
    """What a session's document does with a next-tick callback: run it, noting where."""

    def __init__(self, ended=False):
        self.ended, self.threads = ended, []

    def add_next_tick_callback(self, callback):
        if self.ended:
            raise RuntimeError("Attempting to add session callback to already-destroyed Document")
        self.threads.append(threading.current_thread())
        callback()


def _schedule_from_a_worker(doc) -> tuple[threading.Thread, list]:
    """A server loop on a thread of its own schedules ``fn`` from a worker thread.

    Returns the loop's thread and the threads the callback ran on.
    """
    ran = []

    async def session():
        schedule = next_tick_from_any_thread(doc)  # on the session's (loop's) thread
        worker = threading.Thread(target=schedule, args=(lambda: ran.append(
            threading.current_thread()),))
        worker.start()
        worker.join()
        for _ in range(200):
            await asyncio.sleep(0.005)
            if ran or getattr(doc, "ended", False):
                break

    server = threading.Thread(target=asyncio.run, args=(session(),))
    server.start()
    server.join()
    return server, ran


def test_the_callback_is_added_and_run_on_the_loops_thread_not_the_workers():
    doc = Document()
    server, ran = _schedule_from_a_worker(doc)
    assert doc.threads == [server]
    assert ran == [server]


def test_a_session_that_ended_meanwhile_is_skipped_quietly(caplog):
    _, ran = _schedule_from_a_worker(Document(ended=True))
    assert ran == []
    # The loop logs what a callback raises ("Exception in callback ...").
    assert [r for r in caplog.records if r.levelname == "ERROR"] == []


def test_a_bokeh_document_destroyed_meanwhile_is_skipped_without_a_traceback(caplog):
    """Bokeh deletes a destroyed document's callback lists: scheduling on it raised
    AttributeError, logged with its traceback for every page closed mid-work."""
    from bokeh.document import Document as BokehDocument

    doc = BokehDocument()
    doc.callbacks.destroy()  # what the session's end does (``Document.destroy``)
    with pytest.raises(AttributeError):
        doc.add_next_tick_callback(lambda: None)
    caplog.set_level(logging.INFO, logger=ui_session.log.name)
    _, ran = _schedule_from_a_worker(doc)
    assert ran == []
    dropped = [r for r in caplog.records if "session had ended" in r.getMessage()]
    assert len(dropped) == 1 and dropped[0].exc_info is None
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_is_connected_reads_the_sessions_connections():
    from types import SimpleNamespace

    from playground.ui.session import is_connected

    def doc(count):
        return SimpleNamespace(session_context=SimpleNamespace(
            _session=SimpleNamespace(connection_count=count)))

    assert is_connected(doc(1)) and not is_connected(doc(0))
    # Where Bokeh's private attribute is missing, never stop an open page.
    assert is_connected(None) and is_connected(SimpleNamespace(session_context=None))
    # A worker's page: closed once no browser is connected; not before it has one.
    from playground.ui.session import Worker

    worker = Worker(on_error=lambda error: None)
    assert not worker.closed()
    worker.doc = doc(1)
    assert not worker.closed()
    worker.doc = doc(0)
    assert worker.closed()


# -- Worker: a session's slow work on threads, the latest request winning -------------



class _Ticks(list):
    run_next = None


def _page(connections: int = 1):
    return SimpleNamespace(session_context=SimpleNamespace(
        _session=SimpleNamespace(connection_count=connections)))


@pytest.fixture
def later(monkeypatch):
    """The session's next ticks: what threads hand back, run when the test says."""
    ticks = _Ticks()
    monkeypatch.setattr(ui_session, "next_tick_from_any_thread", lambda doc: ticks.append)

    def run_next(timeout: float = 30.0):
        deadline = time.monotonic() + timeout
        while not ticks:
            assert time.monotonic() < deadline, "no thread handed back"
            time.sleep(0.01)
        ticks.pop(0)()

    ticks.run_next = run_next
    return ticks


def test_without_a_session_the_worker_runs_work_and_apply_at_once():
    applied = []
    worker = Worker(on_error=pytest.fail)
    worker.submit("net", lambda: 6 * 7, applied.append)
    assert applied == [42] and not worker.busy()
    with pytest.raises(ZeroDivisionError):  # and what they raise reaches the caller
        worker.submit("net", lambda: 1 / 0, applied.append)


def test_the_latest_request_wins_and_stale_results_are_dropped(later):
    ran, applied, busy = [], [], []
    release = threading.Event()
    worker = Worker(on_error=pytest.fail, on_busy=busy.append)
    worker.attach(_page())

    def work(n, wait=False):
        def run():
            if wait:
                release.wait(10)
            ran.append((n, threading.current_thread() is not threading.main_thread()))
            return n
        return run

    worker.submit("net", work(1, wait=True), applied.append)
    assert worker.busy("net") and busy == [True]
    worker.submit("net", work(2), applied.append)  # while 1 runs: waits
    worker.submit("net", work(3), applied.append)  # replaces 2
    release.set()
    later.run_next()  # 1 is done, but stale: 3 starts
    assert applied == [] and worker.busy("net")
    later.run_next()
    assert ran == [(1, True), (3, True)] and applied == [3]
    assert not worker.busy() and busy == [True, False]


def test_a_failing_work_is_logged_and_reported_on_the_sessions_thread(later, caplog):
    errors = []
    worker = Worker(on_error=errors.append)
    worker.attach(_page())
    worker.submit("net", lambda: 1 / 0, pytest.fail)
    later.run_next()
    assert [type(e) for e in errors] == [ZeroDivisionError]
    assert any(r.levelno == logging.ERROR and r.exc_info for r in caplog.records)
    worker.submit("net", lambda: 1, lambda _r: 1 / 0)  # and so is a failing apply
    later.run_next()
    assert [type(e) for e in errors] == [ZeroDivisionError] * 2 and not worker.busy()


def test_a_page_closed_meanwhile_applies_nothing(later):
    page, busy = _page(), []
    worker = Worker(on_error=pytest.fail, on_busy=busy.append)
    worker.attach(page)
    worker.submit("net", lambda: 1, pytest.fail)
    page.session_context._session.connection_count = 0  # the tab closed
    later.run_next()
    assert not worker.busy() and busy == [True, False]


def test_work_in_parts_says_how_far_it_is_and_without_a_session_runs_at_once():
    shares, applied = [], []
    worker = Worker(on_error=pytest.fail)

    def work(part):
        for done in range(3):
            part(done, 2)
        return "done"

    worker.submit("fits", work, applied.append, progress=shares.append)
    assert shares == [0.0, 0.5, 1.0] and applied == ["done"]


def test_work_in_parts_stops_between_two_once_a_later_request_waits(later):
    parts_done, applied, shares = [], [], []
    first_part, go_on = threading.Event(), threading.Event()
    worker = Worker(on_error=pytest.fail)
    worker.attach(_page())

    def work(n):
        def run(part):
            for done in range(3):
                part(done, 3)
                parts_done.append((n, done))
                if n == 1 and done == 0:
                    first_part.set()
                    go_on.wait(10)
            return n
        return run

    worker.submit("fits", work(1), applied.append, progress=shares.append)
    assert first_part.wait(10)
    worker.submit("fits", work(2), applied.append, progress=shares.append)  # waits
    go_on.set()
    # 1's first part's progress, then its end: abandoned at its next part, 2 starts.
    later.run_next()
    assert shares == []  # (a later request waits: 1's progress is not said)
    later.run_next()
    assert applied == [] and worker.busy("fits")
    for _ in range(4):  # 2's three parts' progress, then its result
        later.run_next()
    assert parts_done == [(1, 0), (2, 0), (2, 1), (2, 2)]  # (1 stopped at its second)
    assert shares == [0.0, 1 / 3, 2 / 3] and applied == [2] and not worker.busy()


def test_work_in_parts_of_a_closed_page_stops_at_its_first_part(later):
    page, parts_done = _page(connections=0), []
    worker = Worker(on_error=pytest.fail)
    worker.attach(page)

    def work(part):
        part(0, 2)
        parts_done.append(0)

    worker.submit("fits", work, pytest.fail, progress=pytest.fail)
    later.run_next()  # its end, dropped: no error, no result, no progress
    assert parts_done == [] and not worker.busy()


# -- a connection lost twice (Bokeh's keep-alive, then the socket's close) --------------


class _Application:
    def __init__(self):
        self.lost = []

    def client_lost(self, connection):
        self.lost.append(connection)
        connection.detach_session()


class _Session:
    def __init__(self):
        self.notified = 0

    def notify_connection_lost(self):
        self.notified += 1

    def unsubscribe(self, connection):
        pass


def _handler_with_a_connection(session):
    """A Bokeh ``WSHandler`` (not opened) holding a real ``ServerConnection``."""
    from bokeh.server.connection import ServerConnection
    from bokeh.server.views.ws import WSHandler

    handler = object.__new__(WSHandler)
    handler.application, handler.close_code, handler.close_reason = _Application(), None, None
    connection = object.__new__(ServerConnection)
    connection._session = session
    handler.connection = connection
    return handler


def test_a_close_after_the_keep_alive_lost_the_connection_is_quiet(monkeypatch):
    from bokeh.server.views.ws import WSHandler

    from playground.ui.session import tolerate_connections_lost_twice

    monkeypatch.setattr(WSHandler, "on_close", WSHandler.on_close)  # undone after the test
    handler = _handler_with_a_connection(_Session())
    handler.application.client_lost(handler.connection)  # what the keep-alive job does
    # Bokeh's own asserts the connection still has its session (if it stops doing so,
    # the workaround can go).
    with pytest.raises(AssertionError):
        handler.on_close()
    tolerate_connections_lost_twice()
    tolerate_connections_lost_twice()  # once is enough: not wrapped twice
    assert WSHandler.on_close.tolerates_lost_connections
    handler.on_close()  # no AssertionError
    assert len(handler.application.lost) == 1


def test_a_close_of_a_live_connection_still_cleans_up(monkeypatch):
    from bokeh.server.views.ws import WSHandler

    from playground.ui.session import tolerate_connections_lost_twice

    monkeypatch.setattr(WSHandler, "on_close", WSHandler.on_close)
    tolerate_connections_lost_twice()
    session = _Session()
    handler = _handler_with_a_connection(session)
    handler.on_close()
    assert session.notified == 1 and handler.application.lost == [handler.connection]


def _patch_message():
    """A PATCH-DOC as a closing page sends it: a plot's new size."""
    from bokeh.protocol.messages.patch_doc import patch_doc

    event = {"kind": "ModelChanged", "model": {"id": "p1"}, "attr": "inner_width",
             "new": 277}
    return patch_doc(patch_doc.create_header(), {}, {"events": [event]})


def test_a_message_from_a_page_whose_connection_closed_is_dropped_quietly(
        monkeypatch, caplog):
    from bokeh.protocol import Protocol
    from bokeh.server.protocol_handler import ProtocolHandler
    from bokeh.server.views.ws import WSHandler

    from playground.ui.session import drop_messages_from_closed_pages

    monkeypatch.setattr(WSHandler, "_handle", WSHandler._handle)  # undone after the test
    handler = _handler_with_a_connection(_Session())
    handler.handler, handler.connection._protocol = ProtocolHandler(), Protocol()
    handler.application.client_lost(handler.connection)  # the close, handled first
    # Bokeh's own logs the AssertionError with a traceback and answers with an error (if
    # it stops doing so, the workaround can go).
    with caplog.at_level(logging.ERROR, logger="bokeh"):
        reply = asyncio.run(handler._handle(_patch_message()))
    assert reply.msgtype == "ERROR"
    assert any(r.exc_info and r.exc_info[0] is AssertionError for r in caplog.records)
    caplog.clear()
    drop_messages_from_closed_pages()
    drop_messages_from_closed_pages()  # once is enough: not wrapped twice
    assert WSHandler._handle.drops_messages_from_closed_pages
    with caplog.at_level(logging.DEBUG):
        assert asyncio.run(handler._handle(_patch_message())) is None
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("page that had closed was dropped" in r.getMessage()
               for r in caplog.records)


def test_a_message_from_a_live_page_is_still_handled(monkeypatch):
    from bokeh.server.views.ws import WSHandler

    from playground.ui.session import drop_messages_from_closed_pages

    monkeypatch.setattr(WSHandler, "_handle", WSHandler._handle)
    drop_messages_from_closed_pages()
    handled = []

    class _Handler:
        async def handle(self, message, connection):
            handled.append((message, connection))
            return "work"

    handler = _handler_with_a_connection(_Session())
    handler.handler = _Handler()
    message = _patch_message()
    assert asyncio.run(handler._handle(message)) == "work"
    assert handled == [(message, handler.connection)]


# -- FairSlots: the process-wide bound on slow work ---------------------------------------

def _wait_until(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_slots_serve_waiters_first_come_first_served():
    slots, order = ui_session.FairSlots(1), []
    slots.acquire()
    threads = []
    for name in "abc":
        t = threading.Thread(target=lambda n=name: (slots.acquire(), order.append(n),
                                                    slots.release()))
        t.start()
        threads.append(t)
        queued = len(threads)
        _wait_until(lambda k=queued: slots.waiting() == k)  # queued in this order
    slots.release()
    for t in threads:
        t.join(5)
    assert order == ["a", "b", "c"]


def test_long_work_hands_its_slot_to_a_page_waiting_between_two_parts():
    """A plain semaphore lets the releasing thread take its slot straight back; here the
    waiter runs first, and the long work resumes after it."""
    slots, order = ui_session.FairSlots(1), []
    page_waits = threading.Event()

    def long_work():
        with slots:
            order.append("part 1")
            page_waits.wait(5)
            _wait_until(lambda: slots.waiting() == 1)
            slots.pass_on()
            order.append("part 2")

    def page():
        page_waits.set()
        with slots:
            order.append("page")
            time.sleep(0.05)  # still holding: part 2 must not start meanwhile

    worker = threading.Thread(target=long_work)
    worker.start()
    _wait_until(lambda: order == ["part 1"])
    opener = threading.Thread(target=page)
    opener.start()
    worker.join(5)
    opener.join(5)
    assert order == ["part 1", "page", "part 2"]


def test_pass_on_with_nobody_waiting_keeps_the_slot():
    slots = ui_session.FairSlots(1)
    with slots:
        slots.pass_on()
        assert slots._free == 0 and slots.waiting() == 0
    assert slots._free == 1


def test_two_slots_let_two_run_and_the_third_waits():
    slots = ui_session.FairSlots(2)
    slots.acquire()
    slots.acquire()
    got = threading.Event()
    t = threading.Thread(target=lambda: (slots.acquire(), got.set()))
    t.start()
    assert not got.wait(0.1)
    slots.release()
    assert got.wait(5)
    t.join(5)
    with pytest.raises(ValueError):
        ui_session.FairSlots(0)


def test_panels_link_registry_can_be_read_while_another_thread_adds_to_it():
    """Pages are built on threads (their jscallbacks register in Panel's process-wide
    registry) while the event loop iterates it for another page: a plain
    WeakKeyDictionary raised "dictionary changed size during iteration"."""
    import threading
    import weakref

    from playground.ui.session import LockedWeakKeyDictionary

    class Key:
        pass

    def hammer(registry) -> list:
        keys, stop, errors = [Key() for _ in range(20_000)], threading.Event(), []

        def add():
            for key in keys:
                if stop.is_set():
                    return
                registry[key] = [1]

        adder = threading.Thread(target=add)
        adder.start()
        try:
            while adder.is_alive():
                try:
                    sum(len(v) for v in registry.values())
                except RuntimeError as e:
                    errors.append(e)
                    break
        finally:
            stop.set()
            adder.join()
        return errors

    assert hammer(LockedWeakKeyDictionary()) == []
    # The oracle: the plain dictionary fails this way (else the test shows nothing);
    # a race, so it may take a few tries on a loaded machine (5 were once too few).
    assert any("changed size" in str(e) for attempt in range(40)
               for e in hammer(weakref.WeakKeyDictionary()))


def test_configure_process_makes_panels_registry_thread_safe_keeping_its_entries():
    import panel as pn
    from panel.links import Callback

    from playground.ui.session import LockedWeakKeyDictionary, make_panel_links_thread_safe

    saved = Callback.registry
    try:
        button = pn.widgets.Button()
        button.js_on_click(code="1")
        make_panel_links_thread_safe()
        assert isinstance(Callback.registry, LockedWeakKeyDictionary)
        assert button in Callback.registry
    finally:
        Callback.registry = saved


def test_pages_served_without_autoreload_record_no_modules():
    """Panel's per-page module recording (for --autoreload) looked up each module that
    appeared while the page's script ran: one another thread's import dropped meanwhile
    raised KeyError, a 500 (seen on CI).  Without autoreload nothing is recorded;
    with it Panel's own recording stays."""
    import panel as pn
    import panel.io.handlers
    from panel.io.reload import record_modules

    from playground.ui.session import record_no_modules_per_page

    saved = panel.io.handlers.record_modules
    try:
        with pn.config.set(autoreload=True):
            record_no_modules_per_page()
        assert panel.io.handlers.record_modules is record_modules
        record_no_modules_per_page()
        assert panel.io.handlers.record_modules is not record_modules
        with panel.io.handlers.record_modules(handler=None):
            pass  # yields, reads nothing
    finally:
        panel.io.handlers.record_modules = saved


def _play_the_queue_race(monkeypatch) -> tuple[list, object]:
    """Panel's queue of a page's messages, with a connection whose writes finish when the
    test says: a first message is being written; in one loop iteration its write
    finishes and a second message is queued.  Returns what was written and the page."""
    from bokeh.document import Document
    from panel.io import document
    from tornado.websocket import WebSocketHandler

    written, writes = [], []

    def write(conn, events=None, msg=None):  # Panel's dispatch_tornado, a future per message
        written.append(msg)
        writes.append(asyncio.get_running_loop().create_future())
        return [writes[-1]]

    class Connection:
        _socket = WebSocketHandler.__new__(WebSocketHandler)  # its write lock never held
        protocol = SimpleNamespace(create=lambda kind, events: (kind, *events))

    monkeypatch.setattr(document, "dispatch_tornado", write)
    doc, connection = Document(), Connection()

    async def race():
        document.schedule_write_events(doc, [connection], ["first"])
        for _ in range(3):  # its dispatch writes it and waits for the write
            await asyncio.sleep(0)
        assert written == [("PATCH-DOC", "first")]

        def one_iteration():
            writes[0].set_result(None)
            document.schedule_write_events(doc, [connection], ["second"])

        asyncio.get_running_loop().call_soon(one_iteration)
        for _ in range(20):
            await asyncio.sleep(0.005)
            for done in writes:
                if not done.done():
                    done.set_result(None)

    asyncio.run(race())
    return written, doc


def test_panels_queue_of_messages_strands_one_without_the_fix(monkeypatch):
    """The race as Panel 1.9.4 runs it: the second message stays queued, never written
    (when this fails, Panel's queue no longer loses it: ``send_every_queued_message``
    can go)."""
    from panel.io import document

    if not hasattr(document, "_WRITE_MSGS"):
        pytest.skip("this Panel's queue of messages is another")
    panels = getattr(document._dispatch_msgs, "__wrapped__", document._dispatch_msgs)
    monkeypatch.setattr(document, "_dispatch_msgs", panels)  # Panel's own, even if patched
    written, doc = _play_the_queue_race(monkeypatch)
    assert written == [("PATCH-DOC", "first")]
    assert list(document._WRITE_MSGS[doc].values()) == [[("PATCH-DOC", "second")]]


def test_every_queued_message_is_written_once_in_order(monkeypatch):
    from panel.io import document

    from playground.ui.session import send_every_queued_message

    if not hasattr(document, "_WRITE_MSGS"):
        pytest.skip("this Panel's queue of messages is another")
    monkeypatch.setattr(document, "_dispatch_msgs", document._dispatch_msgs)  # restored
    send_every_queued_message()
    send_every_queued_message()  # once only: a second call wraps nothing again
    assert document._dispatch_msgs.reopens
    written, doc = _play_the_queue_race(monkeypatch)
    assert written == [("PATCH-DOC", "first"), ("PATCH-DOC", "second")]
    assert doc not in document._WRITE_MSGS and doc not in document._WRITE_BLOCK


def _drain_a_hold_with_a_browsers_change(drain, connected=False):
    """A document held (as a page's thread holds it) while the browser's change of a
    model (a setter: the session that applied it) and the server's own arrive; the hold
    drained before the page loaded, by ``drain``, with a browser connected to the page's
    session or none.  Returns the values the model's Python callback heard and the
    attributes whose changes reached the document's listeners (its session sends those
    to the page)."""
    import threading
    import weakref
    from types import SimpleNamespace

    from bokeh.document import Document
    from bokeh.models import Div

    doc, div, heard, sent = Document(), Div(text=""), [], []
    doc.add_root(div)
    session = SimpleNamespace(_loop=None,  # no loop: dispatched at once
                              _subscribed_connections={object()} if connected else set())
    context = type("SessionContext", (), {"_session": session})()  # (weakly referenced)
    doc._session_context = weakref.ref(context)
    div.on_change("text", lambda _attr, _old, new: heard.append(new))
    doc.on_change(lambda event: sent.append(getattr(event, "attr", None)))
    doc.hold("combine")
    div.set_from_json("text", "from the browser", setter=object())  # as a PATCH-DOC applies it
    div.styles = {"color": "red"}  # the server's own change (no setter)
    for event in drain(doc, threading.Lock()):
        doc.callbacks.trigger_on_change(event)
    return heard, sent


def test_panel_drops_a_pages_changes_held_before_the_page_loaded():
    """Panel 1.9.4's drain: the browser's change never reaches its callback, and the
    server's change never reaches a connected browser (when this fails,
    ``keep_browser_changes_held_before_load`` can go)."""
    from panel.io import document

    drain = getattr(document, "_drain_unconnected_events", None)
    if drain is None:
        pytest.skip("this Panel drains no hold before a page loads")
    drain = getattr(drain, "__wrapped__", drain)
    assert _drain_a_hold_with_a_browsers_change(drain) == ([], [])
    assert _drain_a_hold_with_a_browsers_change(drain, connected=True) == ([], [])


def test_a_pages_changes_held_before_it_loaded_reach_their_callbacks(monkeypatch):
    from panel.io import document

    from playground.ui.session import keep_browser_changes_held_before_load

    if getattr(document, "_drain_unconnected_events", None) is None:
        pytest.skip("this Panel drains no hold before a page loads")
    monkeypatch.setattr(document, "_drain_unconnected_events",
                        document._drain_unconnected_events)  # restored after the test
    keep_browser_changes_held_before_load()
    keep_browser_changes_held_before_load()  # once only
    drain = document._drain_unconnected_events
    assert drain.keeps_browser_changes and not getattr(drain.__wrapped__,
                                                       "keeps_browser_changes", False)
    # No browser has the document yet: the server's change is in the one it will fetch.
    assert _drain_a_hold_with_a_browsers_change(drain) == (["from the browser"], ["text"])
    # A connected browser may have fetched it already: the server's change is sent too.
    assert _drain_a_hold_with_a_browsers_change(drain, connected=True) == (
        ["from the browser"], ["text", "styles"])


# -- Panel's links and JavaScript callbacks, put on their models without a walk --------

_LINKS_SCRIPT = """
import json, re, sys
import panel as pn
from bokeh.document import Document
from bokeh.model import Model
from playground.ui import session

if sys.argv[1] == "ours":
    session.link_callbacks_without_a_walk()
    session.link_callbacks_without_a_walk()  # once per process: twice changes nothing
walks = []
select = Model.select
Model.select = lambda self, selector: (walks.append(type(self).__name__),
                                       select(self, selector))[1]
switch = pn.widgets.Toggle(name="switch")
switch.jscallback(value="window.MARK_switch = 1")
source, target = pn.widgets.IntSlider(name="source"), pn.widgets.IntInput(name="target")
source.jslink(target, value="value")  # its target joins the page later
page = pn.Column(switch, source)
doc = Document()
root = page.get_root(doc)
doc.add_root(root)
walks.clear()
late = pn.widgets.Button(name="late")
late.js_on_click(code="window.MARK_late = 1")
page.append(late)  # a widget with a callback joins the page
page.append(pn.Row(target))  # the link's target joins the page
ref = root.ref["id"]
def code(widget):
    model = widget._models[ref][0]
    return sorted((re.findall(r"MARK_[a-z]+", cb.code) or ["link"])[0]
                  for cbs in [*model.js_property_callbacks.values(),
                              *model.js_event_callbacks.values()] for cb in cbs)
print(json.dumps({"switch": code(switch), "source": code(source), "late": code(late),
                  "walks": walks.count("Column") + walks.count("Row")}))
"""


def _links_in_a_page(which: str) -> dict:
    import json
    import subprocess
    import sys
    from pathlib import Path

    out = subprocess.run([sys.executable, "-c", _LINKS_SCRIPT, which], capture_output=True,
                         text=True, check=True, cwd=Path(__file__).resolve().parents[2])
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_links_and_callbacks_reach_their_models_as_panels_own_pass_puts_them():
    """Issue #9 item 4: Panel's pass looked for every link's source among all the page's
    Bokeh models at each change of a layout (an MLP page: 900 models, four times while
    it opened).  Ours puts the same callbacks on the same models (a widget that joins
    later, a link whose target joins after its source, each once), and walks nothing."""
    panels, ours = _links_in_a_page("panel"), _links_in_a_page("ours")
    expected = {"switch": ["MARK_switch"], "source": ["link"], "late": ["MARK_late"]}
    assert {k: panels[k] for k in expected} == expected
    assert {k: ours[k] for k in expected} == expected
    assert panels["walks"] >= 2  # Panel's walked the page at each of the two changes
    assert ours["walks"] == 0


# -- a page's set of models, kept from each change instead of a walk of the page -------

#: Prepended to the scripts below: ``build_page(query, each_step)``, a lab's whole page in
#: a document without a server, its steps (pictures, controls, details) run in order.
_BUILD_PAGE = """
from bokeh.document import Document
from panel.io.state import set_curdoc
from playground.ui import shell
from playground.ui.link import LinkLocation

_pages = []
_attach = shell.Page._attach
shell.Page._attach = lambda page: _pages.append(page)

def build_page(query, each_step=lambda doc, what: None):
    doc = Document()
    with set_curdoc(doc):
        view = shell.create_app(LinkLocation(search="?" + query))
        doc.add_root(view.get_root(doc))
        each_step(doc, query + ": shell")
        page = _pages.pop()
        queue = [lambda: _attach(page)]
        page._then = queue.append
        while queue:
            queue.pop(0)()
            each_step(doc, query + ": a step")
    return doc
"""


def _run_script(script: str, *args: str) -> dict:
    """``script`` (after ``_BUILD_PAGE``) in a fresh Python: its last line, as JSON."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    out = subprocess.run([sys.executable, "-c", _BUILD_PAGE + script, *args],
                         capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    return json.loads(out.stdout.strip().splitlines()[-1])


_MODELS_SCRIPT = """
import json, sys, time
import panel as pn
from bokeh.model.util import collect_models
from bokeh.plotting import figure
from playground.ui import session

if sys.argv[1] == "ours":
    session.attach_new_models_only()
    session.attach_new_models_only()  # once per process: twice changes nothing
    bokehs = session._BOKEH_RECOMPUTE
    walks = []
    session._BOKEH_RECOMPUTE = lambda models: (walks.append(1), bokehs(models))[1]
else:
    from bokeh.document.models import DocumentModelManager
    bokehs = DocumentModelManager.recompute
    walks = []
    DocumentModelManager.recompute = lambda models: (walks.append(1), bokehs(models))[1]
mismatches, checks = [], [0]

def check(doc, what):
    checks[0] += 1
    reachable = {m.id: m for m in collect_models(*doc.roots)}
    kept = {m.id: m for m in doc.models}
    if reachable.keys() != kept.keys():
        mismatches.append([what, len(reachable.keys() - kept.keys()),
                           len(kept.keys() - reachable.keys())])
    if any(m.document is not doc for m in kept.values()):
        mismatches.append([what, "a kept model without its document"])
    for m in kept.values():
        if m.name is not None and m not in doc.models.get_all_by_name(m.name):
            mismatches.append([what, "a name not found", m.name])

for query in sys.argv[2:]:
    build_page(query, check)

# generic changes: append, replace, remove, a plot's renderers, a root added and removed
doc = Document()
with set_curdoc(doc):
    column = pn.Column(pn.pane.Markdown("a"), pn.widgets.IntSlider(name="s"))
    doc.add_root(column.get_root(doc))
    check(doc, "a column")
    doc.models.flush_synced()
    column.append(pn.Row(pn.widgets.Button(name="b"), pn.pane.HTML("<b>h</b>")))
    check(doc, "appended")
    added = {type(m).__name__ for m in doc.models._new_models}
    column[0] = pn.widgets.Select(options=["x", "y"])
    check(doc, "replaced")
    column.pop(1)
    check(doc, "removed")
    plot = figure(width=200, height=200)
    column.append(pn.pane.Bokeh(plot))
    check(doc, "a plot")
    line = plot.line([0, 1], [1, 0])
    check(doc, "a renderer added in place")
    plot.renderers = []
    check(doc, "renderers dropped")
    other = pn.Row(pn.widgets.Toggle(name="t"))
    other_root = other.get_root(doc)
    doc.add_root(other_root)
    check(doc, "a second root")
    doc.remove_root(other_root)
    check(doc, "a root removed")
    gone = other_root.document is None
print(json.dumps({"mismatches": mismatches, "checks": checks[0],
                  "walks": len(walks),
                  "appended_new": sorted(added), "gone": gone}))
"""


def _models_kept(which: str, *queries: str) -> dict:
    return _run_script(_MODELS_SCRIPT, which, *queries)


def test_a_pages_models_kept_from_each_change_are_those_reachable_from_its_roots():
    """Issue #9 item 4: Bokeh walked every model of a page after each change that added
    one (40–90 ms of the shared event loop per step of an MLP page opening).  Kept from
    each change, the page's models are at every step exactly those its roots reach
    (each with its document, found by name), for the three labs' pages opening and for
    a column's children appended, replaced and removed, a plot's renderers and a second
    root; the appended models are the ones sent to the browser as new; and the whole
    page is walked only where models may have gone."""
    queries = ("lab=mlp&race=sgd,adam", "lab=optimizers", "lab=biasvariance")
    ours = _models_kept("ours", *queries)
    assert ours["mismatches"] == [], ours["mismatches"]
    assert ours["checks"] >= 20
    assert {"Row", "Button", "HTML"} <= set(ours["appended_new"])
    assert ours["gone"]
    bokehs = _models_kept("bokeh", *queries)
    assert bokehs["mismatches"] == [] and bokehs["appended_new"] == ours["appended_new"]
    # Bokeh's: once per step and change; ours: a page's first two steps (its shell,
    # then the lab in place of its placeholder), and the changes that drop models.
    assert ours["walks"] == 3 * 2 + 6
    assert bokehs["walks"] >= 3 * 6 + 8


# -- a model serialised without its defaults made ------------------------------------

_SERIALIZE_SCRIPT = """
import json, sys
import numpy as np
from bokeh.core.has_props import HasProps
from bokeh.models import Slider
from playground.ui import session

session.serialize_set_values_only()
session.serialize_set_values_only()  # once per process: twice changes nothing
bokehs = session._BOKEH_QUERY
assert HasProps.query_properties_with_values is session._query_set_values

def plain(value):  # a value as comparable data: a model by its id
    if isinstance(value, HasProps):
        return ["model", getattr(value, "id", None) or repr(value)]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    return repr(value)

def sent(model, query):
    values = query(model, lambda d: d.serialized, include_defaults=False)
    return json.dumps(plain(values), sort_keys=True)

compared, differ = 0, []
for query in sys.argv[1:]:
    doc = build_page(query)
    for model in doc.models:  # ours first: Bokeh's reads everything (and may keep it)
        ours, theirs = sent(model, session._query_set_values), sent(model, bokehs)
        compared += 1
        if ours != theirs:
            differ.append([query, type(model).__name__])
# Bokeh's check that every property has a value is kept.
unset = []
for query in (session._query_set_values, bokehs):
    try:
        query(Slider(start=0, end=1), lambda d: d.serialized, include_defaults=False)
    except ValueError as e:
        unset.append(type(e).__name__)
print(json.dumps({"compared": compared, "differ": differ, "unset": unset}))
"""


def test_a_model_is_sent_with_the_same_values_without_its_defaults_made():
    """Issue #9 item 4: Bokeh made and validated every default of each new model before
    dropping the defaults from what it sends (0.16 s of the 0.31 s in which the event
    loop joined an MLP page's pictures).  Every model of each lab's page (lecture mode,
    the dark theme and Chinese among them) is sent the same without them made, and a
    model missing a value it must have is still refused."""
    queries = ("lab=mlp&race=sgd,adam", "lab=optimizers&theme=dark&present=1",
               "lab=biasvariance&lang=zh")
    result = _run_script(_SERIALIZE_SCRIPT, *queries)
    assert result["differ"] == []
    assert result["compared"] > 3 * 300  # every model of three pages
    assert result["unset"] == ["UnsetValueError", "UnsetValueError"]
