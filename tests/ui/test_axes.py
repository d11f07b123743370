"""Axes that follow what is drawn (``playground.ui.axes``): the loss range and the ticks."""

import json
import shutil
import subprocess

import numpy as np
import pytest

from playground.ui import axes
from playground.ui.axes import (
    LOG_DECADES,
    READABLE_TICKS_JS,
    log_loss_range,
    loss_range,
    readable_tick,
)


def test_a_diverged_tail_does_not_set_the_range():
    """SGD climbs to 10¹⁰ before it diverges; the others fall from 8 to 0.001."""
    others = [8.0 * np.exp(-np.arange(100) / 10 * k) for k in (1, 2)]
    sgd = 8.0 * 3.0 ** np.arange(21)  # 8 … 2.8·10¹⁰
    low, high = loss_range([sgd, *others], [True, False, False])
    least = others[1].min()
    span = 8.0 - least  # from the lowest loss to where every run started
    assert (low, high) == pytest.approx((least - 0.05 * span, 8.0 + 0.05 * span))
    # The same runs, nothing diverged: every value is shown.
    assert loss_range([sgd, *others], [False, False, False])[1] > 2e10


def test_a_run_that_did_not_diverge_is_shown_whole_even_when_it_spikes():
    spike = np.r_[1.0, 50.0, 0.5, 0.1]
    assert loss_range([spike], [False])[1] >= 50.0
    assert loss_range([spike], [True])[1] < 2.0


def test_runs_that_all_diverged_at_once_are_drawn_whole():
    """SGD alone at α = 5 on the ravine: 8.6 → 7.6·10¹⁰ in four steps, then gone. Cut
    at where it started, the chart was one point; its climb is the picture."""
    sgd = 8.6 * 30.0 ** np.arange(5)
    low, high = loss_range([sgd], [True])
    assert high > sgd[-1] and low < 8.6
    assert log_loss_range([sgd], [True])[1] > sgd[-1]
    # A run that learned for long before it blew up keeps its learning in view.
    late = np.r_[np.linspace(8.6, 0.1, 40), 1e6]
    assert loss_range([late], [True])[1] < 10.0
    # Beside a run that did not diverge, the climb still leaves through the top.
    calm = 8.6 * np.exp(-np.arange(5))
    assert loss_range([sgd, calm], [True, False])[1] < 10.0
    # Both diverged, one of them late: both cut.
    assert loss_range([sgd, late], [True, True])[1] < 10.0


def test_training_and_validation_columns_count_together():
    history = np.array([[0.7, 0.8], [0.5, 0.9], [80.0, 90.0]])  # (epochs, series)
    low, high = loss_range([history], [True])
    assert low < 0.5 and 0.8 < high < 1.0


def test_nothing_finite_and_flat_curves():
    assert loss_range([], []) is None
    assert loss_range([np.array([np.nan, np.inf])], [True]) is None
    low, high = loss_range([np.full(5, 3.0)], [False])
    assert low < 3.0 < high
    low, high = loss_range([np.zeros(5)], [False])
    assert low < 0.0 < high


def test_a_log_axis_also_leaves_a_diverged_tail_and_round_off_out():
    """The log chart draws L − min L: SGD's tail climbs to 10¹⁰ and a converged run's
    gap reaches 10⁻¹⁶ (round-off); neither sets the range."""
    falling = 8.0 * np.exp(-np.arange(100) / 10.0)  # 8 … 4·10⁻⁴
    converged = np.r_[8.0 * 10.0 ** -np.arange(12.0), np.full(20, 1e-16)]
    sgd = 8.0 * 3.0 ** np.arange(21)
    low, high = log_loss_range([sgd, falling], [True, False])
    decades = np.log10(8.0) - np.log10(falling.min())
    assert np.log10(high) == pytest.approx(np.log10(8.0) + 0.05 * decades)
    assert np.log10(low) == pytest.approx(np.log10(falling.min()) - 0.05 * decades)
    low, high = log_loss_range([converged], [False])
    assert np.log10(low) == pytest.approx(np.log10(8.0) - LOG_DECADES * 1.05)
    # Nothing positive and finite: no range; a flat curve: a decade around it.
    assert log_loss_range([np.array([0.0, np.nan, -1.0])], [False]) is None
    assert log_loss_range([np.full(4, 0.1)], [False]) == pytest.approx((10**-1.5, 10**-0.5))


