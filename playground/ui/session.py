"""Handing work from a background thread back to a browser session, and running a
session's slow work off the server's event loop (:class:`Worker`)."""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import sys
import threading
import weakref
from collections.abc import Callable

from bokeh.document import Document
from tornado.ioloop import IOLoop

log = logging.getLogger(__name__)

class FairSlots:
    """A semaphore of ``slots`` that serves its waiters first come, first served, and
    lets long work hand its slot on between two parts (:meth:`pass_on`).

    ``threading.Semaphore`` lets the thread that releases take its slot straight back
    before a woken waiter runs: a page opened while another page computes a family of
    networks (tens of seconds on a cold cache) would wait for all of it.  Use as a
    context manager (``with SLOW_WORK_SLOTS:``).
    """

    def __init__(self, slots: int):
        if slots < 1:
            raise ValueError(f"slots must be at least 1, not {slots}")
        self._condition = threading.Condition()
        self._free = slots
        self._queue: collections.deque = collections.deque()  # waiting threads' tickets

    def acquire(self):
        ticket = object()
        with self._condition:
            self._queue.append(ticket)
            try:
                while self._queue[0] is not ticket or self._free == 0:
                    self._condition.wait()
            except BaseException:  # never a ticket left at the head, blocking the rest
                self._queue.remove(ticket)
                self._condition.notify_all()
                raise
            self._queue.popleft()
            self._free -= 1
            self._condition.notify_all()  # the next in line, if a slot is left

    def release(self):
        with self._condition:
            self._free += 1
            self._condition.notify_all()

    def waiting(self) -> int:
        """How many threads wait for a slot."""
        with self._condition:
            return len(self._queue)

    def pass_on(self):
        """Held between two parts of long work: when others wait, they go first, and
        this thread takes a slot again behind them."""
        if self.waiting():
            self.release()
            self.acquire()

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *_exc):
        self.release()


