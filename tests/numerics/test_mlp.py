"""The MLP lab's model against independent oracles, all in float64.

Forward passes, losses and every gradient are compared with the same network built
from ``torch.nn`` modules (``Linear``, the activation modules, ``BatchNorm1d``) with
the same weights; the linear-network identity is checked against composed NumPy
matrices; dropout and initialisers against their defining statistics.
"""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from torch_oracle import torch_net

import playground  # noqa: F401  (enables float64 in JAX)
from playground.numerics import mlp

F64 = jnp.float64
RTOL = 1e-10
ATOL = 1e-12



def random_params(seed, sizes, batchnorm=False):
    """Parameters in ``mlp``'s structure with random weights, biases, γ and β (NumPy)."""
    rng = np.random.default_rng(seed)
    params = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layer = {"W": rng.normal(size=(n_in, n_out)), "b": 0.5 * rng.normal(size=n_out)}
        if batchnorm and i < len(sizes) - 2:
            layer["gamma"] = 1.0 + 0.3 * rng.normal(size=n_out)
            layer["beta"] = 0.3 * rng.normal(size=n_out)
        params.append(layer)
    return params


def to_jax(params):
    return jax.tree.map(lambda v: jnp.asarray(v, F64), params)


def torch_grads(net):
    """Gradients in ``mlp``'s structure (W transposed back)."""
    grads, layer = [], None
    for module in net:
        if isinstance(module, torch.nn.Linear):
            layer = {"W": module.weight.grad.numpy().T, "b": module.bias.grad.numpy()}
            grads.append(layer)
        elif isinstance(module, torch.nn.BatchNorm1d):
            layer["gamma"] = module.weight.grad.numpy()
            layer["beta"] = module.bias.grad.numpy()
    return grads


def assert_tree_close(actual, expected, rtol=RTOL, atol=ATOL):
    assert jax.tree.structure(jax.tree.map(np.asarray, actual)) == jax.tree.structure(
        jax.tree.map(np.asarray, expected))
    for a, e in zip(jax.tree.leaves(actual), jax.tree.leaves(expected), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(e), rtol=rtol, atol=atol)


def data(seed, n=16, d=2, k=2):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.integers(0, k, size=n)


def objective(
    params, bn_state, x, y, *, activation, key=None, dropout_rate=0.0, l1=0.0, l2=0.0,
    batchnorm=False, train=True, momentum=0.1, eps=1e-5,
):
    """Cross-entropy + penalty; ``(loss, (new_bn_state, data_loss, logits))`` (what the
    training engine minimises, made for ``jax.grad(objective, has_aux=True)``)."""
    logits, new_state, _ = mlp.forward(
        params, bn_state, x, activation=activation, train=train, key=key,
        dropout_rate=dropout_rate, batchnorm=batchnorm, momentum=momentum, eps=eps)
    data_loss = mlp.cross_entropy(logits, y)
    return data_loss + mlp.penalty(params, l1, l2), (new_state, data_loss, logits)


# Jitted once per module: eager JAX compiles every primitive separately, which is slow.
STATIC = ("activation", "train", "batchnorm")
forward = jax.jit(mlp.forward, static_argnames=STATIC)
loss_fn = jax.jit(objective, static_argnames=STATIC)
grad_loss = jax.jit(jax.grad(objective, has_aux=True), static_argnames=STATIC)
init_params = jax.jit(mlp.init_params, static_argnums=(1, 2, 3),
                      static_argnames=("init", "dtype", "batchnorm"))


# ---------------------------------------------------------------------------
# Shapes and structure.


@pytest.mark.parametrize(("hidden", "k", "batchnorm"), [
    ((), 2, False), ((), 3, True), ((8,), 2, True), ((8,), 3, False), ((8, 8), 2, False),
    ((8, 8), 3, True),
])
def test_shapes(hidden, k, batchnorm):
    params, bn_state = init_params(jax.random.key(0), 2, hidden, k, dtype=F64,
                                   batchnorm=batchnorm)
    sizes = (2, *hidden, k)
    assert len(params) == len(hidden) + 1
    for i, layer in enumerate(params):
        assert layer["W"].shape == (sizes[i], sizes[i + 1])
        assert layer["b"].shape == (sizes[i + 1],)
        assert np.all(np.asarray(layer["b"]) == 0)
        has_bn = batchnorm and i < len(hidden)
        assert ("gamma" in layer) == ("beta" in layer) == has_bn
    if batchnorm:
        assert [s["mean"].shape for s in bn_state] == [(h,) for h in hidden]
        assert all(np.all(np.asarray(s["var"]) == 1) for s in bn_state)
    else:
        assert bn_state == ()
    x, _ = data(0, n=10)
    logits, new_state, acts = forward(params, bn_state, x, activation="relu", train=True,
                                      batchnorm=batchnorm)
    assert logits.shape == (10, k) and logits.dtype == F64
    assert tuple(a.shape for a in acts) == tuple((10, h) for h in hidden)
    assert jax.tree.structure(new_state) == jax.tree.structure(bn_state)
    assert mlp.predict_proba(logits).shape == (10, k)


