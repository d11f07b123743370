"""The MLP lab without a browser: its state, its link, its training loop and its lessons."""

import math
import re

import numpy as np
import pytest

from playground import training
from playground.labs.mlp_lab import MlpLab
from playground.labs.mlp_state import MlpLabState, parse_layers, reading


def shown(pane) -> str:
    """The text inside a readout pane's tagged span."""
    return re.sub(r"<[^>]+>", "", pane.object)


@pytest.fixture
def lab():
    lab = MlpLab()
    lab.start()
    return lab


# -- the state and its link -------------------------------------------------------


def test_a_link_round_trips():
    query = {"dataset": "xor", "noise": "20.0", "train_ratio": "70.0", "layers": "4,3",
             "activation": "relu", "init": "he", "optimizer": "momentum", "lr": "0.05",
             "batch": "16", "l1": "0.001", "l2": "0.002", "dropout": "0.2", "batchnorm": "1",
             "seed": "7"}
    state = MlpLabState()
    assert state.apply_query(query) == []
    assert state.to_query() == query
    assert state.arch.hidden == (4, 3) and state.arch.batchnorm and state.arch.batch_size == 16
    again = MlpLabState()
    assert again.apply_query(state.to_query()) == []
    np.testing.assert_array_equal(again.data.points_train, state.data.points_train)


def test_defaults_give_a_short_link():
    assert MlpLabState().to_query() == {"dataset": "circle"}


@pytest.mark.parametrize("key, value", [
    ("dataset", "banana"), ("noise", "80"), ("layers", "8,x"), ("layers", "1,2,3,4,5,6,7"),
    ("layers", "64"), ("activation", "swish"), ("optimizer", "lbfgs"), ("lr", "abc"),
    ("lr", "nan"), ("batch", "0"), ("batch", "400"), ("dropout", "0.95"),
    ("batchnorm", "maybe"), ("seed", "-1"), ("train_ratio", "99"),
])
def test_bad_link_values_are_reported_not_raised(key, value):
    state = MlpLabState()
    problems = state.apply_query({key: value, "l2": "0.001"})
    assert len(problems) == 1 and problems[0].startswith(f"{key}=")
    assert getattr(state, key) == state.param[key].default
    assert state.l2 == 0.001  # the good values still apply


def test_layers_text():
    assert parse_layers("8, 8") == (8, 8)
    assert parse_layers("") == parse_layers("0") == ()
    with pytest.raises(ValueError):
        parse_layers("0,4")


def test_an_invalid_layers_text_keeps_the_network_and_says_why():
    state = MlpLabState()
    state.layers = "8,abc"
    assert state.error and state.arch.hidden == (8, 8)
    state.layers = "3"
    assert not state.error and state.arch.hidden == (3,)


# -- the training loop ------------------------------------------------------------


def test_a_step_advances_the_epoch_and_the_curves(lab):
    assert shown(lab.epoch_pane) == "0"
    assert len(lab.curves.data["epoch"]) == 1  # epoch 0, before training
    image_before = np.array(lab.image_source.data["image"][0])
    lab.step.clicks += 1
    assert lab.state.epoch == 1 and shown(lab.epoch_pane) == "1"
    assert list(lab.curves.data["epoch"]) == [0, 1]
    assert float(shown(lab.train_loss_pane)) == pytest.approx(lab.state.history[-1, 0],
                                                              abs=1e-3)
    image = np.array(lab.image_source.data["image"][0])
    assert image.shape == (80, 80) and np.all(np.isfinite(image))
    assert np.all((image >= 0) & (image <= 1)) and not np.allclose(image, image_before)


def test_knobs_keep_training_and_structure_resets(lab):
    lab.train_chunk(5)
    lab.lr.value = 0.05
    lab.dropout.value = 0.2
    assert lab.state.epoch == 5  # traced knobs: the network keeps its progress
    lab.train_chunk(1)
    assert lab.state.epoch == 6 and len(lab.curves.data["epoch"]) == 7
    lab.layers.value = "4"
    assert lab.state.epoch == 0 and shown(lab.epoch_pane) == "0"
    assert len(lab.curves.data["epoch"]) == 1


