"""The optimizer and knob registry (``numerics.optimizers``) drives every surface.

One set of bounds per knob: the widgets of both labs, both labs' links and the command
line accept exactly ``[low, high]``.  A new optimizer is one registry entry and its name in
the language tables: the labs' parameters, links and pages, the CLI, the race, the
training engine and the cards follow.
"""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from playground import cli
from playground.labs.mlp import state as mlp_state
from playground.labs.optimizers import state as opt_state
from playground.numerics import optimizers as opt

ROOT = Path(__file__).resolve().parents[3]
NUMBER_KNOBS = [k for k, knob in opt.KNOBS.items() if not knob.flag]


def outside(knob) -> tuple[float, float]:
    """A value just below and one just above the knob's bounds."""
    return knob.low - max(abs(knob.low), 1e-9) * 0.5, knob.high + max(abs(knob.high), 1) * 1e-3


def cli_accepts(key: str, value: float) -> bool:
    parser = cli.build_parser()
    try:
        args = parser.parse_args(["trajectory", "--surface", "ravine", "--optimizer", "sgd",
                                  f"--{key}", repr(value)])
    except cli.UsageError:
        return False
    assert getattr(args, key) == value
    return True


@pytest.fixture(scope="module")
def widgets():
    """The knob widgets of both labs, built as users open them."""
    from playground.labs.mlp.lab import MlpLab
    from playground.labs.optimizers.lab import OptimizerLab

    lab = OptimizerLab()
    for p in opt_state.KNOB_PARAMS:
        lab.hp_widget(p)
    return lab.guards, MlpLab().controls.guards


@pytest.mark.parametrize("key", NUMBER_KNOBS)
def test_each_knob_has_one_pair_of_bounds_in_widgets_links_and_the_cli(key, widgets):
    knob = opt.KNOBS[key]
    below, above = outside(knob)
    # The links of both labs: the bounds are accepted, just outside is reported.
    rows = [(opt_state.LINK, p) for p, (_, hp) in opt_state.KNOB_PARAMS.items() if hp == key]
    rows.append((mlp_state.LINK, key))
    for table, name in rows:
        row = table.by_key[name]
        assert row.bounds == (knob.low, knob.high)
        for value in (knob.low, knob.high, knob.default):
            values, problems = table.read({name: repr(value)})
            assert problems == [] and values[name] == value, (name, value)
        for value in (below, above):
            values, problems = table.read({name: repr(value)})
            assert name not in values and problems[0].startswith(f"{name}="), (name, value)
    # The command line: the same.
    assert cli_accepts(key, knob.low) and cli_accepts(key, knob.high)
    assert not cli_accepts(key, below) and not cli_accepts(key, above)
    # The widgets: their hard limits are the knob's bounds (the slider's own range may be
    # shorter: a typed value may go to the bounds), kept by each box's guard: a value
    # outside is refused at the box, which shows the value in use.
    optimizer_lab, mlp_lab = widgets
    guards = [optimizer_lab[p] for p, (_, hp) in opt_state.KNOB_PARAMS.items() if hp == key]
    guards.append(mlp_lab[key])
    for p, (_, hp) in opt_state.KNOB_PARAMS.items():
        if hp == key:
            assert opt_state.OptimizerLabState.param[p].bounds == (knob.low, knob.high)
    assert mlp_state.MlpLabState.param[key].bounds == (knob.low, knob.high)
    for guard in guards:
        assert guard.bounds == (knob.low, knob.high), guard.name
        for value in (knob.low, knob.high):
            guard.widget.value = value
            assert getattr(guard.owner, guard.name) == value and guard.refusal == ""
        in_use = getattr(guard.owner, guard.name)
        for value in (below, above):
            guard.widget.value = value
            assert getattr(guard.owner, guard.name) == in_use, (guard.name, value)
            assert guard.widget.value == in_use and "outside" in guard.refusal
            assert guard.note.visible


def test_flags_are_on_off_everywhere():
    for key, knob in opt.KNOBS.items():
        if not knob.flag:
            continue
        assert mlp_state.LINK.read({key: "0"})[0] == {key: False}
        assert mlp_state.LINK.read({key: "maybe"})[1][0].startswith(f"{key}=")
        args = cli.build_parser().parse_args(
            ["trajectory", "--surface", "ravine", "--optimizer", "adam",
             f"--no-{key.replace('_', '-')}"])
        assert cli._given_knobs(args) == {key: 0.0}


def test_the_labs_parameters_follow_the_registry():
    params = opt_state.OptimizerLabState.param
    expected = {opt_state.hp_param(n, hp) for n in opt.NAMES
                for hp in opt.OPTIMIZERS[n].hyperparams}
    assert set(opt_state.KNOB_PARAMS) == expected
    for p, (name, hp) in opt_state.KNOB_PARAMS.items():
        assert params[p].default == opt.hyperparams_for(name)[hp] or opt.KNOBS[hp].flag
        assert p in opt_state.OptimizerLabState.LINK_KEYS
    for key in opt.KNOBS:
        assert key in mlp_state.MlpLabState.param and key in mlp_state.MlpLabState.LINK_KEYS
    assert list(params.optimizers.objects) == list(opt.NAMES)
    assert list(mlp_state.MlpLabState.param.optimizer.objects) == list(opt.NAMES)


