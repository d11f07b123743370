"""The playground's shell: the page layout, the lab switcher, links and warm-up.

``create_app()`` builds one browser session's page (a :class:`Page`).  Labs are
registered in ``LABS`` under the names used in links (``?lab=optimizers``); each is a
:class:`~playground.ui.lab.Lab` around a :class:`~playground.ui.lab.LabState`, and
``playground.ui.lab`` says what the shell calls and in which order: the pictures come
first, then the controls, then the details, each on a later tick.

In a server session the page is sent at once as a shell (header, switcher, a
spinner) while a thread imports the numerics, reads the link and computes the
first picture's numbers; then the session's thread builds the lab (Panel objects
are made on that thread only) and it joins the page once the browser is ready too.
The browser spends that time loading its JavaScript, so neither waits for the other.
"""

from __future__ import annotations

import html
import importlib
import logging
import math
import threading
from urllib.parse import urlencode

import panel as pn
import param
from bokeh.document import Document
from bokeh.models import (
    BoxSelectTool,
    GlyphRenderer,
    LassoSelectTool,
    Plot,
    PolySelectTool,
    TapTool,
)
from panel.io import hold
from panel.io.state import set_curdoc
from panel.reactive import ReactiveHTML
from tornado.ioloop import IOLoop

from ..text import DEFAULT_LANGUAGE, FONT_STACK, LANGUAGES, tr
from . import memory
from .flow import NARROW_PX, WRAP
from .keyboard import KeyboardShortcuts
from .lab import Lab, LabState
from .lesson import LESSON_LINK, LessonGuide, first_step_query, lab_link
from .link import (
    DEFAULT_LAB,
    LinkLocation,
    LinkReason,
    page_location,
    problem,
    read_embedding,
    read_query,
    typed_query,
    write_embedding,
)
from .markup import notice, set_notice
from .paint import skip_css_variables
from .present import CSS as DISPLAY_CSS
from .present import (
    DISPLAY_LINK,
    FOCUS_RING,
    PAGE_BUTTON,
    TOUCH_TARGETS,
    VIEWPORT_META,
    Presenter,
    WindowFit,
    display_query,
    read_display,
    read_window,
)
from .process import (
    IMPORTS_LOCK,
    configure_process,
    enable_compilation_cache,
    freeze_imports,
    start_background_warmup,
)
from .session import (
    PREPARE_BUDGET_S,
    SLOW_WORK_SLOTS,
    forget_links,
    is_connected,
    next_tick_from_any_thread,
    quiet_closed_connections,
)
from .widgets import dress_widgets

log = logging.getLogger(__name__)

#: Lab key (as in links) → "module:class", imported when a page asks for it (a new lab:
#: one line here, ARCHITECTURE.md's "Adding a lab").
LABS = {"optimizers": "playground.labs.optimizers.lab:OptimizerLab",
        "mlp": "playground.labs.mlp.lab:MlpLab",
        "biasvariance": "playground.labs.biasvariance.lab:BiasVarianceLab"}
#: Up to this many labs the header shows a button for each; past it a drop-down list
#: (six labs' buttons pushed the title out of a 1280-px header).
SWITCHER_BUTTONS = 3
#: The drop-down's label, there for a screen reader and out of sight (the usual
#: "visually hidden" rule: ``display: none`` would hide it from the reader too).
VISUALLY_HIDDEN_LABEL = """
label { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0;
        overflow: hidden; clip-path: inset(50%); white-space: nowrap; border: 0; }
"""

#: How long after a page is complete the presets' warm-up starts.
WARMUP_DELAY_MS = 1000
#: Between two steps of joining a lab to its page (each 0.3–0.6 s of the event loop):
#: the other pages' frames and their training threads get the loop and the GIL.
STEP_PAUSE_MS = 60
#: The controls join the page in parts of about this many Panel objects (a widget, a
#: pane, a layout: each one Bokeh model or more), a step each, so that no step holds
#: the loop long (figures in benchmarks/README.md).
CONTROLS_PER_STEP = 30
def serve():
    """Serve one page in ``panel serve app.py``: the process's settings, then the page
    with a location that reads its link safely (see ``ui.link``), titled in its language."""
    configure_process()
    quiet_closed_connections()  # once per loop: the handler marks itself
    location = page_location(pn.state.curdoc)
    # Panel's page template, its head given the viewport (``{% extends base %}`` is implied).
    pn.state.curdoc.template = "{% block postamble %}" + VIEWPORT_META + "{% endblock %}"
    create_app(location).servable(title=page_title(location), location=location or True)


def page_title(location: LinkLocation | None) -> str:
    """The browser tab's title, in the language the link asks for (else English)."""
    try:
        query, _ = read_query(location.search if location is not None else "")
        return tr("app.title", read_display(query)[0].lang)
    except Exception:  # the page itself reports a link it cannot read
        log.exception("the page's title could not be read from its link")
        return tr("app.title", DEFAULT_LANGUAGE)


def lab_class(key: str) -> type[Lab]:
    """The lab class registered as ``key`` in ``LABS`` (its module imported now, by one
    thread at a time)."""
    module, name = LABS[key].split(":")
    with IMPORTS_LOCK:
        return getattr(importlib.import_module(module), name)


