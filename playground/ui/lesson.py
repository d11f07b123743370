"""Lesson sequences: an instructor's steps through the labs, each a link and a caption.

A lesson is a short file, JSON or YAML (an instructor's own, uploaded in the page, or one
shipped in ``playground/lessons/NAME.json`` and opened with ``?lesson=NAME``)::

    title: {en: Momentum through a ravine, zh: 动量法穿越峡谷}    # or a plain string
    steps:
      - link: lab=optimizers&surface=ravine&optimizers=sgd        # a link's query string
        caption: {en: Plain gradient descent zig-zags…, zh: …}    # or a plain string

Nothing else is accepted (:func:`parse_lesson`): a key not listed here, a link that the
lab's own link table (``ui.link.LinkTable``) does not read without a problem, a link
with the page's own keys (language, theme, lecture mode, embedding, the lesson), more
than ``MAX_STEPS`` steps, over-long texts and files over ``MAX_BYTES`` are refused with
one line (:class:`LessonError`, worded by ``playground.text``).  Captions and titles are
plain text, shown escaped (``ui.markup.text_html``): HTML or Markdown in a file shows as
its characters.

In the page (:class:`LessonGuide`) a bar above the lab's pictures shows the title, "step
k of n", the caption and Back / Next; the link carries ``lesson=NAME&lesson_step=k``
(:data:`LESSON_LINK`, shell keys like the display's), so Back / Forward and reloads
keep the place.  A step of the lab shown is applied in place (as Back / Forward
apply a link); a step of another lab loads that lab's page, with the lesson's keys and
the display's.  An uploaded lesson is kept by the tab (sessionStorage, never the link:
``lesson=uploaded``) and read again by the next page.
"""

from __future__ import annotations

import html
import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import quote, urlencode

import panel as pn
import param
from panel.reactive import ReactiveHTML

from ..text import DEFAULT_LANGUAGE, LANGUAGES, tr
from .flow import NARROW_PX, WHOLE_LABEL, WRAP
from .link import DEFAULT_LAB, LinkField, LinkReason, LinkTable, Problem, problem, read_query
from .markup import notice, set_notice, text_html
from .present import (
    DISPLAY_LINK,
    FOCUS_RING,
    PAGE_BUTTON,
    PLOT_COLORS,
    Display,
    display_query,
    text_size,
)
from .widgets import KeptFile, dress_widgets, file_picker, keep_in_tab, kept_file

log = logging.getLogger(__name__)

#: The lessons shipped with the package: ``NAME.json`` here is ``?lesson=NAME``.
LESSON_DIR = Path(__file__).resolve().parents[1] / "lessons"
#: The link's name of the lesson uploaded in this tab.
UPLOADED = "uploaded"
#: A lesson file's limits: bytes, steps, characters of a title, a caption and a link.
MAX_BYTES = 64_000
MAX_STEPS = 40
MAX_TITLE = 200
MAX_CAPTION = 2_000
MAX_LINK = 2_000
NAME_SHAPE = re.compile(r"[a-z0-9_]{1,40}")
#: The keys a lesson file and each of its steps may have.
LESSON_KEYS = frozenset({"title", "steps"})
STEP_KEYS = frozenset({"link", "caption"})
#: The sessionStorage entry that keeps this tab's uploaded lesson (its base64 content).
KEEP_KEY = "pg-lesson"


def _step_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise LinkReason("not_integer") from None
    if value < 1:
        raise LinkReason("at_least", low=1)
    return value


def _lesson_name(text: str) -> str:
    if not NAME_SHAPE.fullmatch(text):
        raise LinkReason("lesson_name")
    return text


#: The shell's link fields of a lesson: its name and the step shown (from 1).
LESSON_LINK = LinkTable([LinkField("lesson", "lesson", _lesson_name, default=""),
                         LinkField("lesson_step", "lesson_step", _step_number, default=1)])
#: Keys a step's link may not carry: the page's own, which the reader keeps.
PAGE_KEYS = frozenset({"embed", "hide", *DISPLAY_LINK.keys, *LESSON_LINK.keys})