@pytest.mark.parametrize("tick, text", [
    (0, "0"), (0.25, "0.25"), (0.1 + 0.2, "0.3"), (1500, "1500"), (-2e11, "−2×10¹¹"),
    (1.5e11, "1.5×10¹¹"), (1e12, "10¹²"), (-1.25e-4, "−1.25×10⁻⁴"), (99999.99, "100000"),
    (1e5, "10⁵"), (9.999e7, "10⁸"),
])
def test_readable_ticks(tick, text):
    assert readable_tick(tick) == text


@pytest.mark.skipif(shutil.which("node") is None, reason="no node to run the browser's code")
def test_the_browsers_ticks_are_the_same():
    ticks = [0, 0.25, 0.1 + 0.2, 1500, -2e11, 1.5e11, 1e12, -1.25e-4, 99999.99, 1e5, 9.999e7,
             -7.5e-9, 3.0e300, 12345.678]
    script = ("const f = (tick) => {" + READABLE_TICKS_JS + "};\n"
              f"console.log(JSON.stringify({json.dumps(ticks)}.map(f)));")
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [readable_tick(t) for t in ticks]


@pytest.mark.skipif(shutil.which("node") is None, reason="no node to run the browser's code")
@pytest.mark.parametrize(("ticks", "texts"), [
    ([1e-4, 1e-2, 1.0, 100.0], ["10⁻⁴", "10⁻²", "10⁰", "10²"]),  # decades: powers
    # Under a decade (a flat formula's L − min L): Bokeh wrote "3.000e-16".
    ([1e-16, 2e-16, 3e-16, 5e-16], ["10⁻¹⁶", "2×10⁻¹⁶", "3×10⁻¹⁶", "5×10⁻¹⁶"]),
    ([0.02, 0.05, 0.1, 0.2], ["0.02", "0.05", "0.1", "0.2"]),
])
def test_a_log_axis_writes_powers_and_numbers_as_people_do(ticks, texts):
    """The optimizer lab's log loss chart and the bias–variance chart (``log_tick_format``)."""
    from playground.ui.axes import LOG_TICKS_JS, loss_axes

    script = ("const ticks = " + json.dumps(ticks) + ";\n"
              "const f = (tick) => {" + LOG_TICKS_JS + "};\n"
              "console.log(JSON.stringify(ticks.map(f)));")
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == texts
    from bokeh.plotting import figure
    fig = figure(y_axis_type="log")
    loss_axes(fig, "log", "en")
    assert fig.yaxis[0].formatter.code == LOG_TICKS_JS


def test_a_diverged_run_that_rose_a_little_first_stays_in_view():
    """The review's MLP run: 0.735/0.766 at epoch 0, 0.838 at epoch 1, then non-finite."""
    history = np.array([[0.735, 0.766], [0.838, 0.80], [np.inf, np.nan]])
    low, high = loss_range([history], [True])
    assert low < 0.735 and high > 0.838


def test_a_step_axis_starts_just_before_0_and_spans_at_least_one_step():
    from bokeh.models import ColumnDataSource, Range1d
    from bokeh.plotting import figure

    from playground.ui.axes import fit_step_axis, show_lone_points, step_axis
    assert step_axis(0) == step_axis(1) == (-0.02, 1.0)
    assert step_axis(500) == (-10.0, 500.0)
    r = Range1d(0, 1)
    fit_step_axis(r, 40)
    assert (r.start, r.end, r.reset_start, r.reset_end) == (-0.8, 40.0, -0.8, 40.0)
    fig = figure()
    one, two = (ColumnDataSource({"x": list(range(n)), "y": list(range(n))}) for n in (1, 2))
    dots = [fig.scatter("x", "y", source=src, visible=False) for src in (one, two, one)]
    show_lone_points([(dots[0], True), (dots[1], True), (dots[2], False)])
    assert [d.visible for d in dots] == [True, False, False]


def test_a_bias2_within_its_sampling_error_of_0_leaves_the_bottom_of_the_range():
    """The unbiased bias² may dip below 0, or sit just above it, where a family has next
    to no bias: those are shown as 0 (under 2 × variance/M) and the range follows the
    rest (it went down to the 1e-6 floor, four decades of nothing under the curves)."""
    from types import SimpleNamespace

    from playground.numerics.biasvariance import resolved_bias2
    from playground.ui.axes import decomposition_range

    result = SimpleNamespace(bias2=np.array([0.5, 0.004, -0.0002, 0.0005, 5.9]),
                             variance=np.array([0.006, 0.02, 0.03, 0.03, 900.0]),
                             total=np.array([0.6, 0.11, 0.12, 0.12, 990.0]),
                             test_error=np.array([0.6, 0.11, 0.12, 0.12, 1000.0]),
                             y=np.zeros((100, 20)))  # M = 100 sets
    np.testing.assert_array_equal(resolved_bias2(result), [0.5, 0.004, 0.0, 0.0, 0.0])
    low, high = decomposition_range(result)
    assert low == pytest.approx(0.004 / 2) and high == pytest.approx(2 * 30 * 0.11)


