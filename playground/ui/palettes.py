"""Colours shared by every lab: classes, signs, optimizers, and the shades that encode
probabilities.

Hex strings for Bokeh.  Class 0 and 1 are TensorFlow Playground's orange and blue,
so the playground reads as the one learners already know.  Each optimizer has one colour
everywhere (``OPTIMIZER_COLORS``): Adam is the same blue in both labs.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
from bokeh.palettes import interp_palette

from ..numerics import optimizers as opt
from .colors import OKABE_ITO, legible, mix

#: Class colours (orange and blue, then green, and more for uploads with up to 10 classes).
CLASS_COLORS = ("#f59322", "#0877bd", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
                "#7f7f7f", "#bcbd22", "#17becf", "#d62728")
#: Their names' text keys (``color.<name>``), for a caption that cannot show a swatch.
CLASS_COLOR_NAMES = ("orange", "blue", "green", "purple", "brown", "pink", "grey", "olive",
                     "cyan", "red")
#: Positive and negative values (weights, neuron outputs): blue and orange.
POSITIVE, NEGATIVE = "#0877bd", "#f59322"
#: A heat map is this strong at most, so that the data points on it stay visible.
HEATMAP_STRENGTH = 0.75
#: One colour per optimizer, the registry's in order, in every lab, chart and table
#: (eight: a ninth optimizer in the registry needs a ninth colour here).
OPTIMIZER_COLORS = MappingProxyType(dict(zip(opt.NAMES, OKABE_ITO, strict=False)))
#: The bias–variance lab's curves (Okabe–Ito, as the optimizers): bias², variance, noise,
#: their sum, the measured test error, the training error; in the lab and its static page.
DECOMPOSITION_COLORS = MappingProxyType({
    "bias2": "#0072B2", "variance": "#D55E00", "noise": "#999999", "total": "#000000",
    "test_error": "#CC79A7", "train_error": "#009E73"})
#: The bias–variance lab's fits: each set's, their mean f̄, the truth, the set shown.
FIT_COLOR, MEAN_COLOR, TRUTH_COLOR, SHOWN_COLOR = "#9aa7b4", "#0072B2", "#000000", "#E69F00"
#: Training and validation curves (loss, accuracy), in the MLP lab and its static page.
TRAIN_COLOR, VAL_COLOR = "#1f3b5c", "#d62728"
#: A loss surface's filled contours: this many levels, light (low) to dark (high).
N_LEVELS = 24
CONTOUR_FILL = interp_palette(("#f7fbff", "#c6dbef", "#9ecae1", "#6baed6", "#4a6fa5"),
                              N_LEVELS - 1)
#: Shades per class in a K-class heat map (``confidence_palette``).
CLASS_SHADES = 48


def title_ink(color: str, theme: str) -> str:
    """``present.ink`` for text on a canvas (which reads no CSS variable): ``color``
    (``#rrggbb``) darkened to read on white in the light theme (``legible``), 40 % of it
    over white in the dark one."""
    return mix(color, 0.4) if theme == "dark" else legible(color)


def class_color(k: int) -> str:
    """Class ``k``'s colour (the list repeats past ten classes)."""
    return CLASS_COLORS[k % len(CLASS_COLORS)]


def binary_palette(n: int = 128, strength: float = HEATMAP_STRENGTH) -> list[str]:
    """Class 0's colour → white (p₁ = ½) → class 1's colour, for p₁ ∈ [0, 1]: p₁ = 0 and
    p₁ = 1 are each class's strongest shade, the shades either side of ½ white."""
    half = n // 2
    return ([mix(CLASS_COLORS[0], strength * (half - 1 - i) / (half - 1)) for i in range(half)]
            + [mix(CLASS_COLORS[1], strength * i / (half - 1)) for i in range(half)])


def class_palette(n_classes: int, shades: int = 48,
                  strength: float = HEATMAP_STRENGTH) -> list[str]:
    """One block of ``shades`` per class, white → class k's colour at ``strength``, for
    values k + p_k (see ``numerics.decision.decision_grid``) on [0, K]."""
    return [mix(class_color(k), strength * i / (shades - 1))
            for k in range(n_classes) for i in range(shades)]


def confidence_palette(n_classes: int, shades: int = CLASS_SHADES,
                       strength: float = HEATMAP_STRENGTH) -> list[str]:
    """The K-class heat map's palette, for a linear colour mapper on [0, K] fed with
    ``confidence_image`` (values k + p_k, k the predicted class, p_k ≥ 1/K its
    probability; see ``numerics.decision.decision_grid``).

    Class k's colour at strength·(p_k − 1/K)/(1 − 1/K): white where the network is at
    chance (1/K, as p₁ = ½ in the two-class map), the class's strongest shade at
    p_k = 1.  Block k holds shades k·S … k·S + S − 1; shade i covers
    p ∈ [i/S + δ, (i + 1)/S + δ), δ = 1/(2S) (see ``confidence_image``), and is coloured
    at its middle, p = (i + 1)/S.
    """
    k_classes = int(n_classes)
    chance = 1.0 / k_classes
    return [mix(class_color(k), strength * min(max(((i + 1) / shades - chance)
                                                   / (1.0 - chance), 0.0), 1.0))
            for k in range(k_classes) for i in range(shades)]


def confidence_image(grid, shades: int = CLASS_SHADES) -> np.ndarray:
    """The K-class heat map's values k + p_k as a linear mapper on [0, K] needs them
    (float32): less half a shade, δ = 1/(2S).

    A linear mapper gives v the shade ⌊v·S⌋, so p_k = 1 (v = k + 1) would take the next
    class's first shade, its white: the most confident cells painted as the least.
    Shifted, v − δ ∈ [k + 1/K − δ, k + 1 − δ] stays in class k's block (p_k ≥ 1/K > δ),
    and p_k = 1 is its last, strongest shade.
    """
    return (np.asarray(grid, np.float64) - 0.5 / shades).astype(np.float32)


def hard_palette(n_classes: int) -> list[str]:
    """One flat colour per class, for the predicted class k (discretized heat map)."""
    return [mix(class_color(k), 0.6) for k in range(n_classes)]


def heat_palette(n_classes: int, discrete: bool) -> list[str]:
    """The decision heat map's palette: one flat colour per class (discrete), the
    probability of class 1 (two classes), else each class's confidence shades."""
    if discrete:
        return hard_palette(n_classes)
    return binary_palette() if n_classes == 2 else confidence_palette(n_classes)


def diverging_palette(shades: int = 64) -> list[str]:
    """Orange (−1) → white (0) → blue (+1) at full strength, for signed values."""
    return ([mix(NEGATIVE, 1 - i / shades) for i in range(shades)]
            + [mix(POSITIVE, i / shades) for i in range(1, shades + 1)])


def optimizer_color(name: str) -> str:
    """Optimizer ``name``'s colour (a key of ``numerics.optimizers.OPTIMIZERS``)."""
    return OPTIMIZER_COLORS[name]
