"""The optimizer lab's state: every setting, its URL form, and the race it produces.

``OptimizerLabState`` is a plain ``param.Parameterized`` (no Panel import), so it is
tested without a browser.  Its optimizer knobs are generated from the registry
(``optimizers.OPTIMIZERS`` and ``optimizers.KNOBS``: one parameter per optimizer and
knob, ``adam_beta1``).  A declarative table (``LINK``, a ``ui.link.LinkTable``) drives
both reading and writing the query string, as TensorFlow Playground's ``state.ts`` does:
``?lab=optimizers&surface=rosenbrock&optimizers=sgd,adam&adam_lr=0.02``.
Links carry the surface, the optimizers and every value that differs from the
surface's defaults, so a shared link reproduces the run, seed included.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping

import numpy as np
import param

from ...numerics import SEED_BOUNDS, critical, race, surfaces
from ...numerics import optimizers as opt
from ...numerics.expression import ALLOWED_FUNCTIONS, ExpressionError, parse_expression
from ...numerics.programs import Programs, run
from ...text import tr, tr_error
from ...ui import caption
from ...ui.lab import LabState
from ...ui.link import (
    LinkField,
    LinkReason,
    LinkTable,
    knob_fields,
    knob_parameter,
    param_field,
    problem,
)
from ...ui.marks import marks_text
from ...ui.memory import BUDGET, FORMULA_PROGRAMS_MB

log = logging.getLogger(__name__)

#: Knob of an optimizer → the short name used in parameter names and URLs.
HP_SHORT = {key: knob.short for key, knob in opt.KNOBS.items()}


def hp_param(name: str, hp: str) -> str:
    """The state's parameter holding optimizer ``name``'s knob ``hp`` (``adam_beta1``)."""
    return f"{name}_{HP_SHORT[hp]}"


#: Every optimizer knob parameter → (optimizer, knob), in registry order.
KNOB_PARAMS: dict[str, tuple[str, str]] = {
    hp_param(name, hp): (name, hp) for name in opt.NAMES for hp in opt.OPTIMIZERS[name].hyperparams}

# The knob parameters, generated from the registry: the state class inherits them.
_Knobs = type("_Knobs", (LabState,), {
    p: knob_parameter(opt.KNOBS[hp], opt.hyperparams_for(name)[hp])
    for p, (name, hp) in KNOB_PARAMS.items()})


DEFAULT_EXPRESSION = "x**2/2 + y**2 + sin(3*x)*cos(2*y)"


def _finite_anywhere(surface) -> bool:
    """Whether ``surface`` has a finite value at any of 41 × 41 points over its view."""
    xs, ys = np.meshgrid(np.linspace(*surface.x_range, 41), np.linspace(*surface.y_range, 41))
    with np.errstate(all="ignore"):
        return bool(np.isfinite(np.asarray(surface.fn(xs, ys))).any())


class OptimizerLabState(_Knobs):
    """Everything the optimizer lab shows, and the race computed from it."""

    surface = param.Selector(objects=[*surfaces.PRESETS, surfaces.CUSTOM], default="ravine")
    expression = param.String(DEFAULT_EXPRESSION)
    x0 = param.Number(-9.0, bounds=race.START_BOUNDS)
    y0 = param.Number(1.5, bounds=race.START_BOUNDS)
    optimizers = param.ListSelector(default=["sgd", "momentum", "adam"], objects=list(opt.NAMES),
                                    instantiate=True)  # a list per session

    steps = param.Integer(100, bounds=race.STEPS_BOUNDS)
    noise = param.Number(0.0, bounds=race.NOISE_BOUNDS, softbounds=(0.0, 5.0))
    seed = param.Integer(0, bounds=SEED_BOUNDS)
    schedule = param.Selector(objects=list(opt.SCHEDULES), default="constant")
    schedule_every = param.Integer(int(opt.DEFAULT_SCHEDULE.every),
                                   bounds=opt.SCHEDULE_EVERY_BOUNDS)
    schedule_factor = param.Number(opt.DEFAULT_SCHEDULE.factor,
                                   bounds=opt.SCHEDULE_FACTOR_BOUNDS)
    schedule_gamma = param.Number(opt.DEFAULT_SCHEDULE.gamma, bounds=opt.SCHEDULE_GAMMA_BOUNDS)
    clip = param.Selector(objects=list(opt.CLIPPING), default="none")
    clip_value = param.Number(opt.DEFAULT_CLIP_VALUE, bounds=opt.CLIP_VALUE_BOUNDS,
                              softbounds=(0.01, 10.0))

    # What the settings produce (not in the URL).
    result = param.Parameter(default=None, doc="the latest race.Race, or None")
    error = param.String("", doc="why the latest settings could not be raced")
    surface_error = param.String("", doc="why the typed formula was rejected")
    active_surface = param.Parameter(default=None, doc="the surfaces.Surface being raced")

    # What the page shows of the run, not its numbers (no new race): in links too.
    step = param.Integer(-1, bounds=(-1, race.STEPS_BOUNDS[1]),
                         doc="the step the player shows; -1: the last")
    view_3d = param.Boolean(False, doc="the 3-D view shown")
    log_loss = param.Selector(objects=["auto", "on", "off"], default="auto",
                              doc="the loss chart's log scale; auto: the surface's choice")
    paths = param.Boolean(True, doc="the trajectories drawn")

    def __init__(self, **params):
        super().__init__(**params)
        #: ``run_slow_work(key, work, apply)``: ``apply(work())``; in a page the lab runs
        #: ``work`` on a worker thread instead (``ui.session.Worker.submit``).
        self.run_slow_work = lambda _key, work, apply: apply(work())
        #: This page's compiled races, its own: a release of the server's (``ui.memory``)
        #: does not make the next slider move trace and reload on the event loop.
        self.programs = Programs()
        self._custom = surfaces.custom_surface(parse_expression(DEFAULT_EXPRESSION))
        with param.parameterized.discard_events(self):  # no race until one is asked for
            self.active_surface = self._surface_for(self.surface)

    # -- the surface -----------------------------------------------------------

    def _surface_for(self, key: str) -> surfaces.Surface:
        return self._custom if key == surfaces.CUSTOM else surfaces.SURFACES[key]

    def log_scale(self) -> bool:
        """Whether the loss chart is on a log scale (of L − min L): the link's choice
        (``log_loss``), else the surface's own (``surfaces.Surface.log_levels``)."""
        if self.log_loss == "auto":
            return bool(self.active_surface.log_levels)
        return self.log_loss == "on"

    @property
    def shown_surface(self) -> surfaces.Surface:
        """The surface as the pictures show it: its view widened to the start point and
        to the whole paths of the shown runs that did not diverge (``surfaces.framed``);
        the same object while that view stays the same."""
        points = [(self.x0, self.y0)]
        r = self.result
        if r is not None:
            for k, name in enumerate(opt.NAMES):
                if name in self.optimizers and r.diverged_at[k] < 0:
                    path = r.points[: r.last_step([name]) + 1, k]  # its corners suffice
                    points += [tuple(path.min(axis=0)), tuple(path.max(axis=0))]
        view = surfaces.framed(self.active_surface, *points)
        kept = getattr(self, "_shown", None)
        if kept is not None and (kept.fn, kept.key, kept.x_range, kept.y_range) == (
                view.fn, view.key, view.x_range, view.y_range):
            return kept
        self._shown = view
        return view

    def surface_defaults(self, key: str | None = None) -> dict:
        """The parameter values that the surface ``key`` starts with."""
        s = self._surface_for(key or self.surface)
        values = {"x0": s.start[0], "y0": s.start[1], "steps": s.steps}
        for name in opt.NAMES:
            h = opt.hyperparams_for(name, s.defaults.get(name))
            for hp in opt.OPTIMIZERS[name].hyperparams:
                values[hp_param(name, hp)] = bool(h[hp]) if opt.KNOBS[hp].flag else h[hp]
        return values

    def reset_to_surface_defaults(self):
        """Every setting back to the shown surface's defaults (its start, steps, knobs)."""
        self.param.update(**self.surface_defaults())

    @param.depends("surface", watch=True)
    def _on_surface_picked(self):
        if self.applying_link:  # a link sets the surface and its own values together
            return
        # One batched update, so the race is computed once, with the new defaults.
        self.param.update(active_surface=self._surface_for(self.surface), log_loss="auto",
                          **self.surface_defaults())

    @param.depends("expression", watch=True)
    def _on_expression_typed(self):
        expression = self.expression
        self.surface_error = ""  # the last formula's error goes while this one compiles
        self.run_slow_work("formula", lambda: self.formula_surface(expression),
                           self.use_formula)

    def formula_surface(self, expression: str) -> surfaces.Surface | ExpressionError:
        """The surface of a typed formula, with what racing and drawing it needs
        compiled (seconds: any thread, in a page a worker's), or why there is none."""
        try:
            surface = _custom_surface(expression, user=self)
        except ExpressionError as e:
            return e
        if self.surface == surfaces.CUSTOM:
            try:  # compiled here, so that racing and drawing it later is quick
                start = (self.x0, self.y0)
                if math.isfinite(float(np.asarray(surface.fn(*start)))):
                    race.run_race(surface.fn, self.settings(), self.programs)
                surfaces.grid(surface)
                critical.analyse(surface.fn, start, self.programs)
                critical.critical_points(surface)
            except Exception:  # the race itself says why in the page (``compute``)
                log.exception("compiling the formula %r ahead failed", expression)
        return surface

    def use_formula(self, surface: surfaces.Surface | ExpressionError):
        """Race ``formula_surface``'s surface (if custom is the surface shown), or say
        why the formula cannot be used."""
        if isinstance(surface, ExpressionError):
            self.surface_error = tr("surface.expression.error", self.lang,
                                    error=tr_error(surface, self.lang))
            return
        self._custom = surface
        self.surface_error = ""
        if self.surface == surfaces.CUSTOM:
            self.active_surface = self._custom
            self.compute()

    # -- the race --------------------------------------------------------------

    def hyperparams(self) -> dict[str, dict[str, float]]:
        """Each optimizer's knobs as set: ``{name: {knob: value}}``, for every optimizer."""
        return {
            name: {hp: float(getattr(self, hp_param(name, hp)))
                   for hp in opt.OPTIMIZERS[name].hyperparams}
            for name in opt.NAMES
        }

    def settings(self) -> race.RaceSettings:
        """The race as set (start, knobs, schedule, clipping, noise, seed, steps)."""
        return race.make_settings(
            (self.x0, self.y0), self.hyperparams(),
            schedule=opt.Schedule(opt.SCHEDULES.index(self.schedule), float(self.schedule_every),
                                  float(self.schedule_factor), float(self.schedule_gamma),
                                  float(self.steps)),
            clip=self.clip, clip_value=self.clip_value, noise=self.noise, seed=self.seed,
            steps=self.steps)

    @param.depends(
        "active_surface", "x0", "y0", *KNOB_PARAMS,
        "steps", "noise", "seed", "schedule", "schedule_every", "schedule_factor",
        "schedule_gamma", "clip", "clip_value", watch=True)
    def compute(self):
        """Race every optimizer with the current settings into ``result``."""
        surface = self.active_surface
        start_value = float(run(self.programs, race.value_at, ("fn",), surface.fn, self.x0,
                                self.y0))
        if not math.isfinite(start_value):  # NaN: √ or log of a negative; ±∞: 1/0
            where = {"x": f"{self.x0:g}", "y": f"{self.y0:g}"}
            said = ((tr("surface.undefined", self.lang, **where),
                     tr("surface.undefined.remedy", self.lang)) if math.isnan(start_value)
                    else (tr("surface.not_finite", self.lang, **where),
                          tr("surface.not_finite.remedy", self.lang)))
            if not _finite_anywhere(surface):  # no start to click: only the formula helps
                said = (said[0], tr("surface.nowhere.remedy", self.lang))
            self.param.update(result=None, error=tr(  # and what to do about it
                "text.sentences", self.lang, first=said[0], second=said[1]))
            return
        try:
            result = race.run_race(surface.fn, self.settings(), self.programs)
        except Exception as e:  # a message in the page, never a traceback
            log.exception("the race on the surface %r failed", self.surface)
            self.param.update(error=tr("error.unexpected", self.lang, error=e), result=None)
            return
        # A new run is shown from its last step; a link's (or the first) run, at the link's.
        step = {} if self.applying_link or self.result is None else {"step": -1}
        self.param.update(error=self._schedule_note(result), result=result, **step)

    def _schedule_note(self, result: race.Race) -> str:
        """A line when the schedule brings every optimizer's α to 0 (it underflows)
        before the last step: from there on none moves."""
        zero = np.flatnonzero(np.all(result.lr[:-1] == 0.0, axis=1))
        return tr("run.lr_zero", self.lang, step=int(zero[0])) if len(zero) else ""

    def precompute(self, budget_s: float = math.inf):
        """The first picture's numbers, computed (and compiled, or loaded from the disk
        cache): the race and the contour grid.  Pure numerics, so any thread may run
        it (see ``app.prepare_state``)."""
        if self.result is None and not self.error:
            self.compute()
        surfaces.grid(self.active_surface)
        # The critical-point analysis the details show, compiled here: in the details'
        # step it held the event loop (every page) 0.4 s per new formula (issue #9).
        try:
            critical.critical_points(self.shown_surface)
            critical.analyse(self.active_surface.fn, (self.x0, self.y0), self.programs)
        except Exception:  # the details compute it again and say what failed
            log.warning("the critical points could not be prepared", exc_info=True)

    @property
    def racers(self) -> list[str]:
        """The optimizers shown, in the lab's order (``optimizers.NAMES``), whatever
        order a link gave them in: the legend, the headline, the state table and the
        caption list them alike."""
        return [n for n in opt.NAMES if n in self.optimizers]

    # -- the URL ---------------------------------------------------------------

    def caption_parts(self) -> list[str]:
        """The settings in words, each once (``ui.caption``): the surface (a formula as
        typed), the start where it is not the surface's, each optimizer with its α and
        any knob that differs from the surface's defaults, the run's settings that
        differ, and the step shown."""
        lang, changed = self.lang, self.to_query()
        if self.surface == surfaces.CUSTOM:
            surface = f"{tr('surface.expression', lang)} {self._custom.fn.source}"
        else:
            surface = tr(f"surface.{self.surface}.name", lang)
        parts = [caption.named(tr("surface", lang), surface, lang)]
        if "x0" in changed or "y0" in changed:
            parts.append(caption.listed([caption.equals(tr("start.x", lang), self.x0),
                                         caption.equals(tr("start.y", lang), self.y0)], lang))
        for name in self.racers:
            values = {hp: getattr(self, hp_param(name, hp))
                      for hp in opt.OPTIMIZERS[name].hyperparams}
            shown = {hp for hp in values
                     if hp == "lr" or hp_param(name, hp) in changed}
            parts.append(caption.optimizer(name, values, shown, lang))
        settings = []
        if self.noise > 0:
            settings.append(caption.equals(tr("noise", lang), self.noise))
            settings.append(caption.named(tr("seed", lang), str(self.seed), lang))
        settings.append(caption.schedule(self.schedule, "schedule", {
            name: getattr(self, f"schedule_{name}") for name in opt.SCHEDULE_SETTINGS}, lang))
        settings.append(caption.clipping(self.clip, self.clip_value, lang))
        if any(settings):
            parts.append(caption.listed([r for r in settings if r], lang))
        last = self.result.last_step(self.racers) if self.result is not None else int(self.steps)
        if self.step >= 0 and self.step < last:
            parts.append(tr("caption.step_of", lang, step=self.step, steps=last))
        else:
            parts.append(tr("caption.steps", lang, steps=last))
        return parts

    def caption_notes(self) -> list[str]:
        """A figure says what the surface's arrows are (the page's state table does; on a
        slide the dotted −αg read as an error bar), when a run still has them at the
        step shown (a run that stopped before it has none)."""
        surface = self.shown_surface
        # What the marks are (the page says so on hover, a slide cannot).
        notes = [marks_text(critical.critical_points(surface),
                            (surface.x_range, surface.y_range), self.lang)]
        r = self.result
        if r is None:
            return notes
        last = r.last_step(self.racers)
        step = last if self.step < 0 else min(int(self.step), last)
        drawn = any(r.stop(opt.NAMES.index(n)) is None
                    or step < r.good_rows(opt.NAMES.index(n)) - 1
                    for n in self.optimizers)
        arrows = tr("caption.arrows", self.lang, legend=tr("plot.arrows_legend", self.lang))
        return [arrows, *notes] if drawn else notes

    def to_query(self) -> dict[str, str]:
        """The state as query-string values: surface, optimizers, and what differs."""
        values = self.link_values()
        # The formula being raced, not a rejected one still in the box; only for custom.
        values["expression"] = self._custom.fn.source
        if self.surface != surfaces.CUSTOM:
            del values["expression"]
        return LINK.write(values, self.surface_defaults())

    def full_query(self) -> dict[str, str]:
        """Every setting as query values; the formula only with the custom surface."""
        query = super().full_query()
        query.pop("expr")
        if self.surface == surfaces.CUSTOM:
            query["expr"] = self._custom.fn.source
        return query

    def check_link(self, query: Mapping[str, str], values: dict,
                   problems: list[str]) -> dict:
        """A formula only with the custom surface (a formula alone means it); the
        surface's own defaults under the link's values; a step within the run."""
        # A formula without a surface means the custom surface it describes.
        if "surface" in query:
            surface = values.get("surface", self.surface)
        else:
            surface = surfaces.CUSTOM if "expr" in query else self.surface
        expression = values.pop("expression", None)
        after_surface = int("surface" in query and "surface" not in values)  # in table order
        if surface != surfaces.CUSTOM and expression is not None:
            problems.insert(after_surface,
                            problem("expr", expression, LinkReason("expr_not_custom")))
        elif expression is not None:
            try:
                self._custom = _custom_surface(expression, user=self)
                values["expression"] = expression
            except ExpressionError as e:
                problems.insert(after_surface, problem("expr", expression, e))
                surface = "ravine"
        values = {**self.surface_defaults(surface), **values, "surface": surface}
        values["active_surface"] = self._surface_for(surface)
        # A step past the run's last: its default (the last step shown), and said so.
        last = int(values.get("steps", self.steps))
        if values.get("step", -1) > last:
            values["step"] = -1
            later = sum(getattr(p, "key", None) in _AFTER_STEP for p in problems)
            problems.insert(len(problems) - later, problem(
                "step", query["step"], LinkReason("past_last_step", last=last)))
        return values


