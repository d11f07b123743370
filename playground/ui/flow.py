"""How a lab's pictures and controls share a row: they wrap rather than squeeze.

Bokeh gives a Row its children's summed minimum widths, which held pages wider than
their frame (sideways scrolling), and a chart that stretches beside a fixed one took
whatever width was left: the MLP lab's loss chart, beside its 470-px heat map in a
700-px iframe, drew its curves in 25 px (its legend and axis took the rest).  So:

- a Row of pictures (or of buttons) carries :data:`WRAP`: it wraps and claims no
  minimum width of its own;
- a Column holding a chart carries :func:`chart_room`: never narrower than the chart's
  frame needs (:data:`CHART_FRAME_MIN_PX`) plus what its axes and legend take, in
  lecture mode's larger text too (``--pg-lecture``, 1 in lecture mode, set by
  ``ui.present.CSS``), never wider than its container.  Where the row has less room,
  the chart moves below its neighbour and takes the row's whole width;
- a button is never narrower than its label (:data:`WHOLE_LABEL`, which the shell gives
  every button a lab shows, and ``ui.export`` its Download menus): a row of them wraps
  instead of letting one label run under the next or out of the sidebar (lecture mode's
  20-px text), and a label wider than the whole row takes two lines; a group of
  toggle buttons wraps (:data:`WRAP_BUTTONS`), and so does a widget's label
  (:data:`WRAP_LABEL`).

Plain CSS inside each component's shadow root (a stylesheet): it follows the window,
the iframe and the browser's zoom without a round trip to the server.
"""

from __future__ import annotations

#: Below this window width the controls go below the pictures and the page scrolls as a
#: whole (a 1280-px projector keeps them beside; the MLP lab's pictures need about 900 px).
NARROW_PX = 1200

#: A Row that wraps when narrow and claims no minimum width (Bokeh gives a Row its
#: children's sum).
#: (No ``max-height``: Bokeh gives a layout ``max-height: 100%``, which held a row taller
#: than the page's column, such as lecture mode's heat map beside two charts in a
#: 720-px window, at the column's height: what followed it was drawn over its charts.)
WRAP = ":host { flex-wrap: wrap; min-width: 0 !important; max-height: none !important; }"
#: A layout that takes no least width of its own: Bokeh gives a Row or Column its
#: children's summed (or widest) least width, which held a narrow frame wider than its
#: window although the rows inside wrap.
NO_LEAST_WIDTH = ":host { min-width: 0 !important; }"

#: The narrowest a chart's frame (where its curves are drawn) is allowed to be.
CHART_FRAME_MIN_PX = 200

#: A button's box at least as wide as its label (``fit-content``: as wide as the label
#: on one line, or where that is wider than the button's row, the row's width and the
#: label on two lines): the label is never cut off.
WHOLE_LABEL = (":host { min-width: fit-content !important; }"
               " .bk-btn { white-space: normal; overflow-wrap: break-word; }")


#: A group of toggle buttons (the MLP lab's input features) wider than its column: its
#: buttons wrap onto a next line (Bokeh keeps them on one, out of the sidebar).
WRAP_BUTTONS = (":host { min-width: 0 !important; height: auto !important; }"
                " .bk-btn-group { flex-wrap: wrap; height: auto; row-gap: 2px; }"
                " .bk-btn-group > .bk-btn { flex: 1 0 auto; }")


#: A widget's label (a box's, a slider's title) on as many lines as its box needs:
#: Bokeh keeps it on one, which ran out of the sidebar in lecture mode's 20-px text
#: ("Hidden layers (neurons per layer, …)": 528 px in a 280-px box).
WRAP_LABEL = (".bk-input-group > label, .bk-slider-title"
              " { white-space: normal; overflow-wrap: break-word; }")


def chart_room(furniture_px: int, lecture_furniture_px: int) -> str:
    """The stylesheet of a Column holding a chart whose axes, legend and margins take
    ``furniture_px`` beside its frame (``lecture_furniture_px`` in lecture mode): the
    column is at least :data:`CHART_FRAME_MIN_PX` plus that wide, or its container's
    width where that is less (``min(100%, …)``: it never holds the page wider)."""
    extra = lecture_furniture_px - furniture_px
    least = (f"calc({CHART_FRAME_MIN_PX + furniture_px}px"
             f" + var(--pg-lecture, 0) * {extra}px)")
    return f":host {{ min-width: min(100%, {least}) !important; }}"
