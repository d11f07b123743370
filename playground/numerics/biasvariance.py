"""Bias and variance, computed: one model family fitted to M resampled training sets.

The setting.  A true function f on [0, 1]; M training sets
D_m = {(x_i, y_i)}, i = 1 … n, with y_i = f(x_i) + σ ε_i, ε_i ~ N(0, 1) and the inputs
either x_i ~ U[0, 1] ("uniform") or one in each interval [(i − 1)/n, i/n), jittered about
its middle ("spread", ``INPUTS``);
a test set of T inputs x_t ~ U[0, 1] drawn apart, with noise-free targets f(x_t) (for
the bias) and, per training set, fresh noisy ones y'_{m,t} = f(x_t) + σ ε'_{m,t} (for
the measured error).  Every family is fitted to every set and every capacity in one
jitted call (``vmap`` over sets and capacities, or for random features a scan over the
capacities; hyper-parameters and capacities traced, and n, M and the number of
capacities padded to buckets with the padding masked, so a slider recompiles only when n
or M leaves its bucket).

Per capacity, with f_m the fit to D_m and f̄ = (1/M) Σ_m f_m (the mean over the sets),
averaged over the test inputs (⟨·⟩_t):

* variance   = ⟨(1/(M − 1)) Σ_m (f_m(x_t) − f̄(x_t))²⟩_t   (0 for M = 1)
* bias²      = ⟨(f̄(x_t) − f(x_t))²⟩_t − variance/M
* noise      = σ²
* sum        = bias² + variance + σ²
* test error = ⟨(1/M) Σ_m (f_m(x_t) − y'_{m,t})²⟩_t   (measured, fresh test noise)
* training error = (1/(M n)) Σ_m Σ_i (f_m(x_i) − y_i)²

Both are unbiased estimates of the expectations over training sets: f̄ is itself
an average of M fits, so (f̄ − f)² overstates the bias² by variance/M on average, which
at high capacity (variance in the thousands) made a bias² that grew with the degree and
shrank as M grew.  Where the true bias² is below that sampling error the estimate may be
a little below 0 (drawn at the charts' floor).  Because f̄ is the mean over the M sets,
bias² + variance = ⟨(1/M) Σ_m (f_m − f)²⟩_t exactly, and the measured test error differs
from the sum only by the test noise's sampling error, whose expectation is 0.

The families (``FAMILIES``), each nested in its capacity so that one factorisation
serves every capacity:

* ``poly``: c = argmin ‖Φ_d c − y‖² + λ‖c‖², Φ_d the Legendre polynomials P_0 … P_d of
  t = 2x − 1 (a well-conditioned basis on the data's interval); capacity d = 0 … 20.
* ``knn``: f(x) = (1/k) Σ of the y of the k training inputs nearest to x (ties: the
  lower index first); capacity falls as k grows; k > n uses all n points.
* ``features``: random ReLU features φ_j(x) = max(0, w_j (x − u_j)), w_j = |N(0, 1)|,
  a random first layer drawn for each set with its kinks u_j in the gaps between the
  set's inputs (``random_features``: so that Φ_p has rank min(p, n)); c the minimum-norm
  least-squares (λ = 0) or ridge (λ > 0) solution for the first p features.  The
  interpolation threshold is p = n: the double-descent peak (Belkin et al. 2019,
  "Reconciling modern machine learning practice and the bias-variance trade-off";
  Nakkiran et al. 2019, "Deep double descent").
* ``network``: one hidden layer of h tanh units, f(x) = Σ_j v_j tanh(a_j t + b_j) + c,
  t = 2x − 1, trained on L = Σ_i (f(x_i) − y_i)² + λ(‖a‖² + ‖v‖²) by full-batch
  Adam steps (PyTorch's conventions, ``torch.optim.Adam``) from one shared initialisation.

The linear families never form the normal equations of an ill-conditioned basis.
Polynomials solve the stacked system [Φ; √λ I] c ≈ [y; 0] by one Householder QR per set
(``nested_ridge``: R's leading p × p block solves capacity p), exact for λ > 0 or
p ≤ n; for λ = 0 and p > n the minimum-norm solution comes from a QR of the right side
(``min_norm_wide``).  Random features solve p ≤ n by the same nested QR and p > n in the
kernel form (Cholesky of Φ_pΦ_pᵀ + λI, refined; ``_feature_solve``).  The tests compare
with ``numpy.linalg.lstsq`` and ``pinv`` per set.

Sources: Hastie, Tibshirani & Friedman, *The Elements of Statistical Learning*, §7.3
(the decomposition) and §3.4.1 (ridge); Golub & Van Loan, *Matrix Computations*, §5.3
(least squares by QR).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from types import MappingProxyType
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .expression import latex_number
from .optimizers import DEFAULTS, scale_by_adam

#: Inputs of the test set (noise-free and noisy targets) and points of the drawing grid.
N_TEST = 200
N_GRID = 121
#: Bounds the lab and the command line share.
N_BOUNDS = (5, 200)
#: M ≥ 2: one set has no variance to estimate (it was shown as 0, bias² taking it all).
DATASETS_BOUNDS = (2, 500)
#: σ of the noise and the ridge λ: the lab's, the link's and the command line's bounds.
NOISE_BOUNDS = (0.0, 2.0)
RIDGE_BOUNDS = (0.0, 1e6)
MAX_DEGREE = 20
MAX_K = 50
MAX_WIDTH = 256
#: Random features: at most this many per training point (p ≤ 5n).
FEATURES_PER_POINT = 5
#: The network family's training: Adam steps and learning rate.
NETWORK_STEPS = 500
NETWORK_LR = 0.02
#: The settings nobody chose: the lab's first page and ``python -m playground
#: biasvariance`` both start from these.
DEFAULT_SETTINGS = MappingProxyType(dict(
    truth="sin", inputs="spread", family="poly", datasets=100, n=20, noise=0.3, ridge=0.0,
    seed=0))
#: The widths the network family computes (16 of them, 1 … 256).
NETWORK_WIDTHS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256)


#: How each set's training inputs are drawn.  "uniform": x_i ~ U[0, 1] independently, so
#: two inputs may nearly coincide, and a fit that interpolates their different noisy
#: targets must be steep there (the rare sets whose interpolating fits explode dominate
#: the average past p = n).  "spread": x_i = (i − ½ + SPREAD_JITTER (U_i − ½)) / n,
#: U_i ~ U[0, 1]: one input in each n-th of [0, 1], never closer than (1 − SPREAD_JITTER)/n.
INPUTS = ("uniform", "spread")
SPREAD_JITTER = 0.8


class BiasVarianceError(ValueError):
    """Settings the numerics refuse: ``code`` names the problem, ``values`` its numbers
    (the UI words them)."""

    def __init__(self, code: str, **values):
        self.code, self.values = code, values
        detail = ", ".join(f"{k}={v}" for k, v in values.items())
        super().__init__(f"{code}: {detail}" if detail else code)


class Truth(NamedTuple):
    """A true function on [0, 1]: ``fn`` maps an array of x to f(x); ``latex`` is f(x)."""

    key: str
    fn: object
    latex: str


TRUTHS: dict[str, Truth] = {
    "sin": Truth("sin", lambda x: np.sin(2 * np.pi * x), r"\sin(2\pi x)"),
    "step": Truth("step", lambda x: np.where(x < 0.5, 0.0, 1.0),
                  r"\mathbb{1}[x \ge \tfrac{1}{2}]"),
    "abs": Truth("abs", lambda x: np.abs(x - 0.5), r"\lvert x - \tfrac{1}{2} \rvert"),
    "cubic": Truth("cubic", lambda x: (2 * x - 1) ** 3 - 0.5 * (2 * x - 1),
                   r"(2x - 1)^3 - \tfrac{1}{2}(2x - 1)"),
}


class Family(NamedTuple):
    """A model family: its capacity's symbol, whether capacity rises with it, the bounds
    of that number, whether λ applies, and the objective it minimises (LaTeX; Φ⁺ the
    pseudo-inverse: at λ = 0 the minimum-norm least-squares solution, what
    ``min_norm_wide`` computes where the minimiser is not unique)."""

    key: str
    symbol: str
    grows: bool
    low: int
    high: int
    ridge: bool
    objective: str


FAMILIES: dict[str, Family] = {
    "poly": Family("poly", "d", True, 0, MAX_DEGREE, True,
                   r"\hat c = \arg\min_c \lVert \Phi_d c - y \rVert^2 + \lambda \lVert c "
                   r"\rVert^2\ (\lambda = 0{:}\ \hat c = \Phi_d^{+} y),\ "
                   r"\Phi_d = [P_0(t_i) \cdots P_d(t_i)],\ t = 2x - 1"),
    "knn": Family("knn", "k", False, 1, MAX_K, False,
                  r"\hat f(x) = \frac{1}{k} \sum_{i \in N_k(x)} y_i"),
    "features": Family("features", "p", True, 1, FEATURES_PER_POINT * N_BOUNDS[1], True,
                       r"\hat c = \arg\min_c \lVert \Phi_p c - y \rVert^2 + \lambda \lVert c "
                       r"\rVert^2\ (\lambda = 0{:}\ \hat c = \Phi_p^{+} y),\ "
                       r"\phi_j(x) = \max(0, w_j (x - u_j))"),
    "network": Family("network", "h", True, 1, MAX_WIDTH, True,
                      r"\min_\theta \sum_i (f_\theta(x_i) - y_i)^2 + \lambda(\lVert a \rVert^2"
                      r" + \lVert v \rVert^2),\ f_\theta(x) = \sum_{j=1}^{h} v_j "
                      r"\tanh(a_j t + b_j) + c,\ t = 2x - 1"),
}

class Term(NamedTuple):
    """One number of the decomposition as shown: the sign before it, the
    ``Decomposition`` field it reads, its name's key in ``TERM_LABELS`` (None: σ², or
    the sum, which has no name) and whether the name is squared."""

    sign: str
    field: str
    label: str | None
    squared: bool


#: The decomposition as the lab shows it, test error ≈ bias² + variance + σ² = their
#: sum (``decomposition_latex``; the static page's HTML follows it too).
DECOMPOSITION = (Term("", "test_error", "test", False), Term("≈", "bias2", "bias", True),
                 Term("+", "variance", "variance", False), Term("+", "noise", None, True),
                 Term("=", "total", None, False))
#: The terms' names under the braces, in English (a lab passes its language's).
TERM_LABELS = {"test": "test error", "bias": "bias", "variance": "variance"}
#: What the two terms are, as computed (the module's docstring): f_m the fit to set m of
#: M, f̄ their mean, ⟨·⟩ₓ the mean over the test inputs (``definitions_latex``): the
#: variance, bias² and f̄, each its own formula (a narrow page puts them on lines of their
#: own).
DEFINITIONS_PARTS = (
    r"\text{{{variance_label}}} = \left\langle \frac{{1}}{{M-1}} \sum_m "
    r"(f_m(x) - \bar f(x))^2 \right\rangle_x",
    r"\text{{{bias_label}}}^2 = \left\langle (\bar f(x) - f(x))^2 \right\rangle_x "
    r"- \frac{{\text{{{variance_label}}}}}{{M}}",
    r"\bar f = \frac{{1}}{{M}} \sum_m f_m")


class Data(NamedTuple):
    """M training sets and the test set, as NumPy float64 arrays.

    x, eps: (M, n) inputs and unit noise (y = f(x) + σ·eps); f_train: (M, n) f(x);
    x_test, f_test: (T,) test inputs and f there; eps_test: (M, T) unit test noise;
    grid, f_grid: (G,) the drawing grid on [0, 1] and f there.
    """

    x: np.ndarray
    eps: np.ndarray
    f_train: np.ndarray
    x_test: np.ndarray
    f_test: np.ndarray
    eps_test: np.ndarray
    grid: np.ndarray
    f_grid: np.ndarray


def _rng(seed: int, stream: int) -> np.random.Generator:
    # One generator per kind of draw: more sets (M) or features (p) keep the first ones.
    return np.random.default_rng([int(seed), stream])


def make_data(truth: str, n: int, datasets: int, seed: int = 0, n_test: int = N_TEST,
              n_grid: int = N_GRID, inputs: str = "uniform") -> Data:
    """The training sets (inputs and unit noise), the test set and the drawing grid.

    Seeded: the same (truth, n, M, seed, inputs) give the same arrays, and a larger M
    keeps the first sets.  The noise level σ is applied later (``y = f_train + σ·eps``),
    so moving σ rescales the same draws.  ``inputs``: how the training inputs are drawn
    (``INPUTS``); the test set is uniform either way.

    Raises:
        BiasVarianceError: unknown truth or inputs, or n or M outside their bounds.
    """
    if truth not in TRUTHS:
        raise BiasVarianceError("unknown_truth", truth=truth)
    if inputs not in INPUTS:
        raise BiasVarianceError("unknown_inputs", inputs=inputs)
    _check("n", n, *N_BOUNDS)
    _check("datasets", datasets, *DATASETS_BOUNDS)
    f = TRUTHS[truth].fn
    x = _rng(seed, 1).uniform(0.0, 1.0, (datasets, n))
    if inputs == "spread":
        x = (np.arange(n) + 0.5 + SPREAD_JITTER * (x - 0.5)) / n
    eps = _rng(seed, 2).standard_normal((datasets, n))
    x_test = np.sort(_rng(seed, 3).uniform(0.0, 1.0, n_test))
    eps_test = _rng(seed, 4).standard_normal((datasets, n_test))
    grid = np.linspace(0.0, 1.0, n_grid)
    return Data(x, eps, f(x), x_test, f(x_test), eps_test, grid, f(grid))


def _check(name: str, value: int, low: int, high: int):
    if not low <= value <= high:
        raise BiasVarianceError("out_of_bounds", name=name, value=value, low=low, high=high)


#: Random features: every p up to this is computed (the geometric spacing skipped 10
#: and 14 at n = 20, and the capacity's arrow key jumped from 9 to 11).
EVERY_FEATURE_UP_TO = 16


def default_capacities(family: str, n: int) -> tuple[int, ...]:
    """The capacities a family is computed for with n training points.

    poly: 0 … 20; knn: 1 … min(50, n); network: ``NETWORK_WIDTHS``; features: p from 1
    to 5n, every p up to ``EVERY_FEATURE_UP_TO`` and beyond it 44 values spaced
    geometrically (rounded: some coincide, so 29–49 values for n = 10–100), and the nine
    around the interpolation threshold p = n, which is always one of them.

    Raises:
        BiasVarianceError: unknown family.
    """
    if family == "poly":
        return tuple(range(MAX_DEGREE + 1))
    if family == "knn":
        return tuple(range(1, min(MAX_K, n) + 1))
    if family == "network":
        return NETWORK_WIDTHS
    if family == "features":
        top = FEATURES_PER_POINT * n
        spread = np.geomspace(1, top, 44).round().astype(int)
        near = np.arange(n - 4, n + 5)
        every = np.arange(1, EVERY_FEATURE_UP_TO + 1)
        return tuple(int(p) for p in np.unique(np.concatenate([every, spread, near, [n, top]]))
                     if 1 <= p <= top)
    raise BiasVarianceError("unknown_family", family=family)


def check_capacities(family: str, capacities, n: int) -> tuple[int, ...]:
    """``capacities`` as a sorted tuple of distinct ints within the family's bounds.

    Raises:
        BiasVarianceError: unknown family, no capacity, or one outside [low, high]
            (random features: p ≤ 5n).
    """
    if family not in FAMILIES:
        raise BiasVarianceError("unknown_family", family=family)
    spec = FAMILIES[family]
    high = FEATURES_PER_POINT * n if family == "features" else spec.high
    values = tuple(sorted({int(c) for c in capacities}))
    if not values:
        raise BiasVarianceError("no_capacity")
    for c in values:
        _check(spec.symbol, c, spec.low, high)
    return values


# -- shapes: n, M and the capacity list padded to buckets ----------------------------------

#: n, M and the number of capacities (per family; every default list fits the first) are
#: padded up to the next of these (the extra points, sets and capacities are masked out
#: of every sum), so that moving the n or M slider within a bucket reuses the compiled
#: program; past the last, multiples of it.
N_BUCKETS = (8, 12, 16, 20, 24, 32, 40, 48, 64, 80, 100, 128, 160, 200)
M_BUCKETS = (8, 16, 32, 50, 64, 100, 128, 200, 256, 350, 500)
CAPACITY_BUCKETS = {"poly": (MAX_DEGREE + 1,), "knn": (MAX_K,), "features": (64,)}
#: Random features: the sets are computed in groups holding about this many floats at
#: once (each set's Φ, kernel, and coefficients and fits at every capacity): groups that
#: stay in the cache are faster than all sets at once (``set_group``).
GROUP_FLOATS = 1 << 19


def set_group(sets: int, per: int) -> int:
    """How many sets go in one group when each holds ``per`` floats: at most
    ``GROUP_FLOATS // per`` (at least 1), a divisor of ``sets`` where one is at least
    half that (no remainder group: one program fewer to compile)."""
    most = max(1, min(sets, GROUP_FLOATS // per))
    divisor = max(d for d in range(1, most + 1) if sets % d == 0)
    return divisor if 2 * divisor > most else most


def bucket(value: int, buckets: tuple[int, ...]) -> int:
    """The smallest of ``buckets`` ≥ value (past the last: a multiple of the last)."""
    for b in buckets:
        if value <= b:
            return b
    return -(-value // buckets[-1]) * buckets[-1]


# -- the fits ---------------------------------------------------------------------------

def legendre_basis(x: jax.Array, degree: int) -> jax.Array:
    """[P_0(t) … P_degree(t)] at t = 2x − 1, shape x.shape + (degree + 1,), by Bonnet's
    recurrence (k + 1) P_{k+1} = (2k + 1) t P_k − k P_{k−1}."""
    t = 2.0 * x - 1.0
    columns = [jnp.ones_like(t), t]
    for k in range(1, degree):
        columns.append(((2 * k + 1) * t * columns[k] - k * columns[k - 1]) / (k + 1))
    return jnp.stack(columns[:degree + 1], axis=-1)


def relu_features(x: jax.Array, w: jax.Array, u: jax.Array) -> jax.Array:
    """φ_j(x) = max(0, w_j (x − u_j)), shape x.shape + (p,)."""
    return jnp.maximum(0.0, w * (x[..., None] - u))


#: Random features: the kinks of round r (features r·n … r·n + n − 1) sit at this fraction
#: of their gaps (away from the training inputs, which would make Φ ill-conditioned).
KINK_FRACTIONS = (0.5, 0.25, 0.75, 0.125, 0.875)


def random_features(x: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Every set's random first layer (w, u), each (M, 5n), for the inputs x (M, n).

    Set m's features are hinges φ_j(x) = max(0, w_j (x − u_j)) with w_j = |N(0, 1)| and
    a kink u_j in a gap between the set's sorted inputs (the n gaps (0, x_(1)),
    (x_(1), x_(2)), …, (x_(n−1), x_(n))): features r·n … r·n + n − 1 take every gap once,
    in a random order, at ``KINK_FRACTIONS[r]`` of its width.  So the first p ≤ n
    features have kinks in p different gaps and Φ_p has rank p (in the sorted inputs'
    order its columns are in echelon form), and every p ≥ n has rank n: the
    interpolation threshold is exactly p = n on every set.  A first layer shared by all
    sets cannot do this in 1-D: p hinges reach rank n on n random inputs only once no
    three inputs share a gap between kinks, around p ≈ n ln n / 2.

    Seeded (streams 5 and 6); the first sets of a larger M are the same.
    """
    sets, n = x.shape
    edges = np.concatenate([np.zeros((sets, 1)), np.sort(x, axis=1)], axis=1)
    keys = _rng(seed, 5).uniform(size=(sets, FEATURES_PER_POINT, n))
    gaps = np.argsort(keys, axis=2).reshape(sets, -1)
    low = np.take_along_axis(edges, gaps, 1)
    high = np.take_along_axis(edges, gaps + 1, 1)
    u = low + np.repeat(KINK_FRACTIONS, n) * (high - low)
    w = np.abs(_rng(seed, 6).standard_normal((sets, FEATURES_PER_POINT * n)))
    return w, u


