"""The heat map's plane follows the data (``decision.plane_frame``), at any scale or shift.

The grids over a frame are checked against a NumPy float64 forward pass at the frame's
own points (row i at y_i, column j at x_j), and the frame against the points it must hold.
"""

import jax.numpy as jnp
import numpy as np
import pytest

import playground  # noqa: F401  (enables float64 in JAX)
from playground.numerics import datasets, decision, training
from playground.numerics.decision import STANDARD_FRAME, Frame, plane_frame
from playground.numerics.diagram import unit_grids


@pytest.mark.parametrize("name", sorted(datasets.DATASETS))
@pytest.mark.parametrize("noise", [0.0, 50.0])
def test_generated_data_keeps_the_usual_plane_and_every_point_is_inside(name, noise):
    data = datasets.make_dataset(name, 500, noise, seed=3)
    f = plane_frame(data.X)
    if noise == 0.0:
        assert f == STANDARD_FRAME
    # Noise may throw points past ±6: the plane grows to hold them, never shrinks.
    assert f.x0 <= -6 and f.x1 >= 6 and f.y0 <= -6 and f.y1 >= 6
    x, y = data.X.T
    assert np.all((f.x0 < x) & (x < f.x1) & (f.y0 < y) & (y < f.y1))


def uniform(low, high, n=200, seed=0):
    return np.random.default_rng(seed).uniform(low, high, size=(n, 2))


@pytest.mark.parametrize("points", [
    uniform(20, 80),  # the upload of the issue: nothing was visible on [−6, 6]²
    uniform(-0.01, 0.01),  # tiny: a dot in the middle of [−6, 6]²
    uniform((1000, -3), (1001, -2)),  # shifted far away
    uniform((0, 0), (1, 1000)),  # anisotropic: x and y framed apart
    uniform((-1, -1), (1, 1)),  # inside [−6, 6]² but a small part of it
], ids=["20-80", "tiny", "shifted", "anisotropic", "small-centred"])
def test_other_data_is_framed_with_a_margin(points):
    f = plane_frame(points)
    low, high = points.min(axis=0), points.max(axis=0)
    span = high - low
    margin = 0.1 * span
    np.testing.assert_allclose([f.x0, f.y0], low - margin, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose([f.x1, f.y1], high + margin, rtol=1e-12, atol=1e-15)
    # The data fills the picture: ≥ 80 % of each direction.
    assert span[0] / f.width >= 0.8 and span[1] / f.height >= 0.8


def test_a_point_on_the_usual_planes_edge_is_framed_inside_it():
    """An upload at the generated sets' scale with a point at y = 6 (review: drawn on
    the top edge, half outside the picture)."""
    points = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [1.0, 1.0], [2.0, 2.0]])
    f = plane_frame(points)
    assert f.y1 >= 6 + decision.EDGE_ROOM and f.x0 <= -6 and f.y0 <= -6 and f.x1 >= 6
    assert f.height < 14  # the usual plane widened, not another one
    assert plane_frame(points - [0, 0.5]) == STANDARD_FRAME  # 5.5: well inside


def test_points_on_a_line_or_one_point_get_a_square():
    line = np.c_[np.full(20, 30.0), np.linspace(0, 10, 20)]
    f = plane_frame(line)
    assert f.x0 < 30 < f.x1 and f.width == pytest.approx(f.height)
    f = plane_frame(np.array([[50.0, 50.0], [50.0, 50.0]]))
    assert f.x0 < 50 < f.x1 and f.y0 < 50 < f.y1 and f.width > 0


def numpy_network(params, points, mean, std):
    """softmax(W₂ tanh(W₁ x̂ + b₁) + b₂) at each point, x̂ = (x − μ)/σ, in float64."""
    a = (points - mean) / std
    a = np.tanh(a @ params[0]["W"] + params[0]["b"])
    z = a @ params[1]["W"] + params[1]["b"]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("frame", [Frame(14.0, 86.0, 14.0, 86.0),
                                   Frame(-0.012, 0.012, -0.012, 0.012),
                                   Frame(999.9, 1001.1, -1.0, 1000.0)])
def test_the_grids_cover_the_frame(frame):
    rng = np.random.default_rng(1)
    params = [{"W": 3 * rng.normal(size=(2, 5)), "b": rng.normal(size=5)},
              {"W": 3 * rng.normal(size=(5, 3)), "b": rng.normal(size=3)}]
    centre = np.array([(frame.x0 + frame.x1) / 2, (frame.y0 + frame.y1) / 2])
    scale = np.array([frame.width, frame.height]) / 4
    arch = training.Arch(2, (5,), 3, "tanh")
    jparams = [{k: jnp.asarray(v) for k, v in layer.items()} for layer in params]
    size = 7
    grid = np.asarray(decision.decision_grid(arch, jparams, (), jnp.asarray(centre),
                                             jnp.asarray(scale), ("x1", "x2"), size=size,
                                             frame=frame))
    xs, ys = np.linspace(frame.x0, frame.x1, size), np.linspace(frame.y0, frame.y1, size)
    gx, gy = np.meshgrid(xs, ys)
    p = numpy_network(params, np.c_[gx.ravel(), gy.ravel()], centre, scale)
    want = (p.argmax(axis=1) + p.max(axis=1)).reshape(size, size)
    np.testing.assert_allclose(grid, want, rtol=1e-10, atol=1e-10)
    assert len(np.unique(p.argmax(axis=1))) >= 2  # the frame is where the network changes
    # The diagram's thumbnails: the same plane (inputs x̂, then the probabilities).
    units = np.asarray(unit_grids(arch, jparams, (), jnp.asarray(centre), jnp.asarray(scale),
                                  ("x1", "x2"), size=size, frame=frame))
    np.testing.assert_allclose(units[0], (gx - centre[0]) / scale[0], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(units[1], (gy - centre[1]) / scale[1], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(units[-3:], p.T.reshape(3, size, size), rtol=1e-9, atol=1e-10)