def prepare_state(lab_key: str, query: dict[str, str], problems: list[str],
                  lang: str = DEFAULT_LANGUAGE,
                  budget_s: float = math.inf) -> tuple[LabState, list[str]]:
    """The lab's state, in language ``lang``, set from its link, with its first picture's
    numbers computed (``budget_s``: see ``LabState.precompute``; a served page's is
    ``PREPARE_BUDGET_S``, the command line's none).

    Returns the state and every problem with the link.  Runs on any thread: it makes
    param objects and runs JAX, but makes no Panel object, since Panel's registries
    are the server's thread's (a link registered here while the server iterated them
    failed another page's script).  Panel's current document is a private one
    meanwhile: off the server's thread Panel falls back to whichever page the server
    is serving at that moment, and a ``hold()`` here lost that page's callbacks.
    """
    with set_curdoc(Document()):
        enable_compilation_cache()
        state_class = lab_class(lab_key).state_class()
        freeze_imports(lab_key)
        state = state_class(lang=lang)
        known = {"lab", "embed", "hide", *DISPLAY_LINK.keys, *LESSON_LINK.keys,
                 *state_class.LINK_KEYS}
        problems = problems + [problem(k, v, LinkReason("unknown_key")) for k, v in query.items()
                               if k not in known]
        problems = problems + read_embedding(query, state_class.LINK)[2]
        try:
            problems = problems + state.apply_query(query)
        except Exception:  # a value no check foresaw: the lab's defaults, and a notice
            log.exception("the link %r could not be applied", query)
            state = state_class(lang=lang)
            problems = problems + [tr("url.unusable", lang)]
        state.precompute(budget_s=budget_s)
    return state, problems


def link_table(lab_key: str):
    """The link table of lab ``lab_key`` (its module imported now), None if no lab."""
    return lab_link(lab_class(lab_key).state_class()) if lab_key in LABS else None


def build_lab(lab_key: str, state: LabState, problems: list[str],
              hide: tuple[str, ...] = ()) -> Lab:
    """The lab around a prepared state, with its first picture drawn (its Panel
    components, not yet in a document: any thread); the controls of the link keys in
    ``hide`` left out."""
    lab = lab_class(lab_key)(state=state)
    lab.hide_controls(hide)
    lab.report_link_problems(problems)
    lab.prepare()
    return lab


#: Tools that select a plot's points: with one, the unselected points' look matters.
SELECTING_TOOLS = (TapTool, BoxSelectTool, LassoSelectTool, PolySelectTool)


def lean_renderers(plot) -> None:
    """Bokeh gives every glyph renderer two more glyph models, for its points when others
    are selected and for when its legend entry mutes it; a plot that can neither select
    (no selecting tool) nor mute (no legend that mutes) never shows them, and BokehJS
    makes them itself when asked ("auto").  Each model of a page costs the event loop
    that every page shares at each change of the page (Bokeh walks them all again), and
    these were 45 of an MLP page's 450 (issue #9 item 4).  Only for a plot not yet in a
    document (one in a page would be walked again for it)."""
    if not isinstance(plot, Plot) or plot.document is not None:
        return
    if any(isinstance(tool, SELECTING_TOOLS) for tool in plot.toolbar.tools) or any(
            legend.click_policy == "mute" for legend in plot.legend):
        return
    for renderer in plot.renderers:
        if isinstance(renderer, GlyphRenderer) and not renderer.muted:
            renderer.update(nonselection_glyph="auto", muted_glyph="auto")


def create_app(location: LinkLocation | None = None) -> pn.Column:
    """One session's page; if even its shell cannot be built, a page that says so.

    ``location`` is the page's URL (``ui.link.page_location``); ``None`` outside a
    server, or to read the session's own."""
    pn.extension("katex", sizing_mode="stretch_width", notifications=False,
                 raw_css=[CSS, DISPLAY_CSS])
    try:
        if location is None:
            location = page_location(pn.state.curdoc)
        return Page(location).view
    except Exception as e:  # never a blank page with the error only in the log
        log.exception("the page could not be built")
        return pn.Column(build_error_notice(e), margin=20)


def build_error_notice(error: BaseException, lang: str = DEFAULT_LANGUAGE) -> pn.pane.HTML:
    """The message that replaces a lab that could not be built."""
    message = notice("danger", css_classes=["pg-build-error"])
    set_notice(message, [tr("app.build_failed", lang, error=error)])
    return message


def next_part(objects: list, budget: int) -> tuple[list, list]:
    """The first of ``objects`` whose Panel objects (each with everything inside it)
    number at most ``budget`` in all, at least one, and the rest: what joins a page in
    one step, and what is left for the next ones."""
    taken = 0
    for i, obj in enumerate(objects):
        view = obj.__panel__() if isinstance(obj, pn.viewable.Viewer) else obj
        taken += len(view.select()) if isinstance(view, pn.viewable.Viewable) else 1
        if taken > budget and i > 0:
            return objects[:i], objects[i:]
    return objects, []


def _forget(state):  # a thread
    try:
        memory.BUDGET.forget(state)
    except Exception:  # (no page to tell: it has closed)
        log.exception("releasing a closed page's programs failed")