FAKE = textwrap.dedent(r'''
    import sys
    from types import MappingProxyType

    import numpy as np
    import optax

    import playground
    from playground.numerics import optimizers as opt

    # signSGD (Bernstein et al. 2018): θ ← θ − α sign(g).  One entry, and its name in the
    # language tables (``optimizer.<name>``); nothing else edited.
    from playground import text
    text.TEXT = MappingProxyType({lang: MappingProxyType({**table, "optimizer.signsgd": "signSGD"})
                                  for lang, table in text.TEXT.items()})
    fake = opt.OptimizerSpec(
        "signsgd", ("lr",), lambda h: optax.scale_by_sign(),
        r"\theta \leftarrow \theta - \alpha\,\mathrm{sign}(g)",
        r"\theta_{<t>} = <theta> - <alpha>\,\mathrm{sign}(<g>) = <new>")
    opt.OPTIMIZERS = MappingProxyType({**opt.OPTIMIZERS, "signsgd": fake})
    opt.NAMES = tuple(opt.OPTIMIZERS)

    import jax.numpy as jnp

    from playground import cli
    from playground.labs.mlp.state import MlpLabState
    from playground.labs.optimizers.lab import formula_at_step, formula_with_values
    from playground.labs.optimizers.state import OptimizerLabState
    from playground.numerics import race, training
    from playground.numerics.surfaces import SURFACES

    # The race: θ₁ = θ₀ − α sign(∇L(θ₀)) on the ravine L = x²/20 + 2y².
    r = race.run_race(SURFACES["ravine"].fn,
                      race.make_settings((-9.0, 1.5), {"signsgd": {"lr": 0.1}}, steps=3))
    k = opt.NAMES.index("signsgd")
    assert r.points.shape[1] == 7
    np.testing.assert_allclose(r.points[1, k], [-8.9, 1.4])
    assert "8.9" in formula_at_step("signsgd", r, 0, {"lr": 0.1})
    assert formula_with_values("signsgd", {"lr": 0.1}, False).endswith(r"\mathrm{sign}(g)")

    # The training engine.
    h = training.make_hyper("signsgd", lr=0.5)
    params = [{"W": jnp.ones((2, 2)), "b": jnp.zeros(2)}]
    state = training.OptimizerState(**{
        s: jnp.zeros((), jnp.int32) if s == opt.COUNT_SLOT else jnp.zeros(6)
        for s in opt.STATE_SLOTS})
    grads = [{"W": jnp.array([[2.0, -3.0], [0.0, 1.0]]), "b": jnp.array([-1.0, 4.0])}]
    new, _ = training.apply_update(params, state, grads, h, 0)
    np.testing.assert_allclose(new[0]["W"], [[0.5, 1.5], [1.0, 0.5]])
    np.testing.assert_allclose(new[0]["b"], [0.5, -0.5])

    # Both labs' states and links, and the command line.
    s = OptimizerLabState()
    assert "signsgd_lr" in s.param and "signsgd_lr" in OptimizerLabState.LINK_KEYS
    assert s.apply_query({"optimizers": "signsgd", "signsgd_lr": "0.25"}) == []
    assert s.signsgd_lr == 0.25 and s.hyperparams()["signsgd"] == {"lr": 0.25}
    assert s.apply_query({"signsgd_lr": "-1"})[0].startswith("signsgd_lr=")
    assert "signsgd" in MlpLabState.param.optimizer.objects
    assert cli.main(["trajectory", "--surface", "ravine", "--optimizer", "signsgd",
                     "--steps", "2", "--lr", "0.1"]) == 0

    # Both labs' pages: its controls, its card, its legend entry, its optimizer choice.
    from playground.labs.mlp.lab import MlpLab
    from playground.labs.optimizers.lab import OptimizerLab

    lab = OptimizerLab(state=OptimizerLabState(optimizers=["sgd", "signsgd"]))
    lab.prepare()
    shown = [*lab.main(), *lab.sidebar(), *lab.details()]
    assert any("signSGD" in str(getattr(o, "object", "")) or "signSGD" in str(
        getattr(o, "name", "")) for view in shown for o in view.select())
    mlp = MlpLab(state=MlpLabState(optimizer="signsgd"))
    mlp.prepare()
    assert [*mlp.main(), *mlp.sidebar(), *mlp.details()]
    print("ok")
''')


def test_a_new_optimizer_is_one_registry_entry_and_its_name():
    """A fake optimizer added to the registry (and its name to the language tables) in a
    fresh process races, trains, gets its lab parameters, link keys, CLI option, card and
    both labs' pages."""
    proc = subprocess.run([sys.executable, "-c", FAKE], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().endswith("ok")
