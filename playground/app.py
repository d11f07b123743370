"""The playground's shell: the page layout, the lab switcher, links and warm-up.

``create_app()`` builds one browser session's page.  Labs are registered in
``LABS`` under the names used in links (``?lab=optimizers``); each is a Viewer with
``sidebar()``, ``main()`` and optionally ``details()`` (lists of components: the
pictures come first, the controls and the details on the next tick), ``prepare()``
(compute and draw the first picture before the lab is in a page; runs off the
session's thread),
``start()`` (what needs the live page), ``report_link_problems(list)``, ``URL_TRIGGERS``
(state parameters whose change rewrites the link) and a ``state`` that reads and
writes its query string (``apply_query`` / ``to_query``).

In a server session the page is sent at once as a shell (header, switcher, a
spinner) while a thread imports the numerics, builds the lab and computes its first
picture; the lab joins the page when both it and the browser are ready.  The
browser spends that time loading its JavaScript, so neither waits for the other.
"""

from __future__ import annotations

import html
import importlib
import os
import sys
import threading
from pathlib import Path
from urllib.parse import urlencode

import panel as pn
from bokeh.document import Document
from panel.io import hold
from panel.io.state import set_curdoc

from .labs.session import next_tick_from_any_thread
from .text import tr

#: Lab key (as in links) → "module:class", imported when a page asks for it.
#: Later labs (bias–variance, depth, backprop) are added here.
LABS = {"optimizers": "playground.labs.optimizer_lab:OptimizerLab",
        "mlp": "playground.labs.mlp_lab:MlpLab"}
DEFAULT_LAB = "optimizers"

CACHE_DIR = Path(os.environ.get("PLAYGROUND_JAX_CACHE",
                                Path.home() / ".cache" / "playground-jax"))

# The lab builder and background compiles share Python's lock with the server's
# event loop.  Python hands the lock over every 5 ms by default; a thread that has
# just read a file or a socket waits that long to go on, so the first page (a thread
# importing JAX while the loop sends the JavaScript) came 0.4–0.6 s later than with
# 0.5 ms.
sys.setswitchinterval(0.0005)

_warmup_lock = threading.Lock()
_warmup_started = False


def lab_class(key: str):
    """The Viewer class registered as ``key`` in ``LABS``."""
    module, name = LABS[key].split(":")
    return getattr(importlib.import_module(module), name)


def enable_compilation_cache():
    """JAX's persistent cache: a restarted server skips most compilation."""
    import jax

    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        jax.config.update("jax_compilation_cache_dir", str(CACHE_DIR))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    except OSError:  # a read-only home: run without the cache
        pass


def warm_up(keys=None):
    """Compile (or load from the disk cache) what drawing each preset needs."""
    from . import critical, race, surfaces

    for key in keys or surfaces.PRESETS:
        s = surfaces.SURFACES[key]
        race.run_race(s.fn, race.make_settings(s.start, s.defaults, steps=s.steps))
        critical.critical_points(s)
        surfaces.grid(s)


def start_background_warmup():
    """Once per server process: compile the presets in a background thread."""
    global _warmup_started
    with _warmup_lock:
        if _warmup_started:
            return
        _warmup_started = True
    threading.Thread(target=warm_up, name="playground-warmup", daemon=True).start()


def build_lab(lab_key: str, query: dict[str, str], problems: list[str]):
    """The lab of a page, set from its link, with its first picture computed.

    Touches no live document, so it may run on any thread: Panel's current
    document is a private one meanwhile.  (Off the server's thread Panel falls back to
    Bokeh's, which is whichever session the server is serving at that moment; a
    ``hold()`` here then held another page's document, and that page, its callbacks
    lost, never drew.)
    """
    with set_curdoc(Document()):
        enable_compilation_cache()
        lab = lab_class(lab_key)()
        problems = problems + lab.state.apply_query(query)
        lab.report_link_problems(problems)
        lab.prepare()
    return lab


