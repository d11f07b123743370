"""A plain-language verdict on training curves: under-fitting, over-fitting or a good fit."""

from __future__ import annotations

import math

import numpy as np


def reading(history: np.ndarray, n_classes: int, has_validation: bool = True) -> str:
    """A plain-language verdict on a (epochs, 4) history: a ``mlp.reading.*`` key.

    Over-fitting: validation loss has risen clearly above its minimum while training
    loss kept falling, or validation loss is far above training loss.  Under-fitting:
    both losses high (a good part of chance, log K) and close, and the training
    accuracy low (below 80 %: noisy labels alone keep the loss high).  Otherwise a
    good fit.  Without validation data (``has_validation=False``; the validation
    columns are then ignored) over-fitting cannot be seen: under-fitting by the
    training columns alone, else ``"no_validation"``.
    """
    if len(history) < 6:
        return "early"
    if not has_validation:
        high = history[-1, 0] > 0.35 * math.log(n_classes) and history[-1, 1] < 0.8
        return "underfit_no_validation" if high else "no_validation"
    train, val = history[:, 0], history[:, 2]
    best = int(np.argmin(val))
    chance = math.log(n_classes)
    rising = val[-1] > 1.15 * val[best] + 0.02 and train[-1] < train[best]
    if rising or val[-1] > 2.0 * train[-1] + 0.15:
        return "overfit"
    close = abs(val[-1] - train[-1]) < 0.35 * train[-1] + 0.05
    if train[-1] > 0.35 * chance and close and history[-1, 1] < 0.8:
        return "underfit"
    return "good"
