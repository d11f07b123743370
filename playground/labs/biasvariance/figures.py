"""The bias–variance lab's two plots, built here for the live page (``lab``) and for its
static page (``static_export``) alike: every set's fit with their mean f̄, the truth and
one set's points; and the decomposition's curves against capacity with the chosen
capacity's line.  Bokeh only: what goes into the sources is the caller's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from bokeh.models import ColumnDataSource, FixedTicker, Label, Range1d, Span
from bokeh.plotting import figure

from ...numerics import biasvariance as bv
from ...text import tr
from ...ui import caption
from ...ui.axes import (
    LOG_FLOOR,
    decomposition_ticks,
    legend_below,
    log_tick_format,
    text_sizes,
)
from ...ui.palettes import (
    DECOMPOSITION_COLORS,
    FIT_COLOR,
    MEAN_COLOR,
    SHOWN_COLOR,
    TRUTH_COLOR,
)
from ...ui.pick import pick_nearest_line
from ...ui.present import PLOT_COLORS

#: What the fits' plot draws, each from its source ``pg-bv-<key>`` (the browser tests
#: read them by name): every set's fit (``xs``, ``ys``), their mean, the truth, the
#: shown set's fit and its training points (``x``, ``y``).
FIT_KEYS = ("fits", "band", "mean", "truth", "shown", "points")
#: Each curve's line beyond its colour (``ui.palettes.DECOMPOSITION_COLORS``).
CURVE_STYLES = {"noise": {"line_dash": "dotted"}, "total": {"line_width": 3},
                "train_error": {"line_dash": "dashed"}}
#: The chosen capacity's line and label: the light theme's muted ink (the dark one's
#: in a dark page).
CHOSEN_INK = PLOT_COLORS["light"]["muted"]
#: Random features' interpolation threshold p = n: its line and label.
THRESHOLD_INK = "#D55E00"


def chosen_text(family: str, capacity: float) -> str:
    """The chosen capacity's line's label: ``d = 3``, as the caption writes it."""
    return caption.equals(bv.FAMILIES[family].symbol, int(capacity))


def fit_sources() -> dict[str, ColumnDataSource]:
    """Empty sources for the fits' plot, keyed by ``FIT_KEYS``."""
    empty = {"fits": {"xs": [], "ys": []}, "band": {"x": [], "lower": [], "upper": []}}
    return {key: ColumnDataSource(empty.get(key, {"x": [], "y": []}), name=f"pg-bv-{key}")
            for key in FIT_KEYS}


def fits_figure(sources: dict[str, ColumnDataSource], lang: str,
                y_range: tuple[float, float] = (-2.0, 2.0), **options) -> figure:
    """Every set's fit (faint; a click highlights the nearest, its set then shown), the
    truth (dashed), their mean f̄ and the shown set's fit and points, on x ∈ [0, 1].
    ``sources``: ``fit_sources()``'s; ``options``: the figure's size (Bokeh's names)."""
    fig = figure(title=tr("bv.fits.title", lang), tools="tap,reset,save",
                 toolbar_location="right", x_range=Range1d(0, 1), y_range=Range1d(*y_range),
                 **options)
    text_sizes(fig)
    lines = fig.multi_line("xs", "ys", source=sources["fits"], color=FIT_COLOR, alpha=0.18,
                           line_width=1, nonselection_alpha=0.18, selection_color=SHOWN_COLOR,
                           selection_alpha=1.0)
    pick_nearest_line(fig, lines)  # one fit highlighted: the nearest to the click
    # Their legend entry drawn by a line that is not drawn (one point, left of the
    # frame: Bokeh draws no legend glyph for an empty source), stronger than one faint
    # fit, unseen in a legend on a projector: as the many of them look together.
    fig.line([-1.0], [0.0], color=FIT_COLOR, alpha=0.8, line_width=2,
             legend_label=tr("bv.fits.each", lang))
    fig.line("x", "y", source=sources["truth"], color=TRUTH_COLOR, line_width=2.5,
             line_dash="dashed", legend_label=tr("bv.fits.truth", lang))
    # Where f̄ may be by chance (``bv.mean_fit_band``): where bias² reads 0 and f̄ is off
    # the truth, the truth is inside it.
    fig.varea("x", "lower", "upper", source=sources["band"], color=MEAN_COLOR, alpha=0.25,
              legend_label=tr("bv.fits.band", lang))
    fig.line("x", "y", source=sources["mean"], color=MEAN_COLOR, line_width=3,
             legend_label=tr("bv.fits.mean", lang))
    fig.line("x", "y", source=sources["shown"], color=SHOWN_COLOR, line_width=2,
             legend_label=tr("bv.fits.shown", lang))
    fig.scatter("x", "y", source=sources["points"], color=SHOWN_COLOR, size=7,
                line_color="white", legend_label=tr("bv.fits.points", lang))
    items = fig.legend[0].items  # f̄ before its band in the legend (drawn after it)
    items[2], items[3] = items[3], items[2]
    legend_below(fig, 2)  # six entries, some long (three columns overflowed in Chinese)
    fig.legend[0].name = "pg-bv-legend"
    fig.xaxis.axis_label, fig.yaxis.axis_label = "x", "y"
    return fig


