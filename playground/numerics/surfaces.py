"""Two-parameter loss surfaces L(x, y): the presets of the optimizer lab.

Every preset is written once, as plain text such as ``(1 - x)**2 + 100*(y - x**2)**2``,
and parsed by the safe parser of :mod:`playground.numerics.expression`, exactly as a
user's own formula: the parsed tree gives both the ``jax.numpy`` function (it
broadcasts, so one function draws the contour grid, feeds ``jax.grad`` inside the race
and gives the Hessian at a clicked point) and the LaTeX shown on screen, so the two
cannot disagree.  ``SURFACES`` is keyed by the names users see in the URL
(``?surface=rosenbrock``).

Each preset also carries the view it is drawn in, a start point and per-optimizer
defaults chosen so that the preset tells its story (the ravine makes SGD zig-zag,
the plateau makes it crawl while Adam walks off, ...).  The sentences that tell the
story live in :mod:`playground.text`, keyed ``surface.<key>.lesson``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import MappingProxyType

import jax
import jax.numpy as jnp
import numpy as np

from .expression import Expression, parse_expression

SurfaceFn = Callable[[jnp.ndarray, jnp.ndarray], jnp.ndarray]


@dataclass(frozen=True)
class Surface:
    """A loss surface and how to show it."""

    key: str
    fn: SurfaceFn
    latex: str
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    start: tuple[float, float]
    log_levels: bool = False
    minimum_value: float | None = None
    # Rough positions of the critical points; ``critical.refine`` polishes them
    # with Newton's method and the Hessian classifies them, so no verdict is typed in.
    critical_guesses: tuple[tuple[float, float], ...] = ()
    # Per-optimizer hyper-parameter defaults that differ from optimizers.DEFAULTS.
    defaults: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    steps: int = 200

    def __call__(self, x, y):
        return self.fn(x, y)


def from_expression(key: str, expression: Expression, **view) -> Surface:
    """The surface f = ``expression``: its function and its LaTeX ``f = …`` from one tree.

    ``view`` holds the other :class:`Surface` fields (ranges, start, defaults, ...).
    """
    return Surface(key=key, fn=expression, latex="f = " + expression.to_latex(), **view)


def preset(key: str, formula: str, **view) -> Surface:
    """A preset from its plain-text formula (the grammar of ``parse_expression``).

    Raises:
        ExpressionError: ``formula`` does not parse (a typo in this module).
    """
    return from_expression(key, parse_expression(formula), **view)


_HIMMELBLAU_CRITICAL = (
    (3.0, 2.0), (-2.805, 3.131), (-3.779, -3.283), (3.584, -1.848),  # minima
    (-0.271, -0.923),  # maximum
    (0.087, 2.884), (-3.073, -0.081), (3.385, 0.074), (-0.128, -1.954),  # saddles
)

SURFACES: Mapping[str, Surface] = MappingProxyType({
    s.key: s
    for s in (
        preset(
            # Curvatures 0.1 and 4: condition number 40.
            key="ravine", formula="0.05*x**2 + 2*y**2",
            x_range=(-10.0, 10.0), y_range=(-4.0, 4.0), start=(-9.0, 1.5),
            minimum_value=0.0, critical_guesses=((0.0, 0.0),), steps=100,
            defaults={
                "sgd": {"lr": 0.45}, "momentum": {"lr": 0.05, "momentum": 0.9},
                "nesterov": {"lr": 0.05, "momentum": 0.9}, "adagrad": {"lr": 1.5},
                "rmsprop": {"lr": 0.1}, "adam": {"lr": 0.5},
            },
        ),
        preset(
            # A curved, flat-bottomed valley; minimum at (1, 1).
            key="rosenbrock", formula="(1 - x)**2 + 100*(y - x**2)**2",
            x_range=(-2.0, 2.0), y_range=(-1.0, 3.0), start=(-1.5, 2.5),
            log_levels=True, minimum_value=0.0, critical_guesses=((1.0, 1.0),), steps=1000,
            defaults={
                "sgd": {"lr": 0.0015}, "momentum": {"lr": 0.0005, "momentum": 0.9},
                "nesterov": {"lr": 0.0005, "momentum": 0.9}, "adagrad": {"lr": 0.5},
                "rmsprop": {"lr": 0.01}, "adam": {"lr": 0.05},
            },
        ),
        preset(
            # Four minima of value 0, a maximum and four saddles.
            key="himmelblau", formula="(x**2 + y - 11)**2 + (x + y**2 - 7)**2",
            x_range=(-5.0, 5.0), y_range=(-5.0, 5.0), start=(-0.5, -0.3),
            log_levels=True, minimum_value=0.0, critical_guesses=_HIMMELBLAU_CRITICAL,
            steps=300,
            defaults={
                "sgd": {"lr": 0.01}, "momentum": {"lr": 0.002, "momentum": 0.9},
                "nesterov": {"lr": 0.002, "momentum": 0.9}, "adagrad": {"lr": 1.0},
                "rmsprop": {"lr": 0.05}, "adam": {"lr": 0.1},
            },
        ),
        preset(
            # Minimum at (3, 0.5).
            key="beale",
            formula="(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2",
            x_range=(-4.5, 4.5), y_range=(-4.5, 4.5), start=(1.0, 1.5),
            log_levels=True, minimum_value=0.0, critical_guesses=((3.0, 0.5),), steps=1000,
            defaults={
                "sgd": {"lr": 0.001}, "momentum": {"lr": 0.0005, "momentum": 0.9},
                "nesterov": {"lr": 0.0005, "momentum": 0.9}, "adagrad": {"lr": 0.5},
                "rmsprop": {"lr": 0.01}, "adam": {"lr": 0.05},
            },
        ),
        preset(
            # A bowl covered in local minima.
            key="rastrigin",
            formula="20 + x**2 - 10*cos(2*pi*x) + y**2 - 10*cos(2*pi*y)",
            x_range=(-5.12, 5.12), y_range=(-5.12, 5.12), start=(-4.2, 3.6),
            minimum_value=0.0, critical_guesses=((0.0, 0.0), (1.0, 0.0), (0.5, 0.5)),
            steps=300,
            defaults={
                "sgd": {"lr": 0.002}, "momentum": {"lr": 0.001, "momentum": 0.9},
                "nesterov": {"lr": 0.001, "momentum": 0.9}, "adagrad": {"lr": 0.5},
                "rmsprop": {"lr": 0.05}, "adam": {"lr": 0.2},
            },
        ),
        preset(
            # A strict saddle at (0, 0) between minima at (±1, 0); Hessian there diag(−4, 2).
            # Along x = 0 the gradient never leaves the line, so an exact start on it stalls
            # at the saddle; a tiny offset (or gradient noise) grows like (1 + 4α)ᵗ and escapes.
            key="saddle", formula="(x**2 - 1)**2 + y**2",
            x_range=(-2.0, 2.0), y_range=(-2.0, 2.0), start=(0.001, 1.8),
            minimum_value=0.0, critical_guesses=((0.0, 0.0), (1.0, 0.0), (-1.0, 0.0)),
            steps=200,
            defaults={
                "sgd": {"lr": 0.05}, "momentum": {"lr": 0.01, "momentum": 0.9},
                "nesterov": {"lr": 0.01, "momentum": 0.9}, "adagrad": {"lr": 0.2},
                "rmsprop": {"lr": 0.01}, "adam": {"lr": 0.05},
            },
        ),
        preset(
            # A wide, almost flat mesa around one basin: far out ‖∇f‖ = r·exp(−r²/2) is tiny
            # (≈ 0.008 at r = 3.5), so a plain gradient step crawls; methods that divide
            # by the gradient's size do not.
            key="plateau", formula="1 - exp(-(x**2 + y**2)/2)",
            x_range=(-6.0, 6.0), y_range=(-6.0, 6.0), start=(4.0, 3.0),
            minimum_value=0.0, critical_guesses=((0.0, 0.0),), steps=300,
            defaults={
                "sgd": {"lr": 1.0}, "momentum": {"lr": 0.5, "momentum": 0.9},
                "nesterov": {"lr": 0.5, "momentum": 0.9}, "adagrad": {"lr": 0.5},
                "rmsprop": {"lr": 0.05}, "adam": {"lr": 0.1},
            },
        ),
    )
})

PRESETS: tuple[str, ...] = tuple(SURFACES)
CUSTOM = "custom"
CUSTOM_RANGE = (-3.0, 3.0)


def custom_surface(expression: Expression) -> Surface:
    """Wrap a parsed :class:`playground.numerics.expression.Expression` as a surface."""
    return from_expression(
        CUSTOM, expression, x_range=CUSTOM_RANGE, y_range=CUSTOM_RANGE, start=(2.0, 1.5),
        steps=200,
        defaults={
            "sgd": {"lr": 0.05}, "momentum": {"lr": 0.01, "momentum": 0.9},
            "nesterov": {"lr": 0.01, "momentum": 0.9}, "adagrad": {"lr": 0.5},
            "rmsprop": {"lr": 0.02}, "adam": {"lr": 0.05},
        },
    )


#: The margin left around a start point the view was widened to (a share of its span).
VIEW_MARGIN = 0.1


def framed(surface: Surface, *points: tuple[float, float]) -> Surface:
    """``surface`` with its view widened to show ``points`` (with ``VIEW_MARGIN`` of the
    new span beyond the farthest) when some lie outside the view or on its edge (a
    start at x = −3 of [−3, 3] was drawn half cut off); else ``surface`` itself.
    Non-finite points are left out.

    A start the user moved far away (a formula's own minimum at (50, 50), a link's
    x0 = 300) is drawn with the surface around it and where the runs end, never off
    the plot."""
    (x0, x1), (y0, y1) = surface.x_range, surface.y_range
    kept = [(float(x), float(y)) for x, y in points if np.isfinite(x) and np.isfinite(y)]
    if all(x0 < x < x1 and y0 < y < y1 for x, y in kept):
        return surface

    def widened(low, high, values):
        lo, hi = min(low, *values), max(high, *values)
        pad = VIEW_MARGIN * (hi - lo)
        return (lo - pad if min(values) <= low else low), \
            (hi + pad if max(values) >= high else high)

    return replace(surface, x_range=widened(x0, x1, [x for x, _ in kept]),
                   y_range=widened(y0, y1, [y for _, y in kept]))


#: Samples per side of the contour picture (the lab draws and warms up this grid).
CONTOUR_RESOLUTION = 120


def grid(surface: Surface, resolution: int = CONTOUR_RESOLUTION):
    """The surface sampled on a ``resolution``² grid over its view: (xs, ys, Z)."""
    xs = np.linspace(*surface.x_range, resolution)
    ys = np.linspace(*surface.y_range, resolution)
    return xs, ys, _grid_values(surface.fn)(xs, ys)


@lru_cache(maxsize=32)
def _grid_values(fn: SurfaceFn):
    """fn over the grid of xs × ys, compiled as one function.

    Run eagerly, each of its operations would be compiled on its own the first time:
    a dozen compilations on a server's first page.
    """
    return jax.jit(lambda xs, ys: jnp.broadcast_to(fn(xs[None, :], ys[:, None]),
                                                   (ys.shape[0], xs.shape[0])))
