"""Command line: the playground's numerics for lecture notes and outside checks.

    python -m playground trajectory --surface rosenbrock --optimizer adam --steps 500 \\
        --start=-1.5,2.5 [--lr A] [--momentum MU] [--decay RHO] [--beta1 B1] [--beta2 B2] \\
        [--eps E] [--no-bias-correction] [--noise S] [--seed K] [--schedule KIND ...] \\
        [--clip value|norm --clip-value C] [--expression "x**2 - y**2"]

    python -m playground train --dataset spiral --layers 8,8 --activation tanh \\
        --optimizer sgd --lr 0.03 --batch 10 --epochs 500 --train-ratio 50 --noise 0 \\
        --seed 0 [--dropout P] [--batchnorm] [--l1 R] [--l2 R] [--init NAME]

    python -m playground figure "lab=mlp&dataset=xor" out.png|out.svg [--scale 2] \\
        [--size 1600x900] [--plot NAME] [--server http://HOST:PORT/app]

The optimizer options are the registry's knobs (``optimizers.KNOBS``), with the same
bounds as the labs; ``train`` takes them too.  Each command prints one strict JSON
object (no NaN or Infinity tokens).  Bad input: a one-line message on stderr and exit
status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from .numerics import datasets, mlp, race, surfaces, training
from .numerics import optimizers as opt
from .numerics.expression import ExpressionError, parse_expression


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


def _integer(kind: str, low: int, high: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{kind} must be an integer, not {text!r}") from None
        if not low <= value <= high:
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
    # Outside ±DIVERGENCE_BOUND the race counts the start itself as diverged.
    bound = race.DIVERGENCE_BOUND
    number = _finite("start", -bound, bound)
    return number(parts[0]), number(parts[1])


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m playground", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    t = commands.add_parser("trajectory", help="one optimizer's path on a surface, as JSON")
    t.add_argument("--surface", required=True,
                   choices=[*surfaces.PRESETS, surfaces.CUSTOM])
    t.add_argument("--expression", help="the formula of --surface custom, in x and y")
    t.add_argument("--optimizer", required=True, choices=opt.NAMES)
    t.add_argument("--steps", type=_integer("steps", 0, race.MAX_STEPS), default=100)
    t.add_argument("--start", type=_point, help="X,Y (default: the surface's start)")
    _add_knobs(t)
    t.add_argument("--noise", type=_finite("noise", 0.0), default=0.0)
    t.add_argument("--seed", type=_integer("seed", 0, 2**32 - 1), default=0)
    t.add_argument("--schedule", choices=opt.SCHEDULES, default="constant")
    t.add_argument("--every", type=_finite("every", 1.0), default=100.0,
                   help="N of the step and inverse-time schedules")
    t.add_argument("--factor", type=_finite("factor", 1.0), default=2.0,
                   help="k of the step schedule")
    t.add_argument("--gamma", type=_finite("gamma", 0.0, 1.0, low_open=True), default=0.99)
    t.add_argument("--clip", choices=opt.CLIPPING, default="none")
    t.add_argument("--clip-value", type=_finite("clip-value", 0.0, low_open=True), default=1.0)
    m = commands.add_parser("train", help="train an MLP on a 2-D data set, as JSON")
    m.add_argument("--dataset", required=True, choices=list(datasets.DATASETS))
    m.add_argument("--points", type=_integer("points", 4, 5000), default=500)
    m.add_argument("--noise", type=_finite("noise", 0.0, 50.0), default=0.0,
                   help="percent, as in TensorFlow Playground")
    m.add_argument("--train-ratio", type=_integer("train-ratio", 10, 90), default=50)
    m.add_argument("--features", default="x1,x2", help="comma list of " +
                   ", ".join(datasets.FEATURES))
    m.add_argument("--normalise", action="store_true", help="standardise the inputs")
    m.add_argument("--layers", type=_layers, default=(8, 8),
                   help="hidden widths, e.g. 8,8; 0 for none (a linear model)")
    m.add_argument("--activation", choices=list(mlp.ACTIVATIONS), default="tanh")
    m.add_argument("--init", choices=list(mlp.INITIALISERS), default="xavier")
    m.add_argument("--optimizer", choices=opt.NAMES, default="sgd")
    _add_knobs(m, lr=0.03)
    m.add_argument("--batch", type=_integer("batch", 1, 5000), default=10)
    m.add_argument("--epochs", type=_integer("epochs", 1, 100_000), default=100)
    m.add_argument("--dropout", type=_finite("dropout", 0.0, 1.0, high_open=True), default=0.0)
    m.add_argument("--batchnorm", action="store_true")
    m.add_argument("--l1", type=_finite("l1", 0.0), default=0.0)
    m.add_argument("--l2", type=_finite("l2", 0.0), default=0.0)
    m.add_argument("--seed", type=_integer("seed", 0, 2**31 - 1), default=0)
    f = commands.add_parser("figure", help="the picture a link describes, as PNG or SVG "
                                           "(a server and headless Chromium)")
    f.add_argument("link", help="the link's query (lab=mlp&dataset=xor), or the whole link")
    f.add_argument("out", help="the file to write: .png or .svg")
    f.add_argument("--scale", type=_finite("scale", 0.0, 4.0, low_open=True), default=1.0,
                   help="pixels per CSS pixel (PNG), e.g. 2 for a sharp slide")
    f.add_argument("--size", type=_size, default="1600x900",
                   help="the page's viewport WIDTHxHEIGHT in CSS pixels (the PNG's size)")
    f.add_argument("--plot", help="one plot only, by its name (surface, loss; boundary, "
                                  "loss, accuracy)")
    f.add_argument("--server", help="a playground already serving (http://HOST:PORT/app): "
                                    "no server is started (faster for many figures)")
    f.add_argument("--timeout", type=_finite("timeout", 1.0), default=120.0,
                   help="seconds to wait for the lab to draw")
    return parser


def _size(text: str) -> tuple[int, int]:
    from .figure import parse_size

    try:
        return parse_size(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def figure(args) -> dict:
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


def _layers(text: str) -> tuple[int, ...]:
    """The hidden layers, in the lab's grammar (``mlp.parse_layers``: ``8,8``; ``0``: linear)."""
    try:
        return mlp.parse_layers(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def train(args) -> dict:
    import jax
    import jax.numpy as jnp

    try:
        data = datasets.make_dataset(args.dataset, args.points, args.noise, args.seed)
        train_set, val_set = datasets.split(data, args.train_ratio, args.seed)
        names = [f for f in args.features.split(",") if f]
        x_train = datasets.feature_matrix(train_set.X, names)
        x_val = datasets.feature_matrix(val_set.X, names)
    except (datasets.DatasetError, ValueError) as e:
        raise UsageError(str(e)) from None
    if args.normalise:
        mean, std = datasets.fit_normaliser(x_train)
        x_train = datasets.normalise(x_train, mean, std)
        x_val = datasets.normalise(x_val, mean, std)
    batch = min(args.batch, len(train_set.y))
    arch = training.Arch(x_train.shape[1], args.layers, data.n_classes, args.activation,
                         args.batchnorm, batch)
    model = training.init_model(jax.random.key(args.seed), arch, init=args.init)
    hyper = training.make_hyper(args.optimizer, l1=args.l1, l2=args.l2, dropout=args.dropout,
                                **_given_knobs(args))
    f32 = lambda a: jnp.asarray(a, training.DTYPE)
    _, metrics = training.train_epochs(arch, model, hyper, f32(x_train),
                                       jnp.asarray(train_set.y), f32(x_val),
                                       jnp.asarray(val_set.y), n_epochs=args.epochs)
    metrics = [[float(v) for v in row] for row in jax.device_get(metrics)]
    columns = ("train_loss", "train_accuracy", "val_loss", "val_accuracy")
    curves = {c: [row[i] for row in metrics] for i, c in enumerate(columns)}
    if not all(math.isfinite(v) for row in metrics for v in row):
        raise UsageError("training diverged (a loss became NaN or infinite): lower --lr")
    return {
        "settings": {
            "dataset": args.dataset, "points": args.points, "noise": args.noise,
            "train_ratio": args.train_ratio, "features": names, "normalise": args.normalise,
            "layers": list(args.layers), "activation": args.activation, "init": args.init,
            "optimizer": args.optimizer, "lr": args.lr, "batch": batch,
            "epochs": args.epochs, "dropout": args.dropout, "batchnorm": args.batchnorm,
            "l1": args.l1, "l2": args.l2, "seed": args.seed,
            "n_train": len(train_set.y), "n_val": len(val_set.y), "classes": data.n_classes,
        },
        "epochs": curves,
        "final": {c: curves[c][-1] for c in columns},
    }


def trajectory(args) -> dict:
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
        schedule=opt.Schedule(opt.SCHEDULES.index(args.schedule), args.every, args.factor,
                              args.gamma, float(max(args.steps, 1))),
        clip=args.clip, clip_value=args.clip_value, noise=args.noise, seed=args.seed,
        steps=args.steps)
    start = args.start or surface.start
    if not math.isfinite(float(surface.fn(*start))):
        raise UsageError(f"the surface is not finite at the start point {start[0]:g},{start[1]:g}")
    outcome = race.run_race(surface.fn, settings)
    result = outcome.of(name)
    diverged_at = int(outcome.diverged_at[opt.NAMES.index(name)])
    used = opt.hyperparams_for(name, hyper)
    return {
        "surface": surface.key if args.surface != surfaces.CUSTOM else args.expression,
        "optimizer": name,
        "params": {p: used[p] for p in opt.OPTIMIZERS[name].hyperparams},
        "points": result["points"].tolist(),
        "loss": result["loss"].tolist(),
        "diverged_at": diverged_at if diverged_at >= 0 else None,
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
    try:
        argv = _attach_formula(list(sys.argv[1:] if argv is None else argv))
        args = build_parser().parse_args(argv)
        commands = {"trajectory": trajectory, "train": train, "figure": figure}
        out = commands[args.command](args)
        json.dump(out, sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
        return 0
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
