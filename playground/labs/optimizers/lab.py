"""The optimizer lab: controls, pictures and the player, wired to one state object."""

from __future__ import annotations

import re

import numpy as np
import panel as pn
import param
from bokeh.events import Tap
from bokeh.models import CustomJS, Line
from panel.io import hold

from ...numerics import critical, race, surfaces
from ...numerics import optimizers as opt
from ...numerics.expression import latex_number
from ...text import DEFAULT_LANGUAGE, TEXT, tr
from ...ui.axes import LEGEND_TEXT_JS, PLAIN_JS, legend_text
from ...ui.caption import clipping as caption_clipping
from ...ui.caption import listed as caption_list
from ...ui.caption import number as setting_text
from ...ui.export import download_button, with_downloads
from ...ui.flow import NO_LEAST_WIDTH, WRAP, chart_room
from ...ui.keyboard import INTO_VIEW
from ...ui.lab import Lab, controls
from ...ui.marks import MARKER_SYMBOLS, VERDICT_MARKERS
from ...ui.markup import notice, set_notice, text_html
from ...ui.present import (
    FOCUS_RING,
    FORMULA_BOX,
    MATH_FONT,
    PAGE_BUTTON,
    PLAYER_CSS,
    ink,
    text_size,
)
from ...ui.schedule import BOXES as SCHEDULE_BOXES
from ...ui.schedule import boxes_shown, schedule_and_clip
from ...ui.session import Worker
from ...ui.widgets import (
    GuardedControls,
    decades_format,
    dress_widgets,
    number_text,
    respond_at_once,
    set_text,
)
from .plots import COLORS, RUN_FRAMES, RacePlots, Surface3D
from .state import KNOB_PARAMS, OptimizerLabState, custom_lesson, hp_param

#: CSS for a formula card: at most 900 px wide, 1,260 px in lecture mode.
CARD_WIDTH = ":host { max-width: calc(900px + var(--pg-lecture, 0) * 360px); }"
#: CSS for a LaTeX pane: the lines of an array or aligned block start at the left.
LEFT_ALIGNED_MATH = "mtd { text-align: left; }"
#: The charts' axes, toolbar and margins beside their frames, in plain and lecture mode
#: (measured: 78 and 100 px for the surface, 69 and 88 px for the loss chart).
SURFACE_ROOM = chart_room(100, 120)
LOSS_ROOM = chart_room(90, 110)


#: About how many characters of a formula the sidebar shows on one line at 17 px
#: (``shown_length``; measured: Beale's first 30 and Rastrigin's first 28 fitted).
FORMULA_LINE_CHARS = 26
#: In lecture mode (a 320-px column, formulas at 24 px): Rosenbrock's 20 ran off its edge.
LECTURE_FORMULA_LINE_CHARS = 15


def shown_length(latex: str) -> int:
    """About how many characters ``latex`` shows: its commands' names as written for
    functions (``\\cos``: 3), one for a symbol (``\\pi``), no braces or ``\\left``."""
    text = re.sub(r"\\(left|right)\b", "", latex)
    text = re.sub(r"\\(sin|cos|tan|exp|ln|tanh|sinh|cosh|arctan|min|max)\b", r"\1", text)
    text = re.sub(r"\\[A-Za-z]+", "x", text)
    return len(re.sub(r"[{}^_\s]", "", text))


def formula_lines(surface, width: int = FORMULA_LINE_CHARS) -> str:
    """The surface's formula for the sidebar (LaTeX, no ``$``): on several lines, each
    starting with its + or − (a line of terms no longer than ``width`` characters
    shown, ``shown_length``), where it is longer than that; else ``surface.latex``."""
    terms = getattr(surface.fn, "latex_terms", None)
    if terms is None or shown_length(surface.latex) <= width:
        return surface.latex
    lines, empty = [surface.latex[:surface.latex.index("=") + 1]], True  # "f ="
    for term in terms():
        if not empty and shown_length(f"{lines[-1]} {term}") > width:
            lines.append(r"\qquad " + term)
        else:
            lines[-1] = f"{lines[-1]} {term}"
        empty = False
    return r"\begin{array}{l}" + r" \\ ".join(lines) + r"\end{array}"


def _latex_number(value: float) -> str:
    return latex_number(float(value), significant=4)  # the cards show 4 digits


def formula_with_values(name: str, h: dict, scheduled: bool) -> str:
    """The optimizer's update rule with the user's numbers in place of its symbols."""
    latex = opt.symbolic_latex(name, h)
    for hp, knob in opt.KNOBS.items():
        if hp not in h or knob.flag or (hp == "lr" and scheduled):
            continue
        value = _latex_number(h[hp])
        latex = re.sub(re.escape(knob.latex) + r"(?![A-Za-z_])", lambda _m, v=value: v, latex)
    if scheduled:
        latex = latex.replace(opt.KNOBS["lr"].latex, opt.KNOBS["lr"].latex + "_t")
    return latex


def wrapping_math(latex: str) -> str:
    """A rule of several assignments (``a \\leftarrow …,\\quad b = …``) as one formula
    each, a comma in it and an em space between them: the line breaks between them
    where the page is narrow (Adam's rule with its numbers, 870 px, scrolled sideways
    in a 1280-px window)."""
    parts = latex.split(r",\quad ")
    return "\u2003".join(f"${part}{',' if i < len(parts) - 1 else ''}$"
                          for i, part in enumerate(parts))


def _vec(v) -> str:
    return rf"\begin{{pmatrix}}{_latex_number(v[0])}\\ {_latex_number(v[1])}\end{{pmatrix}}"


