"""``panel serve`` that notes when it sends each page a message: the server's side of a
page's updates, apart from the browser that draws them.

    python benchmarks/send_log.py SENDS [SAMPLES] -- serve app.py --port 5100 ...

Writes one line per Bokeh protocol message sent to a page (Bokeh's
``WSHandler.send_message`` and Panel's ``dispatch_tornado``, through which Panel sends
the document's changes; before the message's frames are written): the time in ms since
the epoch (``time.time() * 1000``, comparable with a browser's ``performance.timeOrigin
+ performance.now()``), a tab, and the page's connection number (0 for the first page
that connected, then 1, 2, …).
``bench_stall.py --sends`` reads it: a gap between two messages to page A while A plays
is a pause of the server (its event loop or A's training thread), whatever A's browser
did with them.  With ``SAMPLES``, ``loop_sampler.py``'s samples of the event loop too
(``loop_sampler.py report SAMPLES --start MS --end MS`` reads a window of them).  Used for
issue #9 item 4 (benchmarks/README.md).  Each garbage collection of 10 ms or more is
noted in ``SENDS.gc`` (``note_collections``).
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path


def serve(sends: str, panel_args: list[str], samples: str | None = None):
    import panel.io.document
    from bokeh.server.views.ws import WSHandler

    out = open(sends, "w", buffering=1)  # noqa: SIM115 (open while serving; line-buffered)
    numbers = itertools.count()

    def note(socket):
        if not hasattr(socket, "_pg_number"):
            socket._pg_number = next(numbers)
        out.write(f"{time.time() * 1000:.1f}\t{socket._pg_number}\n")

    send_message = WSHandler.send_message
    dispatch_tornado = panel.io.document.dispatch_tornado

    async def noted_send_message(self, message):
        note(self)
        return await send_message(self, message)

    def noted_dispatch_tornado(conn, events=None, msg=None):
        note(conn._socket)
        return dispatch_tornado(conn, events, msg)

    WSHandler.send_message = noted_send_message
    panel.io.document.dispatch_tornado = noted_dispatch_tornado  # looked up at each call
    note_collections(sends + ".gc")
    if samples:
        from loop_sampler import start_sampler

        start_sampler(samples)
    from panel.command import main

    sys.argv = ["panel", *panel_args]
    main()


def note_collections(path: str, least_ms: float = 10.0):
    """Each garbage collection of ``least_ms`` or more as a line of ``path``: its start
    (ms since the epoch), its length (ms), its generation, the thread it ran on (a
    collection holds Python's lock: every thread, the event loop too, waits for it),
    the thread's CPU time in it (ms: less than its length when the thread had no core),
    the objects it found unreachable, and the Python function it ran under
    (``gc.collect`` called, or where an allocation set it off).  Not the oldest
    generation's size: ``gc.get_objects()`` in a callback holds a reference to every
    object, a tuple that another thread is still building among them, whose next step
    then failed ("SystemError: bad argument to internal function", in a lab's training
    thread)."""
    import gc
    import sys
    import threading

    out = open(path, "w", buffering=1)  # noqa: SIM115 (open while serving)
    started = {}

    def on_collection(phase, info):
        now, cpu = time.time() * 1000, time.thread_time() * 1000
        if phase == "start":
            started[threading.get_ident()] = now, cpu
            return
        begun, cpu_begun = started.pop(threading.get_ident(), (now, cpu))
        if now - begun >= least_ms:
            try:
                frame = sys._getframe(1)
                where = f"{Path(frame.f_code.co_filename).name}:{frame.f_code.co_name}"
            except ValueError:  # a collection at the interpreter's exit: no caller
                where = "(exit)"
            out.write(f"{begun:.1f}\t{now - begun:.1f}\t{info['generation']}\t"
                      f"{threading.current_thread().name}\t{cpu - cpu_begun:.1f}\t"
                      f"{info['collected']}\t{where}\n")

    gc.callbacks.append(on_collection)


def read(sends: str, connection: int) -> list[float]:
    """The times (ms since the epoch) of the messages sent to ``connection``."""
    times = []
    with open(sends) as f:
        for line in f:
            try:
                t, n = line.rstrip("\n").split("\t")
            except ValueError:  # a line cut short by the server's end
                continue
            if int(n) == connection:
                times.append(float(t))
    return times


def main():
    if len(sys.argv) < 3 or "--" not in sys.argv:
        sys.exit(__doc__)
    cut = sys.argv.index("--")
    serve(sys.argv[1], sys.argv[cut + 1:], sys.argv[2] if cut == 3 else None)


if __name__ == "__main__":
    main()
