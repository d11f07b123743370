"""The MLP lab's state: every setting, its URL form, the data, the network and its history.

``MlpLabState`` is a plain ``param.Parameterized`` (no Panel import), tested without
a browser, like TensorFlow Playground's ``state.ts``.  A declarative table
(``LINK``, a ``ui.link.LinkTable``) drives both reading and writing the query string:
``?lab=mlp&dataset=xor&layers=8,8&activation=relu&optimizer=adam&lr=0.01``.

Two kinds of settings:

* the data (data set, noise, points, split, seed, features, normalisation) and the
  architecture (layers, activation, initialisation, batch size, batch norm) fix the
  compiled computation, so changing one of them starts a fresh network at epoch 0;
* the training knobs (optimizer, learning rate, L1, L2, dropout) are traced values
  of ``training.Hyper``: the network keeps training with the new values.

The numerics are :mod:`playground.numerics.training` and
:mod:`playground.numerics.decision` (the heat map).
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import param

from ...numerics import SEED_BOUNDS, datasets, mlp, training
from ...numerics import optimizers as opt
from ...numerics.decision import Frame, data_frame, decision_grid, decision_grids
from ...numerics.diagram import diagram_values
from ...numerics.mlp import parse_layers
from ...numerics.programs import Programs
from ...numerics.reading import reading
from ...numerics.training import (
    CHUNK_CAPACITY,
    Data,
    evaluate_both,
    train_keeping_best,
    train_race,
)
from ...text import tr, tr_error
from ...ui import caption
from ...ui.lab import LabState
from ...ui.link import (
    ASCII_INTEGER,
    ASCII_NUMBER,
    LinkField,
    LinkReason,
    LinkTable,
    format_value,
    knob_fields,
    knob_parameter,
    param_field,
    parse_value,
    problem,
    shown,
)
from ...ui.memory import BUDGET, MLP_PROGRAMS_MB
from ...ui.widgets import number_text


class FreshNetwork(NamedTuple):
    """What ``MlpLabState.fresh_network`` makes: the data, the untrained network, its
    first row of metrics (1, 4) and the optimizers racing it."""

    data: Data
    arch: training.Arch
    model: training.Model
    history: np.ndarray
    racers: tuple[str, ...]
    race_models: training.Model | None  # the network once per racer, stacked
    notes: list[str]  # settings adjusted, or without effect (``_runnable``)


SPEEDS = (1, 5, 20, "max")  # epochs per frame; "max": as many as fit in a frame
FRAME_S = 0.014  # at speed "max", the time one frame may take (≥ 30 frames/s with drawing)
MAX_RACERS = 4
#: The most epochs a link trains before its page shows (seconds for the default
#: network: ≥ 2,500 epochs/s); a page paused later than this links to this epoch.
MAX_LINK_EPOCHS = 5000
#: A training call lasts about this long at most (seconds; one epoch at least): XLA
#: runs one computation at a time in the server (``PJRT_NPROC=1``), so every other
#: page's frame waits behind a call of a heavy network's chunk of epochs.
SLICE_S = 0.04
#: The page's chunks of training towards a link's epoch, in seconds (each ends with
#: its picture, and the slot for slow work goes to whoever waits).
LINK_CHUNK_S = 0.5


def next_chunk(previous: int, elapsed_s: float, frame_s: float = FRAME_S,
               capacity: int = CHUNK_CAPACITY) -> int:
    """Epochs for the next frame at speed "max": the last chunk scaled so that a frame
    (training and drawing) takes ``frame_s``; at most doubled or halved per frame, so
    one slow frame (a compilation, a garbage collection) does not swing it."""
    if not math.isfinite(elapsed_s) or elapsed_s <= 0:
        return max(1, min(previous, capacity))
    ratio = min(max(frame_s / elapsed_s, 0.5), 2.0)
    return int(min(max(round(previous * ratio), 1), capacity))


#: What every lesson sets besides its own settings: one network, constant α, no clipping.
_PLAIN = dict(race=[], schedule="constant", clip="none", early_stop=False)
_OVERFIT = dict(**_PLAIN, dataset="circle", noise=35.0, points=60, train_ratio=50.0, seed=0,
                features=["x1", "x2"], normalise=False, layers="32,32,32", activation="relu",
                init="he", optimizer="adam", lr=0.01, batch=10, l1=0.0, l2=0.0, dropout=0.0,
                batchnorm=False)

#: Named settings that show one lesson each.
PRESETS: Mapping[str, dict] = MappingProxyType({
    "overfit": _OVERFIT,
    # The over-fitting lesson with one remedy each: one click from the problem to a cure.
    "overfit_dropout": {**_OVERFIT, "dropout": 0.5},
    "overfit_l2": {**_OVERFIT, "l2": 0.025},
    "overfit_early_stop": {**_OVERFIT, "early_stop": True, "patience": 20},
    "underfit": dict(**_PLAIN, dataset="xor", noise=0.0, points=500, train_ratio=50.0, seed=0,
                     features=["x1", "x2"], normalise=False, layers="0",
                     activation="tanh", init="xavier", optimizer="adam", lr=0.01,
                     batch=10, l1=0.0, l2=0.0, dropout=0.0, batchnorm=False),
    "default": dict(**_PLAIN, **{**training.DEFAULTS,
                                 "features": list(training.DEFAULTS["features"])},
                    lr=opt.KNOBS["lr"].default),
})

UPLOADED = "uploaded"  # the data set name of an uploaded CSV file

#: A weight typed in the editor lies in [−WEIGHT_LIMIT, WEIGHT_LIMIT].
WEIGHT_LIMIT = 100.0
#: A link carries at most this many weight edits (``edits``): a run's further edits are
#: refused, so that the link always reproduces the network shown.
MAX_EDITS = 20


class WeightEdit(NamedTuple):
    """W[i, j] of ``layer`` (0-based) set to ``value`` when the network was at ``epoch``
    (after that many epochs, before the next): one entry of the link's ``edits``."""

    epoch: int
    layer: int
    i: int
    j: int
    value: float

#: Each racer's own learning rate, the state's ``lr_<optimizer>`` (None: the lab's α,
#: ``lr``): a fair race gives SGD a larger α than Adam.
RACER_LR: Mapping[str, str] = MappingProxyType({name: f"lr_{name}" for name in opt.NAMES})


def _racer_lr_parameter(name: str) -> param.Number:
    knob = opt.KNOBS["lr"]
    return param.Number(None, allow_None=True, bounds=(knob.low, knob.high),
                        doc=f"{name}'s own α in a race (None: the lab's α)")


#: Settings that go into ``training.Hyper`` (the network trains on when they change).
HYPER_PARAMS = ("optimizer", *opt.KNOBS, *RACER_LR.values(), "schedule", "schedule_every",
                "schedule_factor", "schedule_gamma", "clip", "clip_value", "l1", "l2",
                "dropout")

#: Settings whose change starts a fresh network (data and architecture).
RESET_PARAMS = ("dataset", "noise", "points", "train_ratio", "seed", "features", "normalise",
                "layers", "activation", "init", "batch", "batchnorm", "race")


def _users(key: str) -> str:
    """Which optimizers use knob ``key``, for its parameter's doc."""
    users = [n for n, spec in opt.OPTIMIZERS.items() if key in spec.hyperparams]
    return f"{key} ({', '.join(users)})"


# One parameter per optimizer knob, generated from the registry (shared by every
# optimizer that has it), and one α per racer; the state class inherits them.
_Knobs = type("_Knobs", (LabState,), {
    **{key: knob_parameter(knob, doc=_users(key)) for key, knob in opt.KNOBS.items()},
    **{p: _racer_lr_parameter(name) for name, p in RACER_LR.items()}})

_D = training.DEFAULTS
#: The schedules whose length the N box sets besides those that read N
#: (``SCHEDULE_SETTINGS``): cosine's T, in epochs (the optimizer lab's is the run's).
#: The engine's horizon (``schedule_in_updates``), the caption and the boxes shown.
EVERY_SETS = ("cosine",)


