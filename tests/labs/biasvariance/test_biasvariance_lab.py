"""The bias–variance lab without a browser: the link, bad values, every control."""

import numpy as np
import panel as pn
import pytest

from playground.labs.biasvariance.lab import BiasVarianceLab
from playground.labs.biasvariance.state import (
    URL_KEYS,
    BiasVarianceLabState,
    above_top_note,
    bias2_zero_note,
)
from playground.numerics import biasvariance as bv
from playground.text import tr
from playground.ui.markup import text_html
from playground.ui.palettes import DECOMPOSITION_COLORS
from playground.ui.widgets import number_text


@pytest.fixture
def state():
    s = BiasVarianceLabState(datasets=30)
    s.compute()
    return s


def test_default_state_decomposes_every_degree(state):
    r = state.result
    assert r.capacities == tuple(range(21))
    assert r.fits.shape == (21, 30, bv.N_GRID)
    np.testing.assert_allclose(r.total, r.bias2 + r.variance + 0.3**2)
    assert state.chosen == 3 and state.error == ""


def test_a_link_round_trips(state):
    state.param.update(family="features", truth="abs", inputs="uniform", noise=0.45, n=15,
                       seed=4, ridge=0.001, shown=7)
    state.capacity = 30
    query = state.to_query()
    assert query == {"family": "features", "truth": "abs", "inputs": "uniform",
                     "noise": "0.45", "n": "15",
                     "datasets": "30", "seed": "4", "capacity": "30", "ridge": "0.001",
                     "shown": "7"}
    other = BiasVarianceLabState()
    assert other.apply_query(query) == []
    other.precompute()
    for p in URL_KEYS:
        assert getattr(other, p) == getattr(state, p), p
    np.testing.assert_array_equal(other.result.test_error, state.result.test_error)


def test_a_family_link_starts_at_its_own_capacity():
    s = BiasVarianceLabState()
    assert s.apply_query({"family": "features", "n": "12"}) == []
    assert s.capacity == 12  # the interpolation threshold p = n
    assert s.to_query() == {"family": "features", "n": "12"}


@pytest.mark.parametrize("query, key", [
    ({"noise": "-1"}, "noise"), ({"n": "3"}, "n"), ({"datasets": "0"}, "datasets"),
    ({"datasets": "1"}, "datasets"),  # M = 1 has no variance to estimate
    ({"truth": "tan"}, "truth"), ({"inputs": "grid"}, "inputs"), ({"family": "trees"}, "family"),
    ({"ridge": "nan"}, "ridge"),
    ({"capacity": "21"}, "capacity"), ({"family": "features", "n": "10", "capacity": "51"},
                                       "capacity"),
    ({"capacity": "x"}, "capacity"), ({"datasets": "5", "shown": "5"}, "shown"),
])
def test_bad_values_become_notices_and_defaults(query, key):
    s = BiasVarianceLabState()
    problems = s.apply_query(query)
    assert len(problems) == 1 and problems[0].startswith(f"{key}=")
    s.precompute()
    assert s.result is not None
    lab = BiasVarianceLab(state=s)
    lab.report_link_problems(problems)
    assert lab.message.visible and "&lt;" not in problems[0]


def test_link_text_is_shown_as_characters():
    s = BiasVarianceLabState()
    problems = s.apply_query({"truth": "<script>alert(1)</script>"})
    lab = BiasVarianceLab(state=s)
    lab.report_link_problems(problems)
    assert "<script>" not in lab.message.object and "&lt;script&gt;" in lab.message.object


CHANGES = {"truth": "step", "inputs": "uniform", "noise": 0.6, "n": 25, "datasets": 40, "seed": 5,
           "family": "knn", "ridge": 0.5}


@pytest.mark.parametrize("name", CHANGES)
def test_every_setting_changes_the_result(state, name):
    before = state.result
    setattr(state, name, CHANGES[name])
    after = state.result
    assert after is not before
    assert not (after.test_error.shape == before.test_error.shape
                and np.allclose(after.test_error, before.test_error)
                and np.allclose(after.fits, before.fits))