def hinge_values(coef: jax.Array, w: jax.Array, u: jax.Array, x: jax.Array) -> jax.Array:
    """f_c(x) = Σ_j coef[c, j] w_j max(0, x − u_j) for w_j ≥ 0, shape (E, C) (points
    first), in O(C (P + E)): with the kinks sorted, f is a_k x + b_k between kinks k − 1
    and k, where a_k = Σ_{j<k} coef_j w_j and b_k = −Σ_{j<k} coef_j w_j u_j (cumulative
    sums, kept as (P + 1, C) so that each x gathers one contiguous row of every
    capacity's a and b).

    Args: coef (C, P); w, u (P,); x (E,)."""
    order = jnp.argsort(u)
    scaled = coef.T[order] * w[order][:, None]  # (P, C), in the kinks' order
    zero = jnp.zeros((1, coef.shape[0]), coef.dtype)
    running = lambda a: jax.lax.associative_scan(jnp.add, a, axis=0)  # cumulative sums
    slope = jnp.concatenate([zero, running(scaled)], axis=0)
    offset = jnp.concatenate([zero, -running(scaled * u[order][:, None])], axis=0)
    k = jnp.searchsorted(u[order], x, side="left")  # kinks below x
    return slope[k] * x[:, None] + offset[k]


def nested_ridge(phi: jax.Array, y: jax.Array, ridge: jax.Array,
                 sizes: jax.Array) -> jax.Array:
    """Ridge coefficients for every prefix of ``phi``'s columns, from one QR.

    c_p = argmin ‖Φ_p c − y‖² + λ‖c‖², Φ_p the first p columns of Φ (n × P).  Householder
    QR of [Φ; √λ I] = QR, z = Qᵀ[y; 0]; then R[:p, :p] c_p = z[:p].  The inverse of an
    upper-triangular R has the inverses of R's leading blocks as its own leading blocks,
    so with B = R⁻¹ diag(z), c_p[j] = Σ_{k<p} B[j, k]: every prefix's coefficients are
    one cumulative sum.  Exact where Φ_p has full column rank or λ > 0; with λ = 0 past
    the rank, R has zeros on its diagonal and those prefixes are garbage (finite):
    ``min_norm_wide`` solves them.

    Args:
        phi: (n, P) features of one training set; y: (n,) targets; ridge: λ ≥ 0;
        sizes: (C,) ints, the prefixes p, each 1 … P.
    Returns:
        (C, P) coefficients, zero past each p.
    """
    n, width = phi.shape
    stacked = jnp.concatenate([phi, jnp.sqrt(ridge) * jnp.eye(width, dtype=phi.dtype)])
    q, r = jnp.linalg.qr(stacked)
    z = q[:n].T @ y
    # An exact zero on the diagonal (λ = 0 past the rank) would make every column NaN.
    r = r + jnp.diag(jnp.where(jnp.diagonal(r) == 0, 1.0, 0.0).astype(r.dtype))
    r_inv = jax.scipy.linalg.solve_triangular(r, jnp.eye(width, dtype=r.dtype), lower=False)
    every = jnp.cumsum(r_inv * z[None, :], axis=1).T  # row p − 1: the coefficients c_p
    return every[sizes - 1]


