"""The MLP training engine against PyTorch, closed-form facts and its own promises."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

from playground.numerics import datasets, mlp, training
from playground.numerics import optimizers as opt

F64 = jnp.float64


def xor_data(n=200, seed=0, dtype=jnp.float32):
    ds = datasets.make_dataset("xor", n, 0.0, seed)
    train, val = datasets.split(ds, 50, seed)
    cast = lambda d: (jnp.asarray(d.X, dtype), jnp.asarray(d.y))
    return (*cast(train), *cast(val))


def torch_net(params, activation):
    """The same network in PyTorch, from our weights (W is (n_in, n_out): transpose)."""
    layers = []
    for i, layer in enumerate(params):
        lin = torch.nn.Linear(*layer["W"].shape, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(np.asarray(layer["W"]).T))
            lin.bias.copy_(torch.tensor(np.asarray(layer["b"])))
        layers.append(lin)
        if i < len(params) - 1:
            layers.append({"tanh": torch.nn.Tanh(), "relu": torch.nn.ReLU()}[activation])
    return torch.nn.Sequential(*layers)


TORCH_OPTIMIZERS = {
    "sgd": lambda p, lr: torch.optim.SGD(p, lr=lr),
    "momentum": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9),
    "nesterov": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9, nesterov=True),
    "adagrad": lambda p, lr: torch.optim.Adagrad(p, lr=lr, eps=1e-10),
    "rmsprop": lambda p, lr: torch.optim.RMSprop(p, lr=lr, alpha=0.9, eps=1e-8),
    "adam": lambda p, lr: torch.optim.Adam(p, lr=lr, betas=(0.9, 0.999), eps=1e-8),
}


@pytest.mark.parametrize("name", opt.NAMES)
def test_full_batch_training_matches_torch(name):
    x, y, xv, yv = xor_data(40, dtype=F64)
    arch = training.Arch(2, (5,), 2, "tanh", False, batch_size=40)
    model = training.init_model(jax.random.key(1), arch, dtype=F64)
    net = torch_net(model.params, "tanh")
    l2 = 0.01
    h = training.make_hyper(name, lr=0.05, l2=l2, dtype=F64)
    trained, metrics = training.train_epochs(arch, model, h, x, y, xv, yv, n_epochs=8)

    optimizer = TORCH_OPTIMIZERS[name](net.parameters(), 0.05)
    xt, yt = torch.tensor(np.asarray(x)), torch.tensor(np.asarray(y))
    for _ in range(8):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(xt), yt)
        loss = loss + l2 * sum((m.weight**2).sum() for m in net if hasattr(m, "weight"))
        loss.backward()
        optimizer.step()
    for layer, lin in zip(trained.params, [m for m in net if hasattr(m, "weight")],
                          strict=True):
        np.testing.assert_allclose(layer["W"], lin.weight.detach().numpy().T, rtol=1e-9,
                                   atol=1e-12)
        np.testing.assert_allclose(layer["b"], lin.bias.detach().numpy(), rtol=1e-9,
                                   atol=1e-12)
    with torch.no_grad():
        val_loss = torch.nn.functional.cross_entropy(net(torch.tensor(np.asarray(xv))),
                                                     torch.tensor(np.asarray(yv)))
    assert metrics[-1, 2] == pytest.approx(float(val_loss), rel=1e-9)


def test_an_epoch_visits_every_example_once():
    order = training.epoch_order(jax.random.key(3), 250, 10)
    assert order.shape == (25, 10)
    assert sorted(np.asarray(order).ravel().tolist()) == list(range(250))
    ragged = training.epoch_order(jax.random.key(3), 25, 10)
    assert ragged.shape == (3, 10)
    assert set(np.asarray(ragged).ravel().tolist()) == set(range(25))


def test_a_linear_model_cannot_learn_xor_but_one_hidden_layer_can():
    x, y, xv, yv = xor_data(400)
    linear = training.Arch(2, (), 2, "tanh", False, 10)
    hidden = training.Arch(2, (8,), 2, "tanh", False, 10)
    h = training.make_hyper("adam", lr=0.03)
    _, m_lin = training.train_epochs(linear, training.init_model(jax.random.key(0), linear),
                                     h, x, y, xv, yv, n_epochs=150)
    _, m_hid = training.train_epochs(hidden, training.init_model(jax.random.key(0), hidden),
                                     h, x, y, xv, yv, n_epochs=150)
    assert float(m_lin[-1, 3]) < 0.75  # validation accuracy near chance
    assert float(m_hid[-1, 3]) > 0.95 and float(m_hid[-1, 1]) > 0.99


def test_l2_shrinks_the_weights():
    x, y, xv, yv = xor_data()
    arch = training.Arch(2, (8,), 2, "tanh", False, 10)
    model = training.init_model(jax.random.key(0), arch)
    norm = lambda m: float(sum(jnp.sum(layer["W"] ** 2) for layer in m.params))
    plain, _ = training.train_epochs(arch, model, training.make_hyper("sgd", lr=0.1),
                                     x, y, xv, yv, n_epochs=100)
    decayed, _ = training.train_epochs(arch, model, training.make_hyper("sgd", lr=0.1, l2=0.01),
                                       x, y, xv, yv, n_epochs=100)
    assert norm(decayed) < 0.7 * norm(plain)


def test_zero_initialisation_keeps_hidden_units_identical():
    x, y, xv, yv = xor_data()
    arch = training.Arch(2, (6,), 2, "tanh", False, 10)
    model = training.init_model(jax.random.key(0), arch, init="zeros")
    trained, _ = training.train_epochs(arch, model, training.make_hyper("sgd", lr=0.1),
                                       x, y, xv, yv, n_epochs=20)
    w = np.asarray(trained.params[0]["W"])
    np.testing.assert_allclose(w, w[:, :1].repeat(w.shape[1], axis=1))


def test_moving_a_slider_never_recompiles():
    x, y, xv, yv = xor_data()
    arch = training.Arch(2, (4,), 2, "relu", True, 10)
    model = training.init_model(jax.random.key(0), arch)
    before = training.train_epochs._cache_size()
    settings = [
        training.make_hyper("sgd", lr=0.1),
        training.make_hyper("adam", lr=0.01, l1=0.001, l2=0.01, dropout=0.3),
        training.make_hyper("rmsprop", lr=0.02, clip="norm", clip_value=0.5,
                            schedule=opt.Schedule(kind=opt.SCHEDULES.index("cosine"),
                                                  horizon=10.0)),
        training.make_hyper("momentum", lr=0.2, momentum=0.5, dropout=0.1),
    ]
    for h in settings:
        _, metrics = training.train_epochs(arch, model, h, x, y, xv, yv, n_epochs=3)
        assert np.all(np.isfinite(np.asarray(metrics)))
    assert training.train_epochs._cache_size() == before + 1


def test_a_race_trains_each_optimizer_as_if_alone():
    x, y, xv, yv = xor_data()
    arch = training.Arch(2, (8,), 2, "tanh", False, 10)
    model = training.init_model(jax.random.key(0), arch)
    names = ("sgd", "momentum", "adam")
    hypers = [training.make_hyper(n, lr=0.02) for n in names]
    _, raced = training.train_many(arch, training.stack([model] * 3), training.stack(hypers),
                                   x, y, xv, yv, n_epochs=30)
    for k, h in enumerate(hypers):
        _, alone = training.train_epochs(arch, model, h, x, y, xv, yv, n_epochs=30)
        np.testing.assert_allclose(raced[k], alone, rtol=1e-4, atol=1e-5)
    assert not np.allclose(raced[0], raced[2])


def test_the_fused_forward_equals_mlp_forward():
    x, _, _, _ = xor_data(40, dtype=F64)
    arch = training.Arch(2, (5, 4), 2, "relu", True, 10)
    model = training.init_model(jax.random.key(2), arch, dtype=F64)
    key = jax.random.key(5)
    for train, rate in ((True, 0.3), (True, None), (False, None)):
        logits, bn_state = training.forward(model.params, model.bn_state, x, arch, train=train,
                                            key=key, dropout_rate=rate)
        expected, expected_bn, _ = mlp.forward(
            model.params, model.bn_state, x, activation="relu", train=train, key=key,
            dropout_rate=rate or 0.0, batchnorm=True)
        np.testing.assert_allclose(logits, expected, rtol=1e-12, atol=1e-12)
        for new, old in zip(bn_state, expected_bn, strict=True):
            np.testing.assert_allclose(new["mean"], old["mean"], rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(new["var"], old["var"], rtol=1e-12, atol=1e-12)


def test_an_epoch_order_is_the_argsort_of_its_own_random_keys():
    key = jax.random.key(7)
    bits = jax.random.bits(key, (250,), jnp.uint32)
    expected = np.argsort(np.asarray(bits), kind="stable")
    np.testing.assert_array_equal(np.asarray(training.epoch_order(key, 250, 10)).ravel(),
                                  expected)


def test_many_seeds_train_as_if_alone_with_dropout_and_clipping_for_some():
    x, y, xv, yv = xor_data()
    arch = training.Arch(2, (8,), 2, "tanh", False, 10)
    models = [training.init_model(jax.random.key(seed), arch) for seed in (0, 1, 2)]
    dropout, clip_kind = [0.0, 0.2, 0.0], ["none", "none", "norm"]
    alone = [training.make_hyper("adam", lr=0.02, dropout=d, clip=c, clip_value=0.5)
             for d, c in zip(dropout, clip_kind, strict=True)]
    # The optimizer (and its knobs) shared, dropout and clipping per model.
    shared = alone[0]._replace(dropout=jnp.asarray(dropout, training.DTYPE),
                               clip_kind=jnp.asarray([opt.CLIPPING.index(c) for c in clip_kind]))
    trained, metrics = training.train_many(arch, training.stack(models), shared, x, y, xv, yv,
                                           n_epochs=20)
    for k, (model, h) in enumerate(zip(models, alone, strict=True)):
        one, expected = training.train_epochs(arch, model, h, x, y, xv, yv, n_epochs=20)
        np.testing.assert_allclose(metrics[k], expected, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(trained.params[0]["W"][k], one.params[0]["W"], rtol=1e-4,
                                   atol=1e-5)
        assert int(trained.opt_state.count[k]) == int(one.opt_state.count) == 20 * len(x) // 10
    assert not np.allclose(metrics[0], metrics[1])
