"""Colours that say what the numbers say (``playground.ui.palettes``).

The K-class heat map is checked cell by cell: each value goes through the colour mapper
as the browser runs it (Bokeh 3.9's ``LinearColorMapper.value_to_index``, transcribed
below) and the colour drawn must be the predicted class's colour at the shade its
probability asks for: white at chance (1/K), the strongest shade at probability 1.
"""

import math

import numpy as np
import pytest

from playground.ui import palettes
from playground.ui.palettes import (
    CLASS_SHADES,
    HEATMAP_STRENGTH,
    class_color,
    confidence_image,
    confidence_palette,
    mix,
)


def bokeh_linear_index(value: float, low: float, high: float, n: int) -> int:
    """BokehJS ``LinearColorMapper.value_to_index`` (3.9): the palette index of ``value``
    (−1 below, n above: the low and high colours, which default to the ends)."""
    if value == high:
        return n - 1
    index = math.floor((value - low) * (1 / (high - low)) / (1 / n))
    return min(max(index, -1), n)


def drawn(values: np.ndarray, palette: list[str], low: float, high: float) -> list[str]:
    """The colours the browser gives float32 ``values`` (``image`` glyphs send float32)."""
    n = len(palette)
    return [palette[min(max(bokeh_linear_index(float(v), low, high, n), 0), n - 1)]
            for v in np.asarray(values, np.float32).ravel()]


def rgb(color: str) -> np.ndarray:
    return np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)], float)


def strength_along(color: str, base: str) -> float:
    """t such that ``color`` = mix(base, t) (white → base), by least squares; asserts
    that ``color`` lies on that line (the hue is ``base``'s)."""
    white, target = np.full(3, 255.0), rgb(base)
    direction = target - white
    t = float(np.dot(rgb(color) - white, direction) / np.dot(direction, direction))
    assert np.abs(white + t * direction - rgb(color)).max() <= 1.0, (color, base)
    return t


@pytest.mark.parametrize("k_classes", [3, 4, 10])
def test_each_cell_is_its_class_at_the_shade_of_its_probability(k_classes):
    rng = np.random.default_rng(k_classes)
    chance = 1.0 / k_classes
    predicted = rng.integers(0, k_classes, 4000)
    p = np.r_[rng.uniform(chance, 1.0, 4000 - 6), 1.0, 1.0, chance, 1 - 1e-9, 0.99999997,
              1 - 1e-6]
    values = predicted + p  # decision_grid's K-class values
    palette = confidence_palette(k_classes)
    colors = drawn(confidence_image(values), palette, 0.0, float(k_classes))
    step = HEATMAP_STRENGTH / ((1 - chance) * CLASS_SHADES)  # one shade, in strength
    for k, prob, color in zip(predicted, p, colors, strict=True):
        t = strength_along(color, class_color(int(k)))  # the hue is the predicted class
        want = HEATMAP_STRENGTH * (prob - chance) / (1 - chance)
        assert abs(t - want) <= step + 0.01, (k, prob, color)
        if prob >= 1 - 1e-6:  # the most confident cells: the class's strongest shade
            assert color == mix(class_color(int(k)), HEATMAP_STRENGTH)


def test_probability_one_is_never_the_next_classs_white():
    """The fault: k + 1 (p_k = 1) landed on class k + 1's first shade, white."""
    palette = confidence_palette(3)
    for k in range(3):
        (color,) = drawn(confidence_image(np.array([k + 1.0])), palette, 0.0, 3.0)
        assert color == mix(class_color(k), HEATMAP_STRENGTH) != "#ffffff"


def test_chance_is_white_as_in_the_two_class_map():
    palette = confidence_palette(3)
    for k in range(3):
        (color,) = drawn(confidence_image(np.array([k + 1 / 3])), palette, 0.0, 3.0)
        assert strength_along(color, class_color(k)) <= HEATMAP_STRENGTH / CLASS_SHADES + 0.01
    two = palettes.binary_palette()
    assert drawn(np.array([0.5]), two, 0.0, 1.0) == ["#ffffff"]
    assert drawn(np.array([1.0]), two, 0.0, 1.0) == [mix(class_color(1), HEATMAP_STRENGTH)]
    assert drawn(np.array([0.0]), two, 0.0, 1.0) == [mix(class_color(0), HEATMAP_STRENGTH)]


def test_one_colour_per_optimizer_in_both_labs():
    from playground.labs.mlp.figures import RaceView
    from playground.labs.optimizers.plots import COLORS
    from playground.numerics import optimizers as opt

    assert set(palettes.OPTIMIZER_COLORS) == set(opt.NAMES)
    assert len(set(palettes.OPTIMIZER_COLORS.values())) == len(opt.NAMES)
    assert COLORS is palettes.OPTIMIZER_COLORS
    assert RaceView is not None  # the MLP race reads the same registry (tests/labs/mlp)


def test_the_heat_maps_palette_per_kind_of_picture():
    from playground.ui import palettes as pal
    assert pal.heat_palette(3, True) == pal.hard_palette(3)
    assert pal.heat_palette(2, False) == pal.binary_palette()
    assert pal.heat_palette(3, False) == pal.confidence_palette(3)
    assert len(pal.heat_palette(2, True)) == 2  # one flat colour per class
