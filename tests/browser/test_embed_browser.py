"""Embedding in a course site (issue #12, "Embed"), in a real browser.

* ``?embed=1&hide=KEY,KEY`` at 820 × 560: no header, the hidden controls absent, the
  others there, the pictures drawn, nothing to the right of the frame; the rewritten
  link keeps ``embed`` and ``hide``;
* no horizontal scrolling at 1024 × 768, 1280 × 720 and 150 % zoom on 1400 × 900
  (933 × 600 CSS px at a device scale of 1.5);
* the same in lecture mode (``present=1``), where text is larger;
* the optimizer lab's formulas (Adam's update rule is the widest) scroll within their own
  boxes, never widen the page, in lecture mode at 150 % zoom and embedded at 820 × 560
  (dark, Chinese);
* the embedded optimizer lab's legend stays clear of the critical-point text beside it;
* the lab draws inside an 820 × 560 iframe of another page;
* from 640 px up (640 … 820 px wide, where the MLP lab's curves once sat beside the heat
  map in 25 px and held the page wider than its frame), embedded and plain, in lecture
  mode too: no sideways scrolling and every chart's frame at least 200 px wide (a
  chart goes below rather than shrink);
* lecture mode at 1280 × 720 with the controls open: no button narrower than its label
  or outside its box, the sidebar or the window, and the charts' frames as above.
"""

from __future__ import annotations

import re
import time

import pytest

from playground.text import tr
from playground.ui.flow import CHART_FRAME_MIN_PX

from .helpers import open_in_viewport, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

#: Per lab: hidden keys, the labels and CSS classes of the controls they hide, a label
#: still shown.
EMBEDS = {
    "optimizers": ("surface,optimizers", [tr("surface", "en")], [".pg-optimizers"],
                   tr("seed", "en")),
    "mlp": ("lr,optimizer", [tr("mlp.lr", "en"), tr("mlp.optimizer", "en")], [],
            tr("mlp.batch.label", "en")),
}
#: (width, height, device scale) loaded afresh: a small laptop and 150 % zoom on
#: 1400 × 900; then each resized to the sizes listed: the laptop's page to a projector's
#: (a load is seconds of a loaded CI machine; a resize, the same device scale, is not).
LOADED_SIZES = {(1024, 768, 1.0): [(1280, 720)], (933, 600, 1.5): []}
READY = ".pg-complete"  # every part of the lab is in the page (the shell's root class)

#: JS: the drawn Bokeh canvases (width, left, right) in the document, shadow roots included.
_CANVASES = """() => {
  const out = [];
  const walk = (root) => { for (const el of root.querySelectorAll('*')) {
    if (el.classList.contains('bk-Canvas')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) out.push([r.width, r.left, r.right]);
    }
    if (el.shadowRoot) walk(el.shadowRoot); } };
  walk(document);
  return out;
}"""
_WIDTHS = "[document.documentElement.scrollWidth, window.innerWidth]"
#: JS: the drawn elements of a CSS class (shadow roots included):
#: [left, right, top, bottom, scrollWidth, clientWidth].
_BOXES = """(cls) => {
  const out = [];
  const walk = (root) => { for (const el of root.querySelectorAll('*')) {
    if (el.classList.contains(cls)) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.height > 0)
        out.push([r.left, r.right, r.top, r.bottom, el.scrollWidth, el.clientWidth]);
    }
    if (el.shadowRoot) walk(el.shadowRoot); } };
  walk(document);
  return out;
}"""