#: A lesson file's problems: code → text key (its fields: ``where`` and the code's own).
MESSAGES = {
    "unknown": "lesson.error.unknown", "too_big": "lesson.error.too_big",
    "not_utf8": "lesson.error.not_utf8", "syntax": "lesson.error.syntax",
    "unreadable": "lesson.error.unreadable",
    "not_a_lesson": "lesson.error.not_a_lesson", "duplicate_key": "lesson.error.duplicate_key",
    "unknown_key": "lesson.error.unknown_key", "missing": "lesson.error.missing",
    "not_text": "lesson.error.not_text", "too_long": "lesson.error.too_long",
    "no_steps": "lesson.error.no_steps", "too_many_steps": "lesson.error.too_many_steps",
    "not_a_step": "lesson.error.not_a_step", "bad_link": "lesson.error.bad_link",
}
#: Where in a file a problem is, besides "step k": the file, its title.
PLACES = {"file": "lesson.where.file", "title": "lesson.where.title"}


def lab_link(state_class) -> LinkTable:
    """A lab state class's link table; for a lab without one, a table of its
    ``LINK_KEYS`` that takes any value (the page reports a bad one when it loads)."""
    return state_class.LINK or LinkTable(LinkField(k, k, str) for k in
                                         sorted(state_class.LINK_KEYS))