def test_capacity_and_shown_pick_what_is_drawn(state):
    lab = BiasVarianceLab(state=state)
    lab.prepare()
    lab.main()
    mean_before = np.array(lab.fit_sources["mean"].data["y"])
    state.capacity = 9
    assert not np.allclose(lab.fit_sources["mean"].data["y"], mean_before)
    assert lab.curves.chosen.location == 9
    # The line is labelled, at its place, under the frame's top (a review: "what is the
    # grey line?").
    label = lab.curves.label
    assert (label.text, label.x) == ("d = 9", 9)
    assert label.y == lab.curves_fig.y_range.end and label.text_baseline == "top"
    points_before = np.array(lab.fit_sources["points"].data["x"])
    state.shown = 4
    np.testing.assert_array_equal(lab.fit_sources["points"].data["x"], state.data.x[4])
    assert not np.array_equal(points_before, lab.fit_sources["points"].data["x"])
    # a tap on a fit picks its set
    lab._on_tap("indices", [], [11])
    assert state.shown == 11
    assert "d = 9" in lab.formula.object and "\\sigma^{\\scriptstyle 2}" in lab.formula.object


def test_back_and_forward_restore_the_capacity_and_the_picture():
    """``apply_link`` (Back/Forward) sets the link's capacity, draws it, and computes the
    decomposition again when the link's settings differ (issue #12, review)."""
    s = BiasVarianceLabState(datasets=20)
    assert s.apply_query({"family": "knn"}) == []
    s.precompute()
    lab = BiasVarianceLab(state=s)
    lab.prepare()
    lab.main()
    lab.sidebar()
    assert s.capacity == lab.capacity.value == 5
    lab.capacity.value = 7
    s.truth = "step"
    step_error = np.array(s.result.test_error)
    assert (s.capacity, lab.capacity.value, lab.curves.chosen.location) == (7, 7, 7)
    # Back to capacity=7 with the default truth: computed again for sin
    assert s.apply_link({"family": "knn", "capacity": "7"}) == []
    assert s.result is not None and s.truth == "sin"
    assert not np.allclose(s.result.test_error, step_error)
    sin_at_7 = np.array(lab.fit_sources["mean"].data["y"])
    # Back to family=knn: k = 5, the slider, the marker and the fits too
    assert s.apply_link({"family": "knn"}) == []
    assert (s.capacity, lab.capacity.value, lab.curves.chosen.location) == (5, 5, 5)
    assert lab.curves.label.text == "k = 5"
    np.testing.assert_allclose(lab.fit_sources["mean"].data["y"], s.result.mean_fit[s.index])
    # Forward to capacity=7: the same picture as before
    assert s.apply_link({"family": "knn", "capacity": "7"}) == []
    assert (s.capacity, lab.capacity.value, lab.curves.chosen.location) == (7, 7, 7)
    np.testing.assert_allclose(lab.fit_sources["mean"].data["y"], sin_at_7)


def test_back_to_other_network_settings_computes_them_through_the_runner():
    s = BiasVarianceLabState(datasets=3, n=8)
    calls = []
    s.runner = lambda settings, generation: calls.append((settings, generation))
    s.apply_link({"family": "network", "n": "9"})
    assert s.busy and s.result is None and calls[-1][0].n == 9
    s.apply_link({"family": "network", "n": "9", "capacity": "2"})  # no new settings
    assert len(calls) == 1 and s.capacity == 2


def test_reading_and_formula_follow_the_numbers(state):
    lab = BiasVarianceLab(state=state)
    lab.prepare()
    state.capacity = 0
    assert lab.reading.object.startswith("<b>High bias</b>: at d = ")
    r = state.result
    assert f"{r.bias2[0]:.3g}" in lab.formula.object


def test_a_chinese_reading_has_one_colon_after_its_kind_in_bold():
    """"解读： 高偏差：在 d = 0 时…" had two colons in a row: the kind is the heading."""
    s = BiasVarianceLabState(lang="zh", datasets=30)
    s.compute()
    s.capacity = 0
    html = s.reading_html()
    assert html.startswith("<b>高偏差</b>：在 d = ") and html.count("：") == 1


def test_network_family_is_computed_through_the_runner():
    s = BiasVarianceLabState(datasets=3, n=8)
    calls = []
    s.runner = lambda settings, generation: calls.append((settings, generation))
    s.family = "network"
    assert s.busy and len(calls) == 1 and calls[0][0].family == "network"
    # an older generation's result is dropped; the latest is kept
    s.accept(None, "stale", calls[0][1] - 1)
    assert s.result is None