def _same_inputs(a: tuple, b: tuple) -> bool:
    """Whether two ``MlpLabState._grid_inputs()`` give the same heat map (the data set
    by identity: its arrays are not compared)."""
    return a[0] == b[0] and a[1] is b[1] and a[2:] == b[2:]


def race_frame_text(frame: Frame, lang: str) -> str:
    """The race maps' frame (``decision.Frame``, the single network's map's), in words:
    the small maps have no axes."""
    x0, x1, y0, y1 = (number_text(v, 3) for v in frame)  # with a minus, as the axes
    return tr("mlp.race.frame", lang, x0=x0, x1=x1, y0=y0, y1=y1)


class MlpLabState(_Knobs):
    """Every setting of the MLP lab, and the network being trained."""

    dataset = param.Selector(objects=[*datasets.DATASETS, UPLOADED], default=_D["dataset"])
    noise = param.Number(_D["noise"], bounds=(0.0, datasets.MAX_NOISE))
    points = param.Integer(_D["points"], bounds=datasets.GENERATED_POINTS)
    train_ratio = param.Number(_D["train_ratio"], bounds=(datasets.MIN_TRAIN_PERCENT,
                                                          datasets.MAX_TRAIN_PERCENT),
                               doc="percent of the points that train; 100: no validation")
    seed = param.Integer(_D["seed"], bounds=SEED_BOUNDS)
    features = param.ListSelector(default=list(_D["features"]), objects=list(datasets.FEATURES),
                                  instantiate=True)  # a list per session
    normalise = param.Boolean(_D["normalise"])
    layers = param.String(_D["layers"])
    activation = param.Selector(objects=list(mlp.ACTIVATIONS), default=_D["activation"])
    init = param.Selector(objects=list(mlp.INITIALISERS), default=_D["init"])
    optimizer = param.Selector(objects=list(opt.NAMES), default=_D["optimizer"])
    schedule = param.Selector(objects=list(opt.SCHEDULES), default="constant")
    schedule_every = param.Integer(50, bounds=opt.SCHEDULE_EVERY_BOUNDS,
                                   doc="N in epochs (step, 1/t); T in epochs (cosine)")
    schedule_factor = param.Number(opt.DEFAULT_SCHEDULE.factor,
                                   bounds=opt.SCHEDULE_FACTOR_BOUNDS, doc="k (step)")
    schedule_gamma = param.Number(opt.DEFAULT_SCHEDULE.gamma, bounds=opt.SCHEDULE_GAMMA_BOUNDS,
                                  doc="γ per epoch (exponential)")
    clip = param.Selector(objects=list(opt.CLIPPING), default="none")
    clip_value = param.Number(opt.DEFAULT_CLIP_VALUE, bounds=opt.CLIP_VALUE_BOUNDS,
                              softbounds=(0.01, 10.0))
    race = param.ListSelector(default=[], objects=list(opt.NAMES), instantiate=True,
                              doc="2–4 optimizers training the same network side by side")
    batch = param.Integer(_D["batch"], bounds=datasets.BATCH_BOUNDS)
    l1 = param.Number(_D["l1"], bounds=training.PENALTY_BOUNDS, softbounds=(0.0, 0.01))
    l2 = param.Number(_D["l2"], bounds=training.PENALTY_BOUNDS, softbounds=(0.0, 0.05))
    dropout = param.Number(_D["dropout"], bounds=(0.0, training.MAX_DROPOUT))
    batchnorm = param.Boolean(_D["batchnorm"])
    discretize = param.Boolean(False, doc="the heat map shows the predicted class only")
    show_val = param.Boolean(False, doc="the validation points drawn (link key ``val``)")
    log_loss = param.Boolean(False, doc="the loss charts on a log scale")
    speed = param.Selector(default=str(SPEEDS[1]), objects=[str(v) for v in SPEEDS],
                           doc="epochs per frame while playing (``SPEEDS``, as text: a "
                               "lesson's link may ask for ``max``)")
    trained = param.Integer(0, bounds=(0, MAX_LINK_EPOCHS),
                            doc="the epoch the link shows (link key ``epoch``): its network "
                                "is trained that far from its start (``train_to``)")
    edits = param.List(default=[], instantiate=True,
                       doc="the weights edited in this run, in order (link key ``edits``): a "
                           "link's network is trained to each edit's epoch, edited, and "
                           "trained on (``WeightEdit``)")
    early_stop = param.Boolean(False, doc="pause when validation loss stops improving")
    patience = param.Integer(20, bounds=(1, 10_000), doc="epochs without improvement")

    # What the settings produce (not in the URL).
    epoch = param.Integer(0, doc="epochs trained since the last reset")
    generation = param.Integer(0, doc="counts resets: a new network (and data)")
    error = param.String("", doc="why the latest settings could not be used")
    diverged_at = param.Integer(None, allow_None=True,
                                doc="the epoch whose loss was not finite (training stops)")

    def __init__(self, **params):
        super().__init__(**params)
        # The help a widget shows (Panel's "?" from the parameter's doc), in this page's
        # language: this instance's own copy of each parameter, not the class's.
        for name in ("train_ratio", "schedule_every", "schedule_factor", "schedule_gamma",
                     "race", "discretize", "early_stop", "patience"):
            self.param[name].doc = tr(f"mlp.doc.{name}", self.lang)
        #: ``run_slow_work(key, work, apply)``: ``apply(work())``; in a page the lab runs
        #: ``work`` on a worker thread instead (``ui.session.Worker.submit``).
        self.run_slow_work = lambda _key, work, apply: apply(work())
        #: This page's compiled training programs, its own: a release of the server's
        #: (``ui.memory``) does not make it reload them, and they go with the page.
        self.programs = Programs()
        self.history = np.zeros((0, 4), np.float32)  # one row per epoch, epoch 0 first
        self.uploaded: datasets.Dataset | None = None  # the latest good CSV upload
        self.upload_problem = ""  # the link's dataset=uploaded without a file, if any
        self.cuts = 0  # counts history cuts (training on after "restore best")
        self._hyper_cache: dict = {}  # optimizer or racers → (settings, Hyper); see _cached
        self.notes: list[str] = []  # settings adjusted or without effect (see _runnable)
        self._lr_ended = False  # whether the schedule's α has reached 0 (see halted)
        self._grid_ahead = None  # (network, _grid_inputs(), its heat map) from a worker
        self._diagram_ahead = None  # (network, _grid_inputs(), its diagram's values), the same
        self._multiplier_ahead = None  # (schedule, n, α_n / α) for the readout, the same
        self._race_grids_ahead = None  # (racers' networks, _grid_inputs(), heat maps), the same
        self._frame = (None, None)  # (data, its frame): see ``frame``
        self._showing_batch = False  # use_network shows the batch in use (no new network)
        # The batch asked for (by the user, a link, a lesson) and the one use_network last
        # showed in its place: a training set too small for the one asked for cuts it
        # for as long as it lasts, and a larger one brings it back (see _runnable).
        self._asked_batch, self._shown_batch = int(self.batch), None
        #: The edits made to the network now shown, in order: ``edits`` begins with them
        #: (the rest are still to come, at their epochs), or the network must be made
        #: again (``edits_pending``).
        self.applied_edits: list[WeightEdit] = []
        self.last_edit_linked = True  # whether the latest typed edit is in the link
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
        d = datasets.prepare(full, float(self.train_ratio), int(self.seed),
                             tuple(self.features) or ("x1", "x2"), bool(self.normalise))
        f32 = lambda x: jnp.asarray(x, training.DTYPE)
        return Data(f32(d.x_train), jnp.asarray(d.train.y, jnp.int32), f32(d.x_val),
                    jnp.asarray(d.held_out.y, jnp.int32), d.train.X, d.val.X, d.mean, d.std,
                    full.n_classes, has_validation=len(d.val) > 0)

    def _build(self):
        """New data and a fresh network from the current settings (epoch 0)."""
        try:
            hidden = parse_layers(self.layers)
        except ValueError as e:
            self.error = tr("mlp.error.layers", self.lang, error=tr_error(e, self.lang))
            if getattr(self, "arch", None) is not None:
                return
            hidden = (8, 8)
        if getattr(self, "arch", None) is None:  # the state's first network: now
            self.use_network(self.fresh_network(hidden))
        else:  # in a page, on a worker thread (seconds of compilation for a new kind)
            self.run_slow_work("network", lambda: self.fresh_network(hidden),
                               self.use_network)

    def fresh_network(self, hidden: tuple[int, ...]) -> FreshNetwork:
        """The data and the untrained network that the settings make, with hidden layers
        ``hidden``; changes nothing (any thread: JAX only, the first call for a new kind
        of network compiles)."""
        data = self._make_data()
        batch_size, batchnorm, notes = self._runnable(hidden, len(data.y_train))
        arch = training.Arch(
            n_inputs=data.x_train.shape[1], hidden=hidden, n_classes=data.n_classes,
            activation=self.activation, batchnorm=batchnorm, batch_size=batch_size)
        # A new kind of network compiles new programs: the server's budget bounds them.
        BUDGET.note(("mlp", arch, tuple(self.features)), MLP_PROGRAMS_MB, user=self)
        model = training.init_model(jax.random.PRNGKey(int(self.seed)), arch, init=self.init)
        first = np.asarray(self.evaluate(arch, model, data))
        # A race: the same initial network (and the same shuffles) for every optimizer.
        racers = self.racers
        race_models = training.stack([model] * len(racers)) if racers else None
        return FreshNetwork(data, arch, model, first[None, :].astype(np.float32), racers,
                            race_models, notes)

    def use_network(self, fresh: FreshNetwork):
        """Start from ``fresh`` (``fresh_network``'s): epoch 0, a new generation."""
        self.data, self.arch, self.model = fresh.data, fresh.arch, fresh.model
        self.notes = fresh.notes
        self.history = fresh.history
        self.best_model, self.best_epoch = self.model, 0
        self._epoch_s = 0.0  # seconds per epoch of this network, as last timed (unknown)
        racers, self.race_models = fresh.racers, fresh.race_models
        self.race_history = [self.history.copy() for _ in racers]
        self.race_diverged: list[int | None] = [None] * len(racers)
        self._lr_ended = False
        self.applied_edits = []
        if not racers:
            self._apply_due_edits(0)  # a link's edits of the untrained network
        self.param.update(error="\n".join(self.notes), diverged_at=None, epoch=0,
                          generation=self.generation + 1)
        self._shown_batch = fresh.arch.batch_size
        if fresh.arch.batch_size != int(self.batch):
            # The batch in use (at most the training set; batch norm raises one to two):
            # the slider and the link show it.
            self._showing_batch = True
            try:
                self.batch = fresh.arch.batch_size
            finally:
                self._showing_batch = False

    def _runnable(self, hidden: tuple[int, ...],
                  n_train: int | None = None) -> tuple[int, bool, list[str]]:
        """The batch size and batch-norm switch a network with hidden layers ``hidden``
        trains with on ``n_train`` examples (default: the current data's), and one line
        per setting that cannot run as set (adjusted) or has no effect.

        Batch norm in training needs at least 2 examples per batch (a batch of one has
        no variance): a batch of 1 trains in batches of 2, and with a single training
        example batch norm is off.  The batch is at most the training set (a note says
        so; ``use_network`` shows the batch in use on the slider); the batch asked for
        comes back with a training set large enough for it, unless another was chosen
        meanwhile.
        """
        lang = self.lang
        n_train = self.n_train if n_train is None else n_train
        if int(self.batch) != self._shown_batch:  # a batch chosen since: the one asked for
            self._asked_batch = int(self.batch)
        asked = self._asked_batch
        batch_size = max(1, min(asked, n_train))
        batchnorm = bool(self.batchnorm) and bool(hidden)
        notes = []
        if batch_size < asked:
            notes.append(tr("mlp.invalid.batch_training_set", lang, n=batch_size,
                            asked=asked))
        if len(self.race) > MAX_RACERS:
            notes.append(tr("mlp.race.too_many", lang, n=MAX_RACERS))
        elif len(self.race) == 1:  # the single network trains, with its own optimizer
            notes.append(tr("mlp.race.too_few", lang,
                            optimizer=tr(f"optimizer.{self.race[0]}", lang),
                            single=tr(f"optimizer.{self.optimizer}", lang)))
        if not self.features:
            notes.append(tr("mlp.invalid.no_features", lang))
        if batchnorm and batch_size < 2:
            if n_train >= 2:
                batch_size = 2
                notes.append(tr("mlp.invalid.batchnorm_batch", lang))
            else:
                batchnorm = False
                notes.append(tr("mlp.invalid.batchnorm_one_example", lang))
        if not hidden and self.batchnorm:
            notes.append(tr("mlp.invalid.batchnorm_linear", lang))
        if not hidden and self.dropout > 0:
            notes.append(tr("mlp.invalid.dropout_linear", lang))
        if self.early_stop and len(self.racers) > 0:
            notes.append(tr("mlp.invalid.early_stop_race", lang))
        return batch_size, batchnorm, notes

    @param.depends("dropout", "early_stop", "optimizer", watch=True)
    def _check_settings(self):
        """Settings that train on without a reset still get their notes."""
        if self.diverged_at is None and getattr(self, "arch", None) is not None:
            self.notes = self._runnable(self.arch.hidden)[2]
            self.error = "\n".join(self.notes)

    @param.depends(*RESET_PARAMS, watch=True)
    def reset(self):
        """A fresh network on fresh data: epoch 0."""
        if self._showing_batch:
            return  # the batch the network already trains with (see use_network)
        if not self.applying_link:  # a new network of the user's starts at epoch 0
            self.param.update(trained=0, edits=[])
        self._build()

    @property
    def updates_per_epoch(self) -> int:
        return -(-self.n_train // self.arch.batch_size)

    def schedule_in_updates(self) -> opt.Schedule:
        """The schedule, set in epochs on screen, in the engine's unit: updates; the N
        box also sets cosine's length T (``EVERY_SETS``).

        With u updates per epoch: N epochs = N·u updates, γ per epoch = (γ^(1/u)) per
        update, so α follows the same curve whatever the batch size.
        """
        u = self.updates_per_epoch
        every = float(self.schedule_every) * u
        return opt.Schedule(opt.SCHEDULES.index(self.schedule), every,
                            float(self.schedule_factor), float(self.schedule_gamma) ** (1.0 / u),
                            every)

    def epochs_while_alpha_moves(self) -> int:
        """How many more epochs α stays positive: cosine's runs out at T (``schedule_every``
        epochs), where a chunk stops (a link's ``epoch=300`` stops at T = 50 as Play does,
        not at the chunk's end, 256); ``CHUNK_CAPACITY`` for the schedules that never end."""
        if self.schedule == "cosine" and self.epoch < int(self.schedule_every):
            return int(self.schedule_every) - self.epoch
        return CHUNK_CAPACITY

    def lr_at_epoch(self, epoch: float, lr: float | None = None) -> float:
        """α at the start of ``epoch`` (0-based), for the readout: the value a chunk's
        worker computed (``training``) when it is that epoch's, else computed now;
        ``lr``: the α scheduled (default: the lab's; a racer's ``racer_lr``)."""
        n = float(epoch) * self.updates_per_epoch
        lr = float(self.lr if lr is None else lr)
        schedule, ahead = self.schedule_in_updates(), self._multiplier_ahead
        if ahead is not None and ahead[0] == schedule and ahead[1] == n:
            return lr * ahead[2]
        return lr * self._multiplier(schedule, n)

    def _multiplier(self, schedule: opt.Schedule, n: float) -> float:
        """``optimizers.schedule_multiplier`` after ``n`` updates, through this page's
        programs (any thread)."""
        return float(self.programs.call(opt.schedule_multiplier_now, (), schedule, n))

    def _cached(self, what, build):
        """``build()``, kept until a training setting (or the updates per epoch) changes.

        Building a ``Hyper`` makes ~20 small device arrays (≈ 1 ms); a frame needs it
        every frame, and it changes only when a control moves.
        """
        key = (what, self.n_train, self.arch.batch_size,
               *(getattr(self, p) for p in HYPER_PARAMS))
        cached = self._hyper_cache.get(what)
        if cached is None or cached[0] != key:
            cached = self._hyper_cache[what] = (key, build())
        return cached[1]

    def hyper(self, optimizer: str | None = None, racing: bool = False) -> training.Hyper:
        """The traced settings for ``optimizer`` (default: the chosen one), at the lab's
        α or, ``racing``, at its own (``racer_lr``)."""
        name = optimizer or self.optimizer
        lr = self.racer_lr(name) if racing else float(self.lr)
        return self._cached((name, racing), lambda: training.make_hyper(
            name, lr=lr, l1=float(self.l1), l2=float(self.l2),
            dropout=float(self.dropout), schedule=self.schedule_in_updates(), clip=self.clip,
            clip_value=float(self.clip_value),
            **{k: float(getattr(self, k)) for k in opt.KNOBS if k != "lr"}))

    def racer_lr(self, name: str) -> float:
        """Racer ``name``'s learning rate: its own (``lr_<name>``), else the lab's α."""
        own = getattr(self, RACER_LR[name])
        return float(self.lr if own is None else own)

    def race_hyper(self) -> training.Hyper:
        """The racers' settings stacked, each at its own α (built again only when a
        setting changed)."""
        racers = self.racers
        return self._cached(racers, lambda: training.stack(
            [self.hyper(n, racing=True) for n in racers]))

    @param.depends("race", watch=True)
    def _forget_lrs_of_racers_gone(self):
        """A racer taken out of the race takes its own α with it (the link keeps none)."""
        gone = {RACER_LR[n]: None for n in opt.NAMES
                if n not in self.race and getattr(self, RACER_LR[n]) is not None}
        if gone:
            self.param.update(gone)

    @property
    def racers(self) -> tuple[str, ...]:
        """The optimizers racing (at most four, in the order chosen: a link's ``race=adam,sgd``
        puts Adam first, in the headline too), or () when fewer than two are chosen."""
        chosen = tuple(dict.fromkeys(n for n in self.race if n in opt.NAMES))[:MAX_RACERS]
        return chosen if len(chosen) >= 2 else ()

    @property
    def best_val(self) -> float:
        """The lowest validation loss so far (at ``best_epoch``)."""
        return float(self.history[self.best_epoch, 2])

    def train(self, n_epochs: int = 1):
        """Train ``n_epochs`` more epochs (one compiled call) and record the metrics.

        Also keeps the model of the epoch with the lowest validation loss.  After
        ``restore_best`` the history beyond the restored epoch is cut first.
        """
        run, record = self.training(n_epochs)
        record(run())

    def training(self, n_epochs: int, pictures: bool = True) -> tuple[Callable[[], object],
                                                                      Callable[[object], None]]:
        """``train(n_epochs)`` in two halves, ``record(run())``: ``run()`` trains from
        the network and settings as they are now, changing nothing (any thread: JAX
        only); ``record(result)`` keeps what it trained (the state's thread), unless
        the network was replaced meanwhile (a new one, the best restored, a weight
        edited): then it drops it.  A single network's chunk ends at the epoch of the
        link's next weight edit (``edits``), which ``record`` then makes.

        ``run()`` also computes what the new epoch's frame draws (``grid``, ``diagram``,
        the readout's α; a race's heat maps only with ``pictures``), so that drawing it
        makes no computation on the session's thread, which every page shares: there a
        call waits for XLA's one thread and, after a release of the compiled programs
        (``ui.memory``), for its program's reload."""
        if self.halted:  # until a reset, or a schedule that lets α be positive again
            return (lambda: None), (lambda _result: None)
        n_epochs = int(min(max(n_epochs, 1), CHUNK_CAPACITY, self.epochs_while_alpha_moves(),
                           self.epochs_while_patient()))
        run, record = self._training(n_epochs, pictures)
        # The readout's α at the chunk's end, computed with it: ``lr_at_epoch`` on the
        # session's thread then makes no computation (see ``diagram``).
        schedule = self.schedule_in_updates()
        n = float(self.epoch + n_epochs) * self.updates_per_epoch

        def run_with_alpha():
            return run(), (schedule, n, self._multiplier(schedule, n))

        def record_with_alpha(result):
            trained, self._multiplier_ahead = result
            record(trained)

        return run_with_alpha, record_with_alpha

    def _training(self, n_epochs: int, pictures: bool) -> tuple[Callable[[], object],
                                                                 Callable[[object], None]]:
        """``training``'s two halves, the readout's α left out."""
        if not self.racers:  # stop at the next edit's epoch: ``_record`` makes it there
            self.apply_due_edits()
            upcoming = [e.epoch for e in self.edits_pending() or () if e.epoch > self.epoch]
            if upcoming:
                n_epochs = min(n_epochs, upcoming[0] - self.epoch)
        arch, hyper, data = self.arch, None, self.data[:4]
        inputs = self._grid_inputs()
        if self.racers:
            models, active = self.race_models, np.array([d is None for d in self.race_diverged])
            hyper = self.race_hyper()

            def run_race():
                trained, active_now, parts = models, active, []
                for k in self._slices(n_epochs):
                    trained, metrics = self.train_race(arch, trained, hyper, data,
                                                       n_epochs=k, active=active_now)
                    parts.append(np.asarray(metrics)[:, :k])
                    # A racer that diverged keeps its last finite network to the end.
                    active_now = active_now & np.all(np.isfinite(parts[-1]), axis=(1, 2))
                grids = self._race_grids_of(trained, inputs) if pictures else None
                return (trained, np.concatenate(parts, axis=1)), grids

            def record_race(result):
                if self.race_models is not models:
                    return
                raced, grids = result
                self._race_grids_ahead = None if grids is None else (raced[0], inputs, grids)
                self._record_race(raced, n_epochs, models)

            return run_race, record_race
        model, best, hyper = self.model, self.best_model, self.hyper()
        best_val = self.best_val

        def run():
            best_loss = np.asarray(best_val, training.DTYPE)
            trained, kept, kept_loss, parts = model, best, best_loss, []
            for k in self._slices(n_epochs):
                trained, kept, kept_loss, metrics = self.train_keeping_best(
                    arch, trained, kept, kept_loss, hyper, data, n_epochs=k)
                parts.append(np.asarray(metrics)[:k])
            # The trained network's heat map and diagram too: here, off the event loop,
            # where no page waits for XLA's one thread or for a reload after a release.
            grid, diagram = self._grid_of(trained, inputs), self._diagram_of(trained, inputs)
            return (trained, kept, kept_loss, np.concatenate(parts)), grid, diagram

        def record(result):
            if self.model is not model:
                return
            trained, grid, diagram = result
            # Before recording: the new epoch draws at once.  Used only if that network
            # is kept (not one cut at a divergence).
            self._grid_ahead = (trained[0], inputs, grid)
            self._diagram_ahead = (trained[0], inputs, diagram)
            self._record(trained, n_epochs)

        return run, record

    # -- this page's programs (``programs``: see ``numerics.programs``) ---------------------

    def train_keeping_best(self, arch, model, best, best_loss, hyper, data, n_epochs):
        """``training.train_keeping_best`` on ``data``'s training and validation sets."""
        return self.programs.call(train_keeping_best, ("arch", "capacity"), arch, model, best,
                                  best_loss, hyper, *data[:4], n_epochs=n_epochs)

    def train_race(self, arch, models, hypers, data, n_epochs, active=None):
        """``training.train_race`` on ``data``'s training and validation sets."""
        return self.programs.call(train_race, ("arch", "capacity"), arch, models, hypers,
                                  *data[:4], n_epochs=n_epochs, active=active)

    def evaluate(self, arch, model, data):
        """``training.evaluate_both``: [train loss, train accuracy, val loss, val accuracy]."""
        return self.programs.call(evaluate_both, ("arch",), arch, model, *data[:4])

    def _slices(self, n_epochs: int):
        """``n_epochs`` in calls of about ``SLICE_S`` each at most (one epoch at least),
        each timed as it runs (read on the thread that trains; see ``SLICE_S``)."""
        left = n_epochs
        while left:
            k = min(left, max(1, int(SLICE_S / self._epoch_s)) if self._epoch_s else 1)
            started = time.perf_counter()
            yield k  # the caller trains k epochs and reads their metrics
            self._epoch_s = (time.perf_counter() - started) / k
            left -= k

    def _record(self, result, n_epochs: int):
        """Keep ``train_keeping_best``'s ``result`` of ``n_epochs`` epochs."""
        if len(self.history) != self.epoch + 1:
            self.history = self.history[:self.epoch + 1]
            self.cuts += 1
        model, best_model, _, metrics = result
        rows = np.asarray(metrics[:n_epochs], np.float32)
        start = len(self.history)
        if not np.all(np.isfinite(rows)):
            # Keep the last finite network and curves: nothing non-finite is drawn.
            # Every kink of the network has a finite subgradient (ReLU, |w| at 0), so a
            # non-finite value is an overflow: divergence, not an undefined gradient.
            good = int(np.argmin(np.all(np.isfinite(rows), axis=1)))
            bad = start + good
            if good:  # the chunk's finite epochs again (same shuffles): that network
                self._keep_finite(good, rows[:good])
            self.param.update(diverged_at=bad, error=tr("mlp.diverged", self.lang, epoch=bad))
            return
        self._append(model, best_model, rows)

    def _append(self, model: training.Model, best_model: training.Model, rows: np.ndarray):
        """Keep a chunk's trained networks and its metrics ``rows`` (epochs × 4, all
        finite; columns as ``history``'s), and move the best epoch to the chunk's
        minimum validation loss when that beats the best so far."""
        start = len(self.history)
        self.model, self.best_model = model, best_model
        self.history = np.concatenate([self.history, rows])
        if rows[:, 2].min() < self.history[self.best_epoch, 2]:
            self.best_epoch = start + int(np.argmin(rows[:, 2]))
        self._apply_due_edits(int(self.model.epoch))  # drawn with the epoch, edited
        self.epoch = int(self.model.epoch)

    def _keep_finite(self, n_epochs: int, rows: np.ndarray):
        """Train the ``n_epochs`` finite epochs of a chunk that diverged after them (the
        model carries its random keys, so they are the same epochs) and keep them: the
        network shown is then the last finite one, at the epoch before the divergence."""
        model, best_model, _, _ = self.train_keeping_best(
            self.arch, self.model, self.best_model,
            jnp.asarray(self.best_val, training.DTYPE), self.hyper(), self.data,
            n_epochs=n_epochs)
        self._append(model, best_model, rows)

    def _record_race(self, result, n_epochs: int, before: training.Model):
        """Keep ``train_race``'s ``result``: every racer ``n_epochs`` more epochs from
        the stacked networks ``before``.

        A racer whose metrics turn non-finite keeps its last finite network and stops
        ("diverged at epoch k"); the others go on.  Training stops when all diverged.
        """
        racers = self.racers
        self.race_models, metrics = result
        rows = np.asarray(metrics, np.float32)[:, :n_epochs]
        keep = np.zeros(len(racers), bool)
        for i, history in enumerate(self.race_history):
            if self.race_diverged[i] is not None:
                continue
            finite = np.all(np.isfinite(rows[i]), axis=1)
            if finite.all():
                keep[i] = True
                self.race_history[i] = np.concatenate([history, rows[i]])
            else:
                good = int(np.argmin(finite))
                self.race_diverged[i] = len(history) + good
                # Its finite epochs again, alone, from the chunk's start: its last
                # finite network (the others keep what the chunk trained).
                only = np.arange(len(racers)) == i
                redone = before
                if good:
                    redone, _ = self.train_race(self.arch, before, self.race_hyper(),
                                                self.data, n_epochs=good, active=only)
                self.race_models = jax.tree.map(
                    lambda a, b, m=only: jnp.where(m.reshape((-1,) + (1,) * (jnp.ndim(b) - 1)),
                                                   a, b), redone, self.race_models)
                self.race_history[i] = np.concatenate([history, rows[i, :good]])
        self.history = self.race_history[0]
        epoch = max(len(h) for h in self.race_history) - 1
        if not keep.any():
            first = min(d for d in self.race_diverged if d is not None)
            self.param.update(diverged_at=first, epoch=epoch,
                              error=tr("mlp.race.all_diverged", self.lang))
            return
        self.epoch = epoch

    @property
    def has_validation(self) -> bool:
        """Whether some points are held out (a training share below 100 %)."""
        return self.data.has_validation

    @property
    def halted(self) -> bool:
        """Training cannot go on: it diverged, or the schedule has brought α to 0 (say,
        cosine past its T), so an epoch could not change the network (``error`` says
        which)."""
        if self.diverged_at is not None:
            return True
        ended = not self.lr_at_epoch(self.epoch) > 0
        if ended != self._lr_ended:  # say so once, and take it back once
            self._lr_ended = ended
            note = [tr("mlp.invalid.lr_zero", self.lang, epoch=self.epoch)] if ended else []
            self.error = "\n".join([*self.notes, *note])
        return ended

    def epochs_while_patient(self) -> int:
        """How many more epochs may pass before early stopping could stop (``patience``
        after the best epoch so far, at least 1): a chunk ends there, so that training
        stops at the same epoch whatever the chunks (a link's ``early_stop=1&epoch=1000``
        trained on to 258 or 261, as its chunks fell, past a stop due at 27);
        ``CHUNK_CAPACITY`` without early stopping."""
        if not (self.early_stop and not self.racers):
            return CHUNK_CAPACITY
        return max(1, self.best_epoch + int(self.patience) - self.epoch)

    def should_stop(self) -> bool:
        """Early stopping: no better validation loss for ``patience`` epochs (without
        validation data, no better training loss: ``early_stop_message`` says so).
        Not in a race (the racers keep no best epoch)."""
        return (bool(self.early_stop) and not self.racers
                and self.epoch - self.best_epoch >= int(self.patience))

    def early_stop_message(self) -> str:
        """Why training stopped early, in words."""
        key = "mlp.early_stopped" if self.has_validation else "mlp.early_stopped.no_validation"
        return tr(key, self.lang, epoch=self.epoch, best=self.best_epoch,
                  patience=self.patience)

    def restore_best(self):
        """Put back the model of the best epoch; the curves stay as they are.  The
        edits made at that epoch or later are not in it (the best model was kept
        before them): the link drops them."""
        self.model = self.best_model
        best = int(self.model.epoch)
        self.applied_edits = [e for e in self.applied_edits if e.epoch < best]
        self.param.update(edits=[e for e in self.edits if e.epoch < best], epoch=best)

    def set_weight(self, layer: int, i: int, j: int, value) -> str:
        """Set W[i, j] of ``layer`` (unit i of its input → unit j): "" on success, else why not.

        A functional update: the model gets a new parameter pytree, so ``best_model``
        (which may share the old one), the optimizer state and the curves stay as they
        are; the next epoch trains on from the edited network.  Values that are not
        finite numbers, |value| > ``WEIGHT_LIMIT`` and weights the network does not
        have are refused, and nothing changes.

        The edit joins ``edits`` (the link: a page opened from it trains to this epoch,
        makes the edit and trains on), the link's epoch with it; a second value for the
        same weight at the same epoch replaces the first.  Past ``MAX_EDITS`` edits an
        edit is refused; past ``MAX_LINK_EPOCHS`` (which a link cannot reach) it is made
        but not linked (``last_edit_linked``, which the editor says).  In a race the
        racers are not edited: the single network is, unlinked.
        """
        try:
            value = float(value)
        except (TypeError, ValueError):
            return tr("mlp.weight.not_a_number", self.lang)
        if not math.isfinite(value):
            return tr("mlp.weight.not_finite", self.lang, value=value)
        if abs(value) > WEIGHT_LIMIT:
            return tr("mlp.weight.outside", self.lang, value=number_text(value),
                      limit=f"{WEIGHT_LIMIT:g}")
        edit = WeightEdit(int(self.epoch), int(layer), int(i), int(j), value)
        linked = not self.racers and edit.epoch <= MAX_LINK_EPOCHS
        same = bool(self.edits) and self.edits[-1][:4] == edit[:4]
        if linked and not same and len(self.edits) >= MAX_EDITS:
            return tr("mlp.weight.too_many", self.lang, n=MAX_EDITS)
        problem = self._replace_weight(edit)
        if problem:
            return problem
        self.last_edit_linked = linked
        if linked:
            kept = self.edits[:-1] if same else list(self.edits)
            self.applied_edits = [*(self.applied_edits[:-1] if same else self.applied_edits),
                                  edit]
            self.param.update(edits=[*kept, edit], trained=edit.epoch)
        return ""

    def _replace_weight(self, edit: WeightEdit) -> str:
        """The model with ``edit``'s weight set: "" , or why not (no such weight)."""
        params = self.model.params
        layer, i, j = edit.layer, edit.i, edit.j
        shape = params[layer]["W"].shape if 0 <= layer < len(params) else (0, 0)
        if not (0 <= i < shape[0] and 0 <= j < shape[1]):
            return tr("mlp.weight.no_such", self.lang, layer=layer, i=i, j=j)
        changed = {**params[layer], "W": params[layer]["W"].at[i, j].set(edit.value)}
        self.model = self.model._replace(params=[*params[:layer], changed,
                                                 *params[layer + 1:]])
        return ""

    def edits_pending(self) -> list[WeightEdit] | None:
        """The link's edits not yet made to the network shown (at later epochs, or at
        this one still to make); None when the network shown has edits the link does
        not begin with (it must be made again: ``restart_for_link``)."""
        n = len(self.applied_edits)
        if list(self.edits[:n]) != self.applied_edits:
            return None
        return list(self.edits[n:])

    def apply_due_edits(self) -> bool:
        """Make the link's edits due at the epoch shown; whether the network changed."""
        return self._apply_due_edits(int(self.epoch))

    def _apply_due_edits(self, epoch: int) -> bool:
        pending = self.edits_pending()
        changed = False
        for edit in pending or ():
            if edit.epoch > epoch:
                break
            problem = self._replace_weight(edit)
            if problem:  # a weight the network does not have (a CSV's other classes)
                self.notes = [*self.notes, tr("mlp.edits.dropped", self.lang,
                                              problem=problem)]
                self.error = "\n".join(self.notes)
                self.edits = [e for e in self.edits if e != edit]
                continue
            self.applied_edits = [*self.applied_edits, edit]
            changed = True
        return changed

    def read_csv(self, content: bytes | str) -> datasets.Dataset | str:
        """The data set in an uploaded CSV file, or why there is none, in the page's
        language (any thread: a file of megabytes takes a while)."""
        try:
            return datasets.parse_csv(content)
        except datasets.DatasetError as e:
            return tr_error(e, self.lang)

    def use_csv(self, dataset: datasets.Dataset | str) -> str:
        """Use ``read_csv``'s data set: "" on success, else why not (nothing changes)."""
        if isinstance(dataset, str):
            return dataset
        self.uploaded = dataset
        if self.dataset == UPLOADED:
            self.reset()
        else:
            self.dataset = UPLOADED
        return ""

    def race_grids(self) -> np.ndarray:
        """Each racer's heat map, (n_racers, size, size), in one call: the ones a chunk's
        worker computed (``training`` with ``pictures``) while they still fit, else now."""
        inputs, ahead = self._grid_inputs(), self._race_grids_ahead
        if ahead is not None and ahead[0] is self.race_models and _same_inputs(ahead[1], inputs):
            return ahead[2]
        return self._race_grids_of(self.race_models, inputs)

    def _race_grids_of(self, models, inputs: tuple) -> np.ndarray:
        """The stacked ``models``' heat maps for ``_grid_inputs()``'s ``inputs`` (any
        thread)."""
        arch, data, features, discrete, frame = inputs
        return np.asarray(decision_grids(
            arch, models.params, models.bn_state, data.mean,
            data.std, features, discrete=discrete, frame=frame,
            programs=self.programs))

    @property
    def frame(self) -> Frame:
        """The part of the plane the pictures show: the data's (``decision.data_frame``)."""
        data, frame = self._frame
        if data is not self.data:  # asked every frame: computed once per data set
            self._frame = (self.data, frame := data_frame(self.data))
        return frame

    def precompute(self, budget_s: float = math.inf):
        """The first picture's numbers (the network a link trains, its heat map and
        diagram), computed and compiled.  Pure numerics, so any thread may run it (see
        ``app.prepare_state``).  ``budget_s``: the seconds a link's epochs may train
        here; the page trains on to them (``MlpLab._catch_up``)."""
        self.train_to(self.trained, budget_s)
        self.compile_pictures(FreshNetwork(self.data, self.arch, self.model, self.history,
                                           self.racers, self.race_models, self.notes))

    def compile_pictures(self, fresh: FreshNetwork) -> FreshNetwork:
        """Compile (or load) what drawing ``fresh`` needs, its heat map(s) and its
        network diagram, and return it: on the thread that calls this (any thread)
        rather than on the server's event loop when the lab draws it."""
        d = fresh.data
        features = tuple(self.features) or ("x1", "x2")
        mean, std = jnp.asarray(d.mean), jnp.asarray(d.std)
        if fresh.racers:
            m = fresh.race_models
            jax.block_until_ready(decision_grids(fresh.arch, m.params, m.bn_state, mean, std,
                                                 features, discrete=bool(self.discretize),
                                                 programs=self.programs))
        else:
            m = fresh.model
            jax.block_until_ready((
                decision_grid(fresh.arch, m.params, m.bn_state, mean, std, features,
                              discrete=bool(self.discretize), programs=self.programs),
                diagram_values(fresh.arch, m.params, m.bn_state, mean, std, features,
                               programs=self.programs)))
        return fresh

    def grid(self) -> np.ndarray:
        """The heat map's values (see ``decision_grid``): the one a worker computed with
        the network's training (``training``) while it still fits, else computed now."""
        inputs, ahead = self._grid_inputs(), self._grid_ahead
        if ahead is not None and ahead[0] is self.model and _same_inputs(ahead[1], inputs):
            return ahead[2]
        return self._grid_of(self.model, inputs)

    def diagram(self) -> tuple[np.ndarray, np.ndarray]:
        """The network diagram's values (see ``numerics.diagram.diagram_values``: every
        unit's thumbnail grid, every weight flattened): the ones a worker computed with
        the network's training (``training``) while they still fit, else computed now."""
        inputs, ahead = self._grid_inputs(), self._diagram_ahead
        if ahead is not None and ahead[0] is self.model and _same_inputs(ahead[1], inputs):
            return ahead[2]
        return self._diagram_of(self.model, inputs)

    def _diagram_of(self, model, inputs: tuple) -> tuple[np.ndarray, np.ndarray]:
        """``model``'s diagram values for ``_grid_inputs()``'s ``inputs`` (any thread)."""
        arch, data, features, _, frame = inputs
        grids, weights = diagram_values(arch, model.params, model.bn_state,
                                        data.mean, data.std,
                                        features, frame=frame, programs=self.programs)
        return np.asarray(grids), np.asarray(weights)

    def _grid_inputs(self) -> tuple:
        """What the heat map depends on besides the network: (arch, data, features,
        discrete, frame)."""
        return (self.arch, self.data, tuple(self.features) or ("x1", "x2"),
                bool(self.discretize), self.frame)

    def _grid_of(self, model, inputs: tuple) -> np.ndarray:
        """``model``'s heat map for ``_grid_inputs()``'s ``inputs`` (any thread)."""
        arch, data, features, discrete, frame = inputs
        return np.asarray(decision_grid(arch, model.params, model.bn_state,
                                        data.mean, data.std,
                                        features, discrete=discrete, frame=frame,
                                        programs=self.programs))

    def reading(self, upto: int | None = None) -> str:
        """The verdict on the curves (``numerics.reading``); an upload's noise is unknown.
        A run that diverged is unstable, however few its epochs.  ``upto``: the verdict
        on the curves up to that epoch (the static page's snapshots), unstable only at
        the epoch shown of a run that diverged; by default the epoch of the network
        shown (after "Restore best" the curves run on past it, and the restored network
        was called over-fitted)."""
        if self.diverged_at is not None and (upto is None or upto >= int(self.epoch)):
            return "unstable"
        upto = int(self.epoch) if upto is None else upto
        history = self.history[: upto + 1]
        noise = None if self.dataset == UPLOADED else float(self.noise)
        return reading(history, self.data.n_classes, noise, self.has_validation,
                       self.sigmoid_layers)

    @property
    def sigmoid_layers(self) -> int:
        """How many hidden layers of sigmoid units the network has (0 for another
        activation): ``numerics.reading``'s vanishing gradients."""
        if self.activation != "sigmoid" or self.layers == "0":
            return 0
        return len(parse_layers(self.layers))

    def reading_note(self, verdict: str) -> str:
        """What the verdict's advice must add for these settings (text; "" for nothing):
        an over-fitting network that already has dropout, L1 or L2 (their advice named
        what was on); an under-fitting one held back by them."""
        lang = self.lang
        held = [tr(key, lang, value=caption.number(value)) for key, value in (
            ("mlp.reading.note.dropout", self.dropout), ("caption.mlp.l1", self.l1),
            ("caption.mlp.l2", self.l2)) if value > 0]
        if verdict in ("overfit", "overfit_noise_free") and held:
            return tr("mlp.reading.note.remedies_on", lang,
                      remedies=caption.listed(held, lang))
        if verdict == "underfit" and held:
            return tr("mlp.reading.note.held_back", lang, remedies=caption.listed(held, lang))
        return ""

    def race_readings(self, upto: int | None = None) -> list[str]:
        """Each racer's verdict (``reading``'s keys), on its curves up to ``upto`` (by
        default all of them); a racer that diverged by then is unstable."""
        noise = None if self.dataset == UPLOADED else float(self.noise)
        readings = []
        for history, diverged in zip(self.race_history, self.race_diverged, strict=True):
            end = len(history) - 1 if upto is None else upto
            if diverged is not None and end >= diverged:
                readings.append("unstable")
            else:
                readings.append(reading(history[: end + 1], self.data.n_classes, noise,
                                        self.has_validation, self.sigmoid_layers))
        return readings

    def apply_preset(self, name: str):
        """One batched update, so the network is rebuilt once; a lesson always starts
        from a fresh network at epoch 0, even when only a training knob differs (the
        remedies: the same over-fitting network, trained from the start with the cure)."""
        generation = self.generation
        self.param.update(**copy.deepcopy(PRESETS[name]))  # its lists are not shared
        if self.generation == generation:
            self.reset()

    # -- the URL -------------------------------------------------------------------

    def caption_notes(self) -> list[str]:
        """Which colour is which class and what the background is (the page's key under
        the heat map: ``ui.heatmap.class_key_text``); a race's heat maps have no axes:
        their frame in words (``race_frame_text``, without its full stop: a caption's
        parts have none)."""
        from ...ui.heatmap import class_key_text

        notes = [class_key_text(int(self.data.n_classes), bool(self.discretize), self.lang)]
        if self.racers:
            notes.append(race_frame_text(self.frame, self.lang).rstrip(".。"))
        if self.show_val and self.has_validation:
            notes.append(tr("caption.mlp.marks", self.lang))
        return notes

    def caption_parts(self) -> list[str]:
        """The settings in words, each once (``ui.caption``): the data, the network, the
        training, then the epoch; a setting at its default only where the picture needs
        it (the data set, the layers and activation, the optimizer and α)."""
        lang, changed = self.lang, self.to_query()
        t = lambda key, **kw: tr(f"mlp.{key}", lang, **kw)
        name = (tr(f"mlp.dataset.{self.dataset}", lang) if self.dataset != UPLOADED
                else t("dataset.uploaded"))
        data = [name]
        for key, text in (("noise", "caption.mlp.noise"), ("points", "caption.mlp.points"),
                          ("train_ratio", "caption.mlp.train_ratio"),
                          ("seed", "caption.mlp.seed")):
            if key in changed:
                data.append(tr(text, lang, value=caption.number(getattr(self, key))))
        if "features" in changed:
            data.append(caption.named(t("features"), caption.listed(
                [datasets.FEATURE_LABELS[f] for f in self.features], lang), lang))
        if self.normalise:
            data.append(tr("caption.mlp.normalised", lang))
        # The activation as the controls name it; a linear model (no hidden layer) has none.
        # "2 hidden layers (widths 8, 8)": the link's "8,8" beside a list read as three
        # items, and as "8,8、tanh" in Chinese.
        widths = parse_layers(self.layers) if self.layers != "0" else ()
        network = ([tr("caption.mlp.layers" if len(widths) > 1 else "caption.mlp.layer", lang,
                       n=len(widths), widths=caption.listed(map(str, widths), lang)),
                    t(f"activation.{self.activation}")] if widths
                   else [tr("caption.mlp.no_hidden", lang)])
        if "init" in changed:
            network.append(caption.named(t("init"), t(f"init.{self.init}"), lang))
        if self.batchnorm:
            network.append(t("batchnorm"))
        knobs = {k: getattr(self, k) for k in opt.KNOBS}
        shown = {"lr", *(k for k in opt.KNOBS if k in changed)}
        if self.racers:
            # The knobs in brackets: listed after the racers they read as one more racer.
            # Racers with α of their own: each one's α after its name, none shared.
            own = any(getattr(self, RACER_LR[n]) is not None for n in self.racers)
            racers = caption.listed([
                tr("caption.racer_lr", lang, name=tr(f"optimizer.{n}", lang),
                   lr=caption.number(self.racer_lr(n))) if own
                else tr(f"optimizer.{n}", lang) for n in self.racers], lang)
            settings = caption.knobs(self.racers, knobs, shown - {"lr"} if own else shown,
                                     lang)
            training_parts = [caption.named(tr("caption.race", lang), tr(
                "caption.race_each", lang, racers=racers, settings=settings)
                if settings else racers, lang)]
        else:
            training_parts = [caption.optimizer(self.optimizer, knobs, shown, lang)]
        training_parts.append(caption.schedule(self.schedule, "mlp.schedule", {
            name: getattr(self, f"schedule_{name}") for name in opt.SCHEDULE_SETTINGS}, lang,
            cosine_length=self.schedule_every if "cosine" in EVERY_SETS else None))
        training_parts.append(caption.clipping(self.clip, self.clip_value, lang))
        if "batch" in changed:
            training_parts.append(caption.named(t("batch"), caption.number(self.batch), lang))
        for key, text in (("l1", "caption.mlp.l1"), ("l2", "caption.mlp.l2")):
            if getattr(self, key) > 0:
                training_parts.append(tr(text, lang, value=caption.number(getattr(self, key))))
        if self.dropout > 0:
            training_parts.append(caption.named(t("dropout"), caption.number(self.dropout),
                                                lang))
        if self.early_stop:
            training_parts.append(caption.with_settings(
                t("early_stop"), caption.named(t("patience"), str(self.patience), lang),
                lang))
        return [caption.named(t("data"), caption.listed(data, lang), lang),
                caption.named(t("network"), caption.listed(network, lang), lang),
                caption.listed([p for p in training_parts if p], lang),
                tr("export.epoch", lang, epoch=self.epoch)]

    def apply_link(self, query: Mapping[str, str]) -> list[str]:
        """``LabState.apply_link``, the epoch shown first made ``trained`` (silently):
        while playing, ``trained`` still holds the epoch Play started at (it is written
        on pause), so a link at that epoch (a lesson's next step: 0) changed nothing and
        the network playing trained on under the link's other settings."""
        if self.epoch > self.trained:
            with param.parameterized.discard_events(self):
                self.trained = min(self.epoch, MAX_LINK_EPOCHS)
        return super().apply_link(query)

    def check_link(self, query: Mapping[str, str], values: dict,
                   problems: list[str]) -> dict:
        """An uploaded data set only once the tab gave it back; a batch within the
        training set; a racer's own α only for a racer; weight edits that fit the
        link's network and epoch."""
        if values.get("dataset") == UPLOADED and self.uploaded is None:
            del values["dataset"]
            # The tab may give its last upload back (``MlpControls``): then this goes.
            self.upload_problem = problem("dataset", query["dataset"], LinkReason("uploaded"))
            problems.insert(0, self.upload_problem)
        if "batch" in values:
            n = int(values.get("points", self.points))
            ratio = float(values.get("train_ratio", self.train_ratio))
            n_train = datasets.training_count(n, ratio)
            if values["batch"] > n_train:
                problems.append(problem("batch", query["batch"], LinkReason("batch", n=n_train)))
                del values["batch"]
        race = values.get("race", self.race)
        for name, key in RACER_LR.items():
            if values.get(key) is not None and name not in race:
                problems.append(problem(key, query[key], LinkReason("not_racing")))
                del values[key]
        if values.get("edits"):
            reason = self._edits_problem(values["edits"], values)
            if reason is not None:
                problems.append(problem("edits", query["edits"], reason))
                del values["edits"]
        return values

    def _edits_problem(self, edits: list[WeightEdit], values: Mapping) -> LinkReason | None:
        """Why a link's ``edits`` do not fit the rest of it (``values``, the state's own
        for what it leaves out): an edit after the link's epoch, or a weight the
        network it describes does not have; None when they fit."""
        trained = int(values.get("trained", self.trained))
        late = next((e for e in edits if e.epoch > trained), None)
        if late is not None:
            return LinkReason("edit_after", epoch=trained)
        try:
            hidden = parse_layers(values.get("layers", self.layers))
        except ValueError:
            return None  # the layers' own problem is reported; nothing is built from them
        features = values.get("features", self.features)
        dataset = values.get("dataset", self.dataset)
        if dataset == UPLOADED:
            outputs = self.uploaded.n_classes if self.uploaded is not None else None
        else:
            low = datasets.GENERATED_POINTS[0]
            outputs = datasets.make_dataset(dataset, low, 0.0, 0).n_classes
        sizes = [len(features) or 2, *hidden, outputs]
        for e in edits:
            n_to = sizes[e.layer + 1] if e.layer + 1 < len(sizes) else 0
            if (e.layer + 1 >= len(sizes) or e.i >= sizes[e.layer]
                    or (n_to is not None and e.j >= n_to)):
                return LinkReason("edit_no_weight", layer=e.layer + 1, i=e.i + 1,
                                  j=e.j + 1)
        return None

    def restart_for_link(self):
        """The network afresh from its start, ``trained`` kept (a link asking for an
        earlier epoch than the one shown: the page then trains to it)."""
        self._build()

    def train_to(self, epoch: int, budget_s: float = math.inf):
        """Train on to ``epoch`` (the link's ``trained``), in chunks, as the play loop
        would, making the link's weight edits at their epochs: stops earlier where
        training halts (divergence) or stops early, or once ``budget_s`` seconds are
        spent (a chunk of ``LINK_CHUNK_S`` may end after it)."""
        self.apply_due_edits()
        started = time.perf_counter()
        while self.epoch < epoch and not self.halted and not self.should_stop():
            if time.perf_counter() - started >= budget_s:
                return
            self.train(min(epoch - self.epoch, self.epochs_within(LINK_CHUNK_S)))

    def epochs_within(self, seconds: float) -> int:
        """How many epochs of this network train in about ``seconds`` (as last timed;
        one while unknown), at most a chunk's capacity."""
        if not self._epoch_s:
            return 1
        return int(min(max(1, seconds / self._epoch_s), CHUNK_CAPACITY))


def _layers(text: str) -> str:
    """The layers' text as the state keeps it: ``4,3``, or ``0`` for none."""
    return ",".join(map(str, parse_layers(text))) or "0"


def _dataset(text: str) -> str:
    """A data set's name; ``uploaded`` is read (and said, if no file is there) by
    ``apply_query``, and left out of the names a wrong one is told (a link cannot carry
    a file)."""
    if text != UPLOADED and text not in datasets.DATASETS:
        raise LinkReason("choices", choices=", ".join(datasets.DATASETS))
    return text


def _some_features(text: str) -> list[str]:
    features = parse_value(MlpLabState.param.features, text)
    if not features:
        raise LinkReason("no_feature")
    return features


def _racers(text: str) -> list[str]:
    racers = parse_value(MlpLabState.param.race, text)
    if len(racers) > MAX_RACERS:
        raise LinkReason("race", n=MAX_RACERS)
    return racers


def parse_edits(text: str) -> list[WeightEdit]:
    """The link's ``edits``: ``EPOCH:LAYER:FROM:TO:VALUE`` items joined by commas, the
    layer and units counted from 1 as the weight editor shows them, in the order they
    were made (epochs never decreasing); at most ``MAX_EDITS``, each value a finite
    number within ±``WEIGHT_LIMIT``, each epoch at most ``MAX_LINK_EPOCHS``.

    Raises:
        LinkReason: the first thing wrong (the whole field is refused).
    """
    items = [item for item in text.split(",") if item]
    if len(items) > MAX_EDITS:
        raise LinkReason("edits_many", n=MAX_EDITS)
    edits: list[WeightEdit] = []
    for item in items:
        parts = item.split(":")
        try:
            if len(parts) != 5 or not all(map(ASCII_INTEGER.fullmatch, parts[:4])) \
                    or not ASCII_NUMBER.fullmatch(parts[4]):  # (not "1_0", nor "٣")
                raise ValueError
            epoch, layer, i, j = (int(p) for p in parts[:4])
            value = float(parts[4])
        except ValueError:
            raise LinkReason("edit_form", item=shown(item), max=MAX_LINK_EPOCHS) from None
        if min(layer, i, j) < 1 or not 0 <= epoch <= MAX_LINK_EPOCHS:
            raise LinkReason("edit_form", item=shown(item), max=MAX_LINK_EPOCHS)
        if not (math.isfinite(value) and abs(value) <= WEIGHT_LIMIT):
            raise LinkReason("edit_value", item=shown(item), limit=f"{WEIGHT_LIMIT:g}")
        if edits and epoch < edits[-1].epoch:
            raise LinkReason("edit_order", item=shown(item))
        edits.append(WeightEdit(epoch, layer - 1, i - 1, j - 1, value))
    return edits


def format_edits(edits) -> str:
    """``edits`` as the link writes them (``parse_edits`` reads them back exactly)."""
    return ",".join(f"{e.epoch}:{e.layer + 1}:{e.i + 1}:{e.j + 1}:{format_value(float(e.value))}"
                    for e in map(WeightEdit._make, edits))


def _row(name: str):
    special = {"dataset": _dataset, "layers": _layers, "features": _some_features,
               "race": _racers}
    return param_field(MlpLabState, name, parse=special.get(name), always=name == "dataset")


def _racer_lr_row(name: str) -> LinkField:
    """The link's ``lr_<optimizer>``: a racer's own α; empty (``full_query``'s form of
    None) for the lab's α."""
    p = MlpLabState.param[name]
    return LinkField(name, name, lambda text: None if text == "" else parse_value(p, text),
                     lambda value: "" if value is None else format_value(value), None,
                     p.bounds)


#: The link: every row's key is its parameter's name; the optimizer knobs come from the
#: registry.  ``batch`` ≤ training points is checked in ``apply_query``.
LINK = LinkTable([
    *map(_row, ("dataset", "noise", "points", "train_ratio", "seed", "features", "normalise",
                "layers", "activation", "init", "optimizer")),
    *knob_fields(MlpLabState, opt.KNOBS),
    *map(_row, ("schedule", "schedule_every", "schedule_factor", "schedule_gamma", "clip",
                "clip_value", "batch", "l1", "l2", "dropout", "batchnorm", "discretize",
                "early_stop", "patience", "race")),
    *map(_racer_lr_row, RACER_LR.values()), _row("speed"),
    param_field(MlpLabState, "show_val", "val"), _row("log_loss"),
    param_field(MlpLabState, "trained", "epoch"),
    LinkField("edits", "edits", parse_edits, format_edits, []),
])
#: Parameters carried in links, each under its own name.
URL_KEYS: tuple[str, ...] = tuple(f.name for f in LINK.fields)
#: Every key a link may carry for this lab.
MlpLabState.LINK_KEYS, MlpLabState.LINK = LINK.keys, LINK
MlpLabState.LESSON_FREE = frozenset(("epoch", "val", "log_loss"))
