"""Two sessions' states never hold the same list: changing one in place leaves the other
(and the class default, and the presets) as they were."""

import copy

import param
import pytest

from playground.labs.mlp.state import PRESETS, MlpLabState
from playground.labs.optimizers.state import OptimizerLabState


def _list_parameters(state_class):
    return [name for name, p in state_class.param.objects("existing").items()
            if isinstance(p, param.List | param.ListSelector)]


@pytest.mark.parametrize("state_class", [OptimizerLabState, MlpLabState])
def test_each_session_has_its_own_lists(state_class):
    names = _list_parameters(state_class)
    assert names  # the optimizers shown; the features and the racers
    defaults = {n: copy.deepcopy(state_class.param[n].default) for n in names}
    with param.parameterized.discard_events(state_class):
        one, other = state_class(), state_class()
    for name in names:
        before = list(getattr(other, name))
        getattr(one, name).append("changed in one session only")
        assert getattr(other, name) == before, name
        assert state_class.param[name].default == defaults[name], name
        assert getattr(state_class(), name) == defaults[name], name


def test_a_preset_gives_each_session_its_own_lists():
    presets = copy.deepcopy(dict(PRESETS))
    one, other = MlpLabState(), MlpLabState()
    one.apply_preset("overfit")
    other.apply_preset("overfit")
    one.features.append("x1²")
    one.race.append("sgd")
    assert other.features == ["x1", "x2"] and other.race == []
    assert dict(PRESETS) == presets
