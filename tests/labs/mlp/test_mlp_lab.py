"""The MLP lab without a browser: its state, its link, its training loop and its lessons."""

import math
import re
import time

import jax
import numpy as np
import pytest

from playground.labs.mlp import lab as mlp_lab
from playground.labs.mlp.lab import PERIOD_MS, MlpLab
from playground.labs.mlp.state import MAX_LINK_EPOCHS, MAX_RACERS, PRESETS, MlpLabState
from playground.numerics import training
from playground.numerics.mlp import parse_layers
from playground.numerics.reading import reading
from playground.text import tr
from playground.ui import session as ui_session


def shown(pane) -> str:
    """The text inside a pane's HTML."""
    return re.sub(r"<[^>]+>", "", pane.object)


def readout(lab, css_class: str) -> str:
    """The text of the readout's element carrying ``css_class``."""
    match = re.search(rf"class='{css_class}'[^>]*>([^<]*)<", lab.readout.object)
    return match.group(1)


@pytest.fixture
def lab():
    lab = MlpLab()
    lab.start()
    return lab


# -- the state and its link -------------------------------------------------------


def test_a_link_round_trips():
    # Whole numbers are written as integers (noise=20, not 20.0).
    query = {"dataset": "xor", "noise": "20", "train_ratio": "70", "layers": "4,3",
             "activation": "relu", "init": "he", "optimizer": "momentum", "lr": "0.05",
             "batch": "16", "l1": "0.001", "l2": "0.002", "dropout": "0.2", "batchnorm": "1",
             "seed": "7"}
    state = MlpLabState()
    assert state.apply_query(query) == []
    assert state.to_query() == query
    assert MlpLabState().apply_query({"noise": "20.0"}) == []
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
    ("batchnorm", "maybe"), ("seed", "-1"), ("train_ratio", "101"), ("train_ratio", "5"),
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
    assert parse_layers("8,8,") == parse_layers(" 8 , 8 , ") == (8, 8)  # a trailing comma
    for missing in ("8,,8", ",", " , ", ",8"):  # (a lone comma is no linear model)
        with pytest.raises(ValueError, match="width is missing"):
            parse_layers(missing)
    assert parse_layers("8，8，") == (8, 8) and parse_layers("8、4") == (8, 4)  # IME commas
    with pytest.raises(ValueError):
        parse_layers("0,4")
    with pytest.raises(ValueError, match="not a whole number"):
        parse_layers("٣,٣")  # Arabic-Indic threes: Python's int reads them as 3


def test_an_invalid_layers_text_keeps_the_network_and_says_why():
    state = MlpLabState()
    state.layers = "8,abc"
    assert state.error and state.arch.hidden == (8, 8)
    state.layers = "3"
    assert not state.error and state.arch.hidden == (3,)


# -- the training loop ------------------------------------------------------------


def test_a_step_advances_the_epoch_and_the_curves(lab):
    assert readout(lab, "pg-epoch") == "0"
    assert len(lab.boundary.curves.data["epoch"]) == 1  # epoch 0, before training
    image_before = np.array(lab.image_source.data["image"][0])
    lab.step.clicks += 1
    assert lab.state.epoch == 1 and readout(lab, "pg-epoch") == "1"
    assert list(lab.boundary.curves.data["epoch"]) == [0, 1]
    assert float(readout(lab, "pg-train-loss")) == pytest.approx(lab.state.history[-1, 0],
                                                              abs=1e-3)
    image = np.array(lab.image_source.data["image"][0])
    assert image.shape == (80, 80) and np.all(np.isfinite(image))
    assert np.all((image >= 0) & (image <= 1)) and not np.allclose(image, image_before)


def test_knobs_keep_training_and_structure_resets(lab):
    lab.train_chunk(5)
    lab.controls.lr.value = 0.05
    lab.controls.dropout.value = 0.2
    assert lab.state.epoch == 5  # traced knobs: the network keeps its progress
    lab.train_chunk(1)
    assert lab.state.epoch == 6 and len(lab.boundary.curves.data["epoch"]) == 7
    lab.controls.layers.value = "4"
    assert lab.state.epoch == 0 and readout(lab, "pg-epoch") == "0"
    assert len(lab.boundary.curves.data["epoch"]) == 1


def test_reset_returns_to_epoch_zero(lab):
    lab.train_chunk(5)
    lab.player.reset.clicks += 1
    assert lab.state.epoch == 0 and readout(lab, "pg-epoch") == "0"
    assert len(lab.boundary.curves.data["epoch"]) == 1


def test_play_starts_the_periodic_callback_and_pause_stops_it(lab):
    lab.player.play.value = True
    callback = lab.callback
    assert callback is not None and callback.running and callback.period == PERIOD_MS
    lab.player.tick()
    assert lab.state.epoch == lab.player.speed.value
    lab.player.play.value = False
    assert not callback.running and lab.callback is None


def test_three_classes_colour_the_predicted_class(lab):
    lab.controls.dataset.value = "three_class"
    lab.train_chunk(5)
    image = np.array(lab.image_source.data["image"][0])
    assert np.all(np.isfinite(image)) and image.min() >= 0 and image.max() <= 3
    assert lab.plane.color_mapper.high == 3.0


# -- the lessons ------------------------------------------------------------------


def test_past_the_epochs_a_link_holds_the_page_says_where_a_link_reopens(lab):
    lab.state.apply_query({"layers": "2", "points": "20"})  # small: 5,001 epochs fast
    while lab.state.epoch < MAX_LINK_EPOCHS:  # (a chunk is at most 256 epochs)
        lab.train_chunk(MAX_LINK_EPOCHS - lab.state.epoch)
    assert lab.state.epoch == MAX_LINK_EPOCHS and not lab.link_note.visible
    lab.step.clicks += 1
    assert lab.state.epoch == MAX_LINK_EPOCHS + 1 and lab.link_note.visible
    assert "epoch 5,000" in lab.link_note.object
    assert lab.state.to_query()["epoch"] == str(MAX_LINK_EPOCHS)  # what the note says
    lab.player.reset.clicks += 1
    assert lab.state.epoch == 0 and not lab.link_note.visible


def test_the_over_fitting_preset_over_fits(lab):
    lab.controls.preset_buttons[0].clicks += 1
    assert lab.state.layers == "32,32,32" and lab.state.points == 60
    for _ in range(6):
        lab.train_chunk(50)
    history = lab.state.history
    train, val = history[:, 0], history[:, 2]
    assert len(history) == 301
    assert train[-1] < 0.2 * train[0]  # training loss kept falling
    assert val[-1] > 1.5 * val.min() + 0.1  # validation loss turned up, clearly
    assert np.argmin(val) < 150
    assert lab.state.reading() == "overfit"
    assert "Over-fitting" in lab.boundary.reading_pane.object


def test_the_under_fitting_preset_stays_near_chance(lab):
    lab.controls.preset_buttons[1].clicks += 1
    assert lab.state.arch.hidden == () and lab.state.dataset == "xor"
    for _ in range(2):
        lab.train_chunk(50)
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


def test_the_reading_up_to_an_earlier_epoch_is_the_one_that_epoch_showed():
    """``reading(upto=e)`` (the static page's snapshots) says what a run stopped at e
    said; a diverged run is unstable only at its end."""
    link = {"dataset": "spiral", "layers": "8,8", "points": "200", "seed": "1"}
    long, short = MlpLabState(), MlpLabState()
    for state, epochs in ((long, 240), (short, 40)):
        state.apply_query(link)
        state.train_to(epochs)
    assert long.reading() == "overfit_noise_free" != short.reading() == "learning"
    assert long.reading(upto=40) == short.reading() and long.reading(upto=2) == "early"
    diverged = MlpLabState()  # (diverges after some epochs: tests/test_static_export.py)
    diverged.apply_query({"optimizer": "nesterov", "momentum": "0.99", "lr": "0.02",
                          "dataset": "spiral", "layers": "8,8", "activation": "linear",
                          "features": "x1,x2,x1_sq,x2_sq,x1x2"})
    diverged.train_to(100)
    assert diverged.diverged_at is not None and diverged.epoch >= 3
    assert diverged.reading() == diverged.reading(upto=diverged.epoch) == "unstable"
    assert diverged.reading(upto=2) == "early"