class Page:
    """One session's page: its shell at once, its lab once both are ready.

    In a server session (``in_a_session``), ``__init__`` starts a thread that runs
    ``prepare_state`` and ``build_lab`` (``_prepare``) and answers with the shell
    (``view``); the thread hands over to the session's thread.  The lab joins the page
    (``_attach``, on the session's thread) once it is built and the browser has loaded the page
    (``_on_load``), whichever comes last.  Without a server all of it happens in
    ``__init__``, in the same order.

    Attributes:
        view: the page (header, sidebar, main column).
        lab: the lab once built, else None.
    """

    def __init__(self, location: LinkLocation | None):
        # The raw query string, read by our own codec: Panel's ``query_params`` guesses
        # types and raised on '²' (a blank page).
        # (A formula typed in the address bar keeps its + signs: ``typed_query``.)
        self.query, self.problems = read_query(
            typed_query(location.search if location is not None else ""))
        self.query = first_step_query(self.query, link_table)  # ?lesson=NAME: its first step
        self.lab_key = self.query.get("lab", DEFAULT_LAB)
        if self.lab_key not in LABS:
            self.problems.append(problem("lab", self.lab_key, LinkReason("unknown_lab")))
            self.lab_key = DEFAULT_LAB
        self.location = location
        # embed=1: no header (an iframe in a course page); hide=: the lab's keys, checked
        # against its link once the lab is imported (``prepare_state``).
        self.embed = read_embedding(self.query)[0]
        # Loaded by Bokeh's ``server_document`` into another site's page: the browser's
        # URL is that page's, which the lab's link must not overwrite.
        self.autoloaded = location is not None and "bokeh-autoload-element" in (
            location.search or "")
        # Language, theme and lecture mode: the shell's, for every lab (``ui.present``).
        self.display, display_problems = read_display(self.query)
        self.problems += display_problems
        self.lang = self.display.lang
        # A lesson's bar and keys (``ui.lesson``): its link keys are the shell's.
        self.lesson = LessonGuide(self.query, self.lab_key, self.display, link_table,
                                  follow=self.follow_link, rewrite=self._write_link)
        self.problems += self.lesson.problems
        self.presenter = Presenter(self.display)
        self._restyler = None  # styles plots a lab adds later (non-default display only)
        self.doc = pn.state.curdoc
        self.in_a_session = self.doc is not None and self.doc.session_context is not None
        self.lab = None
        self.error: BaseException | None = None  # why the lab could not be built
        self.loaded = self.attached = self.interactive = self.complete = False

        # In a session, a thread imports the numerics and computes the first picture
        # from here on, while this thread answers with the page's shell and the browser
        # loads its JavaScript.  Then this thread builds the lab; it joins the page once
        # the browser is ready too.
        if self.in_a_session:
            skip_css_variables(self.doc)  # before the lab's plots join the page
            self._next_tick = next_tick_from_any_thread(self.doc)
            # Started once the loop has answered the request: begun here, the thread
            # shared Python's lock with the shell's rendering and held the loop (every
            # other page) twice as long (issue #9 item 4).
            IOLoop.current().add_callback(threading.Thread(
                target=self._prepare, name="playground-prepare-lab", daemon=True).start)
        self.view, self.side, self.body = layout(tr("app.title", self.lang), self._switcher(),
                                                 [], [self.lesson.bar, self._waiting()],
                                                 self._display_toggles(),
                                                 embed=self.embed,
                                                 jump_label=tr("app.controls_below", self.lang))
        self.view.css_classes = self._root_classes()
        # (embedded: no header, no toggle to open them again, so the controls stay)
        self.side.visible = self.embed or not self.display.present
        # The browser's Back and Forward buttons: the page follows the link they show.
        self.history = HistoryListener(lab=self.lab_key, lang=self.lang,
                                       own_page=not self.autoloaded)
        self.history.param.watch(self._on_history, "popped")
        self.view.append(self.history)
        # Lecture mode: the pictures fitted to the window (``present.FIT_WINDOW``).
        self.window_fit = WindowFit(active=self.display.present,
                                    zoom_hint=tr("present.zoom_hint", self.lang),
                                    zoom_close=tr("present.zoom_hint.close", self.lang))
        self.window_fit.param.watch(self._on_window, "report")
        self.view.extend([self.lesson.script, self.lesson.kept, self.window_fit,
                          KeyboardShortcuts.for_page(self.lab_key, self.lang)])
        if self.in_a_session:
            pn.state.onload(self._on_load)
            pn.state.on_session_destroyed(self._on_session_destroyed)
        else:  # no server: build it here
            try:
                self.lab = build_lab(self.lab_key,
                                     *prepare_state(self.lab_key, self.query, self.problems,
                                                    self.lang),
                                     self._hide_keys())
            except Exception as e:  # a message in the page, never a traceback
                self._show_build_error(e)
            else:
                self.attached = True
                self._attach()

    def _hide_keys(self) -> tuple[str, ...]:
        """The hidden keys that are the lab's (its class is imported by now)."""
        return read_embedding(self.query, lab_class(self.lab_key).state_class().LINK)[1]

    def _switcher(self) -> pn.widgets.RadioButtonGroup | pn.widgets.Select:
        """The labs: a button each, or past ``SWITCHER_BUTTONS`` labs a drop-down list."""
        options = {tr(Lab.title_key(k), self.lang): k for k in LABS}
        common = dict(options=options, value=self.lab_key, align="center",
                      css_classes=["pg-labs"], margin=(0, 20))
        if len(LABS) <= SWITCHER_BUTTONS:
            switcher = pn.widgets.RadioButtonGroup(name=tr("app.lab", self.lang),
                                                   button_type="light",
                                                   width=122 * len(LABS), **common)
        else:  # its label is read out, not shown: the header has one line
            switcher = pn.widgets.Select(name=tr("app.lab", self.lang), width=200,
                                         stylesheets=[VISUALLY_HIDDEN_LABEL], **common)
        # Another lab is another page: its own state, its own link.  Each lab's latest
        # link is kept for this tab (sessionStorage), so switching back restores it.
        switcher.jscallback(args={"keys": list(LABS), "current": self.lab_key,
                                  "display_keys": sorted(DISPLAY_LINK.keys | LESSON_LINK.keys)},
                            value=SWITCH_LAB_JS)
        return switcher

    def _display_toggles(self) -> list:
        """The header's toggles: the controls column, lecture mode, the dark theme, and
        the language."""
        # Lecture mode starts with the controls folded away: the pictures get the screen.
        side = pn.widgets.Toggle(name=tr("app.sidebar", self.lang),
                                 value=self.embed or not self.display.present, width=100,
                                 button_type="light", align="center",
                                 css_classes=["pg-toggle-sidebar"])
        side.param.watch(lambda e: setattr(self.side, "visible", e.new), "value")
        # Narrow, the controls open below the pictures, out of sight: the page goes there.
        side.jscallback(value=f"if (cb_obj.active && window.innerWidth < {NARROW_PX}) "
                              f"{{ {SCROLL_TO_CONTROLS_JS} }}")
        self._side_toggle = side
        present = pn.widgets.Toggle(name=tr("app.present", self.lang), value=self.display.present,
                                    width=125, button_type="light", align="center",
                                    css_classes=["pg-toggle-present"])
        present.param.watch(lambda e: self._set_display(present=e.new), "value")
        dark = pn.widgets.Toggle(name=tr("app.dark", self.lang),
                                 value=self.display.theme == "dark", width=80,
                                 button_type="light", align="center",
                                 css_classes=["pg-toggle-dark"])
        # Panel styles its widgets with the theme it read when the page was made: another
        # theme is another page, with the same link otherwise.
        dark.jscallback(value="""
            const q = new URLSearchParams(window.location.search);
            if (cb_obj.active) { q.set('theme', 'dark') } else { q.delete('theme') }
            window.location.search = '?' + q.toString()""")
        # Each language named in itself.  Every text of the page is made in its language
        # when the page is built: another language is another page, with the same link.
        language = pn.widgets.Select(
            options={name: code for code, name in LANGUAGES.items()}, value=self.lang,
            width=100, align="center", css_classes=["pg-language"], margin=(0, 10),
            stylesheets=[LANGUAGE_SELECT])
        language.jscallback(args={"default_lang": DEFAULT_LANGUAGE}, value="""
            const q = new URLSearchParams(window.location.search);
            if (cb_obj.value === default_lang) { q.delete('lang') }
            else { q.set('lang', cb_obj.value) }
            window.location.search = '?' + q.toString()""")
        toggles = [side, present, dark, language]
        if not self.autoloaded:  # in another site's page the address is that page's
            toggles.insert(0, self._copy_link_button())
        return toggles

    def _copy_link_button(self) -> pn.widgets.Button:
        """Copies the page's link (every setting that changes what is seen) and says so
        on the button for two seconds."""
        button = pn.widgets.Button(name=tr("app.copy_link", self.lang), width=100,
                                   button_type="light", align="center",
                                   css_classes=["pg-copy-link"])
        button.js_on_click(args={"copied": tr("app.link_copied", self.lang)},
                           code=COPY_LINK_JS)
        return button

    def _set_display(self, **values):
        """Lecture mode (or a theme) changed in the page: its root's classes, its plots,
        the lab's own hook and the link."""
        if values.get("present", self.display.present) != self.display.present:
            self._side_toggle.value = self.embed or not values["present"]
        self.display.param.update(**values)
        self.window_fit.active = self.display.present
        self.view.css_classes = self._root_classes()
        self._restyle()
        self._write_link()

    def _on_window(self, event):
        """The browser's window and the fitted plots' tops changed: lecture mode's
        plots fitted to them (``present.FIT_WINDOW``)."""
        window = read_window(event.new)
        if window is None:
            log.warning("an unreadable window report: %.200r", event.new)
            return
        self.presenter.window = window
        if self.display.present:
            self._restyle()

    def _root_classes(self) -> list[str]:
        """The page root's classes: the display's, and ``pg-complete`` once every part of
        the lab is in the page (what a script or a test driving the page waits for)."""
        return [*self.display.classes(), *(["pg-complete"] if self.complete else [])]

    def _restyle(self):
        """Theme and lecture mode on every Bokeh plot in the page."""
        if self.lab is not None:
            self.lab.display_changed(self.display)
        panes = self.view.select(pn.pane.Bokeh)
        self.presenter.style([p.object for p in panes if p.object is not None], self._thick())
        plain = self.display.theme == "light" and not self.display.present
        if self.in_a_session and not plain and self._restyler is None:
            # Plots a lab builds later (the 3-D view, the log-scale chart, a race's
            # charts) get the display within a second or two.
            self._restyler = pn.state.add_periodic_callback(self._restyle, period=1500)

    def _thick(self) -> set[str] | None:
        """The ids of the renderers whose lines thicken in lecture mode (None: all)."""
        renderers = None if self.lab is None else self.lab.thick_renderers()
        return None if renderers is None else {r.id for r in renderers}

    def _styled(self, objects: list, controls: bool = False) -> list:
        """``objects`` with their plots styled before they join the document: a tool
        added to a plot in a document made Bokeh re-collect every model of the page
        (0.5 s of the event loop per page opened, benchmarks/README.md).  Every button
        as wide as its label at least (``ui.flow.WHOLE_LABEL``), a group of them
        wrapping (``WRAP_BUTTONS``), a widget's label too (``WRAP_LABEL``);
        ``controls`` (the sidebar's, a fixed width): every row wraps (``WRAP``), so
        that buttons grown to their labels (lecture mode's 20-px text) go to a next
        line rather than out of the column."""
        objects = [obj.__panel__() if isinstance(obj, pn.viewable.Viewer) else obj
                   for obj in objects]  # a view's layout, made once, is what joins
        panes = [pane for obj in objects for pane in obj.select(pn.pane.Bokeh)]
        for pane in panes:
            lean_renderers(pane.object)
        self.presenter.style([p.object for p in panes if p.object is not None], self._thick())
        dress_widgets(objects)
        if controls:
            for row in (r for obj in objects for r in obj.select(pn.Row)):
                if WRAP not in row.stylesheets:
                    row.stylesheets = [*row.stylesheets, WRAP]
        return objects

    def _waiting(self) -> pn.Row:
        return pn.Row(
            pn.indicators.LoadingSpinner(value=True, size=36, margin=(20, 10)),
            pn.pane.HTML(f"<p style='font-size:18px;color:var(--pg-muted,#444);margin:0;"
                         f"line-height:36px'>"
                         f"{html.escape(tr('app.loading_lab', self.lang))}</p>",
                         margin=(20, 0)),
            css_classes=["pg-page-loading"])

    # -- in a session: the thread, then the session's thread ----------------------------

    def _prepare(self):  # the thread
        # The lab's Panel objects are made here too: 0.1–0.5 s of Python that, on the
        # event loop, paused every other page (issue #9); they join the document on
        # the loop (``_attach``).  ``set_curdoc``: Panel reads the session's config.
        try:
            with SLOW_WORK_SLOTS:
                prepared = prepare_state(self.lab_key, self.query, self.problems, self.lang,
                                         PREPARE_BUDGET_S)
            with set_curdoc(self.doc):
                self.lab = build_lab(self.lab_key, *prepared, self._hide_keys())
        except Exception as e:  # a message in the page, never a traceback
            self.error = e
        self._next_tick(self._attach_when_ready)

    def _on_load(self):
        self.loaded = True
        self._attach_when_ready()

    def _attach_when_ready(self):
        # On the session's thread: after onload, and after the lab is built.
        if self.attached or not (self.loaded and (self.lab is not None or self.error is not None)):
            return
        if self._closed("attach the lab"):
            return
        self.attached = True
        if self.error is not None:
            self._show_build_error(self.error)
        else:
            self._attach()

    def _on_session_destroyed(self, _session_context):
        if self._restyler is not None:
            self._restyler.stop()
        try:  # else Panel's registry of JS links keeps the page's objects for good
            left_out = [] if self.lab is None else self.lab.left_out
            forget_links([*self.view.select(), *(o for obj in left_out for o in obj.select())])
        except Exception:  # (logged: the lab below must still stop)
            log.exception("dropping a closed page's JS links failed")
        if self.lab is not None:
            self.lab.stop()
            # Its own compiled programs go now, whenever Python frees the lab itself.
            programs = getattr(self.lab.state, "programs", None)
            if programs is not None:
                programs.clear()
            # Its programs may now be idle.  A release holds Python's lock for ~0.3 s at a
            # time (``benchmarks/bench_release.py``): off the loop, the loop waits that
            # long at most instead of the whole release's 0.6-0.8 s.
            threading.Thread(target=_forget, args=(self.lab.state,), daemon=True,
                             name="playground-release").start()

    # -- the lab joins the page: pictures, controls, details ----------------------------

    def _then(self, fn):
        """``fn`` on the session's next tick (at once without a server), unless the page
        has closed by then (see ``_closed``)."""
        if self.in_a_session:
            self.doc.add_timeout_callback(lambda: None if self._closed(fn.__name__) else fn(),
                                          STEP_PAUSE_MS)
        else:
            fn()

    def _closed(self, step: str) -> bool:
        """Whether the page, loaded once, has no browser any more: its tab closed while
        it was being built.  Its next steps are skipped (and logged at debug level):
        they would build for no one and send to a closed connection."""
        if not self.in_a_session or is_connected(self.doc):
            return False
        # (info: a page that never completes in a test then says why in the server's log)
        log.info("a page closed while it loaded: %s skipped", step)
        return True

    def _attach(self):
        """The pictures in the page, in one message; then the lab starts in the live
        page and the controls and details follow, built here while the browser draws
        the pictures.  Each step is 0.2–0.8 s of the event loop: ``STEP_PAUSE_MS``
        between them lets other pages' frames through.  (Not ``hold(freeze=True)``: the
        second message then sent every model of the first again, with the server's
        values, undoing what the browser had drawn since.)"""
        self.lab.state.param.watch(self._on_state_change, list(self.lab.URL_TRIGGERS))
        self.lab.styler = self._styled  # what the lab builds later is styled as it joins
        main = self._styled(self.lab.without_hidden(self.lab.main()))
        with hold():
            self.body.objects = [self.lesson.bar, *main]
            self._restyle()
        self._then(self._start)

    def _start(self):
        self.lab.start()  # e.g. the optimizer lab's player, which animates the picture
        # From now on the reader can act (the pictures have buttons and boxes), and a
        # change of theirs is a history entry: a click before the controls came replaced
        # the entry the page was opened at, and Back then left the page.
        self.interactive = True
        self._then(self._attach_controls)

    # The controls and the details in messages of their own: the browser builds the
    # controls' views while this thread builds the details (the page was complete ≈ 0.1 s
    # sooner); the controls in parts of ``CONTROLS_PER_STEP``, each a short time on the loop.
    def _attach_controls(self):
        # Narrow, the controls are below the pictures: a way back up from them (a slider
        # moved 2,000 px under its picture showed nothing of what it did).
        back = pn.widgets.Button(name=tr("app.pictures_above", self.lang),
                                 button_type=PAGE_BUTTON, width=200,
                                 css_classes=["pg-jump-to-pictures"], stylesheets=[JUMP_BUTTON],
                                 margin=(4, 5, 8, 5))
        back.js_on_click(code="window.scrollTo({top: 0, behavior: 'smooth'});")
        controls = self._styled([back, *self.lab.without_hidden(self.lab.sidebar()),
                                 *([] if self.embed else [self.lesson.card()])],
                                controls=True)
        self._attach_rest_of_controls(controls, first=True)

    def _attach_rest_of_controls(self, rest: list, first: bool = False):
        part, rest = next_part(rest, CONTROLS_PER_STEP)
        with hold():
            self.side.objects = [*([] if first else self.side.objects), *part]
        self._then(lambda: self._attach_rest_of_controls(rest) if rest
                   else self._attach_details())

    def _attach_details(self):
        details = self._styled(self.lab.without_hidden(self.lab.details()))
        self.complete = True
        with hold():
            self.body.objects = [*self.body.objects, *details]
            self._restyle()
            self.view.css_classes = self._root_classes()
        self._write_link(replace=True)  # the page's own: the details' settings
        # Once the page is complete: warming up every preset while the first page is
        # built slowed that page by seconds (the threads share Python's lock); a second
        # later, the last messages are out.  Only in a server: without one (a script,
        # the tests) the thread would still be compiling when Python exits, which aborts.
        if self.in_a_session:
            lab = type(self.lab)
            self.doc.add_timeout_callback(lambda: start_background_warmup(lab),
                                          WARMUP_DELAY_MS)

    def _on_history(self, event):
        """Back or Forward showed another link of this lab: the lab takes exactly its
        settings (what it leaves out at their defaults); what it cannot set is reported."""
        if event.new:
            count, search = event.new.split("|", 1)
            # Before the link is written: the browser keeps each write from now on.
            self.history.followed = int(count)
            self.follow_link(search)

    def follow_link(self, search: str) -> bool:
        """This lab's link ``search`` applied in place (Back / Forward, a lesson's step):
        False if the lab is not in the page yet or the link is another lab's."""
        if self.lab is None or not self.attached:
            return False
        query, problems = read_query(search)
        if query.get("lab", DEFAULT_LAB) != self.lab_key:
            return False  # the browser reloads another lab's page itself
        self.lesson.follow(query)
        shown = read_display(query)[0]  # a theme or lecture mode that Back brings back
        if (shown.theme, shown.present) != (self.display.theme, self.display.present):
            self._set_display(theme=shown.theme, present=shown.present)
        known = {"lab", "embed", "hide", *DISPLAY_LINK.keys, *LESSON_LINK.keys,
                 *self.lab.state.LINK_KEYS}
        problems += [problem(k, v, LinkReason("unknown_key")) for k, v in query.items()
                     if k not in known]
        try:
            problems += self.lab.state.apply_link(query)
        except Exception:  # a value no check foresaw: a notice, never a traceback
            log.exception("the link %r could not be applied", query)
            problems.append(tr("url.unusable", self.lang))
        self.lab.report_link_problems(problems)
        self._write_link()
        return True

    def _on_state_change(self, *events):
        """A setting changed: a history entry; only a player's step (``URL_REPLACES``)
        changed: the current entry rewritten (a step per entry buried Back)."""
        replaces = self.lab.URL_REPLACES
        self._write_link(replace=bool(events) and all(e.name in replaces for e in events))

    def _write_link(self, *_events, replace: bool = False):
        if self.lab is not None and self.attached:
            # (Each change of the state comes here: the lesson's bar says whether the
            # page still shows its step's settings.)
            self.lesson.compare(self.lab.state.to_query(), self.lab.state.LESSON_FREE)
        if self.location is not None and self.lab is not None and not self.autoloaded:
            query = {"lab": self.lab_key, **display_query(self.display),
                     **self.lab.state.to_query(), **self.lesson.query(),
                     **write_embedding(self.embed, self._hide_keys())}
            # A history entry for a change once the reader can act; the page's own
            # rewrites while it loads replace the entry it was opened at.
            self.history.mode = "push" if self.interactive and not replace else "replace"
            self.location.search = "?" + urlencode(query)

    def _show_build_error(self, error: BaseException):
        log.error("the lab %r could not be built", self.lab_key, exc_info=error)
        self.body.objects = [build_error_notice(error, self.lang)]


