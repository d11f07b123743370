"""The numbers behind the MLP lab's network diagram (no Panel): thumbnails, shades, layout.

``unit_grids`` evaluates every unit of the network on a small grid over the heat
map's plane in one compiled call; ``shades`` maps the values to the colour scale;
``diagram_layout`` places the nodes and edges; ``nearest_edge`` finds the weight
under a click.  The view is ``playground.labs.mlp.network``.
"""

from __future__ import annotations

import math
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import datasets, mlp, training
from .decision import GRID_EXTENT, Frame, frame_array, grid_points
from .programs import Programs, run

THUMB_SIZE = 24  # grid points per thumbnail side
W_CLIP = 4.0  # |w| at which an edge reaches its column pair's widest line
MIN_EDGE_WIDTH = 0.1  # a canvas ignores a width of 0 (it would keep the previous one)
GAP = 255  # the uint8 value between stacked thumbnails (drawn transparent)
LEVELS = 253  # diverging shades −1…1 are sent as the integers 0…253 (127 is 0)




def unit_grids(arch: training.Arch, params, bn_state, mean, std, features: tuple[str, ...],
               size: int = THUMB_SIZE, extent: float = GRID_EXTENT, frame: Frame | None = None):
    """Every unit's output on a size × size grid over ``frame`` (default
    [−extent, extent]²: the heat map's plane, ``decision.plane_frame``), one array.

    Returns (n_units, size, size), units in the diagram's order: the input features
    after normalisation x̂ = (x − μ) / σ, then each hidden layer's activations f(z)
    (evaluation mode), then the K class probabilities p_k.  Row i of a grid is y_i,
    column j is x_j: the heat map's grid (``decision_grid``) at this size.
    ``arch``, ``features`` and ``size`` are static; the parameters and the frame are
    traced, so training (or new data) never recompiles this.
    """
    return _unit_grids(arch, params, bn_state, mean, std, features, frame_array(frame, extent),
                       size=size)


@partial(jax.jit, static_argnames=("arch", "features", "size"))
def _unit_grids(arch, params, bn_state, mean, std, features, frame, size):
    points = grid_points(frame, size)
    x = datasets.normalise(datasets.feature_matrix(points, features), mean, std)
    logits, _, hidden = mlp.forward(params, bn_state, x, activation=arch.activation,
                                    train=False, batchnorm=arch.batchnorm)
    dtype = params[0]["W"].dtype
    values = jnp.concatenate([x.astype(dtype), *hidden, mlp.predict_proba(logits)], axis=1)
    return values.T.reshape(-1, size, size)


def diagram_values(arch: training.Arch, params, bn_state, mean, std, features: tuple[str, ...],
                   size: int = THUMB_SIZE, frame: Frame | None = None,
                   programs: Programs | None = None):
    """``unit_grids`` over ``frame`` and every weight matrix flattened (layer by layer,
    W.ravel()), at once; compiled into ``programs`` when given (a page's own)."""
    return run(programs, _diagram_values, ("arch", "features", "size"), arch, params, bn_state,
               mean, std, features, frame_array(frame), size=size)


@partial(jax.jit, static_argnames=("arch", "features", "size"))
def _diagram_values(arch, params, bn_state, mean, std, features, frame, size):
    grids = _unit_grids.__wrapped__(arch, params, bn_state, mean, std, features, frame, size)
    return grids, jnp.concatenate([layer["W"].ravel() for layer in params])


def shades(grids: np.ndarray, activation: str, n_inputs: int, n_classes: int):
    """Thumbnail values for the colour scales: (diverging units, output units).

    Inputs and hidden units map to −1…1 (see the module docstring: tanh as is,
    sigmoid 2a − 1, inputs, ReLU and linear units divided by their largest |value|);
    output unit k maps to k + p_k (capped below k + 1), class k's block of shades.
    """
    grids = np.asarray(grids, np.float32)
    units = grids[:-n_classes].copy()
    hidden = units[n_inputs:]
    if activation == "sigmoid":
        hidden[...] = 2.0 * hidden - 1.0
    rescale = np.arange(len(units)) < n_inputs
    if activation not in ("tanh", "sigmoid"):
        rescale[:] = True
    if rescale.any():
        peak = np.max(np.abs(units[rescale]), axis=(1, 2), keepdims=True)
        units[rescale] /= np.maximum(peak, 1e-6)
    probabilities = np.minimum(grids[-n_classes:], 0.9999)
    outputs = probabilities + np.arange(n_classes, dtype=np.float32)[:, None, None]
    return np.clip(np.nan_to_num(units), -1.0, 1.0), outputs  # NaN → 0, ±inf → ±1


def quantise(values: np.ndarray) -> np.ndarray:
    """−1…1 → the integers 0…LEVELS (uint8): a quarter of float32's bytes on the wire."""
    return np.rint((values + 1.0) * (LEVELS / 2)).astype(np.uint8)


def edge_widths(weights: np.ndarray, max_width) -> np.ndarray:
    """Line width ∝ |w|, reaching ``max_width`` at |w| = W_CLIP (and staying there)."""
    w = np.abs(np.asarray(weights, np.float32))
    return np.maximum(np.asarray(max_width, np.float32) * np.minimum(w / W_CLIP, 1.0),
                      MIN_EDGE_WIDTH).astype(np.float32)


class Column(NamedTuple):
    """One column of thumbnails, stacked in one image (top unit first)."""

    x: float  # centre
    bottom: float  # lowest edge of the stack
    side: float  # thumbnail side, in pixels
    rows: int  # image rows per thumbnail (THUMB_SIZE, or half of it when small)
    gap: int  # image rows between thumbnails
    n: int

    @property
    def height(self) -> float:
        return (self.n * self.rows + (self.n - 1) * self.gap) * self.side / self.rows


