"""Tests for the safe expression parser in ``playground.numerics.expression``."""

import builtins
import math
import os
import re
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from unittest import mock

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import playground.numerics.expression as expression_module  # noqa: E402
from playground.numerics.expression import (  # noqa: E402
    ALLOWED_CONSTANTS,
    ALLOWED_FUNCTIONS,
    Expression,
    ExpressionError,
    parse_expression,
)

XS = np.array([-2.5, -1.0, -0.3, 0.0, 0.7, 1.0, 3.2])
YS = np.array([1.5, -0.5, 2.0, -1.7, 0.0, 0.9, -3.0])


@contextmanager
def dynamic_code_forbidden(*, only_from_module=False):
    """Make eval/exec/compile and shell access explode, proving the parser never uses them.

    Parsing runs with everything refused.  JAX imports submodules lazily (``exec`` under
    the hood), so around evaluation ``only_from_module=True`` refuses only calls made
    directly from ``playground/expression.py`` and lets the others through.  The
    originals are restored before an exception leaves the block, because pytest itself
    compiles source while reporting a failure.
    """
    calls = []
    module_file = expression_module.__file__

    def refuse(module, name):
        original = getattr(module, name)

        def refused(*args, **kwargs):
            if only_from_module and sys._getframe(1).f_code.co_filename != module_file:
                return original(*args, **kwargs)
            calls.append(name)
            raise AssertionError(f"{name} must never be called")

        return refused

    targets = [(builtins, "eval"), (builtins, "exec"), (builtins, "compile"),
               (os, "system"), (subprocess, "Popen")]
    with ExitStack() as stack:
        for module, name in targets:
            stack.enter_context(mock.patch.object(module, name, refuse(module, name)))
        yield
    assert calls == []


def test_the_guard_itself_refuses_dynamic_code():
    with pytest.raises(AssertionError, match="eval must never be called"), \
            dynamic_code_forbidden():
        eval("1")


# ------------------------------------------------------------------ evaluation


VALID_EXPRESSIONS = [
    ("x**2 + y**2", lambda x, y: x**2 + y**2),
    ("-x**2", lambda x, y: -(x**2)),
    ("-x**2 + y", lambda x, y: -(x**2) + y),
    ("(-x)**2", lambda x, y: x**2),
    ("x**3 - y**3", lambda x, y: x**3 - y**3),
    ("2**3**2", lambda x, y: 512.0 + 0 * x),
    ("(2**3)**2", lambda x, y: 64.0 + 0 * x),
    ("2^3^2", lambda x, y: 512.0 + 0 * x),
    ("x^2 - y^2", lambda x, y: x**2 - y**2),
    ("1/2/4", lambda x, y: 0.125 + 0 * x),
    ("2*-3", lambda x, y: -6.0 + 0 * x),
    ("2**-1", lambda x, y: 0.5 + 0 * x),
    ("-2**2", lambda x, y: -4.0 + 0 * x),
    ("- -x", lambda x, y: x),
    ("--x", lambda x, y: x),
    ("-+-x", lambda x, y: x),
    ("+x - -y", lambda x, y: x + y),
    ("x - y - 1", lambda x, y: (x - y) - 1),
    ("x / 2 * y", lambda x, y: (x / 2) * y),
    ("2 * 3 + 4 * x", lambda x, y: 6 + 4 * x),
    ("2 * (3 + 4) * x", lambda x, y: 14 * x),
    ("x * -y ** 2", lambda x, y: x * -(y**2)),
    ("\tx\n+  y ", lambda x, y: x + y),
    ("sin(x)*cos(y) + tan(x/4)", lambda x, y: np.sin(x) * np.cos(y) + np.tan(x / 4)),
    ("exp(-x**2 - y**2)", lambda x, y: np.exp(-(x**2) - y**2)),
    ("log(1 + x**2) + sqrt(1 + y^2)", lambda x, y: np.log(1 + x**2) + np.sqrt(1 + y**2)),
    ("abs(x) + abs(y)", lambda x, y: np.abs(x) + np.abs(y)),
    ("tanh(x) + sinh(y/3) - cosh(x/5)", lambda x, y: np.tanh(x) + np.sinh(y / 3) - np.cosh(x / 5)),
    ("atan(x) + arctan(y)", lambda x, y: np.arctan(x) + np.arctan(y)),
    ("sigmoid(x*y)", lambda x, y: 1 / (1 + np.exp(-x * y))),
    ("min(x, y) + max(x**2, y)", lambda x, y: np.minimum(x, y) + np.maximum(x**2, y)),
    ("pi*x + e*y", lambda x, y: np.pi * x + np.e * y),
    ("1e-3*x + .5*y + 2.5E2 + 1.", lambda x, y: 0.001 * x + 0.5 * y + 250 + 1),
    ("abs(x)^2^0.5", lambda x, y: np.abs(x) ** (2**0.5)),
    ("x**2 - y**2 + 0.1*sin(3*x)", lambda x, y: x**2 - y**2 + 0.1 * np.sin(3 * x)),
    ("(x + 1)*(y - 1)", lambda x, y: (x + 1) * (y - 1)),
    ("((((x))))", lambda x, y: x),
    # Maths as pasted from slides: the minus sign, ×, ·, ÷, π and superscript digits.
    ("(x² \u2212 1)² + y²", lambda x, y: (x**2 - 1) ** 2 + y**2),
    ("2×x·y ÷ 4 \u2212 π", lambda x, y: 2 * x * y / 4 - np.pi),
    ("\u2212x³ + x ⋅ y¹⁰", lambda x, y: -(x**3) + x * y**10),
    # √ takes what follows it; x⁻¹ is x**-1.
    ("√(x² + y²) + √2·x \u2212 (1 + y²)⁻¹", lambda x, y: (
        np.sqrt(x**2 + y**2) + np.sqrt(2) * x - (1 + y**2) ** -1)),
    ("√√(1 + x²) − √pi*y", lambda x, y: (1 + x**2) ** 0.25 - np.sqrt(np.pi) * y),
    ("x² \u2013 y²", lambda x, y: x**2 - y**2),  # PowerPoint's en dash for "-"
    # Superscript exponents with letters (e⁻²ˣ: its products need no *), √ of a negation,
    # fractions as single characters.
    ("e⁻ˣ + eʸ/9 + e⁻²ˣʸ", lambda x, y: np.exp(-x) + np.exp(y) / 9 + np.exp(-2 * x * y)),
    ("1 − e⁻⁽ˣ²⁺ʸ²⁾ + 2ˣʸ", lambda x, y: 1 - np.exp(-(x**2 + y**2)) + 2 ** (x * y)),
    ("√-(x − 4) + ½*y² + ¾ − ⅓*x", lambda x, y: np.sqrt(4 - x) + y**2 / 2 + 0.75 - x / 3),
    ("abs(x)^½ + y⁽¹⁺¹⁾", lambda x, y: np.abs(x) ** 0.5 + y**2),
    # Full-width forms, as a Chinese input method types them.
    ("（x＋1）＊＊2\u3000＋ max（x，y）＾２", lambda x, y: (x + 1) ** 2 + np.maximum(x, y) ** 2),
    ("\uff58 + \uff11", lambda x, y: x + 1),
]


