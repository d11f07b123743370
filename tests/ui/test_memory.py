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


def test_without_a_limit_nothing_is_ever_released():
    released = []
    budget = ProgramBudget(release=lambda: released.append(1))
    assert not any(budget.note(k, 1e6) for k in range(100)) and released == []


def test_the_labs_note_each_new_network_and_formula(monkeypatch):
    from playground.labs.mlp.state import MlpLabState
    from playground.labs.optimizers.state import OptimizerLabState

    noted = []
    monkeypatch.setattr(memory.BUDGET, "note", lambda kind, mb: noted.append((kind[0], mb)))
    s = MlpLabState()
    s.apply_query({"layers": "3"})
    OptimizerLabState().apply_query({"surface": "custom", "expr": "x**2 + 3*y**2"})
    assert ("mlp", memory.MLP_PROGRAMS_MB) in noted
    assert ("formula", memory.FORMULA_PROGRAMS_MB) in noted


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

    code = ("import playground.ui.shell as shell\nfrom playground.ui import memory\n"
            "before = memory.BUDGET.limit_mb\nshell.configure_process()\n"
            "print(before, memory.BUDGET.limit_mb == memory.SERVER_LIMIT_MB)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "None True"
