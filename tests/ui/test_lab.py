"""The lab contract (``playground.ui.lab``): what every lab gives the shell, and the
order in which the shell uses it (a toy lab served by ``shell.Page`` without a server)."""

from types import SimpleNamespace

import panel as pn
import param
import pytest

from playground.text import tr
from playground.ui import shell
from playground.ui.lab import Lab, LabState
from playground.ui.session import PREPARE_BUDGET_S


@pytest.mark.parametrize("key", list(shell.LABS))
def test_every_registered_lab_keeps_the_contract(key):
    lab_class = shell.lab_class(key)
    state_class = lab_class.state_class()
    assert issubclass(lab_class, Lab) and issubclass(state_class, LabState)
    assert tr(Lab.title_key(key), "en")  # its name, shown before the lab is imported
    assert state_class.LINK_KEYS and "lab" not in state_class.LINK_KEYS
    # Back / Forward and ``hide`` read the table itself (it was missing in one lab).
    assert state_class.LINK is not None and state_class.LINK.keys == state_class.LINK_KEYS
    state = state_class(lang="en")
    assert state.apply_link(state.full_query()) == []  # its own full link, taken back
    assert set(lab_class.URL_TRIGGERS) <= set(state_class.param)
    for hook in ("build_sidebar", "main"):
        assert getattr(lab_class, hook) is not getattr(Lab, hook), hook
    assert lab_class.sidebar is Lab.sidebar  # built once, kept by the base class


def test_the_base_classes_say_what_is_missing():
    with pytest.raises(NotImplementedError):
        LabState().apply_query({})
    with pytest.raises(NotImplementedError):
        LabState().to_query()
    with pytest.raises(NotImplementedError):
        Lab(state=LabState()).main()


# -- a toy lab, served by the shell ------------------------------------------------------


class ToyState(LabState):
    size = param.Integer(1, bounds=(1, 10))
    LINK_KEYS = frozenset({"size"})

    def apply_query(self, query):
        if "size" in query:
            self.size = int(query["size"])
        return []

    def to_query(self):
        return {"size": str(self.size)}

    def precompute(self, budget_s=float("inf")):
        self.precomputed = budget_s


class ToyLab(Lab):
    state = param.ClassSelector(class_=ToyState)
    URL_TRIGGERS = ("size",)

    def __init__(self, **params):
        super().__init__(**params)
        self.calls = []

    def report_link_problems(self, problems):
        self.calls.append(("report_link_problems", problems))

    def prepare(self):
        self.calls.append("prepare")

    def main(self):
        self.calls.append("main")
        return [pn.pane.HTML("picture", css_classes=["toy-picture"])]

    def start(self):
        self.calls.append("start")

    def build_sidebar(self):
        self.calls.append("sidebar")
        return [pn.widgets.IntInput.from_param(self.state.param.size)]

    def details(self):
        self.calls.append("details")
        return [pn.pane.HTML("details", css_classes=["toy-details"])]

    def stop(self):
        self.calls.append("stop")


@pytest.fixture
def toy_page(monkeypatch):
    """``shell.Page`` for ``?lab=mlp&size=3&bogus=1`` with ``mlp`` registered as the toy."""
    monkeypatch.setitem(shell.LABS, "mlp", f"{__name__}:ToyLab")
    monkeypatch.setattr(shell, "start_background_warmup", lambda _lab: None)
    location = SimpleNamespace(search="?lab=mlp&size=3&bogus=1")
    return shell.Page(location), location


def test_a_served_page_prepares_its_lab_within_the_budget(toy_page):
    """A served page's preparation (``Page._prepare``, on its thread, in the slot every
    page being opened shares) gives a link ``PREPARE_BUDGET_S`` of work."""
    page, _ = toy_page
    page._next_tick = lambda _then: None  # (the session's: none here)
    page._prepare()
    assert page.lab.state.precomputed == PREPARE_BUDGET_S


def test_the_shell_builds_a_lab_in_the_contracts_order(toy_page):
    page, location = toy_page
    lab = page.lab
    # (without a server, the whole of what a link asks of the first picture)
    assert lab.state.size == 3 and lab.state.precomputed == float("inf")
    assert lab.calls == [("report_link_problems", ["bogus='1' (unknown key)"]), "prepare",
                         "main", "start", "sidebar", "details"]
    sidebar, body = next(o for o in page.view.objects if "pg-columns" in o.css_classes).objects
    # The shell's lesson bar (hidden without a lesson) above the lab's pictures, and its
    # lesson card below the lab's controls (issue #12, ``ui.lesson``).
    assert [o.css_classes for o in body.objects] == [["pg-lesson-bar"], ["toy-picture"],
                                                     ["toy-details"]]
    assert not body.objects[0].visible
    # The controls: the way back to the pictures (narrow pages), the lab's, the card.
    assert len(sidebar.objects) == 3 and sidebar.objects[2] is page.lesson.card()
    assert sidebar.objects[0].css_classes == ["pg-jump-to-pictures"]
    assert location.search == "?lab=mlp&size=3"  # the link, rewritten from the state


def test_the_sidebar_is_built_once(toy_page):
    """The shell's ``sidebar()`` returns the controls the lab built, not new ones (a
    second build left objects behind that held the page until a later collection)."""
    page, _ = toy_page
    first = page.lab.sidebar()
    again = page.lab.sidebar()
    assert page.lab.calls.count("sidebar") == 1
    assert len(again) == len(first) and all(a is b for a, b in zip(first, again, strict=True))


def test_the_link_follows_the_url_triggers_and_the_session_end_stops_the_lab(toy_page):
    page, location = toy_page
    page.lab.state.size = 7
    assert location.search == "?lab=mlp&size=7"
    page._on_session_destroyed(None)
    assert page.lab.calls[-1] == "stop"
