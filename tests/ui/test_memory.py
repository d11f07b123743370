"""The server's bound on compiled programs (``playground.ui.memory``)."""

from playground.ui import memory
from playground.ui.memory import ProgramBudget


def test_a_budget_releases_once_the_kinds_noted_cost_more_than_its_limit():
    released = []
    budget = ProgramBudget(limit_mb=100, release=lambda: released.append(1))
    assert not any(budget.note(("mlp", k), 35) for k in range(2))  # 70 MB
    assert not budget.note(("mlp", 0), 35)  # a kind already counted costs nothing more
    assert budget.note(("mlp", 2), 35) and released == [1]  # 105 MB > 100: release
    # Counting starts again from the kind that caused the release.
    assert not budget.note(("mlp", 3), 35) and not budget.note(("formula", "x"), 5)
    assert budget.note(("mlp", 4), 35) and released == [1, 1] and budget.releases == 2


def test_a_server_past_its_resident_limit_releases_at_a_new_kind_worth_releasing():
    rss = [800.0]
    released = []
    budget = ProgramBudget(limit_mb=500, idle_mb=100, resident_limit_mb=1000,
                           resident=lambda: rss[0],
                           release=lambda: (released.append(1), rss.__setitem__(0, 900.0)))
    assert not budget.note(("mlp", 0), 60)  # under both limits
    rss[0] = 1200.0  # sessions and compilations, not counted in the estimates
    assert not budget.note(("mlp", 0), 60)  # a kind already counted: nothing new
    assert not budget.note(("formula", "x"), 5)  # 65 MB noted: too little to free
    assert budget.note(("mlp", 1), 60) and released == [1]  # 125 MB ≥ 100 and past 1000
    # The release gave memory back (900 MB).  Counting starts again from the kind that
    # caused it: 60 MB, then 65, then 125.
    assert not budget.note(("formula", "y"), 5)
    rss[0] = 1100.0
    assert budget.note(("mlp", 2), 60) and released == [1, 1]
    rss[0] = 900.0  # back under: only the programs' own limit counts
    assert not any(budget.note(("mlp", k), 60) for k in range(3, 10))  # 60 + 420 MB
    assert budget.note(("mlp", 10), 60) and released == [1, 1, 1]  # 540 MB > 500


def test_a_release_that_frees_nothing_is_not_repeated_at_every_new_kind():
    """A server whose resident memory stays past the limit after a release (memory that
    programs did not hold) releases again only once it has grown by ``idle_mb``."""
    rss, released = [1200.0], []
    budget = ProgramBudget(limit_mb=5000, idle_mb=100, resident_limit_mb=1000,
                           resident=lambda: rss[0], release=lambda: released.append(1))
    assert budget.note(("mlp", 0), 150) and released == [1]  # past 1000: released...
    # ... but the server is still at 1200 MB: new pages do not release again,
    assert not any(budget.note(("mlp", k), 150) for k in range(1, 5))
    rss[0] = 1290.0
    assert not budget.note(("mlp", 5), 150)
    rss[0] = 1310.0  # until it has grown by 100 MB since
    assert budget.note(("mlp", 6), 150) and released == [1, 1]
    assert not budget.note(("mlp", 7), 150)  # and again from 1310 MB
    # The programs' own limit still holds: 150 + 150 + 4800 MB > 5000 MB.
    assert budget.note(("big", 0), 4800) and released == [1, 1, 1]


def test_the_resident_memory_is_read_from_the_system():
    assert 10 < memory.resident_mb() < 100_000


class _Page:
    """A stand-in for a lab's state: anything a weak reference can hold."""


def test_pages_that_close_release_the_programs_no_open_page_uses():
    released = []
    budget = ProgramBudget(limit_mb=500, release=lambda: released.append(1), idle_mb=100)
    default, pages = _Page(), [_Page() for _ in range(4)]
    budget.note("default", 35, user=default)
    for i, page in enumerate(pages):
        budget.note(("mlp", i), 35, user=page)
        budget.note("default", 35, user=page)  # shared kinds count once
    assert not budget.forget(pages[0]) and not budget.forget(pages[1])  # 70 MB idle
    assert not budget.forget(_Page())  # a page that noted nothing
    assert budget.forget(pages[2]) and released == [1]  # 105 MB idle > 100: release
    # What open pages still use is counted on; the idle kinds are gone.
    assert not budget.forget(pages[3])  # 35 MB idle again
    assert budget.note(("mlp", 9), 35, user=default) is False and released == [1]


