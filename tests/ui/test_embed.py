"""``embed=1`` and ``hide=KEY,KEY`` (issue #12, "Embed"): read by the link codec, the
header left out, the hidden keys' controls left out of the sidebar while their values
stay in the state and in the rewritten link."""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import parse_qs

import panel as pn
import pytest

from playground.labs.mlp.state import LINK as MLP_LINK
from playground.ui import shell
from playground.ui.link import read_embedding, write_embedding


def test_embed_and_hide_are_read_and_written_by_the_codec():
    assert read_embedding({}) == (False, (), [])
    assert read_embedding({"embed": "1", "hide": "lr,,optimizer,lr"}, MLP_LINK) == (
        True, ("lr", "optimizer"), [])
    embed, hide, problems = read_embedding({"embed": "maybe", "hide": "lr,nonsense"}, MLP_LINK)
    assert (embed, hide) == (False, ("lr",))
    assert problems == ["embed='maybe' (expected 1 or 0)", "hide='nonsense' (unknown key)"]
    assert write_embedding(False, ()) == {}
    assert write_embedding(True, ("lr", "optimizer")) == {"embed": "1", "hide": "lr,optimizer"}


def _page(monkeypatch, search: str):
    monkeypatch.setattr(shell, "start_background_warmup", lambda _lab: None)
    location = SimpleNamespace(search=search)
    return shell.Page(location), location


def _param_names(objects) -> set[str]:
    return {w._param_name for o in objects for w in o.select(pn.widgets.Widget)
            if getattr(w, "_param_name", None)}


def test_a_formula_typed_in_the_address_bar_keeps_its_plus_signs(monkeypatch):
    """The browser sends a typed space as %20 and a typed + as +, which a query reads as
    a space: ``x**2 - y**2 + 0.1*sin(3*x)`` was refused as "x**2 - y**2 0.1*…"."""
    page, _ = _page(monkeypatch, "?lab=optimizers&surface=custom"
                                 "&expr=x**2%20-%20y**2%20+%200.1*sin(3*x)")
    assert page.problems == []
    assert page.lab.state.expression == "x**2 - y**2 + 0.1*sin(3*x)"


def test_an_embedded_mlp_lab_has_no_header_and_hides_the_chosen_controls(monkeypatch):
    page, location = _page(monkeypatch, "?lab=mlp&embed=1&hide=lr,optimizer,nonsense&lr=0.05")
    assert not any("pg-header" in o.css_classes for o in page.view.select(pn.layout.Row))
    assert not page.view.select(pn.widgets.RadioButtonGroup)  # no lab switcher
    shown = _param_names(page.side.objects)
    assert not {"lr", "optimizer"} & shown and {"batch", "seed", "dataset"} <= shown
    assert page.lab.state.lr == 0.05  # a hidden control keeps its link value
    assert "hide='nonsense' (unknown key)" in page.lab.link_problems
    query = parse_qs(location.search[1:])
    assert query["embed"] == ["1"] and query["hide"] == ["lr,optimizer"]
    assert query["lr"] == ["0.05"]


def test_a_plain_page_keeps_its_header_and_every_control(monkeypatch):
    page, location = _page(monkeypatch, "?lab=mlp")
    assert any("pg-header" in o.css_classes for o in page.view.select(pn.layout.Row))
    assert {"lr", "optimizer"} <= _param_names(page.side.objects)
    assert "embed" not in location.search and "hide" not in location.search


@pytest.mark.parametrize("hide", ["sgd_lr", "surface,sgd_lr"])
def test_the_optimizer_lab_hides_a_knob_in_a_card_built_later(monkeypatch, hide):
    page, location = _page(monkeypatch, f"?lab=optimizers&hide={hide}")
    lab = page.lab
    assert ("surface" in _param_names(page.side.objects)) == ("surface" not in hide)
    lab.hp_cards["sgd"].collapsed = False  # the card's knobs are built now
    assert "sgd_lr" not in _param_names(lab.hp_cards["sgd"].objects)
    lab.hp_cards["momentum"].collapsed = False
    assert "momentum_lr" in _param_names(lab.hp_cards["momentum"].objects)
    assert f"hide={hide.replace(',', '%2C')}" in location.search


def test_a_lab_loaded_by_server_document_leaves_the_host_pages_url_alone(monkeypatch):
    """``server_document`` loads the lab into another site's page, whose URL the browser
    shows: the lab reads its arguments but never rewrites that page's link."""
    page, location = _page(monkeypatch, "?bokeh-autoload-element=p1&bokeh-app-path=/app"
                                        "&lab=mlp&embed=1&hide=lr&lr=0.05")
    assert page.lab.state.lr == 0.05 and "lr" not in _param_names(page.side.objects)
    assert not page.history.own_page  # the host page's <html lang> is its own
    page.lab.state.lr = 0.07
    page._write_link()
    assert location.search.startswith("?bokeh-autoload-element=p1")


