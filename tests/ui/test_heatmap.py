"""The heat maps' key: which colour is which class, what the background says."""

from __future__ import annotations

import re

import numpy as np
import pytest

from playground.text import tr
from playground.ui.heatmap import Plane


def _hue(color: str) -> float:
    r, g, b = (int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return float(np.degrees(np.arctan2(np.sqrt(3) * (g - b), 2 * r - g - b)) % 360)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_key_names_each_class_in_the_colour_the_map_draws_it(lang):
    """The page said nowhere which colour was which class, nor what white or pale meant
    (a student's review).  Two classes, soft: class 0's swatch is the colour of p₁ = 0 at
    the palette's low end, class 1's of p₁ = 1 at its high end, and white is 50 %."""
    plane = Plane()
    plane.set_colors(2, discretize=False)
    key = plane.key_html(lang)
    swatches = re.findall(r"background:(#[0-9a-f]{6})", key)
    palette = plane.color_mapper.palette
    assert len(swatches) == 2
    assert abs(_hue(swatches[0]) - _hue(palette[0])) < 2  # p₁ = 0: class 0
    assert abs(_hue(swatches[1]) - _hue(palette[-1])) < 2  # p₁ = 1: class 1
    assert tr("mlp.key.class", lang, k=1) in key and tr("mlp.key.soft2", lang) in key
    assert tr("mlp.key.val", lang) not in key
    plane.show_val(True)
    assert tr("mlp.key.val", lang) in plane.key_html(lang)


def test_more_classes_and_the_discretized_map_say_what_their_background_is():
    plane = Plane()
    plane.set_colors(3, discretize=False)
    key = plane.key_html("en")
    assert len(re.findall(r"background:#", key)) == 3 and tr("mlp.key.softk") in key
    plane.set_colors(3, discretize=True)
    assert tr("mlp.key.hard") in plane.key_html("en")
    assert "<script" not in plane.key_html("en")


def test_a_figures_caption_names_the_class_colours_in_words():
    """A slide has no swatch: the MLP lab's figures said nothing of which colour was
    which class (a teaching assistant's review); the caption names each colour."""
    from playground.labs.mlp.state import MlpLabState
    from playground.ui.export import figure_caption
    from playground.ui.heatmap import class_key_text
    from playground.ui.palettes import CLASS_COLOR_NAMES, CLASS_COLORS

    assert CLASS_COLOR_NAMES[:2] == ("orange", "blue") and _hue(CLASS_COLORS[0]) < 45 < 180 \
        < _hue(CLASS_COLORS[1]) < 240  # the names fit the colours (orange, blue hues)
    assert class_key_text(3, True, "zh") == (
        "橙色：类别 0、蓝色：类别 1、绿色：类别 2；背景：预测的类别")
    state = MlpLabState()
    assert "orange: class 0, blue: class 1; background: the probability of class 1" in (
        figure_caption(state))
