"""The preset loss surfaces: values at known points, gradients against hand-derived
closed forms (``conftest.closed_form_gradient``) and the contour grid."""

import math
import re

import jax
import numpy as np
import pytest

import playground  # noqa: F401  (enables float64 in JAX)
from playground.numerics import surfaces
from playground.numerics.expression import parse_expression

PRESET_NAMES = ("ravine", "rosenbrock", "himmelblau", "beale", "rastrigin", "saddle", "plateau")

# Himmelblau's four minima, polished to 12 decimals with Newton's method on the closed form.
HIMMELBLAU_MINIMA = (
    (3.0, 2.0),
    (-2.805118086953, 3.131312518251),
    (-3.779310253378, -3.283185991286),
    (3.58442834033, -1.848126526964),
)

# The surface formulas again, in NumPy, as the independent oracle for values.
NUMPY_FORMULAS = {
    "ravine": lambda x, y: 0.05 * x**2 + 2 * y**2,
    "rosenbrock": lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
    "himmelblau": lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
    "beale": lambda x, y: ((1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2
                           + (2.625 - x + x * y**3) ** 2),
    "rastrigin": lambda x, y: (20 + x**2 - 10 * np.cos(2 * np.pi * x)
                               + y**2 - 10 * np.cos(2 * np.pi * y)),
    "saddle": lambda x, y: (x**2 - 1) ** 2 + y**2,
    "plateau": lambda x, y: 1 - np.exp(-(x**2 + y**2) / 2),
}

RNG_POINTS = np.random.default_rng(1234).uniform(-3.0, 3.0, size=(12, 2))


def value(name, x, y):
    return float(surfaces.SURFACES[name].fn(np.float64(x), np.float64(y)))


def test_the_presets_are_the_documented_seven():
    assert set(surfaces.SURFACES) == set(PRESET_NAMES)
    assert set(surfaces.PRESETS) == set(PRESET_NAMES)
    for key, surface in surfaces.SURFACES.items():
        assert surface.key == key


@pytest.mark.parametrize(
    ("name", "point", "expected"),
    [
        ("ravine", (0.0, 0.0), 0.0),
        ("ravine", (2.0, 1.0), 0.05 * 4 + 2.0),
        ("rosenbrock", (1.0, 1.0), 0.0),
        ("rosenbrock", (0.0, 0.0), 1.0),
        ("rosenbrock", (-1.0, 1.0), 4.0),
        ("himmelblau", (0.0, 0.0), 121.0 + 49.0),
        ("beale", (3.0, 0.5), 0.0),
        ("beale", (0.0, 0.0), 1.5**2 + 2.25**2 + 2.625**2),
        ("rastrigin", (0.0, 0.0), 0.0),
        ("rastrigin", (0.5, 0.0), 0.25 + 20.0),
        ("saddle", (0.0, 0.0), 1.0),
        ("saddle", (1.0, 0.0), 0.0),
        ("saddle", (-1.0, 0.0), 0.0),
        ("saddle", (0.0, 2.0), 5.0),
        ("plateau", (0.0, 0.0), 0.0),
        ("plateau", (1.0, 1.0), 1.0 - math.exp(-1.0)),
    ],
)
def test_value_at_known_point(name, point, expected):
    assert value(name, *point) == pytest.approx(expected, rel=1e-13, abs=1e-13)


@pytest.mark.parametrize("minimum", HIMMELBLAU_MINIMA)
def test_himmelblau_minima_are_zero(minimum):
    assert value("himmelblau", *minimum) == pytest.approx(0.0, abs=1e-18)


@pytest.mark.parametrize("point", [(1, 0), (-2, 3), (4, -5), (-3, -1), (5, 5)])
def test_rastrigin_at_integer_points_is_x2_plus_y2(point):
    x, y = point
    assert value("rastrigin", x, y) == pytest.approx(x**2 + y**2, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("r", [10.0, 20.0, 100.0])
def test_plateau_tends_to_one_far_away(r):
    assert value("plateau", r, 0.0) == pytest.approx(1.0, abs=1e-20)
    assert value("plateau", r / math.sqrt(2), -r / math.sqrt(2)) == pytest.approx(1.0, abs=1e-20)
    # ...and approaches it from below: 1 − exp(−r²/2) at r = 3.
    assert value("plateau", 3.0, 0.0) == pytest.approx(1.0 - math.exp(-4.5), rel=1e-14)


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_values_match_numpy_formula(name):
    fn = surfaces.SURFACES[name].fn
    x, y = RNG_POINTS[:, 0], RNG_POINTS[:, 1]
    got = np.asarray(fn(x, y))
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, NUMPY_FORMULAS[name](x, y), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_jax_gradient_matches_closed_form(name, gradient_of):
    fn = surfaces.SURFACES[name].fn
    grad = jax.jit(jax.vmap(jax.grad(lambda p: fn(p[0], p[1]))))
    got = np.asarray(grad(RNG_POINTS))
    expected = gradient_of(name, RNG_POINTS[:, 0], RNG_POINTS[:, 1])
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_closed_form_gradients_agree_with_finite_differences(gradient_of):
    """Guards the oracle itself: the hand-derived gradients are centred differences' limit."""
    h = 1e-6
    for name, formula in NUMPY_FORMULAS.items():
        x, y = RNG_POINTS[:, 0], RNG_POINTS[:, 1]
        fd = np.stack([(formula(x + h, y) - formula(x - h, y)) / (2 * h),
                       (formula(x, y + h) - formula(x, y - h)) / (2 * h)], axis=-1)
        np.testing.assert_allclose(gradient_of(name, x, y), fd, rtol=1e-6, atol=1e-4,
                                   err_msg=name)


KNOWN_MINIMA = [
    ("ravine", (0.0, 0.0)),
    ("rosenbrock", (1.0, 1.0)),
    ("beale", (3.0, 0.5)),
    ("rastrigin", (0.0, 0.0)),
    ("saddle", (1.0, 0.0)),
    ("saddle", (-1.0, 0.0)),
    ("plateau", (0.0, 0.0)),
    *[("himmelblau", m) for m in HIMMELBLAU_MINIMA],
]


@pytest.mark.parametrize(("name", "point"), KNOWN_MINIMA)
def test_known_minima_have_zero_gradient(name, point, gradient_of):
    fn = surfaces.SURFACES[name].fn
    g = np.asarray(jax.grad(lambda p: fn(p[0], p[1]))(np.asarray(point, float)))
    assert np.linalg.norm(g) < 1e-9
    assert np.linalg.norm(gradient_of(name, *point)) < 1e-9  # the oracle agrees
    # A minimum: nearby values are not lower.
    for dx, dy in [(1e-3, 0), (-1e-3, 0), (0, 1e-3), (0, -1e-3)]:
        assert value(name, point[0] + dx, point[1] + dy) >= value(name, *point)


def test_saddle_origin_has_zero_gradient_but_is_not_a_minimum():
    saddle = surfaces.SURFACES["saddle"].fn
    g = np.asarray(jax.grad(lambda p: saddle(p[0], p[1]))(np.zeros(2)))
    np.testing.assert_array_equal(g, [0.0, 0.0])
    assert value("saddle", 0.1, 0.0) < value("saddle", 0.0, 0.0) < value("saddle", 0.0, 0.1)


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_grid_shape_and_values(name):
    surface = surfaces.SURFACES[name]
    xs, ys, z = surfaces.grid(surface, resolution=7)
    xs, ys, z = np.asarray(xs), np.asarray(ys), np.asarray(z)
    assert xs.shape == ys.shape == (7,)
    assert z.shape == (7, 7)
    np.testing.assert_allclose(xs, np.linspace(*surface.x_range, 7), rtol=0, atol=1e-14)
    np.testing.assert_allclose(ys, np.linspace(*surface.y_range, 7), rtol=0, atol=1e-14)
    assert xs[0] == surface.x_range[0] and xs[-1] == surface.x_range[1]
    assert ys[0] == surface.y_range[0] and ys[-1] == surface.y_range[1]
    # Row i is y = ys[i], column j is x = xs[j].
    expected = np.array([[NUMPY_FORMULAS[name](x, y) for x in xs] for y in ys])
    np.testing.assert_allclose(z, expected, rtol=1e-13, atol=1e-13)


def test_grid_default_resolution_and_constant_custom_surface():
    xs, ys, z = surfaces.grid(surfaces.SURFACES["ravine"])
    n = surfaces.CONTOUR_RESOLUTION
    assert np.shape(xs) == (n,) and np.shape(ys) == (n,) and np.shape(z) == (n, n)
    custom = surfaces.custom_surface(parse_expression("pi"))
    _, _, z = surfaces.grid(custom, resolution=5)
    np.testing.assert_allclose(np.asarray(z), np.full((5, 5), math.pi), rtol=1e-15)


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_preset_metadata_is_sane(name):
    s = surfaces.SURFACES[name]
    assert s.x_range[0] < s.x_range[1] and s.y_range[0] < s.y_range[1]
    assert s.x_range[0] <= s.start[0] <= s.x_range[1]
    assert s.y_range[0] <= s.start[1] <= s.y_range[1]
    if s.minimum_value is not None:
        # The documented minimum value is attained at some known minimum.
        values = [value(name, *p) for n, p in KNOWN_MINIMA if n == name]
        assert min(values) == pytest.approx(s.minimum_value, abs=1e-12)


# --- The formula on screen is the formula computed ----------------------------------
# A test-only reader of the LaTeX that the lab shows, independent of the parser that
# wrote it: a tokenizer and a recursive descent over the few constructs the presets use
# (sums, juxtaposed or \cdot products, \frac, ^{...}, \left( \right), \cos, \exp,
# \pi, numbers, x and y), evaluated with NumPy.

_LATEX_TOKEN = re.compile(r"\s*(\\left\(|\\right\)|\\[a-z]+|\d+\.?\d*|[xye]|[-+(){}^=f])")
_LATEX_FUNCTIONS = {r"\cos": np.cos, r"\sin": np.sin, r"\exp": np.exp}


def _latex_tokens(text):
    tokens, position = [], 0
    while position < len(text.rstrip()):
        match = _LATEX_TOKEN.match(text, position)
        assert match, f"unexpected LaTeX at {text[position:]!r}"
        tokens.append(match.group(1))
        position = match.end()
    return tokens


def evaluate_latex(text, x, y):
    """The value of ``f = <LaTeX>`` at NumPy arrays x, y."""
    tokens = _latex_tokens(text)
    assert tokens[:2] == ["f", "="]
    tokens = tokens[2:]
    index = 0

    def peek():
        return tokens[index] if index < len(tokens) else None

    def take(expected=None):
        nonlocal index
        token = tokens[index]
        assert expected is None or token == expected, (token, expected)
        index += 1
        return token

    def sum_():
        value = product()
        while peek() in ("+", "-"):
            value = value + product() if take() == "+" else value - product()
        return value

    def product():
        value = signed()
        # Juxtaposition (or \cdot) multiplies, until a sign, a closing bracket or the end.
        while peek() not in (None, "+", "-", "}", r"\right)"):
            if peek() == r"\cdot":
                take()
            value = value * signed()
        return value

    def signed():
        if peek() == "-":
            take()
            return -signed()
        return power()

    def power():
        base = atom()
        if peek() == "^":
            take()
            take("{")
            exponent = sum_()
            take("}")
            return base**exponent
        return base

    def atom():
        token = take()
        if token == "x":
            return x
        if token == "y":
            return y
        if token == "e":
            return np.e
        if token == r"\pi":
            return np.pi
        if token == r"\left(":
            value = sum_()
            take(r"\right)")
            return value
        if token == r"\frac":
            take("{")
            numerator = sum_()
            take("}")
            take("{")
            denominator = sum_()
            take("}")
            return numerator / denominator
        if token in _LATEX_FUNCTIONS:
            take(r"\left(")
            argument = sum_()
            take(r"\right)")
            return _LATEX_FUNCTIONS[token](argument)
        assert token[0].isdigit(), f"unexpected LaTeX token {token!r}"
        return float(token)

    value = sum_()
    assert index == len(tokens), f"unread LaTeX: {tokens[index:]}"
    return value


def test_the_latex_reader_reads_what_it_should():
    x, y = np.array([0.5, -2.0]), np.array([1.5, 3.0])
    np.testing.assert_allclose(
        evaluate_latex(r"f = 2 x^{3} - \frac{-\left(x + y\right)}{2} \cdot 3", x, y),
        2 * x**3 + 3 * (x + y) / 2, rtol=1e-15)
    np.testing.assert_allclose(evaluate_latex(r"f = 10 \cos\left(2 \pi x\right) y", x, y),
                               10 * np.cos(2 * np.pi * x) * y, rtol=1e-15)


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_the_latex_shown_is_the_function_computed(name):
    """The formula on screen, read back independently, gives the function's values."""
    surface = surfaces.SURFACES[name]
    points = np.random.default_rng(99).uniform(-4.0, 4.0, size=(50, 2))
    x, y = points[:, 0], points[:, 1]
    shown = evaluate_latex(surface.latex, x, y)
    np.testing.assert_allclose(shown, NUMPY_FORMULAS[name](x, y), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.asarray(surface.fn(x, y)), shown, rtol=1e-12, atol=1e-12)
    # Both come from one plain-text formula.
    assert surface.fn == parse_expression(surface.fn.source)
    assert surface.latex == "f = " + parse_expression(surface.fn.source).to_latex()


def test_a_view_widens_to_a_far_point_with_a_margin_and_only_then():
    from playground.numerics.surfaces import SURFACES, VIEW_MARGIN, framed

    ravine = SURFACES["ravine"]
    assert framed(ravine, ravine.start) is ravine
    assert framed(ravine, (float("nan"), 0.0), ravine.start) is ravine
    wide = framed(ravine, (300.0, -40.0), ravine.start)
    (x0, x1), (y0, y1) = wide.x_range, wide.y_range
    assert x0 == ravine.x_range[0] and y1 == ravine.y_range[1]  # the other sides stay
    assert x1 - 300.0 == pytest.approx(VIEW_MARGIN * (300.0 - x0))
    assert -40.0 - y0 == pytest.approx(VIEW_MARGIN * (y1 + 40.0))
    assert wide.fn is ravine.fn and wide.start == ravine.start


def test_a_start_on_the_views_edge_widens_it():
    """A start at x = −3 of a custom surface's [−3, 3]² sat on the frame, its marker half
    cut off: on the edge counts as outside."""
    custom = surfaces.custom_surface(parse_expression("x**2 + y**2"))
    assert custom.x_range == (-3.0, 3.0)
    edge = surfaces.framed(custom, (-3.0, 0.0))
    assert edge.x_range[0] < -3.0 and edge.x_range[1] == 3.0 and edge.y_range == (-3.0, 3.0)
    assert surfaces.framed(custom, (-2.9, 3.0)).y_range[1] > 3.0
    assert surfaces.framed(custom, (-2.9, 2.9)) is custom