def boxes(page, cls: str, at_least: int = 1, timeout_s: float = 120) -> list:
    """The drawn elements of class ``cls``, once there are ``at_least`` of them."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = page.evaluate(_BOXES, cls)
        if len(found) >= at_least or time.monotonic() > deadline:
            return found
        page.wait_for_timeout(300)


def open_lab(contexts, url: str, width: int, height: int, scale: float = 1.0):
    # (attached, not visible: lecture mode folds the controls away)
    page = open_in_viewport(contexts, url, width, height, scale, ready=READY)
    page.wait_for_timeout(500)  # the browser's layout of the last part
    return page


def has_label(page, text: str) -> bool:
    """Whether a control's label in the page (shadow roots included) reads ``text``
    (a slider's is a ``div`` ending in a colon, a box's a ``label``)."""
    label = re.compile(rf"^{re.escape(text)}:?$")
    return page.locator("label, div").get_by_text(label).count() > 0


def no_sideways_scroll(page) -> bool:
    scroll_width, inner_width = page.evaluate(_WIDTHS)
    return scroll_width <= inner_width


@pytest.mark.parametrize("lab", list(EMBEDS))
def test_an_embedded_lab_at_820_by_560_hides_the_header_and_the_chosen_controls(
        contexts, server_url, lab):
    hide, hidden_labels, hidden_classes, shown_label = EMBEDS[lab]
    page = open_lab(contexts, f"{server_url}?lab={lab}&embed=1&hide={hide}", 820, 560)
    try:
        assert page.locator(".pg-header").count() == 0
        assert page.locator(".pg-labs").count() == 0
        for label in hidden_labels:
            assert not has_label(page, label), label
        for selector in hidden_classes:
            assert page.locator(selector).count() == 0, selector
        assert has_label(page, shown_label)
        assert no_sideways_scroll(page), page.evaluate(_WIDTHS)
        canvases = page.evaluate(_CANVASES)
        assert len(canvases) >= 2  # the surface and the loss / the heat map and the curves
        assert all(right <= 820 for _, _, right in canvases), canvases
        assert max(width for width, _, _ in canvases) >= 300
        # The rewritten link keeps the embedding.
        deadline = time.monotonic() + 10
        while "embed=1" not in page.evaluate("location.search") and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        search = page.evaluate("decodeURIComponent(location.search)")
        assert "embed=1" in search and f"hide={hide}" in search, search
        assert page.errors == []
    finally:
        page.close()


def test_an_unknown_hidden_key_is_reported_and_dropped(contexts, server_url):
    page = open_lab(contexts, f"{server_url}?lab=mlp&embed=1&hide=lr,nonsense",
                             820, 560)
    try:
        page.wait_for_selector("text=nonsense")
        assert not has_label(page, tr("mlp.lr", "en"))
        deadline = time.monotonic() + 30  # the page rewrites its link once it is complete
        while "nonsense" in page.evaluate("location.search") and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        assert "hide=lr" in page.evaluate("location.search")
        assert "nonsense" not in page.evaluate("location.search")
    finally:
        page.close()


@pytest.mark.parametrize("present", ["", "&present=1"], ids=["plain", "lecture"])
@pytest.mark.parametrize("lab", list(EMBEDS))
def test_no_sideways_scrolling_from_1024_wide_and_at_150_percent_zoom(
        contexts, server_url, lab, present):
    for (width, height, scale), resized in LOADED_SIZES.items():
        page = open_lab(contexts, f"{server_url}?lab={lab}{present}", width, height,
                                 scale)
        try:
            for w, h in [(width, height), *resized]:
                if (w, h) != (width, height):
                    page.set_viewport_size({"width": w, "height": h})
                    settled(page, w)
                assert no_sideways_scroll(page), (w, h, scale, page.evaluate(_WIDTHS))
                assert page.locator(".pg-header").count() == 1
                canvases = page.evaluate(_CANVASES)
                assert canvases and all(right <= w for _, _, right in canvases), canvases
        finally:
            page.close()


@pytest.mark.parametrize(("query", "width", "height", "scale"), [
    ("lab=optimizers&present=1", 933, 600, 1.5),
    ("lab=optimizers&embed=1&present=1&theme=dark&lang=zh", 820, 560, 1.0),
], ids=["lecture-150%", "embedded-lecture-dark-zh"])
def test_the_optimizer_formulas_scroll_within_their_boxes_not_the_page(
        contexts, server_url, query, width, height, scale):
    page = open_lab(contexts, f"{server_url}?{query}", width, height, scale)
    try:
        # Three optimizers by default, three formula panes each (rule, values, numbers).
        formulas = boxes(page, "pg-formula", at_least=9)
        assert len(formulas) >= 9, formulas
        inner_width = page.evaluate("window.innerWidth")
        assert all(right <= inner_width for _, right, *_ in formulas), formulas
        # Adam's rule is wider than its box at these sizes: it scrolls there, so this
        # test would see it spill out of the page.
        assert max(scroll - client for *_, scroll, client in formulas) > 0, formulas
        assert no_sideways_scroll(page), page.evaluate(_WIDTHS)
        # A shadow marks the edge with more formula beyond it: the right one at first,
        # the left one once scrolled to the end (a scroll bar is not always drawn).
        left, right = _edges_off_the_page(page, scroll_to_end=False)
        assert right > left + 8, (left, right)
        left, right = _edges_off_the_page(page, scroll_to_end=True)
        assert left > right + 8, (left, right)
        assert page.errors == []
    finally:
        page.close()


#: JS: the formula pane that scrolls the most, scrolled to its start or end and into
#: view: its box (CSS px) and the page's background colour behind it.
_WIDEST_FORMULA = """(end) => {
  let best = null;
  const walk = (root) => { for (const el of root.querySelectorAll('*')) {
    if (el.classList.contains('pg-formula') && el.getBoundingClientRect().width > 0 &&
        (!best || el.scrollWidth - el.clientWidth > best.scrollWidth - best.clientWidth))
      best = el;
    if (el.shadowRoot) walk(el.shadowRoot); } };
  walk(document);
  best.scrollIntoView({block: 'center'});
  best.scrollLeft = end ? best.scrollWidth : 0;
  const r = best.getBoundingClientRect();
  return {x: r.left, y: r.top, width: r.width, height: r.height,
          page: getComputedStyle(document.body).backgroundColor};
}"""


def _edges_off_the_page(page, scroll_to_end: bool) -> tuple[float, float]:
    """How far the widest formula's left and right edges (the median of their outer
    4 px, in 0–255 per channel) are from the page's colour: a shadow, or not."""
    import io

    from PIL import Image

    box = page.evaluate(_WIDEST_FORMULA, scroll_to_end)
    page.wait_for_timeout(200)
    colour = [float(v) for v in re.findall(r"[\d.]+", box.pop("page"))]
    # (a transparent body is the browser's white canvas)
    page_rgb = [255, 255, 255] if len(colour) == 4 and colour[3] == 0 else colour[:3]
    shot = Image.open(io.BytesIO(page.screenshot(clip=box))).convert("RGB")
    w, h = shot.size
    edge = max(int(4 * w / box["width"]), 1)  # 4 CSS px in device pixels

    def off(x0: int, x1: int) -> float:
        pixels = sorted(sum(abs(c - p) for c, p in zip(shot.getpixel((x, y)), page_rgb,
                                                          strict=True))
                        for x in range(x0, x1) for y in range(h // 4, 3 * h // 4))
        return pixels[len(pixels) // 2]

    return off(0, edge), off(w - edge, w)


def _overlap(a, b) -> bool:
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


@pytest.mark.parametrize("query", [
    "lab=optimizers&surface=rosenbrock&embed=1&hide=surface",
    "lab=optimizers&surface=rosenbrock&embed=1&hide=surface&present=1",
], ids=["embedded", "embedded-lecture"])
def test_the_embedded_optimizer_legend_stays_clear_of_the_critical_point_text(
        contexts, server_url, query):
    page = open_lab(contexts, f"{server_url}?{query}", 820, 560)
    try:
        legends = sorted(boxes(page, "bk-Legend"), key=lambda box: box[2])
        critical = boxes(page, "pg-critical")
        # The surface's legend below its plot; above the loss chart the colours' key,
        # but in lecture mode, whose headline keys the colours.
        lecture = "present=1" in query
        assert len(legends) == (1 if lecture else 2) and len(critical) == 1, (legends,
                                                                              critical)
        legend, text = legends[-1], critical[0]
        assert legend[3] - legend[2] > 40  # three items drawn, one a line
        for box in legends:
            assert not _overlap(box, text), (box, text)
            assert box[1] <= 820
    finally:
        page.close()


def test_a_narrow_frame_has_a_button_to_its_controls_below_the_pictures(contexts,
                                                                        server_url):
    """Embedded 700 px wide the MLP lab's controls are below its pictures, 2,800 px
    down a 560-px frame (an instructor's review): a button above the pictures scrolls
    to them; where they are beside the pictures there is none."""
    page = open_lab(contexts, f"{server_url}?lab=mlp&embed=1", 700, 500)
    try:
        # Once the page is whole: the details join above the controls (narrow, below the
        # pictures), which moved them down after a scroll made before (a slow CI run).
        page.locator(".pg-complete").wait_for(state="attached", timeout=90_000)
        page.wait_for_timeout(500)
        (jump,) = boxes(page, "pg-jump-to-controls")
        (side,) = boxes(page, "pg-sidebar")
        assert jump[3] <= 80 and side[2] > 1000  # the button on top, the controls far down
        page.locator(".pg-jump-to-controls button").click()
        wait_until(page, lambda: -2 < boxes(page, "pg-sidebar")[0][2] < 100, 10,
                   "the controls scrolled into view")
        assert no_sideways_scroll(page)
    finally:
        page.close()
    page = open_lab(contexts, f"{server_url}?lab=mlp", 1280, 720)
    try:
        assert boxes(page, "pg-jump-to-controls", at_least=0, timeout_s=0) == []
    finally:
        page.close()


@pytest.mark.parametrize("lab", list(EMBEDS))
def test_a_lab_draws_inside_an_820_by_560_iframe(contexts, server_url, lab):
    page = contexts().new_page()
    page.set_default_timeout(90_000)
    page.set_viewport_size({"width": 1000, "height": 700})
    try:
        src = f"{server_url}?lab={lab}&embed=1&hide={EMBEDS[lab][0]}"
        page.set_content(f"<h1>A course page</h1><iframe id='lab' src='{src}' width='820' "
                         f"height='560' style='border:1px solid #ccc'></iframe>")
        frame = page.frame_locator("#lab")
        frame.locator(READY).first.wait_for()
        inner = page.frame(url=lambda u: "embed=1" in u)
        assert inner is not None
        inner.wait_for_timeout(1500)
        scroll_width, inner_width = inner.evaluate(_WIDTHS)
        assert inner_width <= 820 and scroll_width <= inner_width
        canvases = inner.evaluate(_CANVASES)
        assert len(canvases) >= 2 and all(right <= inner_width for _, _, right in canvases)
    finally:
        page.close()


#: Widths (CSS px) from the narrowest embed up to where the MLP lab's curves fit beside
#: its heat map; its curves sat there squeezed from about 650 to 810 px.
SWEEP = [640, 680, 720, 760, 800, 820]
#: The widths loaded afresh (an iframe of that width: 624, a 640-px iframe less a
#: desktop browser's scroll bar, where Bokeh's summed least widths held the optimizer
#: lab 630 px wide), the two ends, each then resized to
#: the widths listed: the middle is the narrow page resized (each load is seconds of a
#: loaded CI machine); a window resized through every width of ``SWEEP`` is the test after.
FRESH = {624: [720], 820: []}
#: JS: every drawn plot (a Bokeh plot view in the page): its title (or type), the left
#: and right of its box and the width of its frame (where the data are drawn).
_PLOTS = """() => [...Bokeh.index.query((v) => v.frame != null && v.bbox != null
                                          && v.bbox.width > 0 && v.el.isConnected
                                          && v.el.offsetParent !== null)]
  .map((v) => {
    const r = v.el.getBoundingClientRect();
    return [v.model.title != null && v.model.title.text ? v.model.title.text : v.model.type,
            r.left, r.right, v.frame.bbox.width];
  })"""
#: JS: the drawn buttons whose label does not fit: wider than the button's box
#: (scrollWidth), out of the widget's own box (the label ran under the next button), out
#: of the window or, in the sidebar, out of the sidebar; and the sidebar's own widths.
_CLIPPED_BUTTONS = """() => {
  const W = document.documentElement.clientWidth;
  let side = null;
  const buttons = [];
  const walk = (root) => { for (const el of root.querySelectorAll('*')) {
    if (side == null && el.classList.contains('pg-sidebar')) side = el;
    if (el.tagName === 'BUTTON') buttons.push(el);
    if (el.shadowRoot) walk(el.shadowRoot); } };
  walk(document);
  const s = side == null ? null : side.getBoundingClientRect();
  const bad = [];
  for (const b of buttons) {
    const r = b.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const host = b.getRootNode().host;
    const h = host == null ? r : host.getBoundingClientRect();
    const inSide = s != null && s.width > 0 && r.left < s.right && r.right > s.left
                   && r.top < s.bottom && r.bottom > s.top;
    if (b.scrollWidth > b.clientWidth + 1 || r.left < h.left - 1 || r.right > h.right + 1
        || r.left < 0 || r.right > W + 0.5 || (inSide && (r.left < s.left - 0.5
                                                          || r.right > s.right + 0.5)))
      bad.push([b.textContent.trim(), Math.round(r.left), Math.round(r.right),
                Math.round(h.left), Math.round(h.right), b.scrollWidth, b.clientWidth]);
  }
  return {bad, count: buttons.length,
          side: side == null ? null : [s.width, side.scrollWidth, side.clientWidth]};
}"""


def plots_fit(page, width: int) -> tuple[bool, list]:
    """Whether every drawn plot is inside the window and its frame is at least
    ``CHART_FRAME_MIN_PX`` wide; and the plots."""
    plots = page.evaluate(_PLOTS)
    fit = bool(plots) and all(left >= -0.5 and right <= width + 0.5
                              and frame >= CHART_FRAME_MIN_PX
                              for _, left, right, frame in plots)
    return fit, plots


def settled(page, width: int, timeout_s: float = 10) -> tuple[bool, list]:
    """``plots_fit`` once the layout has settled after a load or a resize (Bokeh lays
    its plots out again on a resize observer's tick)."""
    deadline = time.monotonic() + timeout_s
    while True:
        fit, plots = plots_fit(page, width)
        if (fit and no_sideways_scroll(page)) or time.monotonic() > deadline:
            return fit, plots
        page.wait_for_timeout(300)


@pytest.mark.parametrize("present", ["", "&present=1"], ids=["plain", "lecture"])
@pytest.mark.parametrize(("lab", "widths"), [
    ("optimizers", FRESH), ("mlp", FRESH),
    # The MLP lab's race: three small heat maps and two charts of four racers.
    ("mlp&race=sgd,momentum,adam", FRESH),
], ids=["optimizers", "mlp", "mlp-race"])
def test_embedded_from_640_wide_no_sideways_scroll_and_every_chart_keeps_its_width(
        contexts, server_url, lab, widths, present):
    """Each end width loaded afresh, as an iframe of that width would be; the narrow one
    then resized to the middle width."""
    for loaded, resized in widths.items():
        page = open_lab(contexts, f"{server_url}?lab={lab}&embed=1{present}",
                                 loaded, 560)
        try:
            for width in [loaded, *resized]:
                if width != loaded:
                    page.set_viewport_size({"width": width, "height": 560})
                fit, plots = settled(page, width)
                assert no_sideways_scroll(page), (width, page.evaluate(_WIDTHS))
                assert fit, (width, plots)
            assert page.errors == []
        finally:
            page.close()


@pytest.mark.parametrize("query", ["", "&present=1"], ids=["plain", "lecture"])
@pytest.mark.parametrize("lab", list(EMBEDS))
def test_the_page_from_640_wide_no_sideways_scroll_and_every_chart_keeps_its_width(
        contexts, server_url, lab, query):
    """The whole page (header, controls below the pictures), its window resized from
    820 down to 640 px and back up past where the controls go beside the pictures."""
    page = open_lab(contexts, f"{server_url}?lab={lab}{query}", SWEEP[-1], 600)
    try:
        for width in [*reversed(SWEEP), 1024, 1280]:
            page.set_viewport_size({"width": width, "height": 600})
            fit, plots = settled(page, width)
            assert no_sideways_scroll(page), (width, page.evaluate(_WIDTHS))
            assert fit, (width, plots)
        assert page.errors == []
    finally:
        page.close()


@pytest.mark.parametrize("lab", list(EMBEDS))
def test_lecture_mode_with_the_controls_open_at_1280_by_720_clips_no_button(
        contexts, server_url, lab):
    """What an instructor projects: the controls opened beside the pictures in lecture
    mode's 20-px text (the MLP lab's lesson buttons ran under each other and out of the
    sidebar, its curves were squeezed beside the heat map)."""
    page = open_lab(contexts, f"{server_url}?lab={lab}&present=1", 1280, 720)
    try:
        sidebar = page.locator(".pg-sidebar")
        assert not sidebar.is_visible()  # lecture mode starts with the controls folded
        page.locator(".pg-toggle-sidebar button").click()
        deadline = time.monotonic() + 10
        while not sidebar.is_visible() and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        fit, plots = settled(page, 1280)
        buttons = page.evaluate(_CLIPPED_BUTTONS)
        assert buttons["count"] >= 5, buttons  # the controls' buttons are in the page
        assert buttons["bad"] == [], buttons["bad"]
        side_width, side_scroll, side_client = buttons["side"]
        assert side_width > 200 and side_scroll <= side_client, buttons["side"]
        assert no_sideways_scroll(page), page.evaluate(_WIDTHS)
        assert fit, plots
        assert page.errors == []
    finally:
        page.close()


@pytest.mark.parametrize("lab", list(EMBEDS))
def test_embedded_lecture_mode_keeps_the_controls(contexts, server_url, lab):
    """Lecture mode folds the controls away and the header's toggle opens them; an
    embedded page has no header, so there its controls stay in the page."""
    page = open_lab(contexts, f"{server_url}?lab={lab}&embed=1&present=1", 820, 560)
    try:
        assert page.locator(".pg-toggle-sidebar").count() == 0  # no header, no toggle
        side = page.locator(".pg-sidebar").first
        assert side.is_visible()
        assert side.locator("select").first.is_visible()
    finally:
        page.close()
