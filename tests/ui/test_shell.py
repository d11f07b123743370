"""The page shell (``playground.ui.shell``) without a browser."""

import subprocess
import sys
import threading
import time
from pathlib import Path

import panel as pn
import pytest

from playground.ui import shell as app


def columns(page):
    """The page's row of controls and pictures (below the header, and the button that
    scrolls to the controls where they go below the pictures)."""
    return next(o for o in page.objects if "pg-columns" in o.css_classes)


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).resolve().parents[2]).stdout.strip()


def test_the_shell_imports_no_numerics():
    """The page's shell is answered before JAX is imported (a thread imports it)."""
    assert _run("import sys, playground.ui.shell; print('jax' in sys.modules)") == "False"


def test_importing_the_shell_changes_no_process_setting():
    """Process settings are made by ``serve()`` (``configure_process``), not by imports."""
    out = _run("import gc, sys\n"
               "before = (gc.get_threshold(), sys.getswitchinterval(), gc.get_freeze_count())\n"
               "import playground.ui.shell, playground.labs.mlp.lab\n"
               "import playground.labs.optimizers.lab\n"
               "print(before == (gc.get_threshold(), sys.getswitchinterval(),"
               " gc.get_freeze_count()))")
    assert out == "True"


def test_float64_whichever_is_imported_first():
    for code in ("import playground, jax.numpy as jnp; print(jnp.zeros(1).dtype)",
                 "import jax.numpy as jnp, playground; print(jnp.zeros(1).dtype)"):
        assert _run(code) == "float64"


_RACING_IMPORTS = """
import threading
from playground.ui import process, shell
start, errors = threading.Barrier(2), []
def page():  # a page's thread: JAX, then its lab
    start.wait()
    try: process.enable_compilation_cache(); shell.lab_class("optimizers")
    except Exception as e: errors.append(repr(e))
def lesson():  # a lesson's link, on the session's thread: the labs its steps name
    start.wait()
    try: shell.lab_class("mlp")
    except Exception as e: errors.append(repr(e))
threads = [threading.Thread(target=page), threading.Thread(target=lesson)]
[t.start() for t in threads]; [t.join() for t in threads]
print(errors)
"""


def test_two_threads_importing_labs_and_jax_at_once_both_get_them():
    """A fresh server's first page imports JAX on its thread while a lesson's page
    imports its labs on the session's: unserialised, 5 runs in 6 met a half-made
    ``jax.numpy`` (ImportError) and the lesson's page failed."""
    for _ in range(2):
        assert _run(_RACING_IMPORTS) == "[]"


def test_the_imports_are_frozen_out_of_the_collector_once_per_lab():
    """The objects alive after a lab's imports (JAX's, the lab's) are frozen once;
    what later pages make is collected as usual (the frozen count stays put)."""
    out = _run("import gc, playground.ui.shell as a\n"
               "import playground.ui.process\n"
               "playground.ui.process.configure_process()\n"
               "shell = gc.get_freeze_count()\n"  # Panel's and Bokeh's, at import
               "a.prepare_state('optimizers', {}, [])\n"
               "n = gc.get_freeze_count()\n"
               "a.prepare_state('optimizers', {'surface': 'beale'}, [])\n"
               "print(shell > 50_000, n > shell + 50_000, gc.get_freeze_count() == n)")
    assert out == "True True True"


def test_without_a_server_the_page_holds_the_whole_lab():
    page = app.create_app()
    sidebar, body = columns(page).objects
    assert any(isinstance(o, pn.widgets.Select) for o in sidebar.objects)
    assert not any("pg-page-loading" in o.css_classes for o in body.objects)
    assert len(body.select(pn.pane.Bokeh)) >= 3  # the surface and the loss charts


def test_the_link_is_read_and_the_first_race_computed_before_the_lab_is_built():
    state, problems = app.prepare_state("optimizers", {"surface": "himmelblau",
                                                       "steps": "-3"}, ["x"])
    assert state.surface == "himmelblau"
    assert state.result is not None  # the first race is computed before the page
    lab = app.build_lab("optimizers", state, problems)
    assert lab.state is state
    assert "steps" in lab.link_problems and "x" in lab.link_problems


@pytest.mark.parametrize("step", ["prepare_state", "build_lab"])
def test_a_lab_that_cannot_be_built_leaves_a_message_not_a_traceback(monkeypatch, step):
    def broken(*_args):
        raise RuntimeError("no numerics today")

    monkeypatch.setattr(app, step, broken)
    page = app.create_app()
    sidebar, body = columns(page).objects
    (alert,) = body.objects
    assert "pg-build-error" in alert.css_classes and "no numerics today" in alert.object
    assert sidebar.objects == []


