"""A weight edited in the MLP lab's editor goes into the link (``edits``): a page opened
from the link trains to the edit's epoch, makes the edit and trains on, so it shows the
same network; bad ``edits`` values give the default and a one-line note."""

import jax
import numpy as np
import pytest

from playground.labs.mlp import state as mlp_state
from playground.labs.mlp.state import (
    MAX_EDITS,
    MlpLabState,
    WeightEdit,
    format_edits,
    parse_edits,
)
from playground.text import tr
from playground.ui.link import render_problems


def same_network(a: MlpLabState, b: MlpLabState) -> bool:
    leaves = zip(jax.tree.leaves(a.model.params), jax.tree.leaves(b.model.params), strict=True)
    return all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in leaves)


def opened(query: dict) -> MlpLabState:
    """A page's state opened from ``query``: the link applied, its first picture made."""
    page = MlpLabState()
    assert page.apply_query(query) == []
    page.precompute()
    return page


def test_an_edited_run_is_reproduced_by_its_link():
    """Edits at epoch 0 and mid-run, then training on: the link's page has the same
    network and curves; the same run unedited differs (the edits made a difference)."""
    run = MlpLabState(layers="4")
    assert run.set_weight(0, 1, 2, 1.5) == ""  # the untrained network
    run.train(7)
    run.train(5)
    assert run.set_weight(1, 3, 0, -2.25) == ""
    assert run.set_weight(0, 0, 0, 0.75) == ""
    run.train(10)
    run.trained = run.epoch  # the page writes the epoch when paused
    query = run.to_query()
    assert query["edits"] == "0:1:2:3:1.5,12:2:4:1:-2.25,12:1:1:1:0.75"
    assert query["epoch"] == "22"
    page = opened(query)
    assert page.epoch == 22 and page.edits == run.edits
    assert same_network(page, run)
    np.testing.assert_array_equal(page.history, run.history)
    assert page.to_query() == query  # and its own link is the same
    unedited = opened({k: v for k, v in query.items() if k != "edits"})
    assert not same_network(unedited, run)
    assert not np.array_equal(unedited.history, run.history)


def test_an_edit_writes_the_epoch_it_was_made_at_and_a_second_value_replaces_the_first():
    run = MlpLabState()
    run.train(3)
    assert run.set_weight(0, 0, 1, 0.5) == ""
    assert run.set_weight(0, 0, 1, 0.25) == ""  # the same weight again, same epoch
    assert run.edits == [WeightEdit(3, 0, 0, 1, 0.25)]
    assert run.trained == 3 and run.to_query()["epoch"] == "3"
    assert run.set_weight(0, 1, 1, 0.5) == ""  # another weight: another edit
    assert len(run.edits) == 2
    page = opened(run.to_query())
    assert same_network(page, run)


def test_a_refused_edit_changes_neither_the_network_nor_the_link():
    run = MlpLabState()
    before = run.to_query()
    assert run.set_weight(0, 0, 0, float("nan")) != ""
    assert run.set_weight(0, 0, 0, 101.0) != ""
    assert run.set_weight(9, 0, 0, 1.0) != ""
    assert run.edits == [] and run.to_query() == before


