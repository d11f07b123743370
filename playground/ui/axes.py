"""Axes that follow what is drawn: a loss range that ignores diverged tails, readable ticks,
a step axis that starts at 0 and a curve of one point drawn as a point.

Shared by both labs' loss charts (and the optimizer lab's surface): a run that diverged
climbs to 10¹⁰ in its last steps, and a linear axis fitted to it flattens every other
curve; huge or tiny numbers printed by Bokeh's default formatter read "−2.000e+11".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from bokeh.models import BasicTicker, CustomJSTickFormatter, Range1d

from ..numerics.biasvariance import resolved_bias2
from ..text import tr
from .present import INK_JS
from .widgets import SUPERSCRIPT_JS, superscript

#: The bias–variance curves: values below this are drawn at it on the log axis (k = 1
#: fits its training set exactly).
LOG_FLOOR = 1e-6


def fits_range(truth: np.ndarray, noise: float) -> tuple[float, float]:
    """The bias–variance fits plot's y range: the truth's, widened by max(½, 2.5σ)."""
    margin = max(0.5, 2.5 * float(noise))
    return float(np.min(truth)) - margin, float(np.max(truth)) + margin


#: The curves against capacity keep errors up to this multiple of the smallest sum in
#: view: the U and random features' peak (~20× at the defaults).  At 10⁵ the polynomials'
#: tail (10⁷ at d = 20 on 20 points) took the axis to 2×10⁴ and squashed the U into a
#: tenth of the chart's height (an instructor's review).
U_HEADROOM = 30.0


def decomposition_range(result) -> tuple[float, float]:
    """The log y range of the curves against capacity (a ``numerics.biasvariance
    .Decomposition``): the U and the peak in view; values past ``U_HEADROOM`` × the
    smallest sum leave the top, unless they are below twice the targets' variance (a
    constant fit's error: with no noise the smallest sum is ~10⁻¹⁴, and the whole U had
    left the top); a bias² shown as 0 (``numerics.biasvariance.resolved_bias2``: within
    its sampling error of 0) leaves the bottom."""
    bias2 = resolved_bias2(result)
    low = max(float(np.min(np.r_[bias2[bias2 > 0], result.variance, result.total])),
              LOG_FLOOR)
    cap = max(U_HEADROOM * float(np.min(result.total)), 2 * float(np.var(result.y)))
    high = min(float(np.max(result.test_error)), cap)
    return low / 2, max(high * 2, 4 * low)


def decomposition_ticks(low: float, high: float) -> list[float]:
    """Ticks for the log axis [low, high] of the curves against capacity: 1, 2, 5 × 10ᵏ
    over up to three decades, each decade's 10ᵏ over more (every other past eight).
    Bokeh's own ticker, over two or three decades, fell back to linear steps: 0.3, 0.25,
    0.2, 0.15 piled up at the top and nothing below 0.05 (the network family's chart)."""
    if not (0 < low < high):
        return []
    k_low, k_high = int(np.floor(np.log10(low))), int(np.ceil(np.log10(high)))
    decades = np.log10(high / low)
    mantissas = (1, 2, 5) if decades <= 3 else (1,)
    step = 2 if decades > 8 else 1
    ticks = [m * 10.0**k for k in range(k_low, k_high + 1) for m in mantissas
             if (k % step == 0 or m != 1)]
    return [t for t in ticks if low <= t <= high]


#: Each end of a loss range adds this fraction of its span.
RANGE_PADDING = 0.05
#: A diverged run's values count up to this multiple of where it started (a loss that
#: rose a little before it diverged stays in view; the tail to 10¹⁰ leaves the top).
DIVERGED_HEADROOM = 1.25


def _extent(curves: Sequence[np.ndarray], diverged: Sequence[bool],
            keep) -> tuple[list[float], list[float]]:
    """Per curve the lowest value and the highest one that counts (``loss_range``),
    over the values where ``keep(values)`` holds.

    A diverged run's tail is left out, unless every run shown diverged and each is
    mostly its climb (under half its values in the headroom): then nothing would be
    left to see but the first point, and the climb is the picture (SGD at α = 5 on
    the ravine: 8.6 → 7.6×10¹⁰ in four steps).
    """
    low, high, whole, cut = [], [], [], []
    for curve, gone in zip(curves, diverged, strict=True):
        values = np.asarray(curve, float)
        values = values.reshape(len(values), -1) if values.ndim else values.reshape(1, 1)
        with np.errstate(invalid="ignore"):
            ok = keep(values)
        if not ok.any():
            continue
        low.append(values[ok].min())
        whole.append(values[ok].max())
        start = values[0][ok[0]]
        if gone and start.size:  # a little above where it started: a rise, not the tail
            kept = values[ok]
            inside = kept <= max(DIVERGED_HEADROOM * start.max(), start.max())
            cut.append(2 * inside.sum() < inside.size)
            high.append(kept[inside].max())
        else:
            cut.append(False)
            high.append(values[ok].max())
    if cut and all(diverged) and all(cut):
        high = whole
    return low, high


def step_range() -> Range1d:
    """An x axis of steps or epochs, 0 … 1 until ``fit_step_axis`` sets it."""
    return Range1d(*step_axis(1))


#: A step axis starts this fraction of its span before 0 (a dot at step 0 is seen whole).
STEP_AXIS_LEAD = 0.02


def step_axis(last: int) -> tuple[float, float]:
    """The (start, end) of a step (or epoch) axis for steps 0 … ``last``, at least 0 … 1:
    a curve of one point sits near the left of a unit span (Bokeh's automatic range
    made it −1 … 1), just after the start."""
    end = float(max(int(last), 1))
    return -STEP_AXIS_LEAD * end, end


def whole_step_ticks(fig):
    """Ticks of ``fig``'s x axis (steps or epochs) at whole numbers only (a run of one
    step or epoch read 0, 0.2, 0.4 … 1), about four of them: at Bokeh's six, a long
    run's five-digit labels ran into each other ("1000012000") on a narrow chart."""
    fig.xaxis.ticker = BasicTicker(min_interval=1, desired_num_ticks=4)


def text_sizes(fig, title_px: int = 16, label_px: int = 14, tick_px: int = 13):
    """``fig``'s title, axis labels and tick labels at these sizes (px): a lab's charts
    and its static page's alike (lecture mode enlarges them all, ``ui.present``)."""
    fig.title.text_font_size = f"{title_px}px"
    for axis in (fig.xaxis, fig.yaxis):
        axis.axis_label_text_font_size = f"{label_px}px"
        axis.major_label_text_font_size = f"{tick_px}px"


def loss_axes(fig, mode: str, lang: str):
    """A loss chart's axes: steps (whole numbers) across, L or L − min L (``mode``:
    "linear" or "log") up, its ticks readable at any size (a log one's: ``LOG_TICKS_JS``)."""
    fig.xaxis.axis_label = tr("plot.step", lang)
    whole_step_ticks(fig)
    fig.yaxis.axis_label = tr(f"plot.loss.{mode}", lang)
    fig.yaxis[0].formatter = readable_ticks() if mode == "linear" else log_tick_format()


def fit_step_axis(x_range: Range1d, last: int):
    """``x_range`` to ``step_axis(last)``; reset (the toolbar) comes back to it."""
    start, end = step_axis(last)
    if (x_range.start, x_range.end) != (start, end):
        x_range.update(start=start, end=end, reset_start=start, reset_end=end)


def show_lone_points(markers):
    """``markers``: (scatter renderer, whether its curve is shown) pairs, each drawing a
    curve's points: shown only while the curve has exactly one point, which a line
    cannot draw."""
    for renderer, shown in markers:
        lone = bool(shown) and renderer.data_source is not None and \
            len(next(iter(renderer.data_source.data.values()), [])) == 1
        if renderer.visible != lone:
            renderer.visible = lone


def loss_range(curves: Sequence[np.ndarray], diverged: Sequence[bool],
               padding: float = RANGE_PADDING) -> tuple[float, float] | None:
    """A linear loss axis (start, end) for ``curves`` that keeps every run readable.

    Each curve is (steps,) or (steps, series) (e.g. training and validation loss).  A
    run that did not diverge is shown whole.  A run that diverged counts only up to
    ``DIVERGED_HEADROOM`` times its first values (where it started): its tail, which
    climbs without bound before the divergence is seen, leaves through the top instead
    of flattening the others (and its own earlier steps), unless every run diverged
    almost at once: then each is drawn whole (``_extent``).
    Non-finite values are ignored; None when nothing finite is drawn.  Each end is
    padded by ``padding`` of the span (a flat curve gets a span of 10 % of its level,
    or 1).
    """
    low, high = _extent(curves, diverged, np.isfinite)
    if not low:
        return None
    lo, hi = float(min(low)), float(max(high))
    hi = max(hi, lo)
    span = hi - lo
    if span <= 0:
        span = 0.1 * abs(hi) or 1.0
        return lo - span / 2, hi + span / 2
    return lo - padding * span, hi + padding * span


#: A log loss axis shows at most this many decades below its top: a gap of 10⁻¹⁶ is
#: float round-off, and 26 decades would squeeze every curve flat.
LOG_DECADES = 12


def history_loss_range(histories: Sequence[np.ndarray],
                       diverged: Sequence[bool]) -> tuple[float, float]:
    """An MLP loss chart's range (``loss_range``) for networks' ``histories`` (each
    epochs × 4; their training and validation losses, columns 0 and 2: a missing
    validation set's NaN is ignored), a diverged one's only up to where it started."""
    curves = [np.asarray(h)[:, [0, 2]] for h in histories]
    return loss_range(curves, diverged) or (0.0, 1.0)


def log_loss_range(curves: Sequence[np.ndarray], diverged: Sequence[bool],
                   padding: float = RANGE_PADDING,
                   decades: float = LOG_DECADES) -> tuple[float, float] | None:
    """A log axis (start, end) for positive ``curves`` (e.g. L − min L), as
    ``loss_range`` does for a linear one: a diverged run's tail leaves through the top,
    and the bottom is at most ``decades`` below the top (lower values leave through
    the bottom).  Values ≤ 0 or non-finite are ignored; None when none is left.  Each
    end is padded by ``padding`` of the span in decades (a flat curve: half a decade).
    """
    low, high = _extent(curves, diverged, lambda v: np.isfinite(v) & (v > 0))
    if not low:
        return None
    hi = np.log10(max(high))
    lo = min(max(np.log10(min(low)), hi - decades), hi)
    span = hi - lo
    if span <= 0:
        return float(10 ** (lo - 0.5)), float(10 ** (hi + 0.5))
    return float(10 ** (lo - padding * span)), float(10 ** (hi + padding * span))


#: Ticks as people write them: 0.25, 1500, 2×10¹¹, −1.5×10⁻⁴ (three significant digits
#: at most, no float noise such as 0.30000000000000004, never "−2.000e+11").
_READABLE_TICKS = r"""
if (!isFinite(tick)) return "";
const a = Math.abs(tick);
const sign = tick < 0 ? "\u2212" : "";
if (a === 0) return "0";
if (a >= 1e-3 && a < 1e5) return sign + String(Number(a.toPrecision(6)));
let e = Math.floor(Math.log10(a));
let m = Number((a / Math.pow(10, e)).toPrecision(3));
if (m >= 10) { m = m / 10; e += 1; }
return sign + (m === 1 ? "" : String(m) + "\u00d7") + "10" + pgSuper(e);
"""
READABLE_TICKS_JS = SUPERSCRIPT_JS + _READABLE_TICKS


#: A log axis's ticks (the bias–variance error chart's, the optimizer lab's log loss
#: chart's): powers of ten as 10⁻², and 1, 2, 5 × 10ᵏ (over three decades or fewer) as
#: people write them, 0.05 or 3×10⁻¹⁶ (Bokeh's log formatter wrote "5.000e-2",
#: "3.000e-16").
LOG_TICKS_JS = SUPERSCRIPT_JS + r"""
const pgPowers = ticks.length > 0 && ticks.every(
  (t) => t > 0 && Math.abs(Math.log10(t) - Math.round(Math.log10(t))) < 1e-9);
if (pgPowers && tick > 0) return "10" + pgSuper(Math.round(Math.log10(tick)));
""" + _READABLE_TICKS


def log_tick_format() -> CustomJSTickFormatter:
    """A tick formatter for ``LOG_TICKS_JS`` (one per axis)."""
    return CustomJSTickFormatter(code=LOG_TICKS_JS)


def readable_ticks() -> CustomJSTickFormatter:
    """A tick formatter for ``READABLE_TICKS_JS`` (one per axis: Bokeh models are not
    shared between documents)."""
    return CustomJSTickFormatter(code=READABLE_TICKS_JS)


def nice_ticks(low: float, high: float, target: int = 5) -> list[float]:
    """Round numbers between ``low`` and ``high`` (both included), about ``target`` of
    them: the multiples of one step of 1, 2 or 5 × 10ᵏ (as an axis's ticks), for axes
    drawn by hand (the 3-D view's).  ``[low]`` for an empty or non-finite range."""
    if not (np.isfinite(low) and np.isfinite(high)) or high <= low:
        return [float(low)] if np.isfinite(low) else []
    rough = (high - low) / max(target, 1)
    power = 10.0 ** np.floor(np.log10(rough))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
    first = np.ceil(low / step - 1e-9) * step
    ticks = np.arange(first, high + step * 1e-9, step)
    # -0.0 and 0.30000000000000004 as people write them
    return [float(f"{t:.12g}") + 0.0 for t in ticks]


def readable_tick(tick: float) -> str:
    """``READABLE_TICKS_JS`` in Python, for tests and for text beside a chart."""
    if not np.isfinite(tick):
        return ""
    a, sign = abs(tick), "\u2212" if tick < 0 else ""
    if a == 0:
        return "0"
    if 1e-3 <= a < 1e5:
        return sign + f"{float(f'{a:.6g}'):.15g}"
    e = int(np.floor(np.log10(a)))
    m = float(f"{a / 10.0 ** e:.3g}")
    if m >= 10:
        m, e = m / 10, e + 1
    return sign + ("" if m == 1 else f"{m:g}×") + "10" + superscript(e)


#: JS: one frame's optimizer arrows at one power-of-ten zoom, the longest 10–100 % of
#: ``reach`` (``arrow_reach``: short steps stay visible, long ones on screen).  ``raw``: rows
#: ``[kind, x, y, dx, dy, color]``, kind ``gradient``, ``velocity`` or ``step``.
#: Prepended to the optimizer lab's playback and to the static export's.
#: ``pgPlain(v)``: a number as the optimizer lab's legend writes it (Python's
#: ``f"{v:.4g}"``, a power of ten as ×10ᵏ, below 10⁻³ too: ``number_text(v, 4)``'s twin),
#: for the live lab's legend and the static export's.
PLAIN_JS = SUPERSCRIPT_JS + r"""
const pgPlain = (value) => {
  if (!isFinite(value)) return isNaN(value) ? "–" : (value > 0 ? "∞" : "\u2212∞");
  if (value === 0) return "0";
  const sign = value < 0 ? "\u2212" : "", v = Math.abs(value);
  let m = v.toPrecision(4);  // below 10⁻³ a power of ten, as number_text(v, 4) writes it
  if (!m.includes("e") && Math.abs(Number(m)) < 1e-3) m = Number(m).toExponential(3);
  let exp = null;
  if (m.includes("e")) { exp = parseInt(m.split("e")[1]); m = m.split("e")[0]; }
  if (m.includes(".")) m = m.replace(/0+$/, "").replace(/\.$/, "");
  return sign + (exp === null ? m : m + "×10" + pgSuper(exp));
};
"""


#: The longest arrow at a step is drawn (scaled by a power of ten, the caption's "×100")
#: at most this share of the view's shorter side: at half its diagonal, the arrows of an
#: iterate near a minimum, ×100, ran off the plot unless it sat in the middle.
ARROW_REACH = 0.25


def arrow_reach(x_range, y_range) -> float:
    """How long the longest arrow may be drawn in a view of ``x_range`` × ``y_range``
    (``pgArrows``'s ``reach``), in the plot's units."""
    return ARROW_REACH * min(x_range[1] - x_range[0], y_range[1] - y_range[0])


#: Prepended, with :data:`PLAIN_JS`, to the optimizer lab's playback and to the static
#: export's: one code for both pages' arrows and state table.  ``pgArrows(raw, reach)``
#: scales the arrows; ``pgStateRow(raw, d, t, o)`` is one optimizer's row at step t (and
#: its arrows, pushed to ``raw``); ``pgStateTable(text, t, zoom, rows, style)`` the readout
#: (its texts: :func:`state_table_text`); ``pgInk`` comes with it (``present.INK_JS``).
ARROWS_JS = INK_JS + r"""
// The state table's heading row (a first empty cell over the optimizers' names); each
// heading wraps within 9em: at its whole width ("α per dimension of the update") the
// table had no room left for the pairs, which broke over two lines even at 1920 px.
function pgStateHeadings(labels) {
  return "<tr><th></th>" + labels.map((label) => "<th><span style='display:inline-block;" +
    "max-width:9em'>" + label + "</span></th>").join("") + "</tr>";
}
// A number in the state table: never broken across lines (a pair breaks after its comma);
// a very small or large one as the legend writes it (8.691×10⁻⁵, not 8.69e-5); a minus
// sign, not a hyphen (−0.09007 beside −9.134×10⁻⁸ in one column).
function pgStateNumber(v) {
  if (!isFinite(v)) return "–";
  const a = Math.abs(v);
  const text = (a !== 0 && (a < 1e-3 || a >= 1e4)) ? pgPlain(v)
    : (v < 0 ? "\u2212" : "") + a.toPrecision(4);
  return "<span style='white-space:nowrap'>" + text + "</span>";
}
function pgStatePair(a, b) {
  return "(" + pgStateNumber(a) + ", " + pgStateNumber(b) + ")";
}
// One optimizer's row of the state table at step t, its arrows pushed to raw ([kind, x, y,
// dx, dy, color]).  d: its run's columns (numerics.race.Race.reached: x, y, loss, gx, gy,
// sx, sy, vx, vy, ex, ey, lr); o: {label, color, velocity (it keeps one), end (the step it
// stopped at, -1: never), status (why), undefinedAt (the iterate whose gradient is
// undefined, -1: none), kink(i) (g at iterate i is the minimum-norm subgradient), text
// (row_step, grad_undefined, subgradient)}.  A run that stopped before step t shows its
// last iterate, and says so.  Returns {row, stopped, undefinedHere, i}.
function pgStateRow(raw, d, t, o) {
  const n = d.x.length, i = Math.min(t, n - 1);
  const stopped = o.end >= 0 && t >= n;  // past its last iterate
  const undefinedHere = o.undefinedAt >= 0 && i >= o.undefinedAt;
  if (!stopped) {
    raw.push(["gradient", d.x[i], d.y[i], -d.lr[i] * d.gx[i], -d.lr[i] * d.gy[i], o.color]);
    if (o.velocity)
      raw.push(["velocity", d.x[i], d.y[i], -d.lr[i] * d.vx[i], -d.lr[i] * d.vy[i], o.color]);
    raw.push(["step", d.x[i], d.y[i], d.sx[i], d.sy[i], o.color]);
  }
  const note = (text, extra) => "<br><span " + extra + "style='font-size:85%;" +
    "font-weight:400;color:var(--pg-muted,#555);white-space:nowrap'>" + text + "</span>";
  const rowStep = i >= t ? "" : note(o.text.row_step.replace("{step}", i), "class='pg-row-step' ");
  // No number for g where it is undefined, nor any update from there.
  const grad = undefinedHere ? "<i>" + o.text.grad_undefined + "</i>"
    : pgStatePair(d.gx[i], d.gy[i]) + (o.kink(i) ? note(o.text.subgradient, "") : "");
  const row = "<tr><td style='color:" + pgInk(o.color) + ";font-weight:600'>" + o.label + rowStep +
    "</td><td>" + pgStatePair(d.x[i], d.y[i]) + "</td><td style='white-space:nowrap'>" +
    (stopped ? "<b>" + o.status + "</b>" : pgStateNumber(d.loss[i])) + "</td><td>" + grad +
    "</td><td>" + (!o.velocity ? "" : undefinedHere ? "–" : pgStatePair(d.vx[i], d.vy[i])) +
    "</td><td class='pg-effective-lr'>" +
    (undefinedHere ? "–" : pgStatePair(d.ex[i], d.ey[i])) + "</td></tr>";
  return {row, stopped, undefinedHere, i};
}
// The readout: its title at step t, the caption naming the arrows' zoom, the table of
// rows (text: title, caption, zoom, legend and the five headings; style: more CSS).
function pgStateTable(text, t, zoom, rows, style) {
  const zoomText = pgPlain(zoom).replace(/^1×/, "");  // 100, 0.01, 10⁻⁵ (was "1e-5")
  return "<div style='font-weight:600;margin-bottom:4px'>" + text.title.replace("{step}", t) +
    " <span style='font-weight:400;color:var(--pg-muted,#555)'>" +
    text.caption.replace("{zoom}", () => zoom === 1 ? text.zoom_one  // not "×1"
                                          : text.zoom.replace("{scale}", zoomText))
      .replace("{legend}", () => text.legend) + "</span></div>" +
    // Columns apart by a share of the text (lecture mode's ran together at 4 px).
    "<table style='border-collapse:separate;border-spacing:0.9em 0.3em;margin-left:-0.9em;" +
    // (keep-all: Chinese names and headings break at their spaces, not inside a word:
    // "Nesterov 动量" / "法" in lecture mode; a long heading has a zero-width space
    // where it may break, or a 640-px frame scrolled the table sideways.)
    "font-variant-numeric:tabular-nums;word-break:keep-all" + (style || "") + "'>" +
    pgStateHeadings([text.theta, text.loss, text.grad, text.velocity, text.effective_lr]) +
    rows + "</table>";
}
function pgArrows(raw, reach) {
  let longest = 0;
  for (const a of raw) {
    const len = Math.hypot(a[3], a[4]);
    if (isFinite(len)) longest = Math.max(longest, len);
  }
  // An arrow under a millionth of the view is no arrow: ×10⁹ drew one at a saddle
  // whose caption says the gradient is zero there (it was 10⁻⁹).
  if (!(longest * 1e6 > reach)) longest = 0;
  const zoom = longest > 0 ? Math.pow(10, Math.floor(Math.log10(reach / longest))) : 1;
  const arrows = {gradient: {x0: [], y0: [], x1: [], y1: [], color: []},
                  velocity: {x0: [], y0: [], x1: [], y1: [], color: []},
                  step: {x0: [], y0: [], x1: [], y1: [], color: []}};
  for (const [kind, x, y, dx, dy, color] of raw) {
    if (longest === 0 || !(isFinite(dx) && isFinite(dy)) || (dx === 0 && dy === 0)) continue;
    const a = arrows[kind];
    a.x0.push(x); a.y0.push(y); a.x1.push(x + zoom * dx); a.y1.push(y + zoom * dy);
    a.color.push(color);
  }
  return {zoom, arrows};
}
// The surface plot's title: its own words, and the arrows' zoom while arrows are drawn
// larger than the steps ("· arrows ×100"): in lecture mode the readout that says
// so is below the screen, and a ×100 arrow read as a real step.  Where that is wider
// than the plot's frame (``plot``; lecture mode with the controls open cut "×100" to
// "×10") the title's short words go first, and only then a line of its own; the words
// are remembered, fitted again when the frame's width changes (``pgFitZoomTitle``).
function pgZoomTitle(title, base, text, zoom, arrows, plot) {
  const drawn = Object.values(arrows).some((a) => a.x0.length > 0);
  // "×100" or "10⁴ × shorter" (×10⁻⁴ read oddly in a title; "arrows drawn 10⁷ ×
  // shorter" was wider than a 460-px surface in the static page).
  const larger = zoom > 1, scale = pgPlain(larger ? zoom : 1 / zoom).replace(/^1×/, "");
  const words = (larger ? text.longer : text.shorter).replace("{scale}", () => scale);
  title._pgZoomWords = {base, short: text.surface_short || base,
                        words: drawn && zoom !== 1 ? words : null};
  pgFitZoomTitle(title, plot);
}
function pgFitZoomTitle(title, plot) {
  const {base, short, words} = title._pgZoomWords;
  const want = words === null ? base
    : [base + " · " + words, short + " · " + words].find((t) => pgTitleFits(title, t, plot))
      ?? base + "\n" + words;
  if (title.text !== want) title.text = want;
}
// Whether ``text`` in ``title``'s font fits ``plot``'s frame (yes without a frame yet).
function pgTitleFits(title, text, plot) {
  const room = plot ? plot.inner_width : 0;
  if (!(room > 0)) return true;
  const canvas = pgTitleFits.canvas || (pgTitleFits.canvas = document.createElement("canvas"));
  const context = canvas.getContext("2d");
  const size = title.text_font_size, px = size.value ?? size;  // (a value, or {value})
  context.font = [title.text_font_style, px, title.text_font].join(" ");
  return context.measureText(text).width <= room;
}
"""


#: Fits the surface's title to its frame's width again when that changes (args: title,
#: plot): the words ``pgZoomTitle`` last chose.
REFIT_ZOOM_TITLE_JS = r"""
if (title._pgZoomWords) pgFitZoomTitle(title, plot);
"""


#: ``pgLegendText(t, label, loss, end, last, status, words)``: an optimizer's legend
#: entry at step ``t``: its ``loss`` there (``pgPlain``: ``PLAIN_JS`` comes first), or,
#: from the step where it stopped (``end``; −1: it never did), why (``status``, the
#: server's words).  At the run's last step (``last``) every run that stopped says why:
#: when all diverged, the last to go diverged one step after the run's last step, which
#: is its last finite iterate.  ``words``: ``legend_text``'s.  For the optimizer lab's
#: legend and its static page's.
LEGEND_TEXT_JS = r"""
const pgLegendText = (t, label, loss, end, last, status, words) => {
  const said = end >= 0 && (t >= end || t >= last)
    ? status : words.converged.replace("{loss}", pgPlain(loss));
  return words.item.replace("{optimizer}", () => label).replace("{status}", () => said);
};
"""


def legend_text(lang: str) -> dict[str, str]:
    """The words ``pgLegendText`` reads (``LEGEND_TEXT_JS``), in ``lang``."""
    return {"converged": tr("status.converged", lang), "item": tr("plot.legend_item", lang)}


def state_table_text(lang: str) -> dict[str, str]:
    """The texts ``pgStateRow`` and ``pgStateTable`` read (``ARROWS_JS``), in ``lang``: the
    lab's page and its static page pass them alike."""
    text = {key: tr(f"readout.{key}", lang)
            for key in ("title", "caption", "theta", "loss", "grad", "velocity",
                        "effective_lr", "grad_undefined", "subgradient", "row_step")}
    text.update(zoom=tr("plot.arrows_scale", lang), zoom_one=tr("plot.arrows_true", lang),
                legend=tr("plot.arrows_legend", lang),
                surface=tr("plot.surface", lang), longer=tr("plot.arrows_longer", lang),
                surface_short=tr("plot.surface.short", lang),
                shorter=tr("plot.arrows_shorter", lang))
    return text


def legend_below(fig, columns: int):
    """``fig``'s legend under the plot, in ``columns`` columns: it hides no curve (the
    bias–variance lab and its static page)."""
    legend = fig.legend[0]
    fig.legend.location = "center"
    legend.ncols = columns
    legend.label_text_font_size = "12px"
    # Entries 10 px apart: at 2 px, side by side in lecture mode, they touched.
    legend.spacing, legend.padding, legend.margin = 10, 4, 2
    legend.border_line_alpha = 0
    fig.add_layout(legend, "below")
