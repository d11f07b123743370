"""The MLP training engine against PyTorch, closed-form facts and its own promises.

Compiling a training function takes seconds, and ``n_epochs`` is a static argument:
tests train in chunks of ``CHUNK`` epochs (chained calls train exactly as one long
call does), so every test of an architecture shares one compiled function.
"""

import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from torch_oracle import torch_net

import playground  # noqa: F401  (enables float64 in JAX)
from playground.numerics import datasets, mlp, training
from playground.numerics import optimizers as opt

F64 = jnp.float64
CHUNK = 10  # epochs per compiled call


def xor_data(n=200, seed=0, dtype=jnp.float32):
    ds = datasets.make_dataset("xor", n, 0.0, seed)
    train, val = datasets.split(ds, 50, seed)
    cast = lambda d: (jnp.asarray(d.X, dtype), jnp.asarray(d.y))
    return (*cast(train), *cast(val))


def _in_chunks(engine, axis, arch, models, h, data, n_epochs, chunk):
    """``engine`` (``train_epochs`` or ``train_many``) for ``n_epochs`` (a multiple of
    ``chunk``), ``chunk`` per call (one compilation); the metrics joined on ``axis``."""
    assert n_epochs % chunk == 0
    rows = []
    for _ in range(n_epochs // chunk):
        models, metrics = engine(arch, models, h, *data, n_epochs=chunk)
        rows.append(np.asarray(metrics))
    return models, np.concatenate(rows, axis=axis)


def train(arch, model, h, data, n_epochs, chunk=CHUNK):
    """``train_epochs`` for ``n_epochs``, ``chunk`` per call."""
    return _in_chunks(training.train_epochs, 0, arch, model, h, data, n_epochs, chunk)


def train_many(arch, models, h, data, n_epochs, chunk=CHUNK):
    """``train_many`` in chunks, as ``train``."""
    return _in_chunks(training.train_many, 1, arch, models, h, data, n_epochs, chunk)


# The architectures several tests share (one compilation each).
TANH8 = training.Arch(2, (8,), 2, "tanh", False, 10)


@pytest.fixture(scope="module")
def xor():
    return xor_data()


TORCH_OPTIMIZERS = {
    "sgd": lambda p, lr: torch.optim.SGD(p, lr=lr),
    "momentum": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9),
    "nesterov": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9, nesterov=True),
    "adagrad": lambda p, lr: torch.optim.Adagrad(p, lr=lr, eps=1e-10),
    "rmsprop": lambda p, lr: torch.optim.RMSprop(p, lr=lr, alpha=0.9, eps=1e-8),
    "adam": lambda p, lr: torch.optim.Adam(p, lr=lr, betas=(0.9, 0.999), eps=1e-8),
}


# --- Mini-batch training against torch, in the engine's own order --------------------
# Three classes, 45 training points in batches of 10: the last batch of each epoch is
# filled up with the first 5 examples of the same shuffle.

ORACLE_ARCH = training.Arch(2, (5, 4), 3, "tanh", False, 10)
ORACLE_EPOCHS = 3


@pytest.fixture(scope="module")
def three_class():
    ds = datasets.make_dataset("three_class", 90, 10.0, 0)
    train_part, val_part = datasets.split(ds, 50, 0)
    assert len(train_part.y) == 45
    cast = lambda d: (jnp.asarray(d.X, F64), jnp.asarray(d.y))
    return (*cast(train_part), *cast(val_part))


def engine_plan(model, n, rate=0.0):
    """The engine's shuffles and dropout masks, epoch by epoch, from the model's key.

    Each epoch: ``epoch_keys`` gives the shuffle key (``epoch_order``) and the dropout
    key, split into one key per batch and each into one per hidden layer; a mask is
    Bernoulli(q) with q = 1 − rate (``jax.random.bernoulli``).
    """
    arch, plan, key = ORACLE_ARCH, [], model.key
    q = jnp.asarray(1.0, F64) - jnp.asarray(rate, F64)
    for _ in range(ORACLE_EPOCHS):
        key, shuffle_key, dropout_key = training.epoch_keys(key)
        order = np.asarray(training.epoch_order(shuffle_key, n, arch.batch_size))
        masks = None
        if rate > 0:
            masks = [[np.asarray(jax.random.bernoulli(k, q, (arch.batch_size, width)))
                      for k, width in zip(jax.random.split(batch_key, len(arch.hidden)),
                                          arch.hidden, strict=True)]
                     for batch_key in jax.random.split(dropout_key, order.shape[0])]
        plan.append((order, masks))
    return plan