def test_float32_default_and_input_cast():
    params, _ = init_params(jax.random.key(0), 2, (4,), 2)
    assert params[0]["W"].dtype == jnp.float32
    logits, _, _ = forward(params, (), np.ones((3, 2)), activation="tanh", train=False)
    assert logits.dtype == jnp.float32


def test_needs_two_outputs():
    with pytest.raises(ValueError):
        mlp.init_params(jax.random.key(0), 2, (4,), 1)


# ---------------------------------------------------------------------------
# Forward, loss and backprop against torch.autograd.


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "linear"])
def test_forward_loss_and_gradients_match_torch(activation):
    params = random_params(1, (2, 4, 3, 2))
    x, y = data(2, n=12, k=2)
    loss, (_, data_loss, logits) = loss_fn(to_jax(params), (), x, y, activation=activation)
    grads, _ = grad_loss(to_jax(params), (), x, y, activation=activation)

    net = torch_net(params, activation)
    t_logits = net(torch.from_numpy(x))
    t_loss = torch.nn.functional.cross_entropy(t_logits, torch.from_numpy(y))
    t_loss.backward()

    np.testing.assert_allclose(logits, t_logits.detach().numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(loss, t_loss.item(), rtol=RTOL)
    np.testing.assert_allclose(data_loss, t_loss.item(), rtol=RTOL)
    assert_tree_close(grads, torch_grads(net))


def test_hidden_activations_match_torch():
    params = random_params(3, (2, 4, 3, 2))
    x, _ = data(4)
    _, _, acts = forward(to_jax(params), (), x, activation="sigmoid", train=False)
    net = torch_net(params, "sigmoid")
    with torch.no_grad():
        a1 = net[:2](torch.from_numpy(x))
        a2 = net[2:4](a1)
    np.testing.assert_allclose(acts[0], a1.numpy(), rtol=RTOL)
    np.testing.assert_allclose(acts[1], a2.numpy(), rtol=RTOL)


def test_cross_entropy_metrics_match_torch_on_extreme_logits():
    logits = np.array([[1000.0, -1000.0, 0.0], [-800.0, 0.0, 800.0], [1.0, 2.0, 3.0],
                       [5.0, 5.0, -5.0]])
    labels = np.array([0, 0, 2, 1])
    t_logits = torch.from_numpy(logits)
    expected = torch.nn.functional.cross_entropy(t_logits, torch.from_numpy(labels)).item()
    got = mlp.cross_entropy(jnp.asarray(logits), labels)
    assert np.isfinite(got)
    np.testing.assert_allclose(got, expected, rtol=RTOL)
    np.testing.assert_allclose(mlp.predict_proba(jnp.asarray(logits)),
                               torch.softmax(t_logits, -1).numpy(), rtol=RTOL, atol=1e-300)
    # argmax of a tie picks the first index (0 ≠ label 1): 2 of 4 correct
    assert float(mlp.accuracy(jnp.asarray(logits), labels)) == 0.5


def test_penalty_and_its_gradient_match_torch():
    params = random_params(5, (2, 4, 3, 2), batchnorm=True)
    l1, l2 = 0.03, 0.2
    value, grads = jax.jit(jax.value_and_grad(mlp.penalty))(to_jax(params), l1, l2)

    weights = [torch.tensor(layer["W"], requires_grad=True) for layer in params]
    t_value = sum(l1 * w.abs().sum() + l2 * (w**2).sum() for w in weights)
    t_value.backward()
    np.testing.assert_allclose(value, t_value.item(), rtol=RTOL)
    for g, w in zip(grads, weights, strict=True):
        np.testing.assert_allclose(g["W"], w.grad.numpy(), rtol=RTOL)
        # biases, γ and β are not penalised
        for name in ("b", "gamma", "beta"):
            if name in g:
                assert np.all(np.asarray(g[name]) == 0)


def test_l1_gradient_at_a_zero_weight_is_zero_as_torch():
    """The minimum-norm subgradient of |w| at w = 0 (issue #11): torch.abs'(0) = 0,
    where jnp.abs'(0) = 1 would push every zero weight off zero."""
    params = random_params(8, (2, 3, 2))
    params[0]["W"][0, :] = 0.0
    params[1]["W"][[0, 2], 1] = 0.0
    l1 = 0.5
    grads = jax.grad(mlp.penalty)(to_jax(params), l1, 0.0)
    weights = [torch.tensor(layer["W"], requires_grad=True) for layer in params]
    sum(l1 * w.abs().sum() for w in weights).backward()
    for g, w in zip(grads, weights, strict=True):
        np.testing.assert_array_equal(g["W"], w.grad.numpy())
    assert np.all(np.asarray(grads[0]["W"])[0] == 0.0)
    assert np.asarray(grads[1]["W"])[0, 1] == 0.0


@pytest.mark.parametrize("batchnorm", [False, True])
def test_the_networks_kinks_have_torchs_subgradients(batchnorm):
    """Issue #11: the network's only kinks are ReLU at 0 (derivative 0, as torch) and
    |w| at 0 (above); a unit whose batch is constant has variance 0 under batch norm.
    At each the gradient is finite and equals torch's, so in the MLP lab a non-finite
    value can only be an overflow: divergence, not an undefined gradient."""
    params = random_params(11, (2, 4, 2), batchnorm=batchnorm)
    params[0]["W"][:, [0, 2]] = 0.0  # units 0 and 2: pre-activation 0 on every example
    params[0]["b"][[0, 2]] = 0.0
    x, y = data(12, n=8)
    bn_state = ({"mean": jnp.zeros(4, F64), "var": jnp.ones(4, F64)},) if batchnorm else ()
    if batchnorm:
        params[0]["beta"][[0, 2]] = 0.0  # ReLU at exactly 0 after batch norm too
    grads, _ = grad_loss(to_jax(params), bn_state, x, y, activation="relu",
                         batchnorm=batchnorm, l1=0.1)
    assert all(np.all(np.isfinite(np.asarray(g))) for g in jax.tree.leaves(grads))
    net = torch_net(params, "relu", batchnorm=batchnorm)
    weights = [m.weight for m in net if isinstance(m, torch.nn.Linear)]
    loss = (torch.nn.functional.cross_entropy(net(torch.from_numpy(x)), torch.from_numpy(y))
            + sum(0.1 * w.abs().sum() for w in weights))
    loss.backward()
    assert_tree_close(grads, torch_grads(net))


def test_regularised_loss_gradients_match_torch():
    params = random_params(6, (2, 4, 3, 3))
    x, y = data(7, k=3)
    l1, l2 = 0.01, 0.05
    loss, _ = loss_fn(to_jax(params), (), x, y, activation="tanh", l1=l1, l2=l2)
    grads, _ = grad_loss(to_jax(params), (), x, y, activation="tanh", l1=l1, l2=l2)

    net = torch_net(params, "tanh")
    weights = [m.weight for m in net if isinstance(m, torch.nn.Linear)]
    t_loss = (torch.nn.functional.cross_entropy(net(torch.from_numpy(x)), torch.from_numpy(y))
              + sum(l1 * w.abs().sum() + l2 * (w**2).sum() for w in weights))
    t_loss.backward()
    np.testing.assert_allclose(loss, t_loss.item(), rtol=RTOL)
    assert_tree_close(grads, torch_grads(net))


# ---------------------------------------------------------------------------
# Batch norm against torch.nn.BatchNorm1d.


def test_batch_norm_layer_matches_batchnorm1d():
    rng = np.random.default_rng(8)
    gamma, beta = 1.0 + 0.3 * rng.normal(size=5), 0.3 * rng.normal(size=5)
    bn = torch.nn.BatchNorm1d(5, eps=1e-5, momentum=0.1, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(torch.from_numpy(gamma))
        bn.bias.copy_(torch.from_numpy(beta))
    state = {"mean": jnp.zeros(5, F64), "var": jnp.ones(5, F64)}
    bn.train()
    for _ in range(4):
        z = 3.0 + 2.0 * rng.normal(size=(7, 5))
        y, state = mlp.batch_norm(jnp.asarray(z), gamma, beta, state, train=True)
        with torch.no_grad():
            t_y = bn(torch.from_numpy(z))
        np.testing.assert_allclose(y, t_y.numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(state["mean"], bn.running_mean.numpy(), rtol=RTOL)
    np.testing.assert_allclose(state["var"], bn.running_var.numpy(), rtol=RTOL)

    bn.eval()
    z = rng.normal(size=(6, 5))
    y, after = mlp.batch_norm(jnp.asarray(z), gamma, beta, state, train=False)
    with torch.no_grad():
        t_y = bn(torch.from_numpy(z))
    np.testing.assert_allclose(y, t_y.numpy(), rtol=RTOL, atol=ATOL)
    assert_tree_close(after, state, rtol=0, atol=0)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_batchnorm_network_matches_torch(activation):
    """Logits, all gradients (γ, β included) and running statistics over several batches."""
    params = random_params(9, (2, 4, 3, 3), batchnorm=True)
    bn_state = tuple({"mean": jnp.zeros(n, F64), "var": jnp.ones(n, F64)} for n in (4, 3))
    net = torch_net(params, activation, batchnorm=True)
    jparams = to_jax(params)
    net.train()
    for seed in range(3):
        x, y = data(10 + seed, n=9, k=3)
        grads, (new_state, data_loss, logits) = grad_loss(
            jparams, bn_state, x, y, activation=activation, batchnorm=True)
        net.zero_grad()
        t_logits = net(torch.from_numpy(x))
        t_loss = torch.nn.functional.cross_entropy(t_logits, torch.from_numpy(y))
        t_loss.backward()
        np.testing.assert_allclose(logits, t_logits.detach().numpy(), rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(data_loss, t_loss.item(), rtol=RTOL)
        # the hidden biases' gradient is 0 analytically (batch norm removes the mean)
        assert_tree_close(grads, torch_grads(net), atol=1e-12)
        bn_state = new_state
    t_state = tuple({"mean": m.running_mean.numpy(), "var": m.running_var.numpy()}
                    for m in net if isinstance(m, torch.nn.BatchNorm1d))
    assert_tree_close(bn_state, t_state)

    net.eval()
    x, _ = data(20, n=5)
    logits, same_state, _ = forward(jparams, bn_state, x, activation=activation, train=False,
                                    batchnorm=True)
    with torch.no_grad():
        np.testing.assert_allclose(logits, net(torch.from_numpy(x)).numpy(), rtol=RTOL,
                                   atol=ATOL)
    assert_tree_close(same_state, bn_state, rtol=0, atol=0)


def test_batch_norm_training_needs_two_examples():
    params, bn_state = init_params(jax.random.key(0), 2, (4,), 2, dtype=F64, batchnorm=True)
    with pytest.raises(ValueError):
        forward(params, bn_state, np.ones((1, 2)), activation="relu", train=True, batchnorm=True)
    forward(params, bn_state, np.ones((1, 2)), activation="relu", train=False, batchnorm=True)


# ---------------------------------------------------------------------------
# Dropout.


def test_dropout_statistics():
    rate = 0.3
    q = 1.0 - rate
    x = jnp.asarray(np.random.default_rng(11).uniform(0.5, 1.5, size=(400, 500)))
    out = np.asarray(mlp.dropout(x, rate, train=True, key=jax.random.key(1)))
    dropped = out == 0
    assert abs(dropped.mean() - rate) < 0.01
    # kept units are scaled by exactly 1/q
    np.testing.assert_array_equal(out[~dropped], np.asarray(x)[~dropped] * (1.0 / q))
    # E[output] = input: the mean is preserved (loosely, over 200 000 units)
    assert abs(out.mean() / float(x.mean()) - 1.0) < 0.01
    # another key, another mask
    other = np.asarray(mlp.dropout(x, rate, train=True, key=jax.random.key(2)))
    assert np.any((other == 0) != dropped)


def test_dropout_identities_and_missing_key():
    x = jnp.asarray(np.random.default_rng(12).normal(size=(50, 20)))
    key = jax.random.key(3)
    assert mlp.dropout(x, 0.5, train=False, key=key) is x
    assert mlp.dropout(x, 0.5, train=False) is x
    assert mlp.dropout(x, 0.0, train=True) is x
    # a traced rate of 0 keeps every unit and divides by exactly 1
    traced = jax.jit(lambda r: mlp.dropout(x, r, train=True, key=key))
    np.testing.assert_array_equal(traced(0.0), x)
    # rate 1 drops everything without NaNs, also in the gradient
    assert np.all(np.asarray(traced(1.0)) == 0)
    g = jax.grad(lambda a: mlp.dropout(a, 1.0, train=True, key=key).sum())(x)
    assert np.all(np.asarray(g) == 0)
    with pytest.raises(ValueError):
        mlp.dropout(x, 0.5, train=True)


def test_dropout_in_forward():
    params = to_jax(random_params(13, (2, 16, 16, 2)))
    x, y = data(14, n=32)
    kwargs = dict(activation="relu", batchnorm=False)
    full, _, _ = mlp.forward(params, (), x, train=False, **kwargs)
    # evaluation ignores the rate; training at rate 0 needs no key and is the full network
    for logits in (mlp.forward(params, (), x, train=False, dropout_rate=0.5, **kwargs)[0],
                   mlp.forward(params, (), x, train=True, dropout_rate=0.0, **kwargs)[0]):
        np.testing.assert_array_equal(logits, full)
    key = jax.random.key(5)
    a, _, acts = forward(params, (), x, train=True, key=key, dropout_rate=0.5, **kwargs)
    b, _, _ = forward(params, (), x, train=True, key=key, dropout_rate=0.5, **kwargs)
    np.testing.assert_array_equal(a, b)  # same key, same masks
    assert not np.allclose(a, full)
    # hidden activations are reported before dropout
    _, _, eval_acts = forward(params, (), x, train=False, **kwargs)
    np.testing.assert_array_equal(acts[0], eval_acts[0])
    with pytest.raises(ValueError):
        mlp.forward(params, (), x, train=True, dropout_rate=0.5, **kwargs)
    with pytest.raises(ValueError):
        objective(params, (), x, y, activation="relu", dropout_rate=0.1)


# ---------------------------------------------------------------------------
# Initialisation.


def sgd_hidden_activations(init, steps=25, lr=1.0):
    params, _ = init_params(jax.random.key(4), 2, (5, 5), 3, init=init, dtype=F64)
    x, y = data(15, n=40, k=3)

    @jax.jit
    def step(params):
        g, _ = grad_loss(params, (), x, y, activation="sigmoid")
        return jax.tree.map(lambda p, d: p - lr * d, params, g)

    for _ in range(steps):
        params = step(params)
    _, _, acts = forward(params, (), x, activation="sigmoid", train=False)
    return params, acts


def test_zero_init_never_breaks_symmetry():
    params, acts = sgd_hidden_activations("zeros")
    # every weight has moved away from 0 (sigmoid(0) = ½ lets gradients through) ...
    assert all(np.all(np.asarray(layer["W"]) != 0) for layer in params)
    assert np.abs(np.asarray(params[2]["W"])).max() > 0.01
    # ... yet every unit of a hidden layer is still the same unit: same incoming
    # weights and bias, same outgoing weights, same activation on every input
    for i in range(2):
        w, b, w_out = (np.asarray(params[i]["W"]), np.asarray(params[i]["b"]),
                       np.asarray(params[i + 1]["W"]))
        np.testing.assert_allclose(w, np.repeat(w[:, :1], w.shape[1], axis=1), rtol=1e-10)
        np.testing.assert_allclose(b, np.full_like(b, b[0]), rtol=1e-10)
        np.testing.assert_allclose(w_out, np.repeat(w_out[:1], w_out.shape[0], axis=0),
                                   rtol=1e-10)
        a = np.asarray(acts[i])
        np.testing.assert_allclose(a, np.repeat(a[:, :1], a.shape[1], axis=1), rtol=1e-10)


def test_xavier_init_breaks_symmetry():
    _, acts = sgd_hidden_activations("xavier")
    for a in acts:
        a = np.asarray(a)
        spread = np.abs(a - a[:, :1]).max(axis=0)[1:]
        assert np.all(spread > 1e-2)


@pytest.mark.parametrize(("init", "std"), [
    ("xavier", np.sqrt(2.0 / 1000)),
    ("he", np.sqrt(2.0 / 500)),
    ("small_uniform", np.sqrt(1.0 / 12)),  # U(−0.5, 0.5)
])
def test_initial_weight_std(init, std):
    w = np.asarray(mlp.INITIALISERS[init](jax.random.key(6), 500, 500, F64))
    assert w.shape == (500, 500) and w.dtype == np.float64
    assert abs(w.std() / std - 1.0) < 0.1
    assert abs(w.mean()) < 0.1 * std
    if init == "small_uniform":
        assert w.min() >= -0.5 and w.max() < 0.5


def test_zeros_init():
    params, _ = init_params(jax.random.key(0), 2, (3, 3), 2, init="zeros", dtype=F64)
    assert all(np.all(np.asarray(leaf) == 0) for leaf in jax.tree.leaves(params))


# ---------------------------------------------------------------------------
# Linear activations collapse to one linear map.


def test_linear_network_is_a_linear_map():
    params = random_params(16, (2, 5, 4, 3))
    x, _ = data(17, n=20)
    logits, _, _ = forward(to_jax(params), (), x, activation="linear", train=False)
    w_total = params[0]["W"] @ params[1]["W"] @ params[2]["W"]
    b_total = (params[0]["b"] @ params[1]["W"] + params[1]["b"]) @ params[2]["W"] + params[2]["b"]
    np.testing.assert_allclose(logits, x @ w_total + b_total, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------
# jit and vmap.


def test_jit_with_traced_hyperparameters_compiles_once():
    params, bn_state = init_params(jax.random.key(7), 2, (8, 8), 3, dtype=F64, batchnorm=True)
    x, y = data(18, n=32, k=3)

    @partial(jax.jit, static_argnames=("activation", "batchnorm"))
    def step(params, bn_state, key, rate, l1, l2, *, activation, batchnorm):
        return jax.value_and_grad(objective, has_aux=True)(
            params, bn_state, x, y, activation=activation, key=key, dropout_rate=rate,
            l1=l1, l2=l2, batchnorm=batchnorm)

    key = jax.random.key(8)
    losses = []
    for rate, l1, l2 in [(0.0, 0.0, 0.0), (0.2, 0.01, 0.0), (0.5, 0.0, 0.1), (0.7, 0.1, 0.1)]:
        (loss, (_, data_loss, _)), _ = step(params, bn_state, key, rate, l1, l2,
                                            activation="relu", batchnorm=True)
        losses.append(float(data_loss))
    assert step._cache_size() == 1
    assert len(set(losses)) == 4
    # a traced rate of 0 is exactly no dropout
    expected, _ = loss_fn(params, bn_state, x, y, activation="relu", batchnorm=True)
    np.testing.assert_allclose(losses[0], expected, rtol=1e-14)


def test_vmap_over_stacked_models():
    n_models = 4
    models = [init_params(k, 2, (8, 8), 3, dtype=F64, batchnorm=True)
              for k in jax.random.split(jax.random.key(9), n_models)]
    params, bn_state = jax.tree.map(lambda *leaves: np.stack(leaves), *models)
    keys = jax.random.split(jax.random.key(10), n_models)
    rates = jnp.array([0.0, 0.1, 0.3, 0.5])
    x, _ = data(19, n=24)

    def fwd(p, s, k, r):
        return mlp.forward(p, s, x, activation="tanh", train=True, key=k, dropout_rate=r,
                           batchnorm=True)

    logits, new_state, acts = jax.jit(jax.vmap(fwd))(params, bn_state, keys, rates)
    one_model = jax.jit(fwd)
    assert logits.shape == (n_models, 24, 3)
    assert tuple(a.shape for a in acts) == ((n_models, 24, 8),) * 2
    stacked = jax.tree.map(np.asarray, (params, bn_state, logits, new_state, acts))
    for i in range(n_models):
        p, s, *outputs = jax.tree.map(lambda leaf, i=i: leaf[i], stacked)
        assert_tree_close(outputs, list(one_model(p, s, keys[i], rates[i])), rtol=1e-12)
    assert not np.allclose(logits[0], logits[1])


def test_the_matrix_product_keeps_float32_on_every_device():
    """``affine`` asks XLA for the arrays' own precision: a GPU's default rounds float32
    factors to TensorFloat-32 (on an H200 the lab's two training paths then disagreed by up to
    7e-4, relative, after 7 epochs; benchmarks/README.md, "The numerics on a GPU")."""
    a, w, b = jnp.ones((5, 3), jnp.float32), jnp.ones((3, 2), jnp.float32), jnp.ones(2, jnp.float32)
    dots = [e for e in jax.make_jaxpr(mlp.affine)(a, w, b).jaxpr.eqns
            if e.primitive.name == "dot_general"]
    assert len(dots) == 1
    assert dots[0].params["precision"] == (jax.lax.Precision.HIGHEST,) * 2
