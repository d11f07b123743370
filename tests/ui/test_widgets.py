"""The shared widget helpers: a guard refuses typed values visibly; one number format."""

import panel as pn
import param
import pytest

from playground.ui.link import format_value, parse_value
from playground.ui.widgets import Guard, kept_file, loss_text, number_text


class Settings(param.Parameterized):
    rate = param.Number(0.5, bounds=(0.0, 1.0))
    count = param.Integer(10, bounds=(1, 100))


@pytest.fixture
def guarded():
    s = Settings()
    return s, Guard(pn.widgets.FloatInput(), s, "rate"), Guard(pn.widgets.FloatInput(), s,
                                                                 "count")


def test_a_value_inside_the_bounds_is_used(guarded):
    s, rate, _ = guarded
    assert rate.widget.value == 0.5 and rate.bounds == (0.0, 1.0)
    rate.widget.value = 1.0  # the bounds are closed
    assert s.rate == 1.0 and rate.note is None and rate.refusal == ""


def test_the_note_is_made_at_the_first_refusal_and_kept_for_the_next(guarded):
    """A box that never refuses adds no pane to the page (each hidden one cost every
    page a Bokeh model and the browser a shadow root); the first refusal adds its note
    under the box, later ones reuse it, and a value used hides it."""
    s, rate, _ = guarded
    assert list(rate.layout) == [rate.widget]
    rate.widget.value = 2.0
    note = rate.note
    assert list(rate.layout) == [rate.widget, note] and note.visible
    rate.widget.value = 0.25
    assert s.rate == 0.25 and not note.visible and rate.refusal == ""
    rate.widget.value = -3.0
    assert rate.note is note and list(rate.layout) == [rate.widget, note] and note.visible
    assert "-3" in rate.refusal or "−3" in rate.refusal
    s.rate = 0.75  # any assignment (a link, a lesson) hides it too
    assert not note.visible and rate.widget.value == 0.75


@pytest.mark.parametrize("typed, reason", [
    (1.5, "outside [0, 1]"), (-0.1, "outside [0, 1]"), (float("inf"), "not finite"),
    (None, "not a number")])
def test_anything_else_is_refused_at_the_box(guarded, typed, reason):
    s, rate, _ = guarded
    rate.widget.value = typed
    assert s.rate == 0.5 and rate.widget.value == 0.5  # the box shows the value in use
    assert rate.note.visible and reason in rate.refusal
    assert rate.refusal.endswith("0.5 is in use.")
    assert "pg-refused-text" in rate.note.object


def test_an_integer_setting_refuses_a_fraction(guarded):
    s, _, count = guarded
    count.widget.value = 2.5
    assert s.count == 10 and "whole number" in count.refusal
    count.widget.value = 20.0
    assert s.count == 20 and isinstance(s.count, int) and not count.note.visible


def test_the_box_follows_the_setting_and_an_old_refusal_goes(guarded):
    s, rate, _ = guarded
    rate.widget.value = 7.0
    assert rate.note.visible
    s.rate = 0.25  # e.g. a link, a lesson or Back
    assert rate.widget.value == 0.25 and not rate.note.visible


def test_a_refusal_goes_when_the_setting_is_set_again_even_to_its_value(guarded):
    """A reset (new surface, defaults, a lesson, a link) that leaves the value as it was
    still ends the note: it spoke of the state before."""
    s, rate, count = guarded
    rate.widget.value = 7.0
    count.widget.value = 0
    assert rate.note.visible and count.note.visible
    s.param.update(rate=0.5)  # the value in use, set again
    assert not rate.note.visible and rate.refusal == "" and rate.widget.value == 0.5
    assert count.note.visible  # another setting's note stays: its state did not change
    s.count = 10
    assert not count.note.visible


def test_an_explicit_pair_of_bounds_wins(guarded):
    s = Settings()
    g = Guard(pn.widgets.FloatInput(), s, "rate", bounds=(0.1, 0.9))
    g.widget.value = 0.95
    assert s.rate == 0.5 and "outside [0.1, 0.9]" in g.refusal


@pytest.mark.parametrize("value, text", [
    (1e-8, "1×10⁻⁸"), (0.45, "0.45"), (35.0, "35"), (1000.0, "1000"), (-2.5e-12, "−2.5×10⁻¹²"),
    (-0.0, "0"), (1e21, "1×10²¹"), (float("inf"), "∞")])
def test_numbers_in_the_formulas_one_format_as_plain_text(value, text):
    assert number_text(value) == text


@pytest.mark.parametrize("value, text", [
    (0.0004056, "4.056×10⁻⁴"), (8.691e-5, "8.691×10⁻⁵"), (0.001234, "0.001234"),
    (0.00099996, "0.001"), (-0.0004, "−4×10⁻⁴"), (-0.0, "0"), (-1.5, "−1.5"),
    (12345.6, "1.235×10⁴"), (0.0, "0")])
def test_rounded_numbers_below_a_thousandth_are_a_power_of_ten(value, text):
    """Rounded (a legend's, a card's four digits), 0.0004056 is 4.056×10⁻⁴ as 8.691×10⁻⁵
    is beside it: one column, one form (the readouts' losses switch at 10⁻³ too)."""
    assert number_text(value, 4) == text