def formula_at_step(name: str, result, t: int, h: dict | None = None) -> str | None:
    """The update of step t + 1 with the recorded numbers: θₜ₊₁ from θₜ, g, α and the
    optimizer's state before and after the step (its registry entry's ``at_step``).

    Every number comes from the race's records or from ``h`` (the knobs; default:
    the optimizer's defaults), so the right-hand side equals the next point of the
    trajectory (tests recompute it from the numbers shown).  At the run's last step it
    is the update a further step would make, the one the state table and the arrows
    show there.  None past the iterates reached, or where the update has no finite
    result (a divergence, an undefined gradient).
    """
    k = opt.NAMES.index(name)
    if t >= result.good_rows(k) or not np.all(np.isfinite(result.points[t, k]
                                                          + result.step[t, k])):
        return None
    h = opt.hyperparams_for(name, h)
    before = (lambda field: getattr(result, field)[t - 1, k] if t > 0
              else np.zeros(2))  # every state starts at 0
    fields = {
        "t": str(t + 1), "theta": _vec(result.points[t, k]), "g": _vec(result.grad[t, k]),
        "alpha": _latex_number(result.lr[t, k]),
        "new": _vec(result.points[t, k] + result.step[t, k]),
        "velocity": _vec(result.velocity[t, k]), "velocity_prev": _vec(before("velocity")),
        "second": _vec(result.second_moment[t, k]),
        "second_prev": _vec(before("second_moment")),
        **{hp: _latex_number(h[hp]) for hp in opt.KNOBS},
    }
    return re.sub(r"<(\w+)>", lambda m: fields[m.group(1)], opt.OPTIMIZERS[name].at_step)


#: The player's view in the browser redraws its range input from its model.
REDRAW_PLAYER_JS = """
const view = Bokeh.index.find_one(cb_obj);
if (view != null && view.sliderEl != null) view.update_value();
"""
#: The step beside the player's title: Panel's player writes it only when the reader
#: moves the player, not when the server sets its value (a new number of steps).
PLAYER_TITLE_JS = """
const view = Bokeh.index.find_one(cb_obj);
if (view != null && view.titleEl != null) view.update_title_and_value();
"""


#: Once the 3-D view has arrived in the page (polled, up to 5 s), scroll it into sight.
SCROLL_TO_3D_JS = """
if (!cb_obj.active) return;  // Panel's Checkbox is Bokeh's, whose value is `active`
let tries = 0;
const go = () => {  // the view is made on the server once ticked: found by its name
  const model = Bokeh.documents[0].get_model_by_name("pg-view-3d");
  const view = model == null ? null : Bokeh.index.find_one(model);
  // drawn, not only in the page: a column still hidden would not scroll
  if (view != null && view.el.getBoundingClientRect().height > 100) {
    view.el.scrollIntoView({behavior: "smooth", block: "nearest"});
  } else if (tries++ < 50) {
    setTimeout(go, 100);
  }
};
setTimeout(go, 100);
"""


#: Each optimizer's legend entry at the step shown (``ui.axes.LEGEND_TEXT_JS``): its
#: loss there, or from the step where it stopped, why (``meta.stopped``).
LEGEND_JS = PLAIN_JS + LEGEND_TEXT_JS + r"""
const t = Math.max(0, Math.round(cursor.location));
const names = meta.data.name;
for (let k = 0; k < names.length; k++) {
  const d = fulls[names[k]].data, n = d.loss.length;
  if (n === 0) continue;
  items[names[k]].label = {value: pgLegendText(
    t, meta.data.label[k], d.loss[Math.min(t, n - 1)], meta.data.diverged[k],
    meta.data.last[k], meta.data.stopped[k], words)};
}
"""


