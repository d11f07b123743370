"""Colour arithmetic for text and fills: mixing as CSS mixes, WCAG luminance and
contrast, and a colour darkened just enough to read as text.

No import of the numerics: the page's shell (``ui.present``) uses it before any lab
is imported.
"""

from __future__ import annotations

#: Okabe–Ito colours: distinguishable with colour-blindness, and on a projector (the
#: optimizers' colours, in the registry's order: ``palettes.OPTIMIZER_COLORS``).
OKABE_ITO = ("#E69F00", "#009E73", "#56B4E9", "#CC79A7", "#D55E00", "#0072B2", "#F0E442",
             "#000000")


def mix(color: str, t: float, other: str = "#ffffff") -> str:
    """``color`` blended with ``other`` (white unless given), per sRGB channel as CSS's
    ``color-mix(in srgb, …)``: t = 0 ``other``, t = 1 the colour itself."""
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    r0, g0, b0 = (int(other[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c0 + (c - c0) * t):02x}"
                         for c, c0 in ((r, r0), (g, g0), (b, b0)))


def luminance(color: str) -> float | None:
    """WCAG relative luminance of a ``#rrggbb`` colour (0 black, 1 white); None for any
    other form.  Source: WCAG 2.1, "relative luminance"."""
    if not (isinstance(color, str) and len(color) in (7, 9) and color.startswith("#")):
        return None
    try:
        channels = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    except ValueError:
        return None
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours, 1 to 21 (text needs 4.5).
    Source: WCAG 2.1, "contrast ratio"."""
    la, lb = sorted((luminance(a), luminance(b)))
    return (lb + 0.05) / (la + 0.05)


#: What text needs against its background (WCAG 2.1 AA, body text).
TEXT_CONTRAST = 4.5


def legible_darkening(color: str, background: str = "#ffffff",
                      ratio: float = TEXT_CONTRAST) -> float:
    """The largest t in [0, 1] (in steps of 1/256) for which ``mix(color, t, black)``
    reads at ``ratio``:1 on ``background``: 1 for a colour dark enough already (Okabe–Ito's
    yellow needs 0.53, its orange 0.68, on white)."""
    steps = next((k for k in range(256, -1, -1)
                  if contrast(mix(color, k / 256, "#000000"), background) >= ratio), 0)
    return steps / 256


def legible(color: str, background: str = "#ffffff", ratio: float = TEXT_CONTRAST) -> str:
    """``color`` darkened (mixed with black) just enough to read as text on
    ``background``; itself when it does already.  A ``#rrggbb`` colour; any other is
    returned as it is."""
    if luminance(color) is None:
        return color
    return mix(color, legible_darkening(color, background, ratio), "#000000")