@pytest.mark.parametrize(("text", "reference"), VALID_EXPRESSIONS)
def test_valid_expressions_match_numpy(text, reference):
    with dynamic_code_forbidden():
        expression = parse_expression(text)
    with dynamic_code_forbidden(only_from_module=True):
        values = expression(XS, YS)
    np.testing.assert_allclose(values, reference(XS, YS), rtol=1e-12, atol=1e-12)
    for x, y in zip(XS[:3], YS[:3], strict=True):
        np.testing.assert_allclose(expression(x, y), reference(x, y), rtol=1e-12, atol=1e-12)


def test_allowed_tables():
    assert set(ALLOWED_FUNCTIONS) == {
        "sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sinh", "cosh",
        "atan", "arctan", "sigmoid", "min", "max",
    }
    assert {"pi": math.pi, "e": math.e} == ALLOWED_CONSTANTS


def test_result_is_float64_array():
    value = parse_expression("x + y")(1, 2)
    assert isinstance(value, jax.Array)
    assert value.dtype == jnp.float64
    assert float(value) == 3.0


def test_constant_expression_fills_the_grid():
    grid_x, grid_y = np.meshgrid(np.linspace(-1, 1, 4), np.linspace(-1, 1, 3))
    np.testing.assert_allclose(parse_expression("pi")(grid_x, grid_y), np.full((3, 4), np.pi))


def test_broadcasting_on_2d_grids():
    expression = parse_expression("x**2 - y**2 + 0.1*sin(3*x)")
    xs, ys = np.linspace(-2, 2, 50), np.linspace(-1, 1, 30)
    grid_x, grid_y = np.meshgrid(xs, ys)
    expected = grid_x**2 - grid_y**2 + 0.1 * np.sin(3 * grid_x)
    np.testing.assert_allclose(expression(grid_x, grid_y), expected, rtol=1e-12)
    outer = expression(xs[None, :], ys[:, None])
    assert outer.shape == (30, 50)
    np.testing.assert_allclose(outer, expected, rtol=1e-12)


def test_overflow_gives_inf_not_an_exception():
    start = time.perf_counter()
    with dynamic_code_forbidden():
        huge = parse_expression("9**9**9")
    assert time.perf_counter() - start < 1.0
    assert np.isposinf(huge(0.0, 0.0))
    assert np.isposinf(parse_expression("1e308*1e308")(0.0, 0.0))
    with pytest.raises(ExpressionError, match="too large"):  # a literal ∞: refused
        parse_expression("1e999")
    assert np.isposinf(parse_expression("1/0")(0.0, 0.0))
    assert float(parse_expression("1" + "0" * 299)(0.0, 0.0)) == 1e299


# ------------------------------------------------------------------- jax transforms