# -- discretize, CSV upload, early stopping ------------------------------------------


def test_discretize_shows_only_the_predicted_class(lab):
    lab.train_chunk(5)
    soft = np.array(lab.image_source.data["image"][0])
    assert len(np.unique(soft)) > 2
    lab.discretize.value = True
    hard = np.array(lab.image_source.data["image"][0])
    assert set(np.unique(hard)) <= {0.0, 1.0}
    np.testing.assert_array_equal(hard, (soft > 0.5).astype(hard.dtype))
    assert len(lab.plane.color_mapper.palette) == 2  # one flat colour per class
    lab.controls.dataset.value = "three_class"
    lab.train_chunk(5)
    image = np.array(lab.image_source.data["image"][0])
    assert set(np.unique(image)) <= {0.0, 1.0, 2.0} and len(lab.plane.color_mapper.palette) == 3
    lab.discretize.value = False
    assert len(np.unique(np.array(lab.image_source.data["image"][0]))) > 3


GOOD_CSV = "x1,x2,label\n" + "\n".join(
    f"{x:.2f},{y:.2f},{name}" for i, (name, cx) in enumerate([("cat", -3), ("dog", 0),
                                                             ("bird", 3)])
    for x, y in [(cx + 0.1 * j, 0.2 * j - i) for j in range(10)])


def test_a_good_csv_upload_is_used_and_trains(lab):
    lab.train_chunk(3)
    lab.controls.upload.value = GOOD_CSV.encode()
    s = lab.state
    assert s.dataset == "uploaded" and lab.controls.dataset.value == "uploaded"
    assert "uploaded" in lab.controls.dataset.options.values()
    assert s.epoch == 0 and s.data.n_classes == 3 and len(s.data.points_train) == 15
    assert not lab.controls.upload_error.visible
    assert s.to_query()["dataset"] == "uploaded"
    lab.step.clicks += 1
    assert s.epoch == 1 and np.all(np.isfinite(s.history))
    assert lab.plane.color_mapper.high == 3.0
    # a link cannot carry the file: loading it elsewhere says so
    problems = MlpLabState().apply_query({"dataset": "uploaded"})
    assert len(problems) == 1 and "cannot carry" in problems[0]
    # and an unknown data set is told the names a link can carry: not "uploaded"
    problems = MlpLabState().apply_query({"dataset": "donut"})
    assert len(problems) == 1 and "spiral" in problems[0] and "uploaded" not in problems[0]


@pytest.mark.parametrize("content, words", [
    (b"x1,x2,label\n1,2,a\nabc,2,b\n3,4,a\n5,6,b\n", "x1"),
    (b"", "empty"),
])
def test_a_bad_csv_upload_says_why_and_keeps_the_data(lab, content, words):
    lab.train_chunk(2)
    before = lab.state.data.points_train.copy()
    lab.controls.upload.value = content
    s = lab.state
    assert s.dataset == "circle" and s.epoch == 2
    np.testing.assert_array_equal(s.data.points_train, before)
    error = lab.controls.upload_error
    assert error.visible and words in shown(error)
    assert "\n" not in shown(error) and "Traceback" not in shown(error)
    lab.controls.upload.value = GOOD_CSV.encode()  # a good file afterwards clears the message
    assert s.dataset == "uploaded" and not error.visible


def test_early_stopping_stops_and_restores_the_best_model(lab):
    lab.controls.preset_buttons[0].clicks += 1
    lab.controls.early_stop.value = True
    lab.controls.patience.value = 20
    lab.player.play.value = True
    s = lab.state
    for _ in range(20):
        if lab.callback is None:
            break
        lab.train_chunk(50)  # what each frame does
    assert lab.callback is None and not lab.player.play.value  # it paused on its own
    assert s.epoch < 400 and s.epoch - s.best_epoch >= 20
    assert lab.controls.stop_note.visible
    # Said where Play is too: at the sidebar's foot alone it was out of sight.
    assert lab.stopped.visible and s.early_stop_message() in lab.stopped.object
    assert lab.main().index(lab.stopped) < 5
    val = s.history[:, 2]
    assert s.best_epoch == int(np.argmin(val)) and s.best_val == val.min()
    assert [span.location for span in lab.boundary.best_spans] == [s.best_epoch] * 2
    curves = {k: np.array(v) for k, v in lab.boundary.curves.data.items()}
    stopped_at = s.epoch
    lab.controls.restore.clicks += 1
    assert s.epoch == s.best_epoch < stopped_at and readout(lab, "pg-epoch") == str(s.best_epoch)
    for k, v in lab.boundary.curves.data.items():
        np.testing.assert_array_equal(np.array(v), curves[k])  # curves unchanged
    val_loss, _ = training.evaluate(s.arch, s.model, s.data.x_val, s.data.y_val)
    assert float(val_loss) == pytest.approx(float(val.min()), abs=1e-5)
    # training on from the restored model continues the curves from the best epoch
    restored = s.epoch
    lab.step.clicks += 1
    assert s.epoch == restored + 1
    lab.player.play.value = True  # playing on: the note goes
    assert not lab.stopped.visible
    lab.player.play.value = False
    assert len(lab.boundary.curves.data["epoch"]) == s.epoch + 1 == len(s.history)
    assert list(lab.boundary.curves.data["epoch"])[-1] == s.epoch


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
    assert not lab.player.play.value
    assert np.all(np.isfinite(s.history))
    for column in lab.boundary.curves.data.values():
        assert np.all(np.isfinite(np.asarray(column, float)))
    assert np.all(np.isfinite(lab.image_source.data["image"][0]))
    stopped = s.epoch
    lab.train_chunk(5)
    assert s.epoch == stopped  # stays stopped until a reset
    lab.player.reset.clicks += 1
    assert s.diverged_at is None and s.epoch == 0 and not lab.message.visible


# -- optimizer settings, schedules and clipping ----------------------------------------


def test_optimizer_knobs_schedule_and_clipping_round_trip_in_the_link():
    query = {"dataset": "circle", "optimizer": "adam", "beta1": "0.8", "beta2": "0.99",
             "eps": "1e-06", "bias_correction": "0", "schedule": "step", "schedule_every": "10",
             "schedule_factor": "3.0", "clip": "norm", "clip_value": "0.5",
             "race": "sgd,adam"}
    state = MlpLabState()
    assert state.apply_query(query) == []
    again = MlpLabState()
    assert again.apply_query(state.to_query()) == []
    for key in query:
        assert getattr(again, key) == getattr(state, key), key
    h = state.hyper("adam")
    assert float(h.beta1) == pytest.approx(0.8) and float(h.bias_correction) == 0.0
    assert int(h.clip_kind) == 2 and float(h.clip_value) == pytest.approx(0.5)


@pytest.mark.parametrize("batch", [10, 7, 250])
def test_schedules_are_set_in_epochs_whatever_the_batch_size(batch):
    """α at an epoch boundary follows the closed form in epochs (u updates per epoch)."""
    s = MlpLabState(points=500, train_ratio=50.0, batch=batch, lr=0.1, schedule_every=4,
                    schedule_factor=2.0, schedule_gamma=0.9)
    assert s.updates_per_epoch == math.ceil(250 / batch)
    closed_forms = {
        "constant": lambda e: 0.1,
        "step": lambda e: 0.1 / 2.0 ** math.floor(e / 4),
        "exponential": lambda e: 0.1 * 0.9**e,
        "inverse_time": lambda e: 0.1 / (1 + e / 4),
        "cosine": lambda e: 0.1 * (1 + math.cos(math.pi * min(e, 4) / 4)) / 2,
    }
    for kind, alpha in closed_forms.items():
        s.schedule = kind
        for epoch in (0, 1, 3, 4, 5, 9):
            assert s.lr_at_epoch(epoch) == pytest.approx(alpha(epoch), rel=1e-5), (kind, epoch)


def test_a_decaying_schedule_slows_the_weights_down():
    """With α halved every epoch the weights nearly stop; with a constant α they do not."""
    def weight_change(schedule):
        s = MlpLabState(dataset="spiral", optimizer="sgd", lr=0.1, schedule=schedule,
                        schedule_every=1, schedule_factor=2.0)
        s.train(10)
        before = np.concatenate([np.ravel(w) for w in s.model.params[0].values()])
        s.train(10)
        after = np.concatenate([np.ravel(w) for w in s.model.params[0].values()])
        return np.abs(after - before).max()

    assert weight_change("step") < 0.01 * weight_change("constant")


