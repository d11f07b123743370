"""Two-dimensional classification data for the MLP lab, and what is done to it
before training: generators, a train/validation split, input features, input
normalisation and CSV uploads.

Every generator in ``DATASETS`` shares one signature, as in TensorFlow
Playground's ``dataset.ts``::

    generate(n_points: int, noise: float, rng) -> (X, y)

with ``X`` float64 of shape (n, 2), ``y`` int64 of shape (n,) holding labels
0..K−1, ``noise`` in percent (0–50, the slider users see; TF Playground divides
it by 100 before calling its generators, so below ν = noise/100 ∈ [0, 0.5]) and
``rng`` a ``numpy.random.Generator`` (an integer seed is accepted too).  Points
lie roughly in [−6, 6]².  For TF's binary sets, class 1 is TF's positive label
(+1) and class 0 its negative label (−1).  U(a, b) is a uniform draw and N(μ, σ²)
a normal one; every draw comes from ``rng``, so a seed reproduces the data.

Generation is plain NumPy: data is made once, at the edge, and handed to the JAX
models as arrays.  The feature maps and ``normalise`` accept NumPy or JAX arrays
and answer in kind, so the same code builds the training matrix and, under
``jax.jit``, the heat-map grid.
"""

from __future__ import annotations

import csv
import math
import numbers
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .errors import CodedError

__all__ = [
    "CLASS_NAMES",
    "DATASETS",
    "FEATURES",
    "FEATURE_LABELS",
    "Dataset",
    "DataSettingError",
    "DatasetError",
    "Normaliser",
    "feature_matrix",
    "fit_normaliser",
    "make_dataset",
    "normalise",
    "parse_csv",
    "split",
]

MIN_POINTS = 4
MAX_POINTS = 5000
#: How many points a generated data set may have where a user picks it (the lab's
#: slider, the command line's ``--points``): within what the engine takes.
GENERATED_POINTS = (10, 2000)
MAX_NOISE = 50.0
MIN_TRAIN_PERCENT = 10.0
#: 100 %: every point trains and none is held out (tiny or hand-made data such as
#: XOR's four-row truth table); the views then say there is no validation.
MAX_TRAIN_PERCENT = 100.0
#: A mini-batch's size as the labs and the command line accept it: at most every
#: point a data set can hold (a network uses at most its training set's size).
BATCH_BOUNDS = (1, MAX_POINTS)

DataGenerator = Callable[[int, float, np.random.Generator], tuple[np.ndarray, np.ndarray]]


#: What a :class:`DatasetError` about an uploaded file says, by code (English;
#: ``text._EN`` has the same templates under ``csv.{code}``, the other languages theirs).
MESSAGES: dict[str, str] = {
    "binary": "this looks like a binary file, not CSV text (it contains NUL bytes)",
    "not_text": "expected the file's text or bytes, not {type}",
    "too_large": "file too large: {size:,} bytes (the limit is {limit:,} bytes)",
    "utf16": "the file is UTF-16 text, not UTF-8; save it as CSV (UTF-8)",
    "not_utf8": ("the file is not UTF-8 text (undecodable byte at position {position}); "
                 "save it as CSV (UTF-8)"),
    "not_a_number": "line {line}: {column} is not a number: {value}",
    "not_finite": "line {line}: {column} is not a finite number: {value}",
    "too_large_value": "line {line}: {column} = {value} is outside ±{limit:g} (rescale the data)",
    "columns": "line {line}: expected 3 comma-separated values (x1,x2,label) but found {n}",
    "columns_not_commas": ("line {line}: expected 3 comma-separated values (x1,x2,label) "
                           "but found {n}; separate the values with commas"),
    "empty": "the file is empty",
    "unreadable_line": "line {line}: cannot read the values ({error})",
    "empty_label": "line {line}: the label is empty",
    "too_many_rows": "too many rows: more than {n:,} points (the limit)",
    "one_row": "only 1 data row; need at least {min} points",
    "too_few_rows": "only {n} data rows; need at least {min} points",
    "label_not_class": "line {line}: label {label} is not a class number 0..K−1 (K ≤ {max})",
    "label_not_integer": ("line {line}: label {label} is not a whole number; labels must be "
                          "integers 0..K−1 or class names"),
    "labels_not_contiguous": ("integer labels must be exactly 0..{last} with every class "
                              "present; found {found}"),
    "one_class": "only one class ({name}); the labels need at least 2 classes",
    "too_many_classes": "too many classes: {k} (the limit is {max})",
}