#: The link: every row's key is its parameter's name, except the formula's ``expr``.
LINK = LinkTable([
    param_field(OptimizerLabState, "surface", always=True),
    LinkField("expr", "expression", str),
    param_field(OptimizerLabState, "x0"), param_field(OptimizerLabState, "y0"),
    param_field(OptimizerLabState, "optimizers", always=True),
    *knob_fields(OptimizerLabState, {p: opt.KNOBS[hp] for p, (_, hp) in KNOB_PARAMS.items()}),
    *(param_field(OptimizerLabState, p) for p in (
        "steps", "noise", "seed", "schedule", "schedule_every", "schedule_factor",
        "schedule_gamma", "clip", "clip_value")),
    # The view: the player's step, the 3-D view, the log scale, the trajectories.
    param_field(OptimizerLabState, "step"), param_field(OptimizerLabState, "view_3d", "view3d"),
    param_field(OptimizerLabState, "log_loss", "log"), param_field(OptimizerLabState, "paths"),
])
#: The link's keys after ``step``, in table order (its problems are listed in that order).
_AFTER_STEP = frozenset(f.key for f in LINK.fields[
    [f.key for f in LINK.fields].index("step") + 1:])
#: Parameters carried in links (the formula as ``expression``).
URL_KEYS: tuple[str, ...] = tuple(f.name for f in LINK.fields)
#: Every key a link may carry for this lab (the formula travels as ``expr``).
OptimizerLabState.LINK_KEYS, OptimizerLabState.LINK = LINK.keys, LINK
OptimizerLabState.LESSON_FREE = frozenset(("step", "view3d"))


def _custom_surface(expression: str, user: object) -> surfaces.Surface:
    """The surface of a typed formula (``ExpressionError`` if it is not one); its race
    compiles programs of its own, which the server's memory budget counts for ``user``."""
    surface = surfaces.custom_surface(parse_expression(expression))
    BUDGET.note(("formula", surface.fn.source), FORMULA_PROGRAMS_MB, user=user)
    return surface


def custom_lesson(lang: str = "en") -> str:
    """What a typed formula may use (its functions named), in ``lang``."""
    return tr("surface.custom.lesson", lang, functions=", ".join(ALLOWED_FUNCTIONS))