def test_many_points_and_sets_of_random_features_go_off_the_loop_in_parts(monkeypatch):
    """n = 200, M = 500 random features took minutes in one call on the event loop (every
    page of the server waited): past ``FEATURES_AT_ONCE`` they run through the runner,
    in parts, and the parts give the numbers of one call."""
    from playground.labs.biasvariance import state as bv_state

    s = BiasVarianceLabState(datasets=100, n=20, family="features")
    assert not bv_state.off_the_loop(s.settings())  # the default: one quick call
    s = BiasVarianceLabState(datasets=3, n=8)
    calls = []
    s.runner = lambda settings, generation: calls.append(settings)
    s.param.update(family="features", n=200, datasets=500)
    assert s.busy and s.result is None and calls[-1].n == 200 and calls[-1].datasets == 500
    assert len(bv_state.parts(calls[-1])) == bv_state.FEATURE_PARTS
    # Small enough to compute here, split all the same: the parts agree with one call.
    monkeypatch.setattr(bv_state, "FEATURES_AT_ONCE", 10)
    settings = s.settings()._replace(n=12, datasets=6)
    groups = bv_state.parts(settings)
    assert len(groups) == bv_state.FEATURE_PARTS
    assert sum(groups, ()) == bv.default_capacities("features", 12)
    seen = []
    data, split = bv_state.calculate(settings, lambda done, total: seen.append((done, total)))
    whole = bv.decompose("features", data, settings.noise, seed=settings.seed)
    assert seen[0] == (0, len(groups)) and seen[-1] == (len(groups), len(groups))
    assert split.capacities == whole.capacities
    for name in ("bias2", "variance", "test_error", "train_error", "fits"):
        np.testing.assert_allclose(getattr(split, name), getattr(whole, name),
                                   rtol=1e-9, atol=1e-12, err_msg=name)


def test_calculate_stops_where_on_part_raises(monkeypatch):
    s = BiasVarianceLabState(datasets=3, n=8, family="network")
    computed = []
    real = bv.decompose
    monkeypatch.setattr(bv, "decompose", lambda *a, **k: computed.append(1) or real(*a, **k))

    class Stop(Exception):
        pass

    def stop_after(count):
        def on_part(done, parts):
            if done == count:
                raise Stop
        return on_part

    from playground.labs.biasvariance.state import calculate

    with pytest.raises(Stop):
        calculate(s.settings(), stop_after(0))
    assert computed == []  # not one bucket of widths computed
    with pytest.raises(Stop):
        calculate(s.settings(), stop_after(1))
    assert computed == [1]


def test_the_network_family_of_a_closed_page_is_abandoned_before_its_first_part(monkeypatch):
    """The lab's runner computes in parts on its worker (``ui.session.Worker``, whose
    tests play a newer request too): a page closed meanwhile trains no width, and shows
    neither a result nor an error."""
    import threading
    from types import SimpleNamespace

    from playground.ui import session as ui_session

    computed, ticks = [], []
    monkeypatch.setattr(bv, "decompose", lambda *a, **k: computed.append(1))
    monkeypatch.setattr(ui_session, "next_tick_from_any_thread", lambda doc: ticks.append)
    s = BiasVarianceLabState(datasets=3, n=8, family="network")
    lab = BiasVarianceLab(state=s)
    lab.worker.attach(SimpleNamespace(session_context=SimpleNamespace(
        _session=SimpleNamespace(connection_count=0))))  # the tab closed
    started = set(threading.enumerate())
    s.runner = lab._run_in_thread
    s.request()
    for thread in set(threading.enumerate()) - started:
        thread.join(timeout=30)
    assert len(ticks) == 1  # the work's end, nothing before it
    ticks.pop()()
    assert computed == [] and s.result is None and s.error == "" and s.busy
    assert not lab.worker.busy()


def test_the_decomposition_names_its_terms_in_the_pages_language():
    from playground.text import TEXT

    s = BiasVarianceLabState(datasets=3, lang="zh")
    s.compute()
    latex = s.formula()
    for term in ("test", "bias", "variance"):
        assert TEXT["zh"][f"bv.term.{term}"] in latex
    assert "test error" not in latex and "variance" not in latex


