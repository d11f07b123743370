"""A loss surface as filled contours: the optimizer lab's picture and its static page's.

``surface_grid`` samples a surface (``numerics.surfaces.grid``) with NaN where it is
not finite; ``contour_levels`` spreads ``N_LEVELS`` levels over it (log-spaced for the
surfaces drawn that way); ``add_contours`` draws them on a Bokeh figure, beneath what is
there, and ``redraw_contours`` gives the same renderer a new surface.  Above the top
level (the last few per cent of a steep wall) is drawn in the top band: left unfilled it
was white, the colour of the lowest loss.
"""

from __future__ import annotations

import numpy as np
from bokeh.plotting.contour import contour_data

from ..numerics.surfaces import Surface, grid
from .palettes import CONTOUR_FILL, N_LEVELS

#: The contour lines: thin, a muted blue, half transparent.
CONTOUR_LINE = {"line_color": "#5b6f8a", "line_alpha": 0.45, "line_width": 1}


def surface_grid(surface: Surface) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``xs`` (nx,), ``ys`` (ny,) and the loss ``z`` (ny, nx) of ``surface`` over its
    view, NaN where not finite (all zeros if nowhere finite: a blank picture)."""
    xs, ys, z = (np.asarray(a) for a in grid(surface))
    z = np.where(np.isfinite(z), z, np.nan)
    if not np.isfinite(z).any():
        z = np.zeros_like(z)
    return xs, ys, z


def contour_levels(z: np.ndarray, log: bool, minimum: float | None) -> np.ndarray:
    """``N_LEVELS`` contour levels over the finite values of ``z`` (any shape): from the
    lowest (or ``minimum``, the surface's known minimum, if lower) to the 97th
    percentile, or log-spaced above the minimum to the 99.5th for surfaces drawn
    that way (``log``), so that a few huge values do not take every level."""
    finite = z[np.isfinite(z)]
    low = float(finite.min()) if minimum is None else min(float(minimum), float(finite.min()))
    high = float(np.percentile(finite, 99.5 if log else 97))
    if not high > low:
        high = low + 1.0
    if log:
        span = high - low
        return low + np.geomspace(span * 1e-5, span, N_LEVELS)
    return np.linspace(low, high, N_LEVELS)


def _banded(z: np.ndarray, levels: np.ndarray) -> np.ma.MaskedArray:
    return np.ma.masked_invalid(np.minimum(z, levels[-1]))


def add_contours(fig, xs: np.ndarray, ys: np.ndarray, z: np.ndarray, levels: np.ndarray):
    """Filled contours of ``z`` at ``levels`` on ``fig``, beneath its other renderers;
    returns the contour renderer."""
    renderer = fig.contour(xs, ys, _banded(z, levels), levels, fill_color=CONTOUR_FILL,
                           **CONTOUR_LINE)
    fig.renderers.remove(renderer)
    fig.renderers.insert(0, renderer)
    return renderer


def redraw_contours(renderer, xs: np.ndarray, ys: np.ndarray, z: np.ndarray,
                    levels: np.ndarray):
    """``add_contours``' renderer drawing another surface (the same number of levels)."""
    renderer.set_data(contour_data(xs, ys, _banded(z, levels), levels))
