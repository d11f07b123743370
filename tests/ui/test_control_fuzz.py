"""Fuzzing the controls a user types into (every ``Guard``ed number box and slider of
the optimizer and MLP labs) with hypothesis: whatever is typed, the lab's setting stays
a finite value within its bounds, a value not used is named where it was typed, and the
picture computed stays finite.

The bias–variance lab's controls are sliders and selects whose ends the browser keeps
(nothing can be typed past them); its settings are fuzzed through links
(``test_link_fuzz.py``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.labs.mlp.lab import MlpLab
from playground.labs.optimizers.lab import OptimizerLab
from playground.labs.optimizers.state import KNOB_PARAMS

CASES = settings(max_examples=200, derandomize=True, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow,
                                        HealthCheck.function_scoped_fixture])

#: What a browser's number box or slider can send: any finite number, huge or tiny.
TYPED = st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                  st.integers(-10**12, 10**12),
                  st.sampled_from([0, -0.0, 1e-320, 1e308, -1e308, 0.5, 1, 2, 100]))


@pytest.fixture(scope="module")
def optimizer_lab():
    lab = OptimizerLab()
    lab.state.precompute()  # the first race, as the page's preparation runs it
    for name in KNOB_PARAMS:  # every optimizer's knob boxes, built as users open them
        lab.hp_widget(name)
    return lab


@pytest.fixture(scope="module")
def mlp_lab():
    return MlpLab()


def _type(guard, typed):
    """``typed`` into the guard's box, as the browser sends it; False if the widget
    itself cannot hold it (the browser could not send it either) or already shows it
    (no change: the browser sends nothing)."""
    if guard.widget.value == typed:
        return False
    try:
        guard.widget.value = typed
    except ValueError:
        return False
    return True


def _check(guard, typed):
    """The guard used ``typed`` (to 12 significant digits) exactly when it is a whole
    number where one is needed and within the bounds; else it kept the setting and
    said so; either way the box shows the value in use."""
    used = getattr(guard.owner, guard.name)
    if typed is None and guard.unset is not None:  # an emptied racer's α: the lab's again
        assert used is None and not guard.refusal and guard.widget.value is None
        return
    low, high = guard.bounds
    number = float(typed) if guard.integer else float(f"{float(typed):.12g}")
    usable = ((not guard.integer or number.is_integer())
              and (low is None or number >= low) and (high is None or number <= high))
    if used is None:  # an optional box left empty (a racer's α), a number refused
        assert guard.unset is not None and guard.refusal and guard.widget.value is None
        return
    assert math.isfinite(float(used)), (guard.name, typed, used)
    assert (low is None or used >= low) and (high is None or used <= high), \
        (guard.name, typed, used)
    assert bool(guard.refusal) == (not usable), (guard.name, typed, guard.refusal)
    if usable:
        assert used == number, (guard.name, typed, used)
    assert guard.widget.value == used, (guard.name, typed, guard.widget.value, used)


@CASES
@given(typed=st.lists(st.tuples(st.integers(0, 10**6), TYPED), min_size=1, max_size=4))
def test_typed_values_in_the_optimizer_lab(optimizer_lab, typed):
    guards = optimizer_lab.guards
    names = sorted(guards)
    for pick, value in typed:
        guard = guards[names[pick % len(names)]]
        if _type(guard, value):
            _check(guard, value)
    state = optimizer_lab.state
    if state.result is not None:
        r = state.result
        for k, d in enumerate(r.diverged_at):
            shown = slice(None) if d < 0 else slice(0, d)
            assert np.isfinite(r.points[shown, k]).all() and np.isfinite(r.loss[shown, k]).all()
    else:
        assert state.error


@CASES
@given(typed=st.lists(st.tuples(st.integers(0, 10**6), TYPED), min_size=1, max_size=4))
def test_typed_values_in_the_mlp_lab(mlp_lab, typed):
    guards = mlp_lab.controls.guards
    names = sorted(guards)
    for pick, value in typed:
        guard = guards[names[pick % len(names)]]
        if _type(guard, value):
            _check(guard, value)
    grid = mlp_lab.state.grid()
    assert np.isfinite(grid).all()
