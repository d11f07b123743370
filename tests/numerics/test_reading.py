"""The plain-language reading on constructed curves: each verdict from the curve that shows it."""

import math

import numpy as np
import pytest

from playground.numerics.reading import reading, unstable


def history(train, val, train_acc=0.5, val_acc=0.5):
    """(epochs, 4) rows: training loss, training accuracy, validation loss, accuracy."""
    train, val = np.asarray(train, float), np.asarray(val, float)
    return np.stack([train, np.full_like(train, train_acc), val,
                     np.full_like(train, val_acc)], axis=1)


def test_oscillating_loss_reads_as_unstable_not_under_fitting():
    """SGD with α = 5: the loss jumps between about 2 and 14, both losses high and close."""
    train = np.r_[0.69, np.tile([2.0, 14.0], 15)]
    h = history(train, train * 1.05)
    assert reading(h, 2) == "unstable"
    # The same last values, smoothly reached, are the under-fitting the old reading saw.
    flat = history(np.full(31, math.log(2)), np.full(31, math.log(2)))
    assert reading(flat, 2) == "underfit"


@pytest.mark.parametrize("train", [
    np.r_[np.linspace(0.7, 0.2, 20), np.linspace(0.2, 0.9, 10)],  # rising
    np.r_[np.linspace(0.7, 0.3, 20), np.tile([0.3, 0.8], 5)],  # oscillating 0.3 ↔ 0.8
])
def test_rising_or_oscillating_training_loss_is_unstable(train):
    assert unstable(train)
    assert reading(history(train, train), 2) == "unstable"


@pytest.mark.parametrize("train", [
    np.geomspace(0.7, 0.01, 40),  # a fast, smooth fall
    np.geomspace(0.7, 0.3, 40) * (1 + 0.02 * np.tile([1, -1], 20)),  # mini-batch jitter
    np.r_[np.geomspace(0.7, 0.001, 30), 0.001 * (1 + 0.5 * np.tile([1, -1], 10))],  # near 0
])
def test_steady_training_is_not_unstable(train):
    assert not unstable(train)


def test_one_epochs_blip_is_not_a_rise_and_a_sustained_rise_is():
    """The over-fitting lesson at epoch 261 (Adam): the training loss near 0.02 jumped to
    0.08 for an epoch, read "unstable: lower α" and back (a student's review)."""
    settled = np.r_[np.geomspace(0.7, 0.02, 60), np.full(200, 0.02)]
    val = np.r_[np.linspace(0.7, 0.5, 60), np.linspace(0.5, 1.5, 200)]
    blip = np.r_[settled, 0.1]  # above 1.5·0.02 + 0.05: "rising" read one epoch alone
    assert not unstable(blip)
    assert reading(history(blip, np.r_[val, 1.5]), 2, noise=35.0) == "overfit"
    rise = np.r_[settled, np.linspace(0.02, 0.6, 30)]
    assert unstable(rise)


def test_a_high_loss_still_falling_is_still_learning():
    """SGD at epoch 30: loss 0.53 (ln 2 = 0.69 is chance) falling 1 % an epoch, read "a
    good fit" (a reviewer); flat at that level it is under-fitting, once low a good fit."""
    falling = 0.69 * 0.99 ** np.arange(31) - 0.1
    h = history(falling, falling * 1.05, train_acc=0.85, val_acc=0.8)
    assert reading(h, 2) == "learning"
    flat = history(np.full(31, 0.55), np.full(31, 0.57), train_acc=0.7, val_acc=0.7)
    assert reading(flat, 2) == "underfit"
    low = 0.2 * 0.99 ** np.arange(31)  # still falling, but no longer high
    assert reading(history(low, low * 1.05, 0.95, 0.95), 2) == "good"


def test_a_deep_sigmoid_network_stuck_at_chance_reads_vanishing_gradients():
    stuck = history(np.full(40, 0.693), np.full(40, 0.695), 0.5, 0.5)
    assert reading(stuck, 2, sigmoid_layers=6) == "underfit_vanishing"
    assert reading(stuck, 2, sigmoid_layers=2) == "underfit"  # shallow: capacity, maybe
    assert reading(stuck, 2) == "underfit"
    part = history(np.full(40, 0.45), np.full(40, 0.47), 0.7, 0.7)  # learnt a little
    assert reading(part, 2, sigmoid_layers=6) == "underfit"


def test_over_fitting_mentions_noise_only_when_there_is_noise():
    falling = np.linspace(0.7, 0.05, 20)
    val = np.r_[np.linspace(0.7, 0.4, 10), np.linspace(0.4, 1.0, 10)]
    h = history(falling, val)
    assert reading(h, 2, noise=35.0) == "overfit"
    assert reading(h, 2) == "overfit"  # noise unknown (an upload): "noise and quirks"
    assert reading(h, 2, noise=0.0) == "overfit_noise_free"


def test_every_verdict_has_a_text_and_only_the_noisy_one_speaks_of_noise():
    from playground.text import tr

    for key in ("early", "unstable", "underfit", "overfit", "overfit_noise_free", "good"):
        assert tr(f"mlp.reading.{key}")
    assert "noise" in tr("mlp.reading.overfit")
    assert "noise" not in tr("mlp.reading.overfit_noise_free")
    assert "learning rate" in tr("mlp.reading.unstable")
    assert "add hidden layers" not in tr("mlp.reading.unstable")


def test_single_noisy_epochs_do_not_flip_the_verdict():
    """Dropout 0.5 on 60 points: validation loss 0.55 and rising, its lowest 0.33 two
    hundred epochs back, yet epoch by epoch the verdict went "over-fitting", "a good fit",
    "over-fitting" (a student's review): each epoch's noise moved the training loss
    across the thresholds, and the training loss, flat at its floor, was "still falling"
    or not by chance.  Curves of that shape, noise included, read as over-fitting at every
    epoch from 900 on; without the noise the same curves read the same."""
    rng = np.random.default_rng(0)
    epochs = np.arange(1, 1101)
    val = 0.33 + 0.22 * np.clip((epochs - 750) / 250, 0, None) ** 1.2 + 0.35 * np.exp(
        -epochs / 60)
    train = 0.20 + 0.45 * np.exp(-epochs / 80)
    # (The review's run: 3 % and 3.5 % from epoch to epoch; here twice that.)
    noisy_val = val * np.exp(rng.normal(0, 0.07, len(epochs)))
    noisy_train = train * np.exp(rng.normal(0, 0.06, len(epochs)))
    acc = np.full(len(epochs), 0.9)
    for t, v in ((noisy_train, noisy_val), (train, val)):
        history = np.stack([t, acc, v, acc], axis=1)
        verdicts = {reading(history[:e], 2, noise=0.35) for e in range(900, 1101)}
        assert verdicts == {"overfit"}, verdicts
    # Averaging hides no turn that lasts: a network still improving reads good.
    history = np.stack([train, acc, train * 1.1, acc], axis=1)
    assert reading(history, 2, noise=0.35) == "good"


def test_the_window_is_one_epoch_for_short_runs_and_at_most_25():
    from playground.numerics.reading import window

    assert [window(e) for e in (6, 39, 40, 100, 500, 5000)] == [1, 1, 2, 5, 25, 25]
