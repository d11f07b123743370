"""Critical points: classification by the Hessian's eigenvalues, checked against closed
forms and finite differences of the hand-derived gradients."""

import numpy as np
import pytest

import playground  # noqa: F401  (enables float64 in JAX)
from playground.numerics import critical, surfaces
from playground.numerics.expression import parse_expression

SURFACES = surfaces.SURFACES

# Himmelblau's nine critical points (Newton on the closed form, 12 decimals).
HIMMELBLAU = {
    "minimum": [(3.0, 2.0), (-2.805118086953, 3.131312518251),
                (-3.779310253378, -3.283185991286), (3.58442834033, -1.848126526964)],
    "maximum": [(-0.270844590667, -0.92303855648)],
    "saddle": [(0.086677504555, 2.884254701175), (-3.073025750764, -0.081353044288),
               (3.385154183607, 0.073851879838), (-0.127961346731, -1.953714980245)],
}


def himmelblau_hessian(x, y):
    return np.array([[12 * x**2 + 4 * y - 42, 4 * x + 4 * y],
                     [4 * x + 4 * y, 12 * y**2 + 4 * x - 26]])


def saddle_hessian(x, y):
    return np.array([[12 * x**2 - 4, 0.0], [0.0, 2.0]])


@pytest.mark.parametrize(
    ("eigenvalues", "verdict"),
    [
        ((1.0, 2.0), "minimum"),
        ((0.001, 1e3), "minimum"),
        ((-2.0, -1.0), "maximum"),
        ((-5.0, -1e-3), "maximum"),
        ((-4.0, 2.0), "saddle"),
        ((-1e-3, 1e3), "saddle"),
        ((0.0, 1.0), "degenerate"),
        ((-1.0, 0.0), "degenerate"),
        ((0.0, 0.0), "degenerate"),
        ((1e-15, 1.0), "degenerate"),  # numerically zero curvature (float64's rounding)
        ((-1e-15, -1.0), "degenerate"),
        ((2.0, 1.94e11), "minimum"),  # exp(20x) + y² at (1, 1): a bowl, not flat
        ((-2.0, 1.94e11), "saddle"),
    ],
)
def test_classify(eigenvalues, verdict):
    assert critical.classify(eigenvalues) == verdict
    assert critical.classify(eigenvalues[::-1]) == verdict


def test_curvatures_within_rounding_of_zero_are_zero():
    """What ``classify`` calls zero is shown as 0; every other eigenvalue as computed."""
    a = critical.analyse(parse_expression("exp(0.3*x + 0.7*y)"), (1.0, 1.0))
    assert a.eigenvalues[0] != 0.0  # float64's rounding of an exact 0
    np.testing.assert_array_equal(critical.curvatures(a.eigenvalues),
                                  [0.0, a.eigenvalues[1]])
    assert a.eigenvalues[1] == pytest.approx(0.58 * np.exp(1.0))  # (0.3² + 0.7²) e¹
    np.testing.assert_array_equal(critical.curvatures((2.0, 1.94e11)), (2.0, 1.94e11))
    np.testing.assert_array_equal(critical.curvatures((-1e-15, 1e-15)), (0.0, 0.0))


def test_analyse_saddle_at_origin():
    a = critical.analyse(SURFACES["saddle"].fn, (0.0, 0.0))
    assert a.verdict == "saddle"
    assert a.is_critical
    assert a.value == pytest.approx(1.0, abs=1e-15)
    assert a.gradient == (0.0, 0.0)
    np.testing.assert_allclose(a.eigenvalues, (-4.0, 2.0), rtol=1e-14)
    np.testing.assert_allclose(a.hessian, saddle_hessian(0.0, 0.0), atol=1e-14)
    assert a.finite


@pytest.mark.parametrize("x", [1.0, -1.0])
def test_analyse_saddle_minima(x):
    a = critical.analyse(SURFACES["saddle"].fn, (x, 0.0))
    assert a.verdict == "minimum"
    assert a.is_critical
    assert a.value == pytest.approx(0.0, abs=1e-15)
    np.testing.assert_allclose(a.eigenvalues, (2.0, 8.0), rtol=1e-14)


