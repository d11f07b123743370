"""The decision boundary: a network evaluated on a grid over the plane (the heat map).

The plane is the data's (``plane_frame``): the generated sets' [−6, 6]² (widened where
noise throws points beyond it), or, for data elsewhere or at another scale (an upload),
the points' bounding box with a margin.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import datasets, mlp, training
from .programs import Programs, run

GRID_SIZE = 80
GRID_EXTENT = 6.0  # the generated data sets' plane: [−6, 6]²
#: Each side of a data-framed plane adds this fraction of the data's span.
FRAME_MARGIN = 0.1
#: The usual plane holds data whose points are this far inside its edges at least (a
#: point's marker, about 0.1 of the plane's units): a point on the edge was cut in half.
EDGE_ROOM = 0.12


class Frame(NamedTuple):
    """A rectangle of the plane, [x0, x1] × [y0, y1], in the data's units."""

    x0: float
    x1: float
    y0: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0


STANDARD_FRAME = Frame(-GRID_EXTENT, GRID_EXTENT, -GRID_EXTENT, GRID_EXTENT)


def plane_frame(points) -> Frame:
    """The part of the plane the pictures show for data ``points`` ((n, 2), finite).

    The data's bounding box, each side widened by ``FRAME_MARGIN`` of its span (x and y
    framed apart, so data at any scale, shift or aspect fills the picture).  Data at the
    generated sets' scale (centred inside [−6, 6]² and spanning at least a third of it
    in each direction) gets TensorFlow Playground's [−6, 6]², widened to that box where
    noise throws points beyond it: the plane stays put from one data set to the next,
    and no point is ever outside the picture or on its edge (``EDGE_ROOM``).  A
    direction in which the points do not vary (under 10⁻⁶ of the other's span) gets
    the other's span.
    """
    points = np.asarray(points, float).reshape(-1, 2)
    if len(points) == 0:
        return STANDARD_FRAME
    low, high = points.min(axis=0), points.max(axis=0)
    span = high - low
    widest = float(span.max())
    if widest <= 0:  # one point (repeated): a unit square around it, or its own scale
        widest = max(float(np.abs(low).max()), 1.0)
    span = np.where(span <= 1e-6 * widest, widest, span)
    centre = (low + high) / 2
    low, high = centre - span * (0.5 + FRAME_MARGIN), centre + span * (0.5 + FRAME_MARGIN)
    e = GRID_EXTENT
    if np.all(np.abs(centre) <= e) and np.all(span >= 2 * e / 3):
        inside = e - EDGE_ROOM
        if np.all(points.min(axis=0) >= -inside) and np.all(points.max(axis=0) <= inside):
            return STANDARD_FRAME
        low, high = np.minimum(low, -e - EDGE_ROOM), np.maximum(high, e + EDGE_ROOM)
    return Frame(float(low[0]), float(high[0]), float(low[1]), float(high[1]))


def data_frame(data: training.Data) -> Frame:
    """``plane_frame`` of every point of ``data``, training and validation."""
    return plane_frame(np.concatenate([np.asarray(data.points_train).reshape(-1, 2),
                                       np.asarray(data.points_val).reshape(-1, 2)]))


def grid_points(frame, size: int):
    """The size² points of a grid over ``frame`` ((4,): x0, x1, y0, y1), row i at y_i,
    column j at x_j, ravelled row by row: (size², 2)."""
    unit = jnp.linspace(0.0, 1.0, size)
    gx, gy = jnp.meshgrid(frame[0] + (frame[1] - frame[0]) * unit,
                          frame[2] + (frame[3] - frame[2]) * unit)
    return jnp.stack([gx.ravel(), gy.ravel()], axis=1)


def frame_array(frame: Frame | None, extent: float = GRID_EXTENT) -> np.ndarray:
    """``frame`` as the traced (4,) array the grids take; None: [−extent, extent]².
    NumPy: an array made with JAX is a small program of its own, compiled again after
    each release of the server's programs (``ui.memory``)."""
    if frame is None:
        frame = Frame(-extent, extent, -extent, extent)
    return np.asarray(tuple(frame), np.float64)


def decision_grid(arch: training.Arch, params, bn_state, mean, std, features: tuple[str, ...],
                  size: int = GRID_SIZE, extent: float = GRID_EXTENT, discrete: bool = False,
                  frame: Frame | None = None, programs: Programs | None = None):
    """The network (evaluation mode) on a size × size grid over ``frame`` (default
    [−extent, extent]²); compiled into ``programs`` when given (a page's own).

    Row i is y_i, column j is x_j (a Bokeh ``image``), y_i = y0 + (y1 − y0)·i/(size − 1).
    Two classes: the class-1 probability p₁ ∈ [0, 1].  K classes: k + p_k for the
    predicted class k, so one colour map shows the class as the hue and its confidence as
    the shade (``ui.palettes.confidence_palette``).  ``discrete``: the predicted class k
    itself (0, 1, …, K−1), for hard colours.  The frame is traced: new data never
    recompiles this.
    """
    return run(programs, _decision_grid, _STATIC, arch, params, bn_state, mean, std, features,
               frame_array(frame, extent), size=size, discrete=discrete)


_STATIC = ("arch", "features", "size", "discrete")


@partial(jax.jit, static_argnames=_STATIC)
def _decision_grid(arch: training.Arch, params, bn_state, mean, std, features, frame,
                   size: int, discrete: bool):
    points = grid_points(frame, size)
    x = datasets.normalise(datasets.feature_matrix(points, features), mean, std)
    logits, _, _ = mlp.forward(params, bn_state, x, activation=arch.activation, train=False,
                               batchnorm=arch.batchnorm)
    p = mlp.predict_proba(logits)
    if discrete:
        values = jnp.argmax(p, axis=1).astype(p.dtype)
    elif arch.n_classes == 2:
        values = p[:, 1]
    else:
        k = jnp.argmax(p, axis=1)
        values = k + jnp.max(p, axis=1)
    return values.reshape(size, size)


def decision_grids(arch: training.Arch, params, bn_state, mean, std, features: tuple[str, ...],
                   size: int = GRID_SIZE, extent: float = GRID_EXTENT, discrete: bool = False,
                   frame: Frame | None = None, programs: Programs | None = None):
    """``decision_grid`` for a stack of networks (leading axis of params and bn_state)."""
    return run(programs, _decision_grids, _STATIC, arch, params, bn_state, mean, std, features,
               frame_array(frame, extent), size=size, discrete=discrete)


@partial(jax.jit, static_argnames=_STATIC)
def _decision_grids(arch, params, bn_state, mean, std, features, frame, size, discrete):
    one = partial(_decision_grid.__wrapped__, arch, mean=mean, std=std, features=features,
                  frame=frame, size=size, discrete=discrete)
    return jax.vmap(one)(params, bn_state)
