"""Reading a page's link: the raw query string, decoded without surprises, and the
link codec every lab declares its link with (:class:`LinkTable`).

Panel's ``Location.query_params`` guesses types (``'²'.isdigit()`` is true, so
``?a=%C2%B2`` raised in ``int()`` and blanked the page; values starting with ``[``
went through ``ast.literal_eval``).  Merely making the page's ``pn.state.location``
parsed it that way.  The labs parse every value themselves, so the shell reads
plain strings here, and each page gets a :class:`LinkLocation` that never asks
Panel to interpret them.

A lab's link is a :class:`LinkTable`: rows of (key, parameter, parse, format,
default, bounds), as TensorFlow Playground's ``state.ts`` declares its URL.  Reading
returns the values and one problem per bad field (``problem()``), never raising;
writing keeps only the values that differ from the defaults.  Checks across fields
(a batch no larger than the training set) stay in the lab, reported the same way.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import param
from panel.io.location import Location

from ..text import DEFAULT_LANGUAGE, tr, tr_error

logger = logging.getLogger(__name__)

#: The lab a link without ``lab=`` opens.
DEFAULT_LAB = "optimizers"

#: At most this many fields are read from one link (a class's links are short).
MAX_FIELDS = 200
#: A value is quoted in a notice up to this many characters.
MAX_SHOWN = 40
#: Keys that Bokeh adds to a page embedded with ``server_document``.
FOREIGN_PREFIXES = ("bokeh-",)


def typed_query(search: str) -> str:
    """``search`` with its + as plus signs (``%2B``) when it holds a space: a query
    typed in a shell (``expr=x**2 - y**2 + 0.1*sin(3*x)``) or in a browser's address
    bar (which sends its spaces as ``%20``), since a copied link has no space (a page
    writes one as +); any other query as it is."""
    typed = " " in search or "%20" in search
    return search.replace("+", "%2B") if typed else search


#: A whole URL's start: a scheme and "://" (``https://``), not any value holding "://".
_URL_START = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def link_query(link: str) -> str:
    """The query of ``link`` (a query, ``?`` and all, or a whole URL) as the command
    line reads it: a typed one's + as plus signs (``typed_query``).  A query whose
    value holds "://" (``x=see://here``) is a query, not a URL whose query is empty:
    its keys are read and checked."""
    link = link.strip()
    return typed_query(urlsplit(link).query if _URL_START.match(link) else link.lstrip("?"))


def read_query(search: str) -> tuple[dict[str, str], list[str]]:
    """The fields of a query string (``"?a=1&b=x"``) as ``{key: value}`` strings.

    Percent-escapes are decoded as UTF-8 (an invalid byte becomes U+FFFD); a key
    given twice keeps its first value and is reported; fields past ``MAX_FIELDS``
    are dropped and reported.  Returns the fields and the problems (plain text for
    the page's notice).  Never raises for any string.
    """
    problems: list[str] = []
    pairs = parse_qsl(search.lstrip("?"), keep_blank_values=True, errors="replace")
    if len(pairs) > MAX_FIELDS:
        problems.append(Problem(None, None, LinkReason(
            "too_many_fields", n=len(pairs) - MAX_FIELDS, max=MAX_FIELDS)))
        pairs = pairs[:MAX_FIELDS]
    query: dict[str, str] = {}
    for key, value in pairs:
        if key.startswith(FOREIGN_PREFIXES):
            continue
        if key in query:
            if shown(value) != shown(query[key]):
                problems.append(problem(key, value, LinkReason("twice")))
            continue
        query[key] = value
    return query, problems


def shown(value: str) -> str:
    """``value`` quoted for a notice, cut to ``MAX_SHOWN`` characters."""
    value = str(value)
    return repr(value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN] + "…")


class LinkReason(ValueError):
    """Why a link value is refused: ``code`` (the key ``url.reason.{code}`` of the
    language tables) and ``params``; ``str()`` is the English text.

    Raises:
        KeyError: at construction, for a code or a placeholder the tables lack.
    """

    domain = "link"

    def __init__(self, code: str, **params) -> None:
        super().__init__(tr(f"url.reason.{code}", DEFAULT_LANGUAGE, **params))
        self.code = code
        self.params = params


class Problem(str):
    """One ignored link field, ``key='value' (reason)``: the English text (a ``str``,
    for logs, tests and the command line) that :meth:`render` gives in any language.

    ``reason`` is text (shown as is), or an error with a ``code`` (``LinkReason``, a
    numerics ``CodedError``) rendered by ``text.tr_error``.  ``key`` ``None``: a problem
    with the whole link, the reason alone.
    """

    key: str | None
    value: str | None
    reason: str | BaseException

    def __new__(cls, key: str | None, value: str | None, reason: str | BaseException):
        english = str(reason) if key is None else (
            f"{shown(key)[1:-1]}={shown(value)} ({reason})")
        self = super().__new__(cls, english)
        self.key, self.value, self.reason = key, value, reason
        return self

    def render(self, lang: str) -> str:
        """The problem in language ``lang`` (``url.problem``: Chinese brackets in Chinese)."""
        reason = (tr_error(self.reason, lang) if isinstance(self.reason, BaseException)
                  else self.reason)
        if self.key is None:
            return reason
        return tr("url.problem", lang, field=shown(self.key)[1:-1], value=shown(self.value),
                  reason=reason)


def problem(key: str, value: str, reason: str | BaseException) -> Problem:
    """One ignored link field, as the notice lists it: ``key='value' (reason)``.

    ``reason``: an error with a code (``LinkReason``, ``ExpressionError`` …), rendered
    in the page's language, or plain text shown as is.
    """
    return Problem(key, value, reason)


#: A notice names at most this many of a link's problems, then how many more: 150
#: repeats of a key made one "given twice" each, screens of them above the lab.
MAX_PROBLEMS_SHOWN = 8


def render_problems(problems: Iterable[str], lang: str) -> str:
    """The link's problems as one line in ``lang`` (each :class:`Problem` rendered;
    other text, already in the page's language, as is), the first
    ``MAX_PROBLEMS_SHOWN`` and then how many more."""
    problems = list(problems)
    lines = [p.render(lang) if isinstance(p, Problem) else p
             for p in problems[:MAX_PROBLEMS_SHOWN]]
    if len(problems) > MAX_PROBLEMS_SHOWN:
        lines.append(tr("url.more_problems", lang, n=len(problems) - MAX_PROBLEMS_SHOWN))
    return tr("url.separator", lang).join(lines)


class LinkLocation(Location):
    """Panel's ``Location`` (the browser's URL, both ways) whose ``query_params`` are
    plain strings read by :func:`read_query`, so that no link can make it raise."""

    @property
    def query_params(self) -> dict[str, str]:
        return read_query(self.search or "")[0]


def page_location(doc) -> LinkLocation | None:
    """The :class:`LinkLocation` of ``doc``'s page, read from the request that opened
    it; ``None`` outside a server session.  Pass it to ``servable(location=...)``
    before anything asks for ``pn.state.location`` (which would make Panel's own)."""
    context = getattr(doc, "session_context", None)
    if context is None:
        return None
    return LinkLocation.from_request(context.request)


def format_value(value) -> str:
    """A value as a link writes it: 1/0 for flags, ``repr`` for floats (exact round
    trip) but a whole number as an integer (``35``, not ``35.0``), lists as ``a,b``."""
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:  # exact as an integer
            return str(int(value))
        return repr(value)
    return str(value)


#: A link's whole number and number, in ASCII as the formula and CSV readers take them:
#: Python's ``int`` and ``float`` also read "٣٠", "1_000" and "０.１".
ASCII_INTEGER = re.compile(r"[+-]?[0-9]+")
ASCII_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
                     r"|[+-]?(?:inf|infinity|nan)", re.IGNORECASE)


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def bound_text(value, missing: str = "∞") -> str:
    """A bound in a link's notice as the number boxes write one: 100, 0.5, 1×10⁻⁷,
    −2 (not 100.0, 1e-07); ``missing`` for None (no bound that side)."""
    if value is None:
        return missing
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number)).replace("-", "−")
    mantissa, _, exponent = f"{number:.6g}".partition("e")
    mantissa = mantissa.replace("-", "−")
    return f"{mantissa}×10{str(int(exponent)).translate(_SUPERSCRIPT)}" if exponent \
        else mantissa