def test_grad_matches_closed_form_and_finite_differences():
    expression = parse_expression("x**2*y + sin(x*y) - exp(-y^2)")
    gradient = jax.grad(expression, argnums=(0, 1))
    step = 1e-6
    for x, y in zip(XS, YS, strict=True):
        d_dx, d_dy = (float(value) for value in gradient(x, y))
        closed_dx = 2 * x * y + y * np.cos(x * y)
        closed_dy = x**2 + x * np.cos(x * y) + 2 * y * np.exp(-(y**2))
        finite_dx = (expression(x + step, y) - expression(x - step, y)) / (2 * step)
        finite_dy = (expression(x, y + step) - expression(x, y - step)) / (2 * step)
        assert d_dx == pytest.approx(closed_dx, rel=1e-12, abs=1e-12)
        assert d_dy == pytest.approx(closed_dy, rel=1e-12, abs=1e-12)
        assert d_dx == pytest.approx(float(finite_dx), rel=1e-6, abs=1e-6)
        assert d_dy == pytest.approx(float(finite_dy), rel=1e-6, abs=1e-6)


def test_grad_of_square_is_finite_at_zero_and_negative_points():
    gradient = jax.grad(parse_expression("x**2 + y^2"), argnums=(0, 1))
    assert [float(g) for g in gradient(0.0, -3.0)] == [0.0, -6.0]


def test_hessian():
    expression = parse_expression("x**2 - y**2 + x*y")
    hessian = jax.hessian(lambda point: expression(point[0], point[1]))(jnp.array([0.3, -0.4]))
    np.testing.assert_allclose(hessian, [[2.0, 1.0], [1.0, -2.0]], atol=1e-12)


def test_jit_and_vmap():
    expression = parse_expression("min(x, y) * sigmoid(x) + y^3")
    expected = np.minimum(XS, YS) / (1 + np.exp(-XS)) + YS**3
    with dynamic_code_forbidden(only_from_module=True):
        jitted = jax.jit(expression)(XS, YS)
        mapped = jax.vmap(expression)(XS, YS)
    np.testing.assert_allclose(jitted, expected, rtol=1e-12)
    np.testing.assert_allclose(mapped, expected, rtol=1e-12)
    grid = jax.vmap(jax.vmap(expression, in_axes=(0, None)), in_axes=(None, 0))(XS, YS)
    assert grid.shape == (len(YS), len(XS))
    np.testing.assert_allclose(grid, expression(XS[None, :], YS[:, None]), rtol=1e-12)


def test_longest_chain_evaluates_under_hessian():
    # 100 operands, 199 tokens: the deepest tree the limits allow.
    expression = parse_expression("+".join(["x*y"] * 50))
    hessian = jax.hessian(lambda point: expression(point[0], point[1]))(jnp.array([1.0, 2.0]))
    np.testing.assert_allclose(hessian, [[0.0, 50.0], [50.0, 0.0]])


# ------------------------------------------------------------------- hostile input


HOSTILE_INPUTS = [
    "__import__('os')",
    "__import__",
    "().__class__.__bases__",
    "lambda: 1",
    "x.real",
    "x[0]",
    "(x)[0]",
    "open('f')",
    "exec('1')",
    "eval('1')",
    "compile('1', 'f', 'eval')",
    "globals()",
    "locals()",
    "vars()",
    "os.system('ls')",
    "x if y else 1",
    "[x for x in y]",
    "{}",
    "{x: 1}",
    '"a"',
    "'a'",
    "x; y",
    "x = 1",
    "x == 1",
    "x < y",
    "x and y",
    "x or y",
    "not x",
    "x @ y",
    "x % y",
    "x // y",
    "x | y",
    "~x",
    "x#comment",
    "`x`",
    "$x",
    "\\x41",
    "sin.__call__(x)",
    "sin.x",
    "x.",
    "sin(x, y)",
    "sin()",
    "max(x)",
    "min(x, y, 1)",
    "x, y",
    "x(1)",
    "pi(2)",
    "e(x)",
    "\u0455in(x)",  # Cyrillic s
    "\U0001d465",  # mathematical italic x
    "x\u200b",  # zero-width space
    "\u0661 + x",  # Arabic-Indic 1: str.isdigit() and float() accept it
    "²",  # a superscript with nothing to raise
    "x⁻",  # a superscript minus with no power
    "√x²",  # √(x²) or (√x)²?
    "√",
    "√ + x",
    "x√2",
    "2√x",
    "x**²",  # two operators in a row
    "1e400*x",  # a number past float64's largest: it was drawn as "∞x"
    "ππ",
    "x\x00",
    "x\x0c",
    "1_000",
    "0x1F",
    "0b1",
    "1.2.3",
    "1e",
    "1e+",
    "2x",
    "x y",
    "sin x",
    "sin",
    "()",
    "(",
    ")",
    "(x",
    "x)",
    "x**",
    "**x",
    "x ** ** 2",
    "x +* y",
    "*",
    "(" * 1000 + "x" + ")" * 1000,
    "x" * 10_000,
    "",
    "   ",
    "\n\t",
    "getattr(x, 'a')",
    "breakpoint()",
    "import os",
    "X",
    "Sin(x)",
    "inf",
    "nan",
    "True",
    "None",
    "_",
    "print(1)",
]


