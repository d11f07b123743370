"""Issue #11: settings that cannot run together, and data too small to split.

Each combination that cannot run is adjusted where it is set, with a one-line reason in
``state.error`` (the lab shows it in its notice); the network then trains.
"""

import re

import jax
import numpy as np
import pytest

from playground.labs.mlp.lab import MlpLab
from playground.labs.mlp.state import MAX_RACERS, PRESETS, MlpLabState
from playground.numerics import optimizers as opt
from playground.numerics import training

XOR_TABLE = "x1,x2,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n"


def trains(state, epochs=3):
    """Train ``epochs`` epochs, one call each; the history must stay finite."""
    before = state.epoch
    for _ in range(epochs):
        state.train(1)
    assert state.epoch == before + epochs
    assert np.all(np.isfinite(state.history))


# -- batch norm needs two examples per batch -------------------------------------------

def test_batchnorm_with_a_batch_of_one_trains_in_batches_of_two():
    state = MlpLabState()
    assert state.apply_query({"batch": "1", "batchnorm": "1"}) == []
    assert state.arch.batchnorm and state.arch.batch_size == 2
    assert "Batch norm needs at least 2 examples per batch" in state.error
    assert "\n" not in state.error  # one line
    # The control and the link show the batch in use, without a second new network.
    generation = state.generation
    assert state.batch == 2 and state.to_query()["batch"] == "2"
    trains(state)
    state.batchnorm = False
    state.batch = 1  # without batch norm a batch of one is fine
    assert state.arch.batch_size == 1 and state.error == "" and state.generation > generation
    state.batchnorm = True  # set at the control: adjusted there too
    assert state.batch == 2 and state.arch.batch_size == 2


def test_batchnorm_with_one_training_example_is_off_and_says_why():
    state = MlpLabState()
    state.param.update(points=10, train_ratio=10.0, batchnorm=True)
    assert state.n_train == 1 and not state.arch.batchnorm and state.arch.batch_size == 1
    assert "only 1 training example" in state.error
    trains(state)
    assert state.batch == 1  # the control shows the batch in use
    # Enough examples again: batch norm is back, the 10 asked for cut to the 5 there are.
    state.train_ratio = 50.0
    assert state.arch.batchnorm and state.arch.batch_size == 5 == state.batch
    assert "the batch is now 5 (the 10 asked for" in state.error
    state.batch = 1  # chosen now: batch norm raises it to two
    assert state.arch.batch_size == 2 == state.batch
    state.batch = 4  # a batch the data allows: the notes go
    assert state.arch.batch_size == 4 and state.error == ""


@pytest.mark.parametrize("rows, ratio, used", [(4, 50.0, 2), (10, 50.0, 5), (4, 100.0, 4),
                                               (10, 10.0, 1)])
def test_a_batch_larger_than_the_training_set_is_shown_as_the_batch_in_use(rows, ratio,
                                                                           used):
    """A small upload: the batch is at most the training set; the setting (the control and
    the link) shows the batch in use, with a note, and the control's bounds are the data's."""
    lab = MlpLab()
    lab.start()
    s, c = lab.state, lab.controls
    assert s.batch == 10
    points = "\n".join(f"{i % 2},{i // 2 % 2},{(i % 2) ^ (i // 2 % 2)}" for i in range(rows))
    s.train_ratio = ratio
    c.upload.value = f"x1,x2,label\n{points}".encode()
    assert s.dataset == "uploaded" and s.n_train == used
    assert s.arch.batch_size == used == s.batch == c.batch.value
    assert s.to_query()["batch"] == str(used)
    assert f"the batch is now {used}" in s.error
    assert c.batch.end == max(used, 2) and c.batch.disabled == (used < 2)
    guard = c.guards["batch"]
    guard.widget.value = used + 1  # more than the training set: refused at the box
    assert s.batch == used and guard.note.visible and f"outside [1, {used}]" in guard.refusal


