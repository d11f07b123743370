"""Two-parameter loss surfaces L(x, y): the presets of the optimizer lab.

Every surface is a pure ``jax.numpy`` function of ``(x, y)`` that broadcasts,
so one function draws the contour grid, feeds ``jax.grad`` inside the race and
gives the Hessian at a clicked point.  ``SURFACES`` is keyed by the names users
see in the URL (``?surface=rosenbrock``).

Each preset also carries the view it is drawn in, a start point and per-optimizer
defaults chosen so that the preset tells its story (the ravine makes SGD zig-zag,
the plateau makes it crawl while Adam walks off, ...).  The sentences that tell the
story live in :mod:`playground.text`, keyed ``surface.<key>.lesson``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType

import jax
import jax.numpy as jnp
import numpy as np

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


def ravine(x, y):
    """f = 0.05·x² + 2·y²: curvatures 0.1 and 4, condition number 40."""
    return 0.05 * x**2 + 2.0 * y**2


def rosenbrock(x, y):
    """f = (1 − x)² + 100·(y − x²)²: a curved, flat-bottomed valley; minimum at (1, 1)."""
    return (1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2


def himmelblau(x, y):
    """f = (x² + y − 11)² + (x + y² − 7)²: four minima of value 0."""
    return (x**2 + y - 11.0) ** 2 + (x + y**2 - 7.0) ** 2


def beale(x, y):
    """f = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²; minimum at (3, 0.5)."""
    return (
        (1.5 - x + x * y) ** 2
        + (2.25 - x + x * y**2) ** 2
        + (2.625 - x + x * y**3) ** 2
    )


def rastrigin(x, y):
    """f = 20 + x² − 10·cos 2πx + y² − 10·cos 2πy: a bowl covered in local minima."""
    two_pi = 2.0 * jnp.pi
    return 20.0 + x**2 - 10.0 * jnp.cos(two_pi * x) + y**2 - 10.0 * jnp.cos(two_pi * y)


def saddle(x, y):
    """f = (x² − 1)² + y²: a strict saddle at (0, 0) between minima at (±1, 0).

    Hessian at the origin: diag(−4, 2), one negative and one positive eigenvalue.
    Along x = 0 the gradient never leaves the line, so an exact start on it stalls
    at the saddle; a tiny offset (or gradient noise) grows like (1 + 4α)ᵗ and escapes.
    """
    return (x**2 - 1.0) ** 2 + y**2


def plateau(x, y):
    """f = 1 − exp(−(x² + y²)/2): a wide, almost flat mesa around a single basin.

    Far from the origin ‖∇f‖ = r·exp(−r²/2) is tiny (≈ 0.008 at r = 3.5), so a
    plain gradient step crawls; methods that divide by the gradient's size do not.
    """
    return 1.0 - jnp.exp(-(x**2 + y**2) / 2.0)


_HIMMELBLAU_CRITICAL = (
    (3.0, 2.0), (-2.805, 3.131), (-3.779, -3.283), (3.584, -1.848),  # minima
    (-0.271, -0.923),  # maximum
    (0.087, 2.884), (-3.073, -0.081), (3.385, 0.074), (-0.128, -1.954),  # saddles
)

SURFACES: Mapping[str, Surface] = MappingProxyType({
    s.key: s
    for s in (
        Surface(
            key="ravine", fn=ravine, latex=r"f = 0.05\,x^2 + 2\,y^2",
            x_range=(-10.0, 10.0), y_range=(-4.0, 4.0), start=(-9.0, 1.5),
            minimum_value=0.0, critical_guesses=((0.0, 0.0),), steps=100,
            defaults={
                "sgd": {"lr": 0.45}, "momentum": {"lr": 0.05, "momentum": 0.9},
                "nesterov": {"lr": 0.05, "momentum": 0.9}, "adagrad": {"lr": 1.5},
                "rmsprop": {"lr": 0.1}, "adam": {"lr": 0.5},
            },
        ),
        Surface(
            key="rosenbrock", fn=rosenbrock,
            latex=r"f = (1 - x)^2 + 100\,(y - x^2)^2",
            x_range=(-2.0, 2.0), y_range=(-1.0, 3.0), start=(-1.5, 2.5),
            log_levels=True, minimum_value=0.0, critical_guesses=((1.0, 1.0),), steps=1000,
            defaults={
                "sgd": {"lr": 0.0015}, "momentum": {"lr": 0.0005, "momentum": 0.9},
                "nesterov": {"lr": 0.0005, "momentum": 0.9}, "adagrad": {"lr": 0.5},
                "rmsprop": {"lr": 0.01}, "adam": {"lr": 0.05},
            },
        ),
        Surface(
            key="himmelblau", fn=himmelblau,
            latex=r"f = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
            x_range=(-5.0, 5.0), y_range=(-5.0, 5.0), start=(-0.5, -0.3),
            log_levels=True, minimum_value=0.0, critical_guesses=_HIMMELBLAU_CRITICAL,
            steps=300,
            defaults={
                "sgd": {"lr": 0.01}, "momentum": {"lr": 0.002, "momentum": 0.9},
                "nesterov": {"lr": 0.002, "momentum": 0.9}, "adagrad": {"lr": 1.0},
                "rmsprop": {"lr": 0.05}, "adam": {"lr": 0.1},
            },
        ),
        Surface(
            key="beale", fn=beale,
            latex=(r"f = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2"
                   r" + (2.625 - x + xy^3)^2"),
            x_range=(-4.5, 4.5), y_range=(-4.5, 4.5), start=(1.0, 1.5),
            log_levels=True, minimum_value=0.0, critical_guesses=((3.0, 0.5),), steps=1000,
            defaults={
                "sgd": {"lr": 0.001}, "momentum": {"lr": 0.0005, "momentum": 0.9},
                "nesterov": {"lr": 0.0005, "momentum": 0.9}, "adagrad": {"lr": 0.5},
                "rmsprop": {"lr": 0.01}, "adam": {"lr": 0.05},
            },
        ),
        Surface(
            key="rastrigin", fn=rastrigin,
            latex=r"f = 20 + x^2 - 10\cos 2\pi x + y^2 - 10\cos 2\pi y",
            x_range=(-5.12, 5.12), y_range=(-5.12, 5.12), start=(-4.2, 3.6),
            minimum_value=0.0, critical_guesses=((0.0, 0.0), (1.0, 0.0), (0.5, 0.5)),
            steps=300,
            defaults={
                "sgd": {"lr": 0.002}, "momentum": {"lr": 0.001, "momentum": 0.9},
                "nesterov": {"lr": 0.001, "momentum": 0.9}, "adagrad": {"lr": 0.5},
                "rmsprop": {"lr": 0.05}, "adam": {"lr": 0.2},
            },
        ),
        Surface(
            key="saddle", fn=saddle, latex=r"f = (x^2 - 1)^2 + y^2",
            x_range=(-2.0, 2.0), y_range=(-2.0, 2.0), start=(0.001, 1.8),
            minimum_value=0.0, critical_guesses=((0.0, 0.0), (1.0, 0.0), (-1.0, 0.0)),
            steps=200,
            defaults={
                "sgd": {"lr": 0.05}, "momentum": {"lr": 0.01, "momentum": 0.9},
                "nesterov": {"lr": 0.01, "momentum": 0.9}, "adagrad": {"lr": 0.2},
                "rmsprop": {"lr": 0.01}, "adam": {"lr": 0.05},
            },
        ),
        Surface(
            key="plateau", fn=plateau, latex=r"f = 1 - e^{-(x^2 + y^2)/2}",
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


def custom_surface(expression) -> Surface:
    """Wrap a parsed :class:`playground.numerics.expression.Expression` as a surface."""
    return Surface(
        key=CUSTOM, fn=expression, latex="f = " + expression.to_latex(),
        x_range=CUSTOM_RANGE, y_range=CUSTOM_RANGE, start=(2.0, 1.5), steps=200,
        defaults={
            "sgd": {"lr": 0.05}, "momentum": {"lr": 0.01, "momentum": 0.9},
            "nesterov": {"lr": 0.01, "momentum": 0.9}, "adagrad": {"lr": 0.5},
            "rmsprop": {"lr": 0.02}, "adam": {"lr": 0.05},
        },
    )


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