@pytest.mark.parametrize(("text", "written"), [
    ("0.05x**2 + 2y**2", "0.05*x"), ("2pi*x", "2*pi"), ("3sin(x)", "3*sin"), ("2e", "2*e"),
    ("1e3y", "1e3*y"), ("sin(2πx)", "2*π"), ("3√x", "3*√"), ("2 π x", "2*π"),
    ("x y", "x*y"), ("x² π", "x²*π"), ("½x", "½*x"), ("(x+1) y", "(x+1)*y"),
    ("e⁻ˣ y", "e⁻ˣ*y"), ("√2 x", "√2*x"), ("½(x² + y²)", "½*("), ("(x+1)(y-1)", "(x+1)*("),
    ("x(x + 1)", "x*("), ("√2x", "√(2*x)")])
def test_a_product_written_as_on_a_slide_says_how_to_write_it(text, written):
    """"0.05x" read as a malformed number, with no word of the * it lacks."""
    with pytest.raises(ExpressionError) as excinfo:
        parse_expression(text)
    assert excinfo.value.code == "implicit_product"
    assert f"write {written} " in str(excinfo.value)


def test_absolute_value_bars_say_to_write_abs():
    with pytest.raises(ExpressionError) as excinfo:
        parse_expression("|x| + |y|")
    assert excinfo.value.code == "absolute_bars"
    assert "write abs(x) for |x|" in str(excinfo.value)


@pytest.mark.parametrize(("text", "shown"), [("x × × y", "'×'"), ("(x + 1, 2)", "','"),
                                             ("x + ÷ 2", "'÷'")])
def test_a_message_quotes_pasted_maths_as_typed(text, shown):
    """π was quoted as 'pi', × as '*': a character the user never typed."""
    with pytest.raises(ExpressionError) as excinfo:
        parse_expression(text)
    assert f"unexpected {shown} " in str(excinfo.value)


def test_a_number_run_into_a_name_that_is_no_name_stays_malformed():
    with pytest.raises(ExpressionError) as excinfo:
        parse_expression("1 + 0x1F")
    assert excinfo.value.code == "malformed_number"


@pytest.mark.parametrize("text", HOSTILE_INPUTS)
def test_hostile_input_is_rejected(text):
    with dynamic_code_forbidden(), pytest.raises(ExpressionError) as excinfo:
        parse_expression(text)
    assert str(excinfo.value)
    assert isinstance(excinfo.value, ValueError)


@pytest.mark.parametrize("not_text", [None, 1, b"x", ["x"]])
def test_non_text_is_rejected(not_text):
    with pytest.raises(ExpressionError):
        parse_expression(not_text)


def test_module_source_has_no_dynamic_execution():
    source = Path(expression_module.__file__).read_text()
    assert not re.search(r"\b(eval|exec|compile|getattr|__import__)\s*\(", source)
    assert not re.search(r"^\s*(import|from)\s+ast\b", source, re.MULTILINE)


def test_nesting_limit_is_an_expression_error_not_recursion_error():
    deepest_allowed = "(" * 40 + "x" + ")" * 40
    assert float(parse_expression(deepest_allowed)(2.0, 0.0)) == 2.0
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse_expression("(" * 41 + "x" + ")" * 41)
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse_expression("-" * 150 + "x")
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse_expression("sin(" * 41 + "x" + ")" * 41)
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse_expression("**".join(["2"] * 60))


@pytest.mark.parametrize("kink", ["sqrt({})", "abs({})", "max({}, y)", "min(x, {})",
                                  "({} + 1)**0.5", "({} + 2)**x"])
def test_kinks_nest_at_most_eight_deep(kink):
    """Each kink is read from both sides, a compiled program that grows with the chain:
    a √ nested 38 deep (125 characters, within the other limits) compiled for minutes
    in 3 GB before the traces were shared, and 14 s after."""
    chain = lambda depth: kink.format(chain(depth - 1)) if depth else "x*x + y*y + 1"
    assert parse_expression(chain(8))(0.5, 0.5) > 0
    with pytest.raises(ExpressionError, match=r"nested inside each other \(max 8\)"):
        parse_expression(chain(9))
    # Side by side they are not nested: no limit but the length.
    assert parse_expression(" + ".join([kink.format("x - y")] * 12))


@pytest.mark.parametrize("kink", ["sqrt({})", "abs({})", "max({}, y)"])
def test_a_nested_formulas_traced_gradient_grows_with_its_depth_not_its_square(kink):
    """Every kink reads its argument's value and slope (``_at_kink``, the probe at the
    sides): traced afresh at each of d levels, a chain d deep traced ~d²/2 subtrees
    (5,722 operations at 20 levels against 622 shared)."""
    from playground.numerics.expression import _subgradient

    def operations(depth):
        text = "x*x + y*y + 1"
        for _ in range(depth):
            text = kink.format(text)
        tree = parse_expression(text).tree
        x = jnp.zeros(6)
        closed = jax.make_jaxpr(lambda a, b: _subgradient(tree, a, b))(x, x + 1.0)
        inner = [len(branch.jaxpr.eqns) for e in closed.eqns if e.primitive.name == "cond"
                 for branch in e.params["branches"]]
        return len(closed.eqns) + sum(inner)

    four, eight = operations(4), operations(8)
    assert eight - four < 1.3 * (four - operations(0))  # linear: the same again


