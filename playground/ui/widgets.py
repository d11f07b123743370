"""Small helpers for Panel widgets and panes that every lab uses."""

from __future__ import annotations

import panel as pn


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
