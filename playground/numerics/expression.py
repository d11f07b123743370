"""Safe parsing of user-typed 2-D loss surfaces such as ``x**2 - y**2 + 0.1*sin(3*x)``.

The text comes from a web form and is treated as hostile.  Nothing here calls
``eval``, ``exec`` or ``compile``, uses the ``ast`` module, touches attributes, or
looks a name up anywhere but in the whitelists below.  A hand-written tokenizer and a
recursive-descent parser turn the text into a small immutable tree; an evaluator maps
that tree onto ``jax.numpy``, so the resulting function works under ``jax.jit``,
``jax.grad``, ``jax.vmap`` and ``jax.hessian``.

Grammar (EBNF; whitespace may separate tokens)::

    expression = term , { ( "+" | "-" ) , term } ;
    term       = unary , { ( "*" | "/" ) , unary } ;
    unary      = ( "+" | "-" ) , unary | power ;
    power      = primary , [ ( "**" | "^" ) , unary ] ;   (* right-associative *)
    primary    = number | variable | constant | call | "(" , expression , ")" ;
    call       = function , "(" , expression , [ "," , expression ] , ")" ;
    variable   = "x" | "y" ;
    constant   = "pi" | "e" ;
    function   = "sin" | "cos" | "tan" | "exp" | "log" | "sqrt" | "abs" | "tanh"
               | "sinh" | "cosh" | "atan" | "arctan" | "sigmoid" | "min" | "max" ;
    number     = ( digits , [ "." , [ digits ] ] | "." , digits ) ,
                 [ ( "e" | "E" ) , [ "+" | "-" ] , digits ] ;
    digits     = digit , { digit } ;                     (* ASCII 0-9 only *)

As in Python, ``**`` binds tighter than unary minus (``-x**2`` is ``-(x**2)``) while
its exponent may carry a sign (``2**-x``).  ``min`` and ``max`` take two arguments,
every other function one.

Limits: at most 300 characters, 200 tokens and 40 levels of nesting (parentheses,
function calls, signs and exponents each count one level).  Numbers are kept as
Python floats and every operation happens in ``jax.numpy`` at evaluation time, so
``9**9**9`` parses instantly and evaluates to ``inf``.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

__all__ = [
    "ALLOWED_CONSTANTS",
    "ALLOWED_FUNCTIONS",
    "Expression",
    "ExpressionError",
    "parse_expression",
]

MAX_LENGTH = 300
MAX_TOKENS = 200
MAX_DEPTH = 40

ALLOWED_FUNCTIONS: dict[str, Callable[..., jax.Array]] = {
    "sin": jnp.sin,
    "cos": jnp.cos,
    "tan": jnp.tan,
    "exp": jnp.exp,
    "log": jnp.log,
    "sqrt": jnp.sqrt,
    "abs": jnp.abs,
    "tanh": jnp.tanh,
    "sinh": jnp.sinh,
    "cosh": jnp.cosh,
    "atan": jnp.arctan,
    "arctan": jnp.arctan,
    # 1 / (1 + exp(-z)), computed without overflow for large negative z.
    "sigmoid": jax.nn.sigmoid,
    "min": jnp.minimum,
    "max": jnp.maximum,
}
ALLOWED_CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}
VARIABLES = ("x", "y")

_TWO_ARGUMENT_FUNCTIONS = frozenset({"min", "max"})
# Spellings of the same function share one tree node, hence one canonical form.
_FUNCTION_ALIASES = {"arctan": "atan"}

_ALLOWED_NAMES_HINT = (
    f"allowed: {', '.join(VARIABLES + tuple(ALLOWED_CONSTANTS))} "
    f"and the functions {', '.join(ALLOWED_FUNCTIONS)}"
)


class ExpressionError(ValueError):
    """A user-facing explanation of why an expression was rejected.

    ``position`` is the 1-based character index the message points at, or ``None``
    when the problem is not tied to one place (empty or over-long input).
    """

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


def _error(problem: str, position: int | None = None, hint: str = "") -> ExpressionError:
    message = problem if position is None else f"{problem} at position {position}"
    if hint:
        message = f"{message}; {hint}"
    return ExpressionError(message, position)


# --------------------------------------------------------------------------- tokens


class Token(NamedTuple):
    kind: str  # "number", "name", "operator", "(", ")", "," or "end"
    text: str
    position: int  # 1-based


_DIGITS = frozenset(string.digits)
_NAME_START = frozenset(string.ascii_letters + "_")
_NAME_CHARACTERS = _NAME_START | _DIGITS
_WHITESPACE = frozenset(" \t\r\n")
_SINGLE_CHARACTER_OPERATORS = frozenset("+-*/^")
_PUNCTUATION = frozenset("(),")


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with an ``"end"`` token.

    Raises:
        ExpressionError: a character or name outside the grammar, or too many tokens.
    """
    tokens: list[Token] = []
    index = 0
    while index < len(text):
        character = text[index]
        if character in _WHITESPACE:
            index += 1
            continue
        token, index = _next_token(text, index)
        tokens.append(token)
        if len(tokens) > MAX_TOKENS:
            raise _error(f"expression too long (max {MAX_TOKENS} tokens)", token.position)
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