def test_length_and_token_limits():
    assert parse_expression("x+" * 99 + "x")(1.0, 0.0) == 100.0
    with pytest.raises(ExpressionError, match="200 tokens"):
        parse_expression("x+" * 100 + "x")
    with pytest.raises(ExpressionError, match=r"too long \(max 300 characters\)"):
        parse_expression("x" + " " * 300)


# --------------------------------------------------------------------- error messages


@pytest.mark.parametrize(
    ("text", "fragment", "position"),
    [
        ("x + foo", "unknown name 'foo' at position 5; allowed: x, y, pi, e", 5),
        ("x + )", "unexpected ')' at position 5", 5),
        ("(x + 1))", "unmatched ')' at position 8", 8),
        ("sin(x", "missing ')' for the '(' at position 4", 4),
        ("sin(x, y)", "sin() takes 1 argument but got 2", 1),
        ("x + max(x)", "max() takes 2 arguments but got 1", 5),
        ("x² y", "'x² y' at position 1: write x²*y", 1),
        ("(x**2 + y**2 - 3*x*y) y", "unexpected 'y' at position 23", 23),
        ("x y", "'x y' at position 1: write x*y", 1),
        ("sin x", "function 'sin' needs parentheses", 1),
        ("x**", "unexpected end of expression at position 4", 4),
        ("x.real", "unexpected character '.' at position 2", 2),
        ("x @ y", "unexpected character '@' at position 3", 3),
        ("x' + 1", "unexpected character \"'\" at position 2", 2),  # (it read ''')
        ("2 * \u0455in(x)", "U+0455", 5),
        ("x ＋ ＄", "unexpected character '$' at position 5", 5),
        ("1 + 0x1F", "malformed number '0x1F' at position 5", 5),
        ("x + 1_000", "malformed number '1_000'", 5),
        ("(" * 41 + "x" + ")" * 41, "max 40 levels", 41),
    ],
)
def test_error_messages_point_at_the_problem(text, fragment, position):
    with pytest.raises(ExpressionError) as excinfo:
        parse_expression(text)
    assert fragment in str(excinfo.value)
    assert excinfo.value.position == position


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("", "empty expression"), ("   ", "empty expression"),
     ("x" * 10_000, "too long (max 300 characters)")],
)
def test_errors_without_a_position(text, fragment):
    with pytest.raises(ExpressionError, match=re.escape(fragment)) as excinfo:
        parse_expression(text)
    assert excinfo.value.position is None


# -------------------------------------------------------------------- latex & canonical


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        ("x**2 - y**2 + 0.1*sin(3*x)", r"x^{2} - y^{2} + 0.1 \sin\left(3 x\right)"),
        ("1/(x+1)", r"\frac{1}{x + 1}"),
        ("sqrt(x^2 + y^2)", r"\sqrt{x^{2} + y^{2}}"),
        ("abs(x) - exp(-y)", r"\left|x\right| - \exp\left(-y\right)"),
        ("(x + y)**2", r"\left(x + y\right)^{2}"),
        ("-x**2", "-x^{2}"),
        ("(-x)**2", r"\left(-x\right)^{2}"),
        ("2^3^2", "2^{3^{2}}"),
        ("(2^3)^2", r"\left(2^{3}\right)^{2}"),
        ("2*3", r"2 \cdot 3"),
        ("x*-y", r"x \left(-y\right)"),
        ("x - (y - 1)", r"x - \left(y - 1\right)"),
        ("(x - y) - 1", "x - y - 1"),
        ("pi*x + e", r"\pi x + e"),
        ("log(x)*atan(y)", r"\ln\left(x\right) \arctan\left(y\right)"),
        ("min(x, y) + sigmoid(x)", r"\min\left(x, y\right) + \sigma\left(x\right)"),
        ("-(1/2)", r"-\frac{1}{2}"),
        ("(1/2)^x", r"\left(\frac{1}{2}\right)^{x}"),
        ("1e-5*x", r"1 \times 10^{-5} x"),
    ],
)
def test_to_latex(text, latex):
    assert parse_expression(text).to_latex() == latex


EQUIVALENT_SPELLINGS = [
    ("x**2+y", "x ** 2 + y", "x^2 + y", "(x**2) + (y)", "+x**2 + +y", "x**2.0 + y"),
    ("atan(x)", "arctan(x)", "atan( (x) )"),
    ("2", "2.0", "2.", "20e-1", "(2)"),
    ("min(x,y)", "min( x , y )"),
    ("-x", "-(x)", "- x", "-+x"),
]


@pytest.mark.parametrize("spellings", EQUIVALENT_SPELLINGS)
def test_equivalent_spellings_share_a_canonical_key(spellings):
    expressions = [parse_expression(text) for text in spellings]
    assert len({expression.canonical for expression in expressions}) == 1
    assert len(set(expressions)) == 1
    assert len({hash(expression) for expression in expressions}) == 1


