"""A sweep: one knob of one optimizer over many values, every race in one vmapped call
(``race.run_sweep``).  The oracle is the race engine's own single run (``run_race``) per
value, itself checked against PyTorch in ``test_race.py``: the vmapped call must be the
same race, value by value, stops included."""

from __future__ import annotations

import numpy as np
import pytest

from playground.numerics import optimizers as opt
from playground.numerics import race, surfaces


def _settings(surface, overrides=None, steps=80):
    hyper = {n: dict(surface.defaults.get(n, {})) for n in opt.NAMES}
    for name, values in (overrides or {}).items():
        hyper[name].update(values)
    return race.make_settings(surface.start, hyper, steps=steps, noise=0.3, seed=4)


@pytest.mark.parametrize(("surface", "name", "knob", "values"), [
    ("ravine", "sgd", "lr", [0.01, 0.1, 0.45, 1.0, 2.0]),  # 2.0 diverges on the ravine
    ("rosenbrock", "momentum", "momentum", [0.0, 0.5, 0.9, 0.99]),
    ("saddle", "adam", "beta1", [0.0, 0.9]),
])
def test_each_value_is_the_single_race(surface, name, knob, values):
    s = surfaces.SURFACES[surface]
    swept = race.run_sweep(s.fn, _settings(s), name, knob, values)
    assert len(swept) == len(values)
    for value, got in zip(values, swept, strict=True):
        want = race.run_race(s.fn, _settings(s, {name: {knob: value}}))
        for field in ("points", "loss", "grad", "step", "velocity", "second_moment", "lr"):
            np.testing.assert_allclose(getattr(got, field), getattr(want, field),
                                       rtol=1e-12, atol=1e-12, err_msg=f"{field} at {value}")
        np.testing.assert_array_equal(got.diverged_at, want.diverged_at)
        np.testing.assert_array_equal(got.undefined_at, want.undefined_at)


def test_a_diverging_value_is_a_stop_not_a_crash():
    s = surfaces.SURFACES["ravine"]
    small, huge = race.run_sweep(s.fn, _settings(s), "sgd", "lr", [0.1, 50.0])
    k = opt.NAMES.index("sgd")
    assert small.diverged_at[k] == -1 and huge.diverged_at[k] > 0
    assert np.isfinite(huge.points).all()


def test_refuses_a_knob_the_optimizer_lacks_or_a_value_out_of_bounds():
    s = surfaces.SURFACES["ravine"]
    with pytest.raises(ValueError):
        race.sweep_settings(_settings(s), "sgd", "momentum", [0.5])
    with pytest.raises(ValueError):
        race.sweep_settings(_settings(s), "momentum", "momentum", [1.5])