def torch_train(model, data, plan, make_optimizer, *, rate=0.0, clip=None, clip_value=1.0,
                make_scheduler=None, l2=0.0, l1=0.0):
    """Mini-batch training in PyTorch float64 over the batches and masks of ``plan``.

    L1 by hand, as the proximal step (ISTA): after each optimizer step every weight
    matrix W ← sign(W)·max(|W| − α λ₁, 0), α the step's learning rate.

    Returns the linear layers and the clipping norms seen (``clip`` "norm": the global
    gradient norms before clipping).
    """
    x, y = (torch.tensor(np.asarray(a)) for a in data[:2])
    linears = [m for m in torch_net(model.params, "tanh") if isinstance(m, torch.nn.Linear)]
    parameters = [p for lin in linears for p in lin.parameters()]
    optimizer = make_optimizer(parameters)
    scheduler = make_scheduler(optimizer) if make_scheduler else None
    q, norms = 1.0 - rate, []
    for order, masks in plan:
        for j, batch in enumerate(order):
            idx = torch.tensor(batch)
            a = x[idx]
            for i, lin in enumerate(linears[:-1]):
                a = torch.tanh(lin(a))
                if masks is not None:  # inverted dropout: keep with probability q, × 1/q
                    a = a * torch.tensor(masks[j][i], dtype=torch.float64) / q
            loss = torch.nn.functional.cross_entropy(linears[-1](a), y[idx])
            loss = loss + l2 * sum((lin.weight**2).sum() for lin in linears)
            optimizer.zero_grad()
            loss.backward()
            if clip == "norm":
                # torch scales by c / (‖g‖ + 1e-6), optax by c / ‖g‖: the threshold
                # c (‖g‖ + 1e-6) / ‖g‖ makes torch's factor c / ‖g‖ (when ‖g‖ > c).
                norm = float(torch.nn.utils.get_total_norm([p.grad for p in parameters]))
                threshold = clip_value * (norm + 1e-6) / norm
                assert float(torch.nn.utils.clip_grad_norm_(parameters, threshold)) == norm
                norms.append(norm)
            elif clip == "value":
                torch.nn.utils.clip_grad_value_(parameters, clip_value)
            optimizer.step()
            if l1:
                threshold = optimizer.param_groups[0]["lr"] * l1
                with torch.no_grad():
                    for lin in linears:
                        w = lin.weight
                        w.copy_(torch.sign(w) * torch.clamp(w.abs() - threshold, min=0.0))
            if scheduler is not None:
                scheduler.step()  # the engine's schedule counts updates, not epochs
    return linears, norms


def assert_same_network(params, linears, rtol=1e-9, atol=1e-12):
    for layer, lin in zip(params, linears, strict=True):
        np.testing.assert_allclose(layer["W"], lin.weight.detach().numpy().T, rtol=rtol,
                                   atol=atol)
        np.testing.assert_allclose(layer["b"], lin.bias.detach().numpy(), rtol=rtol,
                                   atol=atol)


def oracle_run(three_class, h, seed=3):
    """Three epochs, one per call: torch's agreement also shows that chained calls
    train exactly as one long call (what ``train`` and ``train_many`` rely on)."""
    model = training.init_model(jax.random.key(seed), ORACLE_ARCH, dtype=F64)
    trained, metrics = train(ORACLE_ARCH, model, h, three_class, ORACLE_EPOCHS, chunk=1)
    return model, trained, metrics


@pytest.mark.parametrize("name", opt.NAMES)
def test_mini_batch_epochs_match_torch_in_the_engine_order(three_class, name):
    """Every optimizer, with an L2 penalty, over the engine's own shuffled batches."""
    h = training.make_hyper(name, lr=0.05, l2=0.005, dtype=F64)
    model, trained, metrics = oracle_run(three_class, h)
    plan = engine_plan(model, 45)
    assert [order.shape for order, _ in plan] == [(5, 10)] * ORACLE_EPOCHS
    assert not np.array_equal(plan[0][0], plan[1][0])  # a new shuffle every epoch
    linears, _ = torch_train(model, three_class, plan,
                             lambda p: TORCH_OPTIMIZERS[name](p, 0.05), l2=0.005)
    assert_same_network(trained.params, linears)
    assert int(trained.step) == 5 * ORACLE_EPOCHS and int(trained.epoch) == ORACLE_EPOCHS
    with torch.no_grad():  # the reported validation loss is the network's, without penalty
        a = torch.tensor(np.asarray(three_class[2]))
        for lin in linears[:-1]:
            a = torch.tanh(lin(a))
        val_loss = torch.nn.functional.cross_entropy(
            linears[-1](a), torch.tensor(np.asarray(three_class[3])))
    assert metrics[-1, 2] == pytest.approx(float(val_loss), rel=1e-9)