def test_canonical_form():
    assert parse_expression("x ** 2 + y").canonical == "x**2 + y"
    assert parse_expression("x^2-y^2+0.1*sin(3*x)").canonical == "x**2 - y**2 + 0.1*sin(3*x)"
    assert parse_expression("x**2 + y") != parse_expression("x**2 - y")
    assert parse_expression("(x - y) - 1") != parse_expression("x - (y - 1)")
    assert parse_expression("(-x)**2") != parse_expression("-x**2")


@pytest.mark.parametrize(
    "text",
    [text for text, _ in VALID_EXPRESSIONS]
    + ["x - (y - 1)", "-(x*y)", "(-x)**2", "(2**3)**2", "2**-x", "x*-y", "1e308", "1e-7*x",
       "-(1/2)", "x/(y*2)", "x - -y"],
)
def test_canonical_text_parses_back_to_the_same_tree(text):
    expression = parse_expression(text)
    again = parse_expression(expression.canonical)
    assert again.tree == expression.tree
    assert again.canonical == expression.canonical


def test_expression_keeps_source_and_is_immutable():
    expression = parse_expression(" x+y ")
    assert isinstance(expression, Expression)
    assert expression.source == " x+y "
    with pytest.raises(AttributeError):
        expression.source = "x"  # type: ignore[misc]


# ------------------------------------------------------------------- kinks (issue #11)

torch = pytest.importorskip("torch")


def _gradient(formula: str, x: float, y: float) -> np.ndarray:
    expression = parse_expression(formula)
    return np.asarray(jax.grad(lambda p: expression(p[0], p[1]))(jnp.array([x, y])))


# Formulas with their PyTorch twin; each is compared with torch.autograd in float64.
TORCH_TWINS = [
    ("x**2*y + sin(x*y) - exp(-y^2)",
     lambda x, y: x**2 * y + torch.sin(x * y) - torch.exp(-y**2)),
    ("abs(x) + 3*abs(y - 1)", lambda x, y: torch.abs(x) + 3 * torch.abs(y - 1)),
    ("sqrt(x**2 + y**2 + 1)", lambda x, y: torch.sqrt(x**2 + y**2 + 1)),
    ("log(1 + x**2) / (2 + cos(y))", lambda x, y: torch.log(1 + x**2) / (2 + torch.cos(y))),
    ("tanh(x)*sigmoid(y) + atan(x*y)",
     lambda x, y: torch.tanh(x) * torch.sigmoid(y) + torch.atan(x * y)),
    ("sinh(x/3)*cosh(y/3) + tan(x/4)",
     lambda x, y: torch.sinh(x / 3) * torch.cosh(y / 3) + torch.tan(x / 4)),
    ("max(x, y**2) - min(x*y, 1)",
     lambda x, y: torch.maximum(x, y**2) - torch.minimum(x * y, torch.ones((), dtype=x.dtype))),
    ("abs(x)**1.5 + (y**2 + 1)**-0.5", lambda x, y: torch.abs(x)**1.5 + (y**2 + 1)**-0.5),
    ("2**x + x**3", lambda x, y: 2**x + x**3),
]


@pytest.mark.parametrize("formula, twin", TORCH_TWINS, ids=[f for f, _ in TORCH_TWINS])
def test_gradient_agrees_with_torch_float64(formula, twin):
    """Off the kinks, and at the kinks of |·| (torch.abs'(0) = sign(0) = 0)."""
    points = [*zip(XS, YS, strict=True), (0.0, 1.0), (0.0, 0.0)]
    for x, y in points:
        tx = torch.tensor(float(x), dtype=torch.float64, requires_grad=True)
        ty = torch.tensor(float(y), dtype=torch.float64, requires_grad=True)
        value = twin(tx, ty)
        if not torch.isfinite(value) or (formula.startswith("max") and float(x) == float(y)**2):
            continue  # outside the domain; or a max tie, where torch splits ½–½ (below)
        value.backward()
        expected = [0.0 if t.grad is None else t.grad.item() for t in (tx, ty)]
        np.testing.assert_allclose(_gradient(formula, x, y), expected, rtol=1e-12, atol=1e-12,
                                   err_msg=f"{formula} at ({x}, {y})")


# Every spelling of |x| (and of the cone ‖(x, y)‖) has the same subgradient everywhere.
ABS_SPELLINGS = ["abs(x)", "sqrt(x**2)", "max(x, -x)", "-min(x, -x)", "(x**2)**0.5",
                 "(x^2)^(1/2)", "sqrt(x*x)", "abs(-x)", "max(-x, x)", "sqrt(abs(x)**2)"]
CONE_SPELLINGS = ["sqrt(x**2 + y**2)", "(x**2 + y**2)**0.5", "sqrt(y**2 + x**2 + 0)",
                  "sqrt(abs(x)**2 + abs(y)**2)", "(x*x + y*y)^0.5"]