def test_a_links_capacity_and_training_set_that_do_not_exist_are_said_in_each_language():
    from playground.labs.biasvariance.state import BiasVarianceLabState

    state = BiasVarianceLabState()
    problems = state.apply_query({"family": "knn", "capacity": "999", "datasets": "10",
                                  "shown": "12"})
    assert [p.render("en") for p in problems] == [
        "capacity='999' (outside [1, 50] for this family)",
        "shown='12' (no such training set: there are 10)"]
    zh = " ".join(p.render("zh") for p in problems)
    assert "超出此模型族的范围 [1, 50]" in zh and "没有这个训练集：共 10 个" in zh
    assert "outside" not in zh and "training set" not in zh


@pytest.mark.parametrize("query, nearest", [
    ({"family": "knn", "capacity": "50"}, 20),  # k ≤ n = 20 is computed
    ({"family": "knn", "capacity": "21"}, 20),
    ({"family": "knn", "n": "10", "capacity": "13"}, 10),
    ({"family": "features", "capacity": "36"}, 34),  # 34 and 38 computed (a tie: the lower)
    ({"family": "features", "capacity": "99"}, 100),
    ({"family": "network", "capacity": "100"}, min(bv.NETWORK_WIDTHS,
                                                   key=lambda h: (abs(h - 100), h))),
])
def test_a_links_capacity_that_is_not_computed_snaps_to_the_nearest_with_a_notice(query,
                                                                                     nearest):
    """A capacity in range that the lab does not compute (issue #13, review): the lab is
    built as the shell builds it, shows the nearest computed capacity and says so."""
    from playground.ui.shell import build_lab, prepare_state

    state, problems = prepare_state("biasvariance", {**query, "datasets": "10"}, [])
    assert [p.key for p in problems] == ["capacity"]
    assert str(nearest) in problems[0].render("en") and str(nearest) in problems[0].render("zh")
    if query["family"] == "network":
        state.compute()  # (the live page computes it off the event loop)
    lab = build_lab("biasvariance", state, problems)
    lab.main()
    lab.sidebar()
    assert state.capacity == state.chosen == lab.capacity.value == nearest
    assert lab.curves.chosen.location == nearest
    assert lab.message.visible and "capacity=" in lab.message.object
    assert state.to_query()["capacity"] == str(nearest)
    np.testing.assert_allclose(lab.fit_sources["mean"].data["y"],
                               state.result.mean_fit[state.index])


def test_a_capacity_no_longer_computed_after_n_falls_snaps_to_the_nearest():
    """k = 15, then n = 10: k becomes 10 (the slider's new options lacked its value, and
    Panel then set the first, k = 1)."""
    s = BiasVarianceLabState(datasets=10)
    assert s.apply_query({"family": "knn", "capacity": "15"}) == []
    s.precompute()
    lab = BiasVarianceLab(state=s)
    lab.prepare()
    lab.main()
    s.n = 10
    assert s.capacity == lab.capacity.value == lab.curves.chosen.location == 10


def _dark_lab():
    """A lab on a dark page: styled as the shell styles what joins the page."""
    from playground.ui.present import Display, Presenter

    display = Display(theme="dark")
    presenter = Presenter(display)
    s = BiasVarianceLabState(datasets=10)
    s.precompute()
    lab = BiasVarianceLab(state=s)

    def styler(objects):
        presenter.style([p.object for o in objects for p in o.select(pn.pane.Bokeh)])
        return objects

    lab.styler = styler
    lab.prepare()
    lab.main()
    lab.display_changed(display)
    presenter.style([lab.fits_fig, lab.curves_fig])
    return lab


def test_a_chart_rebuilt_for_another_family_joins_the_page_styled():
    """Dark theme: the error chart built for a new family is styled before it joins
    (issue #13 review: styled later, in the page, BokehJS lost its legend and toolbar)."""
    from bokeh.models import FullscreenTool, Legend

    from playground.ui.present import PLOT_COLORS

    lab = _dark_lab()
    first = lab.curves_fig
    for family in ("knn", "features"):
        lab.state.family = family
        fig = lab.curves_pane.object
        assert fig is lab.curves_fig and fig is not first
        assert any(isinstance(t, FullscreenTool) for t in fig.toolbar.tools), family
        assert fig.background_fill_color == PLOT_COLORS["dark"]["background"]
        (legend,) = fig.select({"type": Legend})
        assert legend.label_text_color == PLOT_COLORS["dark"]["ink"], family
        # k-NN has no λ: its slider goes (it did nothing, review), and comes back.
        assert lab.ridge.visible == (family != "knn")
        first = fig