@pytest.mark.parametrize("lab_key, query", [("optimizers", {"surface": "rosenbrock"}),
                                            ("mlp", {"dataset": "spiral"})])
def test_the_thread_that_prepares_a_lab_makes_no_panel_object_and_holds_no_page(
        monkeypatch, lab_key, query):
    """While the thread prepares a lab the server may be serving another page: Panel's
    registries are then being read, and Bokeh's current document is that page's.  The
    thread must leave both alone.  (A link registered from the thread failed another
    page's script; a hold() of Bokeh's current document lost that page's callbacks.)"""
    import threading
    from types import SimpleNamespace

    from bokeh.document import Document
    from bokeh.io.doc import patch_curdoc
    from panel.viewable import Viewable

    made = []
    init = Viewable.__init__
    monkeypatch.setattr(Viewable, "__init__", lambda self, *a, **k: (
        made.append(type(self).__name__), init(self, *a, **k))[1])
    other_page = Document()
    other_page._session_context = lambda: SimpleNamespace(id="another-session")
    held = []
    hold = other_page.callbacks.hold
    other_page.callbacks.hold = lambda *args: (held.append(args), hold(*args))
    prepared = {}
    with patch_curdoc(other_page):
        thread = threading.Thread(target=lambda: prepared.update(
            state=app.prepare_state(lab_key, query, [])[0]))
        thread.start()
        thread.join()
    assert made == [] and held == []
    assert set(query.items()) <= set(prepared["state"].to_query().items())
    lab = app.build_lab(lab_key, prepared["state"], [])  # (then, with the page's document current)
    assert made and lab.state is prepared["state"]


def test_the_mlp_labs_first_picture_is_the_untrained_network_not_a_blank():
    """The heat map is drawn before the lab joins the page, so the browser's first
    picture of it is the network's (a flat ½ came first, and a test read it)."""
    import numpy as np

    lab = app.build_lab("mlp", *app.prepare_state("mlp", {"dataset": "xor"}, []))
    (image,) = lab.image_source.data["image"]
    assert image.min() < 0.5 < image.max()
    np.testing.assert_allclose(image, lab.state.grid(), rtol=1e-6)


def test_a_link_value_that_breaks_the_lab_gives_its_defaults_and_a_notice(monkeypatch):
    """A value that no check foresaw (here: ``apply_query`` raising) leaves a working
    lab with its defaults, and the notice says the link was not used."""
    from playground.labs.optimizers.state import OptimizerLabState

    def broken(self, query):
        raise OverflowError("no check foresaw this")

    monkeypatch.setattr(OptimizerLabState, "apply_query", broken)
    state, problems = app.prepare_state("optimizers", {"surface": "beale"}, [])
    assert state.surface == "ravine" and state.result is not None
    assert any("could not be used" in p for p in problems)


def test_unknown_link_keys_are_named():
    _, problems = app.prepare_state("mlp", {"lab": "mlp", "dataset": "xor", "bogus": "1"}, [])
    assert problems == ["bogus='1' (unknown key)"]


def test_a_page_that_ends_stops_its_lab_and_gives_up_its_programs(monkeypatch):
    from playground.ui import memory

    page = app.Page(None)
    assert page.lab is not None  # without a server the lab is built at once
    forgotten, stopped = [], []
    monkeypatch.setattr(memory.BUDGET, "forget", lambda state: forgotten.append(
        (state, threading.current_thread().name)))
    stop = page.lab.stop
    monkeypatch.setattr(page.lab, "stop", lambda: stopped.append(stop()))
    page.lab.state.compute()
    assert len(page.lab.state.programs) > 0
    page._on_session_destroyed(None)
    assert stopped == [None] and len(page.lab.state.programs) == 0  # its programs gone
    deadline = time.monotonic() + 10
    while not forgotten and time.monotonic() < deadline:
        time.sleep(0.01)
    # off the event loop: a release holds Python's lock for a while
    assert forgotten == [(page.lab.state, "playground-release")]


def test_a_chinese_link_makes_the_whole_page_chinese_and_the_link_keeps_it():
    from playground.text import TEXT
    from playground.ui.link import LinkLocation

    zh = TEXT["zh"]
    location = LinkLocation(search="?lab=optimizers&lang=zh&surface=saddle")
    page = app.create_app(location)
    header = page.objects[0]
    title = header.select(pn.pane.HTML)[0].object
    assert zh["app.title"] in title
    switcher = header.select(pn.widgets.RadioButtonGroup)[0]
    assert zh["lab.optimizers"] in switcher.options and zh["lab.mlp"] in switcher.options
    language = [w for w in header.select(pn.widgets.Select) if "pg-language" in w.css_classes]
    assert language[0].value == "zh" and set(language[0].options.values()) == {"en", "zh"}
    sidebar = columns(page).objects[0]
    names = {w.name for w in sidebar.select(pn.widgets.Widget) if w.name}
    assert zh["surface"] in names and "Surface" not in names
    # The lab's state speaks Chinese, and the link it writes keeps the language.
    assert "lang=zh" in location.search and "surface=saddle" in location.search


