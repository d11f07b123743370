"""The optimizer surface's marks (start, critical points) read on its contours in both
themes: dark ink against the contours' lightest band, white outline against their
darkest band and the dark theme's background (WCAG's 3:1 for graphics)."""

from __future__ import annotations

import pytest
from bokeh.models import ColumnDataSource, GlyphRenderer
from bokeh.plotting import figure

from playground.labs.optimizers.plots import RacePlots
from playground.numerics.surfaces import SURFACES
from playground.ui.marks import MARK_INK, MARK_OUTLINE
from playground.ui.palettes import CONTOUR_FILL
from playground.ui.present import KEEP_INK, PLOT_COLORS, Display, Presenter, luminance


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)))
    return (lb + 0.05) / (la + 0.05)


def test_the_marks_ink_and_outline_contrast_with_every_contour_band_and_background():
    lightest = max(CONTOUR_FILL, key=luminance)
    darkest = min(CONTOUR_FILL, key=luminance)
    assert contrast(MARK_INK, lightest) >= 3
    assert contrast(MARK_INK, PLOT_COLORS["light"]["background"]) >= 3
    assert contrast(MARK_OUTLINE, darkest) >= 3
    assert contrast(MARK_OUTLINE, PLOT_COLORS["dark"]["background"]) >= 3


def test_the_dark_theme_leaves_a_kept_renderer_as_drawn_and_redraws_the_others():
    fig = figure()
    kept = fig.scatter([0], [0], fill_color="#111111", line_color="#ffffff", tags=[KEEP_INK])
    other = fig.scatter([0], [0], fill_color="#111111")
    Presenter(Display(theme="dark")).style([fig])
    assert kept.glyph.fill_color == "#111111" and kept.glyph.line_color == "#ffffff"
    assert other.glyph.fill_color == PLOT_COLORS["dark"]["ink"]


def _mark_colors(fig) -> dict[str, set[tuple]]:
    """Each mark source's name (or its columns) → the (fill, line) of its renderers."""
    found: dict[str, set[tuple]] = {}
    for r in fig.select({"type": GlyphRenderer}):
        if isinstance(r.data_source, ColumnDataSource) and KEEP_INK in r.glyph.tags:
            key = r.data_source.name or "start"
            found.setdefault(key, set()).add((r.glyph.fill_color, r.glyph.line_color))
    return found


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_labs_start_and_critical_points_keep_dark_ink_and_white_outline(theme):
    plots = RacePlots()
    plots.show_surface(SURFACES["saddle"])
    plots.show_critical_points(SURFACES["saddle"])
    Presenter(Display(theme=theme)).style([plots.surface_fig])
    marks = _mark_colors(plots.surface_fig)
    assert marks["critical_points"] == {(MARK_INK, MARK_OUTLINE)}
    # The start's x: a wide white one beneath a dark one.
    assert {line for _, line in marks["start"]} == {MARK_INK, MARK_OUTLINE}
    assert len(plots.critical_source.data["x"]) == 3  # the saddle and two minima


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_static_page_marks_the_start_and_critical_points_as_the_lab(theme):
    from playground import static_export

    _, state = static_export.read_link("lab=optimizers&surface=saddle&optimizers=adam&steps=20")
    page = static_export.build_page(state, "optimizers", n_values=2, theme=theme)
    fig = page.layout.select_one({"name": "pg-surface"})
    marks = _mark_colors(fig)
    assert marks["critical_points"] == {(MARK_INK, MARK_OUTLINE)}
    assert {line for _, line in marks["start"]} == {MARK_INK, MARK_OUTLINE}
    source = page.layout.select_one({"name": "critical_points"})
    assert sorted(source.data["marker"]) == ["square_x", "star", "star"]