def test_polynomials_past_interpolation_say_what_their_fits_are():
    """Degree ≥ n − 1 without a ridge: every set interpolated by the minimum-norm fit,
    a second descent or not with nothing to say why (a student's review)."""
    state = BiasVarianceLabState(datasets=20)
    state.precompute()
    lab = BiasVarianceLab(state=state)
    lab.prepare()
    lab.start()
    assert state.threshold_note() == ""  # the default degree: the U, no word of it
    state.capacity = 19
    note = tr("bv.poly_threshold", d=19, n=20)
    assert state.threshold_note() == note and note in lab.zero_note.object
    assert note.startswith("From d = 19 on, a polynomial has at least as many coefficients")
    state.ridge = 0.1  # ridge fits do not interpolate
    state.precompute()
    assert state.threshold_note() == ""


def test_the_chosen_capacitys_label_goes_left_of_its_line_near_the_axis_end():
    """At d = 20, the last degree, the frame's edge cut "d = 20" to "d =" (a student's
    review): in the last fifth of the axis (a log one for random features) the label is
    left of its line."""
    from playground.labs.biasvariance.figures import chosen_label_side

    degrees = list(range(21))
    assert chosen_label_side("poly", 20, degrees) == ("right", -4)
    assert chosen_label_side("poly", 3, degrees) == ("left", 4)
    widths = [1, 2, 5, 10, 20, 50, 100]
    assert chosen_label_side("features", 50, widths) == ("right", -4)  # 85 % of the decades
    assert chosen_label_side("features", 10, widths) == ("left", 4)  # half way, on a log axis
    assert chosen_label_side("poly", 3, []) == ("left", 4)


def test_the_chosen_capacity_line_is_drawn_in_the_themes_ink():
    from playground.ui.present import PLOT_COLORS, Display

    lab = _dark_lab()
    dark, light = PLOT_COLORS["dark"]["muted"], PLOT_COLORS["light"]["muted"]
    assert lab.curves.chosen.line_color == dark
    lab.state.family = "knn"  # a new chart: its line too
    assert lab.curves.chosen in lab.curves_fig.center and lab.curves.chosen.line_color == dark
    lab.display_changed(Display(theme="light"))
    assert lab.curves.chosen.line_color == light


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_knn_note_says_how_far_k_goes_and_why(lang):
    """The k-NN slider ends at min(50, n): the note under the family says so, with the
    number, in the page's language (issue #13 review: 1–20 at n = 20, unexplained)."""
    from playground.text import TEXT
    from playground.ui.markup import text_html

    s = BiasVarianceLabState(datasets=5, lang=lang)
    s.apply_query({"family": "knn", "n": "20"})
    s.precompute()
    lab = BiasVarianceLab(state=s)
    lab.prepare()
    lab.main()
    assert lab.capacity.values[-1] == 20
    assert TEXT[lang]["bv.knn.upto_n"].format(n=20) in lab.family_note.object
    s.n = 60
    assert lab.capacity.values[-1] == 50
    assert TEXT[lang]["bv.knn.upto_max"].format(high=50) in lab.family_note.object
    s.family = "poly"
    assert lab.family_note.object == text_html(TEXT[lang]["bv.family.poly.note"])


def test_the_capacity_slider_stands_where_it_will_while_the_family_is_computed():
    """Before a result: the family's capacities, the handle at the link's (it sat at the
    left on one option, then jumped when n = 200 features arrived: issue #13)."""
    s = BiasVarianceLabState(family="features", n=200, capacity=200, datasets=10)
    lab = BiasVarianceLab(state=s)
    coming = list(bv.default_capacities("features", 200))
    assert list(lab.capacity.values) == coming and lab.capacity.value == 200
    assert "ReLU" in lab.family_note.object  # the family's note too
    assert coming.index(200) > len(coming) // 2  # p = n: right of the middle
    s.runner = lambda _settings, _generation: None  # a page's thread, still computing
    s.family = "network"  # another family while nothing is computed yet
    assert s.busy and s.result is None
    assert list(lab.capacity.values) == sorted({*bv.NETWORK_WIDTHS, s.capacity})
    assert lab.capacity.value == s.capacity
    assert lab.family_note.object == text_html(s.family_note())


