"""Small helpers for Panel widgets and panes that every lab uses."""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Callable

import panel as pn
import param
from bokeh.models import CustomJSTickFormatter
from panel.reactive import ReactiveHTML

from ..text import tr
from .flow import WHOLE_LABEL, WRAP_BUTTONS, WRAP_LABEL
from .markup import tagged
from .present import FOCUS_RING, PAGE_BUTTON, TOUCH_TARGETS, text_size

#: The buttons a lab shows (and the lesson card's): never narrower than their labels.
BUTTONS = (pn.widgets.Button, pn.widgets.Toggle, pn.widgets.MenuButton,
           pn.widgets.FileDownload)
#: Groups of toggle buttons: they wrap in a column narrower than the group.
BUTTON_GROUPS = (pn.widgets.CheckButtonGroup, pn.widgets.RadioButtonGroup)

#: Inside each widget's shadow root: a select's or a number box's value at the page's text
#: size (lecture mode: 20 px); the browser's own 13.3 px for form controls otherwise.  A
#: check box or radio button as large as its label's x-height and more (lecture mode: it
#: stayed 13 px beside 20-px labels).
INPUT_TEXT = """
.bk-input, select, input { font-size: max(13.3333px, var(--pg-text-size, 0px)); }
input[type=checkbox], input[type=radio] {
  width: max(13px, calc(var(--pg-text-size, 0px) * 0.9));
  height: max(13px, calc(var(--pg-text-size, 0px) * 0.9)); }
"""



def dress_widgets(objects) -> None:
    """Every widget in ``objects`` (Panel objects, their children too) gets the page's
    stylesheets: its text at the page's size (``INPUT_TEXT``), a label that wraps, a
    focus ring, touch-sized targets, and, for a button, never narrower than its label
    (a group of them wraps).  The shell dresses what a lab shows; a lab, what it adds
    later (a card's contents, made when it first opens)."""
    for widget in (w for obj in objects for w in obj.select(pn.widgets.Widget)):
        extra = [INPUT_TEXT, WRAP_LABEL, FOCUS_RING, TOUCH_TARGETS,
                 *([WHOLE_LABEL] if isinstance(widget, BUTTONS) else []),
                 *([WRAP_BUTTONS] if isinstance(widget, BUTTON_GROUPS) else [])]
        missing = [sheet for sheet in extra if sheet not in widget.stylesheets]
        if missing:
            widget.stylesheets = [*widget.stylesheets, *missing]


def respond_at_once(objects):
    """Drop Panel's 50 ms debounce of browser events on these controls.

    A race costs milliseconds, and Panel still merges events that arrive while one
    is being handled, so the debounce only adds latency here.  ``_debounce`` is
    Panel's (private) per-class setting; an instance attribute overrides it.
    """
    for obj in objects:
        for widget in obj.select(pn.widgets.Widget) if hasattr(obj, "select") else ():
            widget._debounce = 0


def set_text(pane, text: str):
    """Change a pane's text only when it differs: each change re-renders in the browser."""
    if pane.object != text:
        pane.object = text


#: The class of a box for whole numbers: a key it refuses is said to need one
#: (``ui.keyboard``), since "0.5" and "1e9" are numbers.
INTEGER_CLASS = "pg-integer"

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def superscript(text) -> str:
    """``text``'s digits and minus signs raised: "10" + superscript(-4) reads 10⁻⁴
    (``SUPERSCRIPT_JS``'s ``pgSuper`` is its twin in a page's script)."""
    return str(text).translate(_SUPERSCRIPT)


#: ``pgSuper(n)``: ``superscript`` in the browser (prepended once to a script that uses it).
SUPERSCRIPT_JS = r"""
const pgSuper = (n) => String(n).split("").map((c) => ({
  "-": "\u207b", "0": "\u2070", "1": "\u00b9", "2": "\u00b2", "3": "\u00b3", "4": "\u2074",
  "5": "\u2075", "6": "\u2076", "7": "\u2077", "8": "\u2078", "9": "\u2079"})[c] ?? c).join("");
"""