def test_global_norm_clipping_inside_training_matches_torch(three_class):
    h = training.make_hyper("momentum", lr=0.1, momentum=0.9, clip="norm", clip_value=0.3,
                            dtype=F64)
    model, trained, _ = oracle_run(three_class, h)
    linears, norms = torch_train(
        model, three_class, engine_plan(model, 45),
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9), clip="norm", clip_value=0.3)
    assert sum(n > 0.3 for n in norms) >= 5  # clipping was at work
    assert_same_network(trained.params, linears)
    # ... and the clipping made a difference the tolerance cannot hide.
    free, _ = torch_train(model, three_class, engine_plan(model, 45),
                          lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9))
    assert not np.allclose(trained.params[0]["W"], free[0].weight.detach().numpy().T,
                           rtol=1e-3)


def test_clipping_by_value_inside_training_matches_torch(three_class):
    h = training.make_hyper("sgd", lr=0.2, clip="value", clip_value=0.05, dtype=F64)
    model, trained, _ = oracle_run(three_class, h)
    linears, _ = torch_train(model, three_class, engine_plan(model, 45),
                             lambda p: torch.optim.SGD(p, lr=0.2), clip="value",
                             clip_value=0.05)
    assert_same_network(trained.params, linears)


TORCH_SCHEDULERS = {
    # every N = 4 updates, factor k = 2, γ = 0.9, horizon T = 20 ≥ the 15 updates
    "step": lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=4, gamma=0.5),
    "exponential": lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9),
    "inverse_time": lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda n: 1 / (1 + n / 4)),
    "cosine": lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=20),
}


@pytest.mark.parametrize("kind", list(TORCH_SCHEDULERS))
def test_a_learning_rate_schedule_inside_training_matches_torch(three_class, kind):
    """The schedule advances once per update (mini-batch step), from n = 0."""
    schedule = opt.Schedule(kind=opt.SCHEDULES.index(kind), every=4.0, factor=2.0,
                            gamma=0.9, horizon=20.0)
    h = training.make_hyper("momentum", lr=0.2, momentum=0.9, schedule=schedule, dtype=F64)
    model, trained, _ = oracle_run(three_class, h)
    linears, _ = torch_train(model, three_class, engine_plan(model, 45),
                             lambda p: torch.optim.SGD(p, lr=0.2, momentum=0.9),
                             make_scheduler=TORCH_SCHEDULERS[kind])
    assert_same_network(trained.params, linears)


def test_dropout_inside_training_matches_torch_with_the_same_masks(three_class):
    rate = 0.3
    h = training.make_hyper("adam", lr=0.05, dropout=rate, dtype=F64)
    model, trained, metrics = oracle_run(three_class, h)
    plan = engine_plan(model, 45, rate)
    kept = np.mean([m for _, masks in plan for batch in masks for m in batch[0].ravel()])
    assert 0.5 < kept < 0.9  # about q = 0.7 of the units kept
    linears, _ = torch_train(model, three_class, plan,
                             lambda p: TORCH_OPTIMIZERS["adam"](p, 0.05), rate=rate)
    assert_same_network(trained.params, linears)
    # Other masks (no dropout) give another network: the masks were used.
    other, _ = torch_train(model, three_class, engine_plan(model, 45),
                           lambda p: TORCH_OPTIMIZERS["adam"](p, 0.05))
    assert not np.allclose(trained.params[0]["W"], other[0].weight.detach().numpy().T,
                           rtol=1e-3)


# --- The engine's own promises ---------------------------------------------------------


def test_an_epoch_visits_every_example_once():
    order = training.epoch_order(jax.random.key(3), 250, 10)
    assert order.shape == (25, 10)
    assert sorted(np.asarray(order).ravel().tolist()) == list(range(250))
    ragged = training.epoch_order(jax.random.key(3), 25, 10)
    assert ragged.shape == (3, 10)
    assert set(np.asarray(ragged).ravel().tolist()) == set(range(25))