def min_norm_wide(phi: jax.Array, y: jax.Array, free: jax.Array, p: jax.Array) -> jax.Array:
    """The minimum-norm solution of Φ_p c = y for Φ_p (the first p columns of ``phi``) of
    full row rank, by a QR of the right side: [Φ_pᵀ; D] = QR (D = diag(free) gives the
    padded rows, which are zero, an equation of their own), c = Φ_pᵀ (Φ_pΦ_pᵀ)⁻¹ y
    = Q_top R⁻ᵀ y, Q_top the first P rows of Q (no normal equations formed).

    Args: phi (n, P) with zero rows where ``free`` (n,) is 1; y (n,), zero there; p ≤ P.
    Returns: (P,) coefficients, zero past p.
    """
    width = phi.shape[1]
    use = (jnp.arange(width) < p).astype(phi.dtype)
    q, r = jnp.linalg.qr(jnp.concatenate([(phi * use).T, jnp.diag(free)]))
    return q[:width] @ jax.scipy.linalg.solve_triangular(r.T, y, lower=True)


def _poly_fits(phi_train, phi_eval, y, free, ridge, sizes, n):
    """Polynomial fits of every set at every degree: (M, E, C) and (M, n, C).  Nested QR
    for λ > 0 or p ≤ n; for λ = 0 and p > n the minimum-norm solution (``lax.cond``:
    computed only where needed)."""
    coef = jax.vmap(nested_ridge, (0, 0, None, None))(phi_train, y, ridge, sizes)  # (M, C, P)

    def wide(i):
        p = sizes[i]
        return jax.lax.cond((ridge == 0) & (p > n),
                            lambda: jax.vmap(min_norm_wide, (0, 0, None, None))(
                                phi_train, y, free, p),
                            lambda: coef[:, i])

    coef = jnp.swapaxes(jax.lax.map(wide, jnp.arange(sizes.shape[0])), 0, 1)
    return (jnp.einsum("mcp,ep->mec", coef, phi_eval),
            jnp.einsum("mcp,mnp->mnc", coef, phi_train))


