"""Marks on the optimizer surface's contours, drawn alike by the lab and its static page:
each optimizer's path, trail and iterate, the start point, the critical points, each
optimizer's state as arrows, and the loss charts' step cursor.

The contours' fill is the same in both themes (light at the minimum, dark blue up the
walls), so a mark is dark with a white outline (``MARK_INK``, ``MARK_OUTLINE``): it reads
on the light centre, the dark rim and the dark theme's background.  Their glyphs are
tagged ``present.KEEP_INK``: the dark theme leaves them as drawn (it redraws other dark
glyphs in its light ink, which vanished on the light centre).
"""

from __future__ import annotations

from bokeh.models import Arrow, Span, TeeHead, VeeHead

from ..numerics import critical
from ..text import tr
from .present import KEEP_INK, PLOT_COLORS

MARK_INK, MARK_OUTLINE = "#1b1f24", "#ffffff"
#: Each verdict's marker (``critical.CriticalPoint.verdict``).
VERDICT_MARKERS = {"minimum": "star", "maximum": "triangle", "saddle": "square_x",
                   "degenerate": "diamond"}
#: Each marker as a character, for a figure's caption (a slide has no hover).
MARKER_SYMBOLS = {"star": "★", "triangle": "▲", "square_x": "⊠", "diamond": "◆"}


def marks_text(points, view, lang: str) -> str:
    """What the surface's marks are, in ``lang``: the start, then each verdict of the
    critical ``points`` (``critical.critical_points``) inside ``view`` ((x0, x1),
    (y0, y1)) once, e.g. "marks: ✕ start, ★ local minimum, ⊠ saddle"."""
    (x0, x1), (y0, y1) = view
    verdicts = {p.verdict for p in points
                if x0 <= p.point[0] <= x1 and y0 <= p.point[1] <= y1}
    marks = [tr("caption.mark.start", lang)] + [
        f"{MARKER_SYMBOLS[marker]} {tr(f'critical.verdict.{verdict}.short', lang)}"
        for verdict, marker in VERDICT_MARKERS.items() if verdict in verdicts]
    return tr("caption.marks", lang, marks=tr("caption.list", lang).join(marks))


#: The critical points' markers and the start's (px); a star is drawn larger (its body is
#: thin, and the white outline took half of it at 15 px).
CRITICAL_SIZE, START_SIZE = 15, 16
MARKER_SCALE = {"star": 1.6}


def outlined_marks(fig, source, marker: str, size, hollow: bool = False,
                   line_width: float = 2):
    """Markers in ``MARK_INK`` with a white outline, their glyphs tagged ``KEEP_INK``;
    ``marker`` a marker name or a column of ``source`` (x, y), ``size`` px or a column.
    A ``hollow`` marker (an ``x``: lines only; ``size`` in px) is drawn twice, a wider
    white one beneath.  Returns the top renderer (for a hover tool)."""
    if hollow:
        fig.scatter("x", "y", source=source, marker=marker, size=size + 2,
                    line_color=MARK_OUTLINE, line_width=line_width + 3.5, tags=[KEEP_INK])
        return fig.scatter("x", "y", source=source, marker=marker, size=size,
                           line_color=MARK_INK, line_width=line_width, tags=[KEEP_INK])
    return fig.scatter("x", "y", source=source, marker=marker, size=size,
                       fill_color=MARK_INK, line_color=MARK_OUTLINE, line_width=line_width,
                       tags=[KEEP_INK])


def race_path(fig, full, trail, color: str):
    """One optimizer's whole path, faint and dashed (``full``: x, y), and its trail up to
    the step shown, solid (``trail``: x, y), in its ``color``.  Returns both renderers
    (the trail's is the legend's)."""
    path = fig.line("x", "y", source=full, color=color, line_width=2, line_alpha=0.35,
                    line_dash="dashed")
    return path, fig.line("x", "y", source=trail, color=color, line_width=3.5)


def current_points(fig, source):
    """Each optimizer's iterate at the step shown (``source``: x, y, color), a dot in its
    colour with a white outline."""
    return fig.scatter("x", "y", source=source, size=14, fill_color="color",
                       line_color="white", line_width=2.5)


def step_cursor(location: float = 0, name: str = "cursor") -> Span:
    """The step shown on a loss chart: a dashed vertical line at step ``location``, in
    the light theme's muted ink (a dark page redraws it in its own)."""
    return Span(location=location, dimension="height", line_color=PLOT_COLORS["light"]["muted"],
                line_dash="dashed", line_width=1.5, name=name)


#: The state's arrows (``ui.axes.ARROWS_JS`` fills their sources): the step plain gradient
#: descent would take (−αg, dotted, a bar at its end), the velocity (−αv, dashed) and the
#: step taken (solid): the kind, its dash and its width (px).
STATE_ARROWS = (("gradient", "dotted", 2.5), ("velocity", "dashed", 2.5), ("step", "solid", 3.5))


def state_arrows(fig, sources: dict):
    """Each kind of :data:`STATE_ARROWS` on ``fig``, drawn from ``sources[kind]`` (columns
    ``x0``, ``y0``, ``x1``, ``y1``, ``color``)."""
    for kind, dash, width in STATE_ARROWS:
        head = (VeeHead(size=10, line_color={"field": "color"}, line_width=width)
                if kind != "gradient" else TeeHead(size=8, line_color={"field": "color"}))
        fig.add_layout(Arrow(end=head, source=sources[kind], x_start="x0", y_start="y0",
                             x_end="x1", y_end="y1", line_color={"field": "color"},
                             line_width=width, line_dash=dash))


def start_mark(fig, source):
    """The start point: an ``x``."""
    return outlined_marks(fig, source, "x", START_SIZE, hollow=True, line_width=3)


def critical_marks(fig, source):
    """The critical points (``source``: ``critical_columns``), each verdict's marker."""
    return outlined_marks(fig, source, "marker", "size", line_width=1.5)


def critical_columns(points, lang: str) -> dict[str, list]:
    """A ``critical_marks`` source's columns for ``critical.critical_points``: x, y, the
    verdict in ``lang``, the Hessian's eigenvalues as text, the marker and its size."""
    markers = [VERDICT_MARKERS[p.verdict] for p in points]
    return {
        "x": [p.point[0] for p in points], "y": [p.point[1] for p in points],
        "verdict": [tr(f"critical.verdict.{p.verdict}", lang) for p in points],
        "eig": [", ".join(f"{v:.3g}" for v in critical.curvatures(p.eigenvalues))
                for p in points],
        "marker": markers,
        "size": [CRITICAL_SIZE * MARKER_SCALE.get(m, 1) for m in markers],
    }


#: The critical points' hover: verdict, position, eigenvalues.
CRITICAL_TOOLTIPS = [("", "@verdict"), ("(x, y)", "(@x{0.000}, @y{0.000})"), ("λ(H)", "@eig")]
