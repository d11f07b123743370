"""A plain-language verdict on training curves: unstable, under-fitting, over-fitting or a
good fit."""

from __future__ import annotations

import math

import numpy as np

#: The last epochs whose training loss tells whether training is stable now.
RECENT_EPOCHS = 10
#: The curves are compared as means over this share of the epochs so far (at most
#: ``MAX_WINDOW`` epochs): mini-batch and dropout noise moved single epochs across the
#: thresholds, and the verdict flipped between over-fitting and a good fit from one
#: epoch to the next (a student's review, dropout 0.5 at epoch 1,000).
WINDOW_SHARE, MAX_WINDOW = 0.05, 25
#: Still learning: the (smoothed) training loss fell by more than this share over the
#: last ``LEARNING_SHARE`` of the epochs (at least ``LEARNING_EPOCHS``, or all of them).
LEARNING_DROP, LEARNING_SHARE, LEARNING_EPOCHS = 0.03, 0.1, 10


def window(epochs: int) -> int:
    """The epochs averaged over (``WINDOW_SHARE``): 1 up to 39 epochs, 25 from 500."""
    return int(min(MAX_WINDOW, max(1, epochs * WINDOW_SHARE)))


def smoothed(values: np.ndarray, width: int) -> np.ndarray:
    """The means of ``width`` consecutive values (len − width + 1 of them)."""
    return np.convolve(np.asarray(values, float), np.ones(width) / width, mode="valid")


def unstable(train: np.ndarray) -> bool:
    """Whether the training loss oscillates or rises instead of falling: steps overshoot.

    Oscillating: over the last ``RECENT_EPOCHS`` epochs the loss climbs back, on average
    per epoch, more than a tenth of its level (mean of max(Lₜ₊₁ − Lₜ, 0) >
    0.1·mean L + 0.02; mini-batch noise climbs back far less, a fast fall not at all).
    Rising: the training loss now is well above its lowest (L_now > 1.5·min L + 0.05),
    both means over ``window`` epochs: one epoch's blip (0.02 → 0.08 in the over-fitting
    lesson at epoch 261, Adam) read "unstable: lower α" for a few epochs (a student's
    review).
    """
    train = np.asarray(train, float)
    recent = train[-(RECENT_EPOCHS + 1):]
    climbs = np.maximum(np.diff(recent), 0.0)
    oscillating = len(climbs) >= 5 and climbs.mean() > 0.1 * recent.mean() + 0.02
    means = smoothed(train, window(len(train)))
    rising = means[-1] > 1.5 * means.min() + 0.05
    return bool(oscillating or rising)


def reading(history: np.ndarray, n_classes: int, noise: float | None = None,
            has_validation: bool = True, sigmoid_layers: int = 0) -> str:
    """A plain-language verdict on a (epochs, 4) history: a ``mlp.reading.*`` key.

    Columns: training loss, training accuracy, validation loss, validation accuracy.
    Checked in this order:

    * ``unstable``: the training loss oscillates or rises (see ``unstable``), so the
      other verdicts would blame the model for what the learning rate does;
    * over-fitting: validation loss has risen clearly above its minimum while training
      loss did not rise, or validation loss is far above training loss, each loss now
      and at the minimum a mean over ``window`` epochs (single epochs' noise flipped
      the verdict): ``overfit``
      when the data has noise (``noise`` > 0) or its noise is not known (``None``: an
      upload), ``overfit_noise_free`` when it has none (``noise`` == 0: no noise to
      learn, so the text says nothing of noise);
    * ``learning``: the training loss still high (a good part of chance, log K) and
      still falling (by more than ``LEARNING_DROP`` of itself over the last tenth of the
      epochs): neither an under-fit nor a good fit yet (SGD at epoch 30, loss 0.53 and
      falling 1 % an epoch, read "a good fit");
    * ``underfit``: both losses high and close, and the training accuracy low (below
      80 %: noisy labels alone keep the loss high); ``underfit_vanishing`` where the
      network has ``sigmoid_layers`` ≥ 3 hidden layers of sigmoid units and its
      training loss is stuck near chance (≥ 0.9 log K): vanishing gradients, which more
      layers would not cure (CONCEPTS §5);
    * otherwise ``good``.

    Without validation data (``has_validation=False``; the validation columns are then
    ignored) over-fitting cannot be seen: after the stability check, under-fitting by
    the training columns alone (``underfit_no_validation``), else ``no_validation``.
    """
    if len(history) < 6:
        return "early"
    train, val = history[:, 0], history[:, 2]
    if unstable(train):
        return "unstable"
    if not has_validation:
        high = train[-1] > 0.35 * math.log(n_classes) and history[-1, 1] < 0.8
        return "underfit_no_validation" if high else "no_validation"
    width = window(len(history))
    train_s, val_s = smoothed(train, width), smoothed(val, width)
    best = int(np.argmin(val_s))
    val_now, train_now = val_s[-1], train_s[-1]
    chance = math.log(n_classes)
    # (Training loss not risen, rather than still falling: flat at its floor, noise
    # alone decided which of the two it was.)
    rising = val_now > 1.15 * val_s[best] + 0.02 and train_now < 1.05 * train_s[best] + 0.01
    if rising or val_now > 2.0 * train_now + 0.15:
        return "overfit_noise_free" if noise is not None and noise == 0 else "overfit"
    high = train_now > 0.35 * chance
    back = min(max(LEARNING_EPOCHS, int(len(train_s) * LEARNING_SHARE)), len(train_s) - 1)
    if high and back > 0 and train_now < (1 - LEARNING_DROP) * train_s[-1 - back]:
        return "learning"
    close = abs(val_now - train_now) < 0.35 * train_now + 0.05
    if high and close and history[-1, 1] < 0.8:
        if sigmoid_layers >= 3 and train_now >= 0.9 * chance:
            return "underfit_vanishing"
        return "underfit"
    return "good"