def test_reset_returns_to_epoch_zero(lab):
    lab.train_chunk(5)
    lab.reset.clicks += 1
    assert lab.state.epoch == 0 and shown(lab.epoch_pane) == "0"
    assert len(lab.curves.data["epoch"]) == 1


def test_play_starts_the_periodic_callback_and_pause_stops_it(lab):
    lab.play.value = True
    callback = lab.callback
    assert callback is not None and callback.running and callback.period == 50
    lab._tick()
    assert lab.state.epoch == lab.speed.value
    lab.play.value = False
    assert not callback.running and lab.callback is None


def test_three_classes_colour_the_predicted_class(lab):
    lab.dataset.value = "three_class"
    lab.train_chunk(5)
    image = np.array(lab.image_source.data["image"][0])
    assert np.all(np.isfinite(image)) and image.min() >= 0 and image.max() <= 3
    assert lab.color_mapper.high == 3.0


# -- the lessons ------------------------------------------------------------------


def test_the_over_fitting_preset_over_fits(lab):
    lab.preset_buttons[0].clicks += 1
    assert lab.state.layers == "32,32,32" and lab.state.points == 60
    lab.speed.value = 50
    for _ in range(6):
        lab._tick()
    history = lab.state.history
    train, val = history[:, 0], history[:, 2]
    assert len(history) == 301
    assert train[-1] < 0.2 * train[0]  # training loss kept falling
    assert val[-1] > 1.5 * val.min() + 0.1  # validation loss turned up, clearly
    assert np.argmin(val) < 150
    assert lab.state.reading() == "overfit"
    assert "Over-fitting" in lab.reading_pane.object


def test_the_under_fitting_preset_stays_near_chance(lab):
    lab.preset_buttons[1].clicks += 1
    assert lab.state.arch.hidden == () and lab.state.dataset == "xor"
    lab.speed.value = 50
    for _ in range(2):
        lab._tick()
    train_loss, train_acc, val_loss, val_acc = lab.state.history[-1]
    assert train_loss > 0.6 and val_loss > 0.6  # chance is log 2 ≈ 0.693
    assert abs(val_acc - 0.5) < 0.15
    assert lab.state.reading() == "underfit"


def test_reading_rules():
    flat = np.tile([math.log(2), 0.5, math.log(2), 0.5], (20, 1))
    assert reading(flat, 2) == "underfit"
    falling = np.linspace(0.7, 0.05, 20)
    good = np.stack([falling, falling * 0, falling * 1.1, falling * 0], axis=1)
    assert reading(good, 2) == "good"
    val = np.concatenate([np.linspace(0.7, 0.4, 10), np.linspace(0.4, 1.0, 10)])
    over = np.stack([falling, falling * 0, val, falling * 0], axis=1)
    assert reading(over, 2) == "overfit"
    assert reading(flat[:3], 2) == "early"


# -- discretize, CSV upload, early stopping ------------------------------------------


def test_discretize_shows_only_the_predicted_class(lab):
    lab.train_chunk(5)
    soft = np.array(lab.image_source.data["image"][0])
    assert len(np.unique(soft)) > 2
    lab.discretize.value = True
    hard = np.array(lab.image_source.data["image"][0])
    assert set(np.unique(hard)) <= {0.0, 1.0}
    np.testing.assert_array_equal(hard, (soft > 0.5).astype(hard.dtype))
    assert len(lab.color_mapper.palette) == 2  # one flat colour per class
    lab.dataset.value = "three_class"
    lab.train_chunk(5)
    image = np.array(lab.image_source.data["image"][0])
    assert set(np.unique(image)) <= {0.0, 1.0, 2.0} and len(lab.color_mapper.palette) == 3
    lab.discretize.value = False
    assert len(np.unique(np.array(lab.image_source.data["image"][0]))) > 3


GOOD_CSV = "x1,x2,label\n" + "\n".join(
    f"{x:.2f},{y:.2f},{name}" for i, (name, cx) in enumerate([("cat", -3), ("dog", 0),
                                                             ("bird", 3)])
    for x, y in [(cx + 0.1 * j, 0.2 * j - i) for j in range(10)])