def number_text(value: float, significant: int | None = None) -> str:
    """``value`` as plain text in the formulas' one format (``latex_number``'s twin):
    ``1×10⁻⁸``, ``0.45``, ``35`` (an integer shows as one), ``−2.5`` (a minus sign, as
    the axes and the formulas write it; −0 is 0)."""
    # Imported here: the shell (which uses this module) answers before JAX is imported.
    from ..numerics.expression import latex_number

    latex = latex_number(float(value), significant)
    mantissa, marker, exponent = latex.partition(r" \times 10^{")
    mantissa = mantissa.replace("-", "−")
    if not marker:
        return mantissa.replace(r"\infty", "∞")
    return f"{mantissa}×10{superscript(exponent.rstrip('}'))}"


#: A cross-entropy that float32 rounds to 0 (or just below: −1e−8 near a perfect fit):
#: each example's −log p is then below 2⁻²⁴ ≈ 6×10⁻⁸ (log(1 + t) is 0 for t < 2⁻²⁴), never 0.
BELOW_FLOAT32 = "< 10⁻⁷"


def loss_text(loss: float) -> str:
    """A loss in a readout: three decimals, two significant digits below 0.001
    (``4.2×10⁻⁵``, as the optimizer lab and the formulas write a power of ten; never a
    bare 0.000), and :data:`BELOW_FLOAT32` for one that float32 rounds to 0: a
    cross-entropy is never 0, and a bare "0" read as a perfect model.  A loss that is
    not finite reads "–"."""
    if not math.isfinite(loss):
        return "–"
    if loss <= 0 and loss > -1e-6:
        return BELOW_FLOAT32
    if loss >= 0.001:
        return f"{loss:.3f}"
    mantissa, exponent = f"{loss:.1e}".split("e")
    return f"{mantissa}×10{superscript(int(exponent))}"


#: A number box's text for a knob that spans decades: ``1e-8`` (``number_text``'s
#: ``1×10⁻⁸`` in a form the box reads back), numbers between 10⁻³ and 10⁴ as they are.
DECADES_JS = """
if (tick == null || !isFinite(tick)) return "";  // an empty box ("NaNeNaN" was shown)
if (tick === 0) return "0";
const a = Math.abs(tick);
if (a >= 1e-3 && a < 1e4) return String(Number(tick.toPrecision(6)));
const [m, e] = Number(tick.toPrecision(6)).toExponential().split("e");
return m + "e" + Number(e);
"""


def decades_format() -> CustomJSTickFormatter:
    """The format of a number box for a knob that spans decades (ε), one in every lab (a
    new model per box: a Bokeh model belongs to one page)."""
    return CustomJSTickFormatter(code=DECADES_JS)


# -- a control's label and its value: the page's language's colon --------------------

def label_colon(lang: str) -> str:
    """What follows a control's label before its value: ": " in English, "：" in
    Chinese (``widget.colon``).  Panel and Bokeh write an ASCII ": " themselves: the
    editable sliders' labels take this one (``localize_label``), a ``DiscreteSlider``'s
    too, and the page script Bokeh's sliders' titles (``ui.keyboard``)."""
    return tr("widget.colon", lang)


#: ``pgColon(el, colonOf)``: a Bokeh slider's title element ``el`` ("label: value", its
#: ": " written by Bokeh at each value) with the page's colon ``colonOf()`` in its place,
#: made again whenever Bokeh writes the title; for the live page's script
#: (``ui.keyboard``) and the static page's (``static_export``).
SLIDER_COLON_JS = """
const pgColonNow = (el, colon) => {
  const t = el.firstChild;
  if (t != null && t.nodeType === 3 && t.textContent.endsWith(': ') && colon !== ': ')
    t.textContent = t.textContent.slice(0, -2) + colon;
};
const pgColon = (el, colonOf) => {
  const colon = colonOf();
  if (el == null || !colon || colon === ': ') return;
  if (!el.pgColon) {
    el.pgColon = new MutationObserver(() => pgColonNow(el, colonOf()));
    el.pgColon.observe(el, {childList: true, characterData: true, subtree: true});
  }
  pgColonNow(el, colon);
};
"""


