"""Critical points: the gradient, the Hessian and what its eigenvalues say.

At a point θ of L(x, y): g = ∇L(θ) and H = ∇²L(θ).  Where g = 0 the Hessian's
eigenvalues λ₁ ≤ λ₂ classify the point: both > 0 a minimum, both < 0 a maximum,
mixed signs a saddle, and a zero eigenvalue leaves the second-order test
undecided ("degenerate").  Away from critical points the same signs describe the
local shape (bowl, dome, saddle-shaped).
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .programs import Programs, run
from .surfaces import Surface, SurfaceFn

#: ‖g‖ below this counts as a critical point.
GRADIENT_TOLERANCE = 1e-6
#: |λ| below this (relative to the largest |λ|) counts as zero curvature: float64's
#: rounding of the Hessian and of ``eigvalsh`` (about ε‖H‖), with a margin; no larger,
#: or a steep direction hides a real curvature (exp(20x) + y²: λ = 2 beside 1.9×10¹¹).
CURVATURE_TOLERANCE = 100 * float(np.finfo(np.float64).eps)

class PointAnalysis(NamedTuple):
    """A surface at one point: its value, gradient (2,), Hessian (2, 2), the Hessian's
    eigenvalues in ascending order, and the verdict they give.
    """
    point: tuple[float, float]
    value: float
    gradient: tuple[float, float]
    hessian: tuple[tuple[float, float], tuple[float, float]]
    eigenvalues: tuple[float, float]  # ascending
    verdict: str  # minimum, maximum, saddle or degenerate: the Hessian's verdict here
    is_critical: bool  # ‖g‖ ≤ GRADIENT_TOLERANCE

    @property
    def finite(self) -> bool:
        return bool(np.all(np.isfinite(np.r_[self.value, self.gradient,
                                              np.ravel(self.hessian)])))


def curvatures(eigenvalues) -> np.ndarray:
    """The Hessian's eigenvalues as :func:`classify` reads them: each within rounding of
    zero (|λ| ≤ ``CURVATURE_TOLERANCE`` · max(max |λ|, 1)) is 0, so that a page shows
    "0", not float64's noise (1.2×10⁻²²), beside a verdict that calls it flat."""
    lam = np.asarray(eigenvalues, float)
    scale = max(float(np.max(np.abs(lam))), 1.0)
    return np.where(np.abs(lam) <= CURVATURE_TOLERANCE * scale, 0.0, lam)


def classify(eigenvalues) -> str:
    """minimum / maximum / saddle / degenerate from the Hessian's eigenvalues."""
    lam = curvatures(eigenvalues)
    positive, negative = lam > 0, lam < 0
    if positive.all():
        return "minimum"
    if negative.all():
        return "maximum"
    if positive.any() and negative.any():
        return "saddle"
    return "degenerate"


@lru_cache(maxsize=64)
def _derivatives(fn: SurfaceFn):
    scalar = lambda p: fn(p[0], p[1])
    if hasattr(fn, "value_and_gradient"):  # a formula (``expression.Expression``)
        # Its gradient by its own rules, forward (reverse mode transposed the reading
        # of its kinks: 5 s of compiling for a √ nested 38 deep), and its Hessian from
        # the rules alone (``Expression.plain``: the same off the kinks).
        def value_and_gradient(p):
            value, gradient = fn.value_and_gradient(p[0], p[1])
            return value, jnp.stack(gradient)

        hessian = jax.hessian(lambda p: fn.plain(p[0], p[1]))
    else:
        value_and_gradient, hessian = jax.value_and_grad(scalar), jax.hessian(scalar)

    @jax.jit
    def derivatives(p):
        return (*value_and_gradient(p), hessian(p))

    return derivatives


def analyse(fn: SurfaceFn, point, programs: Programs | None = None) -> PointAnalysis:
    """Value, gradient, Hessian, eigenvalues and verdict of ``fn`` at ``point``
    (compiled into ``programs`` when given: a page's own)."""
    p = jnp.asarray(point, jnp.float64)
    value, gradient, hessian = (np.asarray(a) for a in run(programs, _derivatives(fn), (), p))
    hessian = 0.5 * (hessian + hessian.T)
    if np.all(np.isfinite(hessian)):
        eigenvalues = np.linalg.eigvalsh(hessian)
        verdict = classify(eigenvalues)
    else:
        eigenvalues = np.full(2, np.nan)
        verdict = "degenerate"
    return PointAnalysis(
        point=(float(p[0]), float(p[1])), value=float(value),
        gradient=(float(gradient[0]), float(gradient[1])),
        hessian=((float(hessian[0, 0]), float(hessian[0, 1])),
                 (float(hessian[1, 0]), float(hessian[1, 1]))),
        eigenvalues=(float(eigenvalues[0]), float(eigenvalues[1])),
        verdict=verdict,
        is_critical=bool(np.linalg.norm(gradient) <= GRADIENT_TOLERANCE),
    )


def refine(fn: SurfaceFn, guess, iterations: int = 50) -> np.ndarray:
    """Newton's method on ∇L = 0 from ``guess``: p ← p − H⁻¹ g."""
    derivatives = _derivatives(fn)
    p = np.asarray(guess, float)
    for _ in range(iterations):
        _, g, h = (np.asarray(a) for a in derivatives(jnp.asarray(p)))
        if not np.all(np.isfinite(h)) or abs(np.linalg.det(h)) < 1e-14:
            break
        delta = np.linalg.solve(h, g)
        p = p - delta
        if np.linalg.norm(delta) < 1e-13:
            break
    return p


def critical_points(surface: Surface) -> list[PointAnalysis]:
    """The surface's critical points near its guesses, polished and classified."""
    return list(_critical_points(surface.fn, tuple(surface.critical_guesses)))


@lru_cache(maxsize=64)
def _critical_points(fn: SurfaceFn, guesses: tuple) -> tuple[PointAnalysis, ...]:
    found: list[PointAnalysis] = []
    for guess in guesses:
        a = analyse(fn, refine(fn, guess))
        if a.is_critical and a.finite and all(
                np.hypot(a.point[0] - b.point[0], a.point[1] - b.point[1]) > 1e-6
                for b in found):
            found.append(a)
    return tuple(found)