def test_analyse_away_from_critical_points():
    # (0.3, 0.5): gradient (4x(x²−1), 2y) = (−1.092, 1) ≠ 0; curvature 12x²−4 < 0 → saddle-shaped.
    a = critical.analyse(SURFACES["saddle"].fn, (0.3, 0.5))
    assert not a.is_critical
    np.testing.assert_allclose(a.gradient, (4 * 0.3 * (0.09 - 1), 1.0), rtol=1e-14)
    assert a.verdict == "saddle"
    np.testing.assert_allclose(sorted(a.eigenvalues), sorted([12 * 0.09 - 4, 2.0]), rtol=1e-13)


def test_analyse_himmelblau_maximum():
    a = critical.analyse(SURFACES["himmelblau"].fn, (-0.270845, -0.923039))
    assert a.verdict == "maximum"
    assert np.linalg.norm(a.gradient) < 1e-3  # 6-decimal coordinates
    expected = np.linalg.eigvalsh(himmelblau_hessian(-0.270845, -0.923039))
    np.testing.assert_allclose(a.eigenvalues, expected, rtol=1e-12)
    assert a.eigenvalues[0] <= a.eigenvalues[1] < 0


POINTS = [(-0.7, 1.3), (2.0, -0.4), (0.25, 0.6)]


@pytest.mark.parametrize("name", ["ravine", "rosenbrock", "himmelblau", "beale", "rastrigin",
                                  "saddle", "plateau"])