def curve_sources() -> dict[str, ColumnDataSource]:
    """Empty sources for the curves, keyed as ``DECOMPOSITION_COLORS`` and named
    ``pg-bv-<key>``."""
    return {key: ColumnDataSource({"x": [], "y": []}, name=f"pg-bv-{key}")
            for key in DECOMPOSITION_COLORS}


def curve_columns(result: bv.Decomposition) -> dict[str, dict[str, np.ndarray]]:
    """Each curve's columns for ``result``: against its capacities, the terms as shown
    (``bv.as_shown``: they add up), σ² across, each at least ``LOG_FLOOR`` (a log axis)."""
    shown = bv.as_shown(result)
    x = np.asarray(result.capacities, np.float64)
    return {key: {"x": x, "y": np.maximum(np.full(len(x), result.noise) if key == "noise"
                                          else np.asarray(getattr(shown, key)), LOG_FLOOR)}
            for key in DECOMPOSITION_COLORS}


def chosen_label_side(family: str, capacity: float, capacities) -> tuple[str, int]:
    """The chosen capacity's label's ``text_align`` and ``x_offset``: right of its line,
    or left of it in the last fifth of the axis (its scale's: log for random features
    and networks) over ``capacities``; at d = 20 the frame's edge cut "d = 20" to "d =".
    """
    xs = np.asarray(capacities, np.float64)
    log = family in ("features", "network")
    if not xs.size or xs.max() <= xs.min() or (log and xs.min() <= 0):
        return "left", 4
    scale = np.log if log else (lambda v: v)
    low, high = scale(xs.min()), scale(xs.max())
    share = (scale(min(max(capacity, xs.min()), xs.max())) - low) / (high - low)
    return ("right", -4) if share > 0.8 else ("left", 4)


@dataclass
class Curves:
    """The curves' plot and the chosen capacity's line and label on it."""

    figure: figure
    chosen: Span
    label: Label

    def show_chosen(self, family: str, capacity: float):
        """The chosen capacity's line and its label at ``capacity`` (on the side
        ``chosen_label_side`` gives)."""
        self.chosen.location = capacity
        xs = self.figure.renderers[0].data_source.data.get("x", [])
        align, offset = chosen_label_side(family, capacity, xs)
        self.label.update(x=capacity, text=chosen_text(family, capacity), text_align=align,
                          x_offset=offset)

    def span_y(self, low: float, high: float):
        """The log axis from ``low`` to ``high``, a tick per decade, the label under its
        top edge."""
        self.figure.y_range.update(start=low, end=high)
        self.figure.yaxis.ticker.ticks = decomposition_ticks(low, high)
        self.label.y = high


def curves_figure(sources: dict[str, ColumnDataSource], family: str, lang: str,
                  chosen: float, n: int, y_range: tuple[float, float] = (1e-3, 1.0),
                  ink: str = CHOSEN_INK, **options) -> Curves:
    """bias², variance, σ², their sum, the measured test error (with dots) and the
    training error against ``family``'s capacity (log axes where it spans decades; a
    click on a legend entry hides its curve), the chosen capacity's line at ``chosen``
    in ``ink``; random features with the threshold p = ``n``.  ``sources``:
    ``curve_sources()``'s; ``options``: the figure's size (Bokeh's names)."""
    log_x = family in ("features", "network")
    fig = figure(title=tr("bv.curves.title", lang), tools="reset,save",
                 toolbar_location="right", y_axis_type="log",
                 x_axis_type="log" if log_x else "linear", y_range=Range1d(*y_range),
                 **options)
    text_sizes(fig)
    fig.yaxis.ticker = FixedTicker(ticks=decomposition_ticks(*y_range))
    fig.yaxis.formatter = log_tick_format()
    for key, color in DECOMPOSITION_COLORS.items():
        label = tr(f"bv.curve.{key}", lang)
        fig.line("x", "y", source=sources[key], color=color, legend_label=label,
                 **{"line_width": 2, **CURVE_STYLES.get(key, {})})
        if key == "test_error":
            fig.scatter("x", "y", source=sources[key], color=color, size=6,
                        legend_label=label)
    fig.xaxis.axis_label = tr(f"bv.axis.{family}", lang)
    fig.yaxis.axis_label = tr("bv.axis.error", lang)
    legend_below(fig, 2)  # six entries: three columns touched in lecture mode
    fig.legend.click_policy = "hide"
    span = Span(dimension="height", line_color=ink, line_width=2, line_alpha=0.6,
                location=chosen, name="pg-bv-chosen")
    fig.add_layout(span)
    # The line says what it is ("d = 3"), under the frame's top edge (its bottom holds
    # random features' "p = n" and the curves that fall to 0).
    label = Label(x=chosen, y=y_range[1], x_offset=4, y_offset=-4, text_baseline="top",
                  text=chosen_text(family, chosen), text_font_size="13px", text_color=ink,
                  name="pg-bv-chosen-label")
    fig.add_layout(label)
    if family == "features":
        fig.add_layout(Span(dimension="height", location=n, line_dash="dashed",
                            line_color=THRESHOLD_INK, line_alpha=0.8))
        fig.add_layout(Label(x=n, y=5, y_units="screen", text=tr("bv.threshold", lang),
                             text_font_size="12px", text_color=THRESHOLD_INK, x_offset=4))
    return Curves(fig, span, label)