def test_a_run_links_at_most_max_edits():
    run = MlpLabState(layers="8,8")
    for k in range(MAX_EDITS):
        assert run.set_weight(1, k % 8, k // 8, 0.1 * k) == ""
    params = run.model.params
    refused = run.set_weight(2, 0, 0, 3.0)
    assert refused == tr("mlp.weight.too_many", "en", n=MAX_EDITS)
    assert run.model.params is params and len(run.edits) == MAX_EDITS
    assert run.set_weight(1, (MAX_EDITS - 1) % 8, (MAX_EDITS - 1) // 8, 9.0) == ""  # the last
    assert len(parse_edits(run.to_query()["edits"])) == MAX_EDITS


def test_an_edit_past_the_epochs_a_link_reaches_is_made_and_said_to_be_unlinked(monkeypatch):
    monkeypatch.setattr(mlp_state, "MAX_LINK_EPOCHS", 4)
    run = MlpLabState()
    run.train(5)
    assert run.set_weight(0, 0, 0, 2.0) == ""
    assert float(run.model.params[0]["W"][0, 0]) == 2.0
    assert not run.last_edit_linked and run.edits == []


def test_a_user_change_of_the_network_and_restore_best_leave_out_what_they_undo():
    run = MlpLabState(layers="4")
    run.train(5)
    assert run.set_weight(0, 0, 0, 2.0) == ""  # at epoch 5
    run.train(5)
    run.best_model, run.best_epoch = run.best_model._replace(epoch=3), 3  # as if best at 3
    run.restore_best()
    assert run.edits == [] and run.applied_edits == []  # epoch 3's network predates it
    run.train(4)
    assert run.set_weight(0, 1, 0, 1.0) == ""
    run.layers = "5"  # a new network of the user's: no edits, epoch 0
    assert run.edits == [] and "edits" not in run.to_query()


@pytest.mark.parametrize("value, reason", [
    ("x", "edit_form"), ("1:2:3", "edit_form"), ("0:0:1:1:1", "edit_form"),
    ("0:1:1:1:abc", "edit_form"), ("-1:1:1:1:1", "edit_form"), ("9999:1:1:1:1", "edit_form"),
    ("0:1:1:1:nan", "edit_value"), ("0:1:1:1:1e3", "edit_value"),
    ("0:1:1:1:1,0:1:1:1:inf", "edit_value"),
    (",".join(["0:1:1:1:1"] * (MAX_EDITS + 1)), "edits_many"),
    ("5:1:1:1:1,3:1:1:1:1", "edit_order"),
    ("0:1:3:1:1", "edit_no_weight"),  # two inputs (x₁, x₂): no third
    ("0:3:9:1:1", "edit_no_weight"),  # the default 8,8 network: layer 3 is 8 → 2
    ("0:3:1:3:1", "edit_no_weight"),  # two classes: no third output
    ("0:4:1:1:1", "edit_no_weight"),  # no fourth layer
    ("3:1:1:1:1", "edit_after"),  # the link's epoch is 0
])
def test_bad_edits_in_a_link_give_none_and_a_note(value, reason):
    page = MlpLabState()
    problems = page.apply_query({"edits": value, "l2": "0.001"})
    assert len(problems) == 1 and problems[0].startswith("edits=")
    assert problems[0].reason.code == reason
    assert page.edits == [] and page.l2 == 0.001  # the default; the good values apply
    for lang in ("en", "zh"):  # one line, in the page's language
        line = render_problems(problems, lang)
        assert line and "\n" not in line
    assert "{" not in render_problems(problems, "zh")


def test_edits_that_fit_the_links_own_network_are_read():
    """Checked against the network the link describes, not the default one."""
    page = MlpLabState()
    query = {"layers": "3", "features": "x1,x2,x1_sq", "dataset": "three_class",
             "epoch": "4", "edits": "0:1:3:3:0.5,4:2:3:3:-1"}
    assert page.apply_query(query) == []
    assert page.edits == [WeightEdit(0, 0, 2, 2, 0.5), WeightEdit(4, 1, 2, 2, -1.0)]
    page.precompute()
    assert float(page.model.params[1]["W"][2, 2]) == -1.0  # made at epoch 4, the last


def test_the_edits_text_round_trips():
    edits = [WeightEdit(0, 0, 1, 2, 0.1), WeightEdit(7, 2, 0, 0, -100.0),
             WeightEdit(7, 1, 3, 4, 1 / 3)]
    assert parse_edits(format_edits(edits)) == edits
    assert format_edits(edits).split(",")[1] == "7:3:1:1:-100"
    assert parse_edits("") == []
    for odd in ("0:1:1:1:1_0", "٠:1:1:1:1", "0:1:1:1:１"):  # Python's float reads them
        with pytest.raises(ValueError, match="is not EPOCH:LAYER:FROM:TO:VALUE"):
            parse_edits(odd)


def test_back_and_forward_take_an_edit_away_and_bring_it_back():
    """In the lab: a weight typed in the editor (paused at epoch 6) goes into the link;
    Back (the link before) shows the network unedited, Forward edited again."""
    from playground.labs.mlp.lab import MlpLab

    lab = MlpLab()
    lab.start()
    s = lab.state
    lab.player.step.clicks += 1  # Step: one chunk of epochs, paused (the link's epoch)
    before = s.to_query()
    epoch = s.epoch
    assert epoch > 0 and before.get("epoch") == str(epoch)
    lab.network.select(1, 2, 0)
    lab.network.weight_input.value = 2.5  # typed, Enter
    assert float(s.model.params[1]["W"][2, 0]) == 2.5
    after = s.to_query()
    assert after["edits"] == f"{epoch}:2:3:1:2.5" and after["epoch"] == str(epoch)
    s.apply_link(before)  # Back
    assert s.edits == [] and s.epoch == epoch
    assert same_network(s, opened(before))
    s.apply_link(after)  # Forward
    assert s.epoch == epoch and float(s.model.params[1]["W"][2, 0]) == 2.5
    assert same_network(s, opened(after))
    lab.stop()