def test_the_batch_asked_for_comes_back_with_more_training_points():
    """XOR at a 50 % share trains in batches of 2; at 100 % in batches of 4; a larger
    data set gets the 10 asked for back.  A batch chosen meanwhile is the new one asked
    for; batch norm's 2 for a batch of 1 gives the 1 back when it is off."""
    lab = MlpLab()
    lab.start()
    s, c = lab.state, lab.controls
    xor = "x1,x2,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0"
    s.train_ratio = 50.0
    c.upload.value = xor.encode()
    assert s.arch.batch_size == s.batch == 2 and "(the 10 asked for" in s.error
    s.train_ratio = 100.0
    assert s.n_train == 4 and s.arch.batch_size == s.batch == 4
    s.dataset = "circle"
    assert s.n_train > 10 and s.arch.batch_size == s.batch == 10 and s.error == ""
    s.dataset = "uploaded"  # the XOR file again, and a batch chosen on it
    assert s.batch == 4
    s.batch = 3
    s.dataset = "circle"
    assert s.arch.batch_size == s.batch == 3
    s.param.update(batch=1, batchnorm=True)
    assert s.arch.batch_size == s.batch == 2
    s.batchnorm = False
    assert s.arch.batch_size == s.batch == 1


@pytest.mark.parametrize("settings", [
    dict(batch=1, batchnorm=True, layers="4"),
    dict(batch=1, batchnorm=True, race=["sgd", "adam"]),
    dict(points=10, train_ratio=10.0, batchnorm=True, batch=1, dropout=0.5),
    dict(batch=3, batchnorm=True, points=13, train_ratio=10.0),  # 1 training example
    dict(layers="0", batchnorm=True, batch=1, dropout=0.3),
])
def test_every_batchnorm_combination_trains(settings):
    state = MlpLabState()
    state.param.update(**settings)
    trains(state, 2)


# -- settings that do nothing, and races -----------------------------------------------

def test_settings_without_effect_are_said():
    state = MlpLabState()
    state.param.update(layers="0", dropout=0.3, batchnorm=True)
    assert "Dropout acts on hidden layers" in state.error
    assert "Batch norm acts on hidden layers" in state.error
    assert not state.arch.batchnorm
    trains(state, 1)
    state.dropout = 0.0
    assert "Dropout" not in state.error and "Batch norm" in state.error


def test_a_race_of_more_than_four_races_four_and_says_so():
    state = MlpLabState()
    state.race = list(opt.NAMES)
    assert len(state.racers) == MAX_RACERS
    assert f"at most {MAX_RACERS}" in state.error
    trains(state, 1)


def test_early_stopping_is_off_in_a_race_and_says_so():
    state = MlpLabState()
    state.param.update(race=["sgd", "adam"], early_stop=True, patience=1)
    trains(state, 3)
    assert not state.should_stop()
    assert "Early stopping is off during a race" in state.error


def test_no_feature_chosen_uses_x1_x2_and_says_so():
    state = MlpLabState()
    state.features = []
    assert state.arch.n_inputs == 2 and "at least one input feature" in state.error


# -- a schedule that reaches α = 0 ------------------------------------------------------

def test_a_schedule_that_reaches_zero_halts_training_with_a_reason():
    state = MlpLabState()
    state.param.update(schedule="cosine", schedule_every=2)  # T = 2 epochs: α(2) = 0
    state.train(1)
    state.train(1)
    assert state.epoch == 2 and state.lr_at_epoch(2) == 0.0
    assert state.halted and "α to 0" in state.error
    state.train(5)
    assert state.epoch == 2  # nothing trained
    state.schedule_every = 50  # α > 0 again: the note goes, training goes on
    assert not state.halted and state.error == ""
    trains(state, 1)


def test_the_lab_pauses_when_alpha_reaches_zero():
    lab = MlpLab()
    lab.start()
    lab.state.param.update(schedule="cosine", schedule_every=1)
    lab.player.play.value = True
    for _ in range(3):
        lab.player.tick()
    assert not lab.player.play.value and lab.callback is None
    assert lab.state.epoch == 1  # where α reached 0, not at the chunk's end
    assert lab.message.visible and "α to 0 at epoch 1:" in lab.message.object


@pytest.mark.parametrize("epoch", ["100", "300"])
def test_a_link_epoch_past_a_cosine_schedules_end_stops_there_and_says_so(epoch):
    """``schedule=cosine&epoch=300``: α is 0 from epoch T = 50 on, so the page stops at
    50, as Play does, and says so there (it showed 256, "α to 0 at epoch 256", or 100
    with no word)."""
    for race in ([], ["sgd", "adam"]):
        state = MlpLabState()
        assert state.apply_query({"schedule": "cosine", "epoch": epoch}) == []
        state.race = race
        state.trained = int(epoch)
        state.precompute()
        assert state.epoch == 50 and len(state.history) == 51, (race, state.epoch)
        assert "α to 0 at epoch 50:" in state.error
        state.train_to(int(epoch))
        assert state.epoch == 50


