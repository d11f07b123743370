"""The bias–variance numerics against independent oracles.

Oracles: ``numpy.polynomial.legendre.legfit`` and ``numpy.linalg.lstsq`` per training
set (the vmapped, nested QR solver checked against plain per-set solves), a plain loop
with ``numpy.argsort`` for k-NN, PyTorch float64 Adam training each set alone for the
network, the closed-form OLS variance σ² φ(x)ᵀ(ΦᵀΦ)⁻¹φ(x), and the Monte-Carlo error of
the measured test error for the decomposition.
"""

import math

import numpy as np
import numpy.polynomial.legendre as npleg
import pytest
import torch

from playground.numerics import biasvariance as bv
from playground.text import tr


def _y(data, noise):
    return data.f_train + noise * data.eps


def _fit_close(ours, oracle, scale):
    # fits agree to 1e-6 of their size (the solvers round differently)
    np.testing.assert_allclose(ours, oracle, rtol=0, atol=1e-6 * scale)


@pytest.fixture(scope="module")
def small():
    return bv.make_data("sin", 20, 6, seed=3)


def test_polynomial_fits_equal_legfit_per_set(small):
    r = bv.decompose("poly", small, 0.3, capacities=range(0, 13))
    y = _y(small, 0.3)
    for c, d in enumerate(r.capacities):
        for m in range(6):
            coef = npleg.legfit(2 * small.x[m] - 1, y[m], d)
            _fit_close(r.fits[c, m], npleg.legval(2 * small.grid - 1, coef), 1.0)


def test_polynomial_with_more_coefficients_than_points_is_minimum_norm():
    data = bv.make_data("cubic", 8, 4, seed=1)
    r = bv.decompose("poly", data, 0.2, capacities=range(5, 16))
    y = _y(data, 0.2)
    for c, d in enumerate(r.capacities):
        for m in range(4):
            v = npleg.legvander(2 * data.x[m] - 1, d)
            coef = np.linalg.lstsq(v, y[m], rcond=None)[0]
            fit = npleg.legvander(2 * data.grid - 1, d) @ coef
            np.testing.assert_allclose(r.fits[c, m], fit, atol=1e-5 * np.abs(fit).max())


def _features(data, seed, m, p, z):
    w, u = bv.random_features(data.x, seed)
    return np.maximum(0, w[m, :p] * (z[:, None] - u[m, :p]))


@pytest.mark.parametrize("family, lam", [("poly", 0.05), ("features", 0.05),
                                         ("poly", 0.0)])
def test_ridge_equals_lstsq_of_the_stacked_system(small, family, lam):
    # λ = 0 past degree 12 is ill-conditioned (the other tests cover it)
    caps = (range(0, 21 if lam else 13) if family == "poly"
            else (1, 5, 19, 20, 21, 40, 100))
    r = bv.decompose(family, small, 0.3, capacities=caps, ridge=lam, seed=2)
    y = _y(small, 0.3)
    for c, cap in enumerate(r.capacities):
        for m in range(6):
            if family == "poly":
                phi, grid = (npleg.legvander(2 * z - 1, cap) for z in (small.x[m], small.grid))
            else:
                phi, grid = (_features(small, 2, m, cap, z) for z in (small.x[m], small.grid))
            stacked = np.vstack([phi, math.sqrt(lam) * np.eye(phi.shape[1])])
            coef = np.linalg.lstsq(stacked, np.r_[y[m], np.zeros(phi.shape[1])], rcond=None)[0]
            _fit_close(r.fits[c, m], grid @ coef, max(1.0, np.abs(grid @ coef).max()))


def test_random_features_have_rank_min_p_n():
    """Every set's first p features have rank min(p, n): full column rank up to the
    interpolation threshold p = n, full row rank past it."""
    data = bv.make_data("sin", 15, 20, seed=11)
    w, u = bv.random_features(data.x, 11)
    assert w.shape == u.shape == (20, 75) and (w >= 0).all()
    for m in range(20):
        for p in (1, 7, 14, 15, 16, 30, 75):
            phi = np.maximum(0, w[m, :p] * (data.x[m][:, None] - u[m, :p]))
            s = np.linalg.svd(phi, compute_uv=False)
            assert (s > 1e-9 * s[0]).sum() == min(p, 15), (m, p)
    # seeded and prefix-stable in M
    again = bv.random_features(data.x[:5], 11)
    np.testing.assert_array_equal(again[0], w[:5])
    np.testing.assert_array_equal(again[1], u[:5])


