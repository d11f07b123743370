"""What a browser sends while its page loads reaches the server's objects, and their
reply reaches the page.

Panel 1.9.4 dropped both when a hold of the page's document, made on another thread (as
a page's lab is built), ended before the page had loaded: the tab's uploaded lesson, sent
as the page first draws, was lost in about one CI run in four; and a reply made before
the browser said it was ready (Bokeh's ``document_ready``, sent once the page has drawn)
never reached the page, in a CI run where that came late.  The served script below plays
the first race every time (without ``keep_browser_changes_held_before_load`` the value
was lost in each of 11 runs) and, with ``ready`` late, the second (the reply was lost in
each of 4 runs).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from playground.serving import REPO_ROOT, free_port, stop_server, wait_for_http

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

_APP = '''
import os, threading, time

import panel as pn
import param
from panel.io import hold
from panel.io.state import set_curdoc
from panel.reactive import ReactiveHTML

from playground.ui.session import keep_browser_changes_held_before_load

keep_browser_changes_held_before_load()

if os.environ.get("READY_LATE"):  # as a slow browser: its page drew 1.5 s before "ready"
    from panel.io.state import state

    heard_ready = state._schedule_on_load
    state._schedule_on_load = lambda doc, event: doc.add_timeout_callback(
        lambda: heard_ready(doc, event), 1500)


class SentOnDraw(ReactiveHTML):
    value = param.String(default="")
    _template = "<div id='sent'></div>"
    _scripts = {"render": "data.value = 'drawn'"}


sent = SentOnDraw()
heard = pn.pane.HTML("not heard", css_classes=["heard"])
sent.param.watch(lambda e: setattr(heard, "object", "heard: " + e.new), "value")
doc = pn.state.curdoc


def build_elsewhere():  # as a page's lab is built on its thread: short holds, for 6 s
    with set_curdoc(doc):
        end = time.monotonic() + 6
        while time.monotonic() < end:
            with hold():
                time.sleep(0.02)


threading.Thread(target=build_elsewhere, daemon=True).start()
pn.Column(sent, heard).servable()
'''


@pytest.mark.parametrize("ready", ["at once", "late"])
def test_a_value_sent_as_the_page_draws_is_heard_while_a_thread_holds_the_page(
        browser, tmp_path, ready):
    script = tmp_path / "sent_on_draw.py"
    script.write_text(_APP, encoding="utf-8")
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    if ready == "late":
        env["READY_LATE"] = "1"
    proc = subprocess.Popen(
        [sys.executable, "-m", "panel", "serve", str(script), "--port", str(port),
         "--address", "127.0.0.1", f"--allow-websocket-origin=127.0.0.1:{port}"],
        cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        start_new_session=True)
    context = browser.new_context()
    try:
        url = f"http://127.0.0.1:{port}/sent_on_draw"
        wait_for_http(url, proc)
        page = context.new_page()
        page.goto(url)
        page.get_by_text("heard: drawn").wait_for(timeout=20_000)
    finally:
        context.close()
        stop_server(proc)