def test_a_linear_model_cannot_learn_xor_but_one_hidden_layer_can():
    data = xor_data(400)
    linear = training.Arch(2, (), 2, "tanh", False, 10)
    h = training.make_hyper("adam", lr=0.03)
    _, m_lin = train(linear, training.init_model(jax.random.key(0), linear), h, data, 150,
                     chunk=50)
    _, m_hid = train(TANH8, training.init_model(jax.random.key(0), TANH8), h, data, 150,
                     chunk=50)
    assert float(m_lin[-1, 3]) < 0.75  # validation accuracy near chance
    assert float(m_hid[-1, 3]) > 0.95 and float(m_hid[-1, 1]) > 0.99


def test_l2_shrinks_the_weights(xor):
    model = training.init_model(jax.random.key(0), TANH8)
    norm = lambda m: float(sum(jnp.sum(layer["W"] ** 2) for layer in m.params))
    plain, _ = train(TANH8, model, training.make_hyper("sgd", lr=0.1), xor, 100)
    decayed, _ = train(TANH8, model, training.make_hyper("sgd", lr=0.1, l2=0.01), xor, 100)
    assert norm(decayed) < 0.7 * norm(plain)


L1_TORCH = {
    "sgd": lambda p: torch.optim.SGD(p, lr=0.05),
    "momentum": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
    "adam": lambda p: torch.optim.Adam(p, lr=0.05),
}


@pytest.mark.parametrize("name", list(L1_TORCH))
def test_l1_proximal_step_inside_training_matches_torch(three_class, name):
    """L1 is soft-thresholding after each update, W ← sign(W)·max(|W| − α λ₁, 0), with
    α the scheduled rate of that update; torch's reference does the same by hand."""
    schedule = opt.Schedule(kind=opt.SCHEDULES.index("step"), every=4.0, factor=2.0)
    h = training.make_hyper(name, lr=0.05, l1=1.0, l2=0.005, schedule=schedule, dtype=F64)
    model, trained, _ = oracle_run(three_class, h)
    linears, _ = torch_train(model, three_class, engine_plan(model, 45), L1_TORCH[name],
                             make_scheduler=TORCH_SCHEDULERS["step"], l2=0.005, l1=1.0)
    assert_same_network(trained.params, linears)
    zeros = [np.asarray(layer["W"]) == 0.0 for layer in trained.params]
    assert sum(int(z.sum()) for z in zeros) > 0  # the step set weights to exactly 0 ...
    for z, lin in zip(zeros, linears, strict=True):  # ... the same ones as torch's
        np.testing.assert_array_equal(z, lin.weight.detach().numpy().T == 0.0)
    assert all(np.all(layer["b"] != 0.0) for layer in trained.params)  # biases untouched


@pytest.mark.parametrize("batch", [10, 50])  # the lab's default batch and a large one
def test_l1_gives_exactly_zero_weights_to_useless_inputs(batch):
    """Two Gaussian blobs with two extra inputs of pure noise: with L1 every weight from a
    noise input ends exactly 0 (the proximal step), the blobs are still told apart, and
    without L1 no weight is 0.  (Plain and momentum SGD, as README says: Adam's steps are
    about α whatever the gradient's size, so its weights rarely stay inside the threshold
    α λ₁.)"""
    ds = datasets.make_dataset("gaussian", 400, 0.0, 0)
    cast = lambda d, k: (jnp.concatenate([jnp.asarray(d.X, F64), jax.random.normal(
        jax.random.key(k), (len(d.y), 2), F64)], axis=1), jnp.asarray(d.y))
    data = (*cast(datasets.split(ds, 50, 0)[0], 1), *cast(datasets.split(ds, 50, 0)[1], 2))
    arch = training.Arch(4, (8,), 2, "tanh", False, batch)
    model = training.init_model(jax.random.key(0), arch, dtype=F64)
    for name, lr in (("sgd", 0.3), ("momentum", 0.05)):
        sparse, metrics = train(arch, model, training.make_hyper(name, lr=lr, l1=0.02,
                                                                 dtype=F64), data, 400, 100)
        w = np.asarray(sparse.params[0]["W"])
        assert np.all(w[2:] == 0.0), (name, w[2:])  # the noise inputs: cut off
        assert np.count_nonzero(w[:2]) >= 2, name  # x₁, x₂ still used
        assert metrics[-1, 3] > 0.95, name  # validation accuracy
        dense, _ = train(arch, model, training.make_hyper(name, lr=lr, dtype=F64), data,
                         400, 100)
        assert np.count_nonzero(np.asarray(dense.params[0]["W"]) == 0.0) == 0, name


