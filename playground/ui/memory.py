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

One budget per process, on purpose: the memory is the process's.  It is off (no
limit) until the server turns it on (``ui.shell.configure_process``), so tests and
scripts never lose their compiled programs.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import threading
from collections.abc import Callable, Hashable

log = logging.getLogger(__name__)


def release_compiled_programs():
    """Drop every program JAX has compiled in this process, and return freed memory."""
    import jax

    jax.clear_caches()
    gc.collect()
    # glibc keeps freed pages without this; another C library reuses them later.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class ProgramBudget:
    """Adds up what distinct kinds of compiled programs cost; past ``limit_mb``,
    releases them all.

    ``limit_mb=None`` (the default) never releases.  Thread-safe: pages are prepared on
    worker threads.
    """

    def __init__(self, limit_mb: float | None = None,
                 release: Callable[[], None] = release_compiled_programs):
        self.limit_mb, self.release = limit_mb, release
        self.releases = 0
        self._kinds: dict[Hashable, float] = {}
        self._lock = threading.Lock()

    def note(self, kind: Hashable, megabytes: float) -> bool:
        """A session uses programs of ``kind`` (e.g. ``("mlp", arch)``) that cost about
        ``megabytes``; returns whether every compiled program was released first."""
        with self._lock:
            if self.limit_mb is None or kind in self._kinds:
                return False
            self._kinds[kind] = megabytes
            if sum(self._kinds.values()) <= self.limit_mb:
                return False
            self._kinds = {kind: megabytes}
            self.releases += 1
            log.info("compiled programs past %g MB: releasing them all (release %d)",
                     self.limit_mb, self.releases)
            self.release()
        return True


#: The process's budget (off until ``configure_process`` sets a limit).
BUDGET = ProgramBudget()
#: What a server's compiled programs may hold before they are released (MB); a host
#: with more memory sets ``PLAYGROUND_PROGRAM_BUDGET_MB``.
SERVER_LIMIT_MB = float(os.environ.get("PLAYGROUND_PROGRAM_BUDGET_MB", "500"))
#: About what one MLP architecture's programs and one formula's hold (MB; measured).
MLP_PROGRAMS_MB, FORMULA_PROGRAMS_MB = 35.0, 5.0
