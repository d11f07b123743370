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
import re
import string
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from .errors import CodedError

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
#: At most this many kinks (|·|, max, min, √, a fractional or varying power) nested
#: inside each other: each is read from both sides where a point sits on it, and the
#: compiled reading grows with the chain (a √ nested 38 deep: 14 s of compiling;
#: 8 deep, under 4 s; benchmarks/README.md).
MAX_KINK_DEPTH = 8

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

#: What an :class:`ExpressionError` says, by code (English; ``text._EN`` has the same
#: templates under ``expr.{code}``, and the other languages theirs).
MESSAGES: dict[str, str] = {
    "not_text": "the expression must be text",
    "too_long": "expression too long (max {max} characters)",
    "empty": "empty expression; type a formula in x and y, e.g. x**2 + y**2",
    "too_many_tokens": "expression too long (max {max} tokens) at position {position}",
    "unexpected_character": (
        "unexpected character {character} at position {position}; "
        "allowed are letters, digits, spaces and + - * / ^ ( ) , ."),
    "unexpected_dot": (
        "unexpected character '.' at position {position}; "
        "'.' may only appear inside a number such as 0.5"),
    "non_ascii": (
        "unexpected character {character} at position {position}; "
        "allowed are plain ASCII characters, and − × · ÷ π √ ² ⁻¹ ˣ ½ as pasted maths"),
    "malformed_number": "malformed number '{text}' at position {position}",
    "implicit_product": (
        "'{text}' at position {position}: write {written} (a product needs its *)"),
    "absolute_bars": "'|' at position {position}: write abs(x) for |x|",
    "ambiguous_root": (
        "'√' at position {position} is followed by a power: write √(x²) for the root of "
        "a power, or (√x)² for the power of a root"),
    "number_too_large": (
        "number '{text}' at position {position} is too large (the largest is about 1.8e308)"),
    "unmatched_close": "unmatched ')' at position {position}",
    "expected_operator": (
        "unexpected '{token}' at position {position}; "
        "expected an operator such as + - * / or ** (a product needs its *)"),
    "expected_operand": (
        "unexpected '{token}' at position {position}; "
        "expected a number, x, y, a constant, a function or '('"),
    "expected_operand_end": (
        "unexpected end of expression at position {position}; "
        "expected a number, x, y, a constant, a function or '('"),
    "unknown_name": (
        "unknown name '{name}' at position {position}; "
        "allowed: {names} and the functions {functions}"),
    "needs_parentheses": (
        "function '{name}' needs parentheses at position {position}; write {name}(...)"),
    "one_argument": "{name}() takes 1 argument but got {count} at position {position}",
    "arguments": "{name}() takes {expected} arguments but got {count} at position {position}",
    "missing_close": "missing ')' for the '(' at position {position}",
    "expected_close": (
        "unexpected '{token}' at position {position}; "
        "expected ')' to close the '(' at position {opening}"),
    "too_deep": "expression nested too deeply (max {max} levels) at position {position}",
    "too_many_kinks": (
        "too many of |·|, max, min, √ and fractional powers nested inside each other "
        "(max {max})"),
}


class ExpressionError(CodedError):
    """A user-facing explanation of why an expression was rejected: ``code`` (a key of
    :data:`MESSAGES`) and ``params``; ``str()`` is the English message.

    ``position`` is the 1-based character index the message points at, or ``None``
    when the problem is not tied to one place (empty or over-long input).
    """

    domain = "expr"
    messages = MESSAGES

    def __init__(self, message: str, position: int | None = None, *,
                 code: str | None = None, params: dict | None = None) -> None:
        super().__init__(message, code=code, params=params)
        self.position = self.params.get("position") if position is None else position


def _error(code: str, **params) -> ExpressionError:
    return ExpressionError.coded(code, **params)


# --------------------------------------------------------------------------- tokens


class Token(NamedTuple):
    kind: str  # "number", "name", "operator", "root", "(", ")", "," or "end"
    text: str
    position: int  # 1-based
    typed: str = ""  # what the user typed where it differs from ``text`` ("π" for pi)

    @property
    def shown(self) -> str:
        """The token as typed, for messages."""
        return self.typed or self.text


_DIGITS = frozenset(string.digits)
_NAME_START = frozenset(string.ascii_letters + "_")
_NAME_CHARACTERS = _NAME_START | _DIGITS
_WHITESPACE = frozenset(" \t\r\n")
_SINGLE_CHARACTER_OPERATORS = frozenset("+-*/^")
_PUNCTUATION = frozenset("(),")
#: Maths as it is pasted from slides and textbooks, read as its ASCII spelling: the
#: minus sign (and the en dash a slide program makes of "-"), times and division signs,
#: π, superscript powers (x² is x**2, x⁻¹ is x**-1) and √ (√x and √(x² + y²) are
#: sqrt(x) and sqrt(x² + y²)).
_UNICODE_OPERATORS = {"\u2212": "-", "\u2013": "-", "\u00d7": "*", "\u00b7": "*",
                      "\u22c5": "*", "\u00f7": "/"}  # (– : a slide program's minus)
_UNICODE_NAMES = {"\u03c0": "pi"}
_ROOT = "\u221a"
#: Superscripts as a power's exponent, read as their ASCII: x² and x⁻¹ as on a slide, and
#: e⁻ˣ, e⁻²ˣ, e⁻⁽ˣ²⁺ʸ²⁾ (the exponent's own products need no *, as in print).
_SUPERSCRIPTS = {s: str(d) for d, s in enumerate("\u2070\u00b9\u00b2\u00b3\u2074\u2075"
                                                  "\u2076\u2077\u2078\u2079")} | {
    "\u207b": "-", "\u207a": "+", "\u207d": "(", "\u207e": ")", "\u02e3": "x", "\u02b8": "y"}