def test_the_last_page_closing_releases_whatever_the_estimates():
    released = []
    budget = ProgramBudget(limit_mb=500, release=lambda: released.append(1), idle_mb=100)
    pages = [_Page() for _ in range(3)]
    for i, page in enumerate(pages):
        budget.note(("formula", i), 5, user=page)  # 15 MB in all: under idle_mb
    assert not budget.forget(pages[0]) and not budget.forget(pages[1])
    assert budget.forget(pages[2]) and released == [1]  # no page left: all released
    assert not budget.forget(_Page())  # nothing noted since: nothing to release


def test_a_budget_off_never_releases_when_pages_close():
    released = []
    budget = ProgramBudget(release=lambda: released.append(1), idle_mb=0)
    page = _Page()
    budget.note(("mlp", 0), 1e6, user=page)
    assert not budget.forget(page) and released == []


def test_a_state_that_is_gone_uses_nothing():
    import gc

    released = []
    budget = ProgramBudget(limit_mb=500, release=lambda: released.append(1), idle_mb=10)
    page, other = _Page(), _Page()
    budget.note(("mlp", 0), 35, user=page)
    del page  # a state dropped without its page's end being seen
    gc.collect()
    assert budget.forget(other) and released == [1]


def test_without_a_limit_nothing_is_ever_released():
    released = []
    budget = ProgramBudget(release=lambda: released.append(1))
    assert not any(budget.note(k, 1e6) for k in range(100)) and released == []


def test_the_labs_note_each_new_network_and_formula(monkeypatch):
    from playground.labs.mlp.state import MlpLabState
    from playground.labs.optimizers.state import OptimizerLabState

    noted = []
    monkeypatch.setattr(memory.BUDGET, "note",
                        lambda kind, mb, user: noted.append((kind[0], mb, type(user).__name__)))
    s = MlpLabState()
    s.apply_query({"layers": "3"})
    OptimizerLabState().apply_query({"surface": "custom", "expr": "x**2 + 3*y**2"})
    # Each noted for the state that uses it, whose page's end gives it up.
    assert ("mlp", memory.MLP_PROGRAMS_MB, "MlpLabState") in noted
    assert ("formula", memory.FORMULA_PROGRAMS_MB, "OptimizerLabState") in noted


def test_releasing_drops_jaxs_compiled_programs():
    """After a release the next call compiles again (from the disk cache in a server)."""
    import jax
    import jax.numpy as jnp

    @jax.jit
    def f(x):
        return jnp.sin(x) * 2

    f(1.0)
    assert f._cache_size() == 1
    memory.release_compiled_programs()
    assert f._cache_size() == 0
    assert float(f(0.0)) == 0.0


def test_a_server_turns_the_budget_on_and_imports_leave_it_off():
    import subprocess
    import sys

    code = ("from playground.ui import memory, process\n"
            "before = memory.BUDGET.limit_mb\nprocess.configure_process()\n"
            "print(before, memory.BUDGET.limit_mb == memory.SERVER_LIMIT_MB)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "None True"


def test_a_release_in_steps_empties_every_jax_cache_and_keeps_held_programs():
    """The steps alone (not the ``jax.clear_caches()`` after them) leave every cache of
    JAX's empty: a newer JAX whose private caches changed fails here, not in a server
    (where the release falls back to one call, 0.4–0.7 s of every page's time)."""
    import jax
    import jax.numpy as jnp
    from jax._src import pjit, util

    from playground.numerics.programs import Programs

    @jax.jit
    def f(x):
        return jnp.tanh(x) @ x.T

    held = Programs()
    for n in (2, 3, 4):
        f(jnp.ones((n, n)))
    assert float(held.call(f, (), jnp.ones((2, 2)))[0, 0]) > 0
    assert pjit._infer_params_cached.cache_info().currsize > 0

    memory._evict_in_steps()

    left = {util._caches[c]: c.cache_info().currsize for c in list(util._caches)
            if hasattr(c, "evict_weakref") and c.cache_info().currsize}
    assert left == {}
    assert f._cache_size() == 0
    compilations = held.compilations
    assert float(held.call(f, (), jnp.zeros((2, 2)))[0, 0]) == 0.0  # its own program
    assert held.compilations == compilations
