"""A bound on the server's memory: JAX keeps every compiled program for good.

Each distinct MLP architecture that a link asks for compiles programs worth about
35 MB, which JAX keeps for the life of the process (``benchmarks/bench_memory.py``:
50 architectures took a server from 225 MB to 2 GB; a formula about 5 MB).
:data:`BUDGET` is told each distinct kind of program a session starts to use and
about what it costs (``note(kind, megabytes)``: an architecture, a formula); once
the kinds noted since it last released cost more than ``limit_mb``, it clears JAX's
caches and hands the freed pages back to the system (glibc keeps them
otherwise).  Sessions then reload what they use from the persistent compilation
cache at its next call, a fraction of a second instead of a compilation.

Pages that close give their programs up too: a session's end calls ``forget(user)``,
and once the kinds no open page uses cost more than ``idle_mb``, everything is
released, so that a server whose class has gone home returns to its resting size.

One budget per process, on purpose: the memory is the process's.  It is off (no
limit) until the server turns it on (``ui.process.configure_process``), so tests and
scripts never lose their compiled programs.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Hashable

log = logging.getLogger(__name__)


def resident_mb() -> float:
    """This process's resident memory (RSS), in MiB (Linux ``/proc``; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def release_compiled_programs():
    """Drop every program JAX has compiled in this process (those a page holds in its
    ``numerics.programs.Programs`` stay), and return freed memory to the system.

    In steps (:func:`_evict_in_steps`): ``jax.clear_caches()`` frees them in one call
    that holds Python's lock 0.4–0.7 s, and every page's event loop and training thread
    waited for it (``benchmarks/bench_release.py``).  ``jax.clear_caches()`` then
    empties whatever is left, and everything if the steps failed (JAX's private caches
    changed).
    """
    import jax

    try:
        _evict_in_steps()
    except Exception:  # (JAX's internals: the one call below still releases everything)
        log.exception("releasing JAX's caches in steps failed; releasing them at once")
    jax.clear_caches()
    gc.collect()
    # glibc keeps freed pages without this; another C library reuses them later.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _evict_in_steps():
    """Empty JAX's caches one entry at a time: between two steps, a thread waiting for
    Python's lock gets it (``sys.setswitchinterval``), so none waits for all of them.

    The order matters, since an entry is freed by the last cache that lets it go: the
    dispatch caches (C++) first, whose executables the compilation cache still holds;
    then the compiled executables and lowered modules, a program each; then every other
    cache, a key (mostly a function) at a time, whose traced programs (jaxprs) the
    traced-call cache ``_infer_params_cached`` still holds; last that one, keyed by
    function too (evicting a function frees all its shapes' jaxprs at once: 0.17 s for
    eight networks' training), so its entries are held here and let go one by one.
    Raises whatever JAX's private caches raise if they changed (the caller falls back).
    """
    from jax._src import pjit, util
    from jax._src.interpreters import pxla
    from jax._src.lib import _jax

    pjit._cpp_pjit_cache_fun_only.clear()
    pjit._cpp_pjit_cache_explicit_attributes.clear()
    _jax.PjitFunctionCache.clear_all()
    first = [pxla._cached_compilation, pxla._cached_lowering_to_hlo]
    traced = pjit._infer_params_cached
    rest = [c for c in list(util._caches) if c is not traced and c not in first]
    for cache in [*first, *rest, traced]:
        if not hasattr(cache, "evict_weakref"):
            continue  # (functools caches: small; ``jax.clear_caches()`` empties them)
        by_owner: dict[int, tuple[object, list]] = {}
        for key in cache.cache_keys():
            owner = key[0]()  # (the weakly held first argument; None once it has gone)
            if owner is not None:
                by_owner.setdefault(id(owner), (owner, []))[1].append(key)
        for owner, keys in by_owner.values():
            # A cache hit returns the entry (a miss, cheap here, an empty one).
            held = [traced(owner, *k[2], **k[3]) for k in keys] if cache is traced else []
            cache.evict_weakref(owner)
            while held:
                held.pop()


