"""Training curves streamed into a chart: a history of any length, a bounded chart.

A lab that trains keeps its history as an (epochs × 4) array, ``CURVE_COLUMNS``; the
chart's ``ColumnDataSource`` gets it through :class:`CurveFeed`.
"""

from __future__ import annotations

import numpy as np
from bokeh.models import ColumnDataSource

MAX_CURVE_POINTS = 400  # per curve: the browser's work per frame stays bounded
CURVE_COLUMNS = ("train_loss", "train_acc", "val_loss", "val_acc")  # a history's columns


class CurveFeed:
    """Moves a growing history (epochs × 4) into a chart's ColumnDataSource.

    The chart gets every k-th epoch, k = 1, 2, 4, … doubling whenever the chart would
    hold more than ``max_points`` points (it is then rebuilt once at the new stride),
    so redrawing it costs the browser the same after 100 or 100,000 epochs.
    """

    def __init__(self, source: ColumnDataSource, max_points: int = MAX_CURVE_POINTS):
        self.source, self.max_points = source, max_points
        self.stride, self.fed = 1, 0  # fed: history rows already considered

    @staticmethod
    def columns(history: np.ndarray, epochs: np.ndarray) -> dict:
        """The source's columns for ``epochs`` (k,) of ``history`` (epochs, 4)."""
        rows = history[epochs]
        return {"epoch": epochs, **{c: rows[:, i] for i, c in enumerate(CURVE_COLUMNS)}}

    def clear(self):
        """An empty chart; the stride back to 1."""
        self.stride, self.fed = 1, 0
        self.source.data = self.columns(np.zeros((0, 4), np.float32), np.zeros(0, int))

    def feed(self, history: np.ndarray):
        """The chart brought up to ``history`` (epochs, 4): new rows at the stride, which
        doubles (and the kept rows thin out) past ``max_points``; a shorter history
        starts again."""
        n = len(history)
        if n < self.fed:  # the history was cut: start again
            self.clear()
        if n == self.fed:
            return
        stride = self.stride
        while n > stride * self.max_points:
            stride *= 2
        if stride != self.stride:
            self.stride = stride
            self.source.data = self.columns(history, np.arange(0, n, stride))
        else:
            first = -(-self.fed // stride) * stride
            epochs = np.arange(first, n, stride)
            if len(epochs):
                self.source.stream(self.columns(history, epochs))
        self.fed = n