def _next_token(text: str, start: int) -> tuple[Token, int]:
    character = text[start]
    position = start + 1
    if character in _DIGITS or (character == "." and _digit_at(text, start + 1)):
        end = _scan_number(text, start)
        return Token("number", text[start:end], position), end
    if character in _NAME_START:
        end = _skip(text, start, _NAME_CHARACTERS)
        return Token("name", text[start:end], position), end
    if text.startswith("**", start):
        return Token("operator", "**", position), start + 2
    if character in _SINGLE_CHARACTER_OPERATORS:
        return Token("operator", character, position), start + 1
    if character in _PUNCTUATION:
        return Token(character, character, position), start + 1
    raise _error(f"unexpected character {_describe_character(character)}", position,
                 _character_hint(character))


def _scan_number(text: str, start: int) -> int:
    """Return the end of the number starting at ``start``, rejecting ``0x1F``, ``1_0``..."""
    end = _skip(text, start, _DIGITS)
    if end < len(text) and text[end] == ".":
        end = _skip(text, end + 1, _DIGITS)
    if end < len(text) and text[end] in "eE":
        exponent_start = end + 1
        if exponent_start < len(text) and text[exponent_start] in "+-":
            exponent_start += 1
        if _digit_at(text, exponent_start):
            end = _skip(text, exponent_start, _DIGITS)
    if end < len(text) and (text[end] in _NAME_CHARACTERS or text[end] == "."):
        # Show the whole run the user probably meant as one number.
        malformed_end = _skip(text, end, _NAME_CHARACTERS | {"."})
        raise _error(f"malformed number '{text[start:malformed_end]}'", start + 1)
    return end


def _skip(text: str, index: int, allowed: frozenset[str]) -> int:
    while index < len(text) and text[index] in allowed:
        index += 1
    return index


def _digit_at(text: str, index: int) -> bool:
    return index < len(text) and text[index] in _DIGITS


def _describe_character(character: str) -> str:
    if character.isascii() and character.isprintable():
        return f"'{character}'"
    code_point = f"U+{ord(character):04X}"
    return f"'{character}' ({code_point})" if character.isprintable() else code_point


def _character_hint(character: str) -> str:
    if character == ".":
        return "'.' may only appear inside a number such as 0.5"
    if not character.isascii():
        return "only plain ASCII characters are allowed"
    return "allowed are letters, digits, spaces and + - * / ^ ( ) , ."


def _describe_token(token: Token) -> str:
    return "end of expression" if token.kind == "end" else f"'{token.text}'"


# ----------------------------------------------------------------------------- tree


@dataclass(frozen=True, slots=True)
class Number:
    value: float


@dataclass(frozen=True, slots=True)
class Variable:
    name: str


@dataclass(frozen=True, slots=True)
class Constant:
    name: str


@dataclass(frozen=True, slots=True)
class Negate:
    operand: Node


@dataclass(frozen=True, slots=True)
class BinaryOp:
    operator: str  # "+", "-", "*", "/" or "**" ("^" is stored as "**")
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Call:
    function: str
    arguments: tuple[Node, ...]


Node = Number | Variable | Constant | Negate | BinaryOp | Call


# --------------------------------------------------------------------------- parser


