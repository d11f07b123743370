"""The MLP lab's network diagram: every neuron's output over the plane, every weight an edge.

TensorFlow Playground's picture of the network.  Columns are the input features, each
hidden layer and the output; each node is a thumbnail of what that unit computes over
the same part of the plane as the heat map (the data's: ``decision.plane_frame``), and
each weight W_ij is a segment from unit i to unit j whose width grows with |W_ij| and
whose colour is its sign (blue positive, orange negative).  Clicking an edge selects
that weight for editing.

The numbers (every unit over the plane, shades, layout) come from
:mod:`playground.numerics.diagram`,
which has no Panel import; this module is the view: ``DiagramPicture``, one Bokeh figure
built once and patched in place with each frame (no Panel: the static export plays
its frames back too), and ``NetworkDiagram``, the lab's, which adds a small editor for
the selected weight.

What a thumbnail shows (white is 0 on every diverging one, blue above, orange below):

* an input feature x̂ after normalisation, scaled by its largest |x̂| on the plane;
* a hidden unit's activation a = f(z) in evaluation mode (batch norm's running
  statistics, no dropout): tanh as it is (−1…1), sigmoid as 2a − 1 (so ½ is white),
  ReLU and linear units scaled by their largest |a| on the plane;
* output unit k: the class probability p_k = softmax(z)_k, from white (0) to class
  k's colour (1), as the heat map shades its classes.  With two classes p₁ is exactly
  the heat map's value.
"""

from __future__ import annotations

import logging

import numpy as np
import panel as pn
import param
from bokeh.events import Tap
from bokeh.models import ColumnDataSource, HoverTool, LinearColorMapper, Range1d
from bokeh.plotting import figure
from panel.io import hold
from panel.viewable import Viewer

from ...numerics import datasets
from ...numerics.diagram import (
    GAP,
    LEVELS,
    MIN_EDGE_WIDTH,
    edge_widths,
    fitted_layout,
    nearest_edge,
    pool,
    quantise,
    shades,
    stack,
)
from ...text import tr
from ...ui.export import TITLE_TAG, with_downloads
from ...ui.flow import WRAP
from ...ui.markup import tagged, tagged_template
from ...ui.palettes import NEGATIVE, POSITIVE, class_palette, diverging_palette
from ...ui.present import PLOT_FONTS, text_size
from ...ui.widgets import INTEGER_CLASS, EmptyableFloatInput, set_text
from .state import MAX_LINK_EPOCHS, MlpLabState

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------
# The view.

FIG_W, FIG_H = 580, 470  # the figure, in pixels: one data unit is one pixel
#: Below the figure's top (px): the title's centre, the column headers' centre, and the
#: thumbnails' top; apart enough that a slide figure's 20-px text (``pg.enlarge``, in a
#: diagram drawn smaller) keeps them apart (30 px between centres: the headers touched
#: the title).
TITLE_BELOW, HEADERS_BELOW, NODES_BELOW = 14, 44, 62
#: The figure's size and its text in lecture mode, over plain mode's: read from the back
#: of a lecture hall (its 14–16 px labels become 19–22 px).
LECTURE_SCALE = 1.35
#: The weight editor's width, its value box's and each number box's (plain mode), px.
EDITOR_W, VALUE_W, PICK_W = 300, 170, 88
#: The diagram's least width in lecture mode (its 20-px title's), or the page's where
#: that is less; 0 in plain mode, where its size is fixed.
LECTURE_LEAST_WIDTH = ":host { min-width: min(100%, calc(var(--pg-lecture, 0) * 700px)); }"
TAP_RADIUS = 7.0  # pixels from an edge that still select it

SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def unit_sizes(state: MlpLabState) -> tuple[int, ...]:
    """The units of each column of ``state``'s network: inputs, hidden layers, classes."""
    arch = state.arch
    return (arch.n_inputs, *arch.hidden, arch.n_classes)


