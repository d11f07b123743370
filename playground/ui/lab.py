"""The lab contract: what a lab gives the page shell (:mod:`playground.ui.shell`).

A lab is two classes, registered in ``shell.LABS`` under the key its links carry
(``?lab=mlp``):

* its state, a :class:`LabState`: every setting as a ``param`` parameter, the link read
  and written (``apply_query`` / ``to_query``, its keys in ``LINK_KEYS``) and the first
  picture's numbers (``precompute``).  It makes no Panel object: the shell builds it on
  a worker thread while the browser loads the page's JavaScript.
* its view, a :class:`Lab` (a Panel ``Viewer``) around one state: the components of the
  sidebar and of the main column, and the hooks the shell calls.

What the shell does with a lab, in this order (the first two lines on a worker thread,
the lab's Panel objects made there with the session's document as Panel's current one;
the numbered steps on the session's thread, each on a later tick, so the browser draws
one while the next is built)::

    state = StateClass(); problems += state.apply_query(query); state.precompute()
    lab = LabClass(state=state); lab.report_link_problems(problems); lab.prepare()
    1. main column  <- lab.main()        (the pictures, first)
    2. lab.start()                       (the pictures are in the live page)
    3. sidebar      <- lab.sidebar()
    4. main column += lab.details(); the link rewritten from state.to_query()
    ... the link again whenever a state parameter named in URL_TRIGGERS changes
    lab.stop()                           (the session ended)

Without a server (a notebook, the tests) the same steps run at once, in that order.

Adding a lab: a ``LabState`` subclass, a ``Lab`` subclass whose ``state`` parameter is a
``param.ClassSelector`` of it, its name under the text key ``lab.<key>``, and one line
in ``shell.LABS``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import ClassVar

import panel as pn
import param
from panel.viewable import Viewer

from ..text import tr
from .link import LinkTable, render_problems
from .widgets import respond_at_once


class LabState(param.Parameterized):
    """Every setting of a lab as a parameter, and what they produce (no Panel object).

    Subclasses declare their settings, ``LINK`` and ``LINK_KEYS``; ``apply_query`` reads
    a link with ``LINK`` (``playground.ui.link``'s codec) and a lab whose keys depend on
    each other overrides ``check_link``; ``to_query`` writes ``LINK``'s fields (a lab
    with defaults of its own overrides it).  The shell makes a state as
    ``state_class(lang=...)``.
    """

    lang = param.String("en", doc="the language of every text the lab shows "
                                  "(a key of text.LANGUAGES)")

    #: Every query key a link may carry for this lab (besides ``lab``); the shell names
    #: any other key as unknown.
    LINK_KEYS: ClassVar[frozenset[str]] = frozenset()
    #: The lab's link table (``ui.link.LinkTable``): ``hide=KEY`` names its rows.
    LINK: ClassVar[LinkTable | None] = None
    #: The link keys a reader moves without leaving a lesson's step (where in a run the
    #: page is, what it looks at): the others changed, the lesson says its caption is
    #: the step's (``ui.lesson.LessonGuide.compare``).
    LESSON_FREE: ClassVar[frozenset[str]] = frozenset()

    #: True while ``apply_query`` sets the state: a watcher that answers a reader's change
    #: (a new network starts at epoch 0) leaves a link's values as the link says.
    applying_link = False

    def apply_query(self, query: Mapping[str, str]) -> list[str]:
        """Set the state from a link's query values (read by ``LINK``, then
        ``check_link``), all in one update; returns one line per value that was
        ignored, and why (``ui.link.problem``).  Never raises for a bad value.

        Raises:
            NotImplementedError: the lab declares no ``LINK``.
        """
        if self.LINK is None:
            raise NotImplementedError(f"{type(self).__name__} declares no LINK")
        values, problems = self.LINK.read(query)
        values = self.check_link(query, values, problems)
        if values:
            self.applying_link = True
            try:
                self.param.update(**values)
            finally:
                self.applying_link = False
        return problems

    def check_link(self, query: Mapping[str, str], values: dict,
                   problems: list[str]) -> dict:
        """A lab's rules between a link's keys, on ``values`` (``LINK.read`` of
        ``query``): drops or replaces a value that does not fit the others and appends
        why to ``problems`` (``ui.link.problem``); returns the values to set.  By default
        every value, as read."""
        return values

    def apply_link(self, query: Mapping[str, str]) -> list[str]:
        """Set the state to exactly what a link says: its values, and the defaults of
        every setting it leaves out (``apply_query`` keeps those as they are).  For the
        browser's Back and Forward.  Returns what was ignored and why.

        A new state reads the link; this one then takes all of its link's values in
        one ``apply_query`` (a parameter that does not change fires nothing).
        """
        fresh = type(self)(lang=self.lang)
        problems = fresh.apply_query(query)
        self.apply_query(fresh.full_query())
        return problems

    def full_query(self) -> dict[str, str]:
        """Every setting the link carries, as query values, defaults included (see
        ``LINK``, the lab's ``ui.link.LinkTable``)."""
        return {f.key: f.format(getattr(self, f.name)) for f in self.LINK.fields}

    def link_values(self) -> dict[str, object]:
        """Each link field's parameter value (``LINK``'s fields), for ``LINK.write``.

        Raises:
            NotImplementedError: the lab declares no ``LINK``.
        """
        if self.LINK is None:
            raise NotImplementedError(f"{type(self).__name__} declares no LINK")
        return {f.name: getattr(self, f.name) for f in self.LINK.fields}

    def to_query(self) -> dict[str, str]:
        """The state as query values: what a shared link needs to reproduce it (every
        link field whose value differs from its default).

        Raises:
            NotImplementedError: the lab declares no ``LINK`` (nor its own ``to_query``).
        """
        values = self.link_values()  # (first: it names a missing LINK)
        return self.LINK.write(values)

    def caption_parts(self) -> list[str]:
        """The settings in words for a figure's caption (``ui.export.figure_caption``),
        each once, in ``self.lang`` (``ui.caption``'s helpers).  This default lists the
        link's values (``key value``); a lab says them as its page does."""
        lang = getattr(self, "lang", "en")
        query = self.to_query()
        return [", ".join(f"{k} {v}" for k, v in query.items()) if query
                else tr("export.defaults", lang)]

    def caption_notes(self) -> list[str]:
        """What a figure's reader must be told of the pictures themselves (a value drawn
        other than as computed), in ``self.lang``, after the settings in its caption;
        none by default."""
        return []

    def precompute(self, budget_s: float = math.inf):
        """Compute (and compile) the first picture's numbers.  Runs on a worker thread
        before the lab is built, so it may run JAX but must make no Panel object.
        ``budget_s``: the seconds of work a link may ask of the first picture beyond
        that (the MLP lab's ``epoch=N``); the live page does the rest (a server's page:
        ``ui.session.PREPARE_BUDGET_S``; a script or the command line: no limit)."""


def controls(obj, *names: str):
    """Mark ``obj`` (a widget, a button, a layout) as a control of the state's parameters
    ``names``, so that ``hide=`` leaves it out when any of them is hidden (a page that
    fixes a setting keeps no button that changes it); returns ``obj``."""
    obj._pg_controls = frozenset(names) | getattr(obj, "_pg_controls", frozenset())
    return obj


class Lab(Viewer):
    """A lab's view around one :class:`LabState`: what the shell puts in the page.

    ``sidebar()``, ``main()`` and ``details()`` return lists of Panel components; the
    shell calls each once.  A lab implements ``build_sidebar()``; ``sidebar()`` keeps
    what it built (a lab calls it at the end of its ``__init__``, so that its controls
    are made on the thread that prepares the page, not on the event loop).  The hooks
    have empty defaults; ``report_link_problems`` keeps its text in ``link_problems``
    and calls ``show_message()``, where a lab shows it next to its own messages.
    """

    state = param.ClassSelector(class_=LabState, doc="the lab's settings and results")

    #: State parameters whose change rewrites the page's link.
    URL_TRIGGERS: ClassVar[tuple[str, ...]] = ()
    #: Those of ``URL_TRIGGERS`` that say where the reader is in what a setting gives
    #: (a player's step), not a setting: their change alone rewrites the tab's current
    #: history entry, so that Back returns to the previous setting.
    URL_REPLACES: ClassVar[tuple[str, ...]] = ()
    #: The page's theme, as ``display_changed`` last gave it.
    theme: ClassVar[str] = "light"

    def __init__(self, **params):
        if "state" not in params:
            params["state"] = self.state_class()()
        super().__init__(**params)
        self.link_problems = ""  # what the page's link could not set, as one line
        #: State parameters whose controls the link hides (``hide=KEY``): left out of
        #: the sidebar, their values still in the state and the link.
        self.hidden: frozenset[str] = frozenset()
        #: The controls ``without_hidden`` left out of the page (their links are dropped
        #: with the page's when it ends: ``ui.session.forget_links``).
        self.left_out: list = []
        #: How the page styles what joins it (``Page._styled``), set by the shell when
        #: the lab joins its page; None before, and without a page (``styled``).
        self.styler: Callable[[list], list] | None = None
        self._sidebar: list | None = None  # built once (``sidebar``)

    @classmethod
    def state_class(cls) -> type[LabState]:
        """The class of this lab's state (the ``state`` parameter's class)."""
        return cls.param["state"].class_

    @classmethod
    def warm_up(cls):
        """What a server compiles once, on a thread of its own, for this lab's later pages
        (after its first page is complete; errors are logged): nothing by default."""

    @staticmethod
    def title_key(lab_key: str) -> str:
        """The text key of the name of the lab registered as ``lab_key`` (the shell shows
        the names before any lab is imported)."""
        return f"lab.{lab_key}"

    # -- what the shell puts in the page ------------------------------------------------

    def sidebar(self) -> list:
        """The controls (the page's left column), built once by ``build_sidebar``, with
        Panel's debounce of browser events dropped (``respond_at_once``).

        Raises:
            NotImplementedError: when the lab has no ``build_sidebar``.
        """
        if self._sidebar is None:
            self._sidebar = self.build_sidebar()
            respond_at_once(self._sidebar)
        return list(self._sidebar)

    def build_sidebar(self) -> list:
        """The controls, made anew (``sidebar`` calls it once).

        Raises:
            NotImplementedError: in this base class.
        """
        raise NotImplementedError

    def main(self) -> list:
        """The pictures: the first thing the page shows.

        Raises:
            NotImplementedError: in this base class.
        """
        raise NotImplementedError

    def details(self) -> list:
        """What goes below the pictures, built after them (nothing by default)."""
        return []

    def __panel__(self):
        return pn.Row(pn.Column(*self.sidebar(), width=360),
                      pn.Column(*self.main(), *self.details()))

    def hide_controls(self, keys):
        """Leave out the controls of these link ``keys`` (``hide=KEY,KEY``): their
        parameters go to ``hidden``, which ``without_hidden`` reads."""
        table = self.state.LINK
        self.hidden = frozenset(table.by_key[k].name if table else k for k in keys)

    def without_hidden(self, objects: list) -> list:
        """``objects`` without the controls of ``hidden`` parameters, looked for inside
        layouts too (a widget made by ``from_param`` carries its parameter's name in
        Panel's ``_param_name``; anything else that sets one says so with ``controls``).
        The shell filters the sidebar, the pictures and the details; a lab that builds
        controls later filters them here."""
        if not self.hidden:
            return objects
        kept = []
        for obj in objects:
            if (getattr(obj, "_param_name", None) in self.hidden
                    or self.hidden & getattr(obj, "_pg_controls", frozenset())):
                self.left_out.append(obj)
                continue
            if isinstance(obj, pn.layout.ListLike):
                obj.objects = self.without_hidden(list(obj.objects))
            kept.append(obj)
        return kept

    # -- the hooks the shell calls ------------------------------------------------------

    def report_link_problems(self, problems: list[str]):
        """Keep what the page's link could not set on screen (``problems``: one line each)."""
        self.link_problem_lines = list(problems)
        lang = self.state.lang
        self.link_problems = tr("url.ignored", lang,
                                problems=render_problems(problems, lang)) if problems else ""
        self.show_message()

    def withdraw_link_problem(self, line: str):
        """``line`` of ``report_link_problems`` no longer holds (e.g. the tab gave back
        the uploaded file the link named): the notice keeps the others."""
        lines = getattr(self, "link_problem_lines", [])
        if line in lines:
            self.report_link_problems([p for p in lines if p != line])

    def show_message(self):
        """Show ``link_problems`` (and the lab's own messages); nothing by default."""

    def prepare(self):
        """Draw the first picture before the lab is in the page (from the numbers that
        ``state.precompute()`` computed), so that the browser's first picture is the
        lab's.  Called once, before ``main()``."""

    def start(self):
        """What needs the live page (timers, background compilation); called once the
        pictures are in it.  Outside a server it runs at once."""

    def stop(self):
        """The session ended: stop every periodic callback and background work."""

    # -- how the page is shown (``ui.present``: the shell styles every Bokeh plot) -----

    def styled(self, objects: list) -> list:
        """``objects`` that the lab puts in its page after it joined (a view built when
        first needed, e.g. the MLP lab's race), styled as the shell styles what joins
        the page (the theme and lecture mode on their plots, the widgets' look), before
        they join it; as they are while the lab is not in a page yet (``main()`` etc.
        are styled when they join)."""
        return objects if self.styler is None else self.styler(objects)

    def thick_renderers(self) -> list | None:
        """The Bokeh renderers whose lines thicken in lecture mode (trajectories, loss
        curves); None, the default, thickens every line glyph."""
        return None

    def display_changed(self, display):
        """The theme or lecture mode (``display``, a ``ui.present.Display``) was set:
        resize what CSS cannot reach (a fixed-size pane); by default only the theme
        kept (``theme``: the static export's, ``ui.export.download_button``)."""
        self.theme = display.theme