@pytest.mark.parametrize("lab, key", [("optimizers", "surface"), ("mlp", "dataset"),
                                      ("biasvariance", "family")])
def test_every_lab_reports_an_unknown_hidden_key(monkeypatch, lab, key):
    page, location = _page(monkeypatch, f"?lab={lab}&embed=1&hide={key},bogus")
    assert "hide='bogus' (unknown key)" in page.lab.link_problems
    assert parse_qs(location.search[1:])["hide"] == [key]


#: Link keys with no control of their own: the player's step and epoch, the weights
#: edited by tapping the diagram, the fit picked by tapping the plot.
# Keys no sidebar or picture widget sets: the player's position, the set whose fit is
# drawn (a click on it), and the link's weight edits, whose editor lives inside the
# network diagram (``hide=edits`` locks it: tests/labs/mlp/test_mlp_network.py).
NO_CONTROL = {"optimizers": {"step"}, "mlp": {"epoch", "edits"}, "biasvariance": {"shown"}}


def _widgets(objects) -> list:
    """The widgets in ``objects`` (a ``Viewer``'s pictures hold none that a key sets)."""
    return [w for o in objects if hasattr(o, "select") for w in o.select(pn.widgets.Widget)]


@pytest.mark.parametrize("lab_key", sorted(NO_CONTROL))
def test_every_link_key_with_a_control_is_hidden_by_hide(lab_key):
    """``hide=KEY`` leaves out every control of KEY wherever the lab puts it (the
    sidebar, under the pictures), and every button that would change it: the MLP
    lab's lessons, "new data", the optimizer lab's reset to the surface's defaults."""
    import importlib

    def build(hidden=()):
        module, name = shell.LABS[lab_key].split(":")
        lab = getattr(importlib.import_module(module), name)()
        lab.hide_controls(hidden)
        return lab, _widgets(lab.without_hidden([*lab.sidebar(), *lab.main(), *lab.details()]))

    lab, every = build()
    table = lab.state.LINK
    missed = {}
    for key in sorted(set(table.by_key) - NO_CONTROL[lab_key]):
        _, kept = build([key])
        gone = [w for w in every if not any(k is w for k in kept)]
        if not gone:
            missed[key] = "nothing left out"
    assert missed == {}
    # The buttons that set a hidden key go with it.
    _, kept = build(["seed"])
    labels = {getattr(w, "name", "") for w in kept}
    if lab_key == "mlp":
        from playground.text import tr
        assert tr("mlp.regenerate", "en") not in labels
        assert tr("mlp.preset.overfit", "en") not in labels
        assert tr("mlp.preset.overfit", "en") in {w.name for w in every}
        # A race trains other optimizers: a page that fixes the optimizer offers none.
        race = lambda widgets: [w for w in widgets if "pg-race" in w.css_classes]
        assert race(every) and not race(build(["optimizer"])[1])
    if lab_key == "optimizers":
        _, kept = build(["x0"])
        from playground.text import tr
        assert tr("reset", "en") not in {w.name for w in kept}
        assert tr("reset", "en") in {w.name for w in every}


def test_a_hidden_controls_help_goes_with_it_and_knobs_say_whose_they_are():
    """``hide=noise`` left the noise's help (g̃ = ∇L + σξ …) explaining a slider not
    there; ``hide=lr,optimizer`` left β₁, β₂ and ε with no name (a teaching assistant's
    review)."""
    import html

    from playground.labs.mlp.lab import MlpLab
    from playground.labs.optimizers.lab import OptimizerLab
    from playground.text import tr

    def texts(objects):
        return " ".join(str(getattr(p, "object", "")) for o in objects if hasattr(o, "select")
                        for p in o.select(pn.pane.Markdown))

    lab = OptimizerLab()
    help_text = tr("noise.help").split(":")[0]
    assert help_text in texts(lab.without_hidden(lab.sidebar()))
    lab.hide_controls(["noise"])
    assert help_text not in texts(lab.without_hidden(lab.sidebar()))
    mlp = MlpLab()
    mlp.prepare()  # (the page's first picture: the network and its controls)
    mlp.hide_controls(["lr", "optimizer"])
    kept = mlp.without_hidden(mlp.sidebar())
    title = mlp.controls.knob_title
    assert any(title in o.select(pn.pane.HTML) for o in kept if hasattr(o, "select"))
    assert title.visible and tr("mlp.knobs_of", optimizer="Adam") in html.unescape(title.object)
    mlp.state.optimizer = "sgd"  # α alone: no knobs, no title
    assert not title.visible
    mlp.state.race = ["sgd", "adam"]
    assert title.visible and tr("mlp.knobs_of_race") in html.unescape(title.object)
