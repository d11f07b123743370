"""``ui.flow``: the least widths it writes are the frame's least width plus the chart's
furniture, in plain and lecture mode, and never more than the container."""

from __future__ import annotations

import re

from playground.ui.flow import CHART_FRAME_MIN_PX, WHOLE_LABEL, WRAP, chart_room


def least_width(css: str, lecture: int) -> float:
    """The least width ``css`` gives a column 10,000 px wide, ``--pg-lecture`` set to
    ``lecture`` (evaluated here from the one calc() the stylesheet holds)."""
    match = re.fullmatch(r":host \{ min-width: min\(100%, calc\((\d+)px \+ "
                         r"var\(--pg-lecture, 0\) \* (-?\d+)px\)\) !important; \}", css)
    assert match, css
    base, extra = (int(g) for g in match.groups())
    return min(10_000, base + lecture * extra)


def test_a_chart_column_is_its_frame_plus_its_furniture_in_either_mode():
    css = chart_room(180, 250)
    assert least_width(css, 0) == CHART_FRAME_MIN_PX + 180
    assert least_width(css, 1) == CHART_FRAME_MIN_PX + 250


def test_the_rows_claim_no_width_and_buttons_keep_their_labels():
    assert "flex-wrap: wrap" in WRAP and "min-width: 0 !important" in WRAP
    assert "min-width: fit-content" in WHOLE_LABEL
