"""Handing a background thread's result back to a session (``playground.ui.session``)."""

import asyncio
import threading

from playground.ui.session import next_tick_from_any_thread


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
            if ran or doc.ended:
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


def test_is_connected_reads_the_sessions_connections():
    from types import SimpleNamespace

    from playground.ui.session import is_connected

    def doc(count):
        return SimpleNamespace(session_context=SimpleNamespace(
            _session=SimpleNamespace(connection_count=count)))

    assert is_connected(doc(1)) and not is_connected(doc(0))
    # Where Bokeh's private attribute is missing, never stop an open page.
    assert is_connected(None) and is_connected(SimpleNamespace(session_context=None))