def test_the_polynomials_u_fills_a_fifth_of_the_axis_not_a_tenth():
    """Degree 18–20 on 20 points nearly interpolate (test error 10⁷): the axis had run
    to 2×10⁴ to keep them and the U (0.11 at d = 3 to 0.6 at d = 0) was a tenth of the
    chart's height (an instructor's review); the rest of the tail leaves the top."""
    from playground.numerics import biasvariance as bv
    from playground.ui.axes import decomposition_range

    data = bv.make_data("sin", 20, 100, inputs="spread")
    result = bv.decompose("poly", data, 0.3)
    low, high = decomposition_range(result)
    errors = np.asarray(result.test_error)
    u_height = np.log10(errors[0] / errors.min()) / np.log10(high / low)
    assert u_height > 0.2, u_height
    assert errors.max() > 1e6 > high  # the interpolating tail is off the top


def test_with_no_noise_the_whole_u_stays_in_the_range():
    """σ = 0: polynomials fit the truth to ~10⁻¹⁴ at high degree, and the top had been
    capped at 10⁵ × that sum: the axis ran from 5×10⁻⁷ to 4×10⁻⁶ and every curve (bias²
    0.49 at d = 0) was off its top (a new user's review)."""
    from playground.numerics import biasvariance as bv
    from playground.ui.axes import decomposition_range

    data = bv.make_data(next(iter(bv.TRUTHS)), 20, 30, inputs="spread")
    result = bv.decompose("poly", data, 0.0)
    assert float(np.min(result.total)) < 1e-9  # the case: a sum far under the floor
    low, high = decomposition_range(result)
    shown = bv.as_shown(result)
    assert high >= float(np.max(shown.test_error)) > 0.3
    assert high >= float(np.max(shown.bias2)) and low <= 1e-6



@pytest.mark.parametrize("low, high, want", [
    (0.0025, 0.6, [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5]),  # the network family's chart
    (5e-4, 2e4, [1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1e3, 1e4]),  # polynomials: decades
    (1e-6, 1e6, [1e-6, 1e-4, 1e-2, 1.0, 100.0, 1e4, 1e6]),  # every other decade
])
def test_the_decomposition_axis_ticks_are_1_2_5_or_decades(low, high, want):
    """Bokeh's log ticker over two or three decades fell back to linear steps (0.3, 0.25,
    0.2, 0.15 piled at the top, nothing below 0.05)."""
    from playground.ui.axes import decomposition_ticks

    np.testing.assert_allclose(decomposition_ticks(low, high), want)


def test_an_mlp_loss_chart_fits_both_losses_and_lets_a_diverged_climb_leave():
    """Training and validation loss (history columns 0 and 2) both fit; accuracies and a
    missing validation set's NaN do not count; a diverged network's losses past
    ``DIVERGED_HEADROOM`` × where it started do not count."""
    calm = np.array([[0.7, 0.5, 0.8, 0.5], [0.3, 0.9, 0.4, 0.8]])
    low, high = axes.history_loss_range([calm], [False])
    pad = axes.RANGE_PADDING * (0.8 - 0.3)
    assert (low, high) == pytest.approx((0.3 - pad, 0.8 + pad))
    no_val = calm.copy()
    no_val[:, 2] = np.nan
    assert axes.history_loss_range([no_val], [False]) == pytest.approx(
        (0.3 - axes.RANGE_PADDING * 0.4, 0.7 + axes.RANGE_PADDING * 0.4))
    climbing = np.array([[0.7, 0.5, 0.8, 0.5], [50.0, 0.5, 60.0, 0.5]])
    top = axes.history_loss_range([climbing], [True])[1]
    assert top == pytest.approx(0.8 + axes.RANGE_PADDING * (0.8 - 0.7))  # its first epoch
    assert axes.history_loss_range([climbing], [False])[1] > 60.0