class Layout(NamedTuple):
    """Where everything goes, in pixels of the figure's frame (origin bottom left)."""

    columns: tuple[Column, ...]
    node_x: np.ndarray  # per unit, the diagram's order
    node_y: np.ndarray
    node_side: np.ndarray
    edge_layer: np.ndarray  # per weight, W.ravel() order layer by layer
    edge_i: np.ndarray
    edge_j: np.ndarray
    edges: np.ndarray  # (n_weights, 4): x0, y0, x1, y1
    edge_max_width: np.ndarray  # per weight, its column pair's widest line


def diagram_layout(sizes: tuple[int, ...], width: float, height: float, *, left: float = 62,
                   right: float = 34, top: float = 54, bottom: float = 6,
                   max_side: float = 48.0, fill: float = 0.85) -> Layout:
    """Place columns of ``sizes`` units (inputs, hidden…, outputs) in a width × height frame.

    Columns are spread evenly (at most 170 px apart, centred); a column of n units
    gives each a slot of (height − top − bottom) / n, a thumbnail ``fill`` of it, at
    most ``max_side`` and at most 45 % of the column spacing.  Edges run from the
    right side of unit i to the left side of unit j.
    """
    n_cols = len(sizes)
    avail_h = height - top - bottom
    cy = bottom + avail_h / 2
    span = width - left - right - max_side
    dx = min(span / max(n_cols - 1, 1), 170.0)
    x_first = left + max_side / 2 + (span - dx * (n_cols - 1)) / 2
    columns, xs, ys, sides = [], [], [], []
    for c, n in enumerate(sizes):
        slot = min(avail_h / n, max_side / fill)
        side = min(fill * slot, 0.45 * dx)
        rows = THUMB_SIZE if side >= 15 else THUMB_SIZE // 2
        gap = max(1, round((slot - side) * rows / side))
        col = Column(x_first + c * dx, 0.0, side, rows, gap, n)
        col = col._replace(bottom=cy - col.height / 2)
        pitch = (rows + gap) * side / rows
        top_y = col.bottom + col.height
        ys.append(top_y - side / 2 - pitch * np.arange(n))
        xs.append(np.full(n, col.x))
        sides.append(np.full(n, side))
        columns.append(col)
    starts = np.cumsum((0, *sizes))
    layer, ii, jj, segs, widest = [], [], [], [], []
    for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        i, j = np.meshgrid(np.arange(n_in), np.arange(n_out), indexing="ij")
        i, j = i.ravel(), j.ravel()
        a, b = columns[k], columns[k + 1]
        y = np.concatenate(ys)
        segs.append(np.stack([np.full(i.size, a.x + a.side / 2), y[starts[k] + i],
                              np.full(i.size, b.x - b.side / 2), y[starts[k + 1] + j]], axis=1))
        layer.append(np.full(i.size, k))
        ii.append(i)
        jj.append(j)
        widest.append(np.full(i.size, float(np.clip(30.0 / math.sqrt(n_in * n_out), 1.0, 5.0))))
    cat = lambda parts, dtype: (np.concatenate(parts).astype(dtype) if parts
                                else np.zeros(0, dtype))
    return Layout(tuple(columns), cat(xs, float), cat(ys, float), cat(sides, float),
                  cat(layer, int), cat(ii, int), cat(jj, int),
                  np.concatenate(segs) if segs else np.zeros((0, 4)), cat(widest, np.float32))


def stack(tiles: np.ndarray, gap: int, fill) -> np.ndarray:
    """Thumbnails (n, r, r) as one image, the first at the top, ``gap`` rows of ``fill``
    between them (an image's row 0 is its bottom)."""
    n, r, c = tiles.shape
    padded = np.full((n, r + gap, c), fill, tiles.dtype)
    padded[:, :r] = tiles[::-1]
    return padded.reshape(n * (r + gap), c)[: n * (r + gap) - gap]


def pool(tiles: np.ndarray, rows: int) -> np.ndarray:
    """Average 2 × 2 blocks when a column draws its thumbnails at half resolution."""
    n, r, _ = tiles.shape
    if rows == r:
        return tiles
    f = r // rows
    return sum(tiles[:, a::f, b::f] for a in range(f) for b in range(f)) / (f * f)


def nearest_edge(edges: np.ndarray, x: float, y: float) -> tuple[int, float]:
    """The index of the segment nearest to (x, y), and its distance (−1, inf if none)."""
    if len(edges) == 0:
        return -1, math.inf
    p0, p1 = edges[:, :2], edges[:, 2:]
    d = p1 - p0
    t = np.clip(np.sum((np.array([x, y]) - p0) * d, axis=1)
                / np.maximum(np.sum(d * d, axis=1), 1e-12), 0.0, 1.0)
    dist = np.hypot(*(p0 + t[:, None] * d - np.array([x, y])).T)
    k = int(np.argmin(dist))
    return k, float(dist[k])


def fitted_layout(sizes: tuple[int, ...], width: float, height: float, *, top: float,
                  bottom: float = 6, max_side: float = 48.0,
                  fill: float = 0.85) -> tuple[Layout, float]:
    """``diagram_layout`` in a frame no taller than its longest column needs: (the
    layout, the frame's height, at most ``height``).  Each unit keeps the slot it gets
    in the full frame (at most ``max_side / fill``), so its thumbnail keeps its size;
    a small network sits under the ``top`` margin (centred in the whole frame, a linear
    model's two rows had 170 px of blank above and below them)."""
    avail = height - top - bottom
    needed = min(avail, max(sizes) * max_side / fill)
    frame = float(min(height, math.ceil(top + needed + bottom)))
    return diagram_layout(sizes, width, frame, top=top, bottom=bottom, max_side=max_side,
                          fill=fill), frame