def test_l1_holds_a_weight_at_exactly_zero(xor):
    """A weight at 0 with no pull from the data stays at 0 under L1 (the proximal step
    leaves 0 at 0; a step along |w|'(0) = 1 would leave 0 at the first step)."""
    x_train, y_train, x_val, y_val = xor
    silent = lambda x: x.at[:, 1].set(0.0)  # input x₂ always 0: no gradient reaches W[1, :]
    data = (silent(x_train), y_train, silent(x_val), y_val)
    model = training.init_model(jax.random.key(0), TANH8)
    first = model.params[0]
    model = model._replace(params=[{**first, "W": first["W"].at[1, :].set(0.0)},
                                   *model.params[1:]])
    for name in ("sgd", "adam"):
        trained, _ = train(TANH8, model, training.make_hyper(name, lr=0.05, l1=0.01), data, 20)
        assert np.all(np.asarray(trained.params[0]["W"])[1] == 0.0), name
        assert np.all(np.asarray(trained.params[0]["W"])[0] != np.asarray(first["W"])[0])


def test_zero_initialisation_keeps_hidden_units_identical(xor):
    model = training.init_model(jax.random.key(0), TANH8, init="zeros")
    trained, _ = train(TANH8, model, training.make_hyper("sgd", lr=0.1), xor, 20)
    w = np.asarray(trained.params[0]["W"])
    np.testing.assert_allclose(w, w[:, :1].repeat(w.shape[1], axis=1))


def test_moving_a_slider_never_recompiles_and_every_slider_counts(three_class):
    model = training.init_model(jax.random.key(0), ORACLE_ARCH, dtype=F64)
    cosine = opt.Schedule(kind=opt.SCHEDULES.index("cosine"), horizon=10.0)
    base = dict(lr=0.1, momentum=0.9, dtype=F64)
    settings = {
        "base": training.make_hyper("momentum", **base),
        "lr": training.make_hyper("momentum", **{**base, "lr": 0.2}),
        "momentum": training.make_hyper("momentum", **{**base, "momentum": 0.5}),
        "optimizer": training.make_hyper("adam", lr=0.1, dtype=F64),
        "l1": training.make_hyper("momentum", **base, l1=0.01),
        "l2": training.make_hyper("momentum", **base, l2=0.05),
        "dropout": training.make_hyper("momentum", **base, dropout=0.3),
        "clip": training.make_hyper("momentum", **base, clip="norm", clip_value=0.05),
        "schedule": training.make_hyper("momentum", **base, schedule=cosine),
        "all": training.make_hyper("rmsprop", lr=0.02, l1=0.001, l2=0.01, dropout=0.1,
                                   clip="value", clip_value=0.1, schedule=cosine, dtype=F64),
    }
    before = training.train_epochs._cache_size()
    results, compiled = {}, None
    for name, h in settings.items():
        trained, metrics = training.train_epochs(ORACLE_ARCH, model, h, *three_class,
                                                 n_epochs=1)
        assert np.all(np.isfinite(np.asarray(metrics))), name
        results[name] = np.concatenate([np.asarray(leaf).ravel()
                                        for leaf in jax.tree.leaves(trained.params)])
        compiled = compiled or training.train_epochs._cache_size()
    # At most one compilation (none if an earlier test compiled this architecture) ...
    assert compiled <= before + 1
    assert training.train_epochs._cache_size() == compiled  # ... and none after it.
    # Each setting moved alone changes the trained network.
    for name, weights in results.items():
        if name != "base":
            assert not np.allclose(weights, results["base"], rtol=1e-4, atol=1e-6), name


def test_a_race_trains_each_optimizer_as_if_alone(xor):
    model = training.init_model(jax.random.key(0), TANH8)
    names = ("sgd", "momentum", "adam")
    hypers = [training.make_hyper(n, lr=0.02) for n in names]
    _, raced = train_many(TANH8, training.stack([model] * 3), training.stack(hypers), xor, 30)
    for k, h in enumerate(hypers):
        _, alone = train(TANH8, model, h, xor, 30)
        np.testing.assert_allclose(raced[k], alone, rtol=1e-4, atol=1e-5)
    assert not np.allclose(raced[0], raced[2])