#: Pages prepared and slow work (compiling a network or a formula, parsing a file) run
#: this many at a time in the process, whichever sessions ask: each takes a core and
#: ~100 MB while it compiles.  Five pages compiling at once took a server past 1.7 GB
#: and stopped a training page for 28 s (benchmarks/README.md); at most half the cores
#: leaves the rest to the pages that train and to the event loop.  Long work (the
#: bias–variance lab's family of fits) hands its slot on between parts.
SLOW_WORK_SLOTS = FairSlots(max(1, (os.cpu_count() or 2) // 2))
#: The seconds of work a link may ask of its page's first picture while the page is
#: prepared (``LabState.precompute``): the page does the rest, in chunks that a closed
#: page stops.  A link of 5,000 epochs of a heavy network, trained whole there, held
#: this slot for minutes and every page opened meanwhile waited (issue #9).
PREPARE_BUDGET_S = 2.0


class LockedWeakKeyDictionary(weakref.WeakKeyDictionary):
    """A ``WeakKeyDictionary`` that other threads may add to while one iterates it:
    additions wait for a lock, and ``keys``/``values``/``items`` are lists made under it.

    For Panel's registry of links and JavaScript callbacks (``panel.links.Callback.
    registry``, process-wide): pages are built on threads (their ``jscallback``s add to
    it) while the event loop renders another page, whose ``_process_callbacks`` iterates
    it; the loop then raised "dictionary changed size during iteration" and that page
    never opened (seen in a browser test run).
    """

    def __init__(self, *args):
        self._lock = threading.RLock()
        super().__init__(*args)

    def __setitem__(self, key, value):
        with self._lock:
            super().__setitem__(key, value)

    def __delitem__(self, key):
        with self._lock:
            super().__delitem__(key)

    def pop(self, key, *default):
        with self._lock:
            return super().pop(key, *default)

    def keys(self):
        with self._lock:
            return list(super().keys())

    def values(self):
        with self._lock:
            return list(super().values())

    def items(self):
        with self._lock:
            return list(super().items())

    def __iter__(self):
        return iter(self.keys())


def make_panel_links_thread_safe():
    """Panel's registry of links and callbacks becomes a ``LockedWeakKeyDictionary``
    (once per process: ``configure_process``)."""
    from panel.links import Callback

    if not isinstance(Callback.registry, LockedWeakKeyDictionary):
        Callback.registry = LockedWeakKeyDictionary(Callback.registry)


def forget_links(objects) -> int:
    """Drop Panel's links and JavaScript callbacks whose source is one of ``objects`` (a
    closed page's); returns how many sources.

    The registry (``panel.links.Callback.registry``) is keyed weakly by source, but its
    values hold their keys alive: ``speed.jslink(player)`` keeps the player, whose
    watchers hold the lab's methods, and the lab holds ``speed``.  Every MLP and optimizer
    page ever opened stayed in the server's memory until this ran at a page's end."""
    from panel.links import Callback

    mine = {id(o) for o in objects}
    sources = [key for key in list(Callback.registry) if id(key) in mine]
    for key in sources:
        Callback.registry.pop(key, None)
    return len(sources)


def _link_rendered_callbacks(cls, root_view, root_model, changed=None, old_models=None):
    """Panel's ``Callback._process_callbacks`` (a preprocessing hook, run at every change
    of a layout's children), without walking the page.

    Panel's looks for the links' and JavaScript callbacks' sources among every Panel
    object *and every Bokeh model* of the page (``root_model.select``: all ~900 models
    of an MLP page, four times while a page opens, ≈ 0.3 s of the event loop that every
    page shares; benchmarks/README.md).  A source is in the page exactly when Panel made
    a model for it under this root (``ref in source._models``), which needs no walk; the
    registry (every page's sources, a few dozen each) is gone through instead.  Each
    link is then given to Panel's own generator, which skips one already on its model
    (as Panel's own pass does, which gives it every link of the page each time).

    Links whose source or target is a bare Bokeh model (not a Panel object) can only be
    found by the walk, and HoloViews' plots need Panel's own pass: for those Panel's."""
    if not root_model:
        return
    from bokeh.model import Model
    from panel.reactive import Reactive

    registry = list(cls.registry.items())
    if "holoviews" in sys.modules or any(
            isinstance(source, Model) or isinstance(getattr(link, "target", None), Model)
            for source, links in registry for link in links):
        return _PANEL_PROCESS_CALLBACKS.__func__(cls, root_view, root_model, changed,
                                                 old_models)
    ref = root_model.ref["id"]
    for source, links in registry:
        if not isinstance(source, Reactive) or ref not in source._models:
            continue  # another page's, or not in this page (now)
        for link in list(links):
            target = getattr(link, "target", None)
            if link._requires_target and target is None:
                continue
            if target is not None and ref not in getattr(target, "_models", [ref]):
                continue  # its target is not in this page (yet): when it joins
            cls._callbacks[type(link)](root_model, link, source, target, arg_overrides={})


_PANEL_PROCESS_CALLBACKS = None  # Panel's own, kept by ``link_callbacks_without_a_walk``


def link_callbacks_without_a_walk():
    """Panel's pass that puts the links' and JavaScript callbacks' code on their models
    becomes ``_link_rendered_callbacks`` (once per process: ``configure_process``)."""
    global _PANEL_PROCESS_CALLBACKS
    from panel.links import Callback
    from panel.viewable import Viewable

    if _PANEL_PROCESS_CALLBACKS is not None:
        return
    _PANEL_PROCESS_CALLBACKS = Callback.__dict__["_process_callbacks"]
    panels = Callback._process_callbacks  # the bound method Panel registers as a hook
    Callback._process_callbacks = classmethod(_link_rendered_callbacks)
    hooks = Viewable._preprocessing_hooks
    hooks[:] = [Callback._process_callbacks if hook == panels else hook for hook in hooks]


class _ModelsByChange:
    """Bokeh's ``DocumentModelManager`` methods that keep a page's set of models up to
    date from each change instead of walking the whole page (``attach_new_models_only``).

    The set is exactly the models reachable from the document's roots.  A property
    change whose old value's models are all still in its new value removes nothing: the
    models now reachable are the old ones plus those reachable from the added values
    that are not yet in the document.  Any other change (a model dropped or replaced,
    a root added or removed, a caller that asks for it) recomputes the whole set as
    Bokeh does."""

    full = False  # a change that may have removed models is waiting
    added: list | None = None  # values newly referenced by changes waiting

    @staticmethod
    def note(models, old, new):
        """A property of a model in the document changed from ``old`` to ``new``
        (either holds models); applied now unless the set is frozen."""
        from bokeh.model.util import visit_value_and_its_immediate_references

        if not models.__dict__.get("_pg_full", False):
            before, after = {}, {}
            visit_value_and_its_immediate_references(old, lambda m: before.setdefault(id(m), m))
            visit_value_and_its_immediate_references(new, lambda m: after.setdefault(id(m), m))
            if before.keys() <= after.keys():
                models.__dict__.setdefault("_pg_added", []).extend(
                    m for key, m in after.items() if key not in before)
            else:
                models._pg_full = True
        if models._freeze_count == 0:
            _ModelsByChange.flush(models)

    @staticmethod
    def flush(models):
        from bokeh.model.util import collect_filtered_models

        full = models.__dict__.pop("_pg_full", False)
        added = models.__dict__.pop("_pg_added", [])
        if full:
            _BOKEH_RECOMPUTE(models)
            return
        document = models._document()
        if document is None or not added:
            return
        known = models._models
        for model in collect_filtered_models(lambda m: m.id in known, *added):
            known[model.id] = model
            if model.name is not None:
                models._models_by_name.add_value(model.name, model)
            model._attach_document(document)
            models._new_models.add(model)

    @staticmethod
    def invalidate(models):
        models._pg_full = True
        if models._freeze_count == 0:
            _ModelsByChange.flush(models)

    @staticmethod
    def pop_freeze(models):
        models._freeze_count -= 1
        if models._freeze_count == 0:
            _ModelsByChange.flush(models)

    @staticmethod
    @contextlib.contextmanager
    def freeze(models):  # the document's own uses: its roots change
        models._push_freeze()
        try:
            yield
        finally:
            models._pg_full = True
            _ModelsByChange.pop_freeze(models)

    @staticmethod
    def trigger(model, attr, old, new, hint=None, setter=None):
        """Bokeh's ``Model.trigger`` with ``note`` in place of ``invalidate``."""
        from bokeh.model import Model
        from bokeh.model.util import visit_value_and_its_immediate_references

        if hint is None and model._document is not None:
            dirty = []
            visit_value_and_its_immediate_references(new, dirty.append)
            visit_value_and_its_immediate_references(old, dirty.append)
            if dirty:
                _ModelsByChange.note(model.document.models, old, new)
        descriptor = model.lookup(attr)
        super(Model, model).trigger(descriptor.name, old, new, hint=hint, setter=setter)


_BOKEH_RECOMPUTE = None  # Bokeh's own, kept by ``attach_new_models_only``


def attach_new_models_only():
    """Bokeh recomputes a page's whole set of models (every property of every model:
    40–90 ms for an MLP page on the event loop all pages share) after each change that
    adds a model to it, so once per step that joins a lab's part to its page; here a
    change that only adds models attaches just the new ones (``_ModelsByChange``; once
    per process: ``configure_process``)."""
    global _BOKEH_RECOMPUTE
    from bokeh.document.models import DocumentModelManager
    from bokeh.model import Model

    if _BOKEH_RECOMPUTE is not None:
        return
    if not all(hasattr(DocumentModelManager, name) for name in
               ("recompute", "invalidate", "freeze", "_push_freeze", "_pop_freeze")):
        log.warning("this Bokeh keeps a page's models otherwise: its own walk is kept")
        return
    _BOKEH_RECOMPUTE = DocumentModelManager.recompute
    DocumentModelManager.invalidate = _ModelsByChange.invalidate
    DocumentModelManager._pop_freeze = _ModelsByChange.pop_freeze
    DocumentModelManager.freeze = _ModelsByChange.freeze
    Model.trigger = _ModelsByChange.trigger


_BOKEH_QUERY = None  # Bokeh's own, kept by ``serialize_set_values_only``


def serialize_set_values_only():
    """Bokeh serialises a model (every new model of a page, in the message that sends
    it) by reading every property, defaults included, and only then dropping those not
    sent (``HasProps.query_properties_with_values``; its own TODO says so): each default
    is made and validated again, 0.16 s of the 0.31 s in which the event loop joined an
    MLP page's pictures (issue #9 item 4).  Here a property that would be dropped is
    not read at all, unless it may have no value (no default: reading it is Bokeh's
    check that every property is set, kept).  What is sent is the same (``tests/ui/
    test_session.py`` compares both on every model of each lab's page).  Once per
    process: ``configure_process``."""
    global _BOKEH_QUERY
    from bokeh.core.has_props import HasProps

    if _BOKEH_QUERY is not None:
        return
    if not hasattr(HasProps, "query_properties_with_values"):
        log.warning("this Bokeh serialises models otherwise: its own way is kept")
        return
    _BOKEH_QUERY = HasProps.query_properties_with_values
    HasProps.query_properties_with_values = _query_set_values


def _query_set_values(model, query, *, include_defaults=True, include_undefined=False):
    """``HasProps.query_properties_with_values`` that, without defaults, skips what Bokeh's
    would read and then drop: a property neither set, nor an unstable default, nor
    themed, that has a default (so reading it could not fail)."""
    if include_defaults:
        return _BOKEH_QUERY(model, query, include_defaults=True,
                            include_undefined=include_undefined)
    sent = set(model._property_values) | set(model._unstable_default_values)
    themed = model.themed_values()
    if themed is not None:
        sent |= set(themed)
    return _BOKEH_QUERY(
        model, lambda descriptor: query(descriptor) and (
            descriptor.name in sent or not _has_default(descriptor)),
        include_defaults=False, include_undefined=include_undefined)


def _has_default(descriptor) -> bool:
    from bokeh.core.property.singletons import Undefined

    prop = getattr(descriptor, "property", None)
    return prop is not None and getattr(prop, "_default", Undefined) is not Undefined


def _reopening_the_queue(dispatch):
    """Panel's ``_dispatch_msgs`` that first reopens a page's closed queue when messages
    still wait in it (see ``send_every_queued_message``)."""
    from panel.io import document

    async def dispatch_msgs(doc):
        if doc not in document._WRITE_BLOCK and document._WRITE_MSGS.get(doc):
            document._WRITE_BLOCK[doc] = True  # (a destroyed page's queue is gone: skipped)
        await dispatch(doc)

    dispatch_msgs.reopens, dispatch_msgs.__wrapped__ = True, dispatch
    return dispatch_msgs


def send_every_queued_message():
    """Panel 1.9's queue of a page's outgoing messages (``panel.io.document``) could
    keep one for good.  A message queued in the loop iteration in which the dispatch
    before it finished its last write found that dispatch then closing the queue
    (``_WRITE_BLOCK``), and its own dispatch returned at once.  The browser never got
    it until something else changed: pages that never showed their last part
    (``pg-complete``) with the server idle, in three CI runs; ``tests/ui/
    test_session.py`` plays the race.  Panel's queue was rewritten after 1.9.4; until
    then a dispatch reopens a queue that still holds messages (once per process:
    ``configure_process``; a Panel without that queue is left as it is)."""
    from panel.io import document

    dispatch = getattr(document, "_dispatch_msgs", None)
    if (dispatch is None or not hasattr(document, "_WRITE_MSGS")
            or getattr(dispatch, "reopens", False)):
        return
    document._dispatch_msgs = _reopening_the_queue(dispatch)


def keep_browser_changes_held_before_load():
    """Panel 1.9.4 drops the model changes a ``hold()`` collected when it ends before
    the page has loaded (``_drain_unconnected_events``, holoviz/panel#8698), on the
    ground that the page gets the whole document anyway.  Two kinds of change are lost:

    - a change the *browser* sent meanwhile (a component's script setting a value as it
      first draws) is applied to its model but reaches its Panel object only when the
      event is dispatched: the tab's uploaded lesson, sent as the page draws, was lost
      in about one CI run in four;
    - the server's own change, once the browser has fetched the document: "loaded" is
      the browser's ``document_ready``, sent when the page has drawn, so a reply to the
      browser's change made before then never reached the page (a CI run, where the
      browser was slow to say it was ready).

    A page's lab is built on a thread that holds the page's document now and then, so
    both happen.  Here the browser's changes of a drained hold, and all its model changes
    once a browser is connected to the page, are dispatched on the server's loop (once
    per process: ``configure_process``; a Panel without that drain is left as it is).
    ``tests/browser/test_page_load_browser.py`` plays both races in a browser,
    ``tests/ui/test_session.py`` the drain itself."""
    from panel.io import document

    drain = getattr(document, "_drain_unconnected_events", None)
    if drain is None or getattr(drain, "keeps_browser_changes", False):
        return
    document._drain_unconnected_events = _keeping_browser_changes(drain)


def _keeping_browser_changes(drain):
    """Panel's ``_drain_unconnected_events`` that hands the loop the drained events a page
    needs (see ``keep_browser_changes_held_before_load``): the browser's changes (a
    ``ModelChangedEvent`` with a setter: the session that applied the browser's patch)
    and, while a browser is connected, every model change but Panel's messages (which
    Panel keeps for the page itself)."""
    from bokeh.document.events import DocumentPatchedEvent, MessageSentEvent, ModelChangedEvent

    def drain_keeping_browser_changes(doc, lock):
        context = doc.session_context
        session = getattr(context, "_session", None)
        connected = bool(getattr(session, "_subscribed_connections", None))
        with lock:  # the events the drain sorts, no more, no fewer (it runs on two threads)
            held = list(doc.callbacks._held_events or ())
            dispatch = drain(doc, contextlib.nullcontext())
        theirs = [e for e in held
                  if (isinstance(e, ModelChangedEvent) and e.setter is not None)
                  or (connected and isinstance(e, DocumentPatchedEvent)
                      and not isinstance(e, MessageSentEvent))]
        if theirs:
            loop = getattr(session, "_loop", None)

            def dispatch_theirs():  # a hold then holds them again, to dispatch on its end
                for event in theirs:
                    doc.callbacks.trigger_on_change(event)

            def on_the_loop():
                if doc.session_context is not None:  # (None: the page closed meanwhile)
                    dispatch_theirs()

            if loop is None:
                dispatch_theirs()
            else:  # (the drain may run on a page's thread: the loop's method is safe)
                # With the session's lock, as Bokeh runs every change of a page: its
                # session sends a change only then (without it, now and then, "_pending_
                # writes should be non-None" in the log).  Not a next-tick callback: one
                # added under a hold is an event the next drain drops.
                loop.add_callback(session.with_document_locked, on_the_loop)
        return dispatch

    drain_keeping_browser_changes.keeps_browser_changes = True
    drain_keeping_browser_changes.__wrapped__ = drain
    return drain_keeping_browser_changes


@contextlib.contextmanager
def _record_no_modules(applications=None, handler=None):
    yield


def record_no_modules_per_page():
    """Panel records the modules each page's script imports (for ``--autoreload``) by
    diffing ``sys.modules`` around the script and looking each new name up: a thread
    building another page that imported JAX's modules meanwhile made a name vanish
    between the two (``KeyError``, a 500 for that page).  Served without autoreload
    there is nothing to record (once per process: ``configure_process``)."""
    import panel.io.handlers
    from panel.config import config

    if not config.autoreload:
        panel.io.handlers.record_modules = _record_no_modules


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
        try:
            doc.add_next_tick_callback(fn)
        except (AttributeError, RuntimeError):  # Bokeh's ended document: it refuses, or
            # has deleted its callback lists
            log.info("a callback for a page whose session had ended was dropped")
        except Exception:  # not known to happen: said in full
            log.warning("a callback for a page could not be scheduled; dropped",
                        exc_info=True)

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


class Abandoned(Exception):
    """Work run in parts is no longer wanted (raised by ``Worker``'s ``part`` between
    two parts): a later request for its key waits, or its page closed."""


class Worker:
    """One session's slow work off the server's event loop, the latest request winning.

    Every page of a server shares one event loop: a compilation or a training chunk of
    seconds run on it stops every other page's updates for as long.  ``submit(key,
    work, apply)`` runs ``work()`` on a thread and then ``apply(result)`` on the
    session's thread (``next_tick_from_any_thread``).  Per ``key`` one thread runs at a
    time; a request made meanwhile waits, and only the latest one waiting is run, so
    the last setting wins and a result that a later request made stale is dropped.
    A session whose page is closed applies nothing (logged at debug level).

    Work of many seconds runs in parts (``submit(…, progress=…)``): between two parts
    it says how far it is, and it stops there once it is no longer wanted, so that the
    server's computing goes to requests and pages still waiting for theirs.

    ``on_error(exc)`` (the session's thread) hears what a ``work`` or an ``apply``
    raised, after it was logged with its traceback: never silent.  ``on_busy(busy)``
    (the session's thread) hears when work starts and when no work is left, for the
    page's "compiling…" line.  Without a session (``attach`` not called: no server,
    the tests) ``submit`` runs both at once, and what they raise propagates.
    """

    def __init__(self, on_error: Callable[[BaseException], None],
                 on_busy: Callable[[bool], None] = lambda busy: None, name: str = "work"):
        self.on_error, self.on_busy, self.name = on_error, on_busy, name
        self.doc: Document | None = None
        self._next_tick = None
        self._running: set = set()  # keys whose thread runs
        self._waiting: dict = {}  # key → the latest request submitted meanwhile

    def attach(self, doc: Document):
        """In the live page (the session's thread): work goes to threads from now on."""
        self.doc, self._next_tick = doc, next_tick_from_any_thread(doc)

    def closed(self) -> bool:
        """Whether its page has closed (no browser connected to it: ``is_connected``);
        False before it is in a page."""
        return self.doc is not None and not is_connected(self.doc)

    def busy(self, key=None) -> bool:
        """Whether work for ``key`` (any key: None) runs or waits."""
        keys = self._running | set(self._waiting)
        return bool(keys) if key is None else key in keys

    def submit(self, key, work: Callable, apply: Callable[[object], None],
               progress: Callable[[float], None] | None = None,
               failed: Callable[[BaseException], None] | None = None):
        """``apply(work())``: ``work`` on a thread, ``apply`` on the session's thread;
        what ``work`` or ``apply`` raised goes to ``failed`` (default: ``on_error``).

        With ``progress``, ``work`` runs in parts: it is called as ``work(part)`` and
        calls ``part(done, parts)`` between two parts, which hands ``progress(done /
        parts)`` to the session's thread, lets a page being opened go first
        (``SLOW_WORK_SLOTS.pass_on``), and raises ``Abandoned`` once a later request
        for ``key`` waits or the page has closed."""
        if self.doc is None:
            apply(work(lambda done, parts: progress(done / parts)) if progress else work())
            return
        if key in self._running:
            self._waiting[key] = (work, apply, progress, failed)  # replaces an older one
            return
        if not self.busy():
            self.on_busy(True)
        self._start(key, work, apply, progress, failed)

    def _part(self, key, progress: Callable[[float], None]):
        """``part(done, parts)`` for work on ``key``'s thread (see ``submit``)."""
        def part(done: int, parts: int):
            if key in self._waiting or not is_connected(self.doc):
                raise Abandoned
            SLOW_WORK_SLOTS.pass_on()
            self._next_tick(lambda: progress(done / parts) if key not in self._waiting
                            else None)
        return part

    def _start(self, key, work, apply, progress=None, failed=None):
        self._running.add(key)

        def run():  # the thread
            try:
                with SLOW_WORK_SLOTS:
                    result = work(self._part(key, progress)) if progress else work()
                    error = None
            except Abandoned as e:
                log.debug("%s (%r) abandoned between two parts", self.name, key)
                result, error = None, e
            except Exception as e:
                log.exception("%s (%r) failed on its thread", self.name, key)
                result, error = None, e
            self._next_tick(lambda: self._done(key, apply, result, error,
                                               failed or self.on_error))

        threading.Thread(target=run, name=f"playground-{self.name}", daemon=True).start()

    def _done(self, key, apply, result, error, failed):  # the session's thread
        self._running.discard(key)
        if not is_connected(self.doc):
            self._waiting.clear()
            log.debug("%s (%r) finished after its page closed: dropped", self.name, key)
        elif key in self._waiting:  # a later request: this result is stale
            self._start(key, *self._waiting.pop(key))
            return
        elif isinstance(error, Abandoned):
            pass  # (no longer wanted: nothing waits, said where it was raised)
        elif error is not None:
            failed(error)
        else:
            try:
                apply(result)
            except Exception as e:
                log.exception("applying %s (%r) failed", self.name, key)
                failed(e)
        if not self.busy():
            self.on_busy(False)


def _closed_connection_handler(previous):
    """An asyncio exception handler that logs a closed connection at debug level."""
    from tornado.iostream import StreamClosedError
    from tornado.websocket import WebSocketClosedError

    def handle(loop, context):
        if isinstance(context.get("exception"), WebSocketClosedError | StreamClosedError):
            log.debug("a message to a page that had closed was not sent (%s)",
                      context.get("message"))
        elif previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    handle.quiets_closed_connections = True
    return handle


def quiet_closed_connections():
    """On the server's event loop (call on its thread): a page closed while messages
    were being sent to it is logged at debug level, not as an error.

    Panel 1.9 writes each message as several websocket frames (``dispatch_tornado``);
    when the page closes between two of them, the next write raises, and the write
    already started and Panel's sending task end with ``WebSocketClosedError`` that
    no one awaits: asyncio logged "Task exception was never retrieved" with two
    tracebacks for a tab closed while its page loaded.  Every other exception goes
    to the handler there was before (asyncio's default: logged as an error).
    """
    import asyncio

    loop = asyncio.get_event_loop()
    previous = loop.get_exception_handler()
    if not getattr(previous, "quiets_closed_connections", False):
        loop.set_exception_handler(_closed_connection_handler(previous))


def tolerate_connections_lost_twice():
    """Bokeh 3.9: a socket whose keep-alive ping already failed closes without an
    ``AssertionError`` traceback in the log (call once per process).

    Bokeh's keep-alive job pings every connection; one whose socket has just closed
    raises, and the job then detaches its session (``BokehTornado.client_lost``).
    When tornado then reports the close, ``WSHandler.on_close`` asks that connection
    for its session and asserts it has one: "Uncaught exception GET /app/ws" with a
    traceback, seen for tabs of a class closed while their pages were being built
    (the loop busy, the close event late).  The connection is already lost: log it at
    debug level and skip the second clean-up.  Reads Bokeh's private
    ``ServerConnection._session``; without it, Bokeh's own ``on_close`` runs.
    """
    from bokeh.server.views.ws import WSHandler

    original = WSHandler.on_close
    if getattr(original, "tolerates_lost_connections", False):
        return

    def on_close(self):
        connection = getattr(self, "connection", None)
        if connection is not None and getattr(connection, "_session", True) is None:
            log.debug("a connection that Bokeh's keep-alive had already lost closed")
            return
        original(self)

    on_close.tolerates_lost_connections = True
    WSHandler.on_close = on_close


def drop_messages_from_closed_pages():
    """Bokeh 3.9: a message that a closing page sent, handled after its connection lost
    its session, is dropped at debug level, not logged as an error with a traceback
    (call once per process).

    Tornado hands a socket's messages to ``WSHandler.on_message`` as tasks; a tab closed
    while its page settles sends a last few (a plot's new size, a link's new address),
    and when the close is handled first, Bokeh's handler for each asks the connection
    for its session and asserts it has one: "error handling message" and an
    ``AssertionError`` traceback per message, seen when a class's tabs closed while
    their pages loaded.  No one is there to read a reply.  Reads Bokeh's private
    ``ServerConnection._session``; the check and Bokeh's read of it run in one step
    of the event loop, so the session cannot go in between.
    """
    from bokeh.server.views.ws import WSHandler

    original = WSHandler._handle
    if getattr(original, "drops_messages_from_closed_pages", False):
        return

    async def _handle(self, message):
        connection = getattr(self, "connection", None)
        if connection is not None and getattr(connection, "_session", True) is None:
            log.debug("a message from a page that had closed was dropped (%s)",
                      getattr(message, "msgtype", message))
            return None
        return await original(self, message)

    _handle.drops_messages_from_closed_pages = True
    WSHandler._handle = _handle