def test_a_lesson_link_that_names_its_lab_opens_the_lessons_first_step():
    """``?lab=mlp&lesson=overfitting`` (as README writes a lab's lesson) is step 1's
    network and data, not the lab's defaults under step 1's caption."""
    from playground.ui.link import LinkLocation

    location = LinkLocation(search="?lab=mlp&lesson=overfitting")
    page = app.Page(location)
    state = page.lab.state
    assert (state.dataset, state.noise, state.points) == ("circle", 35, 60)
    assert state.layers.replace(" ", "") == "32,32,32"
    assert page.lesson.step == 1 and page.problems == []
    assert "points=60" in location.search and "lesson_step=1" in location.search


def test_a_chinese_link_says_in_chinese_what_it_could_not_use():
    """A bad formula, a bad number and an unknown key: one line, in Chinese, with the
    link's own text quoted and no English sentence."""
    import re

    from playground.text import TEXT
    from playground.ui.link import LinkLocation

    location = LinkLocation(search="?lab=optimizers&lang=zh&surface=custom&expr=foo(x)"
                                   "&steps=many&colour=red")
    page = app.Page(location)
    shown = page.lab.link_problems
    assert shown.startswith(TEXT["zh"]["url.ignored"].split("{")[0])
    for quoted in ("expr='foo(x)'（", "steps='many'（", "colour='red'（", "“foo”"):
        assert quoted in shown, shown
    assert not re.search(r"\b[A-Za-z]{2,}(?:\s+[A-Za-z]{2,}){2,}\b", shown), shown
    english = app.Page(LinkLocation(search="?lab=optimizers&surface=custom&expr=foo(x)"))
    assert "expr='foo(x)' (unknown name 'foo' at position 1; allowed: x, y, pi, e" in (
        english.lab.link_problems)


def test_an_english_page_has_no_language_in_its_link():
    from playground.ui.link import LinkLocation

    location = LinkLocation(search="?lab=mlp&lang=en")
    app.create_app(location)
    assert "lang" not in location.search and "lab=mlp" in location.search


def test_a_players_step_rewrites_the_history_entry_and_a_setting_adds_one(monkeypatch):
    """The optimizer lab's step (``URL_REPLACES``) alone: the link rewritten in the
    entry it is in; a setting, or a setting with a step (a new run): a new entry."""
    from types import SimpleNamespace

    monkeypatch.setattr(app, "start_background_warmup", lambda _lab: None)
    location = SimpleNamespace(search="?lab=optimizers&steps=50")
    page = app.Page(location)
    s = page.lab.state
    assert page.interactive and page.lab.URL_REPLACES == ("step",)
    assert "pg-complete" in page.view.css_classes  # every part of the lab is in the page
    s.step = 7
    assert "step=7" in location.search and page.history.mode == "replace"
    s.optimizers = ["sgd", "adam"]
    assert "optimizers=sgd%2Cadam" in location.search and page.history.mode == "push"
    s.step = 9
    assert "step=9" in location.search and page.history.mode == "replace"
    s.param.update(log_loss="on", step=-1)
    assert "step=" not in location.search and page.history.mode == "push"


def test_a_link_back_shows_is_followed_and_counted_before_its_link_is_written(monkeypatch):
    """Back's link (``popped``: count | query) sets the lab, and the count the server
    followed reaches the browser with the link it writes (links written before it are an
    older page's: the browser drops them)."""
    class Location:  # each link written, with the count the page had followed then
        def __init__(self, search):
            self._search, self.writes, self.history = search, [], None

        @property
        def search(self):
            return self._search

        @search.setter
        def search(self, value):
            self._search = value
            if self.history is not None:
                self.writes.append((self.history.followed, value))

    monkeypatch.setattr(app, "start_background_warmup", lambda _lab: None)
    location = Location("?lab=optimizers&steps=50")
    page = app.Page(location)
    location.history = page.history
    page.history.popped = "3|?lab=optimizers&steps=300"
    assert page.lab.state.steps == 300 and "steps=300" in location.search
    assert location.writes and all(count == 3 for count, _ in location.writes)
    assert page.history.followed == 3 and page.history.mode == "push"


def _page_document(search: str):
    from bokeh.document import Document

    from playground.ui.link import LinkLocation

    doc = Document()
    doc.add_root(app.create_app(LinkLocation(search=search)).get_root(doc))
    return doc


