"""Reading a page's link: the raw query string, decoded without surprises.

Panel's ``Location.query_params`` guesses types (``'²'.isdigit()`` is true, so
``?a=%C2%B2`` raised in ``int()`` and blanked the page; values starting with ``[``
went through ``ast.literal_eval``).  Merely making the page's ``pn.state.location``
parsed it that way.  The labs parse every value themselves, so the shell reads
plain strings here, and each page gets a :class:`LinkLocation` that never asks
Panel to interpret them.
"""

from __future__ import annotations

import math
from urllib.parse import parse_qsl

import param
from panel.io.location import Location

#: At most this many fields are read from one link (a class's links are short).
MAX_FIELDS = 200
#: A value is quoted in a notice up to this many characters.
MAX_SHOWN = 40
#: Keys that Bokeh adds to a page embedded with ``server_document``.
FOREIGN_PREFIXES = ("bokeh-",)


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
        problems.append(f"{len(pairs) - MAX_FIELDS} fields past the first {MAX_FIELDS}")
        pairs = pairs[:MAX_FIELDS]
    query: dict[str, str] = {}
    for key, value in pairs:
        if key.startswith(FOREIGN_PREFIXES):
            continue
        if key in query:
            if shown(value) != shown(query[key]):
                problems.append(problem(key, value, "given twice: the first is used"))
            continue
        query[key] = value
    return query, problems


def shown(value: str) -> str:
    """``value`` quoted for a notice, cut to ``MAX_SHOWN`` characters."""
    value = str(value)
    return repr(value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN] + "…")


def problem(key: str, value: str, reason: str) -> str:
    """One ignored link field, as the notice lists it: ``key='value' (reason)``."""
    return f"{shown(key)[1:-1]}={shown(value)} ({reason})"


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
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def parse_value(p: param.Parameter, text: str):
    """A query value for parameter ``p``, validated; ValueError says why not."""
    if isinstance(p, param.Boolean):
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError("expected 1 or 0")
    if isinstance(p, param.ListSelector):
        items = [item for item in text.split(",") if item]
        unknown = [item for item in items if item not in p.objects]
        if unknown:
            raise ValueError(f"unknown {', '.join(unknown)}")
        return list(dict.fromkeys(items))
    if isinstance(p, param.Selector):
        if text not in p.objects:
            raise ValueError(f"expected one of {', '.join(map(str, p.objects))}")
        return text
    if isinstance(p, param.Integer):
        try:
            value = int(text)
        except ValueError:
            raise ValueError("not an integer") from None
    elif isinstance(p, param.Number):
        try:
            value = float(text)
        except ValueError:
            raise ValueError("not a number") from None
        if not math.isfinite(value):
            raise ValueError("not finite")
    else:
        return text
    low, high = p.bounds or (None, None)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"outside [{low}, {high}]")
    return value