def _outside_reason(low, high) -> LinkReason:
    return LinkReason("outside", low=bound_text(low, "−∞"), high=bound_text(high))


def parse_value(p: param.Parameter, text: str):
    """A query value for parameter ``p``, validated; ValueError says why not.

    Raises:
        ValueError: the text is not a value of ``p`` (the message says why).
    """
    if isinstance(p, param.Boolean):
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off"):
            return False
        raise LinkReason("flag")
    if isinstance(p, param.ListSelector):
        items = [item for item in text.split(",") if item]
        unknown = [item for item in items if item not in p.objects]
        if unknown:
            raise LinkReason("unknown_items", items=", ".join(unknown))
        return list(dict.fromkeys(items))
    if isinstance(p, param.Selector):
        if text not in p.objects:
            raise LinkReason("choices", choices=", ".join(map(str, p.objects)))
        return text
    if isinstance(p, param.Integer):
        if not ASCII_INTEGER.fullmatch(text.strip()):
            raise LinkReason("not_integer")
        value = int(text)
    elif isinstance(p, param.Number):
        if not ASCII_NUMBER.fullmatch(text.strip()):
            raise LinkReason("not_number")
        value = float(text)
        if not math.isfinite(value):
            raise LinkReason("not_finite")
    else:
        return text
    low, high = p.bounds or (None, None)
    if (low is not None and value < low) or (high is not None and value > high):
        raise _outside_reason(low, high)
    return value


