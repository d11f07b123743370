"""What the shipped lessons' captions say (``playground/lessons/*.json``) against what
their steps compute: each claim a new user's review found wrong, and its numbers.

Oracles: finite differences for a Hessian, the race engine's runs for the optimizer
steps (as the page shows them), the training command (the lab's numbers to the last
digit) for the over-fitting steps.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np

from playground import cli
from playground.numerics import optimizers as opt
from playground.numerics.surfaces import SURFACES
from playground.static_export import read_link
from playground.ui.lesson import LESSON_DIR


def caption(name: str, step: int) -> dict[str, str]:
    lesson = json.loads((Path(LESSON_DIR) / f"{name}.json").read_text(encoding="utf-8"))
    return lesson["steps"][step - 1]["caption"]


def link(name: str, step: int) -> str:
    lesson = json.loads((Path(LESSON_DIR) / f"{name}.json").read_text(encoding="utf-8"))
    return lesson["steps"][step - 1]["link"]


def test_the_saddles_hill_top_is_along_x_and_its_valley_along_y():
    """Saddle, step 2: the eigenvalues −4 along x and 2 along y read "a valley in one
    direction, a hill top in the other", x first: the wrong way round."""
    fn = SURFACES["saddle"].fn
    h = 1e-4
    f = lambda x, y: float(np.asarray(fn(x, y)))
    d2x = (f(h, 0.0) - 2 * f(0.0, 0.0) + f(-h, 0.0)) / h**2
    d2y = (f(0.0, h) - 2 * f(0.0, 0.0) + f(0.0, -h)) / h**2
    cross = (f(h, h) - f(h, -h) - f(-h, h) + f(-h, -h)) / (4 * h**2)
    assert abs(d2x + 4) < 1e-5 and abs(d2y - 2) < 1e-5 and abs(cross) < 1e-5
    words = caption("saddle_escape", 2)
    assert "−4 (along x) and 2 (along y): a hill top along x, a valley along y" in words["en"]
    assert "沿 x 方向是山顶，沿 y 方向是山谷" in words["zh"]


def _race(query: str):
    _, state = read_link(query)
    return state.result


def _first_below(loss, level=0.01) -> int:
    below = np.asarray(loss) < level
    assert below.any()
    return int(np.argmax(below))


def test_plain_gradient_descent_creeps_along_the_ravine_floor():
    """Ravine, step 1 (α = 0.45): x ← (1 − 0.1α)x = 0.955x, y ← (1 − 4α)y = −0.8y; by
    step 20 |y| < 0.02 and x = −9 · 0.955²⁰ ≈ −3.6 (the caption said "creeps" while the
    chart showed 4×10⁻⁴ at step 100: now it says how slowly)."""
    run = _race(link("momentum_ravine", 1))
    k = opt.NAMES.index("sgd")
    x, y = np.asarray(run.points[:, k, 0]), np.asarray(run.points[:, k, 1])
    np.testing.assert_allclose(x[1:] / x[:-1], 0.955, rtol=1e-6)
    np.testing.assert_allclose(y[1:11] / y[:10], -0.8, rtol=1e-6)
    assert abs(y[20]) < 0.02 and round(float(x[20]), 1) == -3.6
    # The shares taken off each step, from the run (the caption had said "80 % off y",
    # the factor's size rather than what it takes off: a student's review).
    off_x = round(100 * (1 - float(np.median(np.abs(x[1:] / x[:-1])))), 1)
    off_y = round(100 * (1 - float(np.median(np.abs(y[1:11] / y[:10])))))
    words = caption("momentum_ravine", 1)
    assert f"only {off_x} % off x (and {off_y} % off |y|, flipping its sign)" in words["en"]
    assert "at step 20, with the zig-zag gone (|y| < 0.02), x is still −3.6" in words["en"]
    assert f"x 只缩小 {off_x}%（|y| 缩小 {off_y}%，且每步变号）" in words["zh"]
    assert "x 仍在 −3.6" in words["zh"]


