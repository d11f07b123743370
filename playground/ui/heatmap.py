"""Heat maps over a 2-D data set's plane: a model's output on a grid, the points on it.

:class:`Plane` holds what every heat map of a page shares, so that a lab with several
(the MLP lab's race: one per optimizer) colours and frames them alike.
"""

from __future__ import annotations

import numpy as np
from bokeh.models import ColumnDataSource, LinearColorMapper
from bokeh.plotting import figure

from ..numerics.decision import GRID_SIZE, STANDARD_FRAME, Frame, data_frame
from ..text import tr
from .markup import text_html
from .palettes import (
    CLASS_COLOR_NAMES,
    binary_palette,
    class_color,
    confidence_image,
    heat_palette,
)


def _shade_key(n_classes: int, discretize: bool) -> str:
    """The text key of what a heat map's background says (``set_colors``' palette)."""
    return ("mlp.key.hard" if discretize
            else "mlp.key.soft2" if n_classes == 2 else "mlp.key.softk")


def class_key_text(n_classes: int, discretize: bool, lang: str) -> str:
    """The heat maps' key in words, for a figure's caption (no swatch there): "orange:
    class 0, blue: class 1; background: the probability of class 1, white at 50 %"."""
    classes = tr("caption.list", lang).join(
        tr("mlp.key.named_class", lang, k=k,
           color=tr(f"color.{CLASS_COLOR_NAMES[k % len(CLASS_COLOR_NAMES)]}", lang))
        for k in range(n_classes))
    return tr("mlp.key.caption", lang, classes=classes,
              shade=tr(_shade_key(n_classes, discretize), lang))


class Plane:
    """What every heat map shares: one colour mapper, the data points (training ●,
    validation ▲, hidden until asked for) and the part of the plane shown, the data's
    (``numerics.decision.plane_frame``: [−6, 6]² for the generated sets)."""

    def __init__(self):
        self.color_mapper = LinearColorMapper(palette=binary_palette(), low=0.0, high=1.0)
        self.train_points = ColumnDataSource({"x": [], "y": [], "color": []},
                                             name="pg-train-points")
        self.val_points = ColumnDataSource({"x": [], "y": [], "color": []})
        self.val_renderers = []
        self.val_visible = False  # whether the validation points are drawn
        self.framed = []  # (figure, image renderer) of every heat map, framed together
        self.soft_classes = 0  # K when the map shades K ≥ 3 classes by confidence
        self.two_class_probability = False  # (set_colors)
        self.n_classes, self.discretize = 2, False  # (set_colors)
        self.frame = STANDARD_FRAME  # the part of the plane shown (``show_frame``)

    def figure(self, image_name: str, point_size: float, point_line: float, **kwargs):
        """A heat-map figure drawing the source named ``image_name`` (GRID_SIZE² values,
        ½ until drawn) under the points, over the frame the other heat maps show (a race's
        are built when a race first starts); returns the figure and that source.
        ``kwargs``: the figure's (no toolbar unless they give one)."""
        f = self.frame
        fig = figure(x_range=(f.x0, f.x1), y_range=(f.y0, f.y1), match_aspect=True,
                     **{"toolbar_location": None, "tools": "", **kwargs})
        source = ColumnDataSource({"image": [np.full((GRID_SIZE, GRID_SIZE), 0.5)]},
                                  name=image_name)
        image = fig.image(image="image", x=f.x0, y=f.y0, dw=f.width, dh=f.height,
                          source=source, color_mapper=self.color_mapper)
        self.framed.append((fig, image))
        fig.scatter("x", "y", source=self.train_points, fill_color="color",
                    line_color="white", size=point_size, line_width=point_line)
        self.val_renderers.append(fig.scatter(
            "x", "y", source=self.val_points, fill_color="color", line_color="black",
            size=point_size, marker="triangle", line_width=point_line,
            visible=self.val_visible))
        return fig, source

    def show_points(self, data):
        """The training and validation points of ``data`` (a ``training.Data``), every
        heat map framed on them (the frame the state's grids use: ``data_frame``)."""
        # Without validation points y_val holds the training labels: none are drawn.
        for source, points, y in ((self.train_points, data.points_train, data.y_train),
                                  (self.val_points, data.points_val,
                                   np.asarray(data.y_val)[:len(data.points_val)])):
            source.data = {"x": points[:, 0], "y": points[:, 1],
                           "color": [class_color(c) for c in np.asarray(y)]}
        self.show_frame(data_frame(data))

    def show_frame(self, frame: Frame):
        """Every heat map's axes and image over ``frame``."""
        self.frame = frame
        for fig, image in self.framed:
            fig.x_range.update(start=frame.x0, end=frame.x1)
            fig.y_range.update(start=frame.y0, end=frame.y1)
            image.glyph.update(x=frame.x0, y=frame.y0, dw=frame.width, dh=frame.height)

    def show_val(self, visible: bool):
        """Show or hide the validation points on every heat map."""
        self.val_visible = visible
        for renderer in self.val_renderers:
            renderer.visible = visible

    def set_colors(self, n_classes: int, discretize: bool):
        """Soft colours (probability) or hard ones (discretize: the predicted class)."""
        k = n_classes
        low, high = (-0.5, k - 0.5) if discretize else (0.0, 1.0) if k == 2 else (0.0, float(k))
        self.color_mapper.update(palette=heat_palette(k, discretize), low=low, high=high)
        self.n_classes, self.discretize = k, discretize
        self.soft_classes = 0 if discretize or k == 2 else k
        self.two_class_probability = k == 2 and not discretize  # p₁ over [0, 1]

    def key_html(self, lang: str) -> str:
        """What the heat maps' colours and marks are, as a line under them (HTML): a
        swatch per class, what the background shades say (``set_colors``) and the
        points' marks (``show_val``).  The page had none: which colour was which class,
        and what white or pale meant, was left to guess (a student's review)."""
        dot = ("<span aria-hidden='true' style='display:inline-block;width:0.8em;"
               "height:0.8em;border-radius:50%;vertical-align:-0.05em;"
               "border:1px solid white;background:{}'></span>")
        classes = "&ensp;".join(
            f"{dot.format(class_color(k))} {text_html(tr('mlp.key.class', lang, k=k))}"
            for k in range(self.n_classes))
        shade = _shade_key(self.n_classes, self.discretize)
        points = tr("mlp.key.points", lang) + (
            tr("mlp.key.val", lang) if self.val_visible else "")
        return (f"<span class='pg-heat-key'>{classes}&ensp;·&ensp;"
                f"{text_html(tr(shade, lang))}&ensp;·&ensp;{text_html(points)}</span>")

    def image(self, grid: np.ndarray) -> np.ndarray:
        """A grid of the state's as the colour mapper takes it (float32)."""
        return confidence_image(grid) if self.soft_classes else grid.astype(np.float32)