def create_app() -> pn.Column:
    """One session's page."""
    pn.extension("katex", sizing_mode="stretch_width", notifications=False,
                 raw_css=[CSS])
    query = dict(pn.state.location.query_params) if pn.state.location else {}
    query = {k: str(v) for k, v in query.items()}
    lab_key = query.get("lab", DEFAULT_LAB)
    problems = []
    if lab_key not in LABS:
        problems.append(f"lab={lab_key!r} (unknown)")
        lab_key = DEFAULT_LAB
    lang = "en"
    doc = pn.state.curdoc
    in_a_session = doc is not None and doc.session_context is not None

    # In a session, the lab is built by a thread from here on, while this thread
    # answers with the page's shell and the browser loads its JavaScript.
    built = {}  # "lab" or "error", written once by the builder
    done, page_loaded, attached = threading.Event(), threading.Event(), threading.Event()

    def build():
        try:
            built["lab"] = build_lab(lab_key, query, problems)
        except Exception as e:  # a message in the page, never a traceback
            built["error"] = e
        done.set()
        next_tick(attach_when_ready)

    if in_a_session:
        next_tick = next_tick_from_any_thread(doc)
        threading.Thread(target=build, name="playground-build-lab", daemon=True).start()

    switcher = pn.widgets.RadioButtonGroup(
        name=tr("app.lab", lang), options={tr(f"lab.{k}", lang): k for k in LABS},
        value=lab_key, button_type="light", align="center", css_classes=["pg-labs"],
        width=160 * len(LABS), margin=(0, 20))
    # Another lab is another page: its own state, its own link.
    switcher.jscallback(args={"keys": list(LABS)},
                        value="window.location.search = '?lab=' + keys[cb_obj.active]")
    waiting = pn.Row(
        pn.indicators.LoadingSpinner(value=True, size=36, margin=(20, 10)),
        pn.pane.HTML(f"<p style='font-size:18px;color:#444;margin:0;line-height:36px'>"
                     f"{html.escape(tr('app.loading_lab', lang))}</p>", margin=(20, 0)),
        css_classes=["pg-page-loading"])
    page, side, body = layout(tr("app.title", lang), switcher, [], [waiting])

    def attach(lab):
        """Put a prepared lab's pictures in the page; returns what starts the lab and
        adds the rest once the pictures are there."""
        def write_url(*_events):
            if pn.state.location is not None:
                query = {"lab": lab_key, **lab.state.to_query()}
                pn.state.location.search = "?" + urlencode(query)

        def start():
            lab.start()  # e.g. the player's step, which animates the picture
            if in_a_session:
                doc.add_next_tick_callback(attach_the_rest)
            else:
                attach_the_rest()

        def attach_the_rest():
            with hold():
                side.objects = lab.sidebar()
                body.objects = [*body.objects, *getattr(lab, "details", list)()]
            write_url()
            # Only now: warming up every preset while the first page is built slowed
            # that page by seconds (the threads share Python's lock).
            start_background_warmup()

        lab.state.param.watch(write_url, list(lab.URL_TRIGGERS))
        # The pictures first; on the next ticks the lab starts in the live page and
        # the controls and details follow, built here while the browser draws the
        # pictures.  Each in one message.  (Not ``hold(freeze=True)``: the second
        # message then sent every model of the first again, with the server's values,
        # undoing what the browser had drawn since.)
        with hold():
            body.objects = lab.main()
        return start

    def attach_when_ready():
        # On the session's thread (onload, or a next-tick callback from the builder).
        if attached.is_set() or not (done.is_set() and page_loaded.is_set()):
            return
        attached.set()
        if "error" in built:
            show_build_error(built["error"])
        else:
            doc.add_next_tick_callback(attach(built["lab"]))  # starts once it is there

    def show_build_error(error):
        body.objects = [pn.pane.Alert(tr("app.build_failed", lang, error=error),
                                      alert_type="danger", css_classes=["pg-build-error"])]

    def on_load():
        page_loaded.set()
        attach_when_ready()

    if in_a_session:
        pn.state.onload(on_load)
    else:  # no server: build it here
        try:
            lab = build_lab(lab_key, query, problems)
        except Exception as e:  # a message in the page, never a traceback
            show_build_error(e)
        else:
            attach(lab)()
    return page


def layout(title: str, switcher, sidebar: list, main: list):
    """Header, a sidebar of controls that scrolls on its own, and the lab's pictures.

    Returns the page, the sidebar column and the main column.  Plain Panel layouts
    rather than a template: a template styles every component again and tripled the
    time to build each page (about 1.4 s against 0.4 s here).
    """
    header = pn.Row(
        pn.pane.HTML(f"<h1 style='color:white;font-size:26px;font-weight:600;margin:0'>"
                     f"{html.escape(title)}</h1>", margin=(0, 20), align="center",
                     sizing_mode="stretch_width"),
        switcher, css_classes=["pg-header"], sizing_mode="stretch_width", height=64)
    side = pn.Column(*sidebar, width=370, css_classes=["pg-sidebar"],
                     styles={"overflow-y": "auto", "height": "calc(100vh - 64px)",
                             "border-right": "1px solid #dde3ea", "padding": "6px 10px"})
    body = pn.Column(*main, sizing_mode="stretch_width",
                     styles={"overflow-y": "auto", "height": "calc(100vh - 64px)",
                             "padding": "6px 14px"})
    page = pn.Column(header, pn.Row(side, body, sizing_mode="stretch_width"),
                     sizing_mode="stretch_width", margin=0)
    return page, side, body


CSS = """
body { margin: 0; font-family: system-ui, 'Segoe UI', Roboto, sans-serif; }
.pg-header { background: #1f3b5c; color: white; align-items: center; }
"""