def test_where_bias2_is_drawn_as_0_the_page_says_so(state):
    """bias² within its sampling error of 0 is drawn as 0, off the log axis's bottom:
    the note under the curves names those capacities (the lab's default: every degree
    from the first such one on), and goes where there are none."""
    lab = BiasVarianceLab(state=state)
    lab.prepare()
    r = state.result
    zero = [int(c) for c, b in zip(r.capacities, bv.as_shown(r).bias2, strict=True) if b <= 0]
    assert zero and zero == list(r.capacities[len(r.capacities) - len(zero):])
    assert lab.zero_note.visible
    assert f"at d ≥ {zero[0]}:" in lab.zero_note.object
    state.result = r._replace(bias2=np.full(len(r.capacities), 1e12))  # nowhere 0
    assert state.bias2_zero_note() == ""
    assert lab.zero_note.object == text_html(state.above_top_note())  # (what is left)
    state.result = r._replace(bias2=np.full(len(r.capacities), 1e12),
                              test_error=np.full(len(r.capacities), 0.1))
    assert not lab.zero_note.visible and lab.zero_note.object == ""
    note = lambda caps, bias2: bias2_zero_note(caps, bias2, "d", "en")
    assert "at d = 1, 3:" in note((1, 2, 3), np.array([0.0, 1.0, 0.0]))
    # Neighbours in threes or more as a range (a review read "d = 5, 6, 7, …, 18").
    caps = tuple(range(21))
    bias2 = np.ones(21)
    bias2[[2, *range(5, 19)]] = 0.0
    assert "at d = 2, 5–18:" in note(caps, bias2)
    bias2[[7, 8, 9]] = 1.0
    assert "at d = 2, 5, 6, 10–18:" in note(caps, bias2)


def test_the_page_says_where_the_test_error_is_above_the_charts_top():
    """Polynomials of degree 14–20 on 20 points come ever closer to interpolating: their
    test error (up to 10⁷) is past the top the axis keeps for the U, and the curve left
    the chart with no word (a new user's review). The note names those degrees and the
    highest error, in the page and in a figure's caption; a result within the chart has
    none."""
    from playground.ui.axes import decomposition_range

    state = BiasVarianceLabState(datasets=20)
    state.precompute()
    lab = BiasVarianceLab(state=state)
    lab.prepare()
    r = state.result
    top = decomposition_range(r)[1]
    errors = np.asarray(r.test_error)
    above = [int(c) for c, e in zip(r.capacities, errors, strict=True) if e > top]
    assert above == list(range(14, 21)), above
    peak = max(errors[-7:])
    note = state.above_top_note()
    assert note == tr("bv.above_top", where="d ≥ 14", peak=number_text(peak, 2))
    assert lab.zero_note.object == text_html(f"{state.bias2_zero_note()} {note}")
    assert note in state.caption_notes()
    assert above_top_note((1, 2, 3), np.array([1.0, 5.0, 1.0]), 2.0, "d", "en").startswith(
        "The test error is above the chart's top at d = 2 (up to 5)")
    assert above_top_note((1, 2, 3), np.array([1.0, 1.5, 1.0]), 2.0, "d", "en") == ""
    zh = BiasVarianceLabState(datasets=20, lang="zh")
    zh.precompute()
    assert zh.above_top_note().startswith("在 d ≥ 14 处，测试误差超出图的上边界")


def test_the_previous_familys_picture_is_faded_and_left_as_it_was_while_the_new_computes():
    """Switching to the network family (half a minute of training) redrew the random
    features' picture at the nearest of their capacities to h = 8, under "p = 8", with
    that verdict in the reading: numbers of another model read as the new one's (a new
    user's review).  Now they stay as they were, faded, until the new result comes."""
    s = BiasVarianceLabState(family="features", n=12, datasets=6)
    s.compute()
    lab = BiasVarianceLab(state=s)
    lab.prepare()
    faded = (lab.fits_fig, lab.curves_fig, lab.formula, lab.reading, lab.model_formula)
    before = (lab.formula.object, lab.reading.object, lab.fit_sources["mean"].data["y"].copy())
    assert all(pane.styles.get("opacity", "1") == "1" for pane in faded)
    calls = []
    s.runner = lambda settings, generation: calls.append((settings, generation))
    s.family = "network"
    assert s.busy and s.capacity == 8 and s.result.family == "features"
    assert (lab.formula.object, lab.reading.object) == before[:2]
    np.testing.assert_array_equal(lab.fit_sources["mean"].data["y"], before[2])
    assert all(pane.styles.get("opacity") == lab.STALE_OPACITY for pane in faded)
    s.capacity = 4  # moved meanwhile: still nothing of the old family redrawn
    assert lab.formula.object == before[0]
    data, result = bv_state_calculate(calls[-1][0])
    s.accept(data, result, calls[-1][1])
    faded = (lab.fits_fig, lab.curves_fig, lab.formula, lab.reading, lab.model_formula)
    # Said opaque (a style only left out stays in the browser), or a new figure.
    assert all(pane.styles.get("opacity") == "1" for pane in faded
               if pane is not lab.curves_fig)
    assert lab.curves_fig.styles.get("opacity", "1") == "1"
    assert lab.formula.object.startswith("$\\text{h = 4:}")
    assert lab.reading.object != before[1]


