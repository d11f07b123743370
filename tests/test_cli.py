"""``python -m playground trajectory``: strict JSON out, one-line errors with status 2.

Most commands run in real subprocesses.  Each one imports JAX and compiles its race, so
they are started when this module is imported (at collection) and run in the background,
on a core the single-threaded test process leaves idle, while the other test files run.
To keep the suite fast, "momentum-defaults" and every command of BAD also go through
``cli.main`` in this process, which is what ``python -m playground`` calls (its
``__main__`` is ``sys.exit(main())``).
"""

import argparse
import io
import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stderr, redirect_stdout
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import torch

from playground import cli

ROOT = Path(__file__).resolve().parent.parent

GOOD = {
    "adam": ["--surface", "himmelblau", "--optimizer", "adam", "--steps", "60",
             "--start=0.5,4", "--lr", "0.1", "--beta1", "0.8", "--beta2", "0.99",
             "--eps", "0.001"],
    # The surface's own start and defaults (ravine: momentum lr 0.05, not the global 0.01).
    "momentum-defaults": ["--surface", "ravine", "--optimizer", "momentum", "--steps", "40"],
    "diverging": ["--surface", "ravine", "--optimizer", "sgd", "--lr", "1.5", "--steps", "50"],
}

BAD = {
    "unknown surface": ["--surface", "nope", "--optimizer", "sgd"],
    "unknown optimizer": ["--surface", "ravine", "--optimizer", "lbfgs"],
    "lr nan": ["--surface", "ravine", "--optimizer", "sgd", "--lr", "nan"],
    "lr negative": ["--surface", "ravine", "--optimizer", "sgd", "--lr", "-1"],
    "steps negative": ["--surface", "ravine", "--optimizer", "sgd", "--steps", "-5"],
    "steps huge": ["--surface", "ravine", "--optimizer", "sgd", "--steps", str(10**9)],
    "start one number": ["--surface", "ravine", "--optimizer", "sgd", "--start=1"],
    "start not numbers": ["--surface", "ravine", "--optimizer", "sgd", "--start=a,b"],
    "momentum above 1": ["--surface", "ravine", "--optimizer", "momentum", "--momentum", "1.5"],
    "custom without expression": ["--surface", "custom", "--optimizer", "sgd"],
    "custom hostile expression": ["--surface", "custom", "--optimizer", "sgd",
                                  "--expression", "__import__('os')"],
    # Settings that cannot run together: one would be ignored (issue #11).
    "expression without custom": ["--surface", "ravine", "--optimizer", "sgd",
                                  "--expression", "x**2"],
    "knob of another optimizer": ["--surface", "ravine", "--optimizer", "adam",
                                  "--momentum", "0.5"],
    "rho for sgd": ["--surface", "ravine", "--optimizer", "sgd", "--decay", "0.5"],
    "gamma without exponential": ["--surface", "ravine", "--optimizer", "sgd", "--schedule",
                                  "step", "--gamma", "0.5"],
    "every with constant": ["--surface", "ravine", "--optimizer", "sgd", "--every", "10"],
    "factor with cosine": ["--surface", "ravine", "--optimizer", "sgd", "--schedule", "cosine",
                           "--factor", "3"],
    "clip value without clipping": ["--surface", "ravine", "--optimizer", "sgd",
                                    "--clip-value", "2"],
    "clip value zero": ["--surface", "ravine", "--optimizer", "sgd", "--clip", "norm",
                        "--clip-value", "0"],
    # The lab's bounds (numerics.optimizers): past them α is 0 after a few steps.
    "factor huge": ["--surface", "ravine", "--optimizer", "sgd", "--steps", "20",
                    "--schedule", "step", "--factor", "1e300", "--every", "1"],
    "gamma tiny": ["--surface", "ravine", "--optimizer", "sgd", "--schedule", "exponential",
                   "--gamma", "0.01"],
}
# The ones also run as real processes.
BAD_IN_SUBPROCESS = ("unknown surface", "custom hostile expression", "lr nan")
GOOD_IN_PROCESS = ("momentum-defaults",)