class DatasetError(CodedError):
    """A one-line, user-facing explanation of why data or a data setting was rejected.

    A file's problems carry a ``code`` of :data:`MESSAGES` and ``params`` (the page
    shows them in its language); a bad data setting is a plain English message.
    """

    domain = "csv"
    messages = MESSAGES


def _error(code: str, **params) -> DatasetError:
    return DatasetError.coded(code, **params)


#: What a :class:`DataSettingError` says, by code (``text._EN``: ``data.{code}``).
DATA_MESSAGES: dict[str, str] = {
    "unknown": "unknown data set {name}; choose one of {names}",
    "points": "number of points must be an integer from {low} to {high}, not {value}",
    "noise": "noise must be a percentage from 0 to {high:g}, not {value}",
    "seed": "seed must be a non-negative integer, not {value}",
    "train_ratio": "training share must be a percentage from {low:g} to {high:g}, not {value}",
    "cannot_split": "cannot split {n} point(s) into two non-empty parts",
    "features_type": "features must be a list of names, not {value}",
    "no_feature": "choose at least one input feature from {names}",
    "unknown_feature": "unknown feature {name}; choose from {names}",
    "feature_twice": "feature {name} is listed more than once",
}


class DataSettingError(DatasetError):
    """A data setting out of range (the command line, or a lab whose bounds slipped):
    ``code`` of :data:`DATA_MESSAGES` and ``params``."""

    domain = "data"
    messages = DATA_MESSAGES


def _setting_error(code: str, **params) -> DataSettingError:
    return DataSettingError.coded(code, **params)