@pytest.mark.parametrize("n", [6, 20])
def test_random_features_are_minimum_norm_least_squares(n):
    """λ = 0 is minimum-norm least squares, against ``numpy.linalg.pinv`` on every set and
    every p, below, at and past the interpolation threshold p = n.  Past n the kernel
    form squares Φ_p's condition number κ: the fits agree to κ²ε of their size."""
    data = bv.make_data("sin", n, 12, seed=4)
    caps = tuple(sorted({1, 2, n // 2, n - 1, n, n + 1, n + 3, 2 * n, 3 * n, 5 * n}))
    r = bv.decompose("features", data, 0.3, capacities=caps, seed=4)
    y = _y(data, 0.3)
    for c, p in enumerate(caps):
        for m in range(12):
            phi = _features(data, 4, m, p, data.x[m])
            s = np.linalg.svd(phi, compute_uv=False)
            kappa = s[0] / s[min(n, p) - 1]
            fit = _features(data, 4, m, p, data.grid) @ (np.linalg.pinv(phi, rcond=1e-15) @ y[m])
            tol = max(1e-7, 1e3 * kappa**2 * np.finfo(float).eps)
            np.testing.assert_allclose(r.fits[c, m], fit, rtol=0,
                                       atol=tol * max(1, np.abs(fit).max()), err_msg=f"{p} {m}")


def test_knn_equals_a_loop_with_argsort(small):
    ks = (1, 2, 3, 7, 20, 35)  # 35 > n: every point
    r = bv.decompose("knn", small, 0.3, capacities=ks)
    y = _y(small, 0.3)
    for m in range(6):
        for g, x0 in enumerate(small.grid):
            order = np.argsort(np.abs(x0 - small.x[m]), kind="stable")
            for c, k in enumerate(ks):
                assert r.fits[c, m, g] == pytest.approx(y[m][order[:min(k, 20)]].mean(),
                                                        abs=1e-12)
    # k = 1 reproduces every training target: zero training error
    assert r.train_error[0] == pytest.approx(0, abs=1e-20)


def _torch_train(init, x, y, lam, lr, steps):
    """One set, one width, PyTorch float64 Adam on Σ(f − y)² + λ(‖a‖² + ‖v‖²)."""
    a, b, v = (torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in init)
    c = torch.zeros((), dtype=torch.float64, requires_grad=True)
    xs, ys = torch.tensor(x), torch.tensor(y)
    optimiser = torch.optim.Adam([a, b, v, c], lr=lr)
    for _ in range(steps):
        optimiser.zero_grad()
        f = torch.tanh((2 * xs[:, None] - 1) * a + b) @ v + c
        loss = ((f - ys) ** 2).sum() + lam * ((a * a).sum() + (v * v).sum())
        loss.backward()
        optimiser.step()
    with torch.no_grad():
        return a.numpy(), b.numpy(), v.numpy(), float(c)


def test_network_family_equals_training_each_set_alone():
    data = bv.make_data("sin", 12, 3, seed=5)
    widths, steps, lam, lr = (2, 5, 20), 60, 0.01, 0.03
    r = bv.decompose("network", data, 0.2, capacities=widths, ridge=lam, seed=6,
                     steps=steps, lr=lr)
    y = _y(data, 0.2)
    for c, h in enumerate(widths):
        first = bv.network_init(6, h)
        init = (first.a, first.b, first.v / math.sqrt(h))
        for m in range(3):
            a, b, v, c0 = _torch_train(init, data.x[m], y[m], lam, lr, steps)
            fit = np.tanh((2 * data.grid[:, None] - 1) * a + b) @ v + c0
            np.testing.assert_allclose(r.fits[c, m], fit, atol=1e-8)


def test_the_network_familys_note_says_what_its_training_time_does():
    """``bv.family.network.note``: on the lab's data (40 sets here, not 100), past a few
    units the test error is nearly flat, the training error stays well above 0, and 8
    times the steps make the variance at h = 32 about 3 times as large."""
    d = bv.DEFAULT_SETTINGS
    data = bv.make_data(d["truth"], d["n"], 40, d["seed"], inputs=d["inputs"])
    noise = d["noise"]
    short = bv.decompose("network", data, noise, capacities=(8, 32, 256))
    long = bv.decompose("network", data, noise, capacities=(32,),
                        steps=8 * bv.NETWORK_STEPS)
    assert np.ptp(short.test_error) < 0.1 * noise**2 * 4  # flat: within 0.036 of each other
    assert short.train_error.min() > noise**2 / 4  # well above 0 (σ² = 0.09)
    assert long.train_error[0] < short.train_error[1] / 3  # longer: the noise is fitted
    assert 2 <= long.variance[0] / short.variance[1] <= 4.5
    note = tr("bv.family.network.note")
    assert "8 times" in note and "about 3 times" in note and "h = 32" in note


@pytest.mark.parametrize("family", ["poly", "knn", "features", "network"])
def test_bias2_variance_noise_add_up_to_the_measured_test_error(family):
    noise = 0.4
    data = bv.make_data("sin", 20, 60 if family == "network" else 300, seed=7)
    caps = {"poly": range(0, 8), "knn": (1, 3, 9, 20), "features": (2, 10, 40, 100),
            "network": (2, 8)}[family]
    r = bv.decompose(family, data, noise, capacities=caps, ridge=0.01, steps=150)
    # The measured error differs from the sum by the test noise's sample mean:
    # mean(ε'² − σ²) − 2 mean((f_m − f) ε'), with variance (2σ⁴ + 4σ² E(f_m − f)²) / (M T).
    cells = data.eps_test.size
    sd = np.sqrt((2 * noise**4 + 4 * noise**2 * (r.bias2 + r.variance)) / cells)
    np.testing.assert_array_less(np.abs(r.test_error - r.total), 4 * sd)
    np.testing.assert_allclose(r.total, r.bias2 + r.variance + noise**2)


def test_ols_variance_matches_the_closed_form():
    """Fixed inputs: Var f̂(x) = σ² φ(x)ᵀ(ΦᵀΦ)⁻¹φ(x)."""
    base = bv.make_data("sin", 15, 2, seed=8)
    x = np.tile(base.x[0], (3000, 1))  # one set of inputs, 3000 draws of the noise
    eps = np.random.default_rng(0).standard_normal(x.shape)
    data = base._replace(x=x, eps=eps, f_train=np.sin(2 * np.pi * x),
                         eps_test=np.zeros((3000, len(base.x_test))))
    noise, d = 0.5, 4
    r = bv.decompose("poly", data, noise, capacities=(d,))
    measured = r.fits[0].var(axis=0)
    phi = npleg.legvander(2 * base.x[0] - 1, d)
    at = npleg.legvander(2 * data.grid - 1, d)
    closed = noise**2 * np.einsum("gi,ij,gj->g", at, np.linalg.inv(phi.T @ phi), at)
    # a variance from M samples has relative s.d. √(2/M) ≈ 2.6 %
    np.testing.assert_allclose(measured, closed, rtol=0.12)


def test_double_descent_peaks_at_the_interpolation_threshold_and_ridge_lowers_it():
    """Seeded: n = 20 points, σ = 0.3, M = 100.  In 1-D the random ReLU features' rank on
    n points reaches n at p = n or a little later, so the peak sits in n ≤ p ≤ 1.5n (here
    at p = 21); it is thousands of times the best error and falls again beyond it."""
    n = 20
    data = bv.make_data("sin", n, 100, seed=0)
    plain = bv.decompose("features", data, 0.3)
    caps = np.array(plain.capacities)
    peak = caps[plain.test_error.argmax()]
    assert n <= peak <= 1.5 * n
    top = plain.test_error.max()
    assert plain.test_error[caps == n][0] > 1000 * plain.test_error.min()
    # descent on both sides: far below the peak with few features and with 5n of them
    assert plain.test_error[caps == 5][0] < top / 1000
    assert plain.test_error[-1] < top / 10
    ridged = bv.decompose("features", data, 0.3, ridge=1e-2)
    assert ridged.test_error.max() < top / 1000
    assert ridged.test_error[caps == n][0] < plain.test_error[caps == n][0] / 100


@pytest.mark.parametrize("n, seeds", [(20, range(8)), (12, range(4)), (40, range(4))])
def test_double_descent_peaks_at_p_equals_n_on_every_seed(n, seeds):
    """Not one lucky seed: on every seed the measured test error of the random features
    peaks at the interpolation threshold (within n ≤ p ≤ n + n/10), thousands of times
    its minimum, and λ = 10⁻² takes the peak down a hundredfold at least."""
    for seed in seeds:
        data = bv.make_data("sin", n, 100, seed=seed)
        plain = bv.decompose("features", data, 0.3, seed=seed)
        caps = np.array(plain.capacities)
        peak = caps[plain.test_error.argmax()]
        assert n <= peak <= n + max(1, n // 10), (seed, peak)
        top = plain.test_error.max()
        assert top > 1000 * plain.test_error.min(), seed
        # the second descent, at p = 5n (weaker with few points: 60 features for n = 12)
        assert plain.test_error[-1] < top / (10 if n >= 20 else 3), seed
        ridged = bv.decompose("features", data, 0.3, ridge=1e-2, seed=seed)
        assert ridged.test_error.max() < top / 100, seed


def test_spread_inputs_are_one_in_each_nth_of_the_interval():
    """``inputs="spread"``: input i of every set lies in [i/n, (i + 1)/n), at least
    (1 − SPREAD_JITTER)/(2n) inside it; seeded; the noise and the test set are the
    uniform design's draws (only the inputs differ)."""
    n, sets = 20, 50
    spread = bv.make_data("sin", n, sets, seed=4, inputs="spread")
    uniform = bv.make_data("sin", n, sets, seed=4)
    margin = (1 - bv.SPREAD_JITTER) / (2 * n)
    low = np.arange(n) / n
    assert np.all(spread.x >= low + margin - 1e-15)
    assert np.all(spread.x <= low + 1 / n - margin + 1e-15)
    assert np.diff(spread.x, axis=1).min() >= 2 * margin - 1e-15
    assert np.diff(np.sort(uniform.x, axis=1), axis=1).min() < 1e-4  # what spread avoids
    np.testing.assert_array_equal(spread.eps, uniform.eps)
    np.testing.assert_array_equal(spread.x_test, uniform.x_test)
    np.testing.assert_allclose(spread.f_train, np.sin(2 * np.pi * spread.x))
    again = bv.make_data("sin", n, sets, seed=4, inputs="spread")
    np.testing.assert_array_equal(spread.x, again.x)
    with pytest.raises(bv.BiasVarianceError):
        bv.make_data("sin", n, sets, inputs="grid")


@pytest.mark.parametrize("seed", range(4))
def test_double_descent_with_spread_inputs_is_the_textbook_curve(seed):
    """The lab's default design (spread inputs), n = 20, M = 100: the U-curve, the peak
    at p = n exactly, over five times the U's minimum, then a second descent back to the
    U's minimum (σ = 0.3) or below it (σ = 0.1: more features beat the best small model);
    λ = 10⁻³ flattens the peak.  With uniform inputs the average past p = n is dominated
    by the few sets with two inputs almost together (the test above: thousands of times)."""
    n = 20
    data = bv.make_data("sin", n, 100, seed=seed, inputs="spread")
    for noise, back in ((0.3, 1.5), (0.1, 0.9)):
        plain = bv.decompose("features", data, noise, seed=seed)
        caps, error = np.array(plain.capacities), plain.test_error
        first = error[caps < n].min()
        past_half = caps >= n // 2
        assert caps[past_half][error[past_half].argmax()] == n, (noise, error)
        assert error[caps == n][0] > 5 * first, noise
        assert error[-1] < back * first, (noise, error[-1], first)
        ridged = bv.decompose("features", data, noise, ridge=1e-3, seed=seed)
        assert ridged.test_error[caps == n][0] < error[caps == n][0] / 4, noise


@pytest.mark.parametrize("family", ["poly", "knn", "features", "network"])
def test_padded_shapes_give_the_unpadded_numbers(family):
    """n = 17 → 20 points and M = 45 → 50 sets (masked): the same numbers as the exact
    shapes, to 1e-9.  At λ = 0 the ill-conditioned capacities (polynomial degree > 10,
    random features from p = n/2 on, where κ reaches 1e6 … 1e12) amplify the rounding of a
    different summation order (past n the kernel form squares κ), so there they are
    compared to 1e-2 only."""
    n = 17
    data = bv.make_data("cubic", n, 45 if family != "network" else 5, seed=2)
    extra = {"capacities": (2, 5), "steps": 30} if family == "network" else {}
    for ridge in (0.0, 0.1):
        padded = bv.decompose(family, data, 0.3, ridge=ridge, seed=2, **extra)
        exact = bv.decompose(family, data, 0.3, ridge=ridge, seed=2, pad=False, **extra)
        assert padded.capacities == exact.capacities
        caps = np.array(exact.capacities)
        shaky = np.zeros(len(caps), bool)
        if ridge == 0 and family == "poly":
            shaky = caps > 10
        if ridge == 0 and family == "features":
            shaky = caps > n // 2
        assert (~shaky).sum() >= len(caps) // 4
        for name in ("bias2", "variance", "test_error", "train_error", "fits"):
            a, b = getattr(padded, name), getattr(exact, name)
            assert a.shape == b.shape, name
            np.testing.assert_allclose(a[~shaky], b[~shaky], rtol=1e-9, atol=1e-12,
                                       err_msg=name)
            if name == "fits":  # each fit to 1e-2 of its largest value
                scale = np.abs(b[shaky]).max(axis=-1, keepdims=True)
                assert (np.abs(a[shaky] - b[shaky]) <= 1e-2 * scale + 1e-9).all()
            else:
                # training error past n: 0 up to rounding (≤ 1e-7, against σ² = 0.09)
                np.testing.assert_allclose(a[shaky], b[shaky], rtol=1e-2, atol=1e-6,
                                           err_msg=name)
        np.testing.assert_array_equal(padded.y, exact.y)


def test_n_and_m_within_a_bucket_do_not_recompile():
    """n = 17 … 20 share one padded shape (20 points), M = 33 … 50 another (50 sets), and
    the capacity lists their bucket: moving the n or M slider compiles nothing new."""
    for family in ("poly", "knn", "features"):
        bv.decompose(family, bv.make_data("sin", 17, 33, seed=0), 0.3)
        before = bv.compilations()
        for n, m in ((18, 40), (20, 50), (19, 35), (17, 49)):
            bv.decompose(family, bv.make_data("abs", n, m, seed=n), 0.2, ridge=0.01, seed=m)
        assert bv.compilations() == before, family


def test_sliders_do_not_recompile():
    data = bv.make_data("sin", 20, 30, seed=0)
    bv.decompose("poly", data, 0.3)
    before = bv.compilations()
    for noise, ridge, seed, truth in ((0.1, 0.0, 1, "step"), (0.5, 2.0, 2, "abs"),
                                      (0.0, 1e-3, 3, "cubic")):
        again = bv.make_data(truth, 20, 30, seed=seed)
        bv.decompose("poly", again, noise, ridge=ridge, seed=seed)
    assert bv.compilations() == before


def test_seeded_data_keep_their_first_sets():
    small, large = bv.make_data("sin", 10, 3, seed=9), bv.make_data("sin", 10, 8, seed=9)
    np.testing.assert_array_equal(small.x, large.x[:3])
    np.testing.assert_array_equal(small.eps, large.eps[:3])
    np.testing.assert_array_equal(small.x_test, large.x_test)


@pytest.mark.parametrize("call, code", [
    (lambda: bv.make_data("nope", 20, 10), "unknown_truth"),
    (lambda: bv.make_data("sin", 4, 10), "out_of_bounds"),
    (lambda: bv.make_data("sin", 20, 501), "out_of_bounds"),
    (lambda: bv.make_data("sin", 20, 1), "out_of_bounds"),  # M = 1: no variance to estimate
    (lambda: bv.decompose("poly", bv.make_data("sin", 10, 2), 0.1, capacities=[21]),
     "out_of_bounds"),
    (lambda: bv.decompose("features", bv.make_data("sin", 10, 2), 0.1, capacities=[51]),
     "out_of_bounds"),
    (lambda: bv.decompose("poly", bv.make_data("sin", 10, 2), -0.1), "bad_number"),
    (lambda: bv.decompose("poly", bv.make_data("sin", 10, 2), 0.1, ridge=math.nan),
     "bad_number"),
    (lambda: bv.decompose("trees", bv.make_data("sin", 10, 2), 0.1), "unknown_family"),
])
def test_bad_settings_raise_with_a_code(call, code):
    with pytest.raises(bv.BiasVarianceError) as e:
        call()
    assert e.value.code == code


def test_reading_and_formula():
    data = bv.make_data("sin", 20, 100, seed=0)
    r = bv.decompose("poly", data, 0.3)
    assert bv.reading(r, 0, 20) == "high_bias"  # a constant for a sine
    best = int(np.argmin(r.total))
    assert bv.reading(r, best, 20) == "near_best"
    assert bv.reading(r, 15, 20) == "high_variance"
    spread = bv.make_data("sin", 20, 100, seed=0, inputs="spread")  # (uniform: unstable)
    f = bv.reading(bv.decompose("features", spread, 0.3, capacities=(10, 30)), 1, 20)
    assert f == "past_threshold"
    latex = bv.decomposition_latex(r, 3)
    assert f"{r.bias2[3]:.3g}" in latex and f"{r.test_error[3]:.3g}" in latex
    assert "0.09" in latex  # σ² = 0.3²


@pytest.mark.parametrize("family", ["poly", "knn"])
def test_the_definitions_on_screen_are_what_is_computed(family):
    """The page's ``definitions_latex``: variance = ⟨1/(M−1) Σ_m (f_m − f̄)²⟩ₓ and bias² =
    ⟨(f̄ − f)²⟩ₓ − variance/M, f̄ = (1/M) Σ_m f_m, evaluated here in NumPy from the fits
    at the test inputs (the grid made the test set), against the lab's numbers."""
    base = bv.make_data("sin", 12, 7, seed=6, inputs="spread")
    data = base._replace(x_test=base.grid, f_test=base.f_grid,
                         eps_test=np.zeros((7, len(base.grid))))
    r = bv.decompose(family, data, 0.3, capacities=(1, 3, 6))
    fits = np.asarray(r.fits, float)  # (C, M, x)
    mean = fits.mean(axis=1)
    variance = ((fits - mean[:, None]) ** 2).sum(axis=1).mean(axis=1) / (7 - 1)
    bias2 = ((mean - base.f_grid) ** 2).mean(axis=1) - variance / 7
    np.testing.assert_allclose(r.variance, variance, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(r.bias2, bias2, rtol=1e-9, atol=1e-12)
    latex = bv.definitions_latex()
    assert r"\frac{1}{M-1} \sum_m (f_m(x) - \bar f(x))^2" in latex
    assert r"\text{bias}^2 = \left\langle (\bar f(x) - f(x))^2 \right\rangle_x - " \
           r"\frac{\text{variance}}{M}" in latex


def test_at_the_threshold_the_reading_says_more_capacity_helps_too():
    """Random features at p = n = 20 (the double-descent link): high variance, and past
    n the error falls below it, so the reading says that more capacity helps as well
    (it gave only "less capacity, more data or a larger λ", against the chart beside it).
    Polynomials at high variance keep the plain advice."""
    data = bv.make_data("sin", 20, 100, seed=0, inputs="spread")
    r = bv.decompose("features", data, 0.1, capacities=(5, 20, 100))
    assert r.variance[1] > r.bias2[1] and r.total[2] < r.total[1]
    assert bv.reading(r, 1, 20) == "at_threshold"  # p = n = 20, not "p = 20 ≤ n = 20"
    assert bv.reading(r, 2, 20) == "past_threshold"
    r = bv.decompose("features", data, 0.1, capacities=(5, 19, 100))
    assert bv.reading(r, 1, 20) == "near_threshold"
    assert "p = 19 < n = 20" in tr("bv.reading.near_threshold", "en", value=19, n=20)
    for lang in ("en", "zh"):
        assert "p = n = 20" in tr("bv.reading.at_threshold", lang, n=20)
    assert bv.reading(bv.decompose("poly", data, 0.3), 15, 20) == "high_variance"


def test_random_features_on_uniform_inputs_read_as_unstable_not_as_double_descent():
    """Inputs uniform at random: some sets have two inputs almost together or a wide empty
    stretch, and the fits swing far outside the data below p = n too (variance 7 at p = 4,
    500 at p = 13, thousands past n, against the targets' 0.6): the reading said "more
    capacity would help" and, past n, "fitted exactly … smoother".  It says "unstable";
    spread inputs keep double descent's readings (their peak comes back down), and so does
    λ > 0, which tames the swings."""
    caps = (1, 4, 13, 20, 42, 100)
    uniform = bv.make_data("sin", 20, 100, seed=0, inputs="uniform")
    r = bv.decompose("features", uniform, 0.3, capacities=caps)
    assert r.variance[2] > 10 * np.var(r.y) and min(r.variance[4:]) > 10 * np.var(r.y)
    assert [bv.reading(r, i, 20) for i in (2, 3, 4)] == ["unstable"] * 3
    r = bv.decompose("features", uniform, 0.3, capacities=caps, ridge=0.01)
    assert "unstable" not in [bv.reading(r, i, 20) for i in range(len(caps))]
    spread = bv.make_data("sin", 20, 100, seed=0, inputs="spread")
    for noise in (0.3, 1.0):
        r = bv.decompose("features", spread, noise, capacities=caps)
        assert [bv.reading(r, i, 20) for i in (3, 4)] == ["at_threshold", "past_threshold"]
    # Far below n the fits need not pass through the points: no "near the threshold".
    assert bv.reading(bv.decompose("features", spread, 0.3, capacities=(4, 8, 20, 42)),
                      0, 20) != "near_threshold"
    for lang in ("en", "zh"):
        assert "p = 13" in tr("bv.reading.unstable", lang, value=13, n=20)


def test_a_large_ridge_under_fits_at_every_capacity_and_the_reading_says_so():
    """λ = 10: every fit is held flat (bias² > 2σ² > 2 × variance from d = 3 on); near the
    best capacity the reading names the bias and the λ, not "near the best"."""
    data = bv.make_data("sin", 20, 100, seed=0, inputs="spread")
    r = bv.decompose("poly", data, 0.3, ridge=10.0)
    best = int(np.argmin(bv.resolved_bias2(r) + r.variance))
    assert r.bias2[best] > 2 * r.noise > 2 * r.variance[best]
    assert bv.reading(r, best, 20) == "high_bias_ridge"
    assert bv.reading(bv.decompose("poly", data, 0.3), 3, 20) == "near_best"  # λ = 0


def test_past_the_threshold_with_a_ridge_the_sets_are_not_fitted_exactly():
    """The reading says every set is fitted exactly only where it is: λ = 0 (minimum
    norm; training error 0), not with λ > 0 (ridge; training error well above 0)."""
    data = bv.make_data("sin", 20, 20, seed=0, inputs="spread")  # (uniform: unstable)
    exact = bv.decompose("features", data, 0.3, capacities=(40, 100))
    ridge = bv.decompose("features", data, 0.3, capacities=(40, 100), ridge=1.0)
    assert np.all(exact.train_error < 1e-6) and np.all(ridge.train_error > 0.1)
    assert [bv.reading(exact, i, 20) for i in range(2)] == ["past_threshold"] * 2
    assert [bv.reading(ridge, i, 20) for i in range(2)] == ["past_threshold_ridge"] * 2


def test_near_the_best_capacity_is_about_bias2_plus_variance_not_the_noise():
    """"bias² + variance is close to its minimum" (the reading's words): at d = 6 of the
    lab's default data bias² + variance is 1.7 × its minimum (d = 3), though the test
    error, which adds σ² = 0.09 to both, is within 15 % of its own."""
    data = bv.make_data("sin", 20, 100, seed=0, inputs="spread")
    r = bv.decompose("poly", data, 0.3)
    reducible = bv.resolved_bias2(r) + r.variance
    assert int(np.argmin(reducible)) == 3 and bv.reading(r, 3, 20) == "near_best"
    assert reducible[6] > 1.5 * reducible[3] and r.total[6] < 1.15 * r.total[3]
    assert bv.reading(r, 6, 20) == "high_variance"  # variance 0.0405 ≫ bias²


def test_k_nn_at_k_1_reads_as_high_variance_without_a_lambda():
    """k-NN has no λ (its note says so): its high-variance reading asks for a larger k or
    more data, not for a λ."""
    data = bv.make_data("sin", 20, 100, seed=0, inputs="spread")
    r = bv.decompose("knn", data, 0.3)
    assert int(r.capacities[0]) == 1 and r.variance[0] > bv.resolved_bias2(r)[0]
    assert bv.reading(r, 0, 20) == "high_variance_knn"
    assert "high_variance" not in {bv.reading(r, i, 20) for i in range(len(r.capacities))}


def test_random_features_finish_with_two_xla_threads():
    """Two XLA threads (``PJRT_NPROC=2``, what a 2-core machine gets unless told): two
    batched LAPACK factorisations that ran at once in the random-features program each
    held one of the pool's two threads, waiting for the other's (jaxlib's
    ``ParallelBatchMap``), and ``decompose`` hung for good (0 % CPU).  The factorisations
    now come one after the other (one pass over the capacities); the app runs with one
    thread, but a notebook on a 2-core machine does not."""
    import os
    import subprocess
    import sys

    code = ("from playground.numerics import biasvariance as bv\n"
            "d = bv.make_data('sin', n=20, datasets=100, seed=0, inputs='spread')\n"
            "r = bv.decompose('features', d, 0.3)\n"
            "print(len(r.capacities))\n")
    env = {**os.environ, "PJRT_NPROC": "2"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.split()[-1]) == len(bv.default_capacities("features", 20))



def test_bias2_is_unbiased_where_the_truth_is_in_the_family():
    """A cubic truth fitted by least squares with degree ≥ 3 has no bias: E[f_D] = f.
    The plug-in ⟨(f̄ − f)²⟩ is then variance/M on average (f̄ averages M noisy fits); the
    estimate shown takes that out, so over many seeds it averages to 0 within its
    sampling error, while the plug-in stays at variance/M."""
    sets, shown, plug_in = 10, [], []
    for seed in range(12):
        data = bv.make_data("cubic", 20, sets, seed, inputs="spread")
        r = bv.decompose("poly", data, 0.5, capacities=(5, 9))
        shown.append(r.bias2)
        plug_in.append(r.bias2 + r.variance / sets)  # what (f̄ − f)² averaged to
    shown, plug_in = np.array(shown), np.array(plug_in)
    error = shown.std(axis=0) / np.sqrt(len(shown))
    assert np.all(np.abs(shown.mean(axis=0)) < 3 * error)
    assert np.all(plug_in.mean(axis=0) > 5 * np.abs(shown.mean(axis=0)))


def test_the_terms_shown_add_up():
    """A bias² of −2.6 shown as 0 left "89.4 ≈ 0 + 91.9 + 0.09 = 89.4" on the page: the
    sum shown is the sum of the terms shown (``as_shown``), in the lab's formula too."""
    data = bv.make_data("sin", 20, 25, 0, inputs="spread")
    r = bv.decompose("poly", data, 0.3, capacities=(3, 15))
    shown = bv.as_shown(r)
    assert r.bias2[1] < 0 and shown.bias2[1] == 0.0  # (this seed's estimate at d = 15)
    np.testing.assert_allclose(shown.total, shown.bias2 + shown.variance + r.noise)
    latex = bv.decomposition_latex(r, 1)
    assert f"= {bv.latex_number(float(shown.total[1]), 3)}" in latex


def test_the_reading_advises_the_way_the_test_error_falls():
    """Random features on 20 spread points (σ = 0.3, the lab's default sets): at p = 4–6
    the variance already exceeds bias², yet bias² + variance keeps falling to p = 9;
    "less capacity would help" (high variance) was the wrong way.  k-NN's high bias at
    a large k asks for a smaller k (its capacity falls as k grows)."""
    spread = bv.make_data("sin", 20, 100, seed=0, inputs="spread")
    r = bv.decompose("features", spread, 0.3)
    caps = list(r.capacities)
    shown = bv.as_shown(r)
    reducible = np.asarray(shown.bias2) + np.asarray(shown.variance)
    best = bv.first_best(r, 20)
    assert caps[best] <= 20 and reducible[best] == min(reducible[i] for i, c in enumerate(caps)
                                                       if c <= 20)
    for p in (4, 5, 6):
        i = caps.index(p)
        assert shown.variance[i] > shown.bias2[i] and caps[best] > p
        assert reducible[i] > reducible[best]
        assert bv.reading(r, i, 20) == "variance_yet_falling", p
    words = tr("bv.reading.variance_yet_falling", "en", symbol="p", value=4, best=caps[best])
    assert f"the test error is lowest at p = {caps[best]}" in words
    knn = bv.decompose("knn", bv.make_data("sin", 20, 100, seed=0), 0.3)
    k = list(knn.capacities)
    high = k.index(max(k))  # k = 20: the mean of every point, a constant for a sine
    assert knn.bias2[high] > knn.variance[high] and bv.reading(knn, high, 20) == "high_bias_knn"
    assert "a smaller k (more capacity)" in tr("bv.reading.high_bias_knn", "en", value=20)


def test_high_bias_where_less_capacity_does_better_does_not_ask_for_more():
    """Degree 20 on 5 noise-free points: bias² above the variance, and both it and the
    test error rise with the degree past 5 (the minimum-norm fits); "more capacity
    would help" (a student's review) was the wrong way."""
    r = bv.decompose("poly", bv.make_data("sin", 5, 100, seed=0), 0.0)
    caps = list(r.capacities)
    shown = bv.as_shown(r)
    reducible = np.asarray(shown.bias2) + np.asarray(shown.variance)
    i = caps.index(20)
    best = bv.first_best(r, 5)
    assert shown.bias2[i] > shown.variance[i] and caps[best] < 20
    assert reducible[best] < reducible[i] / 2
    assert bv.reading(r, i, 5) == "bias_yet_less"
    assert bv.reading(r, caps.index(1), 5) == "high_bias"  # degree 1: more does help
    words = tr("bv.reading.bias_yet_less", "en", symbol="d", value=20, best=caps[best])
    assert f"the test error is lowest at d = {caps[best]}" in words


@pytest.mark.parametrize("n", [5, 20, 100, 200])
def test_random_features_are_computed_at_every_p_up_to_16(n):
    """The geometric spacing skipped p = 10 and 14 at n = 20 (an instructor's review):
    the capacity's arrow key went from 9 to 11.  Every p up to 16, the threshold's
    neighbourhood, and within the capacity bucket."""
    from playground.numerics.biasvariance import CAPACITY_BUCKETS, default_capacities

    caps = default_capacities("features", n)
    assert set(range(1, 17)) <= set(caps)
    assert set(range(n - 4, n + 5)) <= set(caps) and max(caps) == 5 * n
    assert len(caps) <= CAPACITY_BUCKETS["features"][0]


def test_the_band_around_the_mean_fit_holds_the_truth_where_bias2_reads_0():
    """f̄ was visibly off the truth at capacities whose bias² the page shows as 0 (an
    instructor's review): the band f̄ ± 2 s(x)/√M is where the mean of M fits may be by
    chance.  Where bias² reads 0 the truth runs inside it almost everywhere; at degree 0
    (bias² 0.5) almost nowhere; its squared half-width is about 4 × variance/M."""
    data = bv.make_data("sin", 20, 100, inputs="spread")
    result = bv.decompose("poly", data, 0.3)
    shown = bv.resolved_bias2(result)
    truth = np.asarray(data.f_grid)
    sets = result.y.shape[0]
    for i, capacity in enumerate(result.capacities):
        lower, upper = bv.mean_fit_band(result, i)
        inside = float(np.mean((lower <= truth) & (truth <= upper)))
        if shown[i] == 0 and capacity <= 12:
            assert inside > 0.8, (capacity, inside)
            half = (upper - lower) / 2
            ratio = float(np.mean(half ** 2)) / (4 * float(result.variance[i]) / sets)
            assert 0.3 < ratio < 3, (capacity, ratio)
        if capacity == 0:
            assert shown[i] > 0.3 and inside < 0.2, inside