#: Where two training inputs nearly coincide (closer than about 1e-6 of the interval)
#: Φ_p Φ_pᵀ can be singular in floating point; its Cholesky factor then fails, and that
#: set's kernel systems are solved again with this much of trace(K)/n added to the
#: diagonal (a fit that interpolates to about 1e-3 instead of exactly).
KERNEL_JITTER = 1e-13


def _feature_solve(phi, y, pts, ridge, sizes, n, jitter):
    """One set's random-feature coefficients at every capacity, (C, P), and whether they
    are finite.

    p ≤ n: least squares (or ridge) on the first p features, Φ_p having full column rank
    (``random_features``), by the nested QR of ``nested_ridge``.  p > n: the kernel form
    c = Φ_pᵀ α, (Φ_pΦ_pᵀ + λI) α = y, by Cholesky and two steps of iterative refinement
    (residuals through Φ_p): the minimum-norm interpolant at λ = 0 (Φ_p has full row
    rank), the ridge solution for λ > 0 (Woodbury).  One scan over the capacities (sorted)
    carries the kernel K_p = Σ_{j<p} φ_j φ_jᵀ, adding the features p_{c−1} … p_c − 1 one
    by one, and factors it only where p > n (``lax.cond``).  Padded points (``pts`` 0)
    are zero rows with an equation α_i = 0 of their own; ``jitter`` > 0 adds
    jitter · trace(K_p)/n to K_p's diagonal (``KERNEL_JITTER``).  Accuracy: the kernel
    form squares Φ_p's condition number κ, so the fits past n carry relative errors of
    about κ²ε (ε = 2.2e-16); κ is bounded there by how close two training inputs are.
    """
    rows, width = phi.shape
    narrow = nested_ridge(phi[:, :rows], y, ridge, jnp.minimum(sizes, rows))  # (C, n)
    narrow = jnp.concatenate([narrow, jnp.zeros((sizes.shape[0], width - rows), phi.dtype)], 1)
    eye = jnp.eye(rows, dtype=phi.dtype)

    def wide(kernel, p):
        mask = (jnp.arange(width) < p).astype(phi.dtype)  # (P,)
        extra = jitter * jnp.trace(kernel) / jnp.maximum(n, 1)
        diagonal = ridge * pts + 1 - pts + extra * pts  # (n,)
        factor = jax.scipy.linalg.cho_factor(kernel + eye * diagonal, lower=True)
        once = lambda rhs: jax.scipy.linalg.cho_solve(factor, rhs)
        alpha = once(y)
        for _ in range(2):  # refinement, the residual through Φ_p (not the rounded K_p)
            alpha = alpha + once(y - phi @ ((alpha @ phi) * mask) - alpha * diagonal)
        return (alpha @ phi) * mask

    def step(carry, p):
        kernel, done = carry
        kernel = jax.lax.fori_loop(done, p, lambda j, k: k + jnp.outer(phi[:, j], phi[:, j]),
                                   kernel)
        coef = jax.lax.cond(p > n, wide, lambda k, p: jnp.zeros(width, phi.dtype), kernel, p)
        return (kernel, jnp.maximum(done, p)), coef

    start = (jnp.zeros((rows, rows), phi.dtype), jnp.zeros((), sizes.dtype))
    coef = jax.lax.scan(step, start, sizes)[1]
    coef = jnp.where((sizes <= n)[:, None], narrow, coef)
    return coef, jnp.all(jnp.isfinite(coef))