def test_an_epoch_order_is_the_argsort_of_its_own_random_keys():
    key = jax.random.key(7)
    bits = jax.random.bits(key, (250,), jnp.uint32)
    expected = np.argsort(np.asarray(bits), kind="stable")
    np.testing.assert_array_equal(np.asarray(training.epoch_order(key, 250, 10)).ravel(),
                                  expected)


def test_many_seeds_train_as_if_alone_with_dropout_and_clipping_for_some(xor):
    models = [training.init_model(jax.random.key(seed), TANH8) for seed in (0, 1, 2)]
    dropout, clip_kind = [0.0, 0.2, 0.0], ["none", "none", "norm"]
    alone = [training.make_hyper("adam", lr=0.02, dropout=d, clip=c, clip_value=0.5)
             for d, c in zip(dropout, clip_kind, strict=True)]
    # The optimizer (and its knobs) shared, dropout and clipping per model.
    shared = alone[0]._replace(dropout=jnp.asarray(dropout, training.DTYPE),
                               clip_kind=jnp.asarray([opt.CLIPPING.index(c) for c in clip_kind]))
    trained, metrics = train_many(TANH8, training.stack(models), shared, xor, 20)
    for k, (model, h) in enumerate(zip(models, alone, strict=True)):
        one, expected = train(TANH8, model, h, xor, 20)
        np.testing.assert_allclose(metrics[k], expected, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(trained.params[0]["W"][k], one.params[0]["W"], rtol=1e-4,
                                   atol=1e-5)
        assert int(trained.opt_state.count[k]) == int(one.opt_state.count) == 20 * 100 // 10
    assert not np.allclose(metrics[0], metrics[1])


def test_a_race_with_dropout_and_clipping_for_some_trains_each_as_if_alone(xor):
    """``train_race`` asks once whether any racer uses dropout or clipping; a racer
    without them still trains exactly as alone (``train_keeping_best``), and an
    inactive racer comes back as it went in."""
    model = training.init_model(jax.random.key(3), TANH8)
    settings = [("adam", 0.0, "none"), ("sgd", 0.3, "none"), ("momentum", 0.0, "norm"),
                ("rmsprop", 0.0, "none")]
    hypers = [training.make_hyper(name, lr=0.05, dropout=d, clip=c, clip_value=0.2)
              for name, d, c in settings]
    active = jnp.asarray([True, True, True, False])
    raced, metrics = training.train_race(TANH8, training.stack([model] * 4),
                                         training.stack(hypers), *xor, 12, active, capacity=16)
    inf = jnp.asarray(jnp.inf, training.DTYPE)
    for k, h in enumerate(hypers[:3]):
        alone, _, _, expected = training.train_keeping_best(TANH8, model, model, inf, h, *xor,
                                                            12, capacity=16)
        np.testing.assert_allclose(metrics[k, :12], expected[:12], rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(raced.params[0]["W"][k], alone.params[0]["W"], rtol=1e-4,
                                   atol=1e-5)
    np.testing.assert_array_equal(raced.params[0]["W"][3], model.params[0]["W"])
    assert int(raced.epoch[3]) == 0 and int(raced.epoch[0]) == 12


# --- The one forward pass: matrix-product and fused layers agree -----------------------

def random_network(seed, sizes, batchnorm):
    """Random weights, biases, γ, β and running statistics (NumPy, float64)."""
    rng = np.random.default_rng(seed)
    params, bn_state = [], []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layer = {"W": rng.normal(size=(n_in, n_out)), "b": 0.5 * rng.normal(size=n_out)}
        if batchnorm and i < len(sizes) - 2:
            layer["gamma"] = 1.0 + 0.3 * rng.normal(size=n_out)
            layer["beta"] = 0.3 * rng.normal(size=n_out)
            bn_state.append({"mean": rng.normal(size=n_out),
                             "var": rng.uniform(0.5, 2.0, size=n_out)})
        params.append(layer)
    return jax.tree.map(jnp.asarray, (params, tuple(bn_state)))


FORWARD_CASES = [  # (hidden, K, activation, batch norm): each feature at least once
    ((), 2, "relu", False),
    ((6,), 3, "sigmoid", False),
    ((5, 4), 2, "linear", True),
    ((5, 4, 3), 4, "tanh", True),
]


@pytest.mark.parametrize(("hidden", "k", "activation", "batchnorm"), FORWARD_CASES)
def test_fused_and_matrix_product_layers_give_the_same_forward_pass(hidden, k, activation,
                                                                    batchnorm):
    """``mlp.affine_fused`` (training's) and ``mlp.affine`` (evaluation's), every feature:
    dropout with a fixed key, batch norm in training (batch statistics, running-statistics
    update) and in evaluation (non-trivial running statistics), every activation."""
    x, _, _, _ = xor_data(40, dtype=F64)
    params, bn_state = random_network(len(hidden) + k, (2, *hidden, k), batchnorm)
    modes = ((True, 0.3), (True, 0.0), (False, 0.0), (False, 0.5))

    @jax.jit  # one compilation per case: eager JAX compiles every operation on its own
    def both_forms(params, bn_state, x, key):
        return [[mlp.forward(params, bn_state, x, activation=activation, train=train_mode,
                             key=key, dropout_rate=rate, batchnorm=batchnorm, layer=layer)
                 for layer in (mlp.affine, mlp.affine_fused)]
                for train_mode, rate in modes]

    for (train_mode, _), outputs in zip(
            modes, both_forms(params, bn_state, x, jax.random.key(5)), strict=True):
        (logits, state, acts), (fused_logits, fused_state, fused_acts) = outputs
        assert logits.shape == (x.shape[0], k)
        np.testing.assert_allclose(fused_logits, logits, rtol=1e-12, atol=1e-12)
        for a, b in zip(jax.tree.leaves((fused_state, fused_acts)),
                        jax.tree.leaves((state, acts)), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
        if batchnorm and train_mode:  # the running statistics moved
            assert not np.allclose(state[0]["mean"], bn_state[0]["mean"])


def test_training_uses_the_one_forward_pass(three_class):
    """``training.loss`` is ``mlp.forward`` (fused layers) + cross-entropy + the L2
    penalty (L1 is the update's proximal step, not a gradient)."""
    arch = training.Arch(2, (5, 4), 3, "relu", True, 10)
    model = training.init_model(jax.random.key(6), arch, dtype=F64)
    x, y = three_class[0][:10], three_class[1][:10]
    key = jax.random.key(9)
    @jax.jit
    def both(params, bn_state, x, y, key):
        got = training.loss(params, bn_state, x, y, arch, key, 0.2, 0.02)
        logits, state, _ = mlp.forward(params, bn_state, x, activation="relu", train=True,
                                       key=key, dropout_rate=0.2, batchnorm=True)
        return got, (mlp.cross_entropy(logits, y) + mlp.penalty(params, 0.0, 0.02), state)

    (got, state), (expected, expected_state) = both(model.params, model.bn_state, x, y, key)
    assert float(got) == pytest.approx(float(expected), rel=1e-12)
    for a, b in zip(jax.tree.leaves(state), jax.tree.leaves(expected_state), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


# --- Import has no side effects --------------------------------------------------------

_COUNT_COMPILATIONS = """
import jax, jax.monitoring
events = []
jax.monitoring.register_event_duration_secs_listener(
    lambda name, *args, **kwargs: events.append(name))
compiles = lambda: sum("backend_compile" in name for name in events)
import playground.numerics.training as training
print(compiles())
training.jit_options()
print(compiles())
"""


def test_importing_the_training_engine_compiles_nothing():
    out = subprocess.run([sys.executable, "-c", _COUNT_COMPILATIONS], capture_output=True,
                         text=True, check=True, timeout=120,
                         cwd=Path(__file__).resolve().parents[2]).stdout.split()
    at_import, after_probe = map(int, out)
    assert at_import == 0
    assert after_probe >= 1  # the counter does see the probe's compilation


def test_a_reported_loss_is_never_negative_zero_or_below():
    """Rounding in log-softmax gave −1e-8 (shown "−0.000") for a sure, right network."""
    from playground.numerics.training import reported_loss

    values = np.asarray(reported_loss(jnp.array([-1e-8, -0.0, 0.0, 0.25, np.nan, np.inf])))
    assert list(values[:4]) == [0.0, 0.0, 0.0, 0.25]
    assert not np.signbit(values[:4]).any()
    assert np.isnan(values[4]) and values[5] == np.inf  # a divergence is still seen
