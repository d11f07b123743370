"""The server process's settings, made in one explicit place: ``configure_process``
(which ``ui.shell.serve`` calls before the first page) and the two that follow a lab's
first import on a page's prepare thread, since they need JAX
(``enable_compilation_cache``, ``freeze_imports``); and the labs' warm-up, once per
process.  Importing this module changes nothing in the process.
"""

from __future__ import annotations

import faulthandler
import gc
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from .. import compute_on_the_cpu, one_xla_thread_per_computation
from . import memory
from .lab import Lab
from .session import (
    attach_new_models_only,
    drop_messages_from_closed_pages,
    keep_browser_changes_held_before_load,
    link_callbacks_without_a_walk,
    make_panel_links_thread_safe,
    record_no_modules_per_page,
    send_every_queued_message,
    serialize_set_values_only,
    tolerate_connections_lost_twice,
)

log = logging.getLogger(__name__)

#: JAX's persistent compilation cache (a restarted server skips most compilation).
CACHE_DIR = Path(os.environ.get("PLAYGROUND_JAX_CACHE",
                                Path.home() / ".cache" / "playground-jax"))

#: One thread at a time imports a lab's modules (and JAX with them).  A lesson's link
#: imports the labs its steps name on the session's thread while a page's thread may be
#: importing JAX: two threads in JAX's circular imports met a half-made ``jax.numpy``
#: ("cannot import name 'tanh' from partially initialized module"), and the page failed.
IMPORTS_LOCK = threading.RLock()

# What is done once per server process (not per page), under one lock.
_once_lock = threading.Lock()
_warmed_labs: set[type] = set()  # labs whose warm-up has started
_frozen_labs: set[str] = set()  # labs whose imports are frozen
_process_configured = False


def configure_process():
    """The server process's settings, once, before the first page and the first JAX
    computation (``ui.shell.serve`` calls it).  Two more follow a lab's first import, on
    a page's prepare thread, since they need JAX: ``enable_compilation_cache`` and
    ``freeze_imports``."""
    global _process_configured
    with _once_lock:
        if _process_configured:
            return
        _process_configured = True
    one_xla_thread_per_computation()
    compute_on_the_cpu()  # the playground's small programs: faster there than on a GPU
    # Figures for both in benchmarks/README.md ("Where the server-start time goes").
    # The lab's threads and the event loop share Python's lock: hand it over in 0.5 ms.
    sys.setswitchinterval(0.0005)
    # The imports' long-lived objects out of the collector's sight; fewer young collections.
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    # JAX keeps every compiled program: past a budget they are released (ui.memory).
    memory.BUDGET.limit_mb = memory.SERVER_LIMIT_MB
    memory.BUDGET.resident_limit_mb = memory.SERVER_RESIDENT_LIMIT_MB
    # `panel serve` logs Bokeh at INFO and the rest at WARNING: the operator sees ours too.
    logging.getLogger("playground").setLevel(logging.INFO)
    tolerate_connections_lost_twice()  # a Bokeh race logged a traceback per closed tab
    drop_messages_from_closed_pages()  # and another one, per message it sent last
    make_panel_links_thread_safe()  # pages are built on threads while others render
    link_callbacks_without_a_walk()  # Panel's pass walked every model of the page
    attach_new_models_only()  # and Bokeh's walked it again after each change
    serialize_set_values_only()  # Bokeh made every default to send a new model
    record_no_modules_per_page()  # Panel's autoreload bookkeeping raced those threads
    send_every_queued_message()  # Panel 1.9's queue of a page's messages kept one
    keep_browser_changes_held_before_load()  # Panel 1.9.4 dropped some before a page loaded
    # `kill -USR1 <pid>` prints every thread's stack to stderr: what a stuck server waits on.
    if hasattr(signal, "SIGUSR1"):
        faulthandler.register(signal.SIGUSR1, all_threads=True)


def enable_compilation_cache():
    """JAX's persistent cache: a restarted server skips most compilation.  A process
    setting made here, on the thread that prepares a page (or the ``figure``/``export``
    command's), not in ``configure_process``: it imports JAX, which a page's first answer
    does not wait for."""
    with IMPORTS_LOCK:  # JAX's first import, as a lab's (``ui.shell.lab_class``)
        import jax

    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        jax.config.update("jax_compilation_cache_dir", str(CACHE_DIR))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    except OSError:  # a read-only home: run without the cache
        log.warning("no JAX compilation cache at %s", CACHE_DIR, exc_info=True)


def start_background_warmup(lab: type[Lab]):
    """Once per lab and server process: ``lab.warm_up()`` in a background thread."""
    with _once_lock:
        if lab in _warmed_labs:
            return
        _warmed_labs.add(lab)

    def warm_up():
        try:
            lab.warm_up()
        except Exception:  # (a page compiles what it needs itself)
            log.exception("warming up %s failed", lab.__name__)

    threading.Thread(target=warm_up, name="playground-warmup", daemon=True).start()


def freeze_imports(lab_key: str):
    """Once per lab and process, after its modules (and JAX) are imported: move every
    object alive now out of the garbage collector's generations (``gc.freeze``).

    Those are the modules' objects, which live as long as the server, and the
    handful of the pages being served at that moment, which are then freed when
    unreferenced but not collected if they form cycles: a bounded, one-off cost."""
    with _once_lock:
        if not _process_configured or lab_key in _frozen_labs:
            return  # only in a server (``serve``), once per lab
        _frozen_labs.add(lab_key)
    gc.freeze()