def unit_names(state: MlpLabState) -> list[str]:
    """Every unit's name in ``state``'s network, inputs first ("x₁", "layer 1,
    neuron 3", "p₁ (probability of class 1)"), in the state's language."""
    lang = state.lang
    names = [datasets.FEATURE_LABELS[f] for f in (tuple(state.features) or ("x1", "x2"))]
    for layer, n in enumerate(state.arch.hidden, start=1):
        names += [tr("mlp.net.neuron", lang, layer=layer, unit=u) for u in range(1, n + 1)]
    names += [tr("mlp.net.output_unit", lang, k=k, sub=str(k).translate(SUBSCRIPTS))
              for k in range(state.arch.n_classes)]
    return names


def diagram_legend(state: MlpLabState) -> str:
    """What the diagram's colours and widths mean (plain text), its hidden units'
    scale as the activation's (a sigmoid's white is ½)."""
    kind = "sigmoid" if state.arch.activation == "sigmoid" else "signed"
    return tr("mlp.net.legend", state.lang, units=tr(f"mlp.net.units.{kind}", state.lang))


class DiagramPicture:
    """The diagram's Bokeh figure and the numbers it draws, without Panel: the live
    lab's ``NetworkDiagram`` (which adds the weight editor and the clicks) and the
    static export (``playground.static_export``, which plays its frames back) draw the
    same picture.

    ``set_structure`` lays out a network's units, weights and labels;
    ``frame`` turns a network's diagram values (``MlpLabState.diagram``) into what
    the sources hold; ``draw`` puts a frame in them.
    """

    def __init__(self, lang: str):
        self.lang = lang
        self.scale = 1.0  # of the labels' sizes (lecture mode: LECTURE_SCALE)
        self.height = float(FIG_H)  # the frame's: a small network's is less (set_structure)
        self.label_px: list[int] = []
        self.layout = None
        self.names: list[str] = []
        # No axes, toolbar or Bokeh title: the frame is the whole figure, so one data
        # unit is one pixel and squares stay square (the title is a text glyph).
        fig = figure(width=FIG_W, height=FIG_H, x_range=Range1d(0, FIG_W),
                     y_range=Range1d(0, FIG_H), tools="", toolbar_location=None,
                     x_axis_type=None, y_axis_type=None, min_border=0,
                     outline_line_color=None)
        self.title_text = fig.text([6], [FIG_H - TITLE_BELOW], text=[tr("mlp.net.title", lang)],
                                   text_font_size="16px", text_font_style="bold",
                                   text_baseline="middle", text_color="#333333")
        self.title_text.glyph.tags = [TITLE_TAG]  # a figure enlarges it as a title
        fig.grid.visible = False
        self.edge_mapper = LinearColorMapper(palette=[NEGATIVE, POSITIVE], low=-1.0, high=1.0)
        self.edge_source = ColumnDataSource(
            {k: [] for k in ("x0", "y0", "x1", "y1", "w", "width", "src", "dst")},
            name="pg-network-edges")
        color = {"field": "w", "transform": self.edge_mapper}
        self.edge_renderer = fig.segment(
            "x0", "y0", "x1", "y1", source=self.edge_source, line_width="width",
            line_color=color, line_alpha=0.7, hover_line_color="#222222", hover_line_alpha=1.0)
        self.highlight_source = ColumnDataSource({k: [] for k in ("x0", "y0", "x1", "y1",
                                                                   "w", "width", "halo")})
        fig.segment("x0", "y0", "x1", "y1", source=self.highlight_source, line_color="#222222",
                    line_width="halo", line_alpha=0.9)
        fig.segment("x0", "y0", "x1", "y1", source=self.highlight_source,
                    line_width="width", line_color=color)

        transparent = "rgba(0, 0, 0, 0)"
        self.unit_mapper = LinearColorMapper(palette=diverging_palette(), low=-0.5,
                                             high=LEVELS + 0.5, high_color=transparent)
        self.unit_images = ColumnDataSource({k: [] for k in ("image", "x", "y", "dw", "dh")},
                                            name="pg-network-units")
        fig.image(image="image", x="x", y="y", dw="dw", dh="dh", source=self.unit_images,
                  color_mapper=self.unit_mapper)
        self.output_mapper = LinearColorMapper(palette=class_palette(2, strength=1.0),
                                               low=0.0, high=2.0,
                                               nan_color=transparent)
        self.output_images = ColumnDataSource({k: [] for k in ("image", "x", "y", "dw", "dh")},
                                              name="pg-network-outputs")
        fig.image(image="image", x="x", y="y", dw="dw", dh="dh", source=self.output_images,
                  color_mapper=self.output_mapper)

        self.node_source = ColumnDataSource({k: [] for k in ("x", "y", "side", "border",
                                                             "name")},
                                            name="pg-network-nodes")
        self.node_renderer = fig.rect("x", "y", width="side", height="side",
                                      source=self.node_source, fill_alpha=0.0,
                                      line_color="#4a5560", line_width="border")
        self.label_source = ColumnDataSource({k: [] for k in ("x", "y", "text", "align",
                                                              "size")})
        fig.text("x", "y", text="text", text_align="align", text_font_size="size",
                 text_baseline="middle", text_color="#1f2d3a", source=self.label_source)
        fig.add_tools(HoverTool(renderers=[self.edge_renderer],
                                tooltips="w = @w{0.000}, @src → @dst"))
        fig.add_tools(HoverTool(renderers=[self.node_renderer], tooltips="@name"))
        self.fig = fig

    def label_sizes(self) -> list[str]:
        """Each label's font size at the picture's ``scale``."""
        return [f"{round(px * self.scale)}px" for px in self.label_px]

    def set_structure(self, sizes: tuple[int, ...], names: list[str]):
        """Lay out a network of ``sizes`` (inputs, each hidden layer, classes) whose
        units are called ``names`` (inputs first): nodes, edges (every weight 0, at the
        least width), labels, and blank thumbnails."""
        lang = self.lang
        lay, height = fitted_layout(sizes, FIG_W, FIG_H, top=NODES_BELOW)
        self.layout, self.height = lay, height
        self.fig.y_range.update(start=0, end=height)
        self.fig.height = round(height * self.scale)
        self.title_text.data_source.data["y"] = [height - TITLE_BELOW]
        self.names = names
        starts = np.cumsum((0, *sizes))
        self.edge_source.data = {
            "x0": lay.edges[:, 0], "y0": lay.edges[:, 1],
            "x1": lay.edges[:, 2], "y1": lay.edges[:, 3],
            "w": np.zeros(len(lay.edges), np.float32),
            "width": np.full(len(lay.edges), MIN_EDGE_WIDTH, np.float32),
            "src": [names[starts[k] + i] for k, i in zip(lay.edge_layer, lay.edge_i, strict=True)],
            "dst": [names[starts[k + 1] + j]
                    for k, j in zip(lay.edge_layer, lay.edge_j, strict=True)],
        }
        self.edge_renderer.glyph.line_alpha = 0.8 if len(lay.edges) <= 200 else 0.55
        self.node_source.data = {"x": lay.node_x, "y": lay.node_y, "side": lay.node_side,
                                 "border": np.where(lay.node_side < 15, 0.6, 1.0), "name": names}
        # labels: input features on the left, class probabilities on the right, titles on top
        d, k = sizes[0], sizes[-1]
        first, last = lay.columns[0], lay.columns[-1]
        text = names[:d] + [f"p{str(c).translate(SUBSCRIPTS)}" for c in range(k)]
        x = [first.x - first.side / 2 - 6] * d + [last.x + last.side / 2 + 5] * k
        y = [*lay.node_y[:d], *lay.node_y[-k:]]
        align = ["right"] * d + ["left"] * k
        px = [16] * (d + k)
        titles = ([tr("mlp.net.inputs", lang)]
                  + [tr("mlp.net.layer", lang, layer=n) for n in range(1, len(sizes) - 1)]
                  + [tr("mlp.net.output", lang)])
        for col, title in zip(lay.columns, titles, strict=True):
            text.append(title)
            x.append(col.x)
            y.append(height - HEADERS_BELOW)
            align.append("center")
            px.append(14)
        self.label_px = px
        self.label_source.data = {"x": x, "y": y, "text": text, "align": align,
                                  "size": self.label_sizes()}
        geometry = lambda cols: {"x": [c.x - c.side / 2 for c in cols],
                                 "y": [c.bottom for c in cols],
                                 "dw": [c.side for c in cols], "dh": [c.height for c in cols]}
        self.unit_images.data = {"image": [np.full((c.n * c.rows, c.rows), GAP, np.uint8)
                                           for c in lay.columns[:-1]], **geometry(lay.columns[:-1])}
        self.output_images.data = {"image": [np.full((last.n * last.rows, last.rows), np.nan,
                                                     np.float32)], **geometry(lay.columns[-1:])}
        self.output_mapper.update(palette=class_palette(k, strength=1.0), high=float(k))

    def frame(self, grids: np.ndarray, weights: np.ndarray, activation: str) -> dict:
        """What the picture shows of a network (its diagram values: ``grids``, every
        unit over the plane, and ``weights``, flattened; ``MlpLabState.diagram``) in
        the structure set: ``units``, one uint8 image per column but the last;
        ``outputs``, the output column's image (float32, NaN between thumbnails);
        ``w`` and ``width``, each edge's weight and line width (px)."""
        lay = self.layout
        n_inputs, n_classes = lay.columns[0].n, lay.columns[-1].n
        units, outputs = shades(grids, activation, n_inputs, n_classes)
        images, start = [], 0
        for col in lay.columns[:-1]:
            tiles = quantise(pool(units[start:start + col.n], col.rows))
            images.append(stack(tiles, col.gap, GAP))
            start += col.n
        last = lay.columns[-1]
        w = np.asarray(weights, np.float32)
        return {"units": images,
                "outputs": stack(pool(outputs, last.rows), last.gap, np.float32(np.nan)),
                "w": w, "width": edge_widths(w, lay.edge_max_width)}

    def draw(self, frame: dict):
        """Show ``frame`` (``frame()``), patching the sources in place."""
        self.unit_images.data.update(image=frame["units"])
        self.output_images.data.update(image=[frame["outputs"]])
        self.edge_source.data.update(w=frame["w"], width=frame["width"])