# -- a training share of 100 %: no validation ------------------------------------------

def test_xor_truth_table_trains_on_all_four_points():
    state = MlpLabState()
    state.train_ratio = 100.0
    assert state.use_csv(state.read_csv(XOR_TABLE)) == ""
    assert state.n_train == 4 and not state.has_validation
    assert len(state.data.points_val) == 0
    state.param.update(layers="4", activation="tanh", optimizer="adam", lr=0.05, batch=4)
    for _ in range(10):
        state.train(50)
    assert state.history[-1, 1] == 1.0  # every one of the four points right
    assert state.reading() == "no_validation"
    # The engine's "validation" columns are the training set's (nothing non-finite).
    np.testing.assert_allclose(state.history[:, 2], state.history[:, 0], rtol=1e-6)


def test_without_validation_early_stopping_watches_the_training_loss():
    state = MlpLabState()
    state.param.update(train_ratio=100.0, early_stop=True, patience=3, lr=1e-7)
    assert state.n_train == state.points and not state.has_validation
    for _ in range(12):
        state.train(1)
    message = state.early_stop_message()
    assert "no validation points" in message and "training loss" in message


def test_the_reading_without_validation_still_sees_under_fitting():
    state = MlpLabState()
    state.param.update(**{**PRESETS["underfit"], "train_ratio": 100.0})
    state.train(60)
    assert state.reading() == "underfit_no_validation"


def test_a_link_carries_a_training_share_of_100_percent():
    state = MlpLabState()
    assert state.apply_query({"train_ratio": "100", "points": "20", "batch": "20"}) == []
    assert float(state.to_query()["train_ratio"]) == 100.0
    again = MlpLabState()
    assert again.apply_query(state.to_query()) == []
    assert again.n_train == 20 and not again.has_validation


def test_the_lab_hides_validation_curves_without_validation_points():
    lab = MlpLab()
    lab.start()
    lab.state.train_ratio = 100.0
    lab.step.clicks += 1
    view = lab.boundary
    assert view.validation_renderers and not any(r.visible for r in view.validation_renderers)
    assert "none" in lab.readout.object
    lab.state.train_ratio = 50.0
    lab.step.clicks += 1
    assert all(r.visible for r in view.validation_renderers)


def test_the_lab_defaults_are_the_engine_defaults():
    state = MlpLabState()
    for key, value in training.DEFAULTS.items():
        assert getattr(state, key) == (list(value) if key == "features" else value), key
    assert state.lr == opt.KNOBS["lr"].default


# -- the link's epoch ---------------------------------------------------------------------


def test_a_link_with_an_epoch_shows_the_network_trained_that_far():
    """``epoch=N`` in a link: the page shows the network the play loop would have after
    N epochs (trained in chunks of 5, as at speed 5), curves and all."""
    linked = MlpLabState()
    assert linked.apply_query({"layers": "4", "epoch": "30"}) == []
    linked.precompute()  # the page's first picture
    assert linked.epoch == 30 and len(linked.history) == 31
    played = MlpLabState(layers="4")
    for _ in range(6):
        played.train(5)
    np.testing.assert_array_equal(linked.history, played.history)
    for a, b in zip(jax.tree.leaves(linked.model), jax.tree.leaves(played.model), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert linked.to_query()["epoch"] == "30"
    # A change of the user's starts a new network at epoch 0: out of the link.
    linked.layers = "5"
    assert linked.trained == 0 and "epoch" not in linked.to_query()
    # Back to the link: the epoch is kept through the new network.
    linked.apply_link({"layers": "4", "epoch": "30"})
    assert linked.trained == 30 and linked.layers == "4"
    linked.train_to(linked.trained)
    np.testing.assert_array_equal(linked.history, played.history)
    assert MlpLabState().apply_query({"epoch": "99999"}) != []  # over the bound: named


def test_a_link_epoch_past_a_divergence_stops_there():
    state = MlpLabState()
    assert state.apply_query({"optimizer": "sgd", "lr": "10", "dataset": "spiral",
                              "layers": "8,8", "activation": "linear",
                              "features": "x1,x2,x1_sq,x2_sq,x1x2", "epoch": "400"}) == []
    state.precompute()
    assert state.diverged_at is not None and state.epoch < 400
    assert np.all(np.isfinite(state.history))
    assert state.reading() == "unstable"  # not "press Play", however few the epochs


#: Chinese characters, and a run of three English words (an English sentence).
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,}(?:\s+[A-Za-z]{2,}){2,}\b")