#: The page's link to the clipboard: the Clipboard API where the page is a secure context
#: (https, localhost), else a selected text area and ``execCommand('copy')``, else a
#: prompt showing the link to copy by hand.
COPY_LINK_JS = """
const url = window.location.href;
const button = cb_obj.origin || cb_obj;  // the click event's button
const label = button.label;
const done = () => {
  button.label = copied;
  setTimeout(() => { button.label = label }, 2000);
};
const by_hand = () => {
  const area = document.createElement('textarea');
  area.value = url;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
  area.remove();
  if (ok) { done(); } else { window.prompt(label, url); }
};
if (navigator.clipboard && window.isSecureContext) {
  navigator.clipboard.writeText(url).then(done, by_hand);
} else {
  by_hand();
}
"""


#: Leaving for another lab: this lab's link is kept for the tab, the other's restored,
#: with this page's display keys (language, theme, lecture mode).
SWITCH_LAB_JS = """
// The button chosen, or the list's entry: its place among the list's own options (their
// texts as the model holds them, "&" escaped alike), the labs' order.
const shown = cb_obj.active !== undefined ? [] :
  cb_obj.options.map((o) => Array.isArray(o) ? o[0] : o);
const key = keys[cb_obj.active !== undefined ? cb_obj.active : shown.indexOf(cb_obj.value)];
let saved = null;
try {
  sessionStorage.setItem('pg-link-' + current, window.location.search);
  saved = sessionStorage.getItem('pg-link-' + key);
} catch (e) { /* storage off: a fresh lab */ }
const ok = saved != null && new URLSearchParams(saved).get('lab') === key;
const next = new URLSearchParams(ok ? saved : '?lab=' + key);
// The page's language, theme and lecture mode go with the reader to the other lab.
const here = new URLSearchParams(window.location.search);
for (const k of display_keys) {
  if (here.has(k)) { next.set(k, here.get(k)) } else { next.delete(k) }
}
window.location.search = '?' + next.toString();
"""


