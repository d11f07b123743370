"""The heat map's numbers, cell by cell, against the same network in PyTorch float64."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

import playground  # noqa: F401  (enables float64 in JAX)
from playground.numerics import decision, training

SIZE, EXTENT = 9, 6.0
FEATURES = ("x1", "x2", "x1x2")
MEAN, STD = np.array([0.3, -0.2, 0.5]), np.array([2.0, 1.5, 4.0])
TORCH_ACTIVATIONS = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}


def network(k, activation, batchnorm):
    """Random weights, biases, γ, β and running statistics (NumPy, float64)."""
    arch = training.Arch(len(FEATURES), (6, 5), k, activation, batchnorm, 10)
    rng = np.random.default_rng(k)
    sizes = (arch.n_inputs, *arch.hidden, k)
    params, bn_state = [], []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layer = {"W": 1.5 * rng.normal(size=(n_in, n_out)), "b": rng.normal(size=n_out)}
        if batchnorm and i < len(arch.hidden):
            layer["gamma"] = 1.0 + 0.3 * rng.normal(size=n_out)
            layer["beta"] = 0.3 * rng.normal(size=n_out)
            bn_state.append({"mean": 0.2 * rng.normal(size=n_out),
                             "var": rng.uniform(0.5, 2.0, size=n_out)})
        params.append(layer)
    return arch, *jax.tree.map(jnp.asarray, (params, tuple(bn_state)))


def torch_probabilities(params, bn_state, activation, point):
    """softmax of the network at one (x, y), features and normaliser written out again."""
    x, y = point
    a = (torch.tensor([[x, y, x * y]], dtype=torch.float64) - torch.tensor(MEAN)) / torch.tensor(
        STD)
    t = lambda v: torch.tensor(np.asarray(v))
    for i, layer in enumerate(params[:-1]):
        z = a @ t(layer["W"]) + t(layer["b"])
        if bn_state:  # evaluation mode: the running statistics
            z = torch.nn.functional.batch_norm(z, t(bn_state[i]["mean"]), t(bn_state[i]["var"]),
                                               t(layer["gamma"]), t(layer["beta"]),
                                               training=False, eps=1e-5)
        a = TORCH_ACTIVATIONS[activation](z)
    logits = a @ t(params[-1]["W"]) + t(params[-1]["b"])
    return torch.softmax(logits, dim=1)[0].numpy()


@pytest.mark.parametrize(("k", "activation", "batchnorm"), [
    (2, "tanh", False), (4, "relu", True)])
def test_heat_map_cells_encode_class_and_confidence(k, activation, batchnorm):
    """K = 2: p₁; K ≥ 3: k + p_k for the predicted class k; discrete: k itself.
    Row i is y = axis[i], column j is x = axis[j]."""
    arch, params, bn_state = network(k, activation, batchnorm)
    grid = np.asarray(decision.decision_grid(arch, params, bn_state, MEAN, STD, FEATURES,
                                             size=SIZE, extent=EXTENT))
    # The hard colours (one compilation more): checked with the K-class map.
    classes = np.asarray(decision.decision_grid(
        arch, params, bn_state, MEAN, STD, FEATURES, size=SIZE, extent=EXTENT,
        discrete=True)) if k > 2 else None
    assert grid.shape == (SIZE, SIZE)
    axis = np.linspace(-EXTENT, EXTENT, SIZE)
    predicted = set()
    for i in range(SIZE):
        for j in range(SIZE):
            p = torch_probabilities(params, bn_state, activation, (axis[j], axis[i]))
            best = int(np.argmax(p))
            predicted.add(best)
            expected = p[1] if k == 2 else best + p[best]
            assert grid[i, j] == pytest.approx(expected, rel=1e-12, abs=1e-12), (i, j)
            assert classes is None or classes[i, j] == best, (i, j)
    assert len(predicted) >= 2  # the map is not one flat colour