class OptimizerLab(Lab, GuardedControls):
    """Optimizers racing on a 2-D loss surface (the lab contract: ``ui.lab.Lab``)."""

    state = param.ClassSelector(class_=OptimizerLabState)

    def __init__(self, **params):
        super().__init__(**params)
        lang = self.state.lang
        self.plots = RacePlots(lang)
        self.message = notice("warning", css_classes=["pg-message"])
        # Why a run stopped and what to do, under the pictures: above them it pushed the
        # surface's legend below a 720-px window (the legend says "diverged at step k").
        self.stop_hint = notice("warning", css_classes=["pg-stop-hint"])
        self.player = pn.widgets.Player(
            start=0, end=1, value=0, interval=60, loop_policy="once", show_loop_controls=False,
            width=460, show_value=True, css_classes=["pg-player"], stylesheets=[PLAYER_CSS],
            name=tr("plot.step", self.state.lang))
        self.player.jscallback(value="cursor.location = cb_obj.value",
                               args={"cursor": self.plots.step_cursor})
        # Panel's player redraws its range input only when its value changes (not its
        # start or end): a new run's range must reach the input whatever the order.
        # (One callback each: Panel registers one property per jscallback call.)
        self.player.jscallback(end=REDRAW_PLAYER_JS)
        self.player.jscallback(start=REDRAW_PLAYER_JS)
        self.player.jscallback(value=PLAYER_TITLE_JS)
        # The legend gives each optimizer's loss at the step shown (as the readout does).
        legend = CustomJS(code=LEGEND_JS, args={
            "cursor": self.plots.step_cursor, "meta": self.plots.meta,
            "fulls": dict(self.plots.full), "items": dict(self.plots.legend_items),
            "words": legend_text(lang)})
        self.plots.step_cursor.js_on_change("location", legend)
        self.plots.meta.js_on_change("data", legend)
        # Pressing play at the last step replays from the first.
        self.player.jscallback(direction="""
            if (cb_obj.direction == 1 && cb_obj.value >= cb_obj.end) { cb_obj.value = 0 }""")
        self.speed = pn.widgets.Select(name=tr("speed", lang), options=[1, 2, 5, 10, 20, 50, 100],
                                       value=1, width=160)  # its label whole at 20 px
        self.speed.param.watch(lambda e: setattr(self.player, "step", e.new), "value")
        # Beside the player; in lecture mode in the sidebar's Run section (Controls), so
        # that the large headline fits beside the player (under it, three optimizers'
        # losses took 80 px from the surface on a 720-px projector).
        self.speed_beside = pn.Column(self.speed, margin=0)
        self.speed_in_sidebar = pn.Column(margin=0, visible=False)
        self.surface_pane = pn.pane.Bokeh(self.plots.surface_fig, sizing_mode="stretch_width")
        self.loss_pane = pn.Column(
            pn.pane.Bokeh(self.plots.loss_fig["linear"], sizing_mode="stretch_width"),
            sizing_mode="stretch_width")  # the log-scale chart joins when first asked for
        self.readout_pane = pn.pane.Bokeh(self.plots.readout, sizing_mode="stretch_width")
        # What g is where the update saw another gradient than ∇L (noise, clipping): the
        # table, the arrows and the worked updates use it, the critical-point check ∇L
        # (two gradients at one point, unexplained, read as a mistake).
        self.gradient_note = pn.pane.HTML("", visible=False, sizing_mode="stretch_width",
                                          css_classes=["pg-gradient-note"],
                                          styles={"font-size": text_size(14),
                                                  "color": "var(--pg-muted, #555)",
                                                  "padding": "0 12px"})
        # Shown and hidden through a Column: toggling a Bokeh pane's own visibility
        # trips a Panel bug (stylesheet types).  The 3-D figure is built when first
        # shown.
        self.surface_3d = None
        self._lecture = False  # lecture mode, as display_changed last said
        self.view_3d = pn.Column(sizing_mode="stretch_width", visible=False)
        self.formulas = pn.FlexBox(sizing_mode="stretch_width")
        self.critical_md = pn.pane.Markdown("", sizing_mode="stretch_width",
                                            css_classes=["pg-critical"],
                                            styles={"font-size": text_size(15)})
        self.surface_info = pn.pane.Markdown("", sizing_mode="stretch_width")
        # A long formula (Rastrigin's) scrolls sideways in the sidebar, never cut off.
        self.surface_formula = pn.pane.LaTeX("", styles={"font-size": text_size(17)},
                                             stylesheets=[LEFT_ALIGNED_MATH, FORMULA_BOX,
                                                          MATH_FONT],
                                             css_classes=["pg-surface-formula"])
        # Both scrolled into the sidebar's view when shown (``INTO_VIEW``): in lecture mode
        # the box sits at the window's foot, and its error fell below it (Enter seemed to
        # do nothing).
        self.expression_error = notice("danger", css_classes=["pg-expression-error", INTO_VIEW])
        # A typed formula compiles on a worker thread in the live page (``start``).
        self.compiling = pn.pane.HTML(
            f"<span style='font-size:{text_size(15)};color:var(--pg-muted,#555)'>"
            f"{tr('surface.expression.compiling', lang)}</span>",
            visible=False, css_classes=["pg-compiling", INTO_VIEW])

        self.worker = Worker(on_error=self._on_work_failed,
                             on_busy=lambda busy: setattr(self.compiling, "visible", busy),
                             name="formula")
        self.plots.surface_fig.on_event(Tap, self._on_tap)
        self._build_controls()
        self.sidebar()  # built here, on the thread that prepares the page
        self.formula_cards, self.step_captions = {}, {}  # built with the details
        self._details_built = False
        self._started = False

    URL_TRIGGERS = ("result", "optimizers", "surface", "expression", "step", "view_3d",
                    "log_loss", "paths")
    URL_REPLACES = ("step",)  # the player's step rewrites the history entry it is in

    def prepare(self):
        """Draw the surface and the first race, before the lab is in the page (the
        numbers are usually computed already: ``OptimizerLabState.precompute``), so
        the pictures go to the browser with the lab itself."""
        if self._started:
            return
        self._started = True
        self._redraw_surface()
        if self.state.result is None and not self.state.error:
            self.state.compute()  # its result redraws the race
        else:
            self._redraw_race()

    def start(self, doc=None):
        """In the live page: move the player to its step, which animates the picture.

        Panel's Player sets its range input's value before its max when it first
        renders, so a step above 100 would show the thumb at 100; moving the value
        once the page exists puts it right and runs the browser-side animation.
        """
        self.prepare()
        doc = doc or pn.state.curdoc
        if doc is not None and doc.session_context is not None and self.worker.doc is None:
            self.worker.attach(doc)
            self.state.run_slow_work = self.worker.submit
        step = self.player.value
        if step == 0:  # e.g. every run stopped at its start: move the step cursor instead
            cursor = self.plots.step_cursor
            cursor.location = -1  # the animation shows step max(0, ·)
            if doc is None:
                cursor.location = 0
            else:
                doc.add_next_tick_callback(lambda: setattr(cursor, "location", 0))
            return
        self.player.value = step - 1
        if doc is None:
            self.player.value = step
        else:
            doc.add_next_tick_callback(lambda: setattr(self.player, "value", step))

    def display_changed(self, display):
        """Lecture mode's sizes for the 3-D view's axes (drawn as text glyphs, which
        the shell's styling of axes does not reach), and the speed's place (beside the
        player, or in the sidebar)."""
        super().display_changed(display)
        if self._lecture != display.present:
            self._lecture = display.present
            if self._started:
                self._show_surface_formula()
        there, empty = ((self.speed_in_sidebar, self.speed_beside) if display.present
                        else (self.speed_beside, self.speed_in_sidebar))
        if self.speed not in there.objects:  # (called again while the display lasts)
            empty.param.update(objects=[], visible=False)  # (an empty column kept its width)
            there.param.update(objects=[self.speed], visible=True)
        if self.surface_3d is not None:
            self.surface_3d.set_lecture(display.present)

    def thick_renderers(self) -> list:
        """Lecture mode thickens the paths and the loss curves, not the contours."""
        plots = self.plots
        curves = [r for f in plots.loss_fig.values() for r in f.renderers
                  if isinstance(getattr(r, "glyph", None), Line)]
        return [*plots.path_renderers.values(), *plots.trail_renderers.values(), *curves]

    # -- controls ------------------------------------------------------------------

    def _build_controls(self):
        s, lang = self.state, self.state.lang
        surface_names = {tr(f"surface.{k}.name", lang): k for k in s.param.surface.objects}
        self.surface_select = pn.widgets.Select.from_param(
            s.param.surface, name=tr("surface", lang), options=surface_names,
            css_classes=["pg-surface"])
        self.expression_input = pn.widgets.TextInput.from_param(
            s.param.expression, name=tr("surface.expression", lang))
        # Typed numbers go through a guard: refused at the box, never silently ignored.
        self.guards = {}
        self.x0 = self._guarded("x0", pn.widgets.FloatInput(name=tr("start.x", lang), step=0.1,
                                                            width=110))
        self.y0 = self._guarded("y0", pn.widgets.FloatInput(name=tr("start.y", lang), step=0.1,
                                                            width=110))
        self.optimizer_boxes = pn.widgets.CheckBoxGroup.from_param(
            s.param.optimizers, name=tr("optimizers", lang),
            options={tr(f"optimizer.{n}", lang): n for n in opt.NAMES}, inline=False,
            css_classes=["pg-optimizers"])
        # An optimizer's knobs are built when its card is first opened: six cards of
        # sliders cost a tenth of a second to build and more to draw in the browser,
        # and the cards start closed.
        self.hp_widgets = {}
        cards = []
        for name in opt.NAMES:
            card = pn.Card(title=tr(f"optimizer.{name}", lang), collapsed=True,
                           header_color=ink(COLORS[name]), sizing_mode="stretch_width",
                           styles={"border-left": f"5px solid {COLORS[name]}"},
                           stylesheets=[FOCUS_RING])  # (its header had none)
            card.param.watch(lambda _e, n=name: self._fill_card(n), "collapsed")
            cards.append(card)
        self.hp_cards = dict(zip(opt.NAMES, cards, strict=True))
        self.steps = self._guarded("steps", pn.widgets.EditableIntSlider(
            name=tr("steps", lang), start=10, end=5000, step=10))
        self.noise = self._guarded("noise", pn.widgets.EditableFloatSlider(
            name=tr("noise", lang), start=0.0, end=s.param.noise.softbounds[1], step=0.01))
        self.seed = self._guarded("seed", pn.widgets.IntInput(name=tr("seed", lang), width=110))
        boxes = schedule_and_clip(
            self, {"schedule": tr("schedule", lang), "every": tr("schedule.every", lang),
                   "factor": tr("schedule.factor", lang), "gamma": tr("schedule.gamma", lang),
                   "clip": tr("clip", lang), "c": tr("clip.value_label", lang)},
            lambda kind: tr(f"schedule.{kind}", lang), lambda kind: tr(f"clip.{kind}", lang))
        self.schedule, self.clip = boxes["schedule"], boxes["clip"]
        self.schedule_every, self.schedule_factor, self.schedule_gamma, self.clip_value = (
            boxes[name] for name in SCHEDULE_BOXES)
        # The view's switches are the state's (``step``, ``view_3d``, ``log_loss``,
        # ``paths``): a link and Back/Forward carry them.
        self.log_loss = pn.widgets.Checkbox(name=tr("view.log_loss", lang),
                                            value=s.log_scale(), css_classes=["pg-log-loss"])
        self.show_paths = pn.widgets.Checkbox.from_param(s.param.paths, name=tr("view.paths", lang),
                                                         css_classes=["pg-paths"])
        self.show_3d = pn.widgets.Checkbox.from_param(s.param.view_3d, name=tr("view.3d", lang),
                                                      css_classes=["pg-view-3d"])
        s.param.watch(lambda _e: self._redraw_3d(), "view_3d")
        # Ticked, the view appears below the formulas' table, under the fold at 1280×720:
        # the page scrolls to it once it has arrived.
        self.show_3d.jscallback(value=SCROLL_TO_3D_JS)
        self.reset = pn.widgets.Button(name=tr("reset", lang), button_type=PAGE_BUTTON)
        self.reset.on_click(lambda _e: self.state.reset_to_surface_defaults())
        controls(self.reset, *s.surface_defaults())
        controls(self.log_loss, "log_loss")
        self.log_loss.param.watch(self._on_log_loss_ticked, "value")
        s.param.watch(lambda _e: setattr(self.log_loss, "value", s.log_scale()), "log_loss")
        self._show_log_loss(self.log_loss.value)
        s.param.watch(lambda e: self.plots.set_paths_visible(e.new), "paths")
        self.player.param.watch(self._on_player_pause, ["value_throttled", "direction"])
        self.player.param.watch(self._on_player_step, "value")
        s.param.watch(self._on_step, "step")
        self._sync_visibility()

    def hp_widget(self, p: str):
        """The widget of hyper-parameter ``p`` (e.g. ``"sgd_lr"``), built on first use
        from its knob's entry: a checkbox for a flag, a slider whose range follows the
        surface for α, a typed number for a knob spanning decades, else a slider."""
        if p not in self.hp_widgets:
            s, lang = self.state, self.state.lang
            knob = opt.KNOBS[KNOB_PARAMS[p][1]]
            label = tr(f"hp.{knob.short}", lang)
            if knob.flag:
                w = pn.widgets.Checkbox.from_param(s.param[p], name=label)
            elif knob.key == "lr":
                w = self._guarded(p, pn.widgets.EditableFloatSlider(
                    name=label, format="0.[00000]", **self._lr_range(p)))
            elif knob.log:
                w = self._guarded(p, pn.widgets.FloatInput(name=label, format=decades_format()))
            else:
                w = self._guarded(p, pn.widgets.EditableFloatSlider(
                    name=label, start=knob.soft[0], end=knob.soft[1], step=knob.step))
            respond_at_once([w])  # the composite and the widgets inside it
            self.hp_widgets[p] = w
        return self.hp_widgets[p]

    @classmethod
    def warm_up(cls):
        """Compile (or load from the disk cache) what drawing each preset surface needs:
        a race, its critical points and its grid."""
        for key in surfaces.PRESETS:
            s = surfaces.SURFACES[key]
            race.run_race(s.fn, race.make_settings(s.start, s.defaults, steps=s.steps))
            critical.critical_points(s)
            surfaces.grid(s)

    def _guard_bounds(self, p: str) -> tuple[float, float] | None:
        """A knob's box holds to the knob's bounds (the registry's), others to their
        parameter's."""
        if p not in KNOB_PARAMS:
            return None
        knob = opt.KNOBS[KNOB_PARAMS[p][1]]
        return knob.low, knob.high

    def _fill_card(self, name: str):
        card = self.hp_cards[name]
        if not card.objects:
            objects = self.without_hidden([self._placed(self.hp_widget(hp_param(name, hp)))
                                           for hp in opt.OPTIMIZERS[name].hyperparams])
            dress_widgets(objects)  # (as the shell dresses the controls it was given)
            card.objects = objects

    def _lr_range(self, p: str) -> dict:
        """A learning-rate slider's range for this surface: up to 5× its default."""
        default = self.state.surface_defaults()[p]
        return {"start": 0.0, "end": float(f"{5 * default:.2g}"),
                "step": float(f"{default / 50:.2g}")}

    def _on_log_loss_ticked(self, event):
        s = self.state
        s.log_loss = ("auto" if event.new == bool(s.active_surface.log_levels)
                      else ("on" if event.new else "off"))
        self._show_log_loss(event.new)

    def _show_log_loss(self, log: bool):
        with hold():  # one chart out, the other in, in one message
            if log and "log" not in self.plots.loss_fig:
                self.loss_pane.append(pn.pane.Bokeh(self.plots.log_loss_figure(),
                                                    sizing_mode="stretch_width"))
            self.plots.set_log_loss(log)

    def build_sidebar(self) -> list:
        lang = self.state.lang
        return [
            self.surface_select, self.surface_info, self.surface_formula,
            self.expression_input, self.compiling, self.expression_error,
            pn.pane.Markdown(f"**{tr('start', lang)}**"),
            pn.Row(self._placed(self.x0), self._placed(self.y0)),
            pn.pane.Markdown(f"**{tr('optimizers', lang)}**"), self.optimizer_boxes,
            *self.hp_cards.values(),
            pn.pane.Markdown(f"**{tr('run', lang)}**"), self.speed_in_sidebar,
            self._placed(self.steps),
            self._placed(self.noise),
            # (Gone with the slider when a page hides it: it explained a control not there.)
            controls(pn.pane.Markdown(tr("noise.help", lang),
                                      styles={"font-size": text_size(12)}), "noise"),
            self._placed(self.seed), self.schedule,
            pn.Row(*map(self._placed, (self.schedule_every, self.schedule_factor,
                                       self.schedule_gamma))),
            self.clip, self._placed(self.clip_value),
            pn.pane.Markdown(f"**{tr('view', lang)}**"), self.log_loss, self.show_paths,
            self.show_3d,
            self.reset, download_button(self.state, "optimizers", lambda: self.theme),
        ]

    def main(self) -> list:
        """The pictures: what the page shows first."""
        lang = self.state.lang
        return [
            pn.Column(
                self.message,
                # The headline goes under the player where the row is too narrow.
                # (WRAP: Bokeh's own min-width for a Row, its children's sum, held an
                # embedding frame 620 px wide, cut off under a 640-px iframe's scroll bar.)
                pn.Row(self.player, self.speed_beside,
                       pn.pane.Bokeh(self.plots.headline, sizing_mode="stretch_width",
                                     min_width=320, margin=(5, 0, 5, 16)),
                       sizing_mode="stretch_width", stylesheets=[WRAP]),
                # Side by side (3 : 2) where each chart has room, else the loss chart
                # and the critical-point text below the surface.
                pn.Row(
                    pn.Column(with_downloads(self.surface_pane, "surface", self.state),
                              sizing_mode="stretch_width", styles={"flex": "3 1 0"},
                              stylesheets=[SURFACE_ROOM]),
                    pn.Column(with_downloads(self.loss_pane, "loss", self.state),
                              # A heading larger than the text under it (15 px).
                              pn.pane.HTML(f"<b>{text_html(tr('critical', lang))}</b>",
                                           styles={"font-size": text_size(18)},
                                           margin=(10, 10, 0, 10),
                                           css_classes=["pg-critical-title"]),
                              self.critical_md, sizing_mode="stretch_width",
                              styles={"flex": "2 1 0"}, stylesheets=[LOSS_ROOM]),
                    sizing_mode="stretch_width", stylesheets=[WRAP]),
                # Never squeezed by the page's scrolling column: the critical-point text
                # would run under the readout below.  (Nor held wider than its frame by
                # Bokeh's min-width, its rows' unwrapped sum: see the player's row.)
                sizing_mode="stretch_width", styles={"flex-shrink": "0", "max-height": "none"},
                stylesheets=[NO_LEAST_WIDTH]),
        ]

    def details(self) -> list:
        """Below the pictures: the state table, the 3-D view and the formulas."""
        lang = self.state.lang
        if not self._details_built:
            self._details_built = True
            self._show_formulas()
            self._show_critical()
            self._show_gradient_note()
            self.plots.show_critical_points(self.state.shown_surface)
        return [
            self.stop_hint,
            self.readout_pane,
            self.gradient_note,
            self.view_3d,
            pn.Column(pn.pane.Markdown(f"### {tr('formulas', lang)}"), self.formulas,
                      sizing_mode="stretch_width"),
        ]

    def __panel__(self):
        return pn.Row(pn.Column(*self.sidebar(), width=330),
                      pn.Column(*self.main(), *self.details()))

    # -- reactions -----------------------------------------------------------------

    @param.depends("state.surface", "state.optimizers", "state.schedule", "state.clip",
                   watch=True)
    def _sync_visibility(self):
        s = self.state
        self.expression_input.visible = s.surface == surfaces.CUSTOM
        for name, card in self.hp_cards.items():
            card.visible = name in s.optimizers
        self._show_guarded(boxes_shown(s))

    def _show_surface_formula(self):
        """The surface's formula in the sidebar, on as many lines as its width needs."""
        width = LECTURE_FORMULA_LINE_CHARS if self._lecture else FORMULA_LINE_CHARS
        formula = f"${formula_lines(self.state.active_surface, width)}$"
        if self.surface_formula.object != formula:
            self.surface_formula.object = formula

    @param.depends("state.active_surface", watch=True)
    def _redraw_surface(self):
        if not self._started:
            return
        s = self.state
        surface = s.active_surface
        lesson = (custom_lesson(s.lang) if surface.key == surfaces.CUSTOM
                  else tr(f"surface.{surface.key}.lesson", s.lang))
        self.surface_info.object = lesson
        self._show_surface_formula()
        self._show_surface()
        self.log_loss.value = self.state.log_scale()
        for name in opt.NAMES:  # slider ranges that suit this surface's learning rates
            p = hp_param(name, "lr")
            if p in self.hp_widgets:
                self.hp_widgets[p].param.update(**self._lr_range(p))
        self._show_critical()

    def _show_surface(self):
        """The contours (and critical points, once the details are built) over the view
        the start needs (``state.shown_surface``)."""
        surface = self.state.shown_surface
        self.plots.show_surface(surface)
        if self._details_built:  # else they come with the details
            self.plots.show_critical_points(surface)

    @param.depends("state.noise", "state.clip", "state.clip_value", watch=True)
    def _show_gradient_note(self):
        """Under the state table, with noise or clipping on: g is the gradient the update
        used, ∇L plus the step's noise (the same for every optimizer), then clipped."""
        s = self.state
        kind = ("both" if s.noise > 0 and s.clip != "none" else "noise" if s.noise > 0
                else "clip" if s.clip != "none" else None)
        text = "" if kind is None else tr(
            f"readout.g_note.{kind}", s.lang, noise=setting_text(s.noise),
            clipping=caption_clipping(s.clip, s.clip_value, s.lang))
        self.gradient_note.param.update(object=text, visible=bool(text))

    @param.depends("state.steps", watch=True)
    def _pick_speed(self):
        """About ``RUN_FRAMES`` frames for a whole run, so long runs still play in seconds."""
        wanted = self.state.steps / RUN_FRAMES
        self.speed.value = next((v for v in self.speed.options if v >= wanted),
                                self.speed.options[-1])

    @param.depends("state.surface_error", watch=True)
    def _show_expression_error(self):
        set_notice(self.expression_error, [self.state.surface_error])

    @param.depends("state.result", "state.optimizers", "state.error", watch=True)
    def _redraw_race(self):
        if not self._started:
            return
        with hold():  # every change below reaches the browser in one message
            self._redraw_race_held()

    def _redraw_race_held(self):
        s = self.state
        self.show_message()
        if s.shown_surface is not self.plots.drawn_surface:  # a start outside the view
            self._show_surface()
        self.plots.frame(s.shown_surface)
        self.plots.show_race(s.result, s.racers, (s.x0, s.y0), show_paths=s.paths)
        rows = self._last_step()
        # end = 0 when every run stopped at its start (e.g. √x at x = 0): only step 0 exists
        self.player.param.update(end=rows, value=self._shown_step(rows))
        self._show_formulas()
        self._show_critical()
        self._redraw_3d()

    def _last_step(self) -> int:
        """The last step one of the shown optimizers reached (panels speak only of steps
        that exist)."""
        r = self.state.result
        return 0 if r is None else r.last_step(self.state.optimizers)

    def _shown_step(self, rows: int) -> int:
        """The step the player shows: the state's (a link's), else the last of ``rows``."""
        step = self.state.step
        return rows if step < 0 else min(step, rows)

    def _on_step(self, _event):
        """A link (Back/Forward) set the step: the player goes there."""
        s = self.state
        if s.result is not None and self.player.direction == 0:
            self.player.value = self._shown_step(self._last_step())

    def _redraw_3d(self):
        s = self.state
        if s.view_3d and self.surface_3d is None:
            # Drawn before it joins the page, so it arrives whole: Panel may send a change
            # to a model before the model itself, which the browser then drops (a blank
            # view, "unknown reference").
            self.surface_3d = Surface3D(s.lang)
            self.surface_3d.set_lecture(self._lecture)
            self.surface_3d.show(s.shown_surface, s.result, s.racers)
            self.surface_3d.project()
            self.view_3d.objects = [pn.pane.Bokeh(self.surface_3d.layout,
                                                  sizing_mode="stretch_width")]
        elif s.view_3d and self._started:
            self.surface_3d.show(s.shown_surface, s.result, s.racers)
        self.view_3d.visible = s.view_3d

    def show_message(self):
        """What a link could not apply, any run error and "no optimizer chosen"; under the
        pictures, which runs stopped and what to do about it."""
        empty = "" if self.state.optimizers else tr("optimizers.none", self.state.lang)
        set_notice(self.message, (self.link_problems, self.state.error, empty))
        set_notice(self.stop_hint, [self._diverged_hint()])

    def _diverged_hint(self) -> str:
        """The runs shown that diverged, and why: a loss that grew (each step overshot:
        a smaller α helps; the legend said "diverged at step 2" and no more, a typed
        Rosenbrock at the default α) or one that fell without bound (the surface goes
        down for ever that way: a smaller α helps only where a valley is near, as on
        x² − x⁴/10 + y², not on x·y)."""
        s, result = self.state, self.state.result
        if result is None:
            return ""
        grew, fell, left = [], [], []
        for name in s.racers:
            k = opt.NAMES.index(name)
            stop = result.stop(k)
            if stop is not None and stop[0] == "outside":  # a step past the domain's edge
                left.append(tr(f"optimizer.{name}", s.lang))
            if stop is None or stop[0] != "diverged":
                continue
            losses = result.loss[:stop[1], k]
            losses = losses[np.isfinite(losses)]
            down = losses.size > 1 and losses[-1] < losses[0]
            (fell if down else grew).append(tr(f"optimizer.{name}", s.lang))
        return " ".join(tr(key, s.lang, names=caption_list(names, s.lang))
                        for key, names in (("race.diverged_hint", grew),
                                           ("race.unbounded_hint", fell),
                                           ("race.outside_hint", left)) if names)

    def _build_formula_cards(self):
        """A card for each shown optimizer that has none yet (with the details: after the
        first picture is in the page; an optimizer's when it is first shown: the six
        cards' 36 panes were most of the last step of joining a page); races only
        change their text."""
        lang = self.state.lang
        missing = [n for n in self.state.optimizers if n not in self.formula_cards]
        for name in missing:
            title = pn.pane.Markdown("", styles={"color": ink(COLORS[name]),
                                                   "font-size": text_size(15)})
            symbolic = pn.pane.LaTeX(wrapping_math(opt.symbolic_latex(name)),
                                     styles={"font-size": text_size(16)},
                                     stylesheets=[FORMULA_BOX, MATH_FONT],
                                     css_classes=["pg-formula"])
            with_values = pn.pane.LaTeX("", styles={"font-size": text_size(16)},
                                        stylesheets=[FORMULA_BOX, MATH_FONT],
                                     css_classes=["pg-formula"])
            # The browser draws KaTeX's MathML, whose table cells it centres whatever
            # array{l} says: each line of the step starts at the left.
            at_step = pn.pane.LaTeX("", styles={"font-size": text_size(15)},
                                    stylesheets=[LEFT_ALIGNED_MATH, FORMULA_BOX, MATH_FONT],
                                    css_classes=["pg-formula"])
            # Which update the numbers are: the state table shows step t, the card t → t+1.
            caption = pn.pane.Markdown("", css_classes=["pg-at-step-caption"],
                                       styles={"font-size": text_size(13),
                                               "color": ink("#555555")})
            self.step_captions[name] = caption
            # As wide as the page allows up to 900 px (Adam's numbers need about 800 px),
            # 1,260 px in lecture mode (its type is 1.4 × as large); narrower with the
            # page (a frame), where formulas scroll.
            card = pn.Column(title, symbolic, with_values, caption, at_step, visible=False,
                             sizing_mode="stretch_width", stylesheets=[CARD_WIDTH],
                             styles={"border-left": f"4px solid {COLORS[name]}",
                                     "padding-left": "10px"})
            self.formula_cards[name] = (card, title, symbolic, with_values, at_step)
        if missing:
            self.formulas.objects = [self.formula_cards[n][0] for n in opt.NAMES
                                     if n in self.formula_cards]
        del lang

    def _show_formulas(self):
        if not self._details_built:
            return
        s = self.state
        self._build_formula_cards()
        hyper = s.hyperparams()
        # At the last step: the update a further step would make (the table's, the arrows').
        shown_step = max(min(int(self.player.value), int(self.player.end)), 0)
        said = False  # the caption in full under the first card; under the others, short
        for name, (card, title, symbolic, with_values, at_step) in self.formula_cards.items():
            card.visible = name in s.optimizers
            if not card.visible:
                continue
            # The optimizer's note, or what a flag knob switched off changes (text key
            # ``optimizer.no_<knob>``, e.g. Adam without bias correction).
            keys = [f"optimizer.no_{knob}" for knob in opt.OPTIMIZERS[name].latex_off
                    if not hyper[name].get(knob, opt.KNOBS[knob].default)]
            keys = [k for k in [*keys, f"optimizer.{name}.note"] if k in TEXT[DEFAULT_LANGUAGE]]
            note = tr(keys[0], s.lang) if keys else ""
            bold = f"**{tr(f'optimizer.{name}', s.lang)}**"
            set_text(title, bold + (tr("widget.colon", s.lang) + note if note else ""))
            # The rule in symbols as its flag knobs set it (Adam without bias correction:
            # m̂ = m), the same rule as the line with the numbers below it.
            set_text(symbolic, wrapping_math(opt.symbolic_latex(name, hyper[name])))
            set_text(with_values, wrapping_math(
                formula_with_values(name, hyper[name], s.schedule != "constant")))
            numbers = (formula_at_step(name, s.result, shown_step, hyper[name])
                       if s.result is not None else None)
            set_text(at_step, f"${numbers}$" if numbers else "")
            at_step.visible = self.step_captions[name].visible = bool(numbers)
            last = shown_step >= int(self.player.end)  # (the player is at the last step)
            if said:  # (six cards said the same three lines)
                caption = tr("formula.at_step.again", s.lang, step=shown_step,
                             next=shown_step + 1)
            else:
                caption = tr("formula.at_last_step" if last else "formula.at_step", s.lang,
                             step=shown_step, next=shown_step + 1)
            if last and s.schedule == "cosine" and not said:  # a further step's α is 0
                caption += tr("formula.schedule_ended", s.lang, next=shown_step + 1,
                              steps=int(s.steps))
            said = said or bool(numbers)
            set_text(self.step_captions[name], caption)

    def _on_work_failed(self, error: BaseException):
        """A formula's compilation failed on its thread (logged there): say so."""
        self.state.surface_error = tr("error.unexpected", self.state.lang,
                                      error=f"{type(error).__name__}: {error}")

    def _on_tap(self, event):
        self.state.param.update(x0=round(float(event.x), 3), y0=round(float(event.y), 3))

    def _on_player_pause(self, *_events):
        if self.player.direction == 0:
            self._on_player_step()
            self._show_critical()
            self._show_formulas()
        else:  # playing: no analysis of a step the picture has left behind
            self._show_critical()

    def _on_player_step(self, *_events):
        """The step shown goes into the state and the link, while paused (playing, a
        link per frame is needless traffic); the last step is the default.  The link is
        rewritten in place (``URL_REPLACES``): Back returns to the previous setting."""
        s, value = self.state, int(self.player.value)
        if self.player.direction == 0 and s.result is not None and self._started:
            s.step = -1 if value >= self._last_step() else value

    def _show_critical(self):
        """The analysis at the start and at the iterate, under the loss chart: filled
        with the details, so that its compilation is off the first picture's path."""
        if not self._details_built:
            return
        s = self.state
        lines = []
        fn = s.active_surface.fn
        lines.append(self._describe(tr("critical.at_start", s.lang),
                                    critical.analyse(fn, (s.x0, s.y0), s.programs)))
        if s.result is not None and s.optimizers and self.player.direction != 0:
            # (Analysed once a frame, it would cost a round trip a frame; "step 1000"
            # under a picture at step 29 read as the picture's.)
            lines.append(f"*{tr('critical.while_playing', s.lang)}*")
        elif s.result is not None and s.optimizers:
            name = s.optimizers[0]
            k = opt.NAMES.index(name)
            step = min(int(self.player.value), len(s.result.loss) - 1)
            end = int(s.result.diverged_at[k])
            stop = s.result.stop(k)
            label = tr(f"optimizer.{name}", s.lang)
            # Diverged by the step shown, or right after the run's last step (all
            # stopped, this one last): the last finite iterate, and when it diverged.
            if end >= 0 and (end <= step or step >= self._last_step()):
                step = max(end - 1, 0)  # (a start that is not finite is refused)
                key = ("critical.at_last_iterate_outside" if stop and stop[0] == "outside"
                       else "critical.at_last_iterate")
                title = tr(key, s.lang, optimizer=label, step=step, diverged=end)
            elif stop is not None and stop[0] == "undefined" and stop[1] <= step:
                step = stop[1]  # it stopped there: no later step exists
                title = tr("critical.at_stopped_iterate", s.lang, optimizer=label, step=step)
            else:
                title = tr("critical.at_iterate", s.lang, optimizer=label, step=step)
            point = s.result.points[step, k]
            if step > 0 and np.all(np.isfinite(point)):  # step 0 is the start, above
                lines.append(self._describe(title, critical.analyse(fn, point, s.programs)))
        lines.append(self._critical_points_text())
        self.critical_md.object = "\n\n".join(lines)

    def _critical_points_text(self) -> str:
        """The surface's critical points in words, by verdict with its marker ("★ local
        minimum: (3, 2), (−2.805, 3.131)"): they were named only on hover, which a
        finger or the keyboard cannot do."""
        lang = self.state.lang
        points = critical.critical_points(self.state.shown_surface)
        groups = []
        for verdict, marker in VERDICT_MARKERS.items():
            where = [f"({number_text(p.point[0], 4)}, {number_text(p.point[1], 4)})"
                     for p in points if p.verdict == verdict]
            if where:
                groups.append(f"{MARKER_SYMBOLS[marker]} "
                              f"{tr(f'critical.verdict.{verdict}.short', lang)}"
                              f"{tr('widget.colon', lang)}"
                              + tr("caption.list", lang).join(where))
        if not groups:
            return f"*{tr('critical.points.none', lang)}*"
        return "\n".join([tr("critical.points", lang), "", *(f"- {g}" for g in groups)])

    def _describe(self, title: str, a: critical.PointAnalysis) -> str:
        lang = self.state.lang
        x, y = number_text(a.point[0], 4), number_text(a.point[1], 4)
        if np.isnan(a.value):  # (the banner's words: not defined, not "not finite")
            return tr("critical.undefined_line", lang, title=title, x=x, y=y)
        if not np.isfinite(a.value):
            return tr("critical.not_finite_line", lang, title=title, x=x, y=y)
        if not np.all(np.isfinite(a.gradient)):  # e.g. √x at x = 0: where runs stop
            return tr("critical.undefined_gradient_line", lang, title=title, x=x, y=y,
                      loss=number_text(a.value, 4))
        at_kink = getattr(self.state.active_surface.fn, "at_kink", None)
        kink = at_kink is not None and bool(at_kink(*a.point))
        # At a kink the second derivatives describe neither side (|x| is a V, not flat).
        hessian_known = bool(np.all(np.isfinite(a.eigenvalues))) and not kink
        curvature = critical.curvatures(a.eigenvalues) if hessian_known else None
        gradient = dict(gradient=tr("critical.gradient", lang),
                        gx=number_text(a.gradient[0], 3), gy=number_text(a.gradient[1], 3))
        values = (tr("critical.values", lang, **gradient,
                     eigenvalues=tr("critical.eigenvalues", lang),
                     e1=number_text(curvature[0], 3), e2=number_text(curvature[1], 3))
                  if hessian_known else tr("critical.values_no_hessian", lang, **gradient))
        if kink:
            values += f"  \n{tr('critical.subgradient', lang)}"
        if a.is_critical and kink:
            sentence = tr("critical.is_critical_kink", lang)
        elif a.is_critical and a.verdict == "degenerate":
            sentence = tr("critical.is_critical_degenerate", lang)
        elif a.is_critical:
            verdict = tr(f"critical.verdict.{a.verdict}.short", lang)
            sentence = tr("critical.is_critical", lang, verdict=verdict)
        else:
            shape = ("undefined" if not hessian_known
                     else "flat" if not np.any(curvature) else a.verdict)  # (a plane: 0, 0)
            sentence = tr("critical.not_critical", lang,
                          shape=tr(f"critical.shape.{shape}", lang))
        return f"**{title}** ({x}, {y})  \n{values}  \n{sentence}"