@dataclass(frozen=True, eq=False)
class Dataset:
    """Labelled 2-D points: ``X`` float64 (n, 2), ``y`` int64 (n,) with labels 0..K−1.

    ``n_classes`` (K) and ``class_names`` describe the whole data set, so a split part
    keeps them even if a class happens to be missing from it.  The arrays are
    read-only copies.
    """

    X: np.ndarray
    y: np.ndarray
    n_classes: int
    class_names: tuple[str, ...]
    name: str

    def __post_init__(self) -> None:
        X = np.array(self.X, dtype=np.float64)
        y = np.array(self.y, dtype=np.int64)
        if X.ndim != 2 or X.shape[1] != 2:
            raise DatasetError(f"X must have shape (n, 2), not {X.shape}")
        if y.shape != (X.shape[0],):
            raise DatasetError(f"y must have shape ({X.shape[0]},), not {y.shape}")
        if len(self.class_names) != self.n_classes:
            raise DatasetError(
                f"{len(self.class_names)} class names for {self.n_classes} classes"
            )
        if y.size and (y.min() < 0 or y.max() >= self.n_classes):
            raise DatasetError(f"labels must lie in 0..{self.n_classes - 1}")
        X.flags.writeable = False
        y.flags.writeable = False
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "class_names", tuple(str(c) for c in self.class_names))

    def __len__(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_points(self) -> int:
        return len(self)


# --------------------------------------------------------------------------- generators


def _halves(n_points: int) -> tuple[int, int]:
    """Sizes of the two generated halves: ⌈n/2⌉ and ⌊n/2⌋ (TF makes n/2 each)."""
    return n_points - n_points // 2, n_points // 2


def _polar(r: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """TF's convention: (r·sin θ, r·cos θ)."""
    return np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)


def circle(n_points: int, noise: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """A disc inside a ring (TF ``classifyCircleData``), radius R = 5.

    ⌈n/2⌉ points with r ~ U(0, R/2), then ⌊n/2⌋ with r ~ U(0.7·R, R); angle
    θ ~ U(0, 2π), point (r·sin θ, r·cos θ).  Noise does not move the points, it
    blurs the labels near the border: with ν = noise/100 and jitter
    (e₁, e₂) ~ U(−R, R)²·ν, the label is 1 ("inner disc") if
    ‖(x₁ + e₁, x₂ + e₂)‖ < R/2, else 0 ("outer ring").  With noise 0 the inner
    points are class 1 and the ring points class 0.
    """
    rng = np.random.default_rng(rng)
    radius = 5.0
    n_inner, n_outer = _halves(n_points)
    r = np.concatenate([
        rng.uniform(0.0, 0.5 * radius, n_inner),
        rng.uniform(0.7 * radius, radius, n_outer),
    ])
    X = _polar(r, rng.uniform(0.0, 2.0 * np.pi, n_points))
    jitter = rng.uniform(-radius, radius, (n_points, 2)) * (noise / 100.0)
    y = (np.hypot(*(X + jitter).T) < 0.5 * radius).astype(np.int64)
    return X, y


def xor(n_points: int, noise: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """The four quadrants (TF ``classifyXORData``).

    x₁, x₂ ~ U(−5, 5), each pushed 0.3 away from its axis (x += 0.3·sign x), so
    points fill [−5.3, 5.3]² minus a band of width 0.6 around each axis.  With
    ν = noise/100 and jitter (e₁, e₂) ~ U(−5, 5)²·ν, the label is 1 ("same signs")
    if (x₁ + e₁)·(x₂ + e₂) ≥ 0, else 0 ("opposite signs"); the points themselves
    do not move.
    """
    rng = np.random.default_rng(rng)
    padding = 0.3
    X = rng.uniform(-5.0, 5.0, (n_points, 2))
    X = X + np.where(X > 0, padding, -padding)
    jitter = rng.uniform(-5.0, 5.0, (n_points, 2)) * (noise / 100.0)
    moved = X + jitter
    y = (moved[:, 0] * moved[:, 1] >= 0).astype(np.int64)
    return X, y


def gaussian(n_points: int, noise: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian blobs (TF ``classifyTwoGaussData``).

    Variance σ² = 0.5 + 7·ν with ν = noise/100 (TF's linear map of ν ∈ [0, 0.5]
    onto [0.5, 4]).  ⌈n/2⌉ points x ~ N((2, 2), σ²I) labelled 1 ("upper-right
    blob"), then ⌊n/2⌋ points x ~ N((−2, −2), σ²I) labelled 0 ("lower-left blob").
    """
    rng = np.random.default_rng(rng)
    std = math.sqrt(0.5 + 7.0 * noise / 100.0)
    n_pos, n_neg = _halves(n_points)
    centres = np.repeat(np.array([[2.0, 2.0], [-2.0, -2.0]]), [n_pos, n_neg], axis=0)
    X = centres + std * rng.standard_normal((n_points, 2))
    y = np.repeat(np.array([1, 0], dtype=np.int64), [n_pos, n_neg])
    return X, y


def spiral(n_points: int, noise: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spiral arms (TF ``classifySpiralData``).

    Arm k (class k, k = 0, 1) has m_k points (m₀ = ⌈n/2⌉, m₁ = ⌊n/2⌋); its i-th
    point, i = 0..m_k − 1, has r = 5·i/m_k, t = 1.75·2π·i/m_k + (1 − k)·π and
    x = (r·sin t + e₁, r·cos t + e₂) with (e₁, e₂) ~ U(−1, 1)²·ν, ν = noise/100.
    Class 1 is TF's positive arm (phase 0).  With noise 0 the arms are fixed curves
    and the seed changes nothing, as in TF.
    """
    rng = np.random.default_rng(rng)
    blocks = []
    for k, m in enumerate(_halves(n_points)):
        i = np.arange(m, dtype=np.float64)
        r = 5.0 * i / max(m, 1)
        t = 1.75 * 2.0 * np.pi * i / max(m, 1) + (1 - k) * np.pi
        blocks.append(_polar(r, t))
    X = np.concatenate(blocks) + rng.uniform(-1.0, 1.0, (n_points, 2)) * (noise / 100.0)
    n0, n1 = _halves(n_points)
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n0, n1])
    return X, y


def moons(n_points: int, noise: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half-moons (scikit-learn's ``make_moons``, scaled; not in TF).

    θ ~ U(0, π).  ⌈n/2⌉ points on the upper moon (cos θ, sin θ), class 0, then ⌊n/2⌋
    on the lower moon (1 − cos θ, 1/2 − sin θ), class 1; every point is then mapped
    to 3·(p − (1/2, 1/4)) so the moons fill [−4.5, 4.5] × [−2.25, 2.25], and
    Gaussian noise N(0, (3ν)²I), ν = noise/100, is added (make_moons's ``noise=ν``).
    """
    rng = np.random.default_rng(rng)
    n_upper, n_lower = _halves(n_points)
    theta = rng.uniform(0.0, np.pi, n_points)
    upper = np.stack([np.cos(theta[:n_upper]), np.sin(theta[:n_upper])], axis=1)
    lower = np.stack([1.0 - np.cos(theta[n_upper:]), 0.5 - np.sin(theta[n_upper:])], axis=1)
    X = 3.0 * (np.concatenate([upper, lower]) - np.array([0.5, 0.25]))
    X = X + 3.0 * (noise / 100.0) * rng.standard_normal((n_points, 2))
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n_upper, n_lower])
    return X, y


THREE_CLASS_CENTRES = tuple(
    (round(3.5 * math.cos(a), 12), round(3.5 * math.sin(a), 12))
    for a in (math.pi / 2, math.pi / 2 + 2 * math.pi / 3, math.pi / 2 + 4 * math.pi / 3)
)


def three_class(n_points: int, noise: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian blobs at 120° from each other: the multiclass set.

    Blob k (class k = 0, 1, 2) is centred at 3.5·(cos φ_k, sin φ_k) with
    φ_k = 90° + k·120° (top, lower left, lower right) and holds ⌊n/3⌋ points, plus
    one for the first n mod 3 blobs; x ~ N(centre_k, σ²I) with the variance of
    ``gaussian``, σ² = 0.5 + 7·ν, ν = noise/100.
    """
    rng = np.random.default_rng(rng)
    std = math.sqrt(0.5 + 7.0 * noise / 100.0)
    sizes = [n_points // 3 + (k < n_points % 3) for k in range(3)]
    centres = np.repeat(np.array(THREE_CLASS_CENTRES), sizes, axis=0)
    X = centres + std * rng.standard_normal((n_points, 2))
    y = np.repeat(np.arange(3, dtype=np.int64), sizes)
    return X, y


DATASETS: Mapping[str, DataGenerator] = MappingProxyType({
    "circle": circle,
    "xor": xor,
    "gaussian": gaussian,
    "spiral": spiral,
    "moons": moons,
    "three_class": three_class,
})

CLASS_NAMES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "circle": ("outer ring", "inner disc"),
    "xor": ("opposite signs", "same signs"),
    "gaussian": ("lower-left blob", "upper-right blob"),
    "spiral": ("arm 0", "arm 1"),
    "moons": ("upper moon", "lower moon"),
    "three_class": ("top blob", "lower-left blob", "lower-right blob"),
})


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def make_dataset(name: str, n_points: int = 200, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Generate ``n_points`` points of data set ``name`` with ``noise`` percent (0–50).

    The same (name, n_points, noise, seed) always gives the same data.

    Raises:
        DatasetError: an unknown name, or points, noise or seed out of range.
    """
    if not isinstance(name, str) or name not in DATASETS:
        raise _setting_error("unknown", name=repr(name), names=", ".join(DATASETS))
    if not _is_int(n_points) or not MIN_POINTS <= n_points <= MAX_POINTS:
        raise _setting_error("points", low=MIN_POINTS, high=MAX_POINTS, value=repr(n_points))
    if not _is_real(noise) or not 0.0 <= noise <= MAX_NOISE:  # also rejects NaN
        raise _setting_error("noise", high=MAX_NOISE, value=repr(noise))
    if not _is_int(seed) or seed < 0:
        raise _setting_error("seed", value=repr(seed))
    X, y = DATASETS[name](int(n_points), float(noise), np.random.default_rng(int(seed)))
    names = CLASS_NAMES[name]
    return Dataset(X=X, y=y, n_classes=len(names), class_names=names, name=name)


def training_count(n: int, train_ratio_percent: float) -> int:
    """How many of ``n ≥ 2`` points :func:`split` puts in the training part:
    ⌊n·ratio/100 + ½⌋ (rounded half up), kept within 1..n−1 so neither part is empty;
    all n at 100 % (no validation part)."""
    if float(train_ratio_percent) >= 100.0:
        return n
    return min(max(math.floor(n * float(train_ratio_percent) / 100.0 + 0.5), 1), n - 1)


def split(dataset: Dataset, train_ratio_percent: float, seed: int) -> tuple[Dataset, Dataset]:
    """Shuffle with ``seed`` and cut into (training, validation) parts.

    The points are permuted by ``np.random.default_rng(seed).permutation(n)``; the
    first n_train = ⌊n·ratio/100 + ½⌋ (rounded half up, then kept within 1..n−1 so
    neither part is empty) go to training, the rest to validation.  The ratio is a
    percentage from 10 to 100; at 100 every point trains and the validation part is
    empty (0 rows).  Both parts keep the full set's classes and name.

    Raises:
        DatasetError: a training share outside 10–100 %, a bad seed, or fewer than 2
            points.
    """
    if not _is_real(train_ratio_percent) or not (
        MIN_TRAIN_PERCENT <= train_ratio_percent <= MAX_TRAIN_PERCENT
    ):
        raise _setting_error("train_ratio", low=MIN_TRAIN_PERCENT, high=MAX_TRAIN_PERCENT,
                             value=repr(train_ratio_percent))
    if not _is_int(seed) or seed < 0:
        raise _setting_error("seed", value=repr(seed))
    n = len(dataset)
    if n < 2:
        raise _setting_error("cannot_split", n=n)
    n_train = training_count(n, train_ratio_percent)
    order = np.random.default_rng(int(seed)).permutation(n)

    def part(indices: np.ndarray) -> Dataset:
        return Dataset(
            X=dataset.X[indices],
            y=dataset.y[indices],
            n_classes=dataset.n_classes,
            class_names=dataset.class_names,
            name=dataset.name,
        )

    return part(order[:n_train]), part(order[n_train:])


# --------------------------------------------------------------------------- features


def _namespace(x):
    """``jax.numpy`` for JAX arrays (so features trace under ``jit``), NumPy otherwise."""
    return jnp if isinstance(x, jax.Array) else np


FEATURES: Mapping[str, Callable] = MappingProxyType({
    "x1": lambda X: X[:, 0],
    "x2": lambda X: X[:, 1],
    "x1_sq": lambda X: X[:, 0] ** 2,
    "x2_sq": lambda X: X[:, 1] ** 2,
    "x1x2": lambda X: X[:, 0] * X[:, 1],
    "sin_x1": lambda X: _namespace(X).sin(X[:, 0]),
    "sin_x2": lambda X: _namespace(X).sin(X[:, 1]),
})
"""Input features keyed by the names users see; each maps X (n, 2) to a column (n,)."""

FEATURE_LABELS: Mapping[str, str] = MappingProxyType({
    "x1": "x₁",
    "x2": "x₂",
    "x1_sq": "x₁²",
    "x2_sq": "x₂²",
    "x1x2": "x₁x₂",
    "sin_x1": "sin(x₁)",
    "sin_x2": "sin(x₂)",
})


def feature_matrix(X, names: Sequence[str]):
    """The (n, d) matrix whose column j is feature ``names[j]`` of the points ``X`` (n, 2).

    NumPy in, float64 NumPy out; a JAX array in gives a JAX array (traceable).

    Raises:
        DatasetError: unknown, repeated or no feature names, or points not (n, 2).
    """
    if isinstance(names, str) or not isinstance(names, Iterable):
        raise _setting_error("features_type", value=repr(names))
    names = tuple(names)
    if not names:
        raise _setting_error("no_feature", names=", ".join(FEATURES))
    for feature in names:
        if not isinstance(feature, str) or feature not in FEATURES:
            raise _setting_error("unknown_feature", name=repr(feature),
                                 names=", ".join(FEATURES))
    if len(set(names)) != len(names):
        repeated = next(f for f in names if names.count(f) > 1)
        raise _setting_error("feature_twice", name=repr(repeated))
    xp = _namespace(X)
    X = xp.asarray(X, dtype=xp.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise DatasetError(f"points must have shape (n, 2), not {tuple(X.shape)}")
    return xp.stack([FEATURES[feature](X) for feature in names], axis=1)


# --------------------------------------------------------------------------- normalisation


class Normaliser(NamedTuple):
    """Per-column mean and standard deviation of the training inputs.

    Unpacks as ``mean, std = fit_normaliser(X)``; ``normaliser(X)`` applies it.
    """

    mean: np.ndarray
    std: np.ndarray

    def __call__(self, X):
        return normalise(X, self.mean, self.std)


def fit_normaliser(X) -> Normaliser:
    """Mean μ_j and standard deviation σ_j (population, ddof 0) of each column of ``X``.

    Fit it on the training set only.  A column whose σ_j is 0 (up to rounding:
    σ_j ≤ 1e-12·(1 + |μ_j|)) gets σ_j = 1, so it is only centred.

    Raises:
        DatasetError: an array that is not (n, d) with n ≥ 1.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[0] == 0:
        raise DatasetError(f"cannot fit a normaliser to an array of shape {X.shape}")
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    std = np.where(std > 1e-12 * (1.0 + np.abs(mean)), std, 1.0)
    return Normaliser(mean=mean, std=std)


def normalise(X, mean, std):
    """x̂_ij = (x_ij − μ_j) / σ_j: ``X`` (N, F), ``mean`` and ``std`` (F,), in float64;
    NumPy or JAX in, the same kind out, (N, F)."""
    xp = _namespace(X)
    return (xp.asarray(X, dtype=xp.float64) - xp.asarray(mean)) / xp.asarray(std)


class Prepared(NamedTuple):
    """A data set ready to train on (``prepare``): its two parts, the part measured as
    validation (``held_out``: the training part when there is no validation part), their
    feature matrices (normalised or not: ``mean`` 0, ``std`` 1) in float64."""

    train: Dataset
    val: Dataset
    held_out: Dataset
    x_train: np.ndarray
    x_val: np.ndarray
    mean: np.ndarray
    std: np.ndarray


def prepare(full: Dataset, train_ratio_percent: float, seed: int, features: Sequence[str],
            normalised: bool) -> Prepared:
    """``full`` as the MLP lab and ``python -m playground train`` train on it: ``split``
    with ``seed``; with no validation part (100 %) the training part is measured in its
    place; the ``features`` of each part (``feature_matrix``), normalised with the
    training part's mean and deviation when ``normalised`` (``fit_normaliser``).

    Raises:
        DatasetError: see ``split`` and ``feature_matrix``.
    """
    train, val = split(full, train_ratio_percent, seed)
    held_out = val if len(val) else train
    x_train = feature_matrix(train.X, features)
    x_val = feature_matrix(held_out.X, features)
    if normalised:
        mean, std = fit_normaliser(x_train)
    else:
        mean, std = np.zeros(x_train.shape[1]), np.ones(x_train.shape[1])
    return Prepared(train, val, held_out, np.asarray(normalise(x_train, mean, std)),
                    np.asarray(normalise(x_val, mean, std)), mean, std)


# --------------------------------------------------------------------------- CSV upload

_NUMBER = re.compile(
    r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:nan|inf|infinity)",
    re.IGNORECASE | re.ASCII,
)
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)


#: The largest |x1|, |x2| an uploaded file may hold.
MAX_COORDINATE = 1e6


def _show(value: str, limit: int = 30) -> str:
    """A short, one-line quotation of ``value`` for an error message."""
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


def _decode(data: str | bytes, max_bytes: int) -> str:
    if isinstance(data, bytes | bytearray | memoryview):
        data = bytes(data)
        size = len(data)
    elif isinstance(data, str):
        size = len(data.encode("utf-8", "surrogatepass"))
    else:
        raise _error("not_text", type=type(data).__name__)
    if size > max_bytes:
        raise _error("too_large", size=size, limit=max_bytes)
    if isinstance(data, bytes):
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise _error("utf16")
        if b"\x00" in data:
            raise _error("binary")
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise _error("not_utf8", position=e.start) from None
    if "\x00" in data:
        raise _error("binary")
    return data.removeprefix("\ufeff")


def _coordinate(text: str, column: str, line_no: int) -> float:
    if not _NUMBER.fullmatch(text):
        raise _error("not_a_number", line=line_no, column=column, value=_show(text))
    value = float(text)
    if not math.isfinite(value):
        raise _error("not_finite", line=line_no, column=column, value=_show(text))
    if abs(value) > MAX_COORDINATE:
        # The network computes in float32; features such as x1² would overflow.
        raise _error("too_large_value", line=line_no, column=column, value=_show(text),
                     limit=MAX_COORDINATE)
    return value


def _wrong_columns(fields: list[str], line: str, line_no: int) -> DatasetError:
    other_separator = len(fields) == 1 and (";" in line or "\t" in line)
    return _error("columns_not_commas" if other_separator else "columns", line=line_no,
                  n=len(fields))


def parse_csv(
    text: str | bytes,
    max_bytes: int = 1_000_000,
    max_rows: int = 5000,
    max_classes: int = 10,
    name: str = "upload",
) -> Dataset:
    """Read an uploaded ``x1,x2,label`` file into a :class:`Dataset`.

    * One point per line; ``\\n``, ``\\r\\n`` or ``\\r`` line endings, an optional
      UTF-8 byte-order mark, whitespace around values and blank lines are accepted;
      values may be quoted as spreadsheets do.
    * The first row is a header (and skipped) when neither x1 nor x2 is a number;
      anywhere else a non-number is an error.  x1 and x2 must be finite decimals.
    * Labels are either all whole numbers, which must be exactly 0..K−1 with every
      class present (class names "0".."K−1"), or names, numbered 0..K−1 in order of
      first appearance (class names keep the text).  2 ≤ K ≤ ``max_classes``.
    * At least 4 and at most ``max_rows`` points, at most ``max_bytes`` bytes.

    Every problem raises :class:`DatasetError` with a one-line message that names
    it, and its line number where there is one.  Nothing in the file is executed.

    Raises:
        DatasetError: whatever makes the file unusable (one line, with the line number).
    """
    content = _decode(text, max_bytes)
    if not content.strip():
        raise _error("empty")
    lines = content.replace("\r\n", "\n").replace("\r", "\n").split("\n")

    points: list[tuple[float, float]] = []
    labels: list[str] = []
    label_lines: list[int] = []
    first_row = True
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            fields = next(csv.reader([line.strip()], skipinitialspace=True))
        except csv.Error as e:
            raise _error("unreadable_line", line=line_no, error=str(e)) from None
        fields = [field.strip() for field in fields]
        if len(fields) != 3:
            raise _wrong_columns(fields, line, line_no)
        x1, x2, label = fields
        if first_row:
            first_row = False
            if not _NUMBER.fullmatch(x1) and not _NUMBER.fullmatch(x2):
                continue  # a header row
        point = (_coordinate(x1, "x1", line_no), _coordinate(x2, "x2", line_no))
        if not label:
            raise _error("empty_label", line=line_no)
        if len(points) == max_rows:
            raise _error("too_many_rows", n=max_rows)
        points.append(point)
        labels.append(label)
        label_lines.append(line_no)

    if len(points) < MIN_POINTS:
        raise _error("one_row" if len(points) == 1 else "too_few_rows", n=len(points),
                     min=MIN_POINTS)
    y, class_names = _labels(labels, label_lines, max_classes)
    return Dataset(
        X=np.array(points, dtype=np.float64),
        y=y,
        n_classes=len(class_names),
        class_names=class_names,
        name=name,
    )


def _labels(
    labels: list[str], line_numbers: list[int], max_classes: int
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Number the labels 0..K−1 (see :func:`parse_csv`)."""
    if all(_NUMBER.fullmatch(label) for label in labels):
        values = []
        for label, line_no in zip(labels, line_numbers, strict=True):
            if len(label.lstrip("+-").lstrip("0")) > 6:  # never a class number 0..K−1
                raise _error("label_not_class", line=line_no, label=_show(label),
                             max=max_classes)
            value = int(label) if _INTEGER.fullmatch(label) else float(label)
            if not float(value).is_integer():
                raise _error("label_not_integer", line=line_no, label=_show(label))
            values.append(int(value))
        found = sorted(set(values))
        k = len(found)
        _check_class_count(k, [str(v) for v in found], max_classes)
        if found != list(range(k)):
            shown = ", ".join(str(v) for v in found[:12]) + (", …" if k > 12 else "")
            raise _error("labels_not_contiguous", last=k - 1, found=shown)
        return np.array(values, dtype=np.int64), tuple(str(v) for v in range(k))

    index: dict[str, int] = {}
    for label in labels:
        index.setdefault(label, len(index))
    _check_class_count(len(index), list(index), max_classes)
    return np.array([index[label] for label in labels], dtype=np.int64), tuple(index)


def _check_class_count(k: int, names: list[str], max_classes: int) -> None:
    if k < 2:
        raise _error("one_class", name=_show(names[0]))
    if k > max_classes:
        raise _error("too_many_classes", k=k, max=max_classes)