def test_clipping_by_value_bounds_every_update():
    """SGD with α = 1 and |g_i| ≤ c moves no weight by more than c per update."""
    s = MlpLabState(dataset="xor", optimizer="sgd", lr=1.0, clip="value", clip_value=0.001,
                    batch=250)  # full batch: one update per epoch
    before = [np.asarray(w) for layer in s.model.params for w in layer.values()]
    s.train(1)
    after = [np.asarray(w) for layer in s.model.params for w in layer.values()]
    steps = np.concatenate([np.ravel(a - b) for a, b in zip(after, before, strict=True)])
    assert np.abs(steps).max() <= 0.001 + 1e-7 and np.abs(steps).max() > 0.0009


def test_the_knobs_shown_are_those_of_the_optimizers_in_use(lab):
    visible = lambda: {k for k, w in lab.controls.knobs.items() if w.visible}
    lab.state.optimizer = "sgd"
    assert visible() == set()
    lab.state.optimizer = "rmsprop"
    assert visible() == {"decay", "eps"}
    lab.state.race = ["momentum", "adam"]
    assert visible() == {"momentum", "beta1", "beta2", "eps", "bias_correction"}
    lab.state.schedule = "exponential"
    assert lab.controls.schedule_gamma.visible and not lab.controls.schedule_every.visible
    assert "α now" in lab.controls.lr_now.object


# -- one compiled call for every speed, and the adaptive speed -------------------------


def test_every_chunk_size_shares_one_compilation_and_matches_the_scan_engine():
    from playground.numerics.training import train_keeping_best

    s = MlpLabState(dataset="xor", optimizer="momentum", lr=0.05)
    args = (s.arch, s.model, s.model, np.float32(np.inf), s.hyper(), *s.data[:4])
    train_keeping_best(*args, n_epochs=1)
    compiled = train_keeping_best._cache_size()
    for n in (1, 2, 7, 33, 256):
        train_keeping_best(*args, n_epochs=n)
    assert train_keeping_best._cache_size() == compiled
    model, _, _, metrics = train_keeping_best(*args, n_epochs=7)
    reference_model, reference = training.train_epochs(s.arch, s.model, s.hyper(), *s.data[:4],
                                                       n_epochs=7)
    np.testing.assert_allclose(np.asarray(metrics[:7]), np.asarray(reference), rtol=1e-5)
    assert np.all(np.asarray(metrics[7:]) == 0)
    for got, want in zip(jax.tree.leaves(model.params), jax.tree.leaves(reference_model.params),
                         strict=True):
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5, atol=1e-7)


def test_the_adaptive_chunk_settles_where_a_frame_takes_its_budget():
    from playground.labs.mlp.state import FRAME_S, next_chunk

    overhead, per_epoch = 0.005, 0.0004  # drawing 5 ms, 0.4 ms per epoch
    n = 1
    for _ in range(30):
        n = next_chunk(n, overhead + per_epoch * n)
    assert abs(n - (FRAME_S - overhead) / per_epoch) <= 2
    assert next_chunk(40, 1.0) == 20  # one very slow frame halves it, no more
    assert next_chunk(40, float("nan")) == 40
    assert next_chunk(200, 1e-6) == 256  # capped at the compiled capacity


# -- the optimizer race ------------------------------------------------------------------


def test_each_racer_trains_exactly_as_that_optimizer_alone():
    # The default network and three racers: compiled once for this and the race view test.
    race = MlpLabState(dataset="circle", lr=0.05, race=["sgd", "rmsprop", "adam"])
    race.train(6)
    for name, history in zip(race.racers, race.race_history, strict=True):
        alone = MlpLabState(dataset="circle", lr=0.05, optimizer=name)
        alone.train(6)
        np.testing.assert_allclose(history, alone.history, rtol=2e-4, atol=1e-6)
    assert race.epoch == 6 and len(race.race_history[0]) == 7


def test_a_racer_with_its_own_alpha_trains_as_that_optimizer_alone_at_that_alpha():
    """A fair race: SGD at 0.3 beside Adam at 0.003, a third racer at the lab's α."""
    race = MlpLabState(dataset="circle", lr=0.05, race=["sgd", "rmsprop", "adam"],
                       lr_sgd=0.3, lr_adam=0.003)
    race.train(6)
    for name, lr, history in zip(race.racers, (0.3, 0.05, 0.003), race.race_history,
                                 strict=True):
        assert race.racer_lr(name) == lr
        alone = MlpLabState(dataset="circle", lr=lr, optimizer=name)
        alone.train(6)
        np.testing.assert_allclose(history, alone.history, rtol=2e-4, atol=1e-6)
    # SGD at 0.3 is not SGD at the lab's 0.05: the α reached the racer.
    slow = MlpLabState(dataset="circle", lr=0.05, optimizer="sgd")
    slow.train(6)
    assert abs(race.race_history[0][-1, 0] - slow.history[-1, 0]) > 1e-3


def test_a_racers_own_alpha_is_in_its_link_and_goes_with_it():
    s = MlpLabState()
    problems = s.apply_query({"race": "sgd,adam", "lr_sgd": "0.3", "lr_momentum": "0.1",
                              "lr_adam": "1e9"})
    assert [p.split("=")[0] for p in problems] == ["lr_adam", "lr_momentum"]
    assert (s.lr_sgd, s.lr_momentum, s.lr_adam) == (0.3, None, None)
    assert s.to_query()["lr_sgd"] == "0.3" and "lr_adam" not in s.to_query()
    # Back and Forward: a link without it takes it away (the lab's α again).
    s.apply_link({"race": "sgd,adam"})
    assert s.lr_sgd is None and s.racer_lr("sgd") == s.lr
    s.apply_link({"race": "sgd,adam", "lr_sgd": "0.3"})
    assert s.lr_sgd == 0.3
    s.race = ["adam", "rmsprop"]  # SGD out of the race: its α too
    assert s.lr_sgd is None and "lr_sgd" not in s.to_query()


def test_a_race_starts_every_optimizer_from_the_same_network():
    race = MlpLabState(race=["sgd", "adam"])
    for leaf in race.race_models.params[0].values():
        np.testing.assert_array_equal(np.asarray(leaf)[0], np.asarray(leaf)[1])


def test_a_diverging_racer_stops_and_the_others_go_on():
    s = MlpLabState()
    assert s.apply_query({"lr": "10", "dataset": "spiral", "layers": "8,8",
                          "activation": "linear", "features": "x1,x2,x1_sq,x2_sq,x1x2",
                          "race": "sgd,adagrad"}) == []
    for _ in range(4):
        s.train(5)
    sgd, adagrad = s.race_diverged
    assert sgd is not None and adagrad is None and s.diverged_at is None
    assert s.epoch == 20 and len(s.race_history[1]) == 21
    assert len(s.race_history[0]) == sgd  # kept up to the last finite epoch
    assert all(np.all(np.isfinite(h)) for h in s.race_history)
    assert np.all(np.isfinite(s.race_grids()))


def test_race_link_rules():
    s = MlpLabState()
    assert s.apply_query({"race": "sgd,momentum,nesterov,adam,rmsprop"}) != []
    assert s.race == []
    assert s.apply_query({"race": "adam"}) == []
    assert s.racers == ()  # one optimizer is not a race


def test_the_race_view_shows_one_heat_map_and_one_curve_per_racer(lab):
    lab.state.race = ["sgd", "momentum", "adam"]
    assert lab.race_view.layout.visible and not lab.boundary.layout.visible
    assert [slot.visible for slot in lab.race_view.race_slots] == [True, True, True, False]
    titles = [f.title.text for f in lab.race_view.race_boundary_figs[:3]]
    assert titles == ["SGD", "Momentum", "Adam"]
    lab.train_chunk(5)
    grids = [np.asarray(source.data["image"][0]) for source in lab.race_view.race_images[:3]]
    assert not np.allclose(grids[0], grids[2])  # SGD and Adam differ after 5 epochs
    for source in lab.race_view.race_curves[:3]:
        assert list(source.data["epoch"]) == list(range(6))
    assert "Adam" in lab.race_view.race_table.object
    lab.state.race = []
    assert lab.boundary.layout.visible and not lab.race_view.layout.visible


