"""Fuzzing every lab's link with hypothesis: whatever a link holds, the lab takes what
it can, names what it refuses, and computes nothing non-finite.

500 links of the optimizer and MLP labs, 250 of the bias–variance lab, and fewer for
the keys that change what is compiled, in the suite (``derandomize``: the same cases on
every run);
``benchmarks/fuzz_links.py`` runs more (``PLAYGROUND_FUZZ_EXAMPLES``).
"""

from __future__ import annotations

import math
import os

import numpy as np
import param
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.labs.biasvariance.state import BiasVarianceLabState
from playground.labs.mlp.state import MlpLabState
from playground.labs.optimizers.state import OptimizerLabState

#: Values that broke or fooled earlier readers of links.
ODD = ["", "nan", "inf", "-inf", "1e308", "-1e308", "1e-320", "-0", "0x10", "1_000", "²",
       "[1]", "{}", "true", "False", "1,2", " 1", "1 ", "<script>", "%00", "\x00", "१२",
       "9" * 400, "-5", "0", "1", "0.5", "2", "100", "1e6"]

EXAMPLES = int(os.environ.get("PLAYGROUND_FUZZ_EXAMPLES", "500"))
RANDOM = bool(os.environ.get("PLAYGROUND_FUZZ_RANDOM"))  # the benchmark: new cases each run
FUZZ = settings(max_examples=EXAMPLES, derandomize=not RANDOM, deadline=None,
                database=None,
                suppress_health_check=[HealthCheck.too_slow])


def _values(state_class):
    """A value for a key: odd strings, any short text, any float or integer."""
    return st.one_of(st.sampled_from(ODD), st.text(max_size=12),
                     st.floats(allow_nan=True, allow_infinity=True).map(repr),
                     st.integers(-10**6, 10**6).map(str))


def _queries(state_class, keys):
    return st.dictionaries(st.sampled_from(sorted(keys)), _values(state_class), max_size=8)


def _named(problems: list[str], key: str) -> bool:
    return any(p.startswith(f"{key}=") for p in problems)


def _check_applied(state, query, problems, parameter_of):
    """Every key not named in a problem took the value the link gave (read with
    Python's own parsing), and every problem names a key of the link."""
    for p in problems:
        assert any(p.startswith(f"{k}=") for k in query), p
    for key, text in query.items():
        if _named(problems, key) or key not in parameter_of:
            continue
        name = parameter_of[key]
        p, value = state.param[name], getattr(state, name)
        if isinstance(p, param.Boolean):
            assert value == (text.strip().lower() in ("1", "true", "yes", "on")), (key, text)
        elif isinstance(p, param.ListSelector):
            assert set(value) == {t for t in text.split(",") if t}, (key, text)
        elif isinstance(p, param.Selector):
            assert value == text, (key, text)
        elif isinstance(p, param.Number) and p.allow_None and text == "":
            assert value is None, (key, text)  # a racer's α: empty, the lab's
        elif isinstance(p, param.Number):
            assert math.isfinite(float(text)) and math.isclose(float(text), value), (key, text)


def _optimizer_parameters():
    return {f.key: f.name for f in OptimizerLabState.LINK.fields if f.key != "expr"}


@FUZZ
@given(query=_queries(OptimizerLabState, OptimizerLabState.LINK_KEYS))
def test_optimizer_links(query):
    state = OptimizerLabState()
    problems = state.apply_query(query)
    _check_applied(state, query, problems, _optimizer_parameters())
    state.precompute()
    if state.result is not None:  # else state.error says why (a non-finite start)
        r = state.result
        for k, d in enumerate(r.diverged_at):
            shown = slice(None) if d < 0 else slice(0, d)  # a diverged run is cut there
            assert np.isfinite(r.points[shown, k]).all() and np.isfinite(r.loss[shown, k]).all()
    else:
        assert state.error


#: Keys whose values change the compiled network: kept to a few, so that 500 cases
#: do not compile 500 networks (each key is still fuzzed on its own below).
_ARCH_KEYS = {"layers", "activation", "features", "batchnorm", "dataset", "points",
              "train_ratio", "normalise", "race", "init", "dropout", "batch"}


@FUZZ
@given(query=_queries(MlpLabState, MlpLabState.LINK_KEYS - _ARCH_KEYS))
def test_mlp_links(query):
    state = MlpLabState()
    problems = state.apply_query(query)
    _check_applied(state, query, problems, {f.key: f.name for f in MlpLabState.LINK.fields})
    assert np.isfinite(state.grid()).all()


@settings(FUZZ, max_examples=max(150, EXAMPLES // 4))
@given(key=st.sampled_from(sorted(_ARCH_KEYS)), text=_values(MlpLabState))
def test_mlp_links_that_change_the_network(key, text):
    state = MlpLabState()
    problems = state.apply_query({"lab": "mlp", key: text})
    _check_applied(state, {key: text}, problems,
                   {f.key: f.name for f in MlpLabState.LINK.fields
                    if f.key not in ("layers", "features")})
    grid = state.grid()
    assert np.isfinite(grid).all() and grid.min() >= 0 and grid.max() <= state.data.n_classes


def _biasvariance_finite(state):
    """The decomposition the first picture draws is finite wherever it is drawn."""
    state.precompute()
    r = state.result
    if r is None:  # computed off the event loop in a page (``off_the_loop``): not here
        return
    for name in ("bias2", "variance", "test_error", "train_error"):
        values = np.asarray(getattr(r, name), dtype=float)
        assert np.isfinite(values).all(), (name, values)


#: Keys that change what is compiled (the family, and the shapes: n and M).
_SHAPE_KEYS = {"family", "n", "datasets"}


@settings(FUZZ, max_examples=max(150, EXAMPLES // 2))
@given(query=_queries(BiasVarianceLabState, BiasVarianceLabState.LINK_KEYS - _SHAPE_KEYS))
def test_biasvariance_links(query):
    state = BiasVarianceLabState()
    problems = state.apply_query(query)
    _check_applied(state, query, problems,
                   {f.key: f.name for f in BiasVarianceLabState.LINK.fields})
    _biasvariance_finite(state)


@settings(FUZZ, max_examples=max(60, EXAMPLES // 8))
@given(key=st.sampled_from(sorted(_SHAPE_KEYS)), text=_values(BiasVarianceLabState))
def test_biasvariance_links_that_change_the_shapes(key, text):
    state = BiasVarianceLabState()
    problems = state.apply_query({"lab": "biasvariance", key: text})
    _check_applied(state, {key: text}, problems,
                   {f.key: f.name for f in BiasVarianceLabState.LINK.fields})
    _biasvariance_finite(state)