class HistoryListener(ReactiveHTML):
    """Tells the server which link the browser's Back or Forward buttons showed
    (``popped``: a count, ``|``, the query string), and reloads the page when that link
    is another lab's or in another language.

    Panel's location pushes every change; here the page's own rewrites while it loads
    (``mode`` "replace") and a link rewritten to the address already shown (so that
    Forward still works after the page follows a Back) replace the entry instead.  A link
    the server wrote before it followed the browser's latest Back or Forward (``followed``
    is the last count it followed) is an older page's and is dropped: pushed, it cut off
    the entries Forward goes to (two quick Backs, or a Forward before the Back's link came).
    """

    lab = param.String(default="")
    default_lab = param.String(default=DEFAULT_LAB)
    lang = param.String(default=DEFAULT_LANGUAGE)  # every text is made in it: a reload
    default_lang = param.String(default=DEFAULT_LANGUAGE)
    popped = param.String(default="")
    #: The page is the playground's own (not another site's that loaded the lab): its
    #: ``<html lang>`` is the page's language, for screen readers and Chinese fonts.
    own_page = param.Boolean(default=True)
    #: How the server's next link change goes into the tab's history (see ``_write_link``).
    mode = param.Selector(default="replace", objects=["replace", "push"])
    #: The count of the last ``popped`` link the server followed.
    followed = param.Integer(default=0)

    _template = "<div id='history' style='display:none'></div>"
    _scripts = {
        "render": """
          if (data.own_page) { document.documentElement.lang = data.lang; }
          if (!window.history.pgPatched) {
            const push = window.history.pushState.bind(window.history);
            window.history.pushState = (s, title, url) => {
              if (window.history.pgPops > data.followed) { return; }  // an older link
              const next = new URL(url, window.location.href).href;
              return next === window.location.href || data.mode !== 'push' ?
                window.history.replaceState(s, title, url) : push(s, title, url);
            };
            window.history.pgPatched = true;
            window.history.pgPops = 0;  // the page's: a render again keeps counting
          }
          state.listener = () => {
            const shown = new URLSearchParams(window.location.search);
            const lab = shown.get('lab') || data.default_lab;
            const lang = shown.get('lang') || data.default_lang;
            if (lab !== data.lab || lang !== data.lang) { window.location.reload(); return; }
            window.history.pgPops += 1;
            data.popped = window.history.pgPops + '|' + window.location.search;
          };
          window.addEventListener('popstate', state.listener);
        """,
        "remove": "window.removeEventListener('popstate', state.listener);",
    }


