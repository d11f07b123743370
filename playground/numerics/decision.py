"""The decision boundary: a network evaluated on a grid over the plane (the heat map)."""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from . import datasets, mlp, training

GRID_SIZE = 80
GRID_EXTENT = 6.0  # the heat map covers [−6, 6]²


@partial(jax.jit, static_argnames=("arch", "features", "size", "extent", "discrete"))
def decision_grid(arch: training.Arch, params, bn_state, mean, std, features: tuple[str, ...],
                  size: int = GRID_SIZE, extent: float = GRID_EXTENT, discrete: bool = False):
    """The network (evaluation mode) on a size × size grid over [−extent, extent]².

    Row i is y_i, column j is x_j (a Bokeh ``image``).  Two classes: the class-1
    probability p₁ ∈ [0, 1].  K classes: k + p_k for the predicted class k, so one
    colour map shows the class as the hue and its confidence as the shade.
    ``discrete``: the predicted class k itself (0, 1, …, K−1), for hard colours.
    """
    axis = jnp.linspace(-extent, extent, size)
    gx, gy = jnp.meshgrid(axis, axis)
    points = jnp.stack([gx.ravel(), gy.ravel()], axis=1)
    x = datasets.normalise(datasets.feature_matrix(points, features), mean, std)
    logits, _, _ = mlp.forward(params, bn_state, x, activation=arch.activation, train=False,
                               batchnorm=arch.batchnorm)
    p = mlp.predict_proba(logits)
    if discrete:
        values = jnp.argmax(p, axis=1).astype(p.dtype)
    elif arch.n_classes == 2:
        values = p[:, 1]
    else:
        k = jnp.argmax(p, axis=1)
        values = k + jnp.max(p, axis=1)
    return values.reshape(size, size)


@partial(jax.jit, static_argnames=("arch", "features", "size", "extent", "discrete"))
def decision_grids(arch: training.Arch, params, bn_state, mean, std, features: tuple[str, ...],
                   size: int = GRID_SIZE, extent: float = GRID_EXTENT, discrete: bool = False):
    """``decision_grid`` for a stack of networks (leading axis of params and bn_state)."""
    one = partial(decision_grid.__wrapped__, arch, mean=mean, std=std, features=features,
                  size=size, extent=extent, discrete=discrete)
    return jax.vmap(one)(params, bn_state)
