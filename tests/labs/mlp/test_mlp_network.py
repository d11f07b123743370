"""The network diagram: unit thumbnails against a NumPy forward pass, edges, editing."""

import math
import time
from types import SimpleNamespace

import jax.numpy as jnp
import numpy as np
import panel as pn
import pytest

import playground  # noqa: F401  (enables float64 in JAX)
from playground.labs.mlp.lab import MlpLab
from playground.labs.mlp.network import NetworkDiagram
from playground.labs.mlp.state import MlpLabState
from playground.numerics import training
from playground.numerics.decision import decision_grid
from playground.numerics.diagram import THUMB_SIZE, W_CLIP, edge_widths, shades, unit_grids
from playground.ui.palettes import NEGATIVE, POSITIVE

NUMPY_FEATURES = {"x1": lambda x, y: x, "x2": lambda x, y: y, "x1_sq": lambda x, y: x**2,
                  "x1x2": lambda x, y: x * y, "sin_x2": lambda x, y: np.sin(y)}
NUMPY_ACTIVATIONS = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0),
                     "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)), "linear": lambda z: z}


def numpy_units(params, features, mean, std, activation, size, bn_state=None, eps=1e-5):
    """Every unit over the plane, by hand: features, normalise, layers, softmax (float64)."""
    axis = np.linspace(-6.0, 6.0, size)
    gx, gy = np.meshgrid(axis, axis)
    x = np.stack([NUMPY_FEATURES[f](gx.ravel(), gy.ravel()) for f in features], axis=1)
    a = (x - mean) / std
    units = [a]
    for k, layer in enumerate(params[:-1]):
        z = a @ layer["W"] + layer["b"]
        if bn_state is not None:
            z = (z - bn_state[k]["mean"]) / np.sqrt(bn_state[k]["var"] + eps)
            z = layer["gamma"] * z + layer["beta"]
        a = NUMPY_ACTIVATIONS[activation](z)
        units.append(a)
    logits = a @ params[-1]["W"] + params[-1]["b"]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    units.append(e / e.sum(axis=1, keepdims=True))
    return np.concatenate(units, axis=1).T.reshape(-1, size, size)


def known_params(sizes, seed=0, batchnorm=False):
    rng = np.random.default_rng(seed)
    params = []
    for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layer = {"W": rng.normal(size=(n_in, n_out)), "b": 0.3 * rng.normal(size=n_out)}
        if batchnorm and k < len(sizes) - 2:
            layer["gamma"] = 1.0 + 0.2 * rng.normal(size=n_out)
            layer["beta"] = 0.2 * rng.normal(size=n_out)
        params.append(layer)
    return params


def as_jax(tree):
    return [{k: jnp.asarray(v) for k, v in layer.items()} for layer in tree]


# -- the numerics -----------------------------------------------------------------


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "linear"])
@pytest.mark.parametrize("hidden", [(3, 2), (4,), ()])
def test_unit_grids_match_a_numpy_forward_pass(activation, hidden):
    features = ("x1", "x2", "x1_sq", "sin_x2")
    sizes = (len(features), *hidden, 3)
    params = known_params(sizes, seed=len(hidden))
    mean, std = np.array([0.5, -0.2, 12.0, 0.1]), np.array([3.0, 3.5, 10.0, 0.7])
    arch = training.Arch(len(features), hidden, 3, activation)
    got = np.asarray(unit_grids(arch, as_jax(params), (), jnp.asarray(mean), jnp.asarray(std),
                                features, size=9))
    want = numpy_units(params, features, mean, std, activation, 9)
    assert got.shape == (sum(sizes), 9, 9)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_unit_grids_with_batch_norm_use_the_running_statistics():
    features, hidden = ("x1", "x2"), (5, 4)
    params = known_params((2, 5, 4, 2), seed=3, batchnorm=True)
    rng = np.random.default_rng(4)
    bn = [{"mean": rng.normal(size=n), "var": rng.uniform(0.5, 2.0, n)} for n in hidden]
    arch = training.Arch(2, hidden, 2, "tanh", batchnorm=True)
    got = unit_grids(arch, as_jax(params), tuple(as_jax(bn)), jnp.zeros(2), jnp.ones(2),
                     features, size=7)
    want = numpy_units(params, features, np.zeros(2), np.ones(2), "tanh", 7, bn_state=bn)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-10, atol=1e-12)


