"""A tablet and a phone (touch, ``is_mobile``: the browser honours the page's viewport
tag), and the narrow layout where the page scrolls as a whole.

* a tablet (820 × 1180) lays the page out at its own width (without a viewport tag it
  laid it out 980 px wide and shrank it: 12-px labels drawn at 10 px); a phone (390 px)
  at 640 px, the narrowest the layouts are made for; never sideways scrolling;
* every control a finger can hit: buttons and boxes at least 40 px high, check boxes
  22 px, a slider's handle 30 px;
* a swipe on the optimizer lab's surface scrolls the page, not the plot (it panned the
  plot off its surface);
* narrow (1024 × 768, lecture mode): the button to the controls only while they are
  open (with them folded it did nothing), the header's Controls goes to them when it
  opens them (they opened 2,900 px down, out of sight), a button above them goes back
  to the pictures, and a lesson's caption scrolls with the page (pinned, it covered a
  quarter of the window).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from playground.text import tr

from .helpers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

LOAD_MS = 60_000


def touch_page(browser, url: str, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height},
                                  has_touch=True, is_mobile=True, device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(LOAD_MS)
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(f"pageerror: {exc}"))
    page.goto(url)
    return context, page


#: JS: the height and width of each visible control of a kind, through shadow roots.
_SIZES = """(selector) => {
  const out = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.matches(selector)) {
        const r = el.getBoundingClientRect();
        if (r.width > 0 && r.height > 0) out.push([r.width, r.height, el.className]);
      }
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return out;
}"""


def test_a_tablet_lays_the_page_out_at_its_width_with_targets_for_a_finger(browser,
                                                                           server_url):
    context, page = touch_page(browser, f"{server_url}?lab=mlp", 820, 1180)
    try:
        page.locator(".pg-epoch").wait_for(state="visible")
        page.locator(".pg-layers").wait_for(state="attached")
        assert page.evaluate("[innerWidth, visualViewport.scale]") == [820, 1]
        assert page.evaluate("document.documentElement.scrollWidth") <= 820
        buttons = page.evaluate(_SIZES, "button.bk-btn")
        assert len(buttons) >= 10
        assert min(h for _, h, _ in buttons) >= 40, sorted(buttons, key=lambda b: b[1])[:3]
        boxes = page.evaluate(_SIZES, "input[type=checkbox]")
        assert len(boxes) >= 4 and min(min(w, h) for w, h, _ in boxes) >= 22, boxes
        handles = page.evaluate(_SIZES, ".noUi-handle")
        assert len(handles) >= 3 and min(min(w, h) for w, h, _ in handles) >= 30, handles
        assert page.errors == []
    finally:
        context.close()


def test_a_phone_lays_the_page_out_at_640_px(browser, server_url):
    context, page = touch_page(browser, f"{server_url}?lab=optimizers", 390, 844)
    try:
        page.locator(".pg-player").wait_for(state="attached")
        assert page.evaluate("innerWidth") == 640
        assert page.evaluate("document.documentElement.scrollWidth") <= 640
    finally:
        context.close()


def test_a_swipe_on_the_surface_scrolls_the_page_not_the_plot(browser, server_url):
    context, page = touch_page(browser, f"{server_url}?lab=optimizers", 820, 1180)
    try:
        canvas = page.locator(".bk-Canvas").first
        canvas.wait_for(state="visible")
        page.wait_for_timeout(2000)  # (the race drawn)
        box = canvas.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.7
        before = page.evaluate("scrollY")
        cdp = context.new_cdp_session(page)
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart",
                                              "touchPoints": [{"x": x, "y": y}]})
        for step in range(1, 11):
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove",
                                                  "touchPoints": [{"x": x, "y": y - 30 * step}]})
            page.wait_for_timeout(16)
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        wait_until(page, lambda: page.evaluate("scrollY") > before + 100, 5,
                   "the page scrolled by the swipe")
        assert page.errors == []
    finally:
        context.close()


def test_narrow_the_way_to_the_controls_and_the_lessons_caption(browser, server_url):
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    try:
        page = context.new_page()
        page.set_default_timeout(LOAD_MS)
        page.goto(f"{server_url}?lab=optimizers&present=1")
        page.locator(".pg-player").wait_for(state="visible")
        jump = page.locator(".pg-jump-to-controls")
        assert not jump.is_visible()  # the controls folded away: nothing to go to
        page.locator(".pg-toggle-sidebar button").click()
        sidebar = page.locator(".pg-sidebar")
        sidebar.wait_for(state="visible")
        wait_until(page, lambda: 0 <= sidebar.bounding_box()["y"] < 768, 10,
                   "the page at the controls it opened")
        assert jump.is_visible()
        back = page.locator(".pg-jump-to-pictures")  # and from the controls back up
        back.click()
        wait_until(page, lambda: page.evaluate("scrollY") == 0, 10, "the page at its top")
        page.set_viewport_size({"width": 1280, "height": 720})  # wide: side by side
        wait_until(page, lambda: not back.is_visible() and not jump.is_visible(), 10,
                   "neither button where the controls are beside the pictures")
        page.set_viewport_size({"width": 1024, "height": 768})
        page.goto(f"{server_url}?lesson=saddle_escape&lesson_step=2")
        bar = page.locator(".pg-lesson-bar")
        bar.wait_for(state="visible")
        page.locator(".pg-player").wait_for(state="visible")
        assert page.evaluate("e => getComputedStyle(e).position", bar.element_handle()) \
            == "static"
        expect(page.get_by_role("button", name=tr("lesson.next"), exact=True)
               ).to_be_visible()
    finally:
        context.close()