def test_an_mlp_page_holds_half_the_bokeh_models_it_did():
    """Issue #9 item 4: Bokeh walks every model of a page again at each change of it, on
    the event loop every page shares, and sends each.  An MLP page held 926 (the race's
    view built, hidden; two spare glyphs per curve); a race adds its view."""
    assert len(_page_document("?lab=mlp").models) < 500
    assert len(_page_document("?lab=mlp&race=sgd,adam").models) < 850


def test_plots_that_cannot_select_or_mute_leave_those_glyphs_to_bokehjs():
    from bokeh.document import Document
    from bokeh.models import TapTool
    from bokeh.plotting import figure

    plain, tapped, joined = (figure(tools=""), figure(tools=[TapTool()]), figure(tools=""))
    lines = [fig.line([0, 1], [0, 1], legend_label="a") for fig in (plain, tapped, joined)]
    Document().add_root(joined)
    for fig in (plain, tapped, joined):
        app.lean_renderers(fig)
    assert (lines[0].nonselection_glyph, lines[0].muted_glyph) == ("auto", "auto")
    assert lines[0].glyph.line_color == "#1f77b4"  # the line itself as it was
    assert lines[1].nonselection_glyph not in (None, "auto")  # a tap selects: kept
    assert lines[2].nonselection_glyph not in (None, "auto")  # in a page already: left
    muting = figure(tools="")
    line = muting.line([0, 1], [0, 1], legend_label="a")
    muting.legend.click_policy = "mute"
    app.lean_renderers(muting)
    assert line.muted_glyph not in (None, "auto")



@pytest.mark.parametrize(("lab", "hide"), [("optimizers", False), ("mlp", False),
                                           ("optimizers", True), ("mlp", True)],
                         ids=["optimizers", "mlp", "optimizers-embedded-hiding-every-control",
                              "mlp-embedded-hiding-every-control"])
def test_a_page_that_ends_is_freed(lab, hide):
    """Panel's registry of JS links kept every MLP and optimizer page alive for good
    (its values hold their keys: a jslink's target, its watchers, the lab, the source);
    the page's end drops its entries (issue #9: a server's memory)."""
    import gc
    import weakref

    from panel.links import Callback

    from playground.ui.link import LinkLocation

    # Embedded with ``hide=``: the controls left out of the page had links of their own
    # (a speed box linked to the player), which kept the page as well.
    keys = ",".join(sorted(app.lab_class(lab).state_class().LINK_KEYS))
    page = app.Page(LinkLocation(search=f"?lab={lab}" + (f"&embed=1&hide={keys}" if hide else "")))
    assert any(key in Callback.registry for key in page.view.select())  # (what leaked)
    assert bool(page.lab.left_out) == hide
    lab_ref = weakref.ref(page.lab)
    page._on_session_destroyed(None)
    del page
    # Objects dropped while the page was built may still hold it through a weak
    # registry's entry keyed by them: collecting them removes the entry, and the page
    # goes in the collector's next pass (as a server's next collection does).
    for _ in range(3):
        if gc.collect() == 0:
            break
    assert lab_ref() is None


def test_the_controls_join_in_parts_of_about_equal_weight():
    """``next_part`` counts every Panel object inside each control (a layout of 18 weighs
    18, a slider 1), so that no step of joining the sidebar holds the loop much longer
    than another; a control heavier than the budget goes alone, never dropped."""

    class Wrapped(pn.viewable.Viewer):  # a view counts by what it shows
        def __panel__(self):
            return pn.Column(*(pn.widgets.Checkbox() for _ in range(4)))

    sliders = [pn.widgets.FloatSlider() for _ in range(5)]
    heavy = pn.Column(*(pn.widgets.Checkbox() for _ in range(12)))  # 13 objects
    controls = [*sliders, Wrapped(), heavy, pn.widgets.Select()]
    parts, rest = [], controls
    while rest:
        part, rest = app.next_part(rest, 9)
        parts.append(part)
    # 5 sliders; the view (a column and 4 boxes: 5); the heavy column alone; the select
    assert parts == [[*sliders], [controls[5]], [heavy], [controls[7]]]
    assert [obj for part in parts for obj in part] == controls  # all, in order
    assert app.next_part([], 9) == ([], [])
    assert app.next_part(sliders, 5) == (sliders, [])


def test_the_mlp_sidebar_joins_in_steps_of_at_most_the_budget():
    page = app.Page(app.LinkLocation(search="?lab=mlp"))
    rest = list(page.lab.without_hidden(page.lab.sidebar()))
    sizes = []
    while rest:
        part, rest = app.next_part(rest, app.CONTROLS_PER_STEP)
        weight = sum(len(obj.select()) for obj in part)
        assert weight <= app.CONTROLS_PER_STEP or len(part) == 1
        sizes.append(weight)
    assert len(sizes) >= 4, sizes  # the whole sidebar is about 150 objects