def _page_models(lab) -> int:
    """How many Bokeh models the lab's page holds (its main column, controls and
    details in one document, as the shell joins them)."""
    import panel as pn
    from bokeh.document import Document

    return len(pn.Column(*lab.main(), *lab.sidebar(), *lab.details()).get_root(
        Document()).references())


def test_a_page_builds_the_race_view_only_once_a_race_starts():
    """Issue #9 item 4: every Bokeh model of a page is walked again by Bokeh at each
    change of the page, on the event loop every page shares.  The race's view (four heat
    maps, two charts of four racers: ~430 models) was built, hidden, in every page: 926
    models per MLP page, now under 550; a race builds it, styled as the page's plots."""
    lab = MlpLab()
    styled = []
    lab.styler = lambda objects: (styled.extend(objects), objects)[1]
    lab.start()
    assert lab.race_view is None and lab.race_area.objects == []
    assert len(lab.plane.framed) == 1  # the network's heat map only
    assert _page_models(lab) < 550
    lab.state.race = ["sgd", "adam"]
    view = lab.race_view
    assert view is not None and lab.race_area.objects == [view.layout] == styled
    assert lab.race_area.visible and view.layout.visible and not lab.boundary.layout.visible
    assert len(lab.plane.framed) == 1 + MAX_RACERS
    assert _page_models(lab) > 800  # the race's heat maps and charts are in the page now
    lab.state.race = []  # built once: hidden, kept for the next race
    assert lab.race_view is view and not lab.race_area.visible
    lab.state.race = ["momentum", "adam", "rmsprop"]
    assert lab.race_view is view and lab.race_area.visible and len(styled) == 1


def test_a_link_with_a_race_builds_its_view_before_the_page_shows_it():
    from playground.ui import shell

    lab = shell.build_lab("mlp", *shell.prepare_state("mlp", {"race": "sgd,adam",
                                                                "dataset": "xor"}, []))
    assert lab.race_view is not None and lab.race_area.visible
    shown = [obj for item in lab.main() for obj in getattr(item, "objects", [item])]
    assert lab.race_area in shown and lab.race_area.objects == [lab.race_view.layout]
    titles = [f.title.text for f in lab.race_view.race_boundary_figs[:2]]
    assert titles == ["SGD", "Adam"]


def test_layers_and_neurons_are_added_and_removed_with_buttons(lab):
    lab.state.layers = "8,8"
    first = list(lab.controls.layer_widths.objects)
    lab.controls.add_layer.clicks += 1
    assert lab.state.layers == "8,8,8" and lab.state.arch.hidden == (8, 8, 8)
    assert [box.value for box in lab.controls.layer_widths.objects] == [8, 8, 8]
    # The boxes of the layers kept stay (made again, each was sent to the page again).
    assert lab.controls.layer_widths.objects[:2] == first
    assert [b.name for b in lab.controls.layer_widths.objects] == [
        "layer 1", "layer 2", "layer 3"]
    lab.controls.layer_widths.objects[1].value = 3
    assert lab.state.arch.hidden == (8, 3, 8)
    for _ in range(3):
        lab.controls.remove_layer.clicks += 1
    assert lab.state.arch.hidden == () and lab.controls.remove_layer.disabled
    assert lab.controls.layer_widths.objects == []
    for _ in range(7):
        lab.controls.add_layer.clicks += 1
    assert lab.state.arch.hidden == (4,) * 6 and lab.controls.add_layer.disabled


def test_new_data_draws_other_points(lab):
    before = lab.state.data.points_train.copy()
    lab.controls.regenerate.clicks += 1
    assert lab.state.seed == 1
    assert not np.allclose(before, lab.state.data.points_train)


def test_a_new_architecture_compiles_in_the_background_while_frames_wait(lab, monkeypatch):
    later = []  # what the session does: run the thread's callbacks on a later tick
    monkeypatch.setattr(ui_session, "next_tick_from_any_thread", lambda doc: later.append)

    def finish_compiling():
        for _ in range(1200):
            if later:
                break
            time.sleep(0.05)
        later.pop()()

    lab.player.attach(object())
    lab.state.layers = "5,3"  # a new network: its code compiles in a thread
    assert lab.player.busy.visible and len(lab.player.compiler.compiling) == 1
    lab.player.tick()
    assert lab.state.epoch == 0  # the frame waited
    finish_compiling()
    assert not lab.player.busy.visible and not lab.player.compiler.compiling
    lab.player.tick()  # in a page a worker thread trains the chunk; the next frame shows it
    assert lab.player.in_flight.done.wait(60)
    lab.player.tick()
    assert lab.state.epoch == lab.player.speed.value
    lab.state.layers = "8,8"
    finish_compiling()
    lab.state.layers = "5,3"  # compiled already in this session: nothing to wait for
    assert not lab.player.compiler.compiling and not lab.player.busy.visible


def test_the_charts_hold_a_bounded_number_of_points_however_long_training_runs():
    from bokeh.models import ColumnDataSource

    from playground.ui.curves import CurveFeed

    source = ColumnDataSource({})
    feed = CurveFeed(source, max_points=100)
    feed.clear()
    history = np.random.default_rng(0).random((5000, 4)).astype(np.float32)
    sizes = []
    for n in (1, 2, 7, 50, 99, 100, 101, 250, 1999, 5000):
        feed.feed(history[:n])
        epochs = np.asarray(source.data["epoch"])
        sizes.append(len(epochs))
        assert len(epochs) <= 100 and epochs[0] == 0
        assert np.all(np.diff(epochs) == feed.stride)
        assert epochs[-1] > n - 1 - feed.stride  # the curve reaches the latest epochs
        np.testing.assert_array_equal(np.asarray(source.data["val_loss"]), history[epochs, 2])
    assert sizes[:4] == [1, 2, 7, 50] and feed.stride == 64
    feed.feed(history[:10])  # a cut history starts the chart again
    assert list(source.data["epoch"]) == list(range(10))


def test_a_frame_longer_than_the_period_is_followed_by_a_rest(lab, monkeypatch):
    now = [100.0]
    frames = []

    def train_chunk(n_epochs, took):
        frames.append(n_epochs)
        now[0] += took

    monkeypatch.setattr(time, "perf_counter", lambda: now[0])
    lab.player.speed.value = 5
    monkeypatch.setattr(lab.player, "advance", lambda n: train_chunk(n, 0.2))
    lab.player.tick()  # took 0.2 s: no frame before 100.3
    assert frames == [5] and lab.player.resume_at == pytest.approx(100.3)
    now[0] = 100.25
    lab.player.tick()  # resting
    assert frames == [5]
    now[0] = 100.31
    monkeypatch.setattr(lab.player, "advance", lambda n: train_chunk(n, 0.01))
    lab.player.tick()  # a short frame: no rest after it
    assert frames == [5, 5] and lab.player.resume_at == 0.0


def test_the_race_settings_are_stacked_once_until_one_changes():
    s = MlpLabState(race=["sgd", "adam"])
    first = s.race_hyper()
    assert s.race_hyper() is first
    s.lr = 0.05
    again = s.race_hyper()
    assert again is not first and np.allclose(np.asarray(again.lr), 0.05)
    assert list(np.asarray(again.optimizer)) == [0, 5]
    s.lr_adam = 0.001  # a racer's own α: restacked, the other racer at the lab's
    own = s.race_hyper()
    assert own is not again and np.allclose(np.asarray(own.lr), [0.05, 0.001])


def test_every_preset_has_one_button_that_applies_it(lab):
    """The sidebar's lesson buttons are the state's presets, each once; a button sets its
    preset's settings."""
    names = [b.css_classes[0].removeprefix("pg-preset-") for b in lab.controls.preset_buttons]
    assert sorted(names) == sorted(PRESETS)
    button = lab.controls.preset_buttons[names.index("overfit_l2")]
    button.clicks += 1
    assert lab.state.l2 == PRESETS["overfit_l2"]["l2"] > 0
    assert lab.state.layers == PRESETS["overfit_l2"]["layers"]


