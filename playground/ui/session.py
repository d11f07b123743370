"""Handing work from a background thread back to a browser session."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from bokeh.document import Document
from tornado.ioloop import IOLoop


def next_tick_from_any_thread(doc: Document) -> Callable[[Callable[[], None]], None]:
    """``schedule(fn)``, callable from any thread, runs ``fn`` on ``doc``'s next tick.

    Call this on the session's thread (it notes the server's loop).  Bokeh's
    ``add_next_tick_callback`` is not safe from another thread while Panel may hold
    the document: the callback can join a list of held events that the server's
    thread is emptying at that moment, and be lost.  So the thread hands over to the loop,
    which then adds the callback.  A session that has ended meanwhile is skipped.
    """
    loop = IOLoop.current()

    def add(fn):
        with contextlib.suppress(Exception):  # the session may have ended
            doc.add_next_tick_callback(fn)

    return lambda fn: loop.add_callback(add, fn)