def _run(args):
    return subprocess.run([sys.executable, "-m", "playground", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def _start_commands():
    commands = {("good", k): ["trajectory", *v] for k, v in GOOD.items()
                if k not in GOOD_IN_PROCESS}
    commands.update({("bad", k): ["trajectory", *BAD[k]] for k in BAD_IN_SUBPROCESS})
    pool = ThreadPoolExecutor(max_workers=2)
    futures = {k: pool.submit(_run, v) for k, v in commands.items()}
    pool.shutdown(wait=False)
    return futures


_FUTURES = _start_commands()


@cache
def outcomes():
    """The subprocess commands: id -> CompletedProcess."""
    return {k: f.result() for k, f in _FUTURES.items()}


def _no_special_floats(token):
    raise ValueError(f"non-standard JSON constant {token}")


def strict_json(text):
    return json.loads(text, parse_constant=_no_special_floats)


@cache
def in_process(name):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = cli.main(["trajectory", *GOOD[name]])
    return subprocess.CompletedProcess(GOOD[name], status, out.getvalue(), err.getvalue())


def good(name):
    proc = in_process(name) if name in GOOD_IN_PROCESS else outcomes()[("good", name)]
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout.endswith("\n") and proc.stdout.count("\n") == 1
    return strict_json(proc.stdout)


def test_strict_json_rejects_nan():
    with pytest.raises(ValueError):
        strict_json('{"a": NaN}')
    with pytest.raises(ValueError):
        strict_json('{"a": [1, -Infinity]}')


@pytest.mark.parametrize("name", list(GOOD))
def test_output_shape(name):
    out = good(name)
    steps = int(GOOD[name][GOOD[name].index("--steps") + 1])
    assert set(out) == {"surface", "optimizer", "params", "points", "loss", "diverged_at",
                        "gradient_undefined_at", "outside_domain_at"}
    assert out["surface"] == GOOD[name][1]
    assert out["optimizer"] == GOOD[name][3]
    assert len(out["points"]) == steps + 1
    assert len(out["loss"]) == steps + 1
    assert all(len(p) == 2 for p in out["points"])
    assert all(isinstance(v, float) for p in out["points"] for v in p)


def test_first_point_is_the_start():
    assert good("adam")["points"][0] == [0.5, 4.0]
    assert good("momentum-defaults")["points"][0] == [-9.0, 1.5]  # the ravine's start


def test_params():
    assert good("adam")["params"] == {"lr": 0.1, "beta1": 0.8, "beta2": 0.99, "eps": 0.001,
                                      "bias_correction": 1.0}
    assert good("momentum-defaults")["params"] == {"lr": 0.05, "momentum": 0.9}
    assert good("diverging")["params"] == {"lr": 1.5}


def torch_points(f, optimizer, start, steps):
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optim = optimizer([p])
    points = [p.detach().numpy().copy()]
    for _ in range(steps):
        optim.zero_grad()
        f(p[0], p[1]).backward()
        optim.step()
        points.append(p.detach().numpy().copy())
    return np.array(points)


def test_adam_points_match_torch():
    out = good("adam")
    himmelblau = lambda x, y: (x**2 + y - 11.0) ** 2 + (x + y**2 - 7.0) ** 2
    expected = torch_points(
        himmelblau, lambda ps: torch.optim.Adam(ps, lr=0.1, betas=(0.8, 0.99), eps=1e-3),
        (0.5, 4.0), 60)
    np.testing.assert_allclose(np.array(out["points"]), expected, rtol=1e-9, atol=1e-12)
    loss = [himmelblau(x, y) for x, y in expected]
    np.testing.assert_allclose(out["loss"], loss, rtol=1e-9, atol=1e-12)
    assert out["diverged_at"] is None


def test_momentum_defaults_match_torch():
    out = good("momentum-defaults")
    ravine = lambda x, y: 0.05 * x**2 + 2.0 * y**2
    expected = torch_points(
        ravine, lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9), (-9.0, 1.5), 40)
    np.testing.assert_allclose(np.array(out["points"]), expected, rtol=1e-9, atol=1e-12)
    assert out["diverged_at"] is None


def test_diverging_run():
    out = good("diverging")
    assert isinstance(out["diverged_at"], int) and not isinstance(out["diverged_at"], bool)
    k = out["diverged_at"]
    # SGD with α = 1.5 on 0.05x² + 2y²: y ← (1 − 6)·y = −5y, so |y| passes 1e6 at
    # 1.5·5ᵏ > 1e6, k = 9.
    assert k == 9
    points = np.array(out["points"])
    assert np.all(np.isfinite(points)) and np.all(np.isfinite(out["loss"]))
    np.testing.assert_array_equal(points[k:], np.broadcast_to(points[k - 1], (51 - k, 2)))
    np.testing.assert_allclose(points[:k, 1], 1.5 * (-5.0) ** np.arange(k), rtol=1e-12)


@pytest.mark.parametrize("name", BAD_IN_SUBPROCESS)
def test_bad_input_process(name):
    proc = outcomes()[("bad", name)]
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("name", [*BAD, "no command"])
def test_bad_input(name, capsys):
    status = cli.main(["trajectory", *BAD[name]] if name in BAD else [])
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert len(err.splitlines()) == 1, err
    assert err.startswith("error: ") and err.endswith("\n")


def test_main_in_process_prints_what_the_process_prints():
    """The in-process path used above gives the same output as a real process."""
    diverging = in_process("diverging")
    assert diverging.returncode == 0 and diverging.stderr == ""
    assert strict_json(diverging.stdout) == good("diverging")


# --- python -m playground train -------------------------------------------------

def test_train_prints_curves_and_learns_xor_with_a_hidden_layer():
    out = io.StringIO()
    with redirect_stdout(out):
        status = cli.main(["train", "--dataset", "xor", "--points", "200", "--layers", "8",
                           "--optimizer", "adam", "--lr", "0.03", "--epochs", "60"])
    assert status == 0
    result = strict_json(out.getvalue())
    curves = result["epochs"]
    assert set(curves) == {"train_loss", "train_accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 60 for v in curves.values())
    assert curves["train_loss"][-1] < curves["train_loss"][0]
    assert result["final"]["val_accuracy"] > 0.9
    assert result["settings"]["n_train"] == 100 and result["settings"]["layers"] == [8]


@pytest.mark.parametrize("argv", [
    ["train", "--dataset", "nope"],
    ["train", "--dataset", "xor", "--layers", "8,99"],
    ["train", "--dataset", "xor", "--layers", "a"],
    ["train", "--dataset", "xor", "--lr", "-1"],
    ["train", "--dataset", "xor", "--dropout", "1"],
    ["train", "--dataset", "xor", "--features", "x1,cos"],
    ["train", "--dataset", "xor", "--train-ratio", "105"],
    # Settings that cannot run together (issue #11).
    ["train", "--dataset", "circle", "--batchnorm", "--batch", "1"],
    ["train", "--dataset", "circle", "--batchnorm", "--points", "10", "--train-ratio", "10"],
    ["train", "--dataset", "xor", "--layers", "0", "--dropout", "0.5"],
    ["train", "--dataset", "xor", "--layers", "0", "--batchnorm"],
    ["train", "--dataset", "xor", "--optimizer", "sgd", "--momentum", "0.5"],
    ["train", "--dataset", "xor", "--optimizer", "momentum", "--beta1", "0.5"],
    ["train", "--dataset", "xor", "--optimizer", "sgd", "--no-bias-correction"],
    ["train", "--dataset", "xor", "--csv", "x.csv"],
    ["train", "--csv", "/nonexistent/x.csv"],
])
def test_train_rejects_bad_input_with_one_line(argv, capsys):
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1


def test_a_formula_that_starts_with_a_minus_is_the_formula_not_an_option(capsys):
    status = cli.main(["trajectory", "--surface", "custom", "--expression", "-x**2 + y**2",
                       "--optimizer", "sgd", "--steps", "1", "--start=1,1"])
    assert status == 0
    assert json.loads(capsys.readouterr().out)["loss"][0] == 0.0  # -1 + 1


@pytest.mark.parametrize("start", ["2e6,0", "1e200,0", "0,-1e7"])
def test_a_start_beyond_the_divergence_bound_is_refused_in_one_line(capsys, start):
    """The race counts such a start as diverged at step 0 (it printed loss 0.0 for a loss
    of 2e11): the command line says why instead."""
    status = cli.main(["trajectory", "--surface", "ravine", "--optimizer", "sgd",
                       f"--start={start}"])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "start must be" in err, err


@pytest.mark.parametrize(("expression", "said"), [
    ("sqrt(x)", "not defined at the start point (-1, 0): its value there is NaN"),
    ("1/(x + 1)", "infinite at the start point (-1, 0)")])
def test_a_start_where_the_formula_has_no_finite_value_says_which(capsys, expression, said):
    status = cli.main(["trajectory", "--surface", "custom", "--expression", expression,
                       "--optimizer", "sgd", "--start=-1,0"])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and said in err, err


# --- issue #11 --------------------------------------------------------------------

def run_main(argv, capsys):
    status = cli.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("start", ["1,0", "0,0"])
def test_the_tip_of_a_cone_is_reached_and_kept_not_a_divergence(capsys, start):
    """The issue's example: SGD with α = 1 from (1, 0) reaches (0, 0) with loss 0 at step
    1 and stays at step 2; started at (0, 0) it stays."""
    status, out, err = run_main(["trajectory", "--surface", "custom", "--expression",
                                 "sqrt(x**2 + y**2)", "--optimizer", "sgd", "--lr", "1",
                                 "--steps", "2", f"--start={start}"], capsys)
    assert status == 0 and err == ""
    result = strict_json(out)
    assert result["points"][1:] == [[0.0, 0.0], [0.0, 0.0]]
    assert result["loss"][1:] == [0.0, 0.0]
    assert result["diverged_at"] is None and result["gradient_undefined_at"] is None


def test_an_infinite_slope_is_reported_as_an_undefined_gradient(capsys):
    status, out, _ = run_main(["trajectory", "--surface", "custom", "--expression",
                               "sqrt(x) + y**2", "--optimizer", "momentum", "--steps", "5",
                               "--start=0,1"], capsys)
    result = strict_json(out)
    assert status == 0
    assert result["gradient_undefined_at"] == 0 and result["diverged_at"] is None
    assert result["points"] == [[0.0, 1.0]] * 6


def test_a_step_out_of_the_formulas_domain_is_not_called_a_divergence(capsys):
    """√x + y² by SGD from (2, 1.5), α = 0.05 (review: "diverged" on a falling loss):
    the loss falls until a step jumps over x = 0 to x < 0, where √x has no value."""
    status, out, _ = run_main(["trajectory", "--surface", "custom", "--expression",
                               "sqrt(x)+y**2", "--optimizer", "sgd", "--lr", "0.05",
                               "--start=2,1.5"], capsys)
    result = strict_json(out)
    k = result["outside_domain_at"]
    assert status == 0 and result["diverged_at"] is None and k is not None
    assert result["gradient_undefined_at"] is None
    assert all(a > b for a, b in zip(result["loss"][:k - 1], result["loss"][1:k], strict=True))
    x, y = result["points"][k - 1]
    g = 0.5 / np.sqrt(x)  # ∂/∂x of √x: the step SGD took from there overshot 0
    assert x > 0 and x - 0.05 * g < 0
    # A real blow-up is still one: Rosenbrock at α = 0.5.
    status, out, _ = run_main(["trajectory", "--surface", "rosenbrock", "--optimizer",
                               "sgd", "--lr", "0.5"], capsys)
    result = strict_json(out)
    assert result["diverged_at"] is not None and result["outside_domain_at"] is None


def test_batchnorm_with_a_batch_of_one_is_one_line_and_status_2_in_a_process():
    proc = _run(["train", "--dataset", "circle", "--batchnorm", "--batch", "1"])
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr
    assert "--batchnorm needs at least 2 examples per batch" in proc.stderr


def test_train_prints_float32_values_as_their_shortest_decimal_and_trains_all_of_a_csv(
        capsys, tmp_path):
    """XOR's truth table with a training share of 100 %: all 4 points train, the validation
    columns are null; every number is the float32's shortest decimal (0.25, not
    0.25000000372529)."""
    table = tmp_path / "xor.csv"
    table.write_text("x1,x2,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n")
    status, out, err = run_main(["train", "--csv", str(table), "--train-ratio", "100",
                                 "--layers", "4", "--batch", "4", "--lr", "0.05",
                                 "--epochs", "300"], capsys)
    assert status == 0, err
    result = strict_json(out)
    assert result["settings"]["n_train"] == 4 and result["settings"]["n_val"] == 0
    assert result["epochs"]["val_loss"] is None and result["final"]["val_accuracy"] is None
    assert result["final"]["train_accuracy"] == 1.0
    values = result["epochs"]["train_loss"] + result["epochs"]["train_accuracy"]
    for value in values:
        assert repr(value) == str(np.float32(value)), value
    assert "0000000" not in out.split('"epochs"')[1]


def test_train_defaults_are_the_labs():
    from playground.labs.mlp.state import MlpLabState
    from playground.numerics import training
    args = cli.build_parser().parse_args(["train", "--dataset", "circle"])
    lab = MlpLabState()
    for key in ("points", "noise", "train_ratio", "activation", "init", "optimizer", "batch",
                "dropout", "l1", "l2", "seed", "batchnorm", "normalise"):
        assert getattr(args, key) == getattr(lab, key), key
    assert args.features.split(",") == lab.features
    assert ",".join(map(str, args.layers)) == lab.layers == training.DEFAULTS["layers"]
    assert cli._given_knobs(args) == {}  # lr: the registry's default, as the lab's
    assert lab.lr == cli.opt.KNOBS["lr"].default


def test_train_prints_the_numbers_the_labs_page_shows():
    """The command and a page opened at the same settings and epoch: the same losses
    to the last digit (the command's own compiled loop drifted by rounding: at 500
    noisy points, epoch 300, validation 0.407 against the page's 0.431, and 1.21
    against 0.82 at epoch 1,000; a new user's review). 300 epochs: past one chunk
    (256) of the lab's program."""
    from playground.static_export import read_link

    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["train", "--dataset", "circle", "--noise", "35", "--points", "200",
                         "--layers", "8,8", "--activation", "relu", "--init", "he",
                         "--epochs", "300"]) == 0
    printed = strict_json(out.getvalue())["epochs"]
    _, state = read_link("lab=mlp&dataset=circle&noise=35&points=200&layers=8,8"
                         "&activation=relu&init=he&epoch=300")
    assert state.epoch == 300
    columns = ("train_loss", "train_accuracy", "val_loss", "val_accuracy")
    for i, column in enumerate(columns):
        assert printed[column] == [float(str(v)) for v in state.history[1:, i]], column


def test_train_uses_the_learning_rate_it_prints():
    """Without --lr: the optimizer's default α, the same curves as that α typed (it had
    trained at 0.03 and printed Adam's 0.01)."""
    argv = ["train", "--dataset", "xor", "--points", "60", "--layers", "4", "--epochs", "15",
            "--optimizer", "adam"]
    results = {}
    for extra in ([], ["--lr", "0.01"], ["--lr", "0.03"]):
        out = io.StringIO()
        with redirect_stdout(out):
            assert cli.main(argv + extra) == 0
        results[tuple(extra)] = strict_json(out.getvalue())
    default = results[()]
    assert default["settings"]["lr"] == 0.01 == cli.opt.OPTIMIZERS["adam"].defaults.get(
        "lr", cli.opt.KNOBS["lr"].default)
    assert default["epochs"] == results[("--lr", "0.01")]["epochs"]
    assert default["epochs"] != results[("--lr", "0.03")]["epochs"]


@pytest.mark.parametrize("points, ok", [("9", False), ("10", True), ("2000", True),
                                        ("2001", False)])
def test_train_points_has_the_labs_bounds(capsys, points, ok):
    from playground.labs.mlp.state import MlpLabState

    assert MlpLabState.param["points"].bounds == (10, 2000)
    args = ["train", "--dataset", "xor", "--points", points, "--epochs", "1"]
    assert cli.main(args) == (0 if ok else 2)
    if not ok:
        assert "points" in capsys.readouterr().err


def test_train_help_says_the_l1_rule_the_lab_shows(capsys):
    """``--l1`` is the proximal step the engine applies, in the words the lab's control
    carries (``text`` key ``mlp.l1``), in both languages."""
    from playground.text import tr
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    rule = "sign(w)·max(|w| − α·λ₁, 0)"
    assert rule in shown
    assert rule in tr("mlp.l1", "en") and rule in tr("mlp.l1", "zh")


def test_a_schedule_that_brings_alpha_to_zero_says_so_on_stderr():
    """As the lab's note: within the bounds, k = 100 every step underflows α (float64)
    near step 154; the run goes on and says where α reached 0."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = cli.main(["trajectory", "--surface", "ravine", "--optimizer", "sgd",
                           "--steps", "300", "--schedule", "step", "--factor", "100",
                           "--every", "1"])
    assert status == 0
    assert err.getvalue().startswith("note: The learning-rate schedule brings α to 0 at step ")
    points = strict_json(out.getvalue())["points"]
    assert points[-1] == points[-50]  # no step once α is 0


def test_training_that_diverges_names_the_first_epoch_without_a_finite_loss(capsys):
    status, out, err = run_main(["train", "--dataset", "spiral", "--layers", "8,8",
                                 "--activation", "linear", "--optimizer", "sgd",
                                 "--lr", "100", "--epochs", "30"], capsys)
    assert status == 2 and out == "" and err.count("\n") == 1, err
    epoch = int(re.search(r"diverged at epoch (\d+) \(", err).group(1))
    assert 1 <= epoch <= 30
    status, out, _ = run_main(["train", "--dataset", "spiral", "--layers", "8,8",
                               "--activation", "linear", "--optimizer", "sgd", "--lr", "100",
                               "--epochs", str(epoch - 1)], capsys) if epoch > 1 else (0, "", "")
    assert status == 0  # one epoch fewer is finite


# --- one bound per setting ----------------------------------------------------------

_COMMAND_START = {"trajectory": ["trajectory", "--surface", "ravine", "--optimizer", "sgd"],
                  "train": ["train", "--dataset", "xor"], "biasvariance": ["biasvariance"]}


def _lab_state(lab: str):
    from playground.labs.biasvariance.state import BiasVarianceLabState
    from playground.labs.mlp.state import MlpLabState
    from playground.labs.optimizers.state import OptimizerLabState
    return {"optimizers": OptimizerLabState, "mlp": MlpLabState,
            "biasvariance": BiasVarianceLabState}[lab]


@pytest.mark.parametrize("command, option, lab, name", [
    ("trajectory", "--steps", "optimizers", "steps"),
    ("trajectory", "--noise", "optimizers", "noise"),
    ("trajectory", "--seed", "optimizers", "seed"),
    ("trajectory", "--every", "optimizers", "schedule_every"),
    ("trajectory", "--factor", "optimizers", "schedule_factor"),
    ("trajectory", "--gamma", "optimizers", "schedule_gamma"),
    ("trajectory", "--clip-value", "optimizers", "clip_value"),
    ("trajectory", "--start", "optimizers", "x0"),
    ("train", "--points", "mlp", "points"),
    ("train", "--noise", "mlp", "noise"),
    ("train", "--train-ratio", "mlp", "train_ratio"),
    ("train", "--batch", "mlp", "batch"),
    ("train", "--dropout", "mlp", "dropout"),
    ("train", "--l1", "mlp", "l1"),
    ("train", "--l2", "mlp", "l2"),
    ("train", "--seed", "mlp", "seed"),
    ("biasvariance", "--n", "biasvariance", "n"),
    ("biasvariance", "--datasets", "biasvariance", "datasets"),
    ("biasvariance", "--noise", "biasvariance", "noise"),
    ("biasvariance", "--ridge", "biasvariance", "ridge"),
    ("biasvariance", "--seed", "biasvariance", "seed"),
])
def test_an_option_has_its_labs_bounds(command, option, lab, name):
    """The command line accepts a setting's two ends in the lab and refuses just beyond
    them: one pair of bounds per setting (the page refused a batch the command line took)."""
    low, high = _lab_state(lab).param[name].bounds
    integer = isinstance(low, int) and isinstance(high, int)
    def outside(end, sign):
        return end + sign * (1 if integer else max(abs(end) * 1e-3, 1e-9))

    def accepts(value) -> bool:
        text = f"{value!r},0" if option == "--start" else repr(value)
        try:
            cli.build_parser().parse_args([*_COMMAND_START[command], f"{option}={text}"])
        except cli.UsageError:
            return False
        return True

    assert accepts(low) and accepts(high), (low, high)
    assert not accepts(outside(low, -1)) and not accepts(outside(high, +1)), (low, high)


def test_the_export_and_figure_options_say_the_defaults_their_modules_use():
    """The command line states ``static_export``'s defaults in words (importing it would
    load Panel for every command): they must be the module's."""
    from playground import figure, static_export

    parser = cli.build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    export = {a.dest: a.help for a in commands.choices["export"]._actions}
    assert f"(default {static_export.DEFAULT_VALUES})" in export["values"]
    assert f"else {static_export.DEFAULT_EPOCHS})" in export["epochs"]
    assert f"(default {static_export.DEFAULT_SNAPSHOTS})" in export["snapshots"]
    drawn = {a.dest: a.default for a in commands.choices["figure"]._actions}
    assert drawn["size"] == "{}x{}".format(*figure.DEFAULT_SIZE)
