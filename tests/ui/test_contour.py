"""The loss surface's contours (``ui.contour``): its levels and its picture."""

import numpy as np
from bokeh.plotting import figure

from playground.numerics.surfaces import SURFACES
from playground.ui.contour import add_contours, contour_levels, redraw_contours, surface_grid
from playground.ui.palettes import N_LEVELS


def test_log_contour_levels_are_increasing_and_start_near_the_minimum():
    z = np.linspace(0.0, 1000.0, 10_000).reshape(100, 100)
    levels = contour_levels(z, log=True, minimum=0.0)
    assert np.all(np.diff(levels) > 0)
    assert levels[0] < 0.1 and levels[-1] <= 1000.0
    ratios = np.diff(np.log(levels))
    np.testing.assert_allclose(ratios, ratios[0])


def test_linear_levels_span_the_lowest_value_to_the_97th_percentile():
    z = np.arange(1000.0)
    levels = contour_levels(z, log=False, minimum=None)
    assert len(levels) == N_LEVELS and levels[0] == 0.0
    assert levels[-1] == np.percentile(z, 97)
    np.testing.assert_allclose(np.diff(levels), np.diff(levels)[0])


def test_the_contours_go_beneath_and_take_another_surface():
    fig = figure()
    line = fig.line([0, 1], [0, 1])
    xs, ys, z = surface_grid(SURFACES["ravine"])
    assert z.shape == (len(ys), len(xs)) and np.isfinite(z).all()
    renderer = add_contours(fig, xs, ys, z, contour_levels(z, False, 0.0))
    assert fig.renderers == [renderer, line]
    before = [list(p) for p in renderer.fill_renderer.data_source.data["xs"]][:3]
    xs, ys, z = surface_grid(SURFACES["himmelblau"])
    redraw_contours(renderer, xs, ys, z, contour_levels(z, False, 0.0))
    after = [list(p) for p in renderer.fill_renderer.data_source.data["xs"]][:3]
    assert fig.renderers == [renderer, line] and after != before