#: ½, ⅓, ¾…: a fraction as pasted, read as (1/2).
_FRACTIONS = {chr(c): unicodedata.decomposition(chr(c)).split()
              for c in (*range(0xBC, 0xBF), *range(0x2150, 0x215F))}
_FRACTIONS = {c: (chr(int(d[1], 16)), chr(int(d[3], 16))) for c, d in _FRACTIONS.items()
              if d[0] == "<fraction>" and len(d) == 4}
#: Full-width forms, as a Chinese or Japanese input method types them ("（x＋1）＊＊2",
#: "max（x，y）"), read as the ASCII they stand for; one character for one, so that
#: positions in messages stay those of the text typed.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with an ``"end"`` token.

    Raises:
        ExpressionError: a character or name outside the grammar, or too many tokens.
    """
    text = text.translate(_FULL_WIDTH)
    tokens: list[Token] = []
    index = 0
    while index < len(text):
        character = text[index]
        if character in _WHITESPACE:
            index += 1
            continue
        if character in _SUPERSCRIPTS:  # x² → x ** (2), e⁻²ˣ → e ** (-2*x)
            end = _skip(text, index, frozenset(_SUPERSCRIPTS))
            tokens.extend(_pasted_group(
                [Token("operator", "**", index + 1, text[index:end])],
                _superscript_ascii(text[index:end]), index + 1, text[index:end]))
        elif character in _FRACTIONS:  # ½ → (1 / 2)
            end = index + 1
            tokens.extend(_pasted_group([], "/".join(_FRACTIONS[character]), index + 1,
                                        character))
        else:
            token, end = _next_token(text, index)
            tokens.append(token)
        index = end
        if len(tokens) > MAX_TOKENS:
            raise _error("too_many_tokens", max=MAX_TOKENS, position=tokens[MAX_TOKENS].position)
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


def _superscript_ascii(run: str) -> str:
    """``"⁻²ˣ"`` → ``"-2*x"``: the run in ASCII, a * between what print writes side by
    side and a ** before a digit that follows x, y or ")" (``"ˣ²"`` → ``"x**2"``)."""
    ascii_run = "".join(_SUPERSCRIPTS[c] for c in run)
    powered = re.sub(r"(?<=[xy)])(?=[0-9])", "**", ascii_run)  # ⁽ˣ²⁾: x**2
    return re.sub(r"(?<=[0-9xy)])(?=[xy(])", "*", powered)


def _pasted_group(lead: list[Token], ascii_text: str, position: int, typed: str) -> list[Token]:
    """``lead``, then ``(ascii_text)`` as tokens, each at ``position`` and quoted in
    messages as ``typed`` (what was pasted, not the ASCII it stands for)."""
    if not ascii_text.strip("+-"):  # "²"-less "⁻": nothing to raise to
        raise _error("non_ascii", character=_describe_character(typed[0]), position=position)
    inner = tokenize(ascii_text)[:-1]
    return [*lead, *(Token(t.kind, t.text, position, typed)
                     for t in [Token("(", "(", 0), *inner, Token(")", ")", 0)])]


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
    if character in _UNICODE_OPERATORS:
        return Token("operator", _UNICODE_OPERATORS[character], position, character), start + 1
    if character in _UNICODE_NAMES:
        return Token("name", _UNICODE_NAMES[character], position, character), start + 1
    if character == _ROOT:
        return Token("root", "sqrt", position, character), start + 1
    if character == ".":
        raise _error("unexpected_dot", position=position)
    if character == "|":  # |x| + |y|, the L1 norm as slides write it
        raise _error("absolute_bars", position=position)
    code = "unexpected_character" if character.isascii() else "non_ascii"
    raise _error(code, character=_describe_character(character), position=position)


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
    if end < len(text) and text[end] in _NAME_START:  # "2x", "0.05x", "2pi": as on a slide
        name_end = _skip(text, end, _NAME_CHARACTERS)
        name = text[end:name_end]
        if name in ALLOWED_FUNCTIONS or name in ALLOWED_CONSTANTS or name in VARIABLES:
            if start > 0 and text[start - 1] == _ROOT:  # "√2x": √2*x is √2·x, not √(2x)
                raise _error("implicit_product", text=text[start - 1:name_end],
                             position=start, written=f"√({text[start:end]}*{name})")
            raise _error("implicit_product", text=text[start:name_end], position=start + 1,
                         written=f"{text[start:end]}*{name}")
    if end < len(text) and (text[end] in _UNICODE_NAMES or text[end] == _ROOT):  # "2π", "2√x"
        raise _error("implicit_product", text=text[start:end + 1], position=start + 1,
                     written=f"{text[start:end]}*{text[end]}")
    if end < len(text) and (text[end] in _NAME_CHARACTERS or text[end] == "."):
        # Show the whole run the user probably meant as one number.
        malformed_end = _skip(text, end, _NAME_CHARACTERS | {"."})
        raise _error("malformed_number", text=text[start:malformed_end], position=start + 1)
    return end


def _skip(text: str, index: int, allowed: frozenset[str]) -> int:
    while index < len(text) and text[index] in allowed:
        index += 1
    return index


def _digit_at(text: str, index: int) -> bool:
    return index < len(text) and text[index] in _DIGITS


def _describe_character(character: str) -> str:
    if character == "'":
        return '"\'"'  # (in single quotes it read as three apostrophes)
    if character.isascii() and character.isprintable():
        return f"'{character}'"
    code_point = f"U+{ord(character):04X}"
    return f"'{character}' ({code_point})" if character.isprintable() else code_point


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

    def __init__(self, tokens: list[Token], text: str = "") -> None:
        self._tokens = tokens
        self._text = text
        self._index = 0
        self._depth = 0
        self._operand_start = 1  # where the last operand read began (for messages)

    def parse(self) -> Node:
        tree = self._expression()
        token = self._peek()
        if token.kind == ")":
            raise _error("unmatched_close", position=token.position)
        if token.kind != "end":
            before = self._tokens[self._index - 1]
            end = before.position - 1 + len(before.shown)
            operand = self._text[self._operand_start - 1:end]
            if (token.kind in ("number", "name", "root", "(")
                    and before.kind in ("number", "name", ")")
                    and 0 < len(operand) <= 12):  # "2 π", "x² y", "½(x + y)": as on a slide
                gap = " " * (token.position - 1 > end)
                raise _error("implicit_product", text=f"{operand}{gap}{token.shown}",
                             position=end - len(operand) + 1,
                             written=f"{operand}*{token.shown}")
            raise _error("expected_operator", token=token.shown, position=token.position)
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
        root = self._peek()
        base = self._primary()
        if not self._at_operator("**", "^"):
            self._operand_start = root.position
            return base
        operator = self._advance()
        if root.kind == "root":  # √x²: √(x²) or (√x)²? A reader cannot tell either.
            raise _error("ambiguous_root", position=root.position)
        with self._nested(operator):
            exponent = self._unary()
        self._operand_start = root.position
        return BinaryOp("**", base, exponent)

    def _primary(self) -> Node:
        token = self._advance()
        if token.kind == "number":
            value = float(token.text)
            if not math.isfinite(value):  # 1e400: drawn as "∞x" and a surface of infinities
                raise _error("number_too_large", text=token.text, position=token.position)
            return Number(value)
        if token.kind == "name":
            return self._named(token)
        if token.kind == "(":
            with self._nested(token):
                inner = self._expression()
            self._close(token)
            return inner
        if token.kind == "root":  # √ takes what follows it: √x, √2, √(x² + y²), √√x, √-x
            with self._nested(token):
                if self._at_operator("-"):
                    self._advance()
                    return Call("sqrt", (Negate(self._primary()),))
                return Call("sqrt", (self._primary(),))
        if token.kind == "end":
            raise _error("expected_operand_end", position=token.position)
        raise _error("expected_operand", token=token.shown, position=token.position)

    def _named(self, token: Token) -> Node:
        name = token.text
        if name in VARIABLES:
            return Variable(name)
        if name in ALLOWED_CONSTANTS:
            return Constant(name)
        if name in ALLOWED_FUNCTIONS:
            return self._call(token)
        raise _error("unknown_name", name=name, position=token.position,
                     names=", ".join(VARIABLES + tuple(ALLOWED_CONSTANTS)),
                     functions=", ".join(ALLOWED_FUNCTIONS))

    def _call(self, name_token: Token) -> Node:
        name = name_token.text
        opening = self._peek()
        if opening.kind != "(":
            raise _error("needs_parentheses", name=name, position=name_token.position)
        self._advance()
        with self._nested(opening):
            arguments = [] if self._peek().kind == ")" else self._arguments()
        self._close(opening)
        expected = 2 if name in _TWO_ARGUMENT_FUNCTIONS else 1
        if len(arguments) != expected:
            raise _error("one_argument" if expected == 1 else "arguments", name=name,
                         expected=expected, count=len(arguments),
                         position=name_token.position)
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
            raise _error("missing_close", position=opening.position)
        raise _error("expected_close", token=token.shown, position=token.position,
                     opening=opening.position)

    @contextmanager
    def _nested(self, token: Token) -> Iterator[None]:
        # An explicit budget keeps hostile input far from Python's recursion limit.
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _error("too_deep", max=MAX_DEPTH, position=token.position)
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


def parse_expression(text: str) -> Expression:
    """Parse user text into an :class:`Expression`, or raise :class:`ExpressionError`.

    Raises:
        ExpressionError: anything outside the whitelist grammar, with the position.
    """
    if not isinstance(text, str):
        raise _error("not_text")
    if len(text) > MAX_LENGTH:
        raise _error("too_long", max=MAX_LENGTH)
    if not text.strip():
        raise _error("empty")
    tree = _Parser(tokenize(text), text).parse()
    if _kink_depth(tree) > MAX_KINK_DEPTH:
        raise _error("too_many_kinks", max=MAX_KINK_DEPTH)
    return Expression(text, tree)


def _kink_depth(node: Node) -> int:
    """The most kinks (``MAX_KINK_DEPTH``) on one path from ``node`` down."""
    match node:
        case Call(function, arguments):
            below = max(_kink_depth(argument) for argument in arguments)
            return below + (function in ("abs", "max", "min", "sqrt"))
        case BinaryOp(operator, left, right):
            below = max(_kink_depth(left), _kink_depth(right))
            steep = operator == "**" and (not isinstance(right, Number)
                                          or 0.0 < right.value < 1.0)
            return below + steep
        case Negate(operand):
            return _kink_depth(operand)
    return 0


# ------------------------------------------------------------------------ evaluation

# All arithmetic goes through jnp: Python's float ** and / raise on overflow and on 0.
_BINARY_OPERATIONS: dict[str, Callable[..., jax.Array]] = {
    "+": jnp.add,
    "-": jnp.subtract,
    "*": jnp.multiply,
    "/": jnp.divide,
    "**": jnp.power,
}


# ------------------------------------------------------------------- derivatives
#
# The gradient of a formula is computed by its own rules, one per node (forward mode,
# both partial derivatives at once), not by differentiating ``_evaluate``: at a kink
# autodiff returns whatever its primitives say (jnp.abs'(0) = 1, √ of 0 gives ∞·0 =
# NaN), which differs from one spelling of a function to the next.  The rules:
#
# * |u|' = sign(u), with sign(0) = 0 (PyTorch's and TensorFlow's convention);
# * max(a, b) and min(a, b) at a tie a = b: the point of the segment between ∇a and ∇b
#   closest to 0 (the minimum-norm element of their convex hull; ½(∇a + ∇b) when
#   ‖∇a‖ = ‖∇b‖, as in max(x, −x));
# * the chain and product rules take 0·∞ = 0: an inner derivative that is exactly 0
#   makes the term 0 even where the outer one is infinite (√u at u = 0, u^p at u = 0
#   with p < 1), so √(x²), (x²)^0.5, √(x² + y²) at the origin have gradient 0, as |x|
#   and max(x, −x) do.  Where the slope is really infinite (√x at x = 0) the gradient
#   stays ±∞ or NaN: "undefined", which the race reports as such.
#
# Alone, each is the minimum-norm subgradient at its kink; beside a term with a slope
# there it need not be (|x| + x/2 at 0 would give 1/2, though 0 is a subgradient).  So
# at a kink the gradient is read again from both sides: for each of ``PROBE_DIRECTIONS``
# directions d, every kink takes the side that a step along d enters (|u|' = sign of u
# a short step away, max and min the argument that leads there, a cone or cusp √u its
# slope a short step away), and the gradient used is the point of the convex hull of
# those one-sided gradients closest to 0 (``_minimum_norm_of_hull``): the
# minimum-norm element of Clarke's generalised gradient, which is the function's, not
# its spelling's.  Elsewhere the ordinary gradient.

Tangent = tuple  # (∂/∂x, ∂/∂y): arrays or Python floats, 0.0 for a constant

_ZERO: Tangent = (0.0, 0.0)


def _is_zero(value) -> bool:
    return isinstance(value, float) and value == 0.0


#: Beside an infinite factor, a factor this small counts as 0: it is what is left of a
#: zero derivative whose square underflowed (√(x²) at x = 10⁻³⁰⁰, where x² = 0).
_NEGLIGIBLE = 1e-150


def _times(d, t):
    """d·t with 0·∞ = 0: 0 where one factor is 0 (or negligible) and the other infinite.

    Where both are finite it is the plain product, so second derivatives (the
    Hessian, which JAX takes of these rules) are the ordinary ones off the kinks.
    """
    if _is_zero(d) or _is_zero(t):
        return 0.0
    if isinstance(d, float) and isinstance(t, float):
        return d * t
    plain = jnp.multiply(d, t)
    zero = (jnp.abs(d) <= _NEGLIGIBLE) | (jnp.abs(t) <= _NEGLIGIBLE)
    both_finite = jnp.isfinite(d) & jnp.isfinite(t)
    return jnp.where(both_finite | ~zero, plain, 0.0)


def _constant(tangent: Tangent) -> bool:
    return all(_is_zero(t) for t in tangent)


def _plain_times(d, t):
    if _is_zero(d) or _is_zero(t):
        return 0.0
    return d * t if isinstance(d, float) and isinstance(t, float) else jnp.multiply(d, t)


def _steep(node: Node) -> bool:
    """Whether a derivative inside ``node`` can be infinite where its value is finite:
    √u at u = 0, u^p with 0 < p < 1 (or an exponent that varies) at u = 0.  Elsewhere
    an infinite derivative comes with an infinite value, so plain products serve (and
    cost less than ``_times``)."""
    match node:
        case Call("sqrt", _):
            return True
        case BinaryOp("**", base, Number(p)):
            return 0.0 < p < 1.0 or _steep(base)
        case BinaryOp("**", _, _):
            return True
        case BinaryOp(_, left, right):
            return _steep(left) or _steep(right)
        case Negate(operand):
            return _steep(operand)
        case Call(_, arguments):
            return any(_steep(argument) for argument in arguments)
    return False


def _scale(d, tangent: Tangent, careful: bool = True) -> Tangent:
    times = _times if careful else _plain_times
    return (times(d, tangent[0]), times(d, tangent[1]))


def _add(a: Tangent, b: Tangent, sign: float = 1.0) -> Tangent:
    def one(p, q):
        if _is_zero(q):
            return p
        if _is_zero(p):
            return q if sign > 0 else jnp.negative(q)
        return p + q if sign > 0 else p - q
    return (one(a[0], b[0]), one(a[1], b[1]))


def _negate(tangent: Tangent) -> Tangent:
    return tuple(0.0 if _is_zero(t) else jnp.negative(t) for t in tangent)


def _minimum_norm(p: Tangent, q: Tangent) -> Tangent:
    """The point of the segment [p, q] closest to 0: λp + (1 − λ)q with
    λ = clip(q·(q − p) / ‖q − p‖², 0, 1) (½ when p = q)."""
    if _constant(p) and _constant(q):
        return _ZERO
    px, py, qx, qy = (jnp.asarray(v) for v in (*p, *q))
    dx, dy = qx - px, qy - py
    gap = dx * dx + dy * dy
    safe_gap = jnp.where(gap > 0, gap, 1.0)
    lam = jnp.where(gap > 0, jnp.clip((qx * dx + qy * dy) / safe_gap, 0.0, 1.0), 0.5)
    return (lam * px + (1 - lam) * qx, lam * py + (1 - lam) * qy)


def _pick(condition, a: Tangent, b: Tangent) -> Tangent:
    return tuple(jnp.where(condition, p, q) for p, q in zip(a, b, strict=True))


#: f'(u) of each one-argument function, given u and f(u).
_DERIVATIVES: dict[str, Callable[[jax.Array, jax.Array], jax.Array]] = {
    "sin": lambda u, v: jnp.cos(u),
    "cos": lambda u, v: -jnp.sin(u),
    "tan": lambda u, v: 1.0 + v * v,
    "exp": lambda u, v: v,
    "log": lambda u, v: 1.0 / u,
    "sqrt": lambda u, v: 0.5 / v,  # ∞ at u = 0: only a zero inner derivative cancels it
    "abs": lambda u, v: jnp.sign(u),  # sign(0) = 0: the minimum-norm subgradient
    "tanh": lambda u, v: 1.0 - v * v,
    "sinh": lambda u, v: jnp.cosh(u),
    "cosh": lambda u, v: jnp.sinh(u),
    "atan": lambda u, v: 1.0 / (1.0 + u * u),
    "sigmoid": lambda u, v: v * (1.0 - v),
}


def _differentiate(node: Node, variables: dict[str, jax.Array], probe=None,
                   memo: dict | None = None) -> tuple:
    """(f, (∂f/∂x, ∂f/∂y)) of ``node``, with the subgradient rules above.

    ``probe``: None, or the variables a short step away (one more axis than
    ``variables``, one entry per direction): each kink at ``variables`` then takes the
    side the step enters, so the result is one one-sided gradient per direction.
    ``memo``: the results of one trace, by node and variables: each kink reads its
    argument's value and slope again (``_at_kink``, the probe), which without it traced
    a formula nested d deep d²/2 times (√ inside √ 38 deep: minutes and 3 GB).
    """
    if memo is None:
        memo = {}
    key = ("d", id(node), id(variables), id(probe))
    if key not in memo:
        memo[key] = _differentiate_node(node, variables, probe, memo)
    return memo[key]


def _differentiate_node(node: Node, variables: dict[str, jax.Array], probe,
                        memo: dict) -> tuple:
    match node:
        case Number(value):
            return value, _ZERO
        case Variable(name):
            return variables[name], ((1.0, 0.0) if name == "x" else (0.0, 1.0))
        case Constant(name):
            return ALLOWED_CONSTANTS[name], _ZERO
        case Negate(operand):
            value, tangent = _differentiate(operand, variables, probe, memo)
            return jnp.negative(value), _negate(tangent)
        case BinaryOp(operator, left, right):
            value, tangent = _differentiate_binary(
                operator, _differentiate(left, variables, probe, memo),
                _differentiate(right, variables, probe, memo), _steep(node))
            if probe is not None and operator == "**" and _steep(node):
                return value, _probed_at_zero(node, left, variables, probe, tangent, memo)
            return value, tangent
        case Call(function, arguments):
            parts = [_differentiate(argument, variables, probe, memo)
                     for argument in arguments]
            values = [value for value, _ in parts]
            value = ALLOWED_FUNCTIONS[function](*values)
            if function in ("min", "max"):
                (a, ta), (b, tb) = parts
                ahead = (_evaluate(argument, probe, memo) for argument in arguments) \
                    if probe is not None else (a, b)
                first, second = _leader(function, a, b, *ahead)
                return value, _pick(first, ta, _pick(second, tb, _minimum_norm(ta, tb)))
            (u, tangent), = parts
            if _constant(tangent):
                return value, _ZERO
            if function == "abs" and probe is not None:  # at u = 0, the side ahead
                ahead = jnp.where(u == 0, _evaluate(arguments[0], probe, memo), u)
                return value, _scale(jnp.sign(ahead), tangent, _steep(node))
            tangent = _scale(_DERIVATIVES[function](jnp.asarray(u), value), tangent,
                             _steep(node))
            if probe is not None and function == "sqrt":
                return value, _probed_at_zero(node, arguments[0], variables, probe, tangent,
                                              memo)
            return value, tangent
    raise TypeError(f"not an expression node: {node!r}")


def _leader(function: str, a, b, a_ahead, b_ahead):
    """(first, second): where max (min) takes its first, its second argument; at a tie
    a = b, the one ahead (at the probe); neither where they tie there too."""
    if function == "max":
        return (a > b) | ((a == b) & (a_ahead > b_ahead)), \
            (a < b) | ((a == b) & (a_ahead < b_ahead))
    return (a < b) | ((a == b) & (a_ahead < b_ahead)), \
        (a > b) | ((a == b) & (a_ahead > b_ahead))


def _probed_at_zero(node: Node, base: Node, variables, probe, tangent: Tangent,
                    memo: dict) -> Tangent:
    """``tangent`` of a steep ``node`` (√u, u^p with p < 1), or where its base u is 0
    (a cone's apex, a cusp) its own gradient a short step away, at the probe."""
    _, ahead = _differentiate(node, probe, memo=memo)
    at_zero = jnp.asarray(_evaluate(base, variables, memo)) == 0
    return _pick(at_zero, _broadcast_tangent(ahead), _broadcast_tangent(tangent))


def _broadcast_tangent(tangent: Tangent) -> Tangent:
    return tuple(jnp.asarray(t) for t in tangent)


#: How many directions a kink's sides are read from (``_subgradient``): a multiple of
#: 8, their angles (k + ½)·360°/N, so that none lies on an axis or a diagonal and the
#: two sides of a kink along one of them are read at mirrored angles.
PROBE_DIRECTIONS = 32

#: How far the probe steps, relative to max(1, |x|, |y|): well under any kink but the
#: one being read, and far above rounding (float64: ε ≈ 2·10⁻¹⁶; in float32 32 ε).
PROBE_STEP = 1e-7


def _minimum_norm_of_hull(gx: jax.Array, gy: jax.Array) -> tuple[jax.Array, jax.Array]:
    """The point of the convex hull of the 2-D points (gx[..., k], gy[..., k]) closest to
    0, over the last axis: 0 where the hull holds 0 (no angle between two neighbouring
    points, seen from 0, over 180°), else the closest point of the closest segment
    between two of them.  NaN where a point is not finite.  Shapes: (..., N) → (...)."""
    angle = jnp.sort(jnp.arctan2(gy, gx), axis=-1)
    gaps = jnp.concatenate([jnp.diff(angle, axis=-1),
                            2 * jnp.pi - (angle[..., -1:] - angle[..., :1])], axis=-1)
    holds_zero = (jnp.max(gaps, axis=-1) <= jnp.pi) | jnp.any((gx == 0) & (gy == 0), axis=-1)
    px, py = gx[..., :, None], gy[..., :, None]  # every segment [p, q] of two points
    dx, dy = gx[..., None, :] - px, gy[..., None, :] - py
    length = dx * dx + dy * dy
    t = jnp.where(length > 0, jnp.clip(-(px * dx + py * dy)
                                       / jnp.where(length > 0, length, 1.0), 0.0, 1.0), 0.0)
    cx, cy = px + t * dx, py + t * dy
    flat = cx.shape[:-2] + (-1,)
    cx, cy = cx.reshape(flat), cy.reshape(flat)
    best = jnp.argmin(cx * cx + cy * cy, axis=-1)[..., None]
    nearest = [jnp.take_along_axis(c, best, axis=-1)[..., 0] for c in (cx, cy)]
    finite = jnp.all(jnp.isfinite(gx) & jnp.isfinite(gy), axis=-1)
    return tuple(jnp.where(finite, jnp.where(holds_zero, 0.0, c), jnp.nan) for c in nearest)


def _has_kinks(node: Node) -> bool:
    """Whether ``node`` holds |·|, max, min, √ or a power that can be steep: what
    ``_subgradient`` must read from both sides (other formulas skip that work)."""
    match node:
        case Call(function, arguments):
            return function in ("abs", "max", "min", "sqrt") or any(
                _has_kinks(argument) for argument in arguments)
        case BinaryOp(operator, left, right):
            return (operator == "**" and _steep(node)) or _has_kinks(left) \
                or _has_kinks(right)
        case Negate(operand):
            return _has_kinks(operand)
    return False


def _gradient(tree: Node, x: jax.Array, y: jax.Array) -> tuple:
    """``_subgradient``; compiled once per formula and shape where it has kinks: run op
    by op, reading both sides of its kinks would fill JAX's process-wide cache of
    dispatched programs (8,192 entries; past that, new jitted functions dispatch slowly)."""
    return (_compiled_subgradient if _has_kinks(tree) else _subgradient)(tree, x, y)


def _subgradient(tree: Node, x: jax.Array, y: jax.Array) -> tuple:
    """(f, (∂f/∂x, ∂f/∂y)) at ``x``, ``y`` (one shape): the ordinary gradient, and at a
    kink (``_at_kink``) the minimum-norm element of the hull of its one-sided gradients
    (see the rules above), unless one of them is not finite (an infinite slope, or a
    side outside the domain): there the rules' own values."""
    variables = {"x": x, "y": y}
    memo: dict = {}  # one trace's values and slopes, which the kinks' reading shares
    value, tangent = _differentiate(tree, variables, memo=memo)
    if not _has_kinks(tree):
        return value, tangent
    angle = (jnp.arange(PROBE_DIRECTIONS) + 0.5) * (2 * jnp.pi / PROBE_DIRECTIONS)
    relative = max(PROBE_STEP, 32 * float(jnp.finfo(x.dtype).eps))  # float32: 4·10⁻⁶
    step = relative * jnp.maximum(1.0, jnp.maximum(jnp.abs(x), jnp.abs(y)))[..., None]
    here = {"x": x[..., None], "y": y[..., None]}
    probe = {"x": here["x"] + step * jnp.cos(angle), "y": here["y"] + step * jnp.sin(angle)}
    kink = _at_kink(tree, variables, memo)
    tangent = tuple(jnp.broadcast_to(jnp.asarray(t, x.dtype), x.shape) for t in tangent)

    def read_both_sides():
        _, sides = _differentiate(tree, here, probe, memo)
        sides = tuple(jnp.broadcast_to(jnp.asarray(g, x.dtype), x.shape + angle.shape)
                      for g in sides)
        # Its derivative is not the Hessian of anything: no slope flows through it.
        at_kink = jax.lax.stop_gradient(_minimum_norm_of_hull(*sides))
        # Where a side's slope is infinite (√x at 0) the rules' own ±∞ or NaN stay.
        use = kink & jnp.isfinite(at_kink[0])
        return tuple(jnp.where(use, k, t) for k, t in zip(at_kink, tangent, strict=True))

    # Read only where some point is at a kink (rare): a race of six points a step skips
    # it (under vmap the condition is per point and both branches run).
    return value, jax.lax.cond(jnp.any(kink), read_both_sides, lambda: tangent)


_compiled_subgradient = jax.jit(_subgradient, static_argnums=0)


def _differentiate_binary(operator: str, left: tuple, right: tuple, careful: bool) -> tuple:
    """``careful``: the node is ``_steep``, so its products take 0·∞ = 0."""
    (a, ta), (b, tb) = left, right
    value = _BINARY_OPERATIONS[operator](a, b)
    if operator in "+-":
        return value, _add(ta, tb, 1.0 if operator == "+" else -1.0)
    if operator == "*":  # (ab)' = b a' + a b'
        return value, _add(_scale(b, ta, careful), _scale(a, tb, careful))
    if operator == "/":  # (a/b)' = a'/b − (a/b) b'/b
        return value, _add(_scale(1.0 / jnp.asarray(b), ta, careful),
                           _scale(value / jnp.asarray(b), tb, careful), -1.0)
    # (a^b)' = b a^(b−1) a' + a^b ln(a) b'
    times = _times if careful else _plain_times
    # A whole exponent: u^(p−1) by multiplications (lax.integer_pow), not exp and log.
    lowered = int(b) - 1 if isinstance(b, float) and b.is_integer() and abs(b) < 64 \
        else jnp.subtract(b, 1.0)
    base = _ZERO if _constant(ta) else _scale(
        times(b, jnp.power(a, lowered)), ta, careful)
    exponent = _ZERO if _constant(tb) else _scale(
        times(value, jnp.log(jnp.asarray(a, float))), tb, careful)
    return value, _add(base, exponent)


def _nonzero(tangent: Tangent):
    """Whether a tangent (∂/∂x, ∂/∂y) is not (0, 0), elementwise."""
    if _constant(tangent):
        return False
    return (jnp.asarray(tangent[0]) != 0) | (jnp.asarray(tangent[1]) != 0)


def _at_kink(node: Node, variables: dict[str, jax.Array], memo: dict | None = None):
    """Whether ``node`` is at one of its kinks, where ``_differentiate`` takes a
    subgradient: |u| at u = 0 where u's gradient is not 0, max/min at a tie of arguments
    whose gradients differ, √u and u^p (0 < p < 1, or a varying exponent) at u = 0 for a
    u that varies (√(x⁴) at 0 is counted too, though smooth: its subgradient is then
    its gradient).  (There the gradient used is the minimum-norm subgradient, or undefined
    where the slope is infinite, which the race reports as such.)  ``memo``: as
    ``_differentiate``'s."""
    memo = {} if memo is None else memo
    match node:
        case Number() | Variable() | Constant():
            return False
        case Negate(operand):
            return _at_kink(operand, variables, memo)
        case BinaryOp(operator, left, right):
            here = _at_kink(left, variables, memo) | _at_kink(right, variables, memo)
            if operator == "**" and (not isinstance(right, Number) or 0 < right.value < 1):
                base, tangent = _differentiate(left, variables, memo=memo)
                if not _constant(tangent):
                    here = here | (jnp.asarray(base) == 0)
            return here
        case Call(function, arguments):
            here = False
            for argument in arguments:
                here = here | _at_kink(argument, variables, memo)
            if function in ("min", "max"):
                (a, ta), (b, tb) = (_differentiate(arg, variables, memo=memo)
                                    for arg in arguments)
                differ = _nonzero(_add(ta, tb, -1.0))
                return here | ((jnp.asarray(a) == jnp.asarray(b)) & differ)
            if function == "abs":  # |u| at u = 0 is smooth where u's gradient is 0 too
                u, tangent = _differentiate(arguments[0], variables, memo=memo)
                return here | ((jnp.asarray(u) == 0) & _nonzero(tangent))
            if function == "sqrt":  # √u at u = 0: infinite slope, or 0·∞ taken as 0
                u, tangent = _differentiate(arguments[0], variables, memo=memo)
                return here if _constant(tangent) else here | (jnp.asarray(u) == 0)
            return here
    raise TypeError(f"not an expression node: {node!r}")


def _evaluate(node: Node, variables: dict[str, jax.Array],
              memo: dict | None = None) -> jax.Array | float:
    """``node``'s value at ``variables``; ``memo``: as ``_differentiate``'s (the probe's
    max, min and |·| read their arguments ahead, each nested in the next)."""
    if memo is None:
        return _evaluate_node(node, variables, None)
    key = ("e", id(node), id(variables))
    if key not in memo:
        memo[key] = _evaluate_node(node, variables, memo)
    return memo[key]


def _evaluate_node(node: Node, variables: dict[str, jax.Array], memo: dict | None):
    match node:
        case Number(value):
            return value
        case Variable(name):
            return variables[name]
        case Constant(name):
            return ALLOWED_CONSTANTS[name]
        case Negate(operand):
            return jnp.negative(_evaluate(operand, variables, memo))
        case BinaryOp(operator, left, right):
            operation = _BINARY_OPERATIONS[operator]
            return operation(_evaluate(left, variables, memo), _evaluate(right, variables, memo))
        case Call(function, arguments):
            values = [_evaluate(argument, variables, memo) for argument in arguments]
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
        return "1e999"  # (no parsed number is: a literal past float64's largest is refused)
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
    Rounded, a number below 10⁻³ is a power of ten (as a loss in a readout is): a
    column of losses reads ``4.056 \\times 10^{-4}`` beside ``8.691 \\times 10^{-5}``,
    not ``0.0004056``.  E.g. ``latex_number(1e-08) == "1 \\times 10^{-8}"``,
    ``latex_number(0.123456, 4) == "0.1235"``.
    """
    if math.isinf(value):
        return r"-\infty" if value < 0 else r"\infty"
    value = value + 0.0  # −0.0 (a gradient of −0) reads 0, not "-0"
    if significant is None:
        text = _format_number(value)
    else:
        text = f"{value:.{significant}g}"
        if "e" not in text and value != 0 and abs(float(text)) < 1e-3:
            text = f"{float(text):.{significant - 1}e}"
            mantissa, _, exponent = text.partition("e")
            text = mantissa.rstrip("0").rstrip(".") + "e" + exponent
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


def _with_derivative(tree: Node, rule) -> Callable[[jax.Array, jax.Array], jax.Array]:
    """f(x, y) of ``tree`` (x, y of one shape and float dtype) whose JVP, hence whose
    gradient and Hessian, comes from ``rule(tree, x, y)`` → (f, (∂f/∂x, ∂f/∂y)):
    ``_gradient`` (subgradients at the kinks) or ``_rules``."""

    @jax.custom_jvp
    def function(x, y):
        # Constant surfaces such as "pi" still fill the whole grid.
        return jnp.broadcast_to(jnp.asarray(_evaluate(tree, {"x": x, "y": y}), x.dtype),
                                x.shape)

    @function.defjvp
    def function_jvp(primals, tangents):
        x, y = primals
        tx, ty = tangents
        value, (gx, gy) = rule(tree, x, y)
        fill = lambda v: jnp.broadcast_to(jnp.asarray(v, x.dtype), x.shape)
        return fill(value), fill(gx) * tx + fill(gy) * ty

    return function


def _rules(tree: Node, x: jax.Array, y: jax.Array) -> tuple:
    """(f, (∂f/∂x, ∂f/∂y)) by ``_differentiate``'s rules alone, no kink read from both
    sides: the same derivatives off the kinks (``Expression.plain``)."""
    return _differentiate(tree, {"x": x, "y": y})


# ------------------------------------------------------------------------ expression


def _broadcast_pair(x: ArrayLike, y: ArrayLike):
    """``x`` and ``y`` as floating-point arrays of their broadcast shape: ``(x, y, dtype,
    shape)``."""
    x, y = jnp.asarray(x), jnp.asarray(y)
    dtype = jnp.result_type(x, y, float)
    shape = jnp.broadcast_shapes(x.shape, y.shape)
    return (*(jnp.broadcast_to(v.astype(dtype), shape) for v in (x, y)), dtype, shape)


@dataclass(frozen=True)
class Expression:
    """A parsed surface ``f(x, y)``; equal and hashable by its canonical form."""

    source: str = field(compare=False)
    tree: Node = field(compare=False, repr=False)
    canonical: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "canonical", _canonical(self.tree))
        object.__setattr__(self, "_function", _with_derivative(self.tree, _gradient))
        object.__setattr__(self, "_plain", _with_derivative(self.tree, _rules))

    def __call__(self, x: ArrayLike, y: ArrayLike) -> jax.Array:
        """Evaluate at ``x``, ``y`` (scalars or broadcastable arrays) in floating point.

        Under ``jax.grad`` (and ``jvp``, ``hessian``) the derivative is the formula's
        own (the subgradient rules above): at a kink, the minimum-norm subgradient.
        """
        x, y, _, _ = _broadcast_pair(x, y)
        return self._function(x, y)

    def plain(self, x: ArrayLike, y: ArrayLike) -> jax.Array:
        """f at ``x``, ``y`` as ``__call__``, whose derivatives are the rules' alone,
        without a kink's sides read: equal off the kinks, where the Hessian means
        something (at a kink it describes neither side).  ``critical`` takes the Hessian
        of this: the kinks' reading, differentiated twice, took 5 × the compiling (a √
        nested 38 deep: 7 s against 1.4 s)."""
        x, y, _, _ = _broadcast_pair(x, y)
        return self._plain(x, y)

    def gradient(self, x: ArrayLike, y: ArrayLike) -> tuple[jax.Array, jax.Array]:
        """(∂f/∂x, ∂f/∂y) at ``x``, ``y`` by the subgradient rules (±∞ or NaN where the
        slope is infinite or undefined, e.g. √x at x = 0)."""
        return self.value_and_gradient(x, y)[1]

    def value_and_gradient(self, x: ArrayLike, y: ArrayLike) -> tuple:
        """(f, (∂f/∂x, ∂f/∂y)) at ``x``, ``y`` at once, as ``__call__`` and ``gradient``
        (the race's: six points at a time, not one by one under ``vmap``, so that reading
        a kink's sides costs only a step with a point at one)."""
        x, y, dtype, shape = _broadcast_pair(x, y)
        value, (gx, gy) = _gradient(self.tree, x, y)
        return jnp.broadcast_to(jnp.asarray(value, dtype), shape), tuple(
            jnp.broadcast_to(jnp.asarray(g, dtype), shape) for g in (gx, gy))

    def at_kink(self, x: ArrayLike, y: ArrayLike) -> jax.Array:
        """Whether (x, y) is at a kink of the formula (|·| at 0, a tie of max or min, √
        at 0), where ``gradient`` is a subgradient, not a gradient (booleans, x's and
        y's broadcast shape)."""
        x, y, _, shape = _broadcast_pair(x, y)
        return jnp.broadcast_to(jnp.asarray(_at_kink(self.tree, {"x": x, "y": y}), bool),
                                shape)

    def to_latex(self) -> str:
        """LaTeX for display, e.g. ``x^{2} - y^{2} + 0.1 \\sin\\left(3 x\\right)``."""
        return _latex(self.tree)

    def latex_terms(self) -> list[str]:
        """``to_latex`` cut before each + or − of the top-level sum (the operator starts
        its term: ``["x^{2}", "- y^{2}", "+ 0.1 \\sin\\left(3 x\\right)"]``), so that a
        long formula can be set on several lines; joined by spaces, ``to_latex``."""
        rights = []
        node = self.tree
        while isinstance(node, BinaryOp) and node.operator in "+-":
            rights.append((node.operator, node.right))
            node = node.left
        terms = [_latex(node)]
        for operator, right in reversed(rights):
            text = _latex(right)
            needed = (_needs_parentheses(operator, _latex_precedence(right), False)
                      or text.startswith("-"))
            terms.append(f"{operator} {_latex_parenthesise(text, needed)}")
        return terms