def _feature_fits(x, x_eval, y, pts, ridge, w, u, sizes, n):
    """Random-feature fits of every set at every p: (M, E, C) and (M, n, C).  The sets
    are computed in groups (``set_group``; each set holds Φ (n × P), its kernel (n × n),
    and coefficients and fits at every capacity, C × (P + E + n)); a set whose kernel's
    Cholesky factor fails (inputs nearly coinciding) is computed again with
    ``KERNEL_JITTER`` (``lax.cond``: only when one fails)."""
    rows, width = x.shape[1], w.shape[1]
    per = rows * (width + rows) + sizes.shape[0] * (width + x_eval.shape[0] + rows)
    group = set_group(x.shape[0], per)

    def coefficients(jitters):
        def one(args):
            xs, ys, ws, us, jitter = args
            phi = relu_features(xs, ws, us) * pts[:, None]
            return _feature_solve(phi, ys * pts, pts, ridge, sizes, n, jitter)
        return jax.lax.map(one, (x, y, w, u, jitters), batch_size=group)

    coef, ok = coefficients(jnp.zeros(x.shape[0], x.dtype))
    coef = jax.lax.cond(jnp.all(ok), lambda: coef,
                        lambda: coefficients(jnp.where(ok, 0.0, KERNEL_JITTER))[0])

    def values(args):  # at the evaluation points and the set's own inputs, in one pass
        c, ws, us, xs = args
        both = hinge_values(c, ws, us, jnp.concatenate([x_eval, xs]))
        return both[:x_eval.shape[0]], both[x_eval.shape[0]:]

    return jax.lax.map(values, (coef, w, u, x), batch_size=group)


def knn_predict(x_train: jax.Array, y_train: jax.Array, x_eval: jax.Array, ks: jax.Array,
                pts: jax.Array | None = None) -> jax.Array:
    """k-NN regression of one set at ``x_eval`` for every k: (len(ks), E).

    The neighbours are the training inputs sorted by |x − x_i| (a stable sort: ties
    keep the lower index); k > n means all n.  ``pts`` (n,) masks padded inputs out.
    """
    distance = jnp.abs(x_eval[:, None] - x_train[None, :])  # (E, n)
    if pts is None:
        pts = jnp.ones_like(x_train)
    distance = jnp.where(pts[None, :] > 0, distance, jnp.inf)
    _, nearest_y = jax.lax.sort((distance, jnp.broadcast_to(y_train, distance.shape)),
                                dimension=1, is_stable=True, num_keys=1)
    running = jnp.cumsum(nearest_y, axis=1)
    k_used = jnp.minimum(jnp.asarray(ks), jnp.sum(pts).astype(jnp.asarray(ks).dtype))
    return (running[:, k_used - 1] / k_used).T


class NetworkInit(NamedTuple):
    """The shared initialisation, (H,) each and a scalar: input weights a ~ N(0, 3²),
    biases b ~ N(0, 3²) (transitions spread over t ∈ [−1, 1]), output weights
    v ~ N(0, 1)/√h (scaled per width in ``network_fits``), c = 0."""

    a: np.ndarray
    b: np.ndarray
    v: np.ndarray


def network_init(seed: int, width: int) -> NetworkInit:
    """The first ``width`` units of the seeded initialisation (prefix-stable)."""
    g = _rng(seed, 7).standard_normal((width, 3))
    return NetworkInit(3.0 * g[:, 0], 3.0 * g[:, 1], g[:, 2])


def network_forward(params, x, mask):
    """f(x) = Σ_j mask_j v_j tanh(a_j t + b_j) + c, t = 2x − 1; x (E,) → (E,)."""
    a, b, v, c = params
    hidden = jnp.tanh((2.0 * x[:, None] - 1.0) * a + b) * mask
    return hidden @ v + c