@pytest.mark.parametrize("formula", ABS_SPELLINGS)
def test_every_spelling_of_abs_has_subgradient_sign_x(formula):
    tx = torch.tensor([-2.0, -1e-100, 0.0, 1e-100, 0.5], dtype=torch.float64,
                      requires_grad=True)
    torch.abs(tx).sum().backward()  # the oracle: torch's sign, 0 at 0
    for x, expected in zip(tx.detach().numpy(), tx.grad.numpy(), strict=True):
        np.testing.assert_array_equal(_gradient(formula, x, 0.7), [expected, 0.0],
                                      err_msg=f"{formula} at {x}")
    # Where x² underflows to 0 the spellings with a square are flat in floating point:
    # their gradient is 0 or ±1 there, never ∞ or NaN.
    for x in (-1e-300, 1e-300, -5e-324):
        assert _gradient(formula, x, 0.7)[0] in (-np.sign(-x), 0.0), (formula, x)


@pytest.mark.parametrize("formula", CONE_SPELLINGS)
def test_every_spelling_of_the_cone_has_gradient_zero_at_its_tip(formula):
    np.testing.assert_array_equal(_gradient(formula, 0.0, 0.0), [0.0, 0.0])
    # Elsewhere the gradient (x, y)/r, torch's.
    tx = torch.tensor([0.6, -0.8], dtype=torch.float64, requires_grad=True)
    torch.linalg.vector_norm(tx).backward()
    np.testing.assert_allclose(_gradient(formula, 0.6, -0.8), tx.grad.numpy(), rtol=1e-14)


CONVEX_KINKS = [
    ("abs(x) + abs(y)", (0.0, 0.0)), ("abs(x) + abs(y)", (0.0, 1.5)),
    ("max(x, y)", (1.0, 1.0)), ("max(x, 2*x)", (0.0, 0.3)), ("max(0, x) + y**2", (0.0, 0.0)),
    ("max(abs(x), abs(y))", (1.0, 1.0)), ("max(abs(x), abs(y))", (0.0, 0.0)),
    ("max(x + y, x - y)", (0.5, 0.0)), ("abs(x - 1) + abs(x + 1)", (1.0, 0.0)),
    ("sqrt((x - 1)**2 + y**2)", (1.0, 0.0)), ("abs(x)**1.5 + abs(y)", (0.0, 0.0)),
]


@pytest.mark.parametrize("formula, point", CONVEX_KINKS)
def test_gradient_at_a_convex_kink_is_a_subgradient(formula, point):
    """The subgradient inequality f(p + h) ≥ f(p) + g·h, checked by evaluating f (an
    oracle independent of the derivative rules) in many directions."""
    f = parse_expression(formula)
    g = _gradient(formula, *point)
    rng = np.random.default_rng(0)
    h = rng.normal(size=(400, 2)) * rng.choice([1e-6, 1e-3, 1.0], size=(400, 1))
    p = np.asarray(point)
    values = np.asarray(f(p[0] + h[:, 0], p[1] + h[:, 1]))
    assert np.all(values >= float(f(*p)) + h @ g - 1e-12 * (1 + np.abs(values)))


