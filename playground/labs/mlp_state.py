"""The MLP lab's state: every setting, its URL form, the data, the network and its history.

``MlpLabState`` is a plain ``param.Parameterized`` (no Panel import), tested without
a browser, like TensorFlow Playground's ``state.ts``.  A declarative table
(``URL_KEYS``) drives both reading and writing the query string:
``?lab=mlp&dataset=xor&layers=8,8&activation=relu&optimizer=adam&lr=0.01``.

Two kinds of settings:

* the data (data set, noise, points, split, seed, features, normalisation) and the
  architecture (layers, activation, initialisation, batch size, batch norm) fix the
  compiled computation, so changing one of them starts a fresh network at epoch 0;
* the training knobs (optimizer, learning rate, L1, L2, dropout) are traced values
  of ``training.Hyper``: the network keeps training with the new values.

The numerics are :mod:`playground.training`; the one new pure function here is
``decision_grid``, the network evaluated on a grid for the heat map.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import param

from .. import datasets, mlp, training
from .. import optimizers as opt
from ..text import tr
from .optimizer_state import _format, _parse

MAX_HIDDEN_LAYERS = 6
MAX_WIDTH = 32
GRID_SIZE = 80
GRID_EXTENT = 6.0  # the heat map covers [−6, 6]²
SPEEDS = (1, 5, 20, 50)  # epochs per tick: the only chunk sizes ever compiled


def parse_layers(text: str) -> tuple[int, ...]:
    """Hidden layer widths from ``"8,8"``; ``""`` or ``"0"`` is a linear model.

    ValueError (a short reason) for anything else than 0–6 widths of 1–32.
    """
    text = str(text).strip()
    if text in ("", "0"):
        return ()
    widths = []
    for item in text.split(","):
        item = item.strip()
        if not item.isdigit():
            raise ValueError(f"{item!r} is not a whole number")
        width = int(item)
        if not 1 <= width <= MAX_WIDTH:
            raise ValueError(f"a layer has 1 to {MAX_WIDTH} neurons, not {width}")
        widths.append(width)
    if len(widths) > MAX_HIDDEN_LAYERS:
        raise ValueError(f"at most {MAX_HIDDEN_LAYERS} hidden layers")
    return tuple(widths)


class Data(NamedTuple):
    """What the network sees: float32 inputs (features, normalised), int labels."""

    x_train: jax.Array
    y_train: jax.Array
    x_val: jax.Array
    y_val: jax.Array
    points_train: np.ndarray  # raw 2-D points, for the scatter plot
    points_val: np.ndarray
    mean: np.ndarray  # the normaliser (0 and 1 when off)
    std: np.ndarray
    n_classes: int


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


@partial(jax.jit, static_argnames=("arch",))
def evaluate_both(arch: training.Arch, model: training.Model, x_train, y_train, x_val, y_val):
    """[train loss, train accuracy, val loss, val accuracy], as ``train_epochs`` reports."""
    return jnp.stack([*training.evaluate(arch, model, x_train, y_train),
                      *training.evaluate(arch, model, x_val, y_val)])


@partial(jax.jit, static_argnames=("arch", "n_epochs"))
def train_keeping_best(arch: training.Arch, model: training.Model, best: training.Model,
                       best_loss, h: training.Hyper, x_train, y_train, x_val, y_val,
                       n_epochs: int):
    """``training.train_epochs``, also keeping the model with the lowest validation loss.

    ``best`` and ``best_loss`` are the best so far; an epoch replaces them only when its
    validation loss is strictly lower (so ties keep the earliest epoch, as ``argmin``).
    Returns the model, the best model, its validation loss and the (n_epochs, 4) metrics.
    """

    def one(carry, _):
        model, best, best_loss = carry
        model = training._epoch(arch, h, x_train, y_train, model)
        metrics = jnp.stack([*training.evaluate(arch, model, x_train, y_train),
                             *training.evaluate(arch, model, x_val, y_val)])
        better = metrics[2] < best_loss
        best = jax.tree.map(lambda new, old: jnp.where(better, new, old), model, best)
        return (model, best, jnp.where(better, metrics[2], best_loss)), metrics

    (model, best, best_loss), metrics = jax.lax.scan(one, (model, best, best_loss), None,
                                                     length=n_epochs)
    return model, best, best_loss, metrics


def reading(history: np.ndarray, n_classes: int) -> str:
    """A plain-language verdict on a (epochs, 4) history: a ``mlp.reading.*`` key.

    Over-fitting: validation loss has risen clearly above its minimum while training
    loss kept falling, or validation loss is far above training loss.  Under-fitting:
    both losses high (a good part of chance, log K) and close.  Otherwise a good fit.
    """
    if len(history) < 6:
        return "early"
    train, val = history[:, 0], history[:, 2]
    best = int(np.argmin(val))
    chance = math.log(n_classes)
    rising = val[-1] > 1.15 * val[best] + 0.02 and train[-1] < train[best]
    if rising or val[-1] > 2.0 * train[-1] + 0.15:
        return "overfit"
    if train[-1] > 0.35 * chance and abs(val[-1] - train[-1]) < 0.35 * train[-1] + 0.05:
        return "underfit"
    return "good"


#: Named settings that show one lesson each.
PRESETS: Mapping[str, dict] = {
    "overfit": dict(dataset="circle", noise=35.0, points=60, train_ratio=50.0, seed=0,
                    features=["x1", "x2"], normalise=False, layers="32,32,32",
                    activation="relu", init="he", optimizer="adam", lr=0.01, batch=10,
                    l1=0.0, l2=0.0, dropout=0.0, batchnorm=False),
    "underfit": dict(dataset="xor", noise=0.0, points=500, train_ratio=50.0, seed=0,
                     features=["x1", "x2"], normalise=False, layers="0",
                     activation="tanh", init="xavier", optimizer="adam", lr=0.01,
                     batch=10, l1=0.0, l2=0.0, dropout=0.0, batchnorm=False),
    "default": dict(dataset="circle", noise=0.0, points=500, train_ratio=50.0, seed=0,
                    features=["x1", "x2"], normalise=False, layers="8,8",
                    activation="tanh", init="xavier", optimizer="adam", lr=0.01,
                    batch=10, l1=0.0, l2=0.0, dropout=0.0, batchnorm=False),
}

UPLOADED = "uploaded"  # the data set name of an uploaded CSV file

#: Settings whose change starts a fresh network (data and architecture).
RESET_PARAMS = ("dataset", "noise", "points", "train_ratio", "seed", "features", "normalise",
                "layers", "activation", "init", "batch", "batchnorm")


class MlpLabState(param.Parameterized):
    """Every setting of the MLP lab, and the network being trained."""

    dataset = param.Selector(objects=[*datasets.DATASETS, UPLOADED], default="circle")
    noise = param.Number(0.0, bounds=(0.0, datasets.MAX_NOISE))
    points = param.Integer(500, bounds=(10, 2000))
    train_ratio = param.Number(50.0, bounds=(datasets.MIN_TRAIN_PERCENT,
                                              datasets.MAX_TRAIN_PERCENT))
    seed = param.Integer(0, bounds=(0, 2**31 - 1))
    features = param.ListSelector(default=["x1", "x2"], objects=list(datasets.FEATURES))
    normalise = param.Boolean(False)
    layers = param.String("8,8")
    activation = param.Selector(objects=list(mlp.ACTIVATIONS), default="tanh")
    init = param.Selector(objects=list(mlp.INITIALISERS), default="xavier")
    optimizer = param.Selector(objects=list(opt.NAMES), default="adam")
    lr = param.Number(0.01, bounds=(1e-6, 10.0), softbounds=(1e-4, 1.0))
    batch = param.Integer(10, bounds=(1, 2000))
    l1 = param.Number(0.0, bounds=(0.0, 1.0), softbounds=(0.0, 0.01))
    l2 = param.Number(0.0, bounds=(0.0, 1.0), softbounds=(0.0, 0.01))
    dropout = param.Number(0.0, bounds=(0.0, 0.9))
    batchnorm = param.Boolean(False)
    discretize = param.Boolean(False, doc="the heat map shows the predicted class only")
    early_stop = param.Boolean(False, doc="pause when validation loss stops improving")
    patience = param.Integer(20, bounds=(1, 10_000), doc="epochs without improvement")

    # What the settings produce (not in the URL).
    epoch = param.Integer(0, doc="epochs trained since the last reset")
    generation = param.Integer(0, doc="counts resets: a new network (and data)")
    error = param.String("", doc="why the latest settings could not be used")
    diverged_at = param.Integer(None, allow_None=True,
                                doc="the epoch whose loss was not finite (training stops)")

    lang = param.String("en")

    def __init__(self, **params):
        super().__init__(**params)
        self.history = np.zeros((0, 4), np.float32)  # one row per epoch, epoch 0 first
        self.uploaded: datasets.Dataset | None = None  # the latest good CSV upload
        self.cuts = 0  # counts history cuts (training on after "restore best")
        self._build()

    # -- data and network ----------------------------------------------------------

    @property
    def n_train(self) -> int:
        return len(self.data.y_train)

    def _make_data(self) -> Data:
        if self.dataset == UPLOADED and self.uploaded is not None:
            full = self.uploaded
        else:
            name = "circle" if self.dataset == UPLOADED else self.dataset
            full = datasets.make_dataset(name, int(self.points), float(self.noise),
                                         int(self.seed))
        train, val = datasets.split(full, float(self.train_ratio), int(self.seed))
        features = tuple(self.features) or ("x1", "x2")
        x_train = datasets.feature_matrix(train.X, features)
        x_val = datasets.feature_matrix(val.X, features)
        if self.normalise:
            mean, std = datasets.fit_normaliser(x_train)
        else:
            mean, std = np.zeros(len(features)), np.ones(len(features))
        f32 = lambda x: jnp.asarray(datasets.normalise(x, mean, std), training.DTYPE)
        return Data(f32(x_train), jnp.asarray(train.y, jnp.int32), f32(x_val),
                    jnp.asarray(val.y, jnp.int32), train.X, val.X, mean, std, full.n_classes)

    def _build(self):
        """New data and a fresh network from the current settings (epoch 0)."""
        try:
            hidden = parse_layers(self.layers)
        except ValueError as e:
            self.error = tr("mlp.error.layers", self.lang, error=e)
            if getattr(self, "arch", None) is not None:
                return
            hidden = (8, 8)
        self.data = self._make_data()
        self.arch = training.Arch(
            n_inputs=self.data.x_train.shape[1], hidden=hidden, n_classes=self.data.n_classes,
            activation=self.activation, batchnorm=bool(self.batchnorm),
            batch_size=max(1, min(int(self.batch), self.n_train)))
        self.model = training.init_model(jax.random.PRNGKey(int(self.seed)), self.arch,
                                         init=self.init)
        first = np.asarray(evaluate_both(self.arch, self.model, *self.data[:4]))
        self.history = first[None, :].astype(np.float32)
        self.best_model, self.best_epoch = self.model, 0
        self.param.update(error="", diverged_at=None, epoch=0,
                          generation=self.generation + 1)

    @param.depends(*RESET_PARAMS, watch=True)
    def reset(self):
        """A fresh network on fresh data: epoch 0."""
        self._build()

    def hyper(self) -> training.Hyper:
        return training.make_hyper(self.optimizer, lr=float(self.lr), l1=float(self.l1),
                                   l2=float(self.l2), dropout=float(self.dropout))

    @property
    def best_val(self) -> float:
        """The lowest validation loss so far (at ``best_epoch``)."""
        return float(self.history[self.best_epoch, 2])

    def train(self, n_epochs: int = 1):
        """Train ``n_epochs`` more epochs (one compiled call) and record the metrics.

        Also keeps the model of the epoch with the lowest validation loss.  After
        ``restore_best`` the history beyond the restored epoch is cut first.
        """
        if len(self.history) != self.epoch + 1:
            self.history = self.history[:self.epoch + 1]
            self.cuts += 1
        if self.diverged_at is not None:  # until a reset
            return
        model, best_model, _, metrics = train_keeping_best(
            self.arch, self.model, self.best_model, jnp.asarray(self.best_val, training.DTYPE),
            self.hyper(), *self.data[:4], n_epochs=int(n_epochs))
        rows = np.asarray(metrics, np.float32)
        start = len(self.history)
        if not np.all(np.isfinite(rows)):
            # Keep the last finite network and curves: nothing non-finite is drawn.
            bad = start + int(np.argmin(np.all(np.isfinite(rows), axis=1)))
            self.param.update(diverged_at=bad, error=tr("mlp.diverged", self.lang, epoch=bad))
            return
        self.model, self.best_model = model, best_model
        self.history = np.concatenate([self.history, rows])
        with np.errstate(invalid="ignore"):
            better = rows[:, 2] < self.history[self.best_epoch, 2]
        if better.any():
            # the first epoch that beat the best so far, then the chunk's own minimum
            val = np.where(np.isfinite(rows[:, 2]), rows[:, 2], np.inf)
            self.best_epoch = start + int(np.argmin(val))
        self.epoch = int(self.model.epoch)

    def should_stop(self) -> bool:
        """Early stopping: no better validation loss for ``patience`` epochs."""
        return bool(self.early_stop) and self.epoch - self.best_epoch >= int(self.patience)

    def restore_best(self):
        """Put back the model of the best epoch; the curves stay as they are."""
        self.model = self.best_model
        self.epoch = int(self.model.epoch)

    def load_csv(self, content: bytes | str) -> str:
        """Use an uploaded ``x1,x2,label`` CSV file: "" on success, else why not.

        On success the data set becomes ``"uploaded"`` and the network starts afresh;
        on failure nothing changes.
        """
        try:
            dataset = datasets.parse_csv(content)
        except datasets.DatasetError as e:
            return str(e)
        self.uploaded = dataset
        if self.dataset == UPLOADED:
            self.reset()
        else:
            self.dataset = UPLOADED
        return ""

    def grid(self) -> np.ndarray:
        """The heat map's values (see ``decision_grid``)."""
        return np.asarray(decision_grid(self.arch, self.model.params, self.model.bn_state,
                                        jnp.asarray(self.data.mean), jnp.asarray(self.data.std),
                                        tuple(self.features) or ("x1", "x2"),
                                        discrete=bool(self.discretize)))

    def reading(self) -> str:
        return reading(self.history, self.data.n_classes)

    def apply_preset(self, name: str):
        """One batched update, so the network is rebuilt once."""
        self.param.update(**PRESETS[name])

    # -- the URL -------------------------------------------------------------------

    def to_query(self) -> dict[str, str]:
        """The state as query values: the data set, and every setting that differs."""
        query = {"dataset": self.dataset}
        for p in URL_KEYS:
            if p == "dataset":
                continue
            value = getattr(self, p)
            if value != self.param[p].default:
                query[p] = ",".join(value) if p == "features" else _format(value)
        return query

    def apply_query(self, query: Mapping[str, str]) -> list[str]:
        """Set the state from query values; returns what was ignored and why."""
        problems: list[str] = []
        values: dict = {}
        for p in URL_KEYS:
            if p not in query:
                continue
            text = str(query[p])
            try:
                if p == "dataset" and text == UPLOADED and self.uploaded is None:
                    raise ValueError("a link cannot carry an uploaded file")
                if p == "layers":
                    widths = parse_layers(text)
                    values[p] = ",".join(map(str, widths)) or "0"
                elif p == "features":
                    values[p] = _parse(self.param[p], text)
                    if not values[p]:
                        raise ValueError("choose at least one")
                else:
                    values[p] = _parse(self.param[p], text)
            except ValueError as e:
                values.pop(p, None)
                problems.append(f"{p}={text!r} ({e})")
        if "batch" in values:
            n = int(values.get("points", self.points))
            ratio = float(values.get("train_ratio", self.train_ratio))
            n_train = min(max(math.floor(n * ratio / 100.0 + 0.5), 1), n - 1)
            if values["batch"] > n_train:
                problems.append(f"batch={query['batch']!r} (more than the {n_train} "
                                "training points)")
                del values["batch"]
        if values:
            self.param.update(**values)
        return problems


#: Parameters carried in links, each under its own name.
URL_KEYS: tuple[str, ...] = (
    "dataset", "noise", "points", "train_ratio", "seed", "features", "normalise", "layers",
    "activation", "init", "optimizer", "lr", "batch", "l1", "l2", "dropout", "batchnorm",
    "discretize", "early_stop", "patience",
)