def train_network(init, x, y, mask, ridge, lr, steps: int, beta1=DEFAULTS["beta1"],
                  beta2=DEFAULTS["beta2"], eps=DEFAULTS["eps"], pts=None):
    """``steps`` full-batch Adam steps on L(θ) = Σ_i (f(x_i) − y_i)² + λ(‖a‖² + ‖v‖²).

    Adam as PyTorch: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − α m̂/(√v̂ + ε) with
    m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).  ``init``: (a, b, v, c) with shapes (H,), (H,), (H,),
    (); units where ``mask`` is 0 get zero gradients and stay as they are; points where
    ``pts`` (n,) is 0 (padding) are left out of the sum.
    """
    weight = jnp.ones_like(x) if pts is None else pts

    def loss(params):
        a, _, v, _ = params
        r = network_forward(params, x, mask) - y
        return jnp.sum(weight * r * r) + ridge * (jnp.sum(a * a * mask) + jnp.sum(v * v * mask))

    grad = jax.grad(loss)
    adam = scale_by_adam(beta1, beta2, eps)  # the optimizer lab's and the MLP lab's Adam

    def step(carry, _):
        params, state = carry
        direction, state = adam.update(grad(params), state)
        return (jax.tree.map(lambda p, u: p - lr * u, params, direction), state), None

    (params, _), _ = jax.lax.scan(step, (init, adam.init(init)), None, length=steps)
    return params


# -- one call per family: every set, every capacity -------------------------------------

class Decomposition(NamedTuple):
    """The decomposition per capacity (C of them), the fits on the grid.

    capacities (C,) ints; bias2, variance, total, test_error, train_error (C,);
    noise: σ²; fits (C, M, G) every set's fit on ``grid``; mean_fit (C, G) f̄ there;
    y (M, n) the training targets (for drawing one set's points); ridge: the λ fitted
    with.
    """

    family: str
    capacities: tuple[int, ...]
    bias2: np.ndarray
    variance: np.ndarray
    noise: float
    total: np.ndarray
    test_error: np.ndarray
    train_error: np.ndarray
    fits: np.ndarray
    mean_fit: np.ndarray
    y: np.ndarray
    ridge: float = 0.0


#: A bias² estimate under this many times variance/M is drawn and shown as 0
#: (``resolved_bias2``).
BIAS_RESOLUTION = 2.0


def resolved_bias2(result: Decomposition) -> np.ndarray:
    """The bias² a page shows (C,): the estimate where it exceeds ``BIAS_RESOLUTION`` ×
    variance/M, else 0.  Below that, M sets cannot tell it from no bias (the estimate's
    own sampling error is of the size of variance/M, which at high capacity is large:
    the unbiased estimate jumped between −10⁵ and +6 past degree 15); the command line
    prints the estimate itself."""
    sets = result.y.shape[0]
    bias2 = np.asarray(result.bias2, float)
    return np.where(bias2 > BIAS_RESOLUTION * np.asarray(result.variance) / sets, bias2, 0.0)


#: The band drawn around f̄: this many standard errors either side.
MEAN_BAND_ERRORS = 2.0


def mean_fit_band(result: Decomposition, index: int) -> tuple[np.ndarray, np.ndarray]:
    """f̄ ∓ ``MEAN_BAND_ERRORS`` standard errors on the grid at capacity index ``index``,
    (G,) each: the error of the mean of M fits is s(x)/√M, s(x) the fits' standard
    deviation at x (the M − 1 divisor, as ``variance``).  Where bias² is within its
    sampling error of 0 (``resolved_bias2``), the truth runs inside the band although
    f̄ is off it: M sets cannot place the mean more closely."""
    fits = np.asarray(result.fits[index], np.float64)  # (M, G)
    sets = fits.shape[0]
    error = fits.std(axis=0, ddof=1) / np.sqrt(sets) if sets > 1 else np.zeros(fits.shape[1])
    mean = np.asarray(result.mean_fit[index], np.float64)
    return mean - MEAN_BAND_ERRORS * error, mean + MEAN_BAND_ERRORS * error


def as_shown(result: Decomposition) -> Decomposition:
    """``result`` as a page draws and writes it: bias² resolved (``resolved_bias2``) and
    the sum of the terms shown, so that the numbers on screen add up (a bias² of −2.6
    shown as 0 left "0 + 91.9 + 0.09 = 89.4")."""
    bias2 = resolved_bias2(result)
    return result._replace(bias2=bias2, total=bias2 + np.asarray(result.variance)
                           + result.noise)


def _summarise(pred_eval, pred_train, y, f_test, y_test, n_test, sets, pts):
    """bias², variance, test error, training error (each (C,)) and the grid fits
    (C, M, G) from predictions (M, E, C) at [test inputs, grid] and (M, n, C) (points
    before capacities); padded sets (``sets`` 0) and points (``pts`` 0) are left out of
    every mean.  Each sum over the sets is a product with ``sets`` (M,) of per-set sums
    over the points."""
    count, points = jnp.sum(sets), jnp.sum(pts)
    test = pred_eval[:, :n_test]
    mean = jnp.einsum("m,mtc->tc", sets, test) / count  # f̄, (T, C)
    # Unbiased (see the module's docstring): M − 1 in the variance, its share in f̄ out
    # of the bias²; one set has no variance to estimate.
    spread = sets @ jnp.sum((test - mean) ** 2, axis=1) / n_test
    variance = jnp.where(count > 1, spread / jnp.maximum(count - 1, 1), 0.0)
    bias2 = jnp.mean((mean - f_test[:, None]) ** 2, axis=0) - variance / count
    test_error = sets @ jnp.sum((test - y_test[:, :, None]) ** 2, axis=1) / (count * n_test)
    train_error = sets @ jnp.sum((pred_train - y[:, :, None]) ** 2 * pts[:, None], axis=1) / (
        count * points)
    fits = jnp.transpose(pred_eval[:, n_test:], (2, 0, 1))
    return bias2, variance, test_error, train_error, fits


def width_buckets(widths: tuple[int, ...]) -> list[tuple[int, tuple[int, ...]]]:
    """The widths grouped by the power of 4 (from 4) they are padded to:
    ``[(padded width, widths), …]``; a width-2 network costs a width-4 one, not 256."""
    buckets: dict[int, list[int]] = {}
    for h in widths:
        pad = 4
        while pad < h:
            pad *= 4
        buckets.setdefault(pad, []).append(h)
    return [(pad, tuple(hs)) for pad, hs in sorted(buckets.items())]