def layout(title: str, switcher, sidebar: list, main: list, toggles: list = (),
           embed: bool = False, jump_label: str = "↓"):
    """Header, a sidebar of controls that scrolls on its own, and the lab's pictures.

    Returns the page, the sidebar column and the main column.  Plain Panel layouts
    rather than a template: a template styles every component again and tripled the
    time to build each page (about 1.4 s against 0.4 s here).  ``embed``: no header,
    the columns as high as the frame.  Narrower than ``NARROW_PX`` (a 1024-px window, a
    1400-px one at 150 % zoom, an iframe) the controls move below the pictures and the
    page scrolls as a whole, never sideways; a button above the pictures
    (``jump_label``) then scrolls to them (in a 640-px frame they were 2,800 px down).
    """
    top = "0px" if embed else "64px"
    side = pn.Column(*sidebar, width=SIDEBAR_PX, css_classes=["pg-sidebar"],
                     stylesheets=[LECTURE_SIDEBAR, NARROW_COLUMN, SIDEBAR_CHILDREN],
                     styles={"overflow-y": "auto", "height": f"calc(100vh - {top})",
                             "border-right": "1px solid var(--pg-rule, #dde3ea)",
                             "padding": "6px 10px"})
    body = pn.Column(*main, sizing_mode="stretch_width", css_classes=["pg-main"],
                     stylesheets=[NARROW_COLUMN],
                     styles={"overflow-y": "auto", "height": f"calc(100vh - {top})",
                             "padding": "6px 14px"})
    jump = pn.widgets.Button(name=jump_label, button_type=PAGE_BUTTON, width=200,
                             css_classes=["pg-jump-to-controls"], stylesheets=[JUMP_BUTTON],
                             margin=(8, 14, 0, 14))
    jump.js_on_click(code=SCROLL_TO_CONTROLS_JS)
    for widget in (jump, *toggles, switcher):  # (not joined as the lab's widgets are)
        widget.stylesheets = [*widget.stylesheets, FOCUS_RING, TOUCH_TARGETS]
    side.param.watch(lambda event: setattr(jump, "visible", event.new), "visible")
    # (Above the columns: in their row it added its width to the row's least width.)
    columns = pn.Row(side, body, sizing_mode="stretch_width", css_classes=["pg-columns"],
                     stylesheets=[NARROW_ROW])
    if embed:
        # (NARROW_PAGE, NARROW_ROW: Bokeh's least widths, its children's, held a
        # 640-px frame less its scroll bar 630 px wide.)
        return pn.Column(jump, columns, sizing_mode="stretch_width", margin=0,
                         css_classes=["pg-embed"], stylesheets=[NARROW_PAGE]), side, body
    header = pn.Row(
        # Smaller on narrower windows, two lines at most (at 1280 px the second line
        # of a 26-px title ran out of the header).
        pn.pane.HTML(f"<h1 style='color:white;font-size:clamp(16px,1.7vw,26px);"
                     f"line-height:1.15;font-weight:600;margin:0;overflow:hidden;"
                     f"display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical'>"
                     f"{html.escape(title)}</h1>", margin=(0, 20), align="center",
                     sizing_mode="stretch_width", css_classes=["pg-title"]),
        *toggles, switcher, css_classes=["pg-header"], sizing_mode="stretch_width",
        styles={"min-height": "64px"}, stylesheets=[NARROW_HEADER])
    page = pn.Column(header, jump, columns, sizing_mode="stretch_width", margin=0,
                     stylesheets=[NARROW_PAGE])
    return page, side, body


