"""Compiled programs that their holder owns: ahead-of-time compiled (``jax.stages.Compiled``).

``jax.jit`` keeps what it compiles in process-wide caches that only ``jax.clear_caches()``
empties, for every function at once: a server that bounds its memory that way (issue #9,
``ui.memory``) made every open page trace and reload its programs after each release, a
pause of a second or more for every page.  A page that holds its programs here keeps
them through such a release (its next call runs at once) and frees them when it goes.

Measured (JAX 0.10.2, 2 cores, ``benchmarks/README.md``): after ten architectures' programs
held this way were dropped, ``jax.clear_caches()`` brought the process back to within
30 MB of where it was before them, and the programs still held ran at once.
"""

from __future__ import annotations

import inspect
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import cache

import jax


@cache  # (a handful of module-level jitted functions)
def _parameters(fn: Callable) -> tuple[str, ...]:
    return tuple(inspect.signature(fn).parameters)


def _signature(tree) -> tuple:
    """What a compiled program is specialised to: the tree's structure and each leaf's
    shape, dtype and weak type (as ``jax.jit``'s cache tells calls apart)."""
    leaves, treedef = jax.tree.flatten(tree)
    return treedef, tuple(jax.typeof(leaf) for leaf in leaves)


class Programs:
    """The programs one holder (a page's lab state) runs, compiled once each.

    ``call(fn, static, *args, **kwargs)`` is ``fn(*args, **kwargs)`` for a jitted ``fn``
    whose static arguments are named in ``static``: the first call with new static values
    or new shapes compiles (``fn.lower(...).compile()``: from JAX's persistent cache when
    it has the program); later ones run the held program.  The ``capacity`` most recently
    used are kept: an MLP page runs up to seven (training, evaluation, two heat maps, the
    diagram; a race and its heat maps), so about the last two networks it tried, ≈ 70 MB
    (``ui.memory.MLP_PROGRAMS_MB`` a network).  A program dropped is compiled again when
    asked for, from JAX's caches in milliseconds while they hold it.  Thread-safe: a page
    trains on worker threads and warms up on another.
    """

    def __init__(self, capacity: int = 8):
        self.capacity = capacity
        self._compiled: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.compilations = 0  # (for tests and benchmarks)

    def call(self, fn: Callable, static: tuple[str, ...], *args, **kwargs):
        """``fn(*args, **kwargs)`` through a held program.

        Raises:
            TypeError: arguments ``fn`` does not take (as ``fn`` would).
        """
        names = _parameters(fn)
        at_static = {i for i, name in enumerate(names[:len(args)]) if name in static}
        fixed = (tuple(args[i] for i in sorted(at_static))
                 + tuple(sorted((k, v) for k, v in kwargs.items() if k in static)))
        dynamic = (tuple(a for i, a in enumerate(args) if i not in at_static),
                   {k: v for k, v in kwargs.items() if k not in static})
        key = (fn, fixed, _signature(dynamic))
        with self._lock:
            compiled = self._compiled.get(key)
            if compiled is not None:
                self._compiled.move_to_end(key)
        if compiled is None:  # compiled outside the lock: another network may train meanwhile
            compiled = fn.lower(*args, **kwargs).compile()
            with self._lock:
                self.compilations += 1
                self._compiled[key] = compiled
                while len(self._compiled) > self.capacity:
                    self._compiled.popitem(last=False)
        return compiled(*dynamic[0], **dynamic[1])

    def clear(self):
        """Drop every held program (its holder's page has closed)."""
        with self._lock:
            self._compiled.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._compiled)


def run(programs: Programs | None, fn: Callable, static: tuple[str, ...], *args, **kwargs):
    """``programs.call(fn, static, ...)``, or ``fn(...)`` itself when ``programs`` is None
    (a script, a test: JAX's caches)."""
    if programs is None:
        return fn(*args, **kwargs)
    return programs.call(fn, static, *args, **kwargs)