def _network_fits(init, x, y, x_eval, pts, ridge, lr, widths, steps):
    """Every width trained on every set, (M, E, C) and (M, n, C): one vmap per bucket of
    ``width_buckets``; the units past each width are masked."""
    a, b, v = init
    evals, trains = [], []
    for pad, hs in width_buckets(widths):
        masks = (jnp.arange(pad)[None, :] < jnp.asarray(hs)[:, None]).astype(x.dtype)
        scale = 1.0 / jnp.sqrt(jnp.asarray(hs, x.dtype))

        def one(xs, ys, mask, s, pad=pad):
            start = (a[:pad], b[:pad], v[:pad] * s, jnp.zeros((), x.dtype))
            params = train_network(start, xs, ys, mask, ridge, lr, steps, pts=pts)
            return network_forward(params, x_eval, mask), network_forward(params, xs, mask)

        per_width = jax.vmap(one, in_axes=(None, None, 0, 0))
        e, t = jax.vmap(per_width, in_axes=(0, 0, None, None))(x, y, masks, scale)
        evals.append(e)
        trains.append(t)
    return (jnp.swapaxes(jnp.concatenate(evals, axis=1), 1, 2),
            jnp.swapaxes(jnp.concatenate(trains, axis=1), 1, 2))


@partial(jax.jit, static_argnames=("family", "widths", "steps"))
def _decompose(family, widths, steps, x, eps, f_train, x_eval, f_test, eps_test, sets, pts,
               noise, ridge, lr, sizes, w, u, init):
    """The jitted core.  Static: the family, the network's widths and steps (and every
    array's shape: n, M, the number of capacities padded to their buckets); everything
    else is traced, the capacities (``sizes``), σ, λ and α included."""
    y = (f_train + noise * eps) * pts
    y_test = f_test + noise * eps_test
    n = jnp.sum(pts).astype(sizes.dtype)
    if family == "poly":
        basis = lambda z: legendre_basis(z, MAX_DEGREE)
        pred_eval, pred_train = _poly_fits(basis(x) * pts[:, None], basis(x_eval), y,
                                           1 - pts, ridge, sizes, n)
    elif family == "features":
        pred_eval, pred_train = _feature_fits(x, x_eval, y, pts, ridge, w, u, sizes, n)
    elif family == "knn":
        both = jnp.concatenate([jnp.broadcast_to(x_eval, (x.shape[0], x_eval.shape[0])), x],
                               axis=1)
        pred = jax.vmap(lambda xt, yt, xe: knn_predict(xt, yt, xe, sizes, pts).T)(x, y, both)
        pred_eval, pred_train = pred[:, :x_eval.shape[0]], pred[:, x_eval.shape[0]:]
    else:  # network
        pred_eval, pred_train = _network_fits(init, x, y, x_eval, pts, ridge, lr, widths,
                                              steps)
    return _summarise(pred_eval, pred_train, y, f_test, y_test, f_test.shape[0], sets,
                      pts) + (y,)


def _pad(a: np.ndarray, size: int, axis: int) -> np.ndarray:
    """``a`` extended to ``size`` along ``axis`` by repeating its first entry there (the
    padding is masked; copies keep every fit finite)."""
    extra = size - a.shape[axis]
    if extra == 0:
        return a
    first = np.take(a, [0], axis=axis)
    return np.concatenate([a, np.repeat(first, extra, axis=axis)], axis=axis)


def decompose(family: str, data: Data, noise: float, capacities=None, ridge: float = 0.0,
              seed: int = 0, steps: int = NETWORK_STEPS, lr: float = NETWORK_LR,
              pad: bool = True) -> Decomposition:
    """Fit ``family`` at every capacity to every set of ``data``: the decomposition.

    Args:
        family: a key of ``FAMILIES``; data: from ``make_data``; noise: σ ≥ 0 (the
        targets are f + σ·eps); capacities: ints (default ``default_capacities``);
        ridge: λ ≥ 0 (poly, features, network); seed: the random features' and the
        network's initialisation; steps, lr: the network's Adam steps and α; pad: pad
        n, M and the capacities to their buckets (``N_BUCKETS``, ``M_BUCKETS``,
        ``CAPACITY_BUCKETS``; the same numbers, fewer compilations), else exact shapes.
    Returns:
        a ``Decomposition`` (NumPy arrays, finite for finite input).
    Raises:
        BiasVarianceError: unknown family, capacities out of bounds, a negative or
            non-finite σ, λ or α.
    """
    sets, n = data.x.shape
    capacities = check_capacities(family, default_capacities(family, n)
                                  if capacities is None else capacities, n)
    for name, value in (("noise", noise), ("ridge", ridge), ("lr", lr)):
        if not (np.isfinite(value) and value >= 0):
            raise BiasVarianceError("bad_number", name=name, value=value)
    n_pad = bucket(n, N_BUCKETS) if pad else n
    m_pad = bucket(sets, M_BUCKETS) if pad else sets
    count = len(capacities)
    c_pad = (bucket(count, CAPACITY_BUCKETS[family]) if pad and family in CAPACITY_BUCKETS
             else count)
    # Capacities as prefix sizes (a degree d has d + 1 coefficients), sorted, padded in
    # front with copies of the smallest (their results are dropped).
    sizes = np.asarray(capacities, np.int64) + (1 if family == "poly" else 0)
    sizes = np.concatenate([np.full(c_pad - count, sizes[0]), sizes])
    width = FEATURES_PER_POINT * n_pad
    if family == "features":
        w, u = random_features(data.x, seed)
        w = _pad(np.pad(w, ((0, 0), (0, width - w.shape[1]))), m_pad, 0)
        u = _pad(np.pad(u, ((0, 0), (0, width - u.shape[1])), constant_values=2.0), m_pad, 0)
    else:
        w = u = np.zeros((m_pad, 1))
    widths = capacities if family == "network" else ()
    init = network_init(seed, max(p for p, _ in width_buckets(capacities))
                        if family == "network" else 1)
    x_eval = np.concatenate([data.x_test, data.grid])
    points = lambda a: _pad(_pad(a, n_pad, 1), m_pad, 0)
    out = _decompose(family, widths, int(steps) if family == "network" else 0,
                     points(data.x), points(data.eps), points(data.f_train), x_eval,
                     data.f_test, _pad(data.eps_test, m_pad, 0),
                     (np.arange(m_pad) < sets).astype(float), (np.arange(n_pad) < n).astype(float),
                     float(noise), float(ridge), float(lr), sizes, w, u, init)
    bias2, variance, test_error, train_error, fits, y = (np.asarray(o) for o in out)
    keep = slice(c_pad - count, c_pad)  # the padding is in front
    bias2, variance, test_error, train_error = (a[keep] for a in (bias2, variance,
                                                                  test_error, train_error))
    fits, y = fits[keep, :sets], y[:sets, :n]
    noise2 = float(noise) ** 2
    return Decomposition(family, capacities, bias2, variance, noise2,
                         bias2 + variance + noise2, test_error, train_error, fits,
                         fits.mean(axis=1), y, float(ridge))


