"""Command line: the playground's numerics for lecture notes and outside checks.

    python -m playground trajectory --surface rosenbrock --optimizer adam --steps 500 \\
        --start=-1.5,2.5 [--lr A] [--momentum MU] [--decay RHO] [--beta1 B1] [--beta2 B2] \\
        [--eps E] [--no-bias-correction] [--noise S] [--seed K] [--schedule KIND ...] \\
        [--clip value|norm --clip-value C] [--expression "x**2 - y**2"]

    python -m playground train --dataset spiral --layers 8,8 --activation tanh \\
        --optimizer sgd --lr 0.03 --batch 10 --epochs 500 --train-ratio 50 --noise 0 \\
        --seed 0 [--dropout P] [--batchnorm] [--l1 R] [--l2 R] [--init NAME]

    python -m playground biasvariance --truth sin --family poly --capacities 0-15 \\
        --datasets 200 --n 20 --noise 0.3 --ridge 0 --seed 0 [--inputs spread|uniform]
        [--steps S] [--lr A]
    python -m playground figure "lab=mlp&dataset=xor" out.png|out.svg [--scale 2] \\
        [--size 1600x900] [--plot NAME] [--server http://HOST:PORT/app]
    python -m playground export "lab=optimizers&surface=ravine" out.html \\
        [--sweep KNOB|OPTIMIZER.KNOB] [--values 20] | [--epochs 300] [--snapshots 60]
    python -m playground export "lab=biasvariance&family=features" out.html

The optimizer options are the registry's knobs (``optimizers.KNOBS``), with the same
bounds as the labs; ``train`` takes them too, and its defaults are the MLP lab's
(``training.DEFAULTS``).  Each command prints one strict JSON object (no NaN or
Infinity tokens; ``train``'s float32 values as their shortest decimal).  Bad input,
including settings that cannot run together (a knob the optimizer does not have,
``--expression`` without ``--surface custom``, batch norm with batches of one example,
dropout or batch norm without hidden layers): a one-line message on stderr and exit
status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

import numpy as np

from .numerics import SEED_BOUNDS, datasets, mlp, race, surfaces, training
from .numerics import biasvariance as bv
from .numerics import optimizers as opt
from .numerics.expression import ExpressionError, parse_expression
from .text import tr


class UsageError(Exception):
    """Bad command-line input; its message is printed on one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not argparse's usage block
        raise UsageError(message)


