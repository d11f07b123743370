"""The race's compiled-function cache under threads (sessions, page preparation and the
warm-up reach it at once)."""

import sys
import threading

import pytest

from playground.numerics import race


@pytest.fixture
def switch_often():
    """Python hands its lock over every microsecond: races between threads show."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def _surface(k):
    return lambda x, y: (x - k) ** 2 + y**2


def _hammer(threads: int, work) -> list[BaseException]:
    """Run ``work(i)`` on ``threads`` threads released together; their exceptions."""
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def run(i):
        try:
            barrier.wait()
            work(i)
        except BaseException as e:  # reported by the test, not lost in the thread
            errors.append(e)

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=60)
    return errors


def test_threads_asking_for_one_new_race_get_one_compiled_function(switch_often):
    """Sixteen threads ask for a race not yet compiled, ten times over: one function each
    time (one compilation).  (Without the lock, about one time in three gave several.)"""
    for trial in range(10):
        fn = _surface(0.5 + trial)
        got = [None] * 16

        def ask(i, fn=fn, got=got):
            got[i] = race.compiled_race(fn, race.CAPACITIES[0])

        assert _hammer(16, ask) == []
        assert all(g is got[0] for g in got), f"trial {trial}"


def test_the_cache_stays_whole_and_bounded_under_threads(switch_often):
    """More surfaces than the cache keeps, asked for in different orders by 8 threads:
    no error, at most the bound kept, and each answer the race for its surface."""
    surfaces = [_surface(k) for k in range(race._MAX_COMPILED + 16)]

    def ask(i):
        for j in range(200):
            fn = surfaces[(j * (2 * i + 1)) % len(surfaces)]
            compiled = race.compiled_race(fn, race.CAPACITIES[j % 2])
            assert compiled.__wrapped__.args[0] is fn  # the partial(_race, fn, capacity)

    assert _hammer(8, ask) == []
    assert len(race._COMPILED) <= race._MAX_COMPILED