class _Parser:
    """Recursive descent over a token list; one method per grammar rule."""

    def __init__(self, tokens: list[Token]) -> None:
        self._tokens = tokens
        self._index = 0
        self._depth = 0

    def parse(self) -> Node:
        tree = self._expression()
        token = self._peek()
        if token.kind == ")":
            raise _error("unmatched ')'", token.position)
        if token.kind != "end":
            raise _error(f"unexpected {_describe_token(token)}", token.position,
                         "expected an operator such as + - * / or **")
        return tree

    def _expression(self) -> Node:
        node = self._term()
        while self._at_operator("+", "-"):
            operator = self._advance().text
            node = BinaryOp(operator, node, self._term())
        return node

    def _term(self) -> Node:
        node = self._unary()
        while self._at_operator("*", "/"):
            operator = self._advance().text
            node = BinaryOp(operator, node, self._unary())
        return node

    def _unary(self) -> Node:
        if not self._at_operator("+", "-"):
            return self._power()
        sign = self._advance()
        with self._nested(sign):
            operand = self._unary()
        return operand if sign.text == "+" else Negate(operand)

    def _power(self) -> Node:
        base = self._primary()
        if not self._at_operator("**", "^"):
            return base
        operator = self._advance()
        with self._nested(operator):
            exponent = self._unary()
        return BinaryOp("**", base, exponent)

    def _primary(self) -> Node:
        token = self._advance()
        if token.kind == "number":
            return Number(float(token.text))
        if token.kind == "name":
            return self._named(token)
        if token.kind == "(":
            with self._nested(token):
                inner = self._expression()
            self._close(token)
            return inner
        raise _error(f"unexpected {_describe_token(token)}", token.position,
                     "expected a number, x, y, a constant, a function or '('")

    def _named(self, token: Token) -> Node:
        name = token.text
        if name in VARIABLES:
            return Variable(name)
        if name in ALLOWED_CONSTANTS:
            return Constant(name)
        if name in ALLOWED_FUNCTIONS:
            return self._call(token)
        raise _error(f"unknown name '{name}'", token.position, _ALLOWED_NAMES_HINT)

    def _call(self, name_token: Token) -> Node:
        name = name_token.text
        opening = self._peek()
        if opening.kind != "(":
            raise _error(f"function '{name}' needs parentheses", name_token.position,
                         f"write {name}(...)")
        self._advance()
        with self._nested(opening):
            arguments = [] if self._peek().kind == ")" else self._arguments()
        self._close(opening)
        expected = 2 if name in _TWO_ARGUMENT_FUNCTIONS else 1
        if len(arguments) != expected:
            raise _error(
                f"{name}() takes {_count_arguments(expected)} but got {len(arguments)}",
                name_token.position,
            )
        return Call(_FUNCTION_ALIASES.get(name, name), tuple(arguments))

    def _arguments(self) -> list[Node]:
        arguments = [self._expression()]
        while self._peek().kind == ",":
            self._advance()
            arguments.append(self._expression())
        return arguments

    def _close(self, opening: Token) -> None:
        token = self._peek()
        if token.kind == ")":
            self._advance()
            return
        if token.kind == "end":
            raise ExpressionError(f"missing ')' for the '(' at position {opening.position}",
                                  opening.position)
        raise _error(f"unexpected {_describe_token(token)}", token.position,
                     f"expected ')' to close the '(' at position {opening.position}")

    @contextmanager
    def _nested(self, token: Token) -> Iterator[None]:
        # An explicit budget keeps hostile input far from Python's recursion limit.
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _error(f"expression nested too deeply (max {MAX_DEPTH} levels)",
                             token.position)
            yield
        finally:
            self._depth -= 1

    def _peek(self) -> Token:
        return self._tokens[self._index]

    def _advance(self) -> Token:
        token = self._tokens[self._index]
        if token.kind != "end":
            self._index += 1
        return token

    def _at_operator(self, *operators: str) -> bool:
        token = self._peek()
        return token.kind == "operator" and token.text in operators


def _count_arguments(count: int) -> str:
    return "1 argument" if count == 1 else f"{count} arguments"


