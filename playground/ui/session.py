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


def is_connected(doc: Document | None) -> bool:
    """Whether a browser is connected to ``doc``'s session right now.

    Bokeh destroys a session only 15–35 s after its page is closed (its
    ``unused-session-lifetime`` and check interval); a lab that works periodically
    asks this every frame instead and stops at once.  Reads Bokeh's session object
    (``session_context._session``, private: ``True`` when it cannot tell, so that a
    change in Bokeh never stops a page that is open)."""
    context = getattr(doc, "session_context", None)
    session = getattr(context, "_session", None)
    count = getattr(session, "connection_count", None)
    return True if count is None else count > 0