@pytest.mark.parametrize("content", [
    "1,2\n3,4\n", "x1,x2,label\n1,2,0\n3,abc,1\n5,6,0\n7,8,1\n", b"\xff\xfe1\x00", "1,2,0\n",
])
def test_a_bad_csv_file_is_explained_in_the_pages_language(content):
    state = MlpLabState(lang="zh")
    problem = state.use_csv(state.read_csv(content))
    assert CJK.search(problem) and not ENGLISH_RUN.search(problem), problem
    assert state.dataset != "uploaded"
    english = MlpLabState()
    assert english.use_csv(english.read_csv(content)) == str(_csv_error(content))


def _csv_error(content):
    from playground.numerics.datasets import DatasetError, parse_csv
    with pytest.raises(DatasetError) as caught:
        parse_csv(content)
    return caught.value


def test_bad_layers_and_a_bad_link_are_explained_in_the_pages_language():
    from playground.ui.link import render_problems

    state = MlpLabState(lang="zh")
    state.layers = "8,a"
    assert CJK.search(state.error) and not ENGLISH_RUN.search(state.error), state.error
    problems = MlpLabState(lang="zh").apply_query({
        "dataset": "uploaded", "layers": "40", "features": "", "batch": "900",
        "race": "sgd,momentum,nesterov,adam,rmsprop"})
    assert {p.split("=")[0] for p in problems} == {"dataset", "layers", "features", "batch",
                                                    "race"}
    shown = render_problems(problems, "zh")
    assert CJK.search(shown) and not ENGLISH_RUN.search(shown), shown


def test_the_settings_help_is_in_the_pages_language():
    """A setting's help (Panel's "?" from the parameter's doc) is the table's, per page:
    a Chinese page does not change an English one's."""
    from playground.text import TEXT

    chinese, english = MlpLabState(lang="zh"), MlpLabState()
    names = [k.removeprefix("mlp.doc.") for k in TEXT["en"] if k.startswith("mlp.doc.")]
    assert len(names) == 8
    for name in names:
        assert chinese.param[name].doc == TEXT["zh"][f"mlp.doc.{name}"]
        assert english.param[name].doc == TEXT["en"][f"mlp.doc.{name}"]
        assert MlpLabState.param[name].doc == TEXT["en"][f"mlp.doc.{name}"]


@pytest.mark.parametrize("lang, words", [("en", "Only 4 points: set the training share to 100 %"),
                                         ("zh", "只有 4 个数据点：训练集比例设为 100%")])
def test_few_points_get_a_line_saying_a_share_of_100_percent_exists(lang, words):
    lab = MlpLab(state=MlpLabState(lang=lang))
    lab.start()
    s, c = lab.state, lab.controls
    assert not c.share_hint.visible  # 500 points
    c.upload.value = b"x1,x2,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n"
    assert s.dataset == "uploaded" and s.train_ratio == 50.0
    assert c.share_hint.visible and words in c.share_hint.object
    s.train_ratio = 100.0  # chosen: the line has said what it had to
    assert not c.share_hint.visible
    s.param.update(dataset="circle", points=10, train_ratio=50.0)  # ten generated points
    assert c.share_hint.visible and "10" in c.share_hint.object
    s.points = 30
    assert not c.share_hint.visible
    # Hidden with its slider (``hide=train_ratio``).
    lab.hidden = frozenset({"train_ratio"})
    assert lab.without_hidden([c.share_box, c.points]) == [c.points]