@pytest.mark.parametrize("remedy", ["overfit_dropout", "overfit_l2"])
def test_each_remedy_keeps_the_validation_loss_down(remedy):
    """Over-fitting lesson: validation loss ends far above its best; with the remedy it
    ends far lower, and the reading no longer says over-fitting."""
    def final_val(name):
        s = MlpLabState()
        s.apply_preset(name)
        for _ in range(6):
            s.train(50)
        return float(s.history[-1, 2]), s.reading()

    plain, plain_reading = final_val("overfit")
    cured, cured_reading = final_val(remedy)
    assert plain_reading == "overfit" and cured_reading != "overfit"
    assert cured < 0.5 * plain


def test_the_early_stopping_remedy_stops_near_the_best_epoch(lab):
    lab.controls.preset_buttons[0].clicks += 1  # plain over-fitting first: no early stopping
    assert not lab.state.early_stop
    next(b for b in lab.controls.preset_buttons if "early" in b.name).clicks += 1
    s = lab.state
    assert s.early_stop and s.patience == 20 and s.dropout == 0 and s.layers == "32,32,32"
    lab.player.play.value = True
    for _ in range(40):
        if lab.callback is None:
            break
        lab.train_chunk(10)
    assert not lab.player.play.value and s.epoch - s.best_epoch >= 20 and s.epoch < 100
    lab.controls.restore.clicks += 1
    assert s.epoch == s.best_epoch
    np.testing.assert_allclose(s.history[s.best_epoch, 2], s.history[:, 2].min())


@pytest.mark.parametrize("chunk", [1, 7, 256])
def test_a_link_with_early_stopping_stops_at_the_same_epoch_whatever_its_chunks(
        chunk, monkeypatch):
    """``early_stop=1&epoch=1000`` on the over-fitting lesson trained on to 258 or 261
    (a student's review), as the link's chunks fell, past the stop due at the best epoch
    + patience: every chunk now ends where early stopping could stop."""
    s = MlpLabState()
    s.apply_preset("overfit_early_stop")
    monkeypatch.setattr(s, "epochs_within", lambda _seconds: chunk)
    s.train_to(1000)
    assert s.should_stop() and s.epoch == s.best_epoch + s.patience
    val = s.history[:, 2]
    assert s.best_epoch == int(np.argmin(val))
    # No better validation loss in the patience's epochs, and a better one before them.
    assert val[s.best_epoch + 1:].min() >= val[s.best_epoch] and s.best_epoch > 0


def test_a_lesson_leaves_a_race_and_a_schedule(lab):
    lab.state.param.update(race=["sgd", "adam"], schedule="cosine", clip="norm")
    lab.controls.preset_buttons[0].clicks += 1
    s = lab.state
    assert s.racers == () and s.schedule == "constant" and s.clip == "none"
    assert lab.boundary.layout.visible


def test_frames_stop_waiting_for_a_compilation_that_never_reports(lab):
    from playground.ui.player import COMPILE_WAIT_S

    lab.player.compiler.compiling[("stuck",)] = time.perf_counter() - COMPILE_WAIT_S - 1
    lab.player.tick()
    assert lab.state.epoch == lab.player.speed.value  # trained all the same


def test_the_settings_are_built_once_until_a_control_moves():
    s = MlpLabState(optimizer="momentum")
    first = s.hyper()
    assert s.hyper() is first
    s.momentum = 0.5
    assert float(s.hyper().momentum) == pytest.approx(0.5)
    s.batch = 25  # fewer updates per epoch: the schedule in updates changes
    s.schedule = "step"
    assert float(s.hyper().schedule.every) == pytest.approx(50 * 10)


# -- failures are shown, never silent ------------------------------------------------------


def test_an_error_in_a_training_frame_pauses_the_lab_and_says_so(lab, monkeypatch, caplog):
    def broken(n_epochs):
        raise FloatingPointError("the engine broke")

    lab.player.play.value = True
    monkeypatch.setattr(lab.state, "train", broken)
    lab.player.tick()
    assert not lab.player.play.value and lab.callback is None  # paused
    assert lab.player.message.visible and "the engine broke" in lab.player.message.object
    assert any(r.levelname == "ERROR" and r.exc_info for r in caplog.records)
    lab.player.play.value = True  # playing again clears the message
    assert not lab.player.message.visible
    lab.player.play.value = False


def test_an_error_in_the_background_compilation_pauses_the_lab_and_says_so(
        lab, monkeypatch, caplog):
    later = []
    monkeypatch.setattr(ui_session, "next_tick_from_any_thread", lambda doc: later.append)
    compile_for_real = lab.player.compiler.compile  # the compilation itself fails
    monkeypatch.setattr(lab.player.compiler, "compile",
                        lambda key, _fn: compile_for_real(key, lambda: 1 / 0))
    lab.player.attach(object())
    lab.player.play.value = True
    lab.controls.layers.value = "5,3"  # a new network compiles in a thread, and fails
    for _ in range(1200):
        if later:
            break
        time.sleep(0.05)
    later.pop()()  # the session's next tick
    assert not lab.player.play.value and not lab.player.busy.visible
    assert "ZeroDivisionError" in lab.player.message.object and lab.player.message.visible
    assert any(r.levelname == "ERROR" and r.exc_info for r in caplog.records)


def test_stopping_the_lab_stops_its_periodic_callback():
    """What the shell calls when the session ends."""
    lab = MlpLab()
    lab.start()
    lab.player.play.value = True
    callback = lab.callback
    lab.stop()
    assert not callback.running and lab.callback is None


# -- state that follows an action (issue #11 §4) ----------------------------------------

def assert_view_shows_the_state(lab):
    """Every part of the view agrees with the state: the readout's epoch and losses, the
    curves, the heat map of the model in the state and the best epoch."""
    s = lab.state
    assert int(readout(lab, "pg-epoch")) == s.epoch
    last = s.history[s.epoch]
    assert readout(lab, "pg-train-loss") == mlp_lab.loss_text(last[0])
    assert len(lab.boundary.curves.data["epoch"]) == len(s.history) == s.epoch + 1
    np.testing.assert_allclose(lab.image_source.data["image"][0], s.grid(), atol=1e-6)
    assert f"epoch {s.best_epoch}" in shown(lab.controls.best_pane)


@pytest.mark.parametrize("remedy", ["overfit_dropout", "overfit_l2", "overfit_early_stop"])
def test_a_remedy_restarts_from_a_fresh_network(lab, remedy):
    """The remedies exist to compare with the over-fitted run: each starts again at epoch 0
    from the same fresh network the over-fitting lesson starts from."""
    s = lab.state
    lab.controls.preset_buttons[0].clicks += 1
    fresh = [np.asarray(leaf) for leaf in jax.tree.leaves(s.model.params)]
    for _ in range(3):
        lab.train_chunk(20)
    assert s.epoch == 60
    generation = s.generation
    next(b for b in lab.controls.preset_buttons if remedy in b.css_classes[0]).clicks += 1
    assert s.epoch == 0 and s.generation == generation + 1 and len(s.history) == 1
    for a, b in zip(fresh, jax.tree.leaves(s.model.params), strict=True):
        np.testing.assert_array_equal(a, np.asarray(b))
    assert_view_shows_the_state(lab)
    lab.train_chunk(7)
    assert s.epoch == 7  # early stopping counts from the fresh start, not epoch 60
    assert_view_shows_the_state(lab)