def test_links_write_whole_numbers_as_integers_and_read_them_back():
    p = Settings.param.rate
    for value in (35.0, 0.0, -3.0, 0.1, 1e-8, 2.0**60):
        text = format_value(value)
        assert float(text) == value
    assert format_value(35.0) == "35" and format_value(0.1) == "0.1"
    assert parse_value(p, format_value(1.0)) == 1.0


@pytest.mark.parametrize("kept, expected", [
    ("data.csv|eCwxCg==", ("data.csv", b"x,1\n")),
    ("|", ("", b"")),  # the tab keeps none
    ("a.csv|not base64!", ("a.csv", b"")),
    ("", ("", b"")),
])
def test_a_kept_file_is_read_or_is_none(kept, expected):
    assert kept_file(kept) == expected


def test_a_sliders_float_noise_is_not_used_nor_shown(guarded):
    s, rate, _ = guarded
    rate.widget.value = 0.9960000000000001  # three steps of 0.001 down from 0.999
    assert s.rate == 0.996 and rate.widget.value == 0.996


def test_an_editable_sliders_range_follows_the_value_in_use():
    """The browser widens the slider to a typed value; a refused one is taken back, a
    used one past the range widens the widget's own range."""
    s = Settings()
    slider = pn.widgets.EditableFloatSlider(start=0.0, end=0.8)
    guard = Guard(slider, s, "rate")
    slider._slider.end = 5.0  # what the browser does for a typed 5
    slider.value = 5.0
    assert guard.refusal and (slider._slider.start, slider._slider.end) == (0.0, 0.8)
    slider.value = 0.9
    assert s.rate == 0.9 and slider.end == 0.9 and slider._slider.end == 0.9


def test_a_controls_label_and_value_are_joined_by_the_pages_colon():
    """Panel writes an editable slider's label as "label:" and a discrete slider's as
    "label: value": in Chinese both take "：" (``widget.colon``)."""
    from playground.ui.widgets import DiscreteSlider, label_colon

    class Owner(param.Parameterized):
        lr = param.Number(0.03, bounds=(0.0, 1.0))

    slider = pn.widgets.EditableFloatSlider(name="学习率 α", start=0.0, end=1.0)
    Guard(slider, Owner(), "lr", "zh")
    assert slider._label.value == "学习率 α："
    slider.name = "动量 β"
    assert slider._label.value == "动量 β："
    english = pn.widgets.EditableFloatSlider(name="Learning rate α", start=0.0, end=1.0)
    Guard(english, Owner(), "lr", "en")
    assert english._label.value.rstrip() == "Learning rate α:"
    discrete = DiscreteSlider(name="容量", colon=label_colon("zh"), options=[1, 2, 3], value=2)
    assert discrete.labels == ["容量：<b>1</b>", "容量：<b>2</b>", "容量：<b>3</b>"]
    assert discrete._text.value == "容量：<b>2</b>"
    plain = DiscreteSlider(name="Capacity", colon=label_colon("en"), options=[1, 2], value=1)
    assert plain.labels == pn.widgets.DiscreteSlider(name="Capacity", options=[1, 2],
                                                     value=1).labels


#: A loss, its readout text: three decimals, two significant digits below 0.001 (a
#: power of ten as the formulas write one), and "< 10⁻⁷" for a loss that float32
#: rounds to 0 (its −1e−8 near a perfect fit included): a bare "0" read as a perfect
#: model, which a cross-entropy never is.
LOSSES = [(0.6931, "0.693"), (12.25, "12.250"), (0.001, "0.001"), (9.96e-4, "1.0×10⁻³"),
          (4.2e-5, "4.2×10⁻⁵"), (2.5e-08, "2.5×10⁻⁸"), (1.04e-12, "1.0×10⁻¹²"),
          (0.0, "< 10⁻⁷"), (-1e-8, "< 10⁻⁷"), (float("nan"), "–"), (float("inf"), "–")]


def test_a_cross_entropy_is_zero_in_float32_only_below_the_bound_it_is_shown_with():
    """The bound ``BELOW_FLOAT32`` states: float32's log-sum-exp of a confident example
    is exactly 0 only when every other class's share is below 10⁻⁷ (the oracle: PyTorch's
    cross-entropy in float32 and in float64)."""
    torch = pytest.importorskip("torch")
    zeros = 0
    for margin in (15.0, 16.0, 17.0, 20.0, 30.0):
        logits = torch.tensor([[margin, 0.0]])
        loss32 = float(torch.nn.functional.cross_entropy(logits, torch.tensor([0])))
        loss64 = float(torch.nn.functional.cross_entropy(logits.double(), torch.tensor([0])))
        if loss32 == 0.0:
            zeros += 1
            assert loss64 < 1e-7, (margin, loss64)
            assert loss_text(loss32) == "< 10⁻⁷"
        else:
            assert loss_text(loss32) != "< 10⁻⁷"
    assert zeros >= 2  # 17 and beyond: −log p ≈ e⁻¹⁷ ≈ 4×10⁻⁸


@pytest.mark.parametrize(("loss", "text"), LOSSES)
def test_a_tiny_loss_is_not_shown_as_zero(loss, text):
    assert loss_text(loss) == text