def test_input_thumbnails_are_the_features_and_the_output_is_the_heat_map():
    s = MlpLabState(features=["x1", "x2", "x1x2"], normalise=True, layers="4")
    features = tuple(s.features)
    grids = np.asarray(unit_grids(s.arch, s.model.params, s.model.bn_state,
                                  jnp.asarray(s.data.mean), jnp.asarray(s.data.std), features))
    axis = np.linspace(-6.0, 6.0, THUMB_SIZE)
    gx, gy = np.meshgrid(axis, axis)
    for k, raw in enumerate((gx, gy, gx * gy)):
        np.testing.assert_allclose(grids[k], (raw - s.data.mean[k]) / s.data.std[k],
                                   rtol=1e-5, atol=1e-5)
    p1 = decision_grid(s.arch, s.model.params, s.model.bn_state, jnp.asarray(s.data.mean),
                       jnp.asarray(s.data.std), features, size=THUMB_SIZE)
    np.testing.assert_allclose(grids[-1], np.asarray(p1), atol=1e-6)
    np.testing.assert_allclose(grids[-2] + grids[-1], 1.0, atol=1e-6)


def test_shades_put_every_unit_on_the_colour_scale():
    rng = np.random.default_rng(0)
    inputs = 4.0 * rng.normal(size=(2, 5, 5))
    hidden = rng.uniform(0.0, 3.0, size=(3, 5, 5))
    p1 = rng.uniform(size=(5, 5))
    grids = np.concatenate([inputs, hidden, np.stack([1 - p1, p1])])
    units, outputs = shades(grids, "relu", 2, 2)
    np.testing.assert_allclose(units[:2], inputs / np.abs(inputs).max(axis=(1, 2),
                                                                      keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(units[2:], hidden / hidden.max(axis=(1, 2), keepdims=True),
                               rtol=1e-6)
    np.testing.assert_allclose(outputs[1], 1.0 + np.minimum(p1, 0.9999), rtol=1e-6)
    np.testing.assert_allclose(outputs[0], np.minimum(1 - p1, 0.9999), rtol=1e-6)
    sig, _ = shades(grids, "sigmoid", 2, 2)
    np.testing.assert_allclose(sig[2:], np.clip(2 * hidden - 1, -1, 1), rtol=1e-6)
    tanh, _ = shades(np.concatenate([inputs, np.tanh(hidden - 1), np.stack([1 - p1, p1])]),
                     "tanh", 2, 2)
    np.testing.assert_allclose(tanh[2:], np.tanh(hidden - 1), rtol=1e-6)
    dead, _ = shades(np.concatenate([inputs, 0 * hidden, np.stack([1 - p1, p1])]), "relu", 2, 2)
    assert np.all(dead[2:] == 0) and np.all(np.isfinite(dead))  # a dead ReLU is white


def test_edge_widths_grow_with_the_magnitude_and_are_clipped():
    w = np.array([-5.0, -W_CLIP, -1.0, 0.0, 0.5, 1.0, W_CLIP, 50.0])
    width = edge_widths(w, 4.0)
    np.testing.assert_allclose(width[[2, 5]], 4.0 / W_CLIP)
    assert width[4] == pytest.approx(2.0 / W_CLIP)
    assert width[0] == width[1] == width[6] == width[7] == 4.0  # clipped
    assert 0 < width[3] < 0.2  # zero: a hairline (a canvas ignores width 0)


# -- the diagram -------------------------------------------------------------------


@pytest.fixture
def lab():
    lab = MlpLab()
    lab.start()
    return lab


def mapped_colour(mapper, value):
    """What a LinearColorMapper gives ``value`` in the browser."""
    n = len(mapper.palette)
    k = math.floor((value - mapper.low) / (mapper.high - mapper.low) * n)
    return mapper.palette[min(max(k, 0), n - 1)]


def test_edges_show_every_weight_by_width_and_sign(lab):
    net = lab.network
    params = lab.state.model.params
    weights = np.concatenate([np.asarray(layer["W"]).ravel() for layer in params])
    data = net.edge_source.data
    assert len(data["w"]) == 2 * 8 + 8 * 8 + 8 * 2 and len(net.node_source.data["x"]) == 20
    np.testing.assert_allclose(data["w"], weights, rtol=1e-6)
    width = np.asarray(data["width"])
    for layer in range(3):  # within a layer, wider for larger |w|
        w = np.abs(weights[net.layout.edge_layer == layer])
        order = np.argsort(w)
        assert np.all(np.diff(width[net.layout.edge_layer == layer][order]) >= -1e-6)
    np.testing.assert_allclose(width, edge_widths(weights, net.layout.edge_max_width))
    colours = [mapped_colour(net.edge_mapper, w) for w in weights]
    assert all(c == (POSITIVE if w > 0 else NEGATIVE) for c, w in zip(colours, weights,
                                                                      strict=True))
    # the hover text names both ends: x₂ → layer 1, neuron 3 is W₀[1, 2]
    k = net._index(0, 1, 2)
    assert data["src"][k] == "x₂" and data["dst"][k] == "layer 1, neuron 3"
    assert data["dst"][net._index(2, 0, 1)] == "p₁ (probability of class 1)"
    # edges are drawn behind the nodes
    renderers = net.fig.renderers
    assert renderers.index(net.edge_renderer) < min(
        i for i, r in enumerate(renderers) if r.data_source is net.unit_images)


def test_set_weight_changes_exactly_one_weight_and_the_boundary():
    s = MlpLabState()
    before, best = s.model.params, s.best_model
    grid = s.grid()
    assert s.set_weight(1, 2, 5, 7.5) == ""
    for k, (old, new) in enumerate(zip(before, s.model.params, strict=True)):
        diff = np.argwhere(np.asarray(old["W"]) != np.asarray(new["W"]))
        assert diff.tolist() == ([[2, 5]] if k == 1 else [])
        np.testing.assert_array_equal(old["b"], new["b"])
    assert float(s.model.params[1]["W"][2, 5]) == 7.5
    assert s.best_model is best and float(best.params[1]["W"][2, 5]) != 7.5
    assert float(before[1]["W"][2, 5]) != 7.5  # a new pytree: the old one is untouched
    assert not np.allclose(s.grid(), grid)


@pytest.mark.parametrize("value, words", [
    (float("nan"), "finite"), (float("inf"), "finite"), (-float("inf"), "finite"),
    (100.5, "between"), (-1e6, "between"), (None, "number"), ("abc", "number"),
])
def test_bad_weights_are_refused_with_a_reason(value, words):
    s = MlpLabState()
    params = s.model.params
    problem = s.set_weight(0, 0, 0, value)
    assert words in problem and s.model.params is params
    assert "no weight" in s.set_weight(3, 0, 0, 1.0) and "no weight" in s.set_weight(0, 2, 0, 1)
    assert s.set_weight(0, 0, 0, -100.0) == ""  # the limit itself is allowed


def test_editing_a_weight_redraws_at_once_even_when_paused(lab):
    net, s = lab.network, lab.state
    lab.train_chunk(3)
    assert lab.callback is None  # paused
    boundary = np.array(lab.image_source.data["image"][0])
    thumbnails = [np.array(im) for im in net.unit_images.data["image"]]
    assert net.selected is None and net.weight_input.disabled
    net.select(0, 1, 2)
    label = net.weight_label.object
    assert "x₂" in label and "layer 1, neuron 3" in label
    # the names bold, the table's tags not shown as characters
    assert "<b>x₂</b>" in label and "<b>layer 1, neuron 3</b>" in label and "&lt;" not in label
    assert net.weight_input.value == pytest.approx(float(s.model.params[0]["W"][1, 2]), abs=1e-4)
    net.weight_input.value = -6.0
    assert float(s.model.params[0]["W"][1, 2]) == -6.0 and not net.weight_message.visible
    assert not np.allclose(np.array(lab.image_source.data["image"][0]), boundary)
    assert not all(np.array_equal(a, np.array(b)) for a, b in
                   zip(thumbnails, net.unit_images.data["image"], strict=True))
    k = net._index(0, 1, 2)
    assert net.edge_source.data["w"][k] == -6.0
    assert net.edge_source.data["width"][k] == net.layout.edge_max_width[k]  # clipped
    assert list(net.highlight_source.data["w"]) == [-6.0]
    assert net.edit_note.visible and "training loss" in net.edit_note.object
    assert s.epoch == 3  # the same epoch, edited
    # a bad value says why and changes nothing
    params = s.model.params
    net.weight_input.value = 250.0
    assert net.weight_message.visible and "between" in net.weight_message.object
    assert "Traceback" not in net.weight_message.object and s.model.params is params
    net.weight_input.value = 1.25  # a good value clears the message
    assert not net.weight_message.visible and float(s.model.params[0]["W"][1, 2]) == 1.25
    # training goes on from the edited network
    lab.step.clicks += 1
    assert s.epoch == 4


def test_clicking_near_an_edge_selects_it_and_elsewhere_does_not(lab):
    net = lab.network
    k = net._index(1, 3, 6)
    x0, y0, x1, y1 = net.layout.edges[k]
    net._on_tap(SimpleNamespace(x=x0 + 0.3 * (x1 - x0), y=y0 + 0.3 * (y1 - y0) + 0.5))
    assert net.selected == (1, 3, 6) and not net.weight_input.disabled
    net._on_tap(SimpleNamespace(x=5.0, y=5.0))  # empty corner: the selection stays
    assert net.selected == (1, 3, 6)
    net.select(None)
    assert net.selected is None and net.weight_input.disabled
    assert len(net.highlight_source.data["w"]) == 0


def test_a_weight_is_chosen_by_number_from_the_keyboard(lab):
    """Issue #12: weights editable without a mouse: layer, from unit, to unit (1-based)."""
    net, s = lab.network, lab.state
    net.pick_layer.value, net.pick_from.value = 2, 4
    assert net.selected is None  # not all three yet
    net.pick_to.value = 7
    assert net.selected == (1, 3, 6) and not net.weight_input.disabled
    net.weight_input.value = 2.5
    assert float(s.model.params[1]["W"][3, 6]) == 2.5
    net.pick_to.value = 99  # no such unit: said, nothing selected
    assert net.selected is None and net.weight_message.visible
    assert "No such weight" in net.weight_message.object
    k = net._index(0, 1, 2)  # a click selects, and the boxes follow it
    x0, y0, x1, y1 = net.layout.edges[k]
    net._on_tap(SimpleNamespace(x=(x0 + x1) / 2, y=(y0 + y1) / 2))
    assert (net.pick_layer.value, net.pick_from.value, net.pick_to.value) == (1, 2, 3)
    assert not net.weight_message.visible


def test_hide_edits_locks_the_links_weights():
    """``hide=edits`` (a page that fixes the link's edited weights): the weight editor,
    the diagram's control of ``edits``, goes; a click on a weight selects nothing; the
    link's edit is still made, and the legend stays."""
    state = MlpLabState()
    assert state.apply_query({"edits": "0:1:1:1:2.5"}) == []
    lab = MlpLab(state=state)
    lab.hide_controls(["edits"])
    lab.start()
    net = lab.network
    assert float(state.model.params[0]["W"][0, 0]) == 2.5
    hidden = (net.weight_label, net.weight_input, net.weight_message, net.edit_note,
              net.picker)
    assert not any(part.visible for part in hidden) and net.legend.visible
    k = net._index(0, 1, 2)
    x0, y0, x1, y1 = net.layout.edges[k]
    net._on_tap(SimpleNamespace(x=(x0 + x1) / 2, y=(y0 + y1) / 2))
    assert net.selected is None
    other = MlpLab()  # without hide=edits: the same click selects that weight
    other.start()
    other.network._on_tap(SimpleNamespace(x=(x0 + x1) / 2, y=(y0 + y1) / 2))
    assert other.network.selected == (0, 1, 2) and other.network.weight_input.visible


def test_training_changes_the_thumbnails(lab):
    net = lab.network
    before = [np.array(im) for im in net.unit_images.data["image"]]
    outputs = np.array(net.output_images.data["image"][0])
    lab.train_chunk(20)
    after = net.unit_images.data["image"]
    assert np.array_equal(before[0], after[0])  # the inputs do not learn
    assert not np.array_equal(before[1], after[1]) and not np.array_equal(before[2], after[2])
    assert not np.allclose(outputs, net.output_images.data["image"][0], equal_nan=True)


def test_a_new_architecture_rebuilds_nodes_and_edges(lab):
    net = lab.network
    net.select(1, 7, 7)
    assert len(net.node_source.data["x"]) == 2 + 8 + 8 + 2
    assert len(net.edge_source.data["w"]) == 96
    lab.controls.layers.value = "3"
    assert len(net.node_source.data["x"]) == 2 + 3 + 2
    assert len(net.edge_source.data["w"]) == 2 * 3 + 3 * 2
    assert len(net.unit_images.data["image"]) == 2  # inputs and one hidden layer
    assert net.selected is None  # the selected weight is gone
    lab.controls.layers.value = "0"  # a linear model: inputs straight to the outputs
    assert len(net.edge_source.data["w"]) == 4 and len(net.unit_images.data["image"]) == 1
    assert net.label_source.data["text"][-2:] == ["Inputs", "Output"]


def test_a_small_network_is_drawn_in_a_frame_no_taller_than_it_needs(lab):
    """A linear model's two rows of thumbnails sat in the middle of the 470-px frame,
    170 px of blank above and below: its frame now ends under its columns, whose
    thumbnails keep their size, the title and headers at the frame's top."""
    from playground.labs.mlp.network import FIG_H, HEADERS_BELOW, NODES_BELOW, TITLE_BELOW

    net = lab.network
    big_side = net.drawing.layout.columns[0].side
    lab.state.layers = "0"  # a linear model: inputs and outputs only (the under-fit preset)
    pic = net.drawing
    tallest = max(c.height for c in pic.layout.columns)
    assert pic.height < FIG_H / 2 and net.fig.height == round(pic.height)
    assert net.fig.y_range.end == pic.height
    top_edge = max(c.bottom + c.height for c in pic.layout.columns)
    assert pic.height - NODES_BELOW - 10 <= top_edge <= pic.height - NODES_BELOW
    assert 0 <= min(c.bottom for c in pic.layout.columns) <= 12
    assert tallest + NODES_BELOW < pic.height
    assert pic.layout.columns[0].side >= big_side  # thumbnails no smaller
    assert net.title_text.data_source.data["y"] == [pic.height - TITLE_BELOW]
    headers = [y for y, a in zip(net.label_source.data["y"], net.label_source.data["align"],
                                 strict=True) if a == "center"]
    assert headers == [pic.height - HEADERS_BELOW] * 2


def test_lecture_mode_draws_the_diagram_larger_and_plain_mode_as_before(lab):
    """In lecture mode the figure and its text are LECTURE_SCALE times larger, its
    ranges (one data unit a pixel in plain mode) kept; a new architecture keeps the
    scale; plain mode brings back the sizes exactly."""
    from playground.labs.mlp.network import FIG_H, FIG_W, LECTURE_SCALE
    from playground.ui.present import PLOT_FONTS, Display

    net = lab.network
    plain = list(net.label_source.data["size"])
    assert set(plain) == {"16px", "14px"}
    height = net.drawing.height  # the default network's 8-unit columns fill it nearly
    assert FIG_H - 20 < height <= FIG_H and net.fig.height == round(height)
    lab.display_changed(Display(present=True))
    assert (net.fig.width, net.fig.height) == (round(FIG_W * LECTURE_SCALE),
                                               round(height * LECTURE_SCALE))
    assert (net.fig.x_range.end, net.fig.y_range.end) == (FIG_W, height)
    assert set(net.label_source.data["size"]) == {"22px", "19px"}  # 16 and 14 × 1.35
    # The title as large as the charts' titles, larger than the column headers.
    assert net.title_text.glyph.text_font_size == PLOT_FONTS["title"] == "24px"
    lab.controls.layers.value = "3"  # rebuilt in lecture mode: still large
    assert set(net.label_source.data["size"]) == {"22px", "19px"}
    lab.display_changed(Display(present=False))
    assert (net.fig.width, net.fig.height) == (FIG_W, round(net.drawing.height))
    assert set(net.label_source.data["size"]) == {"16px", "14px"}
    assert net.title_text.glyph.text_font_size == "16px"


def test_six_wide_layers_with_batch_norm_and_three_classes():
    s = MlpLabState()
    assert s.apply_query({"layers": "32,32,32,32,32,32", "batchnorm": "1", "activation": "relu",
                          "dataset": "three_class",
                          "features": "x1,x2,x1_sq,x2_sq,x1x2,sin_x1,sin_x2"}) == []
    net = NetworkDiagram(state=s)
    net.update()
    s.train(2)
    times = []
    for _ in range(15):
        start = time.perf_counter()
        net.update()
        times.append(time.perf_counter() - start)
    assert np.median(times) < 0.05  # measured about 2 ms: well inside a 33 ms frame
    assert len(net.node_source.data["x"]) == 7 + 6 * 32 + 3
    assert len(net.edge_source.data["w"]) == 7 * 32 + 5 * 32 * 32 + 32 * 3
    sides = np.asarray(net.node_source.data["side"])
    assert sides.min() >= 8 and sides.max() <= 48  # small, but visible
    ys = np.asarray(net.node_source.data["y"])[7:39]
    assert np.all(-np.diff(ys) > sides[7:39][1:])  # no two thumbnails overlap
    for image in net.unit_images.data["image"]:
        assert image.dtype == np.uint8
    outputs = net.output_images.data["image"][0]
    finite = outputs[np.isfinite(outputs)]
    assert finite.min() >= 0 and finite.max() < 3 and net.output_mapper.high == 3.0
    assert len(net.output_mapper.palette) == 3 * 48


def test_the_lab_shows_the_diagram_below_the_pictures(lab):
    shown = [pane.object for pane in lab.boundary.layout.select(pn.pane.Bokeh)]
    assert lab.network.fig in shown and lab.boundary.boundary_fig in shown
    edges = np.array(lab.network.edge_source.data["w"])
    lab.step.clicks += 1
    assert not np.array_equal(edges, lab.network.edge_source.data["w"])


@pytest.mark.parametrize("typed", [100.0001, -100.00001])
def test_a_refused_weight_is_quoted_as_typed_not_rounded(typed):
    """100.0001 is refused as 100.0001 ("100 is too large" read as a contradiction), and
    −100.00001 is not called too large."""
    problem = MlpLabState().set_weight(0, 0, 0, typed)
    quoted = repr(typed).replace("-", "−")  # all digits, with the page's minus sign
    assert problem.startswith(f"{quoted} is outside the range: a weight must lie between")


@pytest.mark.parametrize("typed, said", [(1e5, "100000"), (1e30, "1×10³⁰")])
def test_a_refused_weight_leaves_the_box_at_the_weight_in_use(lab, typed, said):
    """The box goes back to the weight in use, as every other box does, and the message
    writes the number as they do (review: the box kept 100000, the message said
    100000.0)."""
    net = lab.network
    net.select(0, 1, 2)
    net.weight_input.value = 50.0
    assert net.weight(0, 1, 2) == 50.0
    net.weight_input.value = typed
    assert net.weight(0, 1, 2) == 50.0 and net.weight_input.value == 50.0
    assert net.weight_message.visible and f"{said} is outside the range" in (
        net.weight_message.object)


def test_a_weights_notes_go_when_the_network_trains_on_or_is_new(lab):
    """A refused weight and an edit's losses speak of the network of that moment."""
    net, s = lab.network, lab.state
    net.select(0, 1, 2)
    net.weight_input.value = -2.0
    assert net.edit_note.visible
    lab.train_chunk(1)  # trained on: the edit's losses are history
    assert not net.edit_note.visible and net.edit_note.object == ""
    net.select(0, 1, 2)
    net.weight_input.value = 250.0
    assert net.weight_message.visible
    s.reset()  # a new network: no refusal of a weight of the old one
    assert not net.weight_message.visible


def test_the_legend_gives_a_sigmoids_white_as_one_half():
    """Sigmoid units are drawn as 2a − 1 (``diagram.shades``): white is a = ½, orange
    a < ½ (never a negative output); other activations keep white at 0."""
    s = MlpLabState()
    assert s.apply_query({"activation": "sigmoid"}) == []
    net = NetworkDiagram(state=s)
    net.update()
    assert "white ½" in net.legend.object and "orange negative, white 0." not in \
        net.legend.object.split("(")[0]
    grids, _ = s.diagram()
    units, _ = shades(grids, "sigmoid", s.arch.n_inputs, s.arch.n_classes)
    hidden = np.asarray(grids)[s.arch.n_inputs:-s.arch.n_classes]
    np.testing.assert_allclose(units[s.arch.n_inputs:], 2 * hidden - 1, atol=1e-6)
    s.apply_query({"activation": "tanh"})
    net.update()
    assert "blue positive, orange negative, white 0." in net.legend.object
    assert "½" not in net.legend.object