def _finite(kind: str, low: float | None = None, high: float | None = None,
            low_open: bool = False, high_open: bool = False):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{kind} must be a number, not {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{kind} must be finite, not {text!r}")
        if low is not None and (value <= low if low_open else value < low):
            raise argparse.ArgumentTypeError(f"{kind} must be {'>' if low_open else '≥'} {low}")
        if high is not None and (value >= high if high_open else value > high):
            raise argparse.ArgumentTypeError(f"{kind} must be {'<' if high_open else '≤'} {high}")
        return value
    return parse


def _integer(kind: str, low: int | None = None, high: int | None = None):
    """An integer within ``[low, high]`` (unchecked where None: another module checks)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{kind} must be an integer, not {text!r}") from None
        if low is not None and high is not None and not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{kind} must be between {low} and {high}")
        return value
    return parse


def _knob(key: str):
    """The argparse type of knob ``key``: a finite number within its registry bounds."""
    def parse(text: str) -> float:
        try:
            return opt.check_knob(key, float(text))
        except ValueError as e:
            reason = "must be a number" if "could not convert" in str(e) else f"is {e}"
            raise argparse.ArgumentTypeError(f"{key} {reason}, not {text!r}") from None
    return parse


def _add_knobs(parser: argparse.ArgumentParser, **defaults):
    """One option per knob of the registry: ``--KEY`` for a number (its bounds checked),
    ``--no-KEY`` for a flag that is on by default."""
    for key, knob in opt.KNOBS.items():
        users = ", ".join(n for n, spec in opt.OPTIMIZERS.items() if key in spec.hyperparams)
        if knob.flag:
            parser.add_argument(f"--no-{key.replace('_', '-')}", action="store_true",
                                help=f"switch {key} off ({users})")
        else:
            parser.add_argument(f"--{key}", type=_knob(key), default=defaults.get(key),
                                help=f"{users}; between {knob.low:g} and {knob.high:g}")


def _given_knobs(args) -> dict[str, float]:
    """The knobs typed on the command line (flags switched off as 0)."""
    given = {}
    for key, knob in opt.KNOBS.items():
        if knob.flag:
            if getattr(args, f"no_{key}"):
                given[key] = 0.0
        elif getattr(args, key) is not None:
            given[key] = getattr(args, key)
    return given


def _point(text: str) -> tuple[float, float]:
    parts = text.split(",")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"start must be X,Y (two numbers), not {text!r}")
    number = _finite("start", *race.START_BOUNDS)  # the lab's bound on x₀ and y₀
    return number(parts[0]), number(parts[1])


def build_parser() -> argparse.ArgumentParser:
    """The command line's parser: one sub-command per function below (``trajectory``,
    ``train``, ``biasvariance``, ``figure``, ``export``), each option checked against the
    same bounds as the labs (the registry's knobs, ``datasets.GENERATED_POINTS``).
    """
    parser = _Parser(prog="python -m playground", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    t = commands.add_parser("trajectory", help="one optimizer's path on a surface, as JSON")
    t.add_argument("--surface", required=True,
                   choices=[*surfaces.PRESETS, surfaces.CUSTOM])
    t.add_argument("--expression", help="the formula of --surface custom, in x and y")
    t.add_argument("--optimizer", required=True, choices=opt.NAMES)
    t.add_argument("--steps", type=_integer("steps", *race.STEPS_BOUNDS), default=100)
    t.add_argument("--start", type=_point, help="X,Y (default: the surface's start)")
    _add_knobs(t)
    t.add_argument("--noise", type=_finite("noise", *race.NOISE_BOUNDS), default=0.0)
    t.add_argument("--seed", type=_integer("seed", *SEED_BOUNDS), default=0)
    t.add_argument("--schedule", choices=opt.SCHEDULES, default="constant")
    # None when not given: given with a schedule that does not use it, it is refused.
    t.add_argument("--every", type=_integer("every", *opt.SCHEDULE_EVERY_BOUNDS),
                   help="N of the step and inverse-time schedules (default "
                        f"{opt.DEFAULT_SCHEDULE.every:g})")
    t.add_argument("--factor", type=_finite("factor", *opt.SCHEDULE_FACTOR_BOUNDS),
                   help=f"k of the step schedule (default {opt.DEFAULT_SCHEDULE.factor:g})")
    t.add_argument("--gamma", type=_finite("gamma", *opt.SCHEDULE_GAMMA_BOUNDS),
                   help="gamma of the exponential schedule (default "
                        f"{opt.DEFAULT_SCHEDULE.gamma:g})")
    t.add_argument("--clip", choices=opt.CLIPPING, default="none")
    t.add_argument("--clip-value", type=_finite("clip-value", *opt.CLIP_VALUE_BOUNDS),
                   help=f"c of --clip value|norm (default {opt.DEFAULT_CLIP_VALUE:g})")
    d = training.DEFAULTS
    m = commands.add_parser("train", help="train an MLP on a 2-D data set, as JSON")
    source = m.add_mutually_exclusive_group(required=True)
    source.add_argument("--dataset", choices=list(datasets.DATASETS))
    source.add_argument("--csv", metavar="FILE",
                        help="x1,x2,label rows instead of --dataset (as the lab's upload)")
    m.add_argument("--points", type=_integer("points", *datasets.GENERATED_POINTS),
                   default=d["points"])
    m.add_argument("--noise", type=_finite("noise", 0.0, datasets.MAX_NOISE), default=d["noise"],
                   help="percent, as in TensorFlow Playground")
    m.add_argument("--train-ratio", type=_finite("train-ratio", datasets.MIN_TRAIN_PERCENT,
                                                 datasets.MAX_TRAIN_PERCENT),
                   default=d["train_ratio"],
                   help="percent of the points that train; 100: no validation")
    m.add_argument("--features", default=",".join(d["features"]), help="comma list of " +
                   ", ".join(datasets.FEATURES))
    m.add_argument("--normalise", action="store_true", help="standardise the inputs")
    m.add_argument("--layers", type=_layers, default=mlp.parse_layers(d["layers"]),
                   help="hidden widths, e.g. 8,8; 0 for none (a linear model)")
    m.add_argument("--activation", choices=list(mlp.ACTIVATIONS), default=d["activation"])
    m.add_argument("--init", choices=list(mlp.INITIALISERS), default=d["init"])
    m.add_argument("--optimizer", choices=opt.NAMES, default=d["optimizer"])
    _add_knobs(m)
    m.add_argument("--batch", type=_integer("batch", *datasets.BATCH_BOUNDS), default=d["batch"])
    m.add_argument("--epochs", type=_integer("epochs", 1, 100_000), default=100)
    m.add_argument("--dropout", type=_finite("dropout", 0.0, training.MAX_DROPOUT),
                   default=d["dropout"])
    m.add_argument("--batchnorm", action="store_true")
    m.add_argument("--l1", type=_finite("l1", *training.PENALTY_BOUNDS), default=d["l1"],
                   help="L1 strength λ₁: after each update every weight "
                        "w ← sign(w)·max(|w| − α·λ₁, 0) (a proximal step: exact zeros "
                        "with sgd or momentum)")
    m.add_argument("--l2", type=_finite("l2", *training.PENALTY_BOUNDS), default=d["l2"],
                   help="L2 strength λ₂: the loss adds λ₂·Σw²")
    m.add_argument("--seed", type=_integer("seed", *SEED_BOUNDS), default=d["seed"])
    b = commands.add_parser("biasvariance",
                            help="bias², variance and test error per capacity, as JSON")
    bd = bv.DEFAULT_SETTINGS
    b.add_argument("--truth", choices=list(bv.TRUTHS), default=bd["truth"])
    b.add_argument("--inputs", choices=list(bv.INPUTS), default=bd["inputs"],
                   help="training inputs: spread (one per n-th of [0, 1], jittered, as the "
                        "lab's default) or uniform (independent, uniform at random)")
    b.add_argument("--family", choices=list(bv.FAMILIES), default=bd["family"])
    b.add_argument("--capacities", type=_capacities,
                   help="e.g. 0-15 or 1,2,5 (default: the family's list)")
    b.add_argument("--datasets", type=_integer("datasets", *bv.DATASETS_BOUNDS),
                   default=bd["datasets"])
    b.add_argument("--n", type=_integer("n", *bv.N_BOUNDS), default=bd["n"])
    b.add_argument("--noise", type=_finite("noise", *bv.NOISE_BOUNDS), default=bd["noise"])
    b.add_argument("--ridge", type=_finite("ridge", *bv.RIDGE_BOUNDS), default=bd["ridge"])
    b.add_argument("--seed", type=_integer("seed", *SEED_BOUNDS), default=bd["seed"])
    b.add_argument("--steps", type=_integer("steps", 1, 10_000), default=bv.NETWORK_STEPS,
                   help="the network family's Adam steps")
    b.add_argument("--lr", type=_finite("lr", 0.0, 10.0, low_open=True), default=bv.NETWORK_LR,
                   help="the network family's learning rate")
    f = commands.add_parser("figure", help="the picture a link describes, as PNG or SVG "
                                           "(a server and headless Chromium)")
    f.add_argument("link", help="the link's query (lab=mlp&dataset=xor), or the whole link")
    f.add_argument("out", help="the file to write: .png or .svg")
    from .figure import DEFAULT_SIZE, MAX_SCALE  # (no UI library: a light import)

    f.add_argument("--scale", type=_finite("scale", 0.0, MAX_SCALE, low_open=True),
                   default=1.0, help="pixels per CSS pixel (PNG), e.g. 2 for a sharp slide")
    f.add_argument("--size", type=_size, default="{}x{}".format(*DEFAULT_SIZE),
                   help="the page's viewport WIDTHxHEIGHT in CSS pixels (the PNG's size)")
    f.add_argument("--plot", help="one plot only, by its name (optimizers: surface, loss; "
                                  "MLP: boundary, loss, accuracy, network, and in a race "
                                  "race_loss, race_accuracy, race_1 … race_4; bias–variance: "
                                  "fits, curves)")
    f.add_argument("--server", help="a playground already serving (http://HOST:PORT/app): "
                                    "no server is started (faster for many figures)")
    f.add_argument("--timeout", type=_finite("timeout", 1.0), default=120.0,
                   help="seconds to wait for the lab to draw")
    e = commands.add_parser("export", help="a static interactive page of a link, one HTML "
                                           "file that opens offline (no server)")
    e.add_argument("link", help="the link's query (lab=optimizers&surface=ravine), or the "
                                "whole link")
    e.add_argument("out", help="the file to write: .html")
    e.add_argument("--sweep", help="optimizer lab: the knob that becomes a slider, KNOB (the "
                                   "first optimizer shown that has it) or OPTIMIZER.KNOB "
                                   "(default: the first optimizer's lr)")
    # Their bounds and defaults are static_export's, checked there (importing it here
    # would load Panel); a test ties these words to them.
    e.add_argument("--values", type=_integer("values"),
                   help="optimizer lab: how many values the sweep precomputes (default 20)")
    e.add_argument("--epochs", type=_integer("epochs"),
                   help="MLP lab: epochs trained and played back (default: the link's "
                        "epoch=N, else 300)")
    e.add_argument("--snapshots", type=_integer("snapshots"),
                   help="MLP lab: at most this many heat maps (default 60)")
    return parser


def _check_knobs_apply(args) -> None:
    """Refuse a knob that the chosen optimizer does not have (it would be ignored)."""
    own = opt.OPTIMIZERS[args.optimizer].hyperparams
    for key in _given_knobs(args):
        if key not in own:
            option = f"--no-{key.replace('_', '-')}" if opt.KNOBS[key].flag else f"--{key}"
            raise UsageError(f"{option} does not apply to {args.optimizer} "
                             f"(its knobs: {', '.join(own)})")


def _check_trajectory_settings(args) -> None:
    """Refuse options that the other settings would ignore."""
    _check_knobs_apply(args)
    if args.expression is not None and args.surface != surfaces.CUSTOM:
        raise UsageError("--expression needs --surface custom")
    for option, schedules in opt.SCHEDULE_SETTINGS.items():  # the schedules using each
        if getattr(args, option) is not None and args.schedule not in schedules:
            raise UsageError(f"--{option} applies to --schedule {' or '.join(schedules)}, "
                             f"not {args.schedule}")
    if args.clip_value is not None and args.clip == "none":
        raise UsageError("--clip-value needs --clip value or --clip norm")


def _float32(value) -> float:
    """A float32 as the shortest decimal that reads back as it (0.3, not
    0.30000001192092896), as a float."""
    return float(str(np.float32(value)))


def _capacities(text: str) -> tuple[int, ...]:
    """``0-15`` (a range, both ends in) or ``1,2,5``."""
    try:
        if "-" in text:
            low, high = (int(part) for part in text.split("-"))
            if high < low:
                raise ValueError
            return tuple(range(low, high + 1))
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"capacities must be A-B or a comma list of integers, not {text!r}") from None


def biasvariance(args) -> dict:
    """The bias–variance decomposition of ``args.family`` on ``args.datasets`` training sets
    of ``args.n`` points: its settings and, per capacity, bias², variance, noise σ², their
    sum, the measured test error and the training error (squared errors, the targets' units²;
    ``numerics.biasvariance.decompose``).

    Raises:
        UsageError: a setting out of bounds, or a fit that is not finite.
    """
    try:
        data = bv.make_data(args.truth, args.n, args.datasets, args.seed, inputs=args.inputs)
        capacities = (None if args.capacities is None
                      else bv.check_capacities(args.family, args.capacities, args.n))
        if args.family == "knn" and capacities and max(capacities) > args.n:
            # (the lab's slider stops at n too: more neighbours than points is k = n again)
            raise UsageError(f"k must be at most n = {args.n} (k > n is the fit of k = n), "
                             f"got {max(capacities)}")
        r = bv.decompose(args.family, data, args.noise, capacities, ridge=args.ridge,
                         seed=args.seed, steps=args.steps, lr=args.lr)
    except bv.BiasVarianceError as e:
        raise UsageError(_bv_message(e, args.family)) from None
    rows = [{"capacity": c, "bias2": float(r.bias2[i]), "variance": float(r.variance[i]),
             "noise": r.noise, "sum": float(r.total[i]), "test_error": float(r.test_error[i]),
             "train_error": float(r.train_error[i])} for i, c in enumerate(r.capacities)]
    if not all(math.isfinite(v) for row in rows for v in row.values()):
        raise UsageError("a fit was not finite: add a ridge (--ridge) or lower --lr")
    return {
        "settings": {"truth": args.truth, "inputs": args.inputs, "family": args.family,
                     "datasets": args.datasets,
                     "n": args.n, "noise": args.noise, "ridge": args.ridge, "seed": args.seed,
                     "capacity": bv.FAMILIES[args.family].symbol,
                     "capacities": list(r.capacities), "n_test": len(data.x_test),
                     **({"steps": args.steps, "lr": args.lr}
                        if args.family == "network" else {})},
        "capacities": rows,
    }


def _bv_message(error: bv.BiasVarianceError, family: str) -> str:
    v = error.values
    if error.code == "out_of_bounds":
        return (f"--capacities: {v['name']}={v['value']} is outside "
                f"{v['low']}–{v['high']} ({family})")
    return str(error)


def _size(text: str) -> tuple[int, int]:
    from .figure import parse_size

    try:
        return parse_size(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def figure(args) -> dict:
    """``args.link``'s picture written to ``args.out`` (PNG or SVG; ``playground.figure.render``):
    its path, size in pixels, plots and caption, and the seconds it took.

    Raises:
        UsageError: a bad link, size or plot name, or a lab that did not draw in time.
    """
    from pathlib import Path

    from .figure import FigureError, render

    try:
        made = render(args.link, Path(args.out), scale=args.scale, size=args.size,
                      plot=args.plot, timeout_s=args.timeout, server=args.server)
    except FigureError as e:
        raise UsageError(str(e)) from None
    return {"out": str(made.path), "width": made.width, "height": made.height,
            "plots": list(made.plots), "caption": made.caption,
            "seconds": round(made.seconds, 2)}


def export(args) -> dict:
    """``args.link``'s lab as one interactive HTML file at ``args.out``
    (``playground.static_export.export``): its path, size in bytes and MB, seconds taken,
    caption and the lab's own details (e.g. the epochs recorded).

    Raises:
        UsageError: a bad link or an option outside its bounds.
    """
    from pathlib import Path

    from .static_export import ExportError
    from .static_export import export as write_page

    try:
        made = write_page(args.link, Path(args.out), sweep=args.sweep, n_values=args.values,
                          epochs=args.epochs, snapshots=args.snapshots)
    except ExportError as e:
        raise UsageError(str(e)) from None
    # The page's details but the loss charts' ranges at each sweep value (tests read them).
    details = {k: v for k, v in made.page.details.items() if k != "spans"}
    return {"out": str(made.path), "bytes": made.size,
            "megabytes": round(made.size / 1e6, 2), "seconds": round(made.seconds, 2),
            "caption": made.page.caption, **details}


def _layers(text: str) -> tuple[int, ...]:
    """The hidden layers, in the lab's grammar (``mlp.parse_layers``: ``8,8``; ``0``: linear)."""
    try:
        return mlp.parse_layers(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def train(args) -> dict:
    """An MLP trained ``args.epochs`` epochs in batches of ``args.batch``
    (``numerics.training.train_keeping_best``, as the lab's page: the same numbers) on a
    generated data set or ``args.csv``: its
    settings and, per epoch, training and validation cross-entropy (nats) and accuracy
    (fraction); validation ``None`` at ``--train-ratio 100``.

    Raises:
        UsageError: a bad data file or setting, or training that diverged.
    """
    import jax
    import jax.numpy as jnp

    _check_knobs_apply(args)
    if not args.layers and (args.dropout > 0 or args.batchnorm):
        raise UsageError("--dropout and --batchnorm act on hidden layers; --layers 0 has none")
    try:
        if args.csv is not None:
            try:
                with open(args.csv, "rb") as file:
                    data = datasets.parse_csv(file.read(1_000_001))  # past the limit: refused
            except OSError as e:
                raise UsageError(f"--csv: {e.strerror}: {args.csv}") from None
        else:
            data = datasets.make_dataset(args.dataset, args.points, args.noise, args.seed)
        names = [f for f in args.features.split(",") if f]
        # With no validation part (--train-ratio 100) the validation columns print as null.
        prepared = datasets.prepare(data, args.train_ratio, args.seed, names, args.normalise)
    except (datasets.DatasetError, ValueError) as e:
        raise UsageError(str(e)) from None
    train_set, val_set, held_out, x_train, x_val, _, _ = prepared
    batch = min(args.batch, len(train_set.y))
    if args.batchnorm and batch < 2:
        raise UsageError(f"--batchnorm needs at least 2 examples per batch, not {batch} "
                         f"({_count(len(train_set.y), 'training point')}, "
                         f"--batch {args.batch})")
    arch = training.Arch(x_train.shape[1], args.layers, data.n_classes, args.activation,
                         args.batchnorm, batch)
    model = training.init_model(jax.random.key(args.seed), arch, init=args.init)
    hyper = training.make_hyper(args.optimizer, l1=args.l1, l2=args.l2, dropout=args.dropout,
                                **_given_knobs(args))
    f32 = lambda a: jnp.asarray(a, training.DTYPE)
    sets = (f32(x_train), jnp.asarray(train_set.y), f32(x_val), jnp.asarray(held_out.y))
    # The lab's own program, in chunks as its page trains: the page's numbers to the
    # last digit (``train_epochs``, compiled apart, drifts from them by rounding, and a
    # noisy run's drift grows: 0.41 against 0.43 at epoch 300).
    best, best_loss, parts, left = model, np.asarray(np.inf, training.DTYPE), [], args.epochs
    while left > 0:
        k = min(left, training.CHUNK_CAPACITY)
        model, best, best_loss, chunk = training.train_keeping_best(
            arch, model, best, best_loss, hyper, *sets, n_epochs=k)
        parts.append(np.asarray(jax.device_get(chunk))[:k])
        left -= k
    metrics = [[_float32(v) for v in row] for row in np.concatenate(parts)]
    columns = ("train_loss", "train_accuracy", "val_loss", "val_accuracy")
    bad = next((i for i, row in enumerate(metrics) if not all(map(math.isfinite, row))), None)
    if bad is not None:  # metrics[i] is epoch i + 1's
        raise UsageError(f"training diverged at epoch {bad + 1} (a loss became NaN or "
                         f"infinite): lower --lr")
    shown = len(columns) if len(val_set) else 2
    curves = {c: [row[i] for row in metrics] if i < shown else None
              for i, c in enumerate(columns)}
    return {
        "settings": {
            "dataset": args.dataset or args.csv, "points": len(data.y), "noise": args.noise,
            "train_ratio": args.train_ratio, "features": names, "normalise": args.normalise,
            "layers": list(args.layers), "activation": args.activation, "init": args.init,
            "optimizer": args.optimizer,
            "lr": opt.hyperparams_for(args.optimizer, _given_knobs(args))["lr"], "batch": batch,
            "epochs": args.epochs, "dropout": args.dropout, "batchnorm": args.batchnorm,
            "l1": args.l1, "l2": args.l2, "seed": args.seed,
            "n_train": len(train_set.y), "n_val": len(val_set.y), "classes": data.n_classes,
        },
        "epochs": curves,
        "final": {c: None if curves[c] is None else curves[c][-1] for c in columns},
    }


def trajectory(args) -> dict:
    """One optimizer's path of ``args.steps`` steps on a surface (``numerics.race.run_race``):
    the points (steps + 1, 2), the loss at each and where the run diverged, met an undefined
    gradient or left the formula's domain (a step index, else ``None``).

    Raises:
        UsageError: a bad formula, setting or start point.
    """
    _check_trajectory_settings(args)
    if args.surface == surfaces.CUSTOM:
        if not args.expression:
            raise UsageError("--surface custom needs --expression")
        try:
            surface = surfaces.custom_surface(parse_expression(args.expression))
        except ExpressionError as e:
            raise UsageError(f"--expression: {e}") from None
    else:
        surface = surfaces.SURFACES[args.surface]
    name = args.optimizer
    hyper = {**surface.defaults.get(name, {}), **_given_knobs(args)}
    settings = race.make_settings(
        args.start or surface.start, {name: hyper},
        schedule=opt.DEFAULT_SCHEDULE._replace(
            kind=opt.SCHEDULES.index(args.schedule), horizon=float(max(args.steps, 1)),
            **{name: value for name, value in (("every", args.every), ("factor", args.factor),
                                               ("gamma", args.gamma)) if value is not None}),
        clip=args.clip,
        clip_value=opt.DEFAULT_CLIP_VALUE if args.clip_value is None else args.clip_value,
        noise=args.noise, seed=args.seed,
        steps=args.steps)
    start = args.start or surface.start
    start_value = float(surface.fn(*start))
    if not math.isfinite(start_value):
        raise UsageError(tr("surface.undefined" if math.isnan(start_value)
                            else "surface.not_finite", x=f"{start[0]:g}", y=f"{start[1]:g}"))
    outcome = race.run_race(surface.fn, settings)
    result = outcome.of(name)
    stop = outcome.stop(opt.NAMES.index(name))
    zero = np.flatnonzero(result["lr"][:-1] == 0.0)
    if len(zero):  # as the lab says it: from there on the optimizer does not move
        print(f"note: {tr('run.lr_zero', 'en', step=int(zero[0]))}", file=sys.stderr)
    used = opt.hyperparams_for(name, hyper)
    return {
        "surface": surface.key if args.surface != surfaces.CUSTOM else args.expression,
        "optimizer": name,
        "params": {p: used[p] for p in opt.OPTIMIZERS[name].hyperparams},
        "points": result["points"].tolist(),
        "loss": result["loss"].tolist(),
        "diverged_at": stop[1] if stop and stop[0] == "diverged" else None,
        # A finite point whose gradient is ±∞ or NaN (√x at x = 0): the run stops there.
        "gradient_undefined_at": stop[1] if stop and stop[0] == "undefined" else None,
        # A step to a point where the formula has no value (√x at x < 0): not a blow-up.
        "outside_domain_at": stop[1] if stop and stop[0] == "outside" else None,
    }


def _attach_formula(argv: list[str]) -> list[str]:
    """``--expression -x**2`` as ``--expression=-x**2``: argparse reads a value that starts
    with ``-`` as an option (and said "expected one argument")."""
    out = []
    for i, arg in enumerate(argv):
        if i > 0 and argv[i - 1] == "--expression" and arg.startswith("-"):
            out[-1] = f"--expression={arg}"
        else:
            out.append(arg)
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the command in ``argv`` (default ``sys.argv[1:]``) and print its result as one line
    of JSON: exit status 0, or 2 with ``error: …`` on standard error for a usage error.
    """
    try:
        argv = _attach_formula(list(sys.argv[1:] if argv is None else argv))
        args = build_parser().parse_args(argv)
        commands = {"trajectory": trajectory, "train": train, "biasvariance": biasvariance,
                    "figure": figure, "export": export}
        out = commands[args.command](args)
        json.dump(out, sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
        return 0
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


def _count(n: int, noun: str) -> str:
    """``1 training point``, ``2 training points``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
