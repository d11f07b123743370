"""Fixtures for the browser tests: a real ``panel serve app.py`` and a Chromium page.

The tests drive the system Chromium (``shutil.which("chromium")``) through Playwright's
sync API; ``playwright install`` is never needed.  Without Chromium the tests are
skipped, except in CI (``CI`` set), where that is an error.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import time
from pathlib import Path

import pytest

from playground.serving import chromium_path, launch_chromium, running_app


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


#: The session server's output file, for the report of a test that fails (a hang in the
#: server shows there, not in the browser).
_server_log: list = []


@pytest.fixture(scope="session")
def server_url():
    """Base URL (``http://127.0.0.1:<port>/app``) of a ``panel serve app.py`` for the session."""
    processes = []
    with tempfile.TemporaryFile(mode="w+") as log, contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(running_app(log=log, on_start=processes.append))
        except (RuntimeError, TimeoutError) as e:
            log.seek(0)
            pytest.fail(f"{e}\n--- server output ---\n{log.read()[-5000:]}")
        _server_log.append((log, processes[0]))
        try:
            yield url  # the server stops when the stack closes
        finally:
            _server_log.clear()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    # A server started for this test (the first) has printed nothing before it.
    item.server_log_start = {id(log): os.fstat(log.fileno()).st_size for log, _ in _server_log}
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test's report carries what the server printed meanwhile, ending with
    every server thread's stack (``SIGUSR1``, see ``configure_process``): its last
    20,000 characters."""
    report = (yield).get_result()
    if report.when != "call" or not report.failed:
        return
    for log, process in _server_log:
        start = getattr(item, "server_log_start", {}).get(id(log), 0)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGUSR1)
            time.sleep(1)  # the handler writes from the server's signal handler
        with open(log.fileno(), closefd=False, errors="replace") as reader:
            reader.seek(start)
            printed = reader.read()
        report.sections.append(("server output during the test", printed[-20000:] or "nothing"))
    make = item.funcargs.get("new_page")
    for i, page in enumerate(getattr(make, "pages", ())):
        report.sections.append((f"browser page {i} when the test failed", _page_state(page)))


#: What a failed test's report says of each page it opened: a page that never completed
#: shows here whether it still waited for its lab, showed a notice, or lost its script.
_PAGE_STATE = """() => {
    const all = [];
    const walk = (node) => {
        for (const el of node.querySelectorAll('*')) {
            if (el.shadowRoot) walk(el.shadowRoot);
            if (el.classList && [...el.classList].some(c => c.startsWith('pg-')))
                all.push(el);
        }
    };
    walk(document);
    const classes = [...new Set(all.flatMap(el => [...el.classList])
                                   .filter(c => c.startsWith('pg-')))].sort();
    const said = all.filter(el => [...el.classList].some(
        c => /^pg-(notice|page-loading|build-error|message)/.test(c)))
        .map(el => [...(el.shadowRoot || el).children]
            .filter(c => !['STYLE', 'LINK', 'SCRIPT'].includes(c.tagName))
            .map(c => c.innerText || '').join(' ').trim()).filter(t => t).map(t => t.slice(0, 300));
    return {pg_classes: classes, notices: [...new Set(said)]};
}"""


def _page_state(page) -> str:
    try:
        if page.is_closed():
            return "closed"
        state = page.evaluate(_PAGE_STATE)
    except Exception as e:  # the report says why, the test's own failure stays
        state = f"could not be read: {e!r}"
    return f"url: {page.url}\nerrors: {getattr(page, 'errors', [])}\nstate: {state}"


def _require_chromium():
    if chromium_path() is None:
        message = "no `chromium` on PATH: the browser tests need the system Chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def playwright_api():
    """Playwright's sync API (``sync_playwright()``), for the session."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_api):
    """The system Chromium, headless, for the session: for tests that make contexts of
    their own (the figure command's, zoomed pages, a class of visitors)."""
    b = launch_chromium(playwright_api)
    try:
        yield b
    finally:
        b.close()


def _record_errors(page):
    page.errors = []
    page.on("console", lambda msg: page.errors.append(f"console.{msg.type}: {msg.text}")
            if msg.type == "error" else None)
    page.on("pageerror", lambda exc: page.errors.append(f"pageerror: {exc}"))
    return page


@pytest.fixture(scope="session")
def shared_context(playwright_api, tmp_path_factory):
    """One browser context for the session's pages (``new_page``): each page is its own
    tab (its own history and sessionStorage; the app keeps nothing else in the
    browser), and all share the context's cache, so Chromium compiles Bokeh's and
    Panel's 5 MB of JavaScript once, not once per page (4.1 → 1.2 s of Chromium's CPU
    per MLP page opened, benchmarks/README.md "Test-suite time").  A profile on disk,
    not Playwright's usual in-memory one, for V8's code cache, which Chromium keeps
    only on disk: 2.8 → 2.0 s of Chromium's CPU per MLP page opened."""
    context = launch_chromium(playwright_api, profile=tmp_path_factory.mktemp("chromium"),
                              viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture(scope="session")
def contexts(browser, shared_context):
    """``contexts(scale)``: the session's browser context whose pages have ``scale``
    device pixels per CSS pixel (a zoomed page), made once; 1 is ``shared_context``."""
    made = {1.0: shared_context}

    def at(scale: float = 1.0):
        if scale not in made:
            made[scale] = browser.new_context(viewport={"width": 1400, "height": 1000},
                                              device_scale_factor=scale)
            made[scale].set_default_timeout(30_000)
        return made[scale]

    yield at
    for scale, context in made.items():
        if scale != 1.0:
            context.close()


@pytest.fixture
def new_page(shared_context):
    """``new_page()``: a new tab at 1400 × 1000 with ``page.errors`` recorded; closed,
    with every tab the test opened, when the test ends (permissions it granted too)."""

    def make():
        page = _record_errors(shared_context.new_page())
        make.pages.append(page)  # a failed test's report says how each page stood
        return page

    make.pages = []
    yield make
    for page in shared_context.pages:
        with contextlib.suppress(Exception):  # (a tab that closed itself meanwhile)
            page.close(run_before_unload=True)
    shared_context.clear_permissions()


@pytest.fixture
def page(new_page):
    """A Playwright page (a new tab) whose console and page errors go to ``page.errors``."""
    return new_page()
