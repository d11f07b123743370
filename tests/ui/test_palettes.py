"""Colours that say what the numbers say (``playground.ui.palettes``).

The K-class heat map is checked cell by cell: each value goes through the colour mapper
as the browser runs it (Bokeh 3.9's ``LinearColorMapper.value_to_index``, transcribed
below) and the colour drawn must be the predicted class's colour at the shade its
probability asks for: white at chance (1/K), the strongest shade at probability 1.
"""

import math

import numpy as np
import pytest

from playground.ui import colors, palettes
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


# -- Text in a colour: 4.5:1 in both themes -------------------------------------------

def _wcag_contrast(a: str, b: str) -> float:
    """WCAG 2.1's contrast ratio, written out here (not the package's ``contrast``)."""
    def lum(c):
        lin = [(v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4)
               for v in (int(c[i:i + 2], 16) / 255 for i in (1, 3, 5))]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _css_color_mix(expression: str, pg_mix: str | None) -> str:
    """CSS ``color-mix(in srgb, A p%, var(--pg-mix, B))`` as a browser computes it (each
    gamma-encoded channel interpolated), with ``--pg-mix`` set to ``pg_mix`` or unset."""
    import re

    a, share, b = re.fullmatch(
        r"color-mix\(in srgb, (#\w{6}) (\d+)%, var\(--pg-mix, (#\w{6})\)\)", expression).groups()
    other = pg_mix or b
    s = int(share) / 100
    return "#" + "".join(
        f"{round(int(a[i:i + 2], 16) * s + int(other[i:i + 2], 16) * (1 - s)):02x}"
        for i in (1, 3, 5))


@pytest.mark.parametrize("color", [*colors.OKABE_ITO, *palettes.CLASS_COLORS,
                                   palettes.TRAIN_COLOR, palettes.VAL_COLOR])
def test_text_in_any_colour_reads_at_4_5_to_1_in_both_themes(color):
    """Okabe–Ito's orange (SGD) was 2.3:1 as text on white, its yellow 1.3:1."""
    from playground.ui.present import PLOT_COLORS, ink

    dark = PLOT_COLORS["dark"]["background"]
    for share in (40, 25):
        expression = ink(color, share)
        light_text = _css_color_mix(expression, None)
        assert _wcag_contrast(light_text, "#ffffff") >= 4.5, (share, light_text)
        assert _wcag_contrast(light_text, "#f7f7f7") >= 4.5, (share, light_text)  # a card's
        # The dark theme's text is as it was: share % of the colour over white.
        dark_text = _css_color_mix(expression, "#ffffff")
        assert dark_text == mix(color, share / 100).lower()
        assert _wcag_contrast(dark_text, dark) >= 4.5
    # A colour that reads already is kept; a darkened one keeps its hue (channels in
    # the same ratios, within rounding).
    legible = colors.legible(color)
    assert _wcag_contrast(legible, "#ffffff") >= 4.5
    if _wcag_contrast(color, "#ffffff") >= 4.5:
        assert legible.lower() == color.lower()
    else:
        assert _wcag_contrast(legible, "#ffffff") < 4.7  # no darker than it must be
        rgb, dim = ([int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in (color, legible))
        top = max(range(3), key=lambda i: rgb[i])
        assert all(abs(dim[i] - rgb[i] * dim[top] / rgb[top]) <= 1 for i in range(3))
    assert palettes.title_ink(color, "light") == legible


def test_an_optimizers_text_in_the_browser_is_inks():
    """``pgInk`` (the optimizer pages' tables, in JavaScript) gives ``ink``'s colour."""
    import re

    from playground.ui.present import INK_JS, ink

    table = re.search(r"\((\{.*?\})\)\[", INK_JS, re.S).group(1)
    import json

    rests = json.loads(table)
    for color in palettes.OPTIMIZER_COLORS.values():
        assert ink(color) == (f"color-mix(in srgb, {color} 40%, var(--pg-mix, "
                              f"{rests[color.lower()]}))")