def localize_label(widget, lang: str):
    """An editable slider's label (Panel writes ``f"{label}:"``) with the page's colon,
    now and whenever its label changes."""
    label = getattr(widget, "_label", None)
    if label is None or "label" not in widget.param:
        return

    def put(*_events):
        if widget.label:
            label.value = f"{widget.label}{label_colon(lang).rstrip()}"  # value: its own box

    put()
    widget.param.watch(put, "label")


class DiscreteSlider(pn.widgets.DiscreteSlider):
    """Panel's ``DiscreteSlider`` whose label and value are joined by the page's colon
    (``colon``: ``label_colon(lang)``; Panel's own is an ASCII ": ")."""

    colon = param.String(default=": ", doc="between the label and the value")

    @property
    def labels(self):
        title = f"{self.label}{self.colon}" if self.label else ""
        options = self.options
        if isinstance(options, dict):
            return [title + f"<b>{o}</b>" for o in options]
        return [title + "<b>%s</b>" % (o if isinstance(o, str) else (self.formatter % o))
                for o in options]


class EmptyableFloatInput(pn.widgets.FloatInput):
    """A ``FloatInput`` whose ``None`` shows an empty box: Panel sends ``None`` as NaN,
    which Bokeh's box then shows as the text "NaN"."""

    def _process_param_change(self, params):
        empty = params.get("value", False) is None
        params = super()._process_param_change(params)
        if empty:
            params["value"] = None
        return params