class ProgramBudget:
    """Adds up what distinct kinds of compiled programs cost; past ``limit_mb``, or
    once the kinds no page uses any more cost over ``idle_mb``, releases them all.

    The estimates are what programs alone hold; a server's memory is also its sessions
    and the transient memory of compilations.  So a new kind also releases when the
    process's resident memory (``resident()``) is past ``resident_limit_mb`` and the
    kinds noted since the last release cost at least ``idle_mb`` (less would free too
    little to be worth every page's reloading), and it has grown by ``idle_mb`` since
    just after the last release (what a release could not free, another cannot either).

    ``limit_mb=None`` (the default) never releases.  Thread-safe: pages are prepared on
    worker threads.  Users (a lab's state) are held weakly.
    """

    def __init__(self, limit_mb: float | None = None,
                 release: Callable[[], None] = release_compiled_programs,
                 idle_mb: float = 100.0, resident_limit_mb: float | None = None,
                 resident: Callable[[], float] = resident_mb):
        self.limit_mb, self.release, self.idle_mb = limit_mb, release, idle_mb
        self.resident_limit_mb, self.resident = resident_limit_mb, resident
        self.releases = 0
        # Resident memory just after the last release: memory that a release did not give
        # back (sessions, the allocator's) releases again only once grown by ``idle_mb``;
        # else a server stuck past its limit released at every new page (eight times in
        # a test run), and every open page reloaded its programs each time.
        self._resident_after_release = 0.0
        self._kinds: dict[Hashable, float] = {}
        self._users: dict[Hashable, weakref.WeakSet] = {}
        self._lock = threading.Lock()

    def note(self, kind: Hashable, megabytes: float, user: object | None = None) -> bool:
        """``user`` (a session's lab state) uses programs of ``kind`` (e.g.
        ``("mlp", arch)``) that cost about ``megabytes``; returns whether every
        compiled program was released first."""
        with self._lock:
            if self.limit_mb is None:
                return False
            if user is not None:
                self._users.setdefault(kind, weakref.WeakSet()).add(user)
            if kind in self._kinds:
                return False
            self._kinds[kind] = megabytes
            noted = sum(self._kinds.values())
            if noted > self.limit_mb:
                why, megabytes_why = "compiled programs past %g MB", self.limit_mb
            elif (self.resident_limit_mb is not None and noted >= self.idle_mb
                  and self.resident() > max(self.resident_limit_mb,
                                            self._resident_after_release + self.idle_mb)):
                why, megabytes_why = "the server past %g MB resident", self.resident_limit_mb
            else:
                return False
            self._kinds = {kind: megabytes}
            self._release(why, megabytes_why)
        return True

    def forget(self, user: object) -> bool:
        """``user``'s page has closed: the kinds it used may now be idle.  Returns
        whether every compiled program was released: idle ones past ``idle_mb``, or any
        once no page uses any kind (the class has gone home)."""
        with self._lock:
            for users in self._users.values():
                users.discard(user)
            in_use = {kind for kind, users in self._users.items() if len(users)}
            idle = sum(mb for kind, mb in self._kinds.items() if kind not in in_use)
            # The last page closed: nothing is left to reload, whatever the estimates say.
            every_page_closed = idle > 0 and not in_use
            if self.limit_mb is None or (idle <= min(self.idle_mb, self.limit_mb)
                                         and not every_page_closed):
                return False
            # Pages still open reload theirs from the disk cache at their next call.
            self._kinds = {k: mb for k, mb in self._kinds.items() if k in in_use}
            self._users = {k: u for k, u in self._users.items() if k in in_use}
            self._release("%g MB of programs no open page uses", idle)
        return True

    def _release(self, why: str, megabytes: float):
        self.releases += 1
        log.info(why + ": releasing every compiled program (release %d)", megabytes,
                 self.releases)
        started = time.perf_counter()
        self.release()
        self._resident_after_release = self.resident()
        # (what a release costs the thread that releases: open pages also reload theirs)
        log.info("release %d took %.2f s; %.0f MB resident after it", self.releases,
                 time.perf_counter() - started, self._resident_after_release)


#: The process's budget (off until ``configure_process`` sets a limit).
BUDGET = ProgramBudget()
#: What a server's compiled programs may hold before they are released (MB); a host
#: with more memory sets ``PLAYGROUND_PROGRAM_BUDGET_MB``.
SERVER_LIMIT_MB = float(os.environ.get("PLAYGROUND_PROGRAM_BUDGET_MB", "500"))
#: The server's resident memory past which a new kind of program releases them all
#: (MB; ``PLAYGROUND_RESIDENT_LIMIT_MB``): under issue #9's 1.5 GB with room for the
#: compilations then under way.
SERVER_RESIDENT_LIMIT_MB = float(os.environ.get("PLAYGROUND_RESIDENT_LIMIT_MB", "1000"))
#: About what one MLP architecture's programs and one formula's hold (MB; measured).
MLP_PROGRAMS_MB, FORMULA_PROGRAMS_MB = 35.0, 5.0
