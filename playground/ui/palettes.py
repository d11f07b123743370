"""Colours shared by every lab: classes, signs, and the shades that encode probabilities.

Hex strings for Bokeh.  Class 0 and 1 are TensorFlow Playground's orange and blue,
so the playground reads as the one learners already know.
"""

from __future__ import annotations

#: Class colours (orange and blue, then green, and more for uploads with up to 10 classes).
CLASS_COLORS = ("#f59322", "#0877bd", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
                "#7f7f7f", "#bcbd22", "#17becf", "#d62728")
#: Positive and negative values (weights, neuron outputs): blue and orange.
POSITIVE, NEGATIVE = "#0877bd", "#f59322"
#: A heat map is this strong at most, so that the data points on it stay visible.
HEATMAP_STRENGTH = 0.75


def mix(color: str, t: float) -> str:
    """``color`` blended with white: t = 0 white, t = 1 the colour itself."""
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(255 + (c - 255) * t):02x}" for c in (r, g, b))


def class_color(k: int) -> str:
    """Class ``k``'s colour (the list repeats past ten classes)."""
    return CLASS_COLORS[k % len(CLASS_COLORS)]


def binary_palette(n: int = 128, strength: float = HEATMAP_STRENGTH) -> list[str]:
    """Class 0's colour → white (p₁ = ½) → class 1's colour, for p₁ ∈ [0, 1]."""
    half = n // 2
    return ([mix(CLASS_COLORS[0], strength * (1 - i / half)) for i in range(half)]
            + [mix(CLASS_COLORS[1], strength * i / half) for i in range(half)])


def class_palette(n_classes: int, shades: int = 48,
                  strength: float = HEATMAP_STRENGTH) -> list[str]:
    """One block of ``shades`` per class, white → class k's colour at ``strength``, for
    values k + p_k (see ``numerics.decision.decision_grid``) on [0, K]."""
    return [mix(class_color(k), strength * i / (shades - 1))
            for k in range(n_classes) for i in range(shades)]


def hard_palette(n_classes: int) -> list[str]:
    """One flat colour per class, for the predicted class k (discretized heat map)."""
    return [mix(class_color(k), 0.6) for k in range(n_classes)]


def diverging_palette(shades: int = 64) -> list[str]:
    """Orange (−1) → white (0) → blue (+1) at full strength, for signed values."""
    return ([mix(NEGATIVE, 1 - i / shades) for i in range(shades)]
            + [mix(POSITIVE, i / shades) for i in range(1, shades + 1)])