#: The controls' column: its width, and in lecture mode (20-px text, the controls open
#: on a 1280-px projector) less, so that the MLP lab's curves keep their place beside
#: the heat map (``ui.flow.chart_room``) rather than go below it, off the screen.
SIDEBAR_PX, LECTURE_SIDEBAR_PX = 370, 320
_SIDEBAR_WIDTH = (f"calc({SIDEBAR_PX}px"
                  f" - var(--pg-lecture, 0) * {SIDEBAR_PX - LECTURE_SIDEBAR_PX}px)")
# Bokeh gives the column its width as basis, width and minimum width: all three.
LECTURE_SIDEBAR = (f":host {{ flex: 0 0 {_SIDEBAR_WIDTH} !important;"
                   f" width: {_SIDEBAR_WIDTH} !important;"
                   f" min-width: {_SIDEBAR_WIDTH} !important; }}")
#: The sidebar scrolls: nothing in it is cut to its height (Panel's ``max-height: 100%``
#: held the custom surface's description, taller than the window in lecture mode, to the
#: sidebar's height; the formula below it was drawn over its last line).
SIDEBAR_CHILDREN = "* { max-height: none; }"
#: The button above the pictures that scrolls to the controls, and the one above the
#: controls back to the pictures: shown only where the controls are below the pictures
#: (narrower than ``NARROW_PX``) and open, each on a line of its own.
JUMP_BUTTON = f"""
@media (min-width: {NARROW_PX}px) {{ :host {{ display: none !important; }} }}
"""
#: JS: the controls' column, found through Panel's shadow roots, scrolled into view.
SCROLL_TO_CONTROLS_JS = """
const find = (root) => {
  for (const el of root.querySelectorAll('*')) {
    if (el.classList.contains('pg-sidebar')) return el;
    const inner = el.shadowRoot ? find(el.shadowRoot) : null;
    if (inner) return inner;
  }
  return null;
};
// (Just opened, the column is drawn once the server's answer is in: tried for 3 s.)
const go = (tries) => {
  const side = find(document);
  if (side && side.offsetHeight > 0) side.scrollIntoView({behavior: 'smooth', block: 'start'});
  else if (tries > 0) setTimeout(() => go(tries - 1), 200);
};
go(15);
"""
# Each column's own stylesheet (Panel puts it in the column's shadow root, where the
# page's CSS does not reach): narrow, both columns as wide as the page, as high as their
# content, the pictures first.
NARROW_COLUMN = f"""
@media (max-width: {NARROW_PX - 1}px) {{
  :host {{ flex: 0 0 100% !important; width: 100% !important; min-width: 0 !important;
          height: auto !important;
          max-height: none !important;
          overflow-y: visible !important; border-right: none !important; }}
  :host(.pg-sidebar) {{ order: 2; border-top: 1px solid #dde3ea; }}
}}
"""
# Lecture mode enlarges the lab, not the header (its buttons have fixed widths).
# Narrow, the header's title has a line of its own, above the toggles and lab switcher.
NARROW_HEADER = f"""
:host {{ --bokeh-font-size: 14px; font-size: 14px; }}
@media (max-width: {NARROW_PX - 1}px) {{
  :host {{ flex-wrap: wrap; height: auto !important; min-height: 64px; min-width: 0 !important;
          padding-bottom: 6px; }}
  .pg-title {{ flex: 0 0 calc(100% - 40px) !important; width: calc(100% - 40px) !important;
               margin-top: 6px !important; }}
}}
"""
NARROW_ROW = f"""
@media (max-width: {NARROW_PX - 1}px) {{ :host {{ flex-wrap: wrap; min-width: 0 !important; }} }}
"""
# The page's column: Bokeh gives it the header's summed widths (its buttons, 871 px) as
# its minimum, which held the page wider than a 640–870-px window although the header
# wraps there.
NARROW_PAGE = f"""
@media (max-width: {NARROW_PX - 1}px) {{ :host {{ min-width: 0 !important; }} }}
"""


#: The language menu on the header's dark blue: the select's own box, readable.
LANGUAGE_SELECT = """
select { background: white; color: #1f3b5c; font-weight: 600; }
"""

# Bokeh's components draw in --bokeh-base-font (Helvetica by default): in a Chinese page
# the fallback for "Helvetica" drew f̄'s and m̂'s marks beside the letter, or not at all.
# (Only there: elsewhere the page's wider fonts widened buttons and tables laid out for
# Helvetica's.)
CSS = """
body { margin: 0; font-family: FONT_STACK; }
.pg-lang-zh { --bokeh-base-font: FONT_STACK; }
.pg-header { background: #1f3b5c; color: white; align-items: center; }
""".replace("FONT_STACK", FONT_STACK)