def test_while_a_first_result_computes_the_data_and_the_empty_error_chart_are_drawn():
    """A page opened on the network family waited up to half a minute on an empty fits
    chart and no error chart at all.  What does not wait for the result is drawn at
    once, faded: the truth, the shown set's training points (the numerics' data, with
    this σ), the error chart's axes for the family with the noise floor σ² across the
    capacities to come; the rest comes with the result, opaque again."""
    s = BiasVarianceLabState(family="network", n=8, datasets=4, seed=3, noise=0.2, shown=2)
    lab = BiasVarianceLab(state=s)
    lab.prepare()
    assert s.result is None and lab.curves_fig is None
    calls = []
    s.runner = lambda settings, generation: calls.append((settings, generation))
    s.request()
    assert s.busy and calls
    d = bv.make_data("sin", 8, 4, 3, inputs=s.inputs)
    np.testing.assert_allclose(lab.fit_sources["truth"].data["y"], np.sin(2 * np.pi * d.grid),
                               atol=1e-12)
    np.testing.assert_allclose(lab.fit_sources["points"].data["x"], d.x[2])
    np.testing.assert_allclose(lab.fit_sources["points"].data["y"], d.f_train[2] + 0.2 * d.eps[2])
    assert len(lab.fit_sources["fits"].data["xs"]) == len(lab.fit_sources["mean"].data["y"]) == 0
    noise = lab.curves_sources["noise"].data
    assert list(noise["x"]) == list(bv.default_capacities("network", 8))
    np.testing.assert_allclose(noise["y"], 0.04)
    assert all(len(lab.curves_sources[k].data["y"]) == 0 for k in DECOMPOSITION_COLORS
               if k != "noise")
    assert lab.curves_fig.xaxis[0].axis_label == tr("bv.axis.network")
    faded = (lab.fits_fig, lab.curves_fig)
    assert all(fig.styles.get("opacity") == lab.STALE_OPACITY for fig in faded)
    figure_then = lab.curves_fig
    data, result = bv_state_calculate(calls[-1][0])
    s.accept(data, result, calls[-1][1])
    assert lab.curves_fig is figure_then  # the same axes: filled, not built again
    assert len(lab.curves_sources["test_error"].data["y"]) == len(result.capacities)
    assert all(fig.styles.get("opacity") == "1" for fig in faded)


def test_a_request_while_one_computes_goes_to_the_thread_and_the_controls_follow_at_once():
    """A fast family chosen while the network family trained was computed on the event
    loop, which then waited seconds for XLA to finish the network's part: the page froze
    with the old note and slider.  It goes to the page's thread too, the slider and the
    note follow at once, and a new σ redraws the data shown meanwhile."""
    s = BiasVarianceLabState(family="network", n=8, datasets=4)
    lab = BiasVarianceLab(state=s)
    lab.prepare()
    calls = []
    s.runner = lambda settings, generation: calls.append((settings, generation))
    s.request()
    assert len(calls) == 1 and s.busy
    s.progress = 0.5  # (the network's first part done)
    s.family = "poly"  # a fast family: at once on the loop when nothing computes
    assert len(calls) == 2 and calls[-1][0].family == "poly" and s.result is None
    assert s.busy and s.progress == 0
    assert list(lab.capacity.values) == sorted({*bv.default_capacities("poly", 8),
                                                s.capacity})
    assert lab.family_note.object == text_html(s.family_note())
    s.noise = 0.5
    assert len(calls) == 3
    d = bv.make_data(s.truth, 8, 4, s.seed, inputs=s.inputs)
    np.testing.assert_allclose(lab.fit_sources["points"].data["y"],
                               d.f_train[s.shown] + 0.5 * d.eps[s.shown])
    np.testing.assert_allclose(lab.curves_sources["noise"].data["y"], 0.25)
    data, result = bv_state_calculate(calls[0][0])  # the network's, late: dropped
    s.accept(data, result, calls[0][1])
    assert s.result is None and s.busy
    data, result = bv_state_calculate(calls[-1][0])
    s.accept(data, result, calls[-1][1])
    assert s.result.family == "poly" and not s.busy
    s.noise = 0.4  # nothing computing: at once, as before
    assert len(calls) == 3 and s.result.noise == pytest.approx(0.16)


