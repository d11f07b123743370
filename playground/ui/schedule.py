"""The learning-rate schedule's and gradient clipping's controls, for every lab that
trains with the optimizer registry (``numerics.optimizers``: ``SCHEDULES``,
``SCHEDULE_SETTINGS``, ``CLIPPING``).  The state has the parameters ``schedule``,
``schedule_every``, ``schedule_factor``, ``schedule_gamma``, ``clip`` and
``clip_value``; each lab words them in its own unit (steps or epochs)."""

from __future__ import annotations

from collections.abc import Callable

import panel as pn

from ..numerics import optimizers as opt
from .widgets import GuardedControls

#: The schedule's and clipping's boxes (parameter names), bound through guards.
BOXES = ("schedule_every", "schedule_factor", "schedule_gamma", "clip_value")


def schedule_and_clip(controls: GuardedControls, words: dict[str, str],
                      schedule_name: Callable[[str], str], clip_name: Callable[[str], str],
                      width: int = 110, **select) -> dict:
    """The two lists (``schedule``, ``clip``) and the four boxes (``BOXES``) for
    ``controls.state``, each box guarded by ``controls``, by parameter name.

    ``words``: the lab's labels under "schedule", "every", "factor", "gamma", "clip" and
    "c"; ``schedule_name(kind)``, ``clip_name(kind)``: each option's.  ``select``: more
    options of both lists (e.g. ``sizing_mode``)."""
    s = controls.state
    return {
        "schedule": pn.widgets.Select.from_param(
            s.param.schedule, name=words["schedule"], css_classes=["pg-schedule"],
            options={schedule_name(k): k for k in opt.SCHEDULES}, **select),
        "schedule_every": controls._guarded("schedule_every", pn.widgets.IntInput(
            name=words["every"], width=width)),
        "schedule_factor": controls._guarded("schedule_factor", pn.widgets.FloatInput(
            name=words["factor"], step=0.5, width=width)),
        "schedule_gamma": controls._guarded("schedule_gamma", pn.widgets.FloatInput(
            name=words["gamma"], step=0.001, width=width)),
        "clip": pn.widgets.Select.from_param(
            s.param.clip, name=words["clip"], css_classes=["pg-clip"],
            options={clip_name(k): k for k in opt.CLIPPING}, **select),
        "clip_value": controls._guarded("clip_value", pn.widgets.FloatInput(
            name=words["c"], step=0.1, width=width)),
    }


def boxes_shown(state, every_for: tuple[str, ...] = ()) -> dict[str, bool]:
    """Which of ``BOXES`` the state's schedule and clipping read (``every_for``: more
    schedules whose length the N box sets, e.g. cosine's T in epochs)."""
    shown = {f"schedule_{setting}": state.schedule in kinds
             for setting, kinds in opt.SCHEDULE_SETTINGS.items()}
    shown["schedule_every"] |= state.schedule in every_for
    shown["clip_value"] = state.clip != "none"
    return shown