def compilations() -> int:
    """How many programs the jitted core holds (a test counts recompilations)."""
    return _decompose._cache_size()


# -- reading the numbers ----------------------------------------------------------------

#: ``reading``'s "unstable": fits whose variance is over this many times the training
#: targets' own (f + noise) swing far outside the data ...
WILD = 10.0
#: ... unless past p = n bias² + variance comes back under this many times the targets'
#: variance (double descent: the peak's wild fits are the lesson, not a fault).
DESCENT = 2.0


def reading(result: Decomposition, index: int, n: int) -> str:
    """A plain-language verdict at capacity ``result.capacities[index]``: a
    ``bv.reading.*`` key.

    ``unstable``: random features with λ = 0 whose fits swing far outside the data
    (variance over ``WILD`` times the training targets' variance) where bias² + variance
    past p = n does not come back under ``DESCENT`` times that variance (inputs uniform at
    random: some sets have two inputs almost together or a wide empty stretch, at every
    p), so that neither "more capacity helps" nor "fitted exactly and smoother" is true.
    ``past_threshold``: random features with p > n, fitted with λ = 0 (minimum norm:
    every set interpolated); ``past_threshold_ridge`` the same with λ > 0 (ridge fits,
    which do not interpolate).  ``near_best``: bias² + variance (as shown, ``as_shown``)
    within 10 % (and 0.01) of its minimum over the capacities, unless bias² there
    exceeds both the variance and the noise σ² (the best capacity still under-fits):
    then ``high_bias_ridge`` where a ridge λ > 0 holds every fit back, else
    ``high_bias``.  Otherwise, when bias² exceeds the variance, ``high_bias`` (or
    ``bias_yet_less`` where the lowest bias² + variance is at less capacity: degree 20
    on 5 points, whose minimum-norm fits miss more as the degree grows, read "more
    capacity would help"), else
    ``high_variance`` (``high_variance_knn`` for k-NN, which has no λ and whose
    capacity falls as k grows; ``high_bias_knn`` likewise), or ``variance_yet_falling``
    where the variance exceeds bias² but bias² + variance is lowest at more capacity
    (``first_best``: random features at p = 4 on 20 points, lowest at 9, read "less
    capacity would help"), or ``near_threshold`` for random features at n/2 < p < n
    (``at_threshold`` at p = n) when a capacity past n has a lower bias² + variance
    (double descent: more capacity helps there too, which the plain advice of less
    capacity left out).
    """
    shown = as_shown(result)
    bias2, variance = float(shown.bias2[index]), float(shown.variance[index])
    reducible = shown.bias2 + np.asarray(shown.variance)
    past = np.asarray(result.capacities) > n
    spread = float(np.var(result.y))  # the training targets' own: f's and the noise's
    descends = bool(past.any() and float(np.min(reducible[past])) <= DESCENT * spread)
    if (result.family == "features" and result.ridge == 0 and not descends
            and variance > WILD * spread):
        return "unstable"
    if result.family == "features" and result.capacities[index] > n:
        return "past_threshold" if result.ridge == 0 else "past_threshold_ridge"
    if reducible[index] <= 1.1 * float(np.min(reducible)) + 0.01:
        if bias2 <= max(variance, float(result.noise)):
            return "near_best"
        return ("high_bias_ridge" if FAMILIES[result.family].ridge and result.ridge > 0
                else "high_bias")
    grows = FAMILIES[result.family].grows
    best = result.capacities[first_best(result, n)]
    here = result.capacities[index]
    if bias2 > variance:
        if (best < here) if grows else (best > here):  # less capacity does better
            return "bias_yet_less"
        return "high_bias" if grows else "high_bias_knn"
    if (result.family == "features" and past.any() and 2 * result.capacities[index] > n
            and float(np.min(reducible[past])) < reducible[index]):
        return "at_threshold" if result.capacities[index] == n else "near_threshold"
    if (best > here) if grows else (best < here):  # the error still falls with capacity
        return "variance_yet_falling"
    if not FAMILIES[result.family].ridge:  # k-NN: no λ to advise
        return "high_variance_knn"
    return "high_variance"


def first_best(result: Decomposition, n: int) -> int:
    """The index of the capacity with the lowest bias² + variance (as shown) on the
    classic U: for random features, among p ≤ n (past the threshold is another descent).
    """
    shown = as_shown(result)
    reducible = np.asarray(shown.bias2) + np.asarray(shown.variance)
    capacities = np.asarray(result.capacities)
    first = capacities <= n if result.family == "features" else np.ones(len(capacities), bool)
    if not first.any():
        first[:] = True
    where = np.flatnonzero(first)
    return int(where[np.argmin(reducible[where])])


def definitions_parts(labels: Mapping[str, str] = TERM_LABELS) -> list[str]:
    """``DEFINITIONS_PARTS`` (LaTeX), the terms named by ``labels`` (plain text, no
    LaTeX)."""
    return [part.format(variance_label=labels["variance"], bias_label=labels["bias"])
            for part in DEFINITIONS_PARTS]


def definitions_latex(labels: Mapping[str, str] = TERM_LABELS) -> str:
    """The definitions (``definitions_parts``) as one display-style formula, a comma and
    a quad between them."""
    return r"\displaystyle " + r",\quad ".join(definitions_parts(labels))


def decomposition_latex(result: Decomposition, index: int, significant: int = 3,
                        labels: Mapping[str, str] = TERM_LABELS) -> str:
    """``DECOMPOSITION`` with the numbers at capacity index ``index`` (LaTeX): each named
    number under a brace with its name (``labels``: ``TERM_LABELS``' keys; plain text,
    no LaTeX), σ² under its own, the sum bare.  The squares' 2 at the names' size
    (\\scriptstyle), not a size smaller: in lecture mode every text is ≥ 20 px."""
    result = as_shown(result)
    two = r"^{\scriptstyle 2}"
    parts = []
    for term in DECOMPOSITION:
        value = getattr(result, term.field)
        number = latex_number(float(value if term.field == "noise" else value[index]),
                              significant)
        if term.field == "total":
            parts.append(f"{term.sign} {number}")
            continue
        name = (rf"\text{{{labels[term.label]}}}" if term.label is not None else r"\sigma")
        under = name + (two if term.squared else "")
        sign = {"≈": r"\approx ", "+": "+ ", "": ""}[term.sign]
        parts.append(rf"{sign}\underbrace{{{number}}}_{{{under}}}")
    return " ".join(parts)