class LessonError(ValueError):
    """Why a lesson file is refused: a text key (``lesson.error.<code>``) and its fields."""

    def __init__(self, code: str, where: str | int = "file", **fields):
        super().__init__(f"{code} ({where}): {fields}")
        self.code, self.where, self.fields = code, where, fields

    def message(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The one line the page shows, in ``lang``: where (the file, its title, step k),
        then what is wrong."""
        where = (tr("lesson.where.step", lang, k=self.where) if isinstance(self.where, int)
                 else tr(PLACES[self.where], lang))
        fields = {key: value.render(lang) if isinstance(value, Problem) else value
                  for key, value in self.fields.items()}  # a link's problem in ``lang``
        return tr(MESSAGES[self.code], lang, where=where, **fields)


@dataclass(frozen=True)
class Step:
    """One step: ``link`` (a query string without ``?``, naming its ``lab``) and its
    caption per language."""

    link: str
    lab: str
    caption: Mapping[str, str]

    def caption_in(self, lang: str) -> str:
        """The caption in ``lang``, else in English, else in the first language given."""
        return _in(self.caption, lang)


@dataclass(frozen=True)
class Lesson:
    """A lesson: its ``name`` in links, its title per language and its steps."""

    name: str
    title: Mapping[str, str]
    steps: tuple[Step, ...]

    def title_in(self, lang: str) -> str:
        """The title in ``lang``, else in English, else in the first language given."""
        return _in(self.title, lang)


def _in(texts: Mapping[str, str], lang: str) -> str:
    """The text in ``lang``, else English, else the first one given."""
    return texts.get(lang) or texts.get(DEFAULT_LANGUAGE) or next(iter(texts.values()))


def _text(value, where: str | int, limit: int) -> dict[str, str]:
    """A title or caption: a plain string (every language) or ``{en: ..., zh: ...}``."""
    if isinstance(value, str):
        value = {DEFAULT_LANGUAGE: value}
    if not isinstance(value, dict) or not value:
        raise LessonError("not_text", where=where)
    for lang, text in value.items():
        if lang not in LANGUAGES:
            raise LessonError("unknown_key", where=where, field=str(lang)[:40])
        if not isinstance(text, str) or not text.strip():
            raise LessonError("not_text", where=where)
        if len(text) > limit:
            raise LessonError("too_long", where=where, limit=limit)
    return {lang: text.strip() for lang, text in value.items()}


def _link(value, where: int, tables: Callable[[str], LinkTable | None]) -> tuple[str, str]:
    """A step's link, checked as the page reads it: ``(query string, lab)``."""
    if not isinstance(value, str) or not value.strip():
        raise LessonError("not_text", where=where)
    if len(value) > MAX_LINK:
        raise LessonError("too_long", where=where, limit=MAX_LINK)
    link = value.strip().lstrip("?")
    query, problems = read_query(link)
    lab = query.get("lab", "")
    table = tables(lab) if lab else None
    if problems:
        raise LessonError("bad_link", where=where, problem=problems[0])
    if table is None:
        raise LessonError("bad_link", where=where,
                          problem=problem("lab", lab, LinkReason("unknown_lab")))
    for key, text in query.items():
        if key != "lab" and (key in PAGE_KEYS or key not in table.by_key):
            raise LessonError("bad_link", where=where,
                              problem=problem(key, text, LinkReason("unknown_key")))
    problems = table.read(query)[1]
    if problems:
        raise LessonError("bad_link", where=where, problem=problems[0])
    return link, lab


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    for k in keys:
        if keys.count(k) > 1:
            raise LessonError("duplicate_key", field=str(k)[:40])
    return dict(pairs)


def read_lesson_file(content: bytes | str, filename: str = "") -> object:
    """A lesson file's data: JSON, or YAML (``.yaml``/``.yml``, or what is not JSON).

    Raises:
        LessonError: too big, not UTF-8, not JSON/YAML (with the line), or nested too
            deeply or holding a number too long for Python's readers.
    """
    data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
    if len(data) > MAX_BYTES:
        raise LessonError("too_big", size=len(data), limit=MAX_BYTES)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LessonError("not_utf8") from None
    # [[[…]]] 30,000 deep (RecursionError) or a 5,000-digit number (ValueError: Python's
    # limit on int conversion) reached the page as Python's own words.
    if not filename.lower().endswith((".yaml", ".yml")):
        try:
            return json.loads(text, object_pairs_hook=_no_duplicates)
        except json.JSONDecodeError as e:
            if filename.lower().endswith(".json") or text.lstrip().startswith(("{", "[")):
                raise LessonError("syntax", line=e.lineno) from None
        except LessonError:  # (a key given twice: ``_no_duplicates``)
            raise
        except (RecursionError, ValueError):
            raise LessonError("unreadable") from None
    import yaml  # PyYAML: only for YAML files

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise LessonError("syntax", line=(mark.line + 1) if mark else 1) from None
    except (RecursionError, ValueError):
        raise LessonError("unreadable") from None


def parse_lesson(content: bytes | str, tables: Callable[[str], LinkTable | None],
                 name: str = UPLOADED, filename: str = "") -> Lesson:
    """A lesson from a file's content, checked strictly.

    Args:
        content: the file (bytes or text), at most ``MAX_BYTES`` bytes.
        tables: lab key → its link table (``None`` for a key that is no lab).
        name: the lesson's name in links.
        filename: the file's name (``.yaml``/``.yml`` read as YAML).

    Raises:
        LessonError: the first thing wrong (its ``message(lang)`` is one line).
    """
    data = read_lesson_file(content, filename)
    if not isinstance(data, dict):
        raise LessonError("not_a_lesson")
    for key in data:
        if key not in LESSON_KEYS:
            raise LessonError("unknown_key", field=str(key)[:40])
    if "title" not in data or "steps" not in data:
        raise LessonError("missing", field="title" if "title" not in data else "steps")
    title = _text(data["title"], "title", MAX_TITLE)
    steps = data["steps"]
    if not isinstance(steps, list) or not steps:
        raise LessonError("no_steps")
    if len(steps) > MAX_STEPS:
        raise LessonError("too_many_steps", count=len(steps), limit=MAX_STEPS)
    parsed = []
    for k, step in enumerate(steps, 1):
        where = k
        if not isinstance(step, dict):
            raise LessonError("not_a_step", where=where)
        for key in step:
            if key not in STEP_KEYS:
                raise LessonError("unknown_key", where=where, field=str(key)[:40])
        for key in ("link", "caption"):
            if key not in step:
                raise LessonError("missing", field=key, where=where)
        link, lab = _link(step["link"], where, tables)
        parsed.append(Step(link, lab, _text(step["caption"], where, MAX_CAPTION)))
    return Lesson(name, title, tuple(parsed))


def shipped_names() -> tuple[str, ...]:
    """The names of the lessons shipped in ``LESSON_DIR``, sorted."""
    return tuple(sorted(p.stem for p in LESSON_DIR.glob("*.json")
                        if NAME_SHAPE.fullmatch(p.stem)))


@cache
def _shipped_text(name: str) -> bytes:
    return (LESSON_DIR / f"{name}.json").read_bytes()


def shipped_lesson(name: str, tables: Callable[[str], LinkTable | None]) -> Lesson:
    """The shipped lesson ``name``.

    Raises:
        LessonError: no such lesson (``unknown``), or its file is wrong.
    """
    if name not in shipped_names():
        raise LessonError("unknown", name=name[:40])
    return parse_lesson(_shipped_text(name), tables, name=name, filename=f"{name}.json")


def first_step_query(query: Mapping[str, str],
                     tables: Callable[[str], LinkTable | None]) -> dict[str, str]:
    """``?lesson=NAME`` with nothing but the page's keys (and, if any, ``lab`` naming
    the step's own lab): the link of its step (``lesson_step``, else the first) with the
    page's keys; a link with settings of its own as it is, in the step's lab where it
    names none (``?lesson=overfitting&lesson_step=5&epoch=300`` is the MLP lab's)."""
    name = query.get("lesson", "")
    if not name or name == UPLOADED:
        return dict(query)
    try:
        lesson = shipped_lesson(name, tables)
    except LessonError:
        return dict(query)  # the guide reports it
    k = LESSON_LINK.read(query)[0].get("lesson_step", 1)
    step, _ = read_query(lesson.steps[(k if k <= len(lesson.steps) else 1) - 1].link)
    own_lab = step.get("lab", DEFAULT_LAB)
    if set(query) - PAGE_KEYS - {"lab"}:
        return dict(query) if "lab" in query else {"lab": own_lab, **query}
    if query.get("lab", own_lab) != own_lab:
        return dict(query)  # another lab's page: a link of its own
    # A step past the end opens the first; the link keeps it, for the guide to report.
    return {**step, "lesson_step": "1", **query}


def step_search(lesson: Lesson, k: int, display: Mapping[str, str]) -> str:
    """The query string of step ``k`` (from 1): its link, the page's ``display`` keys
    (``ui.present.display_query``) and the lesson's keys."""
    query = {**read_query(lesson.steps[k - 1].link)[0], **display,
             "lesson": lesson.name, "lesson_step": str(k)}
    return "?" + urlencode(query)


class LessonScript(ReactiveHTML):
    """The browser's side of a lesson: ``go`` (a count, ``|``, a percent-encoded query
    string) loads that link."""

    go = param.String(default="")

    _template = "<div id='lesson-script' style='display:none'></div>"
    _scripts = {
        "go": """
          if (!data.go) return;
          try {  // the lab left keeps its link for the tab, as the lab switcher does
            const here = new URLSearchParams(window.location.search);
            sessionStorage.setItem('pg-link-' + (here.get('lab') || '""" + DEFAULT_LAB + """'),
                                   window.location.search);
          } catch (e) { /* storage off */ }
          // Percent-encoded: Panel sends a string parameter HTML-escaped (& as &amp;).
          window.location.search = decodeURIComponent(data.go.slice(data.go.indexOf('|') + 1));
        """,
    }


class LessonGuide:
    """One page's lesson: the bar above the pictures, the sidebar's lesson card and the
    link's ``lesson``/``lesson_step``.

    Args:
        query: the page's link (``ui.link.read_query``).
        lab: the lab this page shows.
        display: the page's ``ui.present.Display`` (its keys go with a step to another lab).
        tables: lab key → its link table (``None`` for a key that is no lab).
        follow: ``follow(search) -> bool`` applies a link of this lab in place (as
            Back / Forward do, the lesson's step included); False when it cannot (the
            lab is not in the page yet).
        rewrite: rewrites the page's link (after the lesson closes).

    Attributes:
        problems: what the link's lesson keys could not set (for the link's notice).
        bar: the bar (hidden without a lesson) with its one-line message box.
        script: the browser's side (:class:`LessonScript`), once per page.
    """

    def __init__(self, query: Mapping[str, str], lab: str, display: Display,
                 tables: Callable[[str], LinkTable | None],
                 follow: Callable[[str], bool] = lambda _search: False,
                 rewrite: Callable[[], None] = lambda: None):
        self.lab, self.display, self.lang = lab, display, display.lang
        self.tables, self.follow_link, self.rewrite = tables, follow, rewrite
        self.lesson: Lesson | None = None
        self.known: dict[str, Lesson] = {}  # the lessons this page has shown, by name
        self._go_count = 0
        # The link fields while another lab's page is on its way (see ``go``).
        self._leaving: dict[str, str] | None = None
        values, self.problems = LESSON_LINK.read(query)
        name = values.get("lesson", "")
        self.step = values.get("lesson_step", 1)
        # The tab's uploaded lesson comes after the page: its bar is there from the start
        # (a bar shown once the lab was in the page did not always reach the browser).
        self.waiting = name == UPLOADED
        if name and name != UPLOADED:
            self.lesson = self._shipped(name)
            if self.lesson is None:
                self.problems.append(problem("lesson", name, LinkReason("no_lesson")))
        if self.lesson is not None and self.step > len(self.lesson.steps):
            self.problems.append(problem("lesson_step", str(self.step), LinkReason(
                "outside", low=1, high=len(self.lesson.steps))))
            self.step = 1
        if self.lesson is not None:
            # A step of another lab's (a link that names both): its words would describe
            # pictures this page does not show.
            other = read_query(self.lesson.steps[self.step - 1].link)[0].get("lab", DEFAULT_LAB)
            if other != lab:
                self.problems.append(problem("lesson", name, LinkReason(
                    "lesson_of_lab", lab=tr(f"lab.{other}", self.lang))))
                self.lesson = None

        t = lambda key: tr(f"lesson.{key}", self.lang)  # noqa: E731
        dark = display.theme == "dark"
        # The lesson's title and step on the buttons' line, the caption below at the bar's
        # whole width: beside the buttons it took five lines at 1280 px, and the bar
        # pushed the curves under the fold (a student's review).
        self.heading = pn.pane.HTML("", sizing_mode="stretch_width", margin=(8, 10, 0, 10),
                                    css_classes=["pg-lesson-heading"])
        self.text = pn.pane.HTML("", sizing_mode="stretch_width", css_classes=["pg-lesson-text"],
                                 margin=(0, 10, 4, 10))
        # At the top of the bar: centred, the buttons moved with each caption's length
        # (a presenter clicking Next again missed it).
        self.back = pn.widgets.Button(name=t("back"), width=90, align="start",
                                      button_type=PAGE_BUTTON,
                                      css_classes=["pg-lesson-back"])
        self.next = pn.widgets.Button(name=t("next"), width=90, align="start",
                                      button_type="primary", css_classes=["pg-lesson-next"])
        self.close = pn.widgets.Button(name=t("close"), width=80, align="start",
                                       button_type=PAGE_BUTTON, css_classes=["pg-lesson-close"])
        self.back.on_click(lambda _e: self.go(self.step - 1))
        self.next.on_click(lambda _e: self.go(self.step + 1))
        self.close.on_click(lambda _e: self.end())
        # The page's settings are not the step's (a slider moved, a link with settings
        # of its own): the caption describes the step's, and a button brings them back.
        self.changed_text = pn.pane.HTML(
            f"<span style='font-size:{text_size(13)};color:var(--pg-muted,#444)'>"
            f"{text_html(t('changed'))}</span>", margin=(0, 10))
        self.restore = pn.widgets.Button(name=t("restore"), button_type=PAGE_BUTTON,
                                         width=150, stylesheets=[WHOLE_LABEL],
                                         css_classes=["pg-lesson-restore"], margin=(0, 10))
        self.restore.on_click(lambda _e: self.go(self.step))
        self.changed = pn.Row(self.changed_text, self.restore, visible=False,
                              css_classes=["pg-lesson-changed"], margin=0,
                              styles={"align-items": "center", "flex-wrap": "wrap"})
        self.row = pn.Column(pn.Row(self.heading, self.back, self.next, self.close,
                                    sizing_mode="stretch_width", margin=0,
                                    styles={"align-items": "flex-start"}, stylesheets=[WRAP]),
                             self.text, self.changed,
                             sizing_mode="stretch_width", css_classes=["pg-lesson"],
                          styles={"background": "#23303f" if dark else "#eef4fb",
                                  "border-left": "6px solid #2a6fb0", "border-radius": "6px",
                                  "padding": "4px 8px", "align-items": "flex-start"})
        self.message = notice("warning", css_classes=["pg-lesson-error"])
        # Sticky: the caption stays in sight while the pictures below it scroll; not where
        # the whole page scrolls (narrow), where it covered a quarter of a 1024 × 768 one.
        self.bar = pn.Column(self.message, self.row, sizing_mode="stretch_width",
                             margin=(0, 0, 6, 0), css_classes=["pg-lesson-bar"],
                             stylesheets=[f"@media (max-width: {NARROW_PX - 1}px) "
                                          "{ :host { position: static !important; } }"],
                             styles={"position": "sticky", "top": "0", "z-index": "10",
                                     "background": PLOT_COLORS["dark"]["border"] if dark
                                     else "white"})  # (the page's own)
        self.script = LessonScript()
        # The tab's uploaded lesson, for a page whose link says lesson=uploaded.
        self.kept = KeptFile(key=KEEP_KEY, field="lesson", value=UPLOADED)
        doc = pn.state.curdoc
        self._later = (doc.add_next_tick_callback if doc is not None
                       and doc.session_context is not None else lambda fn: fn())
        self.kept.param.watch(self._on_kept, "kept")
        self._card = None
        self.upload: pn.widgets.FileInput | None = None  # in the card, once it is opened
        self.show()

    def _shipped(self, name: str) -> Lesson | None:
        try:
            lesson = shipped_lesson(name, self.tables)
        except LessonError as e:
            if e.code != "unknown":
                log.error("the shipped lesson %r is wrong: %s", name, e)
            return None
        self.known[name] = lesson
        return lesson

    # -- what the page shows ------------------------------------------------------------

    def show(self):
        """The bar as the lesson and its step are now."""
        lesson = self.lesson
        self.row.visible = lesson is not None or self.waiting
        self.bar.visible = self.row.visible or self.message.visible
        if lesson is None:
            self.heading.object = ""
            if self.waiting:  # the uploaded lesson on its way from the tab
                self.text.object = (f"<div class='pg-lesson-caption' style='font-size:"
                                    f"{text_size(16)};color:var(--pg-ink,#1f2933)'>"
                                    f"{text_html(tr('lesson.loading', self.lang))}</div>")
                self.back.disabled = self.next.disabled = True
            return
        n = len(lesson.steps)
        self.step = k = min(max(self.step, 1), n)
        step = lesson.steps[k - 1]
        self.heading.object = (
            f"<div style='font-size:{text_size(13)};color:var(--pg-muted,#444)'>"
            f"<b class='pg-lesson-title'>"
            f"{text_html(tr('lesson.heading', self.lang, title=lesson.title_in(self.lang)))}"
            f"</b> · "
            f"<span class='pg-lesson-count'>"
            f"{text_html(tr('lesson.step', self.lang, k=k, n=n))}</span></div>")
        self.text.object = (
            f"<div class='pg-lesson-caption' style='font-size:{text_size(16)};"
            f"color:var(--pg-ink,#1f2933);line-height:1.4;margin-top:2px'>"
            f"{text_html(step.caption_in(self.lang))}</div>")
        self.back.disabled = k <= 1
        self.next.disabled = k >= n
        # (A disabled primary button still looked blue, as if there were a next step.)
        self.next.button_type = PAGE_BUTTON if k >= n else "primary"

    def say(self, line: str):
        """One line about the lesson above its bar ("" hides it)."""
        set_notice(self.message, [line])
        self.bar.visible = self.lesson is not None or bool(line)

    def card(self) -> pn.Card:
        """The sidebar's card, closed (built once); its contents, a button per shipped
        lesson and an upload, are built when it is first opened (``fill_card``): most
        pages never open it, and each page joins its document on the shared event loop
        (issue #9 item 4)."""
        if self._card is None:
            self._card = pn.Card(title=tr("lesson.panel", self.lang), collapsed=True,
                                 sizing_mode="stretch_width", css_classes=["pg-lesson-card"],
                                 stylesheets=[FOCUS_RING])  # (its header had none)
            self._card.param.watch(lambda _e: self.fill_card(), "collapsed")
        return self._card

    def fill_card(self):
        """The card's contents, once: a button per shipped lesson and an upload."""
        card = self.card()
        if card.objects:
            return
        t = lambda key: tr(f"lesson.{key}", self.lang)  # noqa: E731
        buttons = []
        for name in shipped_names():
            lesson = self._shipped(name)
            if lesson is None:
                continue
            button = pn.widgets.Button(name=lesson.title_in(self.lang),
                                       sizing_mode="stretch_width", button_type=PAGE_BUTTON,
                                       css_classes=[f"pg-lesson-open-{name}"])
            button.on_click(lambda _e, n=name: self.open(n))
            buttons.append(button)
        self.upload = pn.widgets.FileInput(accept=".json,.yaml,.yml", multiple=False,
                                           css_classes=["pg-lesson-upload"],
                                           sizing_mode="stretch_width")
        keep_in_tab(self.upload, KEEP_KEY, MAX_BYTES)
        self.upload.param.watch(self._on_upload, "value")
        small = f"font-size:{text_size(13)};color:var(--pg-ink,#222)"
        objects = [
            pn.pane.HTML(f"<span style='{small}'>{text_html(t('pick'))}</span>",
                         margin=(0, 5)),
            *buttons,
            pn.pane.HTML(f"<span style='{small}'>{text_html(t('upload'))}</span>",
                         margin=(8, 5, 0, 5)),
            file_picker(self.upload, t("choose"), "pg-lesson-upload-button")]
        dress_widgets(objects)  # (made after the shell dressed the page's controls)
        card.objects = objects

    def compare(self, shown: Mapping[str, str], free: Iterable[str] = ()):
        """Whether the page's settings (``shown``: its state's link fields) are the
        step's, the keys ``free`` aside (``ui.lab.LabState.LESSON_FREE``): if not, the
        bar says its caption is the step's, with a button back to them.  Each value as
        the lab's link reads it (0.000001 is 1e-06); a key one side leaves out is at its
        default there."""
        self.changed.visible = self.lesson is not None and not self._same(shown, set(free))

    def _same(self, shown: Mapping[str, str], free: set[str]) -> bool:
        step = self.lesson.steps[self.step - 1]
        table = self.tables(step.lab)
        if table is None or step.lab != self.lab:
            return True
        want = table.read(read_query(step.link)[0])[0]
        have = table.read(shown)[0]
        for field in table.fields:
            if field.key in free:
                continue
            a = want.get(field.name, field.default)
            b = have.get(field.name, field.default)
            if isinstance(a, float) or isinstance(b, float):
                try:
                    if math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12):
                        continue
                except (TypeError, ValueError):
                    pass
            if a != b:
                return False
        return True

    # -- moving through it --------------------------------------------------------------

    def query(self) -> dict[str, str]:
        """The lesson's link fields (nothing without a lesson).  While the tab's uploaded
        lesson is awaited, the link still asks for it: the page rewrites its link as it
        completes, and ``KeptFile`` sends the file only on a link that names it (a page
        built sooner than the browser drew the bar lost its lesson)."""
        if self._leaving is not None:
            return dict(self._leaving)
        if self.lesson is None:
            return {"lesson": UPLOADED, "lesson_step": str(self.step)} if self.waiting else {}
        return {"lesson": self.lesson.name, "lesson_step": str(self.step)}

    def go(self, k: int, shown: dict[str, str] | None = None):
        """Step ``k`` (from 1): in place if it is this lab's, else its lab's page.
        ``shown``: the link fields of what the page shows, if not ``query()`` (a lesson
        just opened)."""
        if self.lesson is None or not 1 <= k <= len(self.lesson.steps):
            return
        search = step_search(self.lesson, k, display_query(self.display))
        here = self.lesson.steps[k - 1].lab == self.lab
        # Until the other lab's page replaces this one, the link keeps the step this page
        # shows: a link written meanwhile (the lab training) named the other lab's step,
        # and Back returned to this lab at a step that is not its own.
        if here:
            self._leaving = None
        elif self._leaving is None:
            self._leaving = self.query() if shown is None else shown
        self.step = k
        self.show()  # at once, so that a second key press moves on from here
        # On the next tick, which holds the document's lock (a button's click does not).
        self._later(lambda: (here and self.follow_link(search)) or self._load(search))

    def _load(self, search: str):
        """The page of the link ``search`` (another lab's, or the lab not ready)."""
        self._go_count += 1
        self.script.go = f"{self._go_count}|{quote(search, safe='')}"

    def follow(self, query: Mapping[str, str]):
        """A link of this page (Back / Forward, or a step applied): its lesson and step
        (a lesson this page has shown; a link without one closes the bar)."""
        values = LESSON_LINK.read(query)[0]
        self._leaving = None
        name = values.get("lesson", "")
        self.lesson = self.known.get(name) or (self._shipped(name) if name else None)
        if self.lesson is not None:
            self.step = values.get("lesson_step", 1)
        self.show()

    def open(self, name: str):
        """Start the shipped lesson ``name`` at its first step."""
        shown = self.query()
        self.lesson = self._shipped(name)
        if self.lesson is None:
            self.say(LessonError("unknown", name=name).message(self.lang))
            return
        self.say("")
        self.step = 1
        self.show()
        self.go(1, shown)

    def end(self):
        """Close the lesson: the bar goes, and the link's lesson keys with it."""
        self.lesson, self._leaving = None, None
        self.say("")
        self.show()
        self._later(self.rewrite)

    # -- an uploaded lesson ------------------------------------------------------------

    def use_file(self, content: bytes | str, filename: str) -> bool:
        """An uploaded lesson file as this page's lesson, or a one-line message why not."""
        try:
            lesson = parse_lesson(content, self.tables, UPLOADED, filename)
        except LessonError as e:
            self.say(tr("lesson.refused", self.lang, error=e.message(self.lang)))
            return False
        except Exception as e:  # a message in the page, never a traceback
            log.exception("the lesson file %r could not be read", filename)
            self.say(tr("lesson.refused", self.lang, error=e))
            return False
        self.lesson = self.known[UPLOADED] = lesson
        self.say("")
        return True

    def _on_upload(self, event):
        shown = self.query()
        if event.new is not None and self.use_file(event.new, self.upload.filename or ""):
            self.step = 1
            self.show()
            self.go(1, shown)

    def _on_kept(self, event):
        """The tab's uploaded lesson, for a page whose link says ``lesson=uploaded``
        (shown on the next tick: changes made while the browser's message is handled
        did not all reach it)."""
        self._later(lambda: self._use_kept(event.new))

    def _use_kept(self, kept: str):
        name, content = kept_file(kept)
        if not content:
            line = tr("lesson.not_kept", self.lang)
        elif self.use_file(content, name):
            self.waiting = False
            self.show()
            return
        else:
            line = self.message.object and html.unescape(self.message.object)
        # In the bar itself, which the page already shows.
        self.text.object = (f"<div class='pg-lesson-caption pg-lesson-problem' style='font-size:"
                            f"{text_size(15)};color:var(--pg-error,#b00020)'>"
                            f"{text_html(line)}</div>")
