"""The playground's shell: the page layout, the lab switcher, links and warm-up.

``create_app()`` builds one browser session's page.  Labs are registered in
``LABS`` under the names used in links (``?lab=optimizers``); each is a Viewer with
``sidebar()`` and ``main()`` (lists of components), ``start()`` (draw the first
picture), ``ready()`` (can it draw without compiling?), ``set_busy(flag)``,
``report_link_problems(list)``, ``page_ready_js()`` (a CustomJS to run once the
page exists, or None), ``after_load(doc)``, ``URL_TRIGGERS`` (state parameters
whose change rewrites the link) and a ``state`` that reads and writes its query
string (``apply_query`` / ``to_query``).
"""

from __future__ import annotations

import html
import os
import threading
from pathlib import Path
from urllib.parse import urlencode

import panel as pn

from . import critical, race, surfaces
from .labs.mlp_lab import MlpLab
from .labs.optimizer_lab import OptimizerLab
from .text import tr

#: Lab key (as in links) → factory.  Later labs (mlp, bias–variance, depth,
#: backprop) are added here.
LABS = {"optimizers": OptimizerLab, "mlp": MlpLab}
DEFAULT_LAB = "optimizers"

CACHE_DIR = Path(os.environ.get("PLAYGROUND_JAX_CACHE",
                                Path.home() / ".cache" / "playground-jax"))

_warmup_lock = threading.Lock()
_warmup_started = False


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


def create_app() -> pn.Column:
    """One session's page."""
    pn.extension("katex", sizing_mode="stretch_width", notifications=False,
                 raw_css=[CSS])
    enable_compilation_cache()
    query = dict(pn.state.location.query_params) if pn.state.location else {}
    query = {k: str(v) for k, v in query.items()}
    lab_key = query.get("lab", DEFAULT_LAB)
    problems = []
    if lab_key not in LABS:
        problems.append(f"lab={lab_key!r} (unknown)")
        lab_key = DEFAULT_LAB
    lang = "en"
    lab = LABS[lab_key]()
    problems += lab.state.apply_query(query)
    lab.report_link_problems(problems)

    switcher = pn.widgets.RadioButtonGroup(
        name=tr("app.lab", lang), options={tr(f"lab.{k}", lang): k for k in LABS},
        value=lab_key, button_type="light", align="center", css_classes=["pg-labs"],
        width=160 * len(LABS), margin=(0, 20))

    def write_url(*_events):
        if pn.state.location is not None:
            query = {"lab": lab_key, **lab.state.to_query()}
            pn.state.location.search = "?" + urlencode(query)

    lab.state.param.watch(write_url, list(lab.URL_TRIGGERS))
    # Another lab is another page: its own state, its own link.
    switcher.jscallback(args={"keys": list(LABS)},
                        value="window.location.search = '?lab=' + keys[cb_obj.active]")
    page = layout(tr("app.title", lang), switcher, lab.sidebar(), lab.main())

    def draw():
        lab.start()
        lab.set_busy(False)
        write_url()
        # Only now: warming up every preset while the first page is built slowed that
        # page by seconds (the threads share Python's lock).
        start_background_warmup()

    doc = pn.state.curdoc
    in_a_session = doc is not None and doc.session_context is not None
    if in_a_session and not lab.ready():
        # Cold server: the page appears at once with a busy indicator, and the race
        # (with its compilation) follows on the next tick after the page has loaded.
        def on_load():
            lab.set_busy(True)
            doc.add_next_tick_callback(draw)
        pn.state.onload(on_load)
    else:
        draw()
        if in_a_session:  # drawn before the page exists: animate once it is there
            if lab.page_ready_js() is not None:
                doc.js_on_event("document_ready", lab.page_ready_js())
            def on_load():
                write_url()  # the browser reported its own URL on load
                lab.after_load(doc)
            pn.state.onload(on_load)
    return page


def layout(title: str, switcher, sidebar: list, main: list) -> pn.Column:
    """Header, a sidebar of controls that scrolls on its own, and the lab's pictures.

    Plain Panel layouts rather than a template: a template styles every component
    again and tripled the time to build each page (about 1.4 s against 0.4 s here).
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
    return pn.Column(header, pn.Row(side, body, sizing_mode="stretch_width"),
                     sizing_mode="stretch_width", margin=0)


CSS = """
body { margin: 0; font-family: system-ui, 'Segoe UI', Roboto, sans-serif; }
.pg-header { background: #1f3b5c; color: white; align-items: center; }
"""