def test_after_a_divergence_the_network_shown_is_the_last_finite_one(lab):
    """A chunk that diverges part-way keeps its finite epochs: the network, the heat map,
    the curves and the readout are those of the epoch before the divergence, which the
    message names; the oracle trains the same epochs one at a time."""
    s = lab.state
    assert s.apply_query({"optimizer": "nesterov", "momentum": "0.99", "lr": "0.02",
                          "dataset": "spiral", "layers": "8,8", "activation": "linear",
                          "features": "x1,x2,x1_sq,x2_sq,x1x2"}) == []
    start = s.model
    lab.train_chunk(40)
    assert s.diverged_at is not None and s.diverged_at > 1, "diverges after some epochs"
    assert s.epoch == s.diverged_at - 1 == int(s.model.epoch)
    assert f"diverged at epoch {s.diverged_at}" in lab.message.object
    assert_view_shows_the_state(lab)
    model = start
    for _ in range(s.epoch):  # one epoch per call: the same epochs, chunked otherwise
        model, _, _, _ = training.train_keeping_best(
            s.arch, model, model, np.float32(np.inf), s.hyper(), *s.data[:4], n_epochs=1)
    for a, b in zip(jax.tree.leaves(model.params), jax.tree.leaves(s.model.params),
                    strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


def test_a_diverging_racer_keeps_its_last_finite_network():
    s = MlpLabState()
    assert s.apply_query({"lr": "0.02", "momentum": "0.99", "dataset": "spiral",
                          "layers": "8,8", "activation": "linear",
                          "features": "x1,x2,x1_sq,x2_sq,x1x2",
                          "race": "nesterov,adagrad"}) == []
    s.train(40)
    sgd = s.race_diverged[0]
    assert sgd is not None and sgd > 1
    epochs = np.asarray(s.race_models.epoch)
    assert epochs[0] == sgd - 1 == len(s.race_history[0]) - 1
    assert epochs[1] == 40 and s.epoch == 40


# -- values typed in a box (issue #11 §6) -------------------------------------------------

@pytest.mark.parametrize("name, bad", [
    ("lr", 500.0), ("lr", -1.0), ("lr", float("inf")), ("lr", None), ("eps", 2.0),
    ("momentum", 1.0), ("batch", 0), ("batch", 5000), ("l1", 5.0), ("l2", -0.1),
    ("seed", -3), ("schedule_every", 0), ("schedule_factor", 0.5), ("schedule_gamma", 1.5),
    ("clip_value", 0.0), ("patience", 0)])
def test_a_value_outside_its_bounds_is_refused_at_its_box(lab, name, bad):
    s, guard = lab.state, lab.controls.guards[name]
    in_use = getattr(s, name)
    epoch, generation = s.epoch, s.generation
    guard.widget.value = bad
    assert getattr(s, name) == in_use and guard.widget.value == in_use
    assert guard.note.visible and "not used" in shown(guard.note)
    assert s.generation == generation and s.epoch == epoch
    value = {"lr": 0.05, "eps": 1e-6, "momentum": 0.5, "batch": 20, "l1": 0.001, "l2": 0.01,
             "seed": 4, "schedule_every": 10, "schedule_factor": 3.0, "schedule_gamma": 0.9,
             "clip_value": 2.0, "patience": 5}[name]
    guard.widget.value = value
    assert getattr(s, name) == value and not guard.note.visible


def test_a_learning_rate_of_50_is_used_when_typed():
    """50 is inside α's bounds [1e-7, 100]: the box is not the slider's range."""
    lab = MlpLab()
    lab.controls.lr.value = 50.0
    assert lab.state.lr == 50.0 and lab.controls.guards["lr"].refusal == ""


@pytest.mark.parametrize("typed", [0, 1000, None])
def test_a_neuron_count_outside_its_bounds_is_refused_at_its_box(lab, typed):
    from playground.numerics.mlp import MAX_WIDTH

    s, c = lab.state, lab.controls
    generation = s.generation
    box = c.layer_widths.objects[1]
    box.value = typed
    assert s.layers == "8,8" and s.generation == generation and box.value == 8
    assert c.layer_note.visible and f"outside [1, {MAX_WIDTH}]" in shown(c.layer_note)
    assert shown(c.layer_note).endswith("8 is in use.")  # this box's width, not "8,8"
    box.value = 5
    assert s.arch.hidden == (8, 5) and not c.layer_note.visible


@pytest.mark.parametrize("typed, reason", [("8,99", "not 99"), ("a,b", ""), ("8,,8", "")])
def test_layers_typed_as_text_the_network_cannot_have_are_refused_at_the_box(lab, typed,
                                                                           reason):
    """The box goes back to the layers in use and the link keeps them; the note names
    what was typed; the next layers used end it."""
    s, c = lab.state, lab.controls
    generation = s.generation
    c.layers.value = typed
    assert s.layers == "8,8" and s.generation == generation and c.layers.value == "8,8"
    assert s.to_query().get("layers", "8,8") == "8,8"
    note = shown(c.layers_note)
    assert c.layers_note.visible and note.startswith(f"{typed} not used (")
    assert reason in note and note.endswith("8,8 is in use.")
    c.layers.value = " 4, 4 "
    assert s.layers == "4,4" and c.layers.value == "4,4" and not c.layers_note.visible


def test_an_emptied_layers_box_is_no_linear_model(lab):
    """Emptying the box (to type anew) and leaving it changes nothing and says how to
    ask for a linear model (``0``); a ``0`` typed is one."""
    s, c = lab.state, lab.controls
    generation = s.generation
    c.layers.value = "  "
    assert s.layers == "8,8" and s.generation == generation and c.layers.value == "8,8"
    assert c.layers_note.visible and shown(c.layers_note) == tr(
        "mlp.layers.empty", "en", used="8,8")
    c.layers.value = "0"
    assert s.layers == "0" and not c.layers_note.visible


# -- work off the event loop (issue #9 item 4) -------------------------------------------


def test_training_in_slices_gives_the_same_network_as_in_one_call():
    """A heavy network's chunk is trained in calls of about ``SLICE_S`` (other pages'
    computations queue behind each call): the same numbers as one call."""
    from playground.labs.mlp import state as mlp_state

    whole, sliced = MlpLabState(dropout=0.2), MlpLabState(dropout=0.2)
    whole.train(40)
    sliced._epoch_s = mlp_state.SLICE_S / 7  # calls of 7 epochs
    sliced.train(40)
    np.testing.assert_array_equal(whole.history, sliced.history)
    assert whole.best_epoch == sliced.best_epoch and sliced.epoch == 40
    for s in (whole, sliced):
        s.race = ["sgd", "adam"]
    whole.train(30)
    sliced._epoch_s = mlp_state.SLICE_S / 4
    sliced.train(30)
    for a, b in zip(whole.race_history, sliced.race_history, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_chunk_trained_for_a_network_since_replaced_is_dropped():
    s = MlpLabState()
    run, record = s.training(5)
    result = run()  # on a worker, while the page restores the best epoch
    s.train(3)
    s.restore_best()
    epoch, history = s.epoch, s.history.copy()
    record(result)
    assert s.epoch == epoch and np.array_equal(s.history, history)
    run, record = s.training(5)
    result = run()
    s.layers = "3"  # a new network meanwhile (at once without a page)
    record(result)
    assert s.epoch == 0 and s.arch.hidden == (3,)
    run, record = s.training(5)
    record(run())
    assert s.epoch == 5


def test_the_heat_map_of_a_chunk_comes_from_its_worker_while_it_still_fits(monkeypatch):
    s = MlpLabState(dataset="xor")
    run, record = s.training(5)
    result = run()  # the worker: the training and the trained network's heat map
    computed, real = [], MlpLabState._grid_of
    monkeypatch.setattr(MlpLabState, "_grid_of",
                        lambda *a: computed.append(1) or real(*a))
    drawn = []  # what a page draws when the new epoch arrives (a watcher, as the lab's)
    s.param.watch(lambda _e: drawn.append(s.grid()), "epoch")
    record(result)
    ahead = s.grid()
    assert drawn[0] is ahead is result[0][1] and computed == []  # not again on the loop
    np.testing.assert_array_equal(ahead, real(s, s.model, s._grid_inputs()))
    assert s.diagram() is result[0][2]  # the diagram's values: the worker's too
    s.discretize = True  # another picture of the same network: computed now
    hard = s.grid()
    assert hard is not ahead and set(np.unique(hard)) <= {0.0, 1.0}
    s.discretize = False
    run, record = s.training(5)
    result = run()
    s.restore_best()  # the network shown is replaced meanwhile: nothing of it is kept
    record(result)
    assert s.grid() is not result[0][1]
    np.testing.assert_array_equal(s.grid(), s._grid_of(s.model, s._grid_inputs()))


@pytest.mark.parametrize("race", [[], ["sgd", "adam"]], ids=["network", "race"])
def test_a_playing_frame_draws_without_a_computation_on_the_sessions_thread(lab, race):
    """A frame's heat map(s), diagram and α come from the chunk's worker: on the
    session's thread (every page's event loop) nothing is traced or compiled, even after
    a release of every compiled program (``ui.memory``), which before made each page
    reload its diagram's programs there, and nothing waits for XLA's one thread.  The
    worker runs the page's own programs: nothing is made there either."""
    lab.state.race = race
    lab.split_chunk(1)[1](lab.split_chunk(1)[0]())  # a first chunk, as in a page
    jax.clear_caches()  # a release: only programs called from now on are made again
    events = []
    listener = lambda name, *args, **kwargs: events.append(name)
    jax.monitoring.register_event_duration_secs_listener(listener)
    try:
        run, finish = lab.split_chunk(5)  # the session's thread
        in_the_frame = list(events)
        result = run()  # the worker: the page's programs, held through the release
        in_the_worker = events[len(in_the_frame):]
        del events[:]
        finish(result)  # the session's thread: the new epoch, its heat map and diagram
        in_the_frame += events
        again = None if race else lab.state._diagram_of(lab.state.model,
                                                        lab.state._grid_inputs())
        del events[:]
        jax.jit(lambda x: x * 3.0)(1.0)  # a program of JAX's own: the listener hears it
        heard = list(events)
    finally:
        jax.monitoring.unregister_event_duration_listener(listener)
    assert lab.state.epoch == 6
    made = lambda names: [e for e in names if "compile" in e or "trace" in e]
    assert made(heard)
    assert not made(in_the_frame), in_the_frame
    assert not made(in_the_worker), in_the_worker
    if race:  # the heat maps drawn are the racers' networks' own
        drawn = [source.data["image"][0] for source in lab.race().race_images[:len(race)]]
        fresh = lab.state._race_grids_of(lab.state.race_models, lab.state._grid_inputs())
        for image, grid in zip(drawn, fresh, strict=True):
            np.testing.assert_array_equal(image, lab.race().plane.image(grid))
    else:
        np.testing.assert_array_equal(lab.state.diagram()[0], again[0])
        np.testing.assert_array_equal(lab.network.weights, again[1])


def test_the_readouts_alpha_comes_with_the_chunk_and_follows_the_schedule():
    """α_n = α·γⁿ per update, so γ per epoch at the start of each epoch (a closed form),
    whether the chunk's worker computed it (its epoch) or the readout computes it now."""
    s = MlpLabState(dataset="xor", schedule="exponential", schedule_gamma=0.9, lr=0.1)
    run, record = s.training(5)
    record(run())
    assert s.epoch == 5 and s._multiplier_ahead[2] == pytest.approx(0.9**5, rel=1e-5)
    assert s.lr_at_epoch(5) == pytest.approx(0.1 * 0.9**5, rel=1e-5)  # the worker's
    assert s.lr_at_epoch(3) == pytest.approx(0.1 * 0.9**3, rel=1e-5)  # computed now
    s.schedule_gamma = 0.5  # a new schedule: the worker's value no longer fits
    assert s.lr_at_epoch(5) == pytest.approx(0.1 * 0.5**5, rel=1e-5)


def test_in_a_page_a_new_network_is_made_on_a_worker_and_the_last_setting_wins(
        lab, monkeypatch):
    from playground.ui import session as ui_session

    later = []
    monkeypatch.setattr(ui_session, "next_tick_from_any_thread", lambda doc: later.append)
    page = type("Page", (), {"session_context": None})()
    lab.worker.attach(page)
    lab.state.run_slow_work = lab._run_slow_work
    generation = lab.state.generation
    lab.state.layers = "5,3"
    assert lab.worker.busy("network") and lab.compiling.visible and lab.player.waits()
    assert lab.state.arch.hidden == (8, 8)  # the old network until the new one is made
    lab.state.layers = "4"  # typed again before it was made
    lab.state.layers = "6,2"
    for _ in range(2):  # "5,3" is made and dropped, then "6,2" (never "4")
        for _ in range(1200):
            if later:
                break
            time.sleep(0.05)
        later.pop()()
    assert lab.state.arch.hidden == (6, 2) and lab.state.generation == generation + 1
    assert not lab.worker.busy() and not lab.compiling.visible
    sizes = lab.network._structure[0]
    assert sizes[1:-1] == (6, 2)  # the diagram shows the new network


def test_a_step_pressed_while_an_upload_is_read_steps_the_uploaded_network(
        lab, monkeypatch):
    """Upload, then Step at once: the file is read on a worker, and the step waits for
    the network made from it (it stepped the old network, which the upload then threw
    away: the page showed epoch 0 after a Step)."""
    from types import SimpleNamespace

    from playground.ui import session as ui_session

    lab.state.train_ratio = 100  # (before the worker: a new network at once)
    later = []
    monkeypatch.setattr(ui_session, "next_tick_from_any_thread", lambda doc: later.append)
    page = type("Page", (), {"session_context": None})()
    lab.worker.attach(page)
    lab.state.run_slow_work = lab._run_slow_work
    lab.controls._on_upload(SimpleNamespace(new=b"x1,x2,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n"))
    assert lab.worker.busy("upload") and lab.player.waits()
    lab.player.step_once()
    assert lab.state.epoch == 0 and lab.player.steps_waiting == 1
    while later or lab.worker.busy():  # the file read, then its network made
        for _ in range(1200):
            if later:
                break
            time.sleep(0.05)
        later.pop()()
    assert lab.state.dataset == "uploaded" and len(lab.state.data.y_train) == 4
    assert lab.state.epoch == 1 and lab.player.steps_waiting == 0


def test_show_validation_points_is_offered_only_when_there_are_some():
    lab = MlpLab(state=MlpLabState(train_ratio=100))
    lab.start()
    assert not lab.show_val.visible
    lab.state.train_ratio = 50
    assert lab.show_val.visible
    lab.state.train_ratio = 100
    assert not lab.show_val.visible


def best_marks(view):
    """Each chart's legend entry for the best epoch, and its line: (loss, accuracy)."""
    entries = []
    for fig, key in zip((view.loss_fig, view.acc_fig), view.best_keys, strict=True):
        entries += [item for item in fig.legend[0].items
                    if item.renderers and item.renderers[0] is key]
    assert len(entries) == 2
    return entries, view.best_spans


def marks_shown(marks) -> list[bool]:
    entries, spans = marks
    return [item.visible for item in entries] + [span.visible for span in spans]


def test_without_validation_there_is_no_best_epoch_to_mark():
    """The best epoch is the best on validation: at a 100 % share neither its line nor
    its legend entry is drawn (the legend said "best epoch" with nothing to be best on)."""
    lab = MlpLab(state=MlpLabState(train_ratio=100))
    lab.start()
    lab.train_chunk(3)
    marks = best_marks(lab.boundary)
    assert marks_shown(marks) == [False] * 4
    lab.state.train_ratio = 50
    lab.train_chunk(1)
    assert marks_shown(marks) == [True] * 4


def test_the_best_epoch_is_marked_once_an_epoch_is_trained(lab):
    """Before any training there is no best epoch: no line at epoch 0, no legend entry;
    after a trained epoch both, at the best epoch; a new network hides them again."""
    marks = best_marks(lab.boundary)
    assert marks_shown(marks) == [False] * 4
    lab.train_chunk(3)
    assert marks_shown(marks) == [True] * 4
    assert [span.location for span in marks[1]] == [lab.state.best_epoch] * 2
    lab.player.reset.clicks += 1  # a new network at epoch 0
    assert lab.state.epoch == 0
    assert marks_shown(marks) == [False] * 4


def test_a_refusal_goes_when_a_lesson_or_link_sets_the_value_again(lab):
    """The over-fitting lesson sets α = 0.01, the value in use: the refusal typed before
    spoke of the state before the lesson, and goes (so does a refused neuron count when a
    link sets the same layers)."""
    s, c = lab.state, lab.controls
    guard = c.guards["lr"]
    guard.widget.value = 500.0
    assert guard.note.visible and s.lr == 0.01
    s.apply_preset("overfit")
    assert s.lr == 0.01 and not guard.note.visible and guard.refusal == ""
    c.layer_widths.objects[0].value = 0
    assert c.layer_note.visible
    s.layers = s.layers  # set again, unchanged
    assert not c.layer_note.visible


def test_the_best_epoch_line_is_a_single_networks(lab):
    """A race keeps no best epoch: the sidebar's line goes (it spoke of the network not
    trained), and comes back with a single network; its loss as the readout writes it."""
    s, best = lab.state, lab.controls.best_pane
    assert best.visible and "epoch 0" in shown(best)
    s.race = ["sgd", "adam"]
    s.train(3)
    lab.controls.show_details()
    assert not best.visible
    s.race = []
    s.train(3)
    lab.controls.show_details()
    assert best.visible and mlp_lab.loss_text(s.best_val) in shown(best)


def test_a_page_keeps_its_programs_through_a_release_of_the_servers():
    """The server's memory bound drops JAX's caches (``ui.memory``); a page holds its
    training programs (``numerics.programs``): it trains on without compiling, as a
    page that saw no release, a single network and a race."""
    from playground.ui import memory

    for settings in ({}, {"race": ["sgd", "adam"]}):
        untouched, released = MlpLabState(**settings), MlpLabState(**settings)
        untouched.train(4)
        released.train(4)
        compiled = released.programs.compilations
        memory.release_compiled_programs()
        untouched.train(6)
        released.train(6)
        assert released.programs.compilations == compiled, settings
        np.testing.assert_array_equal(released.history, untouched.history)


def test_a_pages_next_frame_after_a_release_compiles_nothing(jax_compilations):
    """Every computation of a frame (its training, the readout's α, the heat maps and
    the diagram) runs through the page's own programs: an array or a small op made
    with JAX outside them is a program of JAX's, compiled again after each release of
    the server's (10–20 ms each; six in a frame paused a page's updates on a loaded
    server: benchmarks/README.md)."""
    from playground.ui import memory

    def frame(s):
        run, record = s.training(3)
        record(run())
        s.grid(), s.diagram(), s.lr_at_epoch(s.epoch)
        if s.racers:
            s.race_grids()

    for settings in ({}, {"race": ["sgd", "adam"], "discretize": True},
                     {"dataset": "spiral", "features": ["x1", "x2", "x1x2"],
                      "batchnorm": True, "dropout": 0.2, "schedule": "step"}):
        s = MlpLabState(**settings)
        frame(s), frame(s)
        memory.release_compiled_programs()
        with jax_compilations() as made:
            frame(s)
        assert made == [], settings


def test_the_speed_is_in_the_link_and_the_control_follows_it():
    """``speed=max`` from a link (a lesson that plays fast) sets the control; the
    control writes the link; a language switch (the same link) keeps it."""
    lab = MlpLab()
    assert lab.state.apply_query({"speed": "max"}) == []
    assert lab.player.speed.value == "max"
    lab.player.speed.value = 20
    assert lab.state.speed == "20" and lab.state.to_query()["speed"] == "20"
    again = MlpLab()
    again.state.apply_query(lab.state.to_query())
    assert again.player.speed.value == 20
    assert "speed" not in MlpLab().state.to_query()  # the default (5) is not written
    problems = MlpLab().state.apply_query({"speed": "7"})
    assert len(problems) == 1 and "speed" in problems[0]


def test_a_links_epochs_past_the_preparation_budget_train_on_in_the_page(monkeypatch):
    """The server gives a link's epochs ``PREPARE_BUDGET_S`` of its page's preparation
    (a link of 5,000 epochs of a heavy network held the slot every page being opened
    needs for minutes): the page trains on to the link's epoch in chunks of about
    ``LINK_CHUNK_S`` (between which a closed page stops it and other work goes first),
    to the network the play loop would have; its link keeps asking for that epoch."""
    import playground.labs.mlp.lab as lab_module

    monkeypatch.setattr(lab_module, "LINK_CHUNK_S", 0.0)  # an epoch a chunk
    state = MlpLabState()
    assert state.apply_query({"layers": "4", "epoch": "30"}) == []
    state.precompute(budget_s=0.0)  # out of time at once: one chunk at most
    assert state.epoch < 30 and state.trained == 30
    chunks = []
    training = state.training
    state.training = lambda n, *a, **k: (chunks.append(n), training(n, *a, **k))[1]
    lab = MlpLab(state=state)
    lab.start()  # (no session: the page's work runs at once)
    assert state.epoch == 30 and state.to_query()["epoch"] == "30"
    played = MlpLabState(layers="4")
    played.train_to(30)
    np.testing.assert_array_equal(state.history, played.history)
    assert chunks == [1] * 30


def test_a_closed_page_trains_no_further_towards_its_links_epoch():
    """Each result dropped after the page closed ends the worker's work, which asked
    for the next chunk: a closed page trained on, chunk after dropped chunk, until its
    session ended (15–35 s)."""
    state = MlpLabState()
    assert state.apply_query({"layers": "4", "epoch": "30"}) == []
    state.precompute(budget_s=0.0)
    lab = MlpLab(state=state)
    lab.worker.closed = lambda: True  # its browser has gone
    lab.start()
    assert state.epoch == 0
    lab._show_compiling(False)  # the worker's "done" after a dropped result
    assert state.epoch == 0


def test_a_link_trains_whole_where_there_is_no_budget():
    """A script's or the command line's state (``precompute()``): the link's epoch."""
    state = MlpLabState()
    assert state.apply_query({"layers": "4", "epoch": "30"}) == []
    state.precompute()
    assert state.epoch == 30


def test_a_link_followed_while_playing_starts_its_own_network_at_its_epoch(lab):
    """A lesson's Next while the network trains: the next step's link differs only in
    L2 (no epoch: 0). The network playing went on under the new L2 from epoch 2,810,
    one run spliced from two (a new user's review); it is the link's network at epoch
    0, as a page opened at that link shows."""
    from playground.labs.mlp.state import MlpLabState

    s = lab.state
    s.apply_link({"layers": "4", "l2": "0.025"})
    lab.player.play.value = True  # trained holds 0 while playing: written on pause
    for _ in range(3):
        lab.player.tick()
    assert s.epoch > 0 and s.trained == 0
    step = {"layers": "4", "dropout": "0.5"}
    assert s.apply_link(step) == []
    assert s.epoch == 0 and s.l2 == 0 and s.dropout == 0.5 and not lab.player.play.value
    fresh = MlpLabState()
    fresh.apply_query(step)
    fresh.precompute()
    for a, b in zip(jax.tree_util.tree_leaves(s.model.params),
                    jax.tree_util.tree_leaves(fresh.model.params), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert s.to_query() == fresh.to_query()
    # Back to an earlier epoch while playing: the pause wrote the epoch shown over the
    # link's, and the network played on from there.
    lab.player.play.value = True
    deadline = time.monotonic() + 60  # (a frame rests after a long one: the new network's)
    while s.epoch < 10 and time.monotonic() < deadline:
        lab.player.tick()
        time.sleep(0.05)
    assert s.epoch >= 10 and s.trained == 0
    assert s.apply_link({**step, "epoch": "3"}) == []
    assert s.epoch == 3 and s.trained == 3 and not lab.player.play.value
    assert s.to_query()["epoch"] == "3"


def test_the_verdict_holds_from_epoch_to_epoch_with_dropout_and_reads_the_restored_network():
    """The student's run (dropout 0.5 on 60 noisy points): validation loss 0.55 at epoch
    1,000, its lowest 0.33 at 746, and the verdict went "over-fitting", "a good fit",
    "over-fitting" from one "+1 epoch" to the next.  Now over-fitting at every epoch
    there.  After "Restore best" the verdict is on the curves up to the restored epoch
    (the restored network had been called over-fitted by the curves after it)."""
    s = MlpLabState()
    s.apply_query({"dataset": "circle", "noise": "35", "points": "60",
                   "layers": "32,32,32", "activation": "relu", "init": "he",
                   "dropout": "0.5"})
    while s.epoch < 1013:
        s.train(min(250, 1013 - s.epoch))
    h = np.asarray(s.history)
    assert h[1000, 2] > 1.5 * h[:1001, 2].min()  # the case: validation loss well up
    assert {reading(h[:e + 1], 2, 0.35) for e in range(950, 1014)} == {"overfit"}
    assert s.reading() == "overfit"
    s.restore_best()
    assert s.epoch == s.best_epoch < 1013 and len(s.history) == 1014  # curves kept
    assert s.reading() == reading(h[:s.epoch + 1], 2, 0.35) != "overfit"