@pytest.mark.parametrize("formula, point, expected", [
    # The minimum-norm element of the subdifferential, closed form.
    ("max(x, y)", (1.0, 1.0), [0.5, 0.5]),
    ("max(x, 2*x)", (0.0, 0.0), [1.0, 0.0]),  # ∂ = [1, 2]: 1
    ("max(0, x)", (0.0, 0.0), [0.0, 0.0]),  # ∂ = [0, 1]: 0 (torch.maximum splits: ½)
    ("min(x, -x)", (0.0, 0.0), [0.0, 0.0]),
    ("max(abs(x), abs(y))", (2.0, 2.0), [0.5, 0.5]),
    ("max(x + y, x - y)", (0.5, 0.0), [1.0, 0.0]),
])
def test_max_and_min_at_a_tie_take_the_minimum_norm_subgradient(formula, point, expected):
    np.testing.assert_allclose(_gradient(formula, *point), expected, rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("formula, point, expected", [
    # A kink beside a slope: the minimum-norm element of the whole subdifferential (closed
    # forms), not the kink's own 0 plus the slope.
    ("abs(x) + 0.5*x + y**2", (0.0, 0.0), [0.0, 0.0]),  # ∂ = [−½, 3/2] × {0}
    ("abs(x) + 1.5*x", (0.0, 0.0), [0.5, 0.0]),  # ∂ = [½, 5/2]
    ("abs(x) + x", (0.0, 0.0), [0.0, 0.0]),  # 2 max(x, 0): ∂ = [0, 2]
    ("2*max(x, 0)", (0.0, 0.0), [0.0, 0.0]),
    ("abs(x - 2*y) + x", (0.0, 0.0), [0.8, 0.4]),  # (1, 0) + t(1, −2), t = −1/5
    ("abs(x) + y**2", (0.0, 1.0), [0.0, 2.0]),
    ("sqrt(x**2 + y**2) + 0.5*x", (0.0, 0.0), [0.0, 0.0]),  # the unit disc + (½, 0)
    ("max(x, 0) + max(-x, 0) - 0.5*x", (0.0, 0.0), [0.0, 0.0]),  # |x| − x/2
])
def test_a_kink_beside_a_slope_takes_the_minimum_norm_subgradient_of_the_whole(
        formula, point, expected):
    np.testing.assert_allclose(_gradient(formula, *point), expected, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(parse_expression(formula).gradient(*point), expected,
                               rtol=1e-14, atol=1e-15)


def test_a_tilted_cone_takes_the_hulls_point_within_its_polygon():
    """√(x² + y²) + 2x at its tip: ∂ = the unit disc + (2, 0), whose point closest to 0 is
    (1, 0); the disc is read in ``PROBE_DIRECTIONS`` directions (an inscribed polygon),
    so within 1 − cos(π/N)."""
    g = _gradient("sqrt(x**2 + y**2) + 2*x", 0.0, 0.0)
    n = expression_module.PROBE_DIRECTIONS
    assert 1.0 <= g[0] <= 1.0 + (1 - math.cos(math.pi / n)) and abs(g[1]) < 1e-12


@pytest.mark.parametrize("formula, point, finite", [
    ("sqrt(x)", (0.0, 0.0), [False, True]),
    ("x**(1/3) + y**2", (0.0, 1.0), [False, True]),
    ("sqrt(x**2 + y)", (0.0, 0.0), [True, False]),
    ("x*sqrt(x)", (0.0, 0.0), [True, True]),  # (x^1.5)' = 0 at 0: 0·∞ taken as 0
    ("x**0 + sqrt(abs(y))", (0.0, 0.0), [True, True]),
])
def test_an_infinite_slope_stays_non_finite(formula, point, finite):
    """Only a zero inner derivative cancels an infinite outer one."""
    g = _gradient(formula, *point)
    assert list(np.isfinite(g)) == finite, g
    e = parse_expression(formula)
    assert [bool(np.isfinite(v)) for v in e.gradient(*point)] == finite


def test_hessian_off_the_kinks_is_the_ordinary_one():
    # sin(xy) at the origin: an inner derivative (y, x) = 0 must not hide the curvature.
    hessian = jax.hessian(lambda p: parse_expression("sin(x*y)")(p[0], p[1]))(jnp.zeros(2))
    np.testing.assert_allclose(hessian, [[0.0, 1.0], [1.0, 0.0]], atol=1e-15)
    cone = parse_expression("sqrt(x**2 + y**2)")
    p = jnp.array([0.6, -0.8])
    expected = (np.eye(2) - np.outer(p, p)) / 1.0  # (I − p̂p̂ᵀ)/r with r = 1
    np.testing.assert_allclose(jax.hessian(lambda q: cone(q[0], q[1]))(p), expected,
                               atol=1e-14)


# -- where the gradient is a subgradient (``at_kink``) ----------------------------------

@pytest.mark.parametrize("formula", ABS_SPELLINGS)
def test_every_spelling_of_abs_is_at_a_kink_at_0_only(formula):
    e = parse_expression(formula)
    assert bool(e.at_kink(0.0, 0.7))
    assert not np.any(e.at_kink(np.array([-2.0, 0.5, 1e-3]), 0.7))


@pytest.mark.parametrize("formula", CONE_SPELLINGS)
def test_every_spelling_of_the_cone_is_at_a_kink_at_its_tip_only(formula):
    e = parse_expression(formula)
    assert bool(e.at_kink(0.0, 0.0)) and not bool(e.at_kink(0.6, -0.8))


@pytest.mark.parametrize("formula, point", CONVEX_KINKS)
def test_every_convex_kink_is_said(formula, point):
    assert bool(parse_expression(formula).at_kink(*point)), formula


@pytest.mark.parametrize("formula, point", [
    ("x**2 + y**2", (0.0, 0.0)), ("sin(x) * y", (0.0, 0.0)), ("max(x, x)", (0.0, 0.0)),
    ("abs(x * y)", (0.0, 0.0)), ("abs(x**2)", (0.0, 0.0)), ("abs(3) + x", (0.0, 0.0)),
    ("max(x, y)", (1.0, 2.0)), ("sqrt(x**2 + 1)", (0.0, 0.0)),
    ("(x - 1)**2 + 100*(y - x**2)**2", (1.0, 1.0))])
def test_a_smooth_point_is_not_a_kink(formula, point):
    """|x·y| and |x²| are differentiable at the origin (their gradient is 0 there); a tie
    of max between equal gradients is no kink."""
    assert not bool(parse_expression(formula).at_kink(*point)), formula


@pytest.mark.parametrize("text, terms", [
    ("x**2 - y**2 + 0.1*sin(3*x)", ["x^{2}", "- y^{2}", r"+ 0.1 \sin\left(3 x\right)"]),
    ("x - (y - 1)", ["x", r"- \left(y - 1\right)"]),
    ("x + -y", ["x", r"+ \left(-y\right)"]),
    ("(x + y)*2", [r"\left(x + y\right) \cdot 2"]),
    ("-x - y", ["-x", "- y"]),
])
def test_latex_terms_cut_the_top_level_sum_and_join_to_the_formula(text, terms):
    e = parse_expression(text)
    assert e.latex_terms() == terms
    assert " ".join(terms) == e.to_latex()