@dataclass(frozen=True)
class LinkField:
    """One row of a link table: the URL ``key`` of the state's parameter ``name``.

    ``parse`` turns the text into a value or raises ValueError saying why not;
    ``format`` writes a value back; ``default`` stays out of links; a number outside
    ``bounds`` (closed, either end may be None) is refused; ``always`` fields are
    written even at their default (the surface, the data set).
    """

    key: str
    name: str
    parse: Callable[[str], Any]
    format: Callable[[Any], str] = format_value
    default: Any = None
    bounds: tuple[float | None, float | None] | None = None
    always: bool = False


def param_field(owner, name: str, key: str | None = None, *, parse=None, always=False,
                ) -> LinkField:
    """The row of ``owner``'s parameter ``name`` (a class or an instance): parsed by
    :func:`parse_value` unless ``parse`` is given, its default and bounds the
    parameter's own."""
    p = owner.param[name]
    return LinkField(key or name, name, parse or partial(parse_value, p), format_value,
                     p.default, getattr(p, "bounds", None), always)


def _outside(value, bounds) -> bool:
    if bounds is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    low, high = bounds
    return (low is not None and value < low) or (high is not None and value > high)


class LinkTable:
    """A lab's link: its :class:`LinkField` rows, read and written in order."""

    def __init__(self, fields: Iterable[LinkField]):
        self.fields: tuple[LinkField, ...] = tuple(fields)
        self.by_key: dict[str, LinkField] = {f.key: f for f in self.fields}
        if len(self.by_key) != len(self.fields):
            raise ValueError("two rows with one key")

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(self.by_key)

    def read(self, query: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
        """``({parameter: value}, problems)`` for the table's keys present in ``query``.

        A bad value is left out and reported as ``key='text' (why)``.  Never raises
        for any string: a parser failing otherwise than with ValueError is logged and
        reported as unreadable.

        Raises:
            Nothing for a bad value: every field's problem is returned instead.
        """
        values: dict[str, Any] = {}
        problems: list[str] = []
        for f in self.fields:
            if f.key not in query:
                continue
            text = str(query[f.key])
            try:
                value = f.parse(text)
                if _outside(value, f.bounds):
                    raise _outside_reason(*f.bounds)
            except ValueError as e:
                problems.append(problem(f.key, text, e))
                continue
            except Exception:  # a parser's bug must not blank the page
                logger.exception("link field %r could not be read", f.key)
                problems.append(problem(f.key, text, LinkReason("unreadable")))
                continue
            values[f.name] = value
        return values, problems

    def write(self, values: Mapping[str, Any],
              defaults: Mapping[str, Any] | None = None) -> dict[str, str]:
        """``{key: text}`` for every value (by parameter name) that differs from its
        default (``defaults`` first, then the row's), plus the ``always`` rows."""
        defaults = defaults or {}
        query = {}
        for f in self.fields:
            if f.name not in values:
                continue
            value = values[f.name]
            if f.always or value != defaults.get(f.name, f.default):
                query[f.key] = f.format(value)
        return query


def knob_parameter(knob, default=None, doc: str | None = None) -> param.Parameter:
    """The state parameter of an optimizer knob (``optimizers.KNOBS`` entry): a Boolean
    for a flag, else a Number with the knob's one pair of bounds, so the widget built
    from it and the link reading it accept the same values."""
    default = knob.default if default is None else default
    if knob.flag:
        return param.Boolean(bool(default), doc=doc)
    # No softbounds: Panel would make them a typed input's hard limits.
    return param.Number(float(default), bounds=(knob.low, knob.high), doc=doc)


def knob_fields(owner, names: Mapping[str, Any]) -> list[LinkField]:
    """Link rows for knob parameters ``{parameter name: Knob}`` of ``owner``: parsed by
    the parameter, bounded by the knob."""
    return [LinkField(name, name, partial(parse_value, owner.param[name]), format_value,
                      owner.param[name].default,
                      None if knob.flag else (knob.low, knob.high))
            for name, knob in names.items()]


# -- the page's own fields: embedded, and the controls it hides -------------------------

#: ``embed=1``: one lab, no header or lab switcher, sized to its container (an iframe).
#: ``hide=KEY,KEY``: the controls of those link keys left out of the page (their values
#: still read from and written to the link), as TensorFlow Playground's ``_hide`` keys.
EMBED_LINK = LinkTable([
    LinkField("embed", "embed", partial(parse_value, param.Boolean()), default=False),
    LinkField("hide", "hide", lambda text: tuple(dict.fromkeys(k for k in text.split(",") if k)),
              default=()),
])


def read_embedding(query: Mapping[str, str],
                   table: LinkTable | None = None) -> tuple[bool, tuple[str, ...], list[str]]:
    """``(embed, hidden keys, problems)`` from a link's ``embed`` and ``hide`` fields.

    ``table`` is the lab's link: a hidden key must be one of its keys, else it is
    dropped and reported (``hide='x' (unknown key)``); without it every key is kept.
    Never raises for any string.
    """
    values, problems = EMBED_LINK.read(query)
    hide = values.get("hide", ())
    if table is not None:
        unknown = [k for k in hide if k not in table.by_key]
        if unknown:
            problems.append(problem("hide", ",".join(unknown), LinkReason("unknown_key")))
        hide = tuple(k for k in hide if k in table.by_key)
    return bool(values.get("embed", False)), hide, problems


def write_embedding(embed: bool, hide: Iterable[str]) -> dict[str, str]:
    """The ``embed`` and ``hide`` fields of a link (nothing for a plain page)."""
    return EMBED_LINK.write({"embed": embed, "hide": tuple(hide)})