class Guard:
    """A typed number reaches ``owner.<name>`` only if it is a finite number within
    ``bounds`` (closed; default: the parameter's own) that the parameter accepts.

    Anything else is refused where it was typed: the box goes back to the value in use
    and a note under it says what was refused and why, until the parameter is set again
    by anything (a value typed, a link, a lesson, a reset to defaults, a new surface), even
    to the value it has: the note speaks of the state when it was refused.
    The widget is made without hard limits of its own, so that the browser sends what
    was typed instead of clamping it silently.  ``layout`` (the widget and its note) is
    what goes in the page; the widget follows the parameter.
    """

    def __init__(self, widget, owner: param.Parameterized, name: str, lang: str = "en",
                 bounds: tuple[float | None, float | None] | None = None,
                 unset: Callable[[], str] | None = None):
        self.widget, self.owner, self.name, self.lang = widget, owner, name, lang
        #: For a parameter that may be None (an empty box: e.g. a racer with no α of its
        #: own), the text of what None uses, for the note; None: a number is needed.
        self.unset = unset
        localize_label(widget, lang)  # an editable slider's "label：" in Chinese
        p = owner.param[name]
        self.integer = isinstance(p, param.Integer)
        if self.integer:  # the page's note for a refused key says "whole number"
            widget.css_classes = [*widget.css_classes, INTEGER_CLASS]
        self.bounds = bounds if bounds is not None else (getattr(p, "bounds", None)
                                                         or (None, None))
        # The note is made at the first refusal: most boxes never refuse, and each
        # hidden pane cost every page a Bokeh model and the browser a shadow root.
        self.note: pn.pane.HTML | None = None
        self.layout = pn.Column(widget, margin=0, sizing_mode="stretch_width")
        # Named as ``from_param`` names its widgets, so ``Lab.without_hidden`` finds it.
        self.layout._param_name = widget._param_name = name
        self._following = False
        self._refusal = ""
        widget.value = getattr(owner, name)
        widget.param.watch(self._typed, "value")
        # An editable slider: the browser widens its slider to a typed value, refused or
        # not; the slider's range stays the widget's, widened only to the value in use.
        self._slider = getattr(widget, "_slider", None)
        if self._slider is not None and "fixed_end" in widget.param:
            self._slider.param.watch(self._hold_range, ["start", "end"])
        else:
            self._slider = None
        # Every assignment, not only a change: a reset to the value in use starts anew.
        owner.param.watch(self._follow, name, onlychanged=False)

    @property
    def refusal(self) -> str:
        """The note's text: why the last value typed was refused, or ""."""
        return self._refusal if self.note is not None and self.note.visible else ""

    def check(self, value):
        """``value`` as the parameter's type if it may be used.

        Raises:
            ValueError: not a number, not finite, not an integer where one is needed, or
                outside the bounds (the message says which).
        """
        if value is None and self.unset is not None:
            return None
        if value is None or isinstance(value, bool):
            raise ValueError(tr("input.not_a_number", self.lang))
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(tr("input.not_a_number", self.lang)) from None
        if not math.isfinite(number):
            raise ValueError(tr("input.not_finite", self.lang))
        if not self.integer:  # a slider's steps add float noise (0.9960000000000001)
            number = float(f"{number:.12g}")
        if self.integer and not number.is_integer():
            raise ValueError(tr("input.not_integer", self.lang))
        low, high = self.bounds
        if (low is not None and number < low) or (high is not None and number > high):
            raise ValueError(tr("input.outside", self.lang,
                                low="−∞" if low is None else number_text(low),
                                high="∞" if high is None else number_text(high)))
        return int(number) if self.integer else number

    def _typed(self, event):
        if self._following:
            return
        try:
            value = self.check(event.new)
            self.owner.param.update({self.name: value})
        except ValueError as e:
            self._refuse(event.new, str(e).split("\n")[0])
        else:
            self._hide_note()
            if value != event.new and value is not None:
                self._show(value)  # as used (rounded)
            if self._slider is not None:  # a value past the slider's range, used
                w = self.widget
                w.param.update(start=min(w.start, value), end=max(w.end, value))

    def _refuse(self, typed, reason: str):
        used = getattr(self.owner, self.name)
        shown = typed if isinstance(typed, str) or typed is None else number_text(typed)
        self._show(used)  # the box first: whoever reads the note sees the value in use
        self._hold_range()
        self._refusal = tr("input.refused", self.lang, value=shown, reason=reason,
                           used=self.unset() if used is None and self.unset is not None
                           else number_text(used))
        if self.note is None:
            self.note = pn.pane.HTML("", visible=False, margin=(0, 10, 4, 10),
                                     css_classes=["pg-refused"],
                                     styles={"color": "#842029",
                                             "font-size": text_size(12)})
            self.layout.append(self.note)
        set_text(self.note, tagged("pg-refused-text", self._refusal))
        self.note.visible = True

    def _hide_note(self):
        if self.note is not None:
            self.note.visible = False

    def _hold_range(self, _event=None):
        """The slider's range: the widget's, widened to the value in use only."""
        if self._slider is None:
            return
        w, used = self.widget, getattr(self.owner, self.name)
        low, high = w.start, w.end
        if used is not None:
            low, high = min(low, used), max(high, used)
        if (self._slider.start, self._slider.end) != (low, high):
            self._slider.param.update(start=low, end=high)

    def _follow(self, event):
        if self.widget.value != event.new:
            self._show(event.new)
        self._hold_range()
        self._hide_note()  # it spoke of the state before this assignment

    def _show(self, value):
        self._following = True
        try:
            self.widget.value = value
        finally:
            self._following = False


#: The native file input stays in the page (uploads and tests reach it) but unseen: its
#: "Choose File / No file chosen" is in the browser's language, not the page's.
_HIDDEN_FILE_INPUT = "input[type=file] { display: none; }"

#: A click on the picker's button opens the hidden input's file dialog (in the click's
#: own handler, which the browser requires of a file dialog).
_OPEN_FILE_DIALOG_JS = """
const view = Bokeh.index.find_one(upload);
if (view != null && view.input_el != null) view.input_el.click();
"""