def test_hessian_matches_finite_differences_of_closed_form_gradient(name, gradient_of):
    h = 1e-5
    for x, y in POINTS:
        a = critical.analyse(SURFACES[name].fn, (x, y))
        fd = np.column_stack([
            (gradient_of(name, x + h, y) - gradient_of(name, x - h, y)) / (2 * h),
            (gradient_of(name, x, y + h) - gradient_of(name, x, y - h)) / (2 * h),
        ])
        fd = 0.5 * (fd + fd.T)
        scale = max(1.0, np.abs(fd).max())
        np.testing.assert_allclose(a.hessian, fd, rtol=1e-6, atol=1e-6 * scale)
        np.testing.assert_allclose(a.gradient, gradient_of(name, x, y), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(a.eigenvalues, np.linalg.eigvalsh(fd), rtol=1e-6,
                                   atol=1e-6 * scale)


@pytest.mark.parametrize("point", POINTS + [(3.0, 2.0), (-3.0, 1.0)])
def test_himmelblau_hessian_matches_closed_form(point):
    a = critical.analyse(SURFACES["himmelblau"].fn, point)
    np.testing.assert_allclose(a.hessian, himmelblau_hessian(*point), rtol=1e-13, atol=1e-12)


def test_critical_points_of_himmelblau():
    found = critical.critical_points(SURFACES["himmelblau"])
    verdicts = [a.verdict for a in found]
    assert verdicts.count("minimum") == 4
    assert verdicts.count("maximum") == 1
    assert verdicts.count("saddle") == 4
    assert len(found) == 9
    for verdict, points in HIMMELBLAU.items():
        got = sorted(a.point for a in found if a.verdict == verdict)
        np.testing.assert_allclose(got, sorted(points), atol=1e-9)
    for a in found:
        assert a.is_critical and a.finite
        expected = np.linalg.eigvalsh(himmelblau_hessian(*a.point))
        np.testing.assert_allclose(a.eigenvalues, expected, rtol=1e-10)


def test_critical_points_of_saddle():
    found = {(round(a.point[0], 9) + 0.0, round(a.point[1], 9) + 0.0): a.verdict
             for a in critical.critical_points(SURFACES["saddle"])}
    assert found == {(0.0, 0.0): "saddle", (1.0, 0.0): "minimum", (-1.0, 0.0): "minimum"}


@pytest.mark.parametrize(
    ("guess", "expected"),
    [((3.5, -1.8), (3.58442834033, -1.848126526964)),
     ((3.584, -1.848), (3.58442834033, -1.848126526964)),
     ((2.9, 2.1), (3.0, 2.0)),
     ((-0.3, -0.9), (-0.270844590667, -0.92303855648))],
)
def test_refine_converges_to_known_coordinates(guess, expected, gradient_of):
    p = critical.refine(SURFACES["himmelblau"].fn, guess)
    np.testing.assert_allclose(p, expected, atol=1e-10)
    assert np.linalg.norm(gradient_of("himmelblau", *p)) < 1e-10


def test_refine_on_rosenbrock():
    p = critical.refine(SURFACES["rosenbrock"].fn, (1.2, 1.3))
    np.testing.assert_allclose(p, (1.0, 1.0), atol=1e-12)


def test_degenerate_and_non_finite_points():
    from playground.numerics.expression import parse_expression

    quartic = parse_expression("x**4 + y**2")  # Hessian diag(12x², 2): singular at x = 0
    a = critical.analyse(quartic, (0.0, 0.0))
    assert a.is_critical and a.verdict == "degenerate"
    np.testing.assert_allclose(a.eigenvalues, (0.0, 2.0), atol=1e-15)
    # Newton's method cannot start from a singular Hessian: refine returns the guess.
    np.testing.assert_array_equal(critical.refine(quartic, (0.0, 1.0)), (0.0, 1.0))

    # Outside log's domain the value is NaN (the derivatives of log are still finite there).
    assert not critical.analyse(parse_expression("log(x) + y**2"), (-1.0, 0.0)).finite
    # A non-finite Hessian (sqrt at 0) gives no eigenvalues and no verdict.
    c = critical.analyse(parse_expression("sqrt(x) + y**2"), (0.0, 0.0))
    assert not c.finite
    assert c.verdict == "degenerate"
    assert np.all(np.isnan(c.eigenvalues))


def test_a_steep_direction_does_not_hide_the_curvature_of_the_other():
    """exp(20x) + y² at (1, 1): H = diag(400 e²⁰, 2), both > 0, a bowl (it was called
    flat: λ = 2 fell under a tolerance relative to 1.9×10¹¹)."""
    from playground.numerics.expression import parse_expression

    a = critical.analyse(parse_expression("exp(20*x) + y**2"), (1.0, 1.0))
    np.testing.assert_allclose(a.eigenvalues, (2.0, 400 * np.exp(20.0)), rtol=1e-12)
    assert a.verdict == "minimum"


def test_a_minimum_where_a_kink_meets_a_slope_is_critical():
    """|x| + x/2 + y² at 0: ∂ = [−½, 3/2] × {0} holds 0, so the point is critical (the
    kink's own subgradient 0 plus the slope ½ would have said it is not)."""
    surface = parse_expression("abs(x) + 0.5*x + y**2")
    a = critical.analyse(surface, (0.0, 0.0))
    assert a.is_critical and np.array_equal(a.gradient, [0.0, 0.0])
    away = critical.analyse(surface, (0.0, 1.0))
    assert not away.is_critical and np.array_equal(away.gradient, [0.0, 2.0])


@pytest.mark.parametrize("point", [(0.7, -0.4), (-1.3, 2.1)])
def test_a_formulas_hessian_is_its_closed_form(point):
    """A formula's Hessian comes from its rules without the kinks' reading
    (``Expression.plain``), its gradient from the rules forward: both as calculus has
    them, x²y + sin x + |y| (off its kink y = 0)."""
    x, y = point
    a = critical.analyse(parse_expression("x**2*y + sin(x) + abs(y)"), point)
    np.testing.assert_allclose(a.gradient, (2 * x * y + np.cos(x), x**2 + np.sign(y)),
                               rtol=1e-12)
    np.testing.assert_allclose(a.hessian, [[2 * y - np.sin(x), 2 * x], [2 * x, 0.0]],
                               rtol=1e-12, atol=1e-12)
    # On a kink the gradient is the minimum-norm subgradient, as the race takes it: of
    # x² + |y| at the origin, (0, 0) ({0} × [−1, 1] holds it), a critical point.
    on = critical.analyse(parse_expression("x**2 + abs(y)"), (0.0, 0.0))
    assert on.gradient == (0.0, 0.0) and on.is_critical