def parse_expression(text: str) -> Expression:
    """Parse user text into an :class:`Expression`, or raise :class:`ExpressionError`.

    Raises:
        ExpressionError: anything outside the whitelist grammar, with the position.
    """
    if not isinstance(text, str):
        raise ExpressionError("the expression must be text")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression too long (max {MAX_LENGTH} characters)")
    if not text.strip():
        raise ExpressionError("empty expression; type a formula in x and y, e.g. x**2 + y**2")
    tree = _Parser(tokenize(text)).parse()
    return Expression(text, tree)


# ------------------------------------------------------------------------ evaluation

# All arithmetic goes through jnp: Python's float ** and / raise on overflow and on 0.
_BINARY_OPERATIONS: dict[str, Callable[..., jax.Array]] = {
    "+": jnp.add,
    "-": jnp.subtract,
    "*": jnp.multiply,
    "/": jnp.divide,
    "**": jnp.power,
}


def _evaluate(node: Node, variables: dict[str, jax.Array]) -> jax.Array | float:
    match node:
        case Number(value):
            return value
        case Variable(name):
            return variables[name]
        case Constant(name):
            return ALLOWED_CONSTANTS[name]
        case Negate(operand):
            return jnp.negative(_evaluate(operand, variables))
        case BinaryOp(operator, left, right):
            operation = _BINARY_OPERATIONS[operator]
            return operation(_evaluate(left, variables), _evaluate(right, variables))
        case Call(function, arguments):
            values = [_evaluate(argument, variables) for argument in arguments]
            return ALLOWED_FUNCTIONS[function](*values)
    raise TypeError(f"not an expression node: {node!r}")


# ------------------------------------------------------------------------- rendering

_ADDITIVE, _MULTIPLICATIVE, _UNARY, _POWER, _ATOM = range(1, 6)
_BINARY_PRECEDENCE = {"+": _ADDITIVE, "-": _ADDITIVE, "*": _MULTIPLICATIVE,
                      "/": _MULTIPLICATIVE, "**": _POWER}


def _precedence(node: Node) -> int:
    match node:
        case BinaryOp(operator, _, _):
            return _BINARY_PRECEDENCE[operator]
        case Negate():
            return _UNARY
    return _ATOM


def _needs_parentheses(operator: str, operand_precedence: int, is_left: bool) -> bool:
    """Whether an operand must be parenthesised so the text parses back to the same tree."""
    if operator == "**":
        # The base must be an atom (``(-x)**2``, ``(2**3)**2``); the exponent may be signed.
        return operand_precedence < _ATOM if is_left else operand_precedence < _UNARY
    own = _BINARY_PRECEDENCE[operator]
    # Left-associative: ``x - (y - z)`` keeps its parentheses, ``(x - y) - z`` drops them.
    return operand_precedence < own if is_left else operand_precedence <= own


def _format_number(value: float) -> str:
    if math.isinf(value):
        return "1e999"  # overflows back to inf, so canonical text re-parses to the same tree
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def _canonical(node: Node) -> str:
    match node:
        case Number(value):
            return _format_number(value)
        case Variable(name) | Constant(name):
            return name
        case Negate(operand):
            return "-" + _parenthesise(_canonical(operand), _precedence(operand) < _UNARY)
        case BinaryOp(operator, left, right):
            left_text = _parenthesise(
                _canonical(left), _needs_parentheses(operator, _precedence(left), True))
            right_text = _parenthesise(
                _canonical(right), _needs_parentheses(operator, _precedence(right), False))
            separator = f" {operator} " if operator in "+-" else operator
            return left_text + separator + right_text
        case Call(function, arguments):
            return f"{function}({', '.join(_canonical(argument) for argument in arguments)})"
    raise TypeError(f"not an expression node: {node!r}")


def _parenthesise(text: str, needed: bool) -> str:
    return f"({text})" if needed else text


_LATEX_CONSTANTS = {"pi": r"\pi", "e": "e"}
_LATEX_FUNCTIONS = {
    "sin": r"\sin", "cos": r"\cos", "tan": r"\tan", "exp": r"\exp", "log": r"\ln",
    "tanh": r"\tanh", "sinh": r"\sinh", "cosh": r"\cosh", "atan": r"\arctan",
    "sigmoid": r"\sigma", "min": r"\min", "max": r"\max",
}