def test_a_good_csv_upload_is_used_and_trains(lab):
    lab.train_chunk(3)
    lab.upload.value = GOOD_CSV.encode()
    s = lab.state
    assert s.dataset == "uploaded" and lab.dataset.value == "uploaded"
    assert "uploaded" in lab.dataset.options.values()
    assert s.epoch == 0 and s.data.n_classes == 3 and len(s.data.points_train) == 15
    assert not lab.upload_error.visible
    assert s.to_query()["dataset"] == "uploaded"
    lab.step.clicks += 1
    assert s.epoch == 1 and np.all(np.isfinite(s.history))
    assert lab.color_mapper.high == 3.0
    # a link cannot carry the file: loading it elsewhere says so
    problems = MlpLabState().apply_query({"dataset": "uploaded"})
    assert len(problems) == 1 and "cannot carry" in problems[0]


@pytest.mark.parametrize("content, words", [
    (b"x1,x2,label\n1,2,a\nabc,2,b\n3,4,a\n5,6,b\n", "x1"),
    (b"", "empty"),
])
def test_a_bad_csv_upload_says_why_and_keeps_the_data(lab, content, words):
    lab.train_chunk(2)
    before = lab.state.data.points_train.copy()
    lab.upload.value = content
    s = lab.state
    assert s.dataset == "circle" and s.epoch == 2
    np.testing.assert_array_equal(s.data.points_train, before)
    assert lab.upload_error.visible and words in shown(lab.upload_error)
    assert "\n" not in shown(lab.upload_error) and "Traceback" not in shown(lab.upload_error)
    lab.upload.value = GOOD_CSV.encode()  # a good file afterwards clears the message
    assert s.dataset == "uploaded" and not lab.upload_error.visible


def test_early_stopping_stops_and_restores_the_best_model(lab):
    lab.preset_buttons[0].clicks += 1
    lab.speed.value = 50
    lab.early_stop.value = True
    lab.patience.value = 20
    lab.play.value = True
    s = lab.state
    for _ in range(20):
        if lab.callback is None:
            break
        lab._tick()
    assert lab.callback is None and not lab.play.value  # it paused on its own
    assert s.epoch < 400 and s.epoch - s.best_epoch >= 20
    assert lab.stop_note.visible
    val = s.history[:, 2]
    assert s.best_epoch == int(np.argmin(val)) and s.best_val == val.min()
    assert lab.best_span.location == s.best_epoch
    curves = {k: np.array(v) for k, v in lab.curves.data.items()}
    stopped_at = s.epoch
    lab.restore.clicks += 1
    assert s.epoch == s.best_epoch < stopped_at and shown(lab.epoch_pane) == str(s.best_epoch)
    for k, v in lab.curves.data.items():
        np.testing.assert_array_equal(np.array(v), curves[k])  # curves unchanged
    val_loss, _ = training.evaluate(s.arch, s.model, s.data.x_val, s.data.y_val)
    assert float(val_loss) == pytest.approx(float(val.min()), abs=1e-5)
    # training on from the restored model continues the curves from the best epoch
    restored = s.epoch
    lab.step.clicks += 1
    assert s.epoch == restored + 1
    assert len(lab.curves.data["epoch"]) == s.epoch + 1 == len(s.history)
    assert list(lab.curves.data["epoch"])[-1] == s.epoch


def test_divergence_stops_training_with_a_message_and_draws_nothing_non_finite():
    lab = MlpLab()
    assert lab.state.apply_query({"optimizer": "sgd", "lr": "10", "dataset": "spiral",
                                  "layers": "8,8", "activation": "linear",
                                  "features": "x1,x2,x1_sq,x2_sq,x1x2"}) == []
    lab.start()
    for _ in range(5):
        lab.train_chunk(5)
    s = lab.state
    assert s.diverged_at is not None
    assert "diverged at epoch" in lab.message.object and lab.message.visible
    assert not lab.play.value
    assert np.all(np.isfinite(s.history))
    for column in lab.curves.data.values():
        assert np.all(np.isfinite(np.asarray(column, float)))
    assert np.all(np.isfinite(lab.image_source.data["image"][0]))
    stopped = s.epoch
    lab.train_chunk(5)
    assert s.epoch == stopped  # stays stopped until a reset
    lab.reset.clicks += 1
    assert s.diverged_at is None and s.epoch == 0 and not lab.message.visible