class GuardedControls:
    """Boxes bound to ``self.state``'s parameters through ``Guard``s, kept in
    ``self.guards`` by parameter name (a lab's controls mix it in)."""

    def _guard_bounds(self, name: str) -> tuple[float | None, float | None] | None:
        """The bounds a box for parameter ``name`` holds to (None: the parameter's)."""
        return None

    def _guarded(self, name: str, widget, unset: Callable[[], str] | None = None):
        """``widget`` bound to the state's parameter ``name`` through a ``Guard`` (``unset``:
        its own), with the class ``pg-<name>``."""
        widget.css_classes = [*widget.css_classes, f"pg-{name}"]
        self.guards[name] = Guard(widget, self.state, name, self.state.lang,
                                  self._guard_bounds(name), unset)
        return widget

    def _placed(self, widget):
        """What goes in the page for ``widget``: its guard's layout (the box and its
        note) when it has one."""
        return next((g.layout for g in self.guards.values() if g.widget is widget), widget)

    def _show_guarded(self, shown: dict[str, bool]):
        """Show or hide each guarded box named in ``shown``, with its note."""
        for name, visible in shown.items():
            self.guards[name].widget.visible = self.guards[name].layout.visible = visible


def file_picker(upload: pn.widgets.FileInput, label: str, css_class: str,
                **button_params) -> pn.Row:
    """``upload`` behind a button labelled ``label`` in the page's language (CSS class
    ``css_class``): a row of both, the input itself unseen."""
    upload.stylesheets = [*upload.stylesheets, _HIDDEN_FILE_INPUT]
    upload.margin = 0
    button = pn.widgets.Button(name=label, button_type=PAGE_BUTTON, css_classes=[css_class],
                               **button_params)
    button.js_on_click(args={"upload": upload}, code=_OPEN_FILE_DIALOG_JS)
    return pn.Row(button, upload, margin=0, styles={"align-items": "center"})


# -- a file the tab keeps -----------------------------------------------------------------
# A page reloaded (a lab switch, Back/Forward, a reload, a lesson's step) is a new Panel
# session: a file the visitor uploaded is kept by the tab (sessionStorage: this tab only,
# never the link or the server) and sent back to the page whose link names it.

_KEEP_FILE_JS = """
try {{
  if (source.value && source.value.length <= {max_chars})
    sessionStorage.setItem('{key}', JSON.stringify({{name: source.filename, value: source.value}}));
}} catch (e) {{ /* storage off or full: the file is not kept */ }}
"""


def keep_in_tab(upload: pn.widgets.FileInput, key: str, max_bytes: int):
    """The tab keeps ``upload``'s latest file of at most ``max_bytes`` under ``key``
    (``KeptFile`` gives it back); a larger file, or storage turned off or full, is not
    kept (sessionStorage holds about 5 MB per site)."""
    upload.jscallback(value=_KEEP_FILE_JS.format(key=key, max_chars=-(-max_bytes // 3) * 4))


class KeptFile(ReactiveHTML):
    """The tab's file kept under ``key`` (``keep_in_tab``), sent to the server as
    ``kept`` on a page whose link has ``field=value``: its name, ``|``, its base64
    content; just ``|`` when the tab keeps none (``kept_file`` reads it)."""

    key = param.String(default="")
    field = param.String(default="")
    value = param.String(default="")
    kept = param.String(default="")

    _template = "<div id='kept' style='display:none'></div>"
    _scripts = {
        "render": """
          if (new URLSearchParams(window.location.search).get(data.field) !== data.value)
            return;
          let file = null;
          try { file = JSON.parse(sessionStorage.getItem(data.key)); } catch (e) { file = null; }
          data.kept = (file && typeof file.value === 'string' && file.value.length > 0)
            ? (file.name || '') + '|' + file.value : '|';
        """,
    }


def kept_file(kept: str) -> tuple[str, bytes]:
    """``KeptFile.kept`` read: the file's name and content, ``b""`` when the tab kept
    none or sent what is not base64."""
    name, _, encoded = kept.partition("|")
    try:
        return name, base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return name, b""