def test_a_batch_size_that_does_not_divide_the_training_set_says_what_an_epoch_is():
    """An epoch of n points in batches of b is ⌈n/b⌉ updates, the last batch topped up
    from the same shuffle (``training.epoch_order``, checked there against its rows):
    the page says so where it is so, and nothing where b divides n."""
    lab = MlpLab(state=MlpLabState())
    lab.start()
    s, c = lab.state, lab.controls
    assert s.n_train % s.arch.batch_size == 0 and not c.batch_note.visible
    s.batch = 16
    n = s.n_train
    assert n % 16 and c.batch_note.visible
    extra = 16 * -(-n // 16) - n
    order = np.asarray(training.epoch_order(jax.random.key(0), n, 16)).ravel()
    assert len(order) - len(set(order.tolist())) == extra  # seen twice in the epoch
    assert (f"{n} training points in batches of 16: an epoch is {-(-n // 16)} updates, "
            f"the last batch topped up with {extra} points") in c.batch_note.object
    s.batch = 10
    assert not c.batch_note.visible
    lab.hidden = frozenset({"batch"})
    assert lab.without_hidden([c._placed(c.batch), c.points]) == [c.points]


def test_a_race_of_one_says_the_single_network_trains():
    state = MlpLabState(race=["adam"])
    assert state.racers == () and state.race_models is None
    state.optimizer = "sgd"
    assert "at least two optimizers (only Adam is ticked)" in state.error
    assert "with the optimizer chosen above (SGD)" in state.error
    state.race = ["adam", "sgd"]
    # In the order chosen (a link's ``race=adam,sgd``), not the registry's: the headline
    # and the first heat map are Adam's.
    assert state.racers == ("adam", "sgd") and "at least two" not in state.error
    state.race = ["adam", "sgd", "adam"]
    assert state.racers == ("adam", "sgd")


def test_a_race_figures_caption_gives_the_maps_frame():
    """The race's small maps have no axes: a figure's caption says their frame, as the
    line under them in the page does; a single network's map has axes (no note)."""
    from playground.labs.mlp.state import race_frame_text
    from playground.ui.export import figure_caption

    s = MlpLabState()
    assert s.apply_query({"race": "sgd,adam", "dataset": "spiral"}) == []
    s.precompute()
    words = race_frame_text(s.frame, "en")
    assert words.startswith("Each map: x₁ from ") and words.endswith(".")
    assert figure_caption(s).endswith(" · " + words[:-1])
    # The racers' shared α in brackets: listed after them it read as one more racer.
    assert " · Race: SGD, Adam (each α = 0.01) · " in figure_caption(s)
    single = MlpLabState()
    single.precompute()
    assert "Each map" not in figure_caption(single)


def test_a_race_with_alphas_of_its_own_says_each_racers_alpha():
    from playground.ui.export import figure_caption

    s = MlpLabState()
    assert s.apply_query({"race": "sgd,adam", "lr_sgd": "0.3", "beta1": "0.8"}) == []
    assert " · Race: SGD (α = 0.3), Adam (α = 0.01) (each β₁ = 0.8) · " in figure_caption(s)


def test_each_racers_alpha_box_shows_for_the_racers_and_an_empty_one_races_at_the_labs():
    """A box per racer under the race: empty (the lab's α greyed in it) races at the
    lab's α; a number typed is the racer's own; out of bounds, refused and said so."""
    lab = MlpLab(state=MlpLabState())
    lab.start()
    s, c = lab.state, lab.controls
    assert not c.racer_lr_row.visible
    s.race = ["sgd", "adam"]
    assert c.racer_lr_row.visible
    shown = {n for n, w in c.racer_lrs.items() if w.visible and c.guards[f"lr_{n}"].layout.visible}
    assert shown == {"sgd", "adam"}
    box = c.racer_lrs["sgd"]
    assert box.value is None and box.placeholder == "0.01"
    box.value = 0.3
    assert s.lr_sgd == 0.3 and s.racer_lr("sgd") == 0.3 and s.racer_lr("adam") == 0.01
    box.value = 500.0
    assert s.lr_sgd == 0.3 and box.value == 0.3
    assert "500 not used (outside [1×10⁻⁷, 100]): 0.3 is in use." in c.guards["lr_sgd"].refusal
    box.value = None  # emptied: the lab's α again
    assert s.lr_sgd is None and s.racer_lr("sgd") == s.lr
    s.lr = 0.05
    assert box.placeholder == "0.05"
    s.lr_adam = 0.002  # a link or a lesson: the box follows
    assert c.racer_lrs["adam"].value == 0.002
    lab.hidden = frozenset({"lr"})  # a page that fixes α keeps no racer's α either
    assert lab.without_hidden([c.racer_lr_row, c.points]) == [c.points]


def test_a_linear_models_caption_names_no_activation():
    """No hidden layer, no activation in the model (a review saw "Network: no hidden
    layer, tanh"); with hidden layers the activation is named."""
    linear, hidden = MlpLabState(), MlpLabState()
    assert linear.apply_query({"layers": "0", "activation": "relu"}) == []
    assert hidden.apply_query({"layers": "4", "activation": "relu"}) == []
    assert "Network: no hidden layer · " in " · ".join(linear.caption_parts()) + " · "
    assert "ReLU" not in " · ".join(linear.caption_parts())
    assert "Network: 1 hidden layer (width 4), ReLU" in " · ".join(hidden.caption_parts())