class NetworkDiagram(Viewer):
    """The network as TensorFlow Playground draws it, with a weight editor.

    ``update()`` redraws from the state (the lab calls it inside its ``hold()``);
    it patches the figure's sources and rebuilds their rows only when the
    architecture or the features changed.  ``on_edit`` is called after a weight
    was set (the lab redraws everything); without it the diagram updates itself.
    """

    state = param.ClassSelector(class_=MlpLabState)
    on_edit = param.Callable(default=None)

    def __init__(self, **params):
        super().__init__(**params)
        self.selected: tuple[int, int, int] | None = None  # (layer, i, j) of W[i, j]
        self.scale = 1.0  # LECTURE_SCALE in lecture mode (``display_changed``)
        self._structure = None
        self._syncing = False  # the input is being set from the state, not by a person
        self._build_figure()
        self.editable = True  # (``lock_weights``)
        self._build_editor()
        self.pane = pn.pane.Bokeh(self.fig, sizing_mode="fixed")
        self.picture = with_downloads(self.pane, "network", self.state)
        # In lecture mode (``display_changed``) as wide as its title at least, the editor
        # then going below it; never wider than the page.
        self.picture.stylesheets = [*self.picture.stylesheets, LECTURE_LEAST_WIDTH]
        self.view = pn.Row(self.picture, self.editor, stylesheets=[WRAP])
        self._rebuild()
        # A refused weight and an edit's losses speak of the network as it was then.
        self.state.param.watch(self._network_moved, ["epoch", "generation"])

    # -- building ------------------------------------------------------------------

    def _build_figure(self):
        self.drawing = pic = DiagramPicture(self.state.lang)
        # (what the lab's tests and the weight editor read)
        self.fig, self.title_text = pic.fig, pic.title_text
        self.edge_source, self.highlight_source = pic.edge_source, pic.highlight_source
        self.unit_images, self.output_images = pic.unit_images, pic.output_images
        self.node_source, self.label_source = pic.node_source, pic.label_source
        self.edge_mapper, self.output_mapper = pic.edge_mapper, pic.output_mapper
        self.edge_renderer = pic.edge_renderer
        self.fig.on_event(Tap, self._on_tap)

    def _build_editor(self):
        lang = self.state.lang
        small = {"font-size": text_size(13), "color": "var(--pg-ink, #333)"}
        self.weight_label = pn.pane.HTML(
            f"<span class='pg-weight-label'>{tr('mlp.net.hint', lang)}</span>",
            styles={"font-size": text_size(15)}, sizing_mode="stretch_width")
        self.weight_input = EmptyableFloatInput(
            name=tr("mlp.net.value", lang), value=None, step=0.1, width=VALUE_W, disabled=True,
            css_classes=["pg-weight-input"])
        self.weight_input._debounce = 0
        self.weight_input.param.watch(self._on_value, "value")
        self.weight_message = pn.pane.HTML("", visible=False, css_classes=["pg-weight-error"],
                                           styles={"color": "var(--pg-error, #b00020)",
                                                   "font-size": text_size(13)},
                                           sizing_mode="stretch_width")
        self.edit_note = pn.pane.HTML("", visible=False, css_classes=["pg-weight-note"],
                                      styles=small, sizing_mode="stretch_width")
        self.legend = pn.pane.HTML(self._legend_text(), styles=small,
                                   sizing_mode="stretch_width")
        # The keyboard's way to a weight (no mouse): its layer and the units it joins.
        pick = lambda name, css: pn.widgets.IntInput(name=name, value=None, start=1,
                                                     width=PICK_W,
                                                     css_classes=[css, INTEGER_CLASS])
        self.pick_layer = pick(tr("mlp.net.pick_layer", lang), "pg-pick-layer")
        self.pick_from = pick(tr("mlp.net.pick_from", lang), "pg-pick-from")
        self.pick_to = pick(tr("mlp.net.pick_to", lang), "pg-pick-to")
        for box in (self.pick_layer, self.pick_from, self.pick_to):
            box.param.watch(self._on_pick, "value")
        self.picker = pn.Column(
            pn.pane.HTML(tr("mlp.net.pick", lang), styles=small, margin=(10, 10, 0, 10)),
            pn.Row(self.pick_layer, self.pick_from, self.pick_to), margin=0)
        self.editor = pn.Column(self.weight_label, self.weight_input, self.weight_message,
                                self.edit_note, self.picker, self.legend, width=EDITOR_W,
                                margin=(40, 10, 10, 10))

    def _legend_text(self) -> str:
        return diagram_legend(self.state)

    def display_changed(self, display):
        """Lecture mode: the figure and its text ``LECTURE_SCALE`` times larger (its
        ranges kept, so every square, thumbnail and click lands as before)."""
        scale = LECTURE_SCALE if display.present else 1.0
        if scale == self.scale:
            return  # (called again every 1.5 s while the display is not plain)
        self.scale = self.drawing.scale = scale
        # Larger where the page has room: in a narrower window its width, and with it
        # its height, shrinks (a fixed size would run out of the page).
        width, height = round(FIG_W * scale), round(self.drawing.height * scale)
        self.fig.update(width=width, height=height)
        large = scale > 1
        for part in (self.pane, self.picture):
            part.param.update(sizing_mode=("scale_width" if part is self.pane else
                                           "stretch_width") if large else "fixed",
                              max_width=width if large else None)
        # The editor as much wider as its text is larger (at 300 px lecture mode's text
        # wrapped every few words, "Value (press Enter)" over two lines).
        self.editor.width = round(EDITOR_W * scale)
        self.weight_input.width = round(VALUE_W * scale)
        for box in (self.pick_layer, self.pick_from, self.pick_to):
            box.width = round(PICK_W * scale)
        # As large as the charts' titles (at 20 px it was smaller than its own headers).
        self.title_text.glyph.text_font_size = PLOT_FONTS["title"] if large else "16px"
        self.label_source.data = {**self.label_source.data,
                                  "size": self.drawing.label_sizes()}

    def lock_weights(self):
        """No weight can be edited (``hide=edits``: a page that fixes the link's weights
        keeps no control that changes them): the editor goes, its legend stays, and a
        click on a weight selects nothing."""
        self.editable = False
        for part in (self.weight_label, self.weight_input, self.weight_message,
                     self.edit_note, self.picker):
            part.visible = False

    def __panel__(self):
        # fixed: the page's default stretch_width would scale x and y differently
        # narrow: the editor below (Bokeh gives a Row its children's sum as minimum width)
        return self.view

    # -- drawing ---------------------------------------------------------------------

    def _features(self) -> tuple[str, ...]:
        return tuple(self.state.features) or ("x1", "x2")

    def _rebuild(self):
        """New rows for a new architecture (or features): nodes, edges, labels."""
        sizes = unit_sizes(self.state)
        self._structure = (sizes, self._features())
        self.names = unit_names(self.state)
        self.drawing.set_structure(sizes, self.names)
        self.layout = self.drawing.layout
        if self.selected is not None:
            layer, i, j = self.selected
            inside = layer < len(sizes) - 1 and i < sizes[layer] and j < sizes[layer + 1]
            self.select(*self.selected) if inside else self.select(None)

    def update(self):
        """Redraw thumbnails and edges from the state's current network (in place)."""
        s = self.state
        if self._structure != (unit_sizes(s), self._features()):
            self._rebuild()
        legend = self._legend_text()
        if self.legend.object != legend:  # (the activation changed)
            self.legend.object = legend
        grids, weights = s.diagram()  # (computed with the training while playing)
        frame = self.drawing.frame(grids, weights, s.arch.activation)
        self.weights = frame["w"]
        self.drawing.draw(frame)
        if self.selected is not None:
            self._show_selected()

    # -- selecting and editing a weight --------------------------------------------------

    def _index(self, layer: int, i: int, j: int) -> int:
        lay = self.layout
        hits = np.flatnonzero((lay.edge_layer == layer) & (lay.edge_i == i) & (lay.edge_j == j))
        return int(hits[0]) if len(hits) else -1

    def weight(self, layer: int, i: int, j: int) -> float:
        """W[i, j] of ``layer`` in the state's network, now."""
        return float(self.state.model.params[layer]["W"][i, j])

    def select(self, layer: int | None, i: int = 0, j: int = 0):
        """Select weight W[i, j] of ``layer`` for editing (``None``: nothing selected)."""
        lang = self.state.lang
        k = -1 if layer is None else self._index(layer, i, j)
        self._set_message("")
        set_text(self.edit_note, "")
        self.edit_note.visible = False
        if k < 0:
            self.selected = None
            self.highlight_source.data = {c: [] for c in self.highlight_source.data}
            set_text(self.weight_label,
                      f"<span class='pg-weight-label'>{tr('mlp.net.hint', lang)}</span>")
            self._sync_input(None)
            self.weight_input.disabled = True
            return
        self.selected = (layer, i, j)
        # The label, the value and the enabled box in one message also from a tap on an
        # edge (a Bokeh callback, which Panel does not batch as it does its widgets'
        # events): a value arriving after the label could replace what a reader typed.
        with hold():
            self._sync_picks(layer, i, j)
            data = self.edge_source.data
            set_text(self.weight_label, tagged_template(
                "pg-weight-label", tr("mlp.net.weight", lang),
                source=data["src"][k], target=data["dst"][k]))
            self.weight_input.disabled = False
            self._show_selected()

    def _show_selected(self):
        layer, i, j = self.selected
        k = self._index(layer, i, j)
        x0, y0, x1, y1 = self.layout.edges[k]
        w = self.weight(layer, i, j)
        width = float(edge_widths(np.array([w]), self.layout.edge_max_width[k])[0])
        self.highlight_source.data = {"x0": [x0], "y0": [y0], "x1": [x1], "y1": [y1],
                                      "w": [w], "width": [width], "halo": [width + 4.0]}
        self._sync_input(round(w, 4))

    def _sync_picks(self, layer: int, i: int, j: int):
        """The number boxes show the selected weight (1-based: layer, from, to)."""
        self._syncing = True
        try:
            self.pick_layer.value, self.pick_from.value, self.pick_to.value = (
                layer + 1, i + 1, j + 1)
        finally:
            self._syncing = False

    def _on_pick(self, _event):
        """A weight chosen by number: W[from, to] of the layer, if there is one."""
        if self._syncing:
            return
        picks = (self.pick_layer.value, self.pick_from.value, self.pick_to.value)
        if any(v is None for v in picks):
            return
        layer, i, j = (int(v) - 1 for v in picks)
        params = self.state.model.params
        shape = params[layer]["W"].shape if 0 <= layer < len(params) else (0, 0)
        if 0 <= i < shape[0] and 0 <= j < shape[1]:
            self.select(layer, i, j)
        else:
            self.select(None)
            self._set_message(tr("mlp.net.pick_none", self.state.lang, layers=len(params)))

    def _sync_input(self, value):
        current = self.weight_input.value
        if value is None and current is None:
            return
        if value is not None and current is not None and abs(current - value) < 5e-5:
            return
        self._syncing = True
        try:
            self.weight_input.value = value
        finally:
            self._syncing = False

    def _network_moved(self, *_events):
        """Trained on, or a new network: the last edit's note and a refusal go."""
        self._set_message("")
        if self.edit_note.visible:
            set_text(self.edit_note, "")
            self.edit_note.visible = False

    def _set_message(self, text: str):
        set_text(self.weight_message, tagged("pg-weight-message", text) if text else "")
        self.weight_message.visible = bool(text)

    def _on_tap(self, event):
        if not self.editable:
            return
        try:
            k, dist = nearest_edge(self.layout.edges, float(event.x), float(event.y))
            lay = self.layout
            if k >= 0 and dist <= max(TAP_RADIUS, float(self.edge_source.data["width"][k])):
                self.select(int(lay.edge_layer[k]), int(lay.edge_i[k]), int(lay.edge_j[k]))
        except Exception as e:  # never a traceback in the page
            log.exception("the tapped edge could not be selected")
            self._set_message(tr("error.unexpected", self.state.lang, error=e))

    def _on_value(self, event):
        if self._syncing or self.selected is None:
            return
        s = self.state
        try:
            if event.new is None:
                problem = tr("mlp.weight.not_a_number", s.lang)
            else:
                problem = s.set_weight(*self.selected, event.new)
            if problem:  # said under the box, which goes back to the weight in use
                self._set_message(problem)
                self._sync_input(round(self.weight(*self.selected), 4))
                return
            self._set_message("")
            losses = np.asarray(s.evaluate(s.arch, s.model, s.data))
            note = tr("mlp.net.after_edit", s.lang, train=f"{losses[0]:.3f}",
                      val=f"{losses[2]:.3f}")
            if not s.last_edit_linked and not s.racers:  # past the epochs a link reaches
                note += " " + tr("mlp.weight.not_in_link", s.lang, epoch=MAX_LINK_EPOCHS)
            set_text(self.edit_note, tagged("pg-weight-note", note))
            self.edit_note.visible = True
            if self.on_edit is not None:
                self.on_edit()
            else:
                self.update()
        except Exception as e:  # never a traceback in the page
            log.exception("the typed weight could not be applied")
            self._set_message(tr("error.unexpected", self.state.lang, error=e))