@pytest.mark.parametrize("lang, variance", [("en", "variance"), ("zh", "方差")])
def test_the_page_defines_the_terms_it_decomposes_into(lang, variance):
    """The definitions beside the numbers, as computed (a review found only
    the terms' names), in the page's language."""
    s = BiasVarianceLabState(lang=lang, datasets=10)
    lab = BiasVarianceLab(state=s)
    assert lab.definitions in lab.main() and lab.definitions_note in lab.main()
    # Each definition its own formula (a narrow page wraps between them), together the
    # formula the static page shows.
    formulas = lab.definitions.object.split("$")[1::2]
    assert len(formulas) == 3 and lab.definitions.object.count("$") == 6
    assert r"\displaystyle " + r"\quad ".join(formulas).replace(r"\displaystyle ", "") \
        == bv.definitions_latex(s.term_labels())
    assert lab.definitions.object.startswith(f"$\\displaystyle \\text{{{variance}}} = ")


def test_the_capacity_slider_is_named_for_the_familys_symbol():
    """It read "Capacity (d, k, p or h)" for every family (a new user's review)."""
    from playground.text import tr

    s = BiasVarianceLabState(datasets=5, lang="zh")
    lab = BiasVarianceLab(state=s)
    assert lab.capacity.name == tr("bv.capacity.poly", "zh") == "次数 d（即容量）"
    s.family = "knn"
    assert lab.capacity.name == tr("bv.capacity.knn", "zh")


def bv_state_calculate(settings):
    from playground.labs.biasvariance.state import calculate

    return calculate(settings)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_both_plots_label_both_axes(lang):
    """What each axis measures, in the page's language (a new user's review: the fits'
    and the error's vertical axes had no label)."""
    s = BiasVarianceLabState(lang=lang)
    s.precompute()
    lab = BiasVarianceLab(state=s)
    lab.prepare()
    fits, curves = lab.fits_fig, lab.curves_fig
    assert (fits.xaxis[0].axis_label, fits.yaxis[0].axis_label) == ("x", "y")
    assert curves.xaxis[0].axis_label == tr("bv.axis.poly", lang)
    other = "zh" if lang == "en" else "en"
    assert curves.yaxis[0].axis_label == tr("bv.axis.error", lang) != tr("bv.axis.error", other)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_figures_caption_carries_the_decomposition_and_the_reading_at_its_capacity(lang):
    """A slide made by ``figure`` or the page's "Figure" download had the settings and
    the chart's notes but not the formula's numbers nor the reading above the charts (an
    instructor's review): they follow the capacity, and the numbers add up."""
    import re

    from playground.ui.export import figure_caption

    state = BiasVarianceLabState(lang=lang)
    state.precompute()
    for capacity in (1, 3, 12):
        state.capacity = capacity
        caption = figure_caption(state)
        test, bias2, variance, noise, total = (float(v) for v in re.findall(
            r"(?:^|[ ：])([0-9.]+(?:×10[⁰-⁹⁻]+)?)(?= ≈| \+| =| ·|$)",
            caption.split(f"d = {capacity} · ")[1].split(" · ")[0].replace("−", "-")))
        r = state.result
        i = list(r.capacities).index(capacity)
        assert test == pytest.approx(float(r.test_error[i]), rel=5e-3)
        assert noise == pytest.approx(0.3 ** 2)
        assert bias2 + variance + noise == pytest.approx(total, rel=1e-2)
        assert state.reading_text().rstrip(".。") in caption
        assert ("bias²" if lang == "en" else "偏差²") in caption