def test_momentum_swings_slowly_across_the_ravine_and_nesterov_damps_it():
    """Ravine, step 3: the momentum path's y does not alternate step by step (its
    gradients "alternate in sign and cancel" said the caption): it swings from wall to
    wall, there and back in about 14 steps, smaller each time, below 0.01 by step 44.
    Step 5: Nesterov's swing is far smaller, yet below 0.01 only a step sooner (43);
    Adam at 22."""
    three = _race(link("momentum_ravine", 3))
    m = opt.NAMES.index("momentum")
    y = np.asarray(three.points[:, m, 1])
    crossings = np.flatnonzero(np.diff(np.sign(y)) != 0)
    periods = 2 * np.diff(crossings[:8])
    assert np.all((periods >= 12) & (periods <= 16)), periods  # "about 14 steps"
    peaks = [np.abs(y[a + 1:b + 1]).max() for a, b in zip(crossings[:6], crossings[1:7],
                                                           strict=True)]
    assert all(later < earlier for earlier, later in zip(peaks, peaks[1:], strict=False))
    assert _first_below(three.loss[:, m]) == 44
    assert "there and back in about 14 steps" in caption("momentum_ravine", 3)["en"]
    assert "below 0.01 by step 44" in caption("momentum_ravine", 3)["en"].lower()
    five = _race(link("momentum_ravine", 5))
    n, a = opt.NAMES.index("nesterov"), opt.NAMES.index("adam")
    swing = {k: np.abs(np.asarray(five.points[10:, k, 1])).max() for k in (m, n)}
    assert swing[n] < swing[m] / 3, swing  # "a much smoother path"
    assert (_first_below(five.loss[:, m]), _first_below(five.loss[:, n]),
            _first_below(five.loss[:, a])) == (44, 43, 22)
    words = caption("momentum_ravine", 5)["en"]
    assert "a much smoother path, though along the floor it is no faster" in words
    assert "below 0.01 at step 43" in words and "below 0.01 by step 22" in words


def test_at_the_saddle_adam_does_not_linger_and_momentum_lingers_longer_than_sgd():
    """Saddle, step 4: below 0.01 at steps 47 (Adam), 81 (SGD) and 91 (momentum); near
    the saddle's loss of 1 (within 0.05) SGD stays 46 steps, momentum 49, Adam none (the
    caption said momentum lingers "as long as SGD": it also leaves it ten steps later)."""
    run = _race(link("saddle_escape", 4))
    s, m, a = (opt.NAMES.index(n) for n in ("sgd", "momentum", "adam"))
    assert [_first_below(run.loss[:, k]) for k in (a, s, m)] == [47, 81, 91]
    near = {k: int((np.abs(np.asarray(run.loss[:, k]) - 1) < 0.05).sum()) for k in (s, m, a)}
    assert abs(near[m] - near[s]) <= 5 and near[a] == 0, near
    words = caption("saddle_escape", 4)
    assert "below 0.01 at step 47; SGD at step 81" in words["en"]
    assert "lingers about as long as SGD, and is below 0.01 only at step 91" in words["en"]
    assert "到第 91 步损失才低于 0.01" in words["zh"]


def _train(layers: str, epochs: int) -> dict:
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["train", "--dataset", "circle", "--noise", "35", "--points", "60",
                         "--layers", layers, "--activation", "relu", "--init", "he",
                         "--epochs", str(epochs)]) == 0
    return json.loads(out.getvalue())["epochs"]


def test_the_small_models_gap_grows_far_more_slowly_but_grows():
    """Over-fitting, step 3 (one hidden layer of 4) against step 1 (three of 32): its
    validation loss turns up after about 190 epochs; the gap (validation − training)
    about 0.35 at epoch 300 and 0.8 at 1,000, against 1.7 and 2.9; and it still grows
    (the caption said it "stays smaller", and 3,000 epochs took it to 3)."""
    assert "lab=mlp&dataset=circle&noise=35&points=60&layers=4&" in link("overfitting", 3)
    assert "points=60&layers=32,32,32&activation=relu&init=he" in link("overfitting", 1)
    small, big = _train("4", 1000), _train("32,32,32", 1000)
    gap = {name: np.asarray(run["val_loss"]) - np.asarray(run["train_loss"])
           for name, run in (("small", small), ("big", big))}
    assert 180 <= int(np.argmin(small["val_loss"])) + 1 <= 200
    assert round(float(gap["small"][299]), 2) in (0.34, 0.35, 0.36)
    assert round(float(gap["small"][999]), 1) == 0.8
    assert round(float(gap["big"][299]), 1) == 1.7 and round(float(gap["big"][999]), 1) == 2.9
    assert gap["small"][999] > 2 * gap["small"][199]  # it grows: "over-fit" in time
    words = caption("overfitting", 3)
    assert "about 0.35 at epoch 300 and 0.8 at epoch 1,000" in words["en"]
    assert "1.7 and 2.9" in words["en"] and "about 190 epochs" in words["en"]
    assert "大约 190 个迭代周期" in words["zh"] and "1.7 和 2.9" in words["zh"]
