"""Helpers the browser tests share (the fixtures are in ``conftest.py``)."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

#: How long a page may take to draw its first picture on a loaded CI machine.
DRAW_TIMEOUT_MS = 60_000

_READ_SOURCE = """(name) => {
  const m = Bokeh.documents[0].get_model_by_name(name);
  const out = {};
  for (const [k, v] of Object.entries(m.data)) out[k] = Array.from(v);
  return out;
}"""



def wait_until(page, condition, timeout_s: float, what: str, every_ms: int = 250):
    """Poll ``condition()`` every ``every_ms`` until it is true or ``timeout_s`` passed
    (Playwright locators pierce Panel's shadow DOM; JS does not).  A ``ValueError`` or
    ``TypeError`` (a number not shown yet) counts as false.

    Raises:
        AssertionError: ``what`` did not happen in time.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except (ValueError, TypeError):
            pass
        page.wait_for_timeout(every_ms)
    raise AssertionError(f"timed out waiting for {what}")


def open_page(new_page, url: str, init_script: str | None = None):
    """A new page at 1280 × 720 (a lecture hall's projector) that has loaded ``url``,
    ``init_script`` run in it before the page's own scripts."""
    page = new_page()
    if init_script is not None:
        page.add_init_script(init_script)
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(url, wait_until="load")
    return page


def open_in_viewport(contexts, url: str, width: int, height: int, scale: float = 1.0,
                     ready: str = ".bk-Canvas", timeout_ms: int = 90_000):
    """A new tab at ``width`` × ``height`` CSS pixels (``scale`` device pixels each, a
    tab of ``contexts(scale)``, the fixture), its errors collected in ``page.errors``,
    once ``ready`` is in the page.  Returns the page (close it)."""
    page = contexts(scale).new_page()
    page.set_default_timeout(timeout_ms)
    page.set_viewport_size({"width": width, "height": height})
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(f"pageerror: {exc}"))
    page.goto(url)
    page.wait_for_selector(ready, state="attached")
    return page


def close_tab(page):
    """Close ``page`` without waiting for Chromium to say it closed.  The app sets no
    ``beforeunload`` handler, so the tab closes at once; Playwright's waiting close can
    hang for good when the close races a navigation's commit (a Chromium race:
    microsoft/playwright#42366; seen once in the quiet phase, closing a page whose link
    the app had just rewritten)."""
    page.close(run_before_unload=True)


def query_of(page) -> dict[str, str]:
    """The page's link as a dict (each key's first value)."""
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def assert_no_errors(page):
    """No console error and no uncaught exception in ``page`` (``page.errors``)."""
    assert page.errors == [], "console or page errors:\n" + "\n".join(page.errors)


def model_ready_js(name: str, min_points: int = 2) -> str:
    return f"""() => {{
      if (!window.Bokeh || !Bokeh.documents || Bokeh.documents.length === 0) return false;
      const m = Bokeh.documents[0].get_model_by_name({json.dumps(name)});
      return m != null && m.data.x != null && m.data.x.length >= {min_points};
    }}"""


def goto_and_wait(page, url: str, name: str = "full_sgd"):
    """Open ``url`` and wait until the trajectory source ``name`` has > 1 points."""
    page.goto(url, wait_until="commit")
    page.wait_for_function(model_ready_js(name), timeout=DRAW_TIMEOUT_MS)


def source(page, name: str) -> dict[str, list]:
    """The columns of the ColumnDataSource ``name``, as plain lists."""
    return page.evaluate(_READ_SOURCE, name)


#: Superscript digits and minus back to plain ones ("4.2×10⁻⁵" → "4.2×10-5").
_PLAIN = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")


def number(page, css_class: str) -> float:
    """The number shown in the element of class ``css_class`` ("0.693", "4.2×10⁻⁵"; a
    loss below float32's resolution, "< 10⁻⁷", as 0)."""
    text = page.locator(f".{css_class}").inner_text().strip().translate(_PLAIN)
    if text.startswith("<"):
        return 0.0
    mantissa, _, exponent = text.partition("×10")
    return float(mantissa) * 10.0 ** int(exponent or 0)
