"""The optimizer lab's state: every setting, its URL form, and the race it produces.

``OptimizerLabState`` is a plain ``param.Parameterized`` (no Panel import), so it is
tested without a browser.  A declarative table (``URL_KEYS``) drives both reading
and writing the query string, as TensorFlow Playground's ``state.ts`` does:
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

from ...numerics import optimizers as opt
from ...numerics import race, surfaces
from ...numerics.expression import ALLOWED_FUNCTIONS, ExpressionError, parse_expression
from ...text import tr
from ...ui.lab import LabState
from ...ui.link import format_value, parse_value, problem

log = logging.getLogger(__name__)

#: Knob of an optimizer → the short name used in parameter names and URLs.
HP_SHORT = {"lr": "lr", "momentum": "mu", "decay": "rho", "beta1": "beta1", "beta2": "beta2",
            "eps": "eps", "bias_correction": "bias_correction"}


def hp_param(name: str, hp: str) -> str:
    """The state's parameter holding optimizer ``name``'s knob ``hp`` (``adam_beta1``)."""
    return f"{name}_{HP_SHORT[hp]}"


def _lr(default):
    return param.Number(default, bounds=(1e-7, 100.0), softbounds=(1e-4, 2.0))


def _unit(default):
    return param.Number(default, bounds=(0.0, 0.9999))


def _eps(default):
    return param.Number(default, bounds=(1e-12, 1.0))


DEFAULT_EXPRESSION = "x**2/2 + y**2 + sin(3*x)*cos(2*y)"


class OptimizerLabState(LabState):
    """Everything the optimizer lab shows, and the race computed from it."""

    surface = param.Selector(objects=[*surfaces.PRESETS, surfaces.CUSTOM], default="ravine")
    expression = param.String(DEFAULT_EXPRESSION)
    x0 = param.Number(-9.0, bounds=(-1e4, 1e4))
    y0 = param.Number(1.5, bounds=(-1e4, 1e4))
    optimizers = param.ListSelector(default=["sgd", "momentum", "adam"], objects=list(opt.NAMES),
                                    instantiate=True)  # a list per session

    sgd_lr = _lr(0.01)
    momentum_lr = _lr(0.01)
    momentum_mu = _unit(0.9)
    nesterov_lr = _lr(0.01)
    nesterov_mu = _unit(0.9)
    adagrad_lr = _lr(0.01)
    adagrad_eps = _eps(1e-10)
    rmsprop_lr = _lr(0.01)
    rmsprop_rho = _unit(0.9)
    rmsprop_eps = _eps(1e-8)
    adam_lr = _lr(0.01)
    adam_beta1 = _unit(0.9)
    adam_beta2 = _unit(0.999)
    adam_eps = _eps(1e-8)
    adam_bias_correction = param.Boolean(True)

    steps = param.Integer(100, bounds=(1, 10000))
    noise = param.Number(0.0, bounds=(0.0, 100.0), softbounds=(0.0, 5.0))
    seed = param.Integer(0, bounds=(0, 2**31 - 1))
    schedule = param.Selector(objects=list(opt.SCHEDULES), default="constant")
    schedule_every = param.Integer(100, bounds=(1, 10000))
    schedule_factor = param.Number(2.0, bounds=(1.0, 100.0))
    schedule_gamma = param.Number(0.99, bounds=(0.5, 1.0))
    clip = param.Selector(objects=list(opt.CLIPPING), default="none")
    clip_value = param.Number(1.0, bounds=(1e-6, 1e6), softbounds=(0.01, 10.0))

    # What the settings produce (not in the URL).
    result = param.Parameter(default=None, doc="the latest race.Race, or None")
    error = param.String("", doc="why the latest settings could not be raced")
    surface_error = param.String("", doc="why the typed formula was rejected")
    active_surface = param.Parameter(default=None, doc="the surfaces.Surface being raced")

    lang = param.String("en")

    def __init__(self, **params):
        super().__init__(**params)
        self._applying_query = False
        self._custom = surfaces.custom_surface(parse_expression(DEFAULT_EXPRESSION))
        with param.parameterized.discard_events(self):  # no race until one is asked for
            self.active_surface = self._surface_for(self.surface)

    # -- the surface -----------------------------------------------------------

    def _surface_for(self, key: str) -> surfaces.Surface:
        return self._custom if key == surfaces.CUSTOM else surfaces.SURFACES[key]

    def surface_defaults(self, key: str | None = None) -> dict:
        """The parameter values that the surface ``key`` starts with."""
        s = self._surface_for(key or self.surface)
        values = {"x0": s.start[0], "y0": s.start[1], "steps": s.steps}
        for name in opt.NAMES:
            h = opt.hyperparams_for(name, s.defaults.get(name))
            for hp in opt.OPTIMIZERS[name].hyperparams:
                value = h[hp]
                values[hp_param(name, hp)] = bool(value) if hp == "bias_correction" else value
        return values

    def reset_to_surface_defaults(self):
        self.param.update(**self.surface_defaults())

    @param.depends("surface", watch=True)
    def _on_surface_picked(self):
        if self._applying_query:  # a link sets the surface and its own values together
            return
        # One batched update, so the race is computed once, with the new defaults.
        self.param.update(active_surface=self._surface_for(self.surface),
                          **self.surface_defaults())

    @param.depends("expression", watch=True)
    def _on_expression_typed(self):
        try:
            self._custom = surfaces.custom_surface(parse_expression(self.expression))
        except ExpressionError as e:
            self.surface_error = tr("surface.expression.error", self.lang, error=e)
            return
        self.surface_error = ""
        if self.surface == surfaces.CUSTOM:
            self.active_surface = self._custom
            self.compute()

    # -- the race --------------------------------------------------------------

    def hyperparams(self) -> dict[str, dict[str, float]]:
        return {
            name: {hp: float(getattr(self, hp_param(name, hp)))
                   for hp in opt.OPTIMIZERS[name].hyperparams}
            for name in opt.NAMES
        }

    def settings(self) -> race.RaceSettings:
        return race.make_settings(
            (self.x0, self.y0), self.hyperparams(),
            schedule=opt.Schedule(opt.SCHEDULES.index(self.schedule), float(self.schedule_every),
                                  float(self.schedule_factor), float(self.schedule_gamma),
                                  float(self.steps)),
            clip=self.clip, clip_value=self.clip_value, noise=self.noise, seed=self.seed,
            steps=self.steps)

    @param.depends(
        "active_surface", "x0", "y0", *[hp_param(n, hp) for n in opt.NAMES
                                        for hp in opt.OPTIMIZERS[n].hyperparams],
        "steps", "noise", "seed", "schedule", "schedule_every", "schedule_factor",
        "schedule_gamma", "clip", "clip_value", watch=True)
    def compute(self):
        """Race every optimizer with the current settings into ``result``."""
        surface = self.active_surface
        start_value = float(np.asarray(surface.fn(self.x0, self.y0)))
        if not math.isfinite(start_value):
            self.param.update(result=None, error=tr("surface.not_finite", self.lang,
                                                     x=f"{self.x0:g}", y=f"{self.y0:g}"))
            return
        try:
            result = race.run_race(surface.fn, self.settings())
        except Exception as e:  # a message in the page, never a traceback
            log.exception("the race on the surface %r failed", self.surface)
            self.param.update(error=tr("error.unexpected", self.lang, error=e), result=None)
            return
        self.param.update(error="", result=result)

    def precompute(self):
        """The first picture's numbers, computed (and compiled, or loaded from the disk
        cache): the race and the contour grid.  Pure numerics, so any thread may run
        it (see ``app.prepare_state``)."""
        if self.result is None and not self.error:
            self.compute()
        surfaces.grid(self.active_surface)

    # -- the URL ---------------------------------------------------------------

    def to_query(self) -> dict[str, str]:
        """The state as query-string values: surface, optimizers, and what differs."""
        query = {"surface": self.surface, "optimizers": ",".join(self.optimizers)}
        if self.surface == surfaces.CUSTOM:
            # The formula being raced, not a rejected one still in the box.
            query["expr"] = self._custom.fn.source
        defaults = {**{p: self.param[p].default for p in URL_KEYS},
                    **self.surface_defaults()}
        for p in URL_KEYS:
            if p in ("surface", "optimizers", "expression"):
                continue
            value = getattr(self, p)
            if value != defaults.get(p):
                query[p] = format_value(value)
        return query

    def apply_query(self, query: Mapping[str, str]) -> list[str]:
        """Set the state from query values; returns what was ignored and why."""
        problems: list[str] = []
        values: dict = {}
        # A formula without a surface means the custom surface it describes.
        surface = query.get("surface", surfaces.CUSTOM if "expr" in query else self.surface)
        if surface not in self.param.surface.objects:
            problems.append(problem("surface", surface, "unknown"))
            surface = self.surface
        if surface != surfaces.CUSTOM and "expr" in query:
            problems.append(problem("expr", query["expr"], "only with surface=custom"))
        elif surface == surfaces.CUSTOM and "expr" in query:
            try:
                self._custom = surfaces.custom_surface(parse_expression(query["expr"]))
                values["expression"] = query["expr"]
            except ExpressionError as e:
                problems.append(problem("expr", query["expr"], str(e)))
                surface = "ravine"
        values["surface"] = surface
        values.update(self.surface_defaults(surface))
        for p in URL_KEYS:
            if p in ("surface", "expression") or p not in query:
                continue
            try:
                values[p] = parse_value(self.param[p], query[p])
            except ValueError as e:
                problems.append(problem(p, query[p], str(e)))
        values["active_surface"] = self._surface_for(values["surface"])
        self._applying_query = True
        try:
            self.param.update(**values)
        finally:
            self._applying_query = False
        return problems


#: Parameters carried in links, each under its own name, plus ``expr``.
URL_KEYS: tuple[str, ...] = (
    "surface", "expression", "x0", "y0", "optimizers",
    *[hp_param(n, hp) for n in opt.NAMES for hp in opt.OPTIMIZERS[n].hyperparams],
    "steps", "noise", "seed", "schedule", "schedule_every", "schedule_factor", "schedule_gamma",
    "clip", "clip_value",
)
#: Every key a link may carry for this lab (the formula travels as ``expr``).
OptimizerLabState.LINK_KEYS = frozenset(URL_KEYS) - {"expression"} | {"expr"}


def custom_lesson(lang: str = "en") -> str:
    return tr("surface.custom.lesson", lang, functions=", ".join(ALLOWED_FUNCTIONS))