def latex_number(value: float, significant: int | None = None) -> str:
    """``value`` in LaTeX, the one number format of every formula on screen.

    Exact (the shortest text that reads back as ``value``) or rounded to
    ``significant`` digits; a power of ten as ``m \\times 10^{k}``; ±∞ as ``\\infty``.
    E.g. ``latex_number(1e-08) == "1 \\times 10^{-8}"``, ``latex_number(0.123456, 4)
    == "0.1235"``.
    """
    if math.isinf(value):
        return r"-\infty" if value < 0 else r"\infty"
    text = _format_number(value) if significant is None else f"{value:.{significant}g}"
    mantissa, marker, exponent = text.partition("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}" if marker else mantissa


def _latex_precedence(node: Node) -> int:
    # \frac{a}{b} and "m \times 10^{k}" read as single units except as the base of a power.
    match node:
        case BinaryOp("/", _, _):
            return _POWER
        case Number(value) if "\\times" in latex_number(value):
            return _POWER
    return _precedence(node)


def _latex(node: Node) -> str:
    match node:
        case Number(value):
            return latex_number(value)
        case Variable(name):
            return name
        case Constant(name):
            return _LATEX_CONSTANTS[name]
        case Negate(operand):
            return "-" + _latex_parenthesise(
                _latex(operand), _latex_precedence(operand) < _UNARY)
        case BinaryOp("/", numerator, denominator):
            return rf"\frac{{{_latex(numerator)}}}{{{_latex(denominator)}}}"
        case BinaryOp("**", base, exponent):
            base_text = _latex_parenthesise(_latex(base), _latex_precedence(base) < _ATOM)
            return f"{base_text}^{{{_latex(exponent)}}}"
        case BinaryOp(operator, left, right):
            return _latex_sum_or_product(operator, left, right)
        case Call(function, arguments):
            return _latex_call(function, [_latex(argument) for argument in arguments])
    raise TypeError(f"not an expression node: {node!r}")


def _latex_sum_or_product(operator: str, left: Node, right: Node) -> str:
    left_text = _latex_parenthesise(
        _latex(left), _needs_parentheses(operator, _latex_precedence(left), True))
    right_text = _latex(right)
    # A sign right after an operator reads badly in print: x \cdot (-y), x + (-y).
    right_text = _latex_parenthesise(
        right_text,
        _needs_parentheses(operator, _latex_precedence(right), False)
        or right_text.startswith("-"),
    )
    if operator in "+-":
        return f"{left_text} {operator} {right_text}"
    # Juxtaposition means multiplication ("3 x") unless two numerals would run together.
    separator = r" \cdot " if right_text[0] in string.digits + "." else " "
    return left_text + separator + right_text


def _latex_call(function: str, arguments: list[str]) -> str:
    if function == "sqrt":
        return rf"\sqrt{{{arguments[0]}}}"
    if function == "abs":
        return rf"\left|{arguments[0]}\right|"
    return rf"{_LATEX_FUNCTIONS[function]}\left({', '.join(arguments)}\right)"


def _latex_parenthesise(text: str, needed: bool) -> str:
    return rf"\left({text}\right)" if needed else text


# ------------------------------------------------------------------------ expression


@dataclass(frozen=True)
class Expression:
    """A parsed surface ``f(x, y)``; equal and hashable by its canonical form."""

    source: str = field(compare=False)
    tree: Node = field(compare=False, repr=False)
    canonical: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "canonical", _canonical(self.tree))

    def __call__(self, x: ArrayLike, y: ArrayLike) -> jax.Array:
        """Evaluate at ``x``, ``y`` (scalars or broadcastable arrays) in floating point."""
        x, y = jnp.asarray(x), jnp.asarray(y)
        dtype = jnp.result_type(x, y, float)
        x, y = x.astype(dtype), y.astype(dtype)
        value = jnp.asarray(_evaluate(self.tree, {"x": x, "y": y}), dtype=dtype)
        # Constant surfaces such as "pi" still fill the whole grid.
        return jnp.broadcast_to(value, jnp.broadcast_shapes(x.shape, y.shape))

    def to_latex(self) -> str:
        """LaTeX for display, e.g. ``x^{2} - y^{2} + 0.1 \\sin\\left(3 x\\right)``."""
        return _latex(self.tree)
