"""Keyboard shortcuts in both labs and the help overlay (issue #12, "Present"), at
1280 × 720 (``playground.ui.keyboard``).

* optimizer lab: Space plays and pauses the step player, → and ← move its scrubber,
  R goes back to step 0; the player's icon buttons have accessible names;
* MLP lab: Space plays and pauses training, → is Step, ← does nothing, R resets;
* ``?`` opens the help (a dialog named "Keyboard shortcuts", in the page's language),
  Esc closes it; keys typed into a box are the box's;
* every control has an accessible name in the page's language (the header's language
  menu, an editable slider's number box, its arrow buttons and its slider), and Tab
  goes from a number box to the next control, never to the box's arrow buttons;
* no console errors.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from playground.text import tr

from .helpers import assert_no_errors, open_page, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

LOAD_MS = 60_000

#: JS: the step player's model: its value, end and direction (1 playing, 0 paused).
_PLAYER = """() => {
  for (const m of Bokeh.documents[0].all_models)
    if (m.css_classes && m.css_classes.includes('pg-player'))
      return {value: m.value, end: m.end, direction: m.direction};
  return null;
}"""


def player(page) -> dict:
    return page.evaluate(_PLAYER)


def number(page, css_class: str) -> float:
    return float(page.locator(f".{css_class}").inner_text().strip())


def open_optimizers(new_page, url):
    page = open_page(new_page, url)
    page.locator(".pg-player").wait_for(state="visible", timeout=LOAD_MS)
    page.locator(".pg-optimizers").wait_for(state="visible", timeout=LOAD_MS)
    wait_until(page, lambda: player(page)["end"] > 1, 60, "the race")
    return page


def open_mlp(new_page, url):
    page = open_page(new_page, url)
    page.locator(".pg-epoch").wait_for(state="visible", timeout=LOAD_MS)
    page.locator(".pg-layers").wait_for(state="visible", timeout=LOAD_MS)
    wait_until(page, lambda: number(page, "pg-epoch") == 0, 60, "epoch 0")
    return page


def test_space_arrows_and_r_in_the_optimizer_lab(new_page, server_url):
    page = open_optimizers(new_page, f"{server_url}?lab=optimizers&steps=400")
    wait_until(page, lambda: player(page)["value"] == 400, 30, "the animation's end")
    page.keyboard.press("r")
    wait_until(page, lambda: player(page)["value"] == 0, 10, "step 0")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    wait_until(page, lambda: player(page)["value"] == 2, 10, "step 2")
    page.keyboard.press("ArrowLeft")
    wait_until(page, lambda: player(page)["value"] == 1, 10, "step 1")
    page.keyboard.press("Space")
    wait_until(page, lambda: player(page)["direction"] == 1, 10, "playing")
    wait_until(page, lambda: player(page)["value"] > 5, 10, "the scrubber moving")
    page.keyboard.press("Space")
    wait_until(page, lambda: player(page)["direction"] == 0, 10, "paused")
    stopped = player(page)["value"]
    page.wait_for_timeout(800)
    assert player(page)["value"] == stopped < 400

    # Every player button has a name a screen reader reads.
    box = page.locator(".pg-player")
    for name in ("Play", "Pause", "Step forward", "Step back", "First step", "Last step",
                 "Play backwards", "Slower", "Faster"):
        expect(box.get_by_role("button", name=name, exact=True)).to_have_count(1)
    expect(box.get_by_role("slider", name="Step shown")).to_have_count(1)
    box.get_by_role("button", name="Step forward", exact=True).click()
    wait_until(page, lambda: player(page)["value"] == stopped + 1, 10, "one step on")

    # A key typed into a box is the box's.
    steps = page.locator(".pg-steps input").first
    steps.click()
    page.keyboard.press("r")
    page.keyboard.press("?")
    page.wait_for_timeout(300)
    assert player(page)["value"] == stopped + 1
    assert page.locator(".pg-help").count() == 0

    # A ticked checkbox keeps the keys working (review: R and → did nothing after an
    # optimizer was ticked); Space stays the box's own.
    box = page.get_by_role("checkbox", name="Nesterov", exact=True)
    box.click()
    expect(box).to_be_checked()
    wait_until(page, lambda: "nesterov" in page.url, 30, "Nesterov in the race's link")
    page.wait_for_timeout(1000)  # its race drawn
    page.keyboard.press("r")
    wait_until(page, lambda: player(page)["value"] == 0, 10, "step 0 from the checkbox")
    page.keyboard.press("ArrowRight")
    wait_until(page, lambda: player(page)["value"] == 1, 10, "step 1 from the checkbox")
    page.keyboard.press("Space")
    expect(box).not_to_be_checked()
    assert player(page)["direction"] == 0

    assert_no_errors(page)


def test_space_step_and_reset_in_the_mlp_lab(new_page, server_url):
    page = open_mlp(new_page, f"{server_url}?lab=mlp&dataset=xor&layers=4")
    page.keyboard.press("ArrowRight")
    wait_until(page, lambda: number(page, "pg-epoch") == 1, 60, "epoch 1")
    page.keyboard.press("ArrowLeft")  # training cannot be undone: nothing
    page.wait_for_timeout(500)
    assert number(page, "pg-epoch") == 1
    page.keyboard.press("Space")
    wait_until(page, lambda: number(page, "pg-epoch") >= 20, 60, "training")
    expect(page.locator(".pg-play button")).to_have_text("❚❚ Pause")
    page.keyboard.press("Space")
    expect(page.locator(".pg-play button")).to_have_text("▶ Play")
    page.wait_for_timeout(500)
    stopped = number(page, "pg-epoch")
    page.wait_for_timeout(1000)
    assert number(page, "pg-epoch") == stopped
    page.keyboard.press("R")
    wait_until(page, lambda: number(page, "pg-epoch") == 0, 60, "a new network")
    for name in ("▶ Play", "+1 epoch", "Reset"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(1)
    assert_no_errors(page)


def test_the_help_overlay_lists_every_shortcut_and_closes(new_page, server_url):
    page = open_mlp(new_page, f"{server_url}?lab=mlp")
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    text = dialog.inner_text()
    for keys in ("Space", "→", "←", "R", "PageDown", "PageUp", "Esc", "?"):
        assert keys in text, keys
    assert "Train one epoch" in text and "Lesson: the next step" in text
    # Tab keeps the focus in the dialog (it went to the header's buttons behind it).
    for _ in range(3):
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.closest('[role=dialog]') != null")
    page.keyboard.press("Space")  # the help is open: the page's keys wait
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    assert number(page, "pg-epoch") == 0
    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_have_count(0)
    assert_no_errors(page)


def test_the_help_in_chinese(new_page, server_url):
    page = open_optimizers(new_page, f"{server_url}?lab=optimizers&lang=zh")
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="键盘快捷键")
    expect(dialog).to_be_visible()
    assert "步数滑块后退一步" in dialog.inner_text()
    expect(page.locator(".pg-player").get_by_role("button", name="播放", exact=True)
           ).to_have_count(1)
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    assert_no_errors(page)


def test_a_weight_edited_from_the_keyboard(new_page, server_url):
    """Weights editable without a mouse: its layer and units typed, then its value."""
    page = open_mlp(new_page, server_url + "?lab=mlp&dataset=xor&layers=4")
    layer = page.locator(".pg-pick-layer input")
    layer.wait_for(state="visible", timeout=LOAD_MS)
    # Layer 1, from x₂, to its third neuron: each box focused, typed and entered.
    for css, text in (("pg-pick-layer", "1"), ("pg-pick-from", "2"), ("pg-pick-to", "3")):
        page.locator(f".{css} input").focus()
        page.keyboard.press("Control+a")
        page.keyboard.type(text)
        page.keyboard.press("Enter")
    value = page.locator(".pg-weight-input input")
    expect(value).to_be_enabled(timeout=20_000)
    expect(page.locator(".pg-weight-label")).to_contain_text("x₂")
    value.focus()
    page.keyboard.press("Control+a")
    page.keyboard.type("-3")
    page.keyboard.press("Enter")
    expect(page.locator("span.pg-weight-note")).to_be_visible(timeout=20_000)
    assert number(page, "pg-epoch") == 0  # the same network, edited
    assert_no_errors(page)


#: JS: the focused element, through the shadow roots: its tag, classes and name.
_FOCUSED = """() => {
  let e = document.activeElement;
  while (e && e.shadowRoot && e.shadowRoot.activeElement) e = e.shadowRoot.activeElement;
  return e ? {tag: e.tagName, cls: e.className, name: e.getAttribute('aria-label')} : null;
}"""


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_control_is_named_and_arrows_are_no_tab_stops(new_page, server_url, lang):
    """The accessibility tree names the language menu and every part of an editable
    slider, in the page's language; Tab visits a number box, never its arrows."""
    page = open_optimizers(new_page, f"{server_url}?lab=optimizers&lang={lang}")
    expect(page.get_by_role("combobox", name=tr("app.language", lang), exact=True)
           ).to_have_count(1, timeout=10_000)
    for key in ("steps", "noise"):  # the optimizer lab's editable sliders
        name = tr(key, lang)
        expect(page.get_by_role("textbox", name=name, exact=True)).to_have_count(1)
        expect(page.get_by_role("slider", name=name, exact=True)).to_have_count(1)
        for arrow in ("keys.increase", "keys.decrease"):
            expect(page.get_by_role("button", name=f"{name}: {tr(arrow, lang)}", exact=True)
                   ).to_have_count(1)
    snapshot = page.locator("body").aria_snapshot()
    for role in ("combobox", "textbox", "slider", "spinbutton"):
        assert f"- {role}:" not in snapshot and f"- {role}\n" not in snapshot, role
    # Tab from the Steps box: its slider next (not its arrows), then the noise box.
    page.get_by_role("textbox", name=tr("steps", lang), exact=True).focus()
    seen = []
    for _ in range(3):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(_FOCUSED))
    assert [f["name"] for f in seen] == [tr("steps", lang), tr("noise", lang),
                                         tr("noise", lang)]
    assert seen[0]["tag"] == "DIV" and seen[1]["tag"] == "INPUT"
    assert not any("spin-btn" in f["cls"] for f in seen)
    assert_no_errors(page)


def test_the_mlp_labs_sliders_are_named_in_chinese(new_page, server_url):
    page = open_mlp(new_page, f"{server_url}?lab=mlp&lang=zh")
    name = tr("mlp.lr", "zh")
    box = page.get_by_role("textbox", name=name, exact=True)
    expect(box).to_have_count(1, timeout=10_000)
    expect(page.get_by_role("slider", name=name, exact=True)).to_have_count(1)
    expect(page.get_by_role("button", name=f"{name}: 增大", exact=True)).to_have_count(1)
    box.focus()
    page.keyboard.press("Tab")
    focused = page.evaluate(_FOCUSED)
    assert focused["name"] == name and "spin-btn" not in focused["cls"]
    assert_no_errors(page)


def test_the_language_menu_waits_for_a_choice_and_toggles_say_they_are_on(
        new_page, server_url):
    """Arrows on the closed language menu chose the other language at once, and the page
    reloaded under a reader reading its options (WCAG 3.2.2): now they open its list.
    On/off buttons say whether they are on (aria-pressed): a screen reader heard no
    difference between the lab shown and the others."""
    page = open_optimizers(new_page, f"{server_url}?lab=optimizers")
    menu = page.locator(".pg-language select")
    menu.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("z")
    page.wait_for_timeout(1500)
    assert "lang=" not in page.url, page.url
    assert menu.input_value() == "English"
    page.keyboard.press("Escape")
    wait_until(page, lambda: page.locator(".pg-toggle-sidebar button[aria-pressed]").count()
               > 0, 10, "aria-pressed set")
    assert page.locator(".pg-toggle-sidebar button").get_attribute("aria-pressed") == "true"
    assert page.locator(".pg-toggle-present button").get_attribute("aria-pressed") == "false"
    # Notices (a refused value, a formula's error) are live: a screen reader says them.
    assert page.locator(".pg-message[role=status]").count() >= 1
    labs = page.get_by_role("button", name=tr("lab.optimizers"), exact=True)
    assert labs.get_attribute("aria-pressed") == "true"
    assert page.get_by_role("button", name=tr("lab.mlp"), exact=True
                            ).get_attribute("aria-pressed") == "false"
    assert_no_errors(page)


def test_the_arrows_sweep_the_capacity_in_the_biasvariance_lab(new_page, server_url):
    """An instructor sweeps the capacity from the keyboard (its slider sits deep in the
    sidebar, hidden in lecture mode): → one value on, ← one back, at the ends nothing."""
    page = open_page(new_page, f"{server_url}?lab=biasvariance&capacity=3&present=1")
    page.locator(".pg-bv-formula .katex").first.wait_for(timeout=90_000)
    # (Under a loaded CI machine the page's keys came after the formula: an arrow
    # pressed before them did nothing.)
    wait_until(page, lambda: page.evaluate("() => !!window.pgKeyboard"), 60, "the keys")
    page.locator("body").click(position={"x": 5, "y": 700})  # focus on the page, no box
    for key, capacity in (("ArrowRight", "4"), ("ArrowRight", "5"), ("ArrowLeft", "4")):
        page.keyboard.press(key)
        wait_until(page, lambda c=capacity: f"d = {c}:" in page.locator(
            ".pg-bv-formula .katex").first.inner_text().replace("\xa0", " "), 30,
            f"d = {capacity}")
    # The slider's name is its label without the value (it named "3" once and for all).
    handle = page.locator(".pg-bv-capacity [role=slider]").first
    wait_until(page, lambda: handle.get_attribute("aria-label") is not None, 10, "a name")
    assert handle.get_attribute("aria-label") == tr("bv.capacity.poly")
    # ↓ and ↑ choose the training set shown, as a click on its fit does (it had been
    # the mouse's alone): its points, drawn from the server, are another set's.
    points = """() => Bokeh.documents[0].get_model_by_name('pg-bv-points').data.y.join()"""
    selected = """() => Bokeh.documents[0].get_model_by_name('pg-bv-fits').selected.indices"""
    first = page.evaluate(points)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    wait_until(page, lambda: page.evaluate(points) != first, 15, "another set's points")
    assert page.evaluate(selected) == [2]
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # from the first, round to the last of M = 100
    wait_until(page, lambda: page.evaluate(selected) == [99], 15, "the last set")
    page.keyboard.press("?")
    assert tr("keys.bv.right") in page.get_by_role("dialog").inner_text()
    assert tr("keys.bv.set") in page.get_by_role("dialog").inner_text()
    page.keyboard.press("Escape")
    assert_no_errors(page)



_OUTLINE = """() => {
  let e = document.activeElement;
  while (e && e.shadowRoot && e.shadowRoot.activeElement) e = e.shadowRoot.activeElement;
  const s = getComputedStyle(e);
  return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor};
}"""


def test_each_download_menu_is_named_for_its_plot_and_focus_shows_a_ring(new_page,
                                                                          server_url):
    """Every plot's menu was named "Download" alike (a screen reader heard four in a
    row); the number boxes had ``outline: none`` and the dark theme's slider handles a
    ring one could not see; Bokeh's logo, a link to bokeh.org, was a Tab stop."""
    page = open_mlp(new_page, f"{server_url}?lab=mlp&theme=dark")
    download = tr("export.download")
    network = f"{download}: {tr('mlp.network')}"  # (the diagram has no title)
    wait_until(page, lambda: page.get_by_role("button", name=network, exact=True).count() == 1,
               15, "the network's menu named")
    menus = page.locator(".pg-download button")
    labels = [menus.nth(i).get_attribute("aria-label") for i in range(menus.count())]
    assert len(labels) >= 4 and len(set(labels)) == len(labels), labels
    assert all(label.startswith(f"{download}: ") for label in labels), labels
    # Each plot's picture is an image named as its menu (it was an unnamed canvas).
    for label in labels:
        name = label[len(f"{download}: "):]
        picture = page.get_by_role("img", name=name, exact=True)
        wait_until(page, lambda picture=picture: picture.count() == 1, 10, name)
        assert picture.evaluate("e => (e.shadowRoot ?? e).querySelector('canvas') != null")
    assert page.locator("a.bk-logo").count() == 0
    # A number box and a slider's handle, focused from the keyboard: a 2-px ring in the
    # dark theme's focus colour (light on the dark page).
    box = page.get_by_role("textbox", name=tr("mlp.lr"), exact=True)
    box.focus()
    for tag in ("INPUT", "DIV"):  # the box, then (Tab) its slider's handle
        assert page.evaluate(_FOCUSED)["tag"] == tag
        ring = page.evaluate(_OUTLINE)
        assert ring["style"] == "solid" and ring["width"] >= 2, ring
        assert ring["color"] == "rgb(140, 200, 255)", ring
        page.keyboard.press("Tab")
    assert_no_errors(page)


def test_a_card_opened_from_the_keyboard_keeps_the_focus(new_page, server_url):
    """Enter on a card's header (an optimizer's formula card) opened it and dropped the
    focus to the page's body: the next Tab started again at the top of the page."""
    page = open_optimizers(new_page, f"{server_url}?lab=optimizers")
    header = page.locator(".card-header").first
    wait_until(page, lambda: header.get_attribute("aria-expanded") == "false", 10,
               "the closed card said so")
    header.focus()
    focused = page.evaluate(_FOCUSED)
    assert focused["cls"].startswith("card-header")
    # Named for its title, which is drawn in a shadow root of its own.
    wait_until(page, lambda: page.evaluate(_FOCUSED)["name"] == tr("optimizer.sgd"), 10,
               "the card's header named for its optimizer")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # from the keyboard: its ring (it had none)
    ring = page.evaluate(_OUTLINE)
    assert ring["style"] == "solid" and ring["width"] >= 2, ring
    page.keyboard.press("Enter")
    started = time.monotonic()
    wait_until(page, lambda: "collapsed" not in (header.get_attribute("class") or "")
               and page.evaluate(_FOCUSED)["cls"].startswith("card-header"), 10,
               "the card open, its header focused")
    wait_until(page, lambda: header.get_attribute("aria-expanded") == "true", 10,
               "the open card said so")
    # Its contents are built as it first opens: Tab waits for them (on CI it went on to
    # the next card's header before they came).
    page.locator(".card").first.locator("input").first.wait_for(timeout=20_000)
    # The header focused for a whole second after them (a redraw they bring may drop
    # the focus, and the page puts it back on the header).
    steady = time.monotonic()
    while time.monotonic() - steady < 1.0:
        if not page.evaluate(_FOCUSED)["cls"].startswith("card-header"):
            steady = time.monotonic()
        assert time.monotonic() - started < 30, "the header never kept the focus"
        page.wait_for_timeout(100)
    page.keyboard.press("Tab")  # into the card's content, not the header's buttons
    inside = page.evaluate("""() => {
      let e = document.activeElement, path = [];
      while (e) { path.push(String(e.className)); e = e.shadowRoot && e.shadowRoot.activeElement; }
      return path.join(' > ');
    }""")
    assert "bk-panel-models-layout-Card" in inside and "card-header" not in inside, inside
    ring = page.evaluate(_OUTLINE)  # (a control built as the card opened had none)
    assert ring["style"] == "solid" and ring["width"] >= 2, ring
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # and closed again: still there
    wait_until(page, lambda: page.evaluate(_FOCUSED)["cls"].startswith("card-header"), 10,
               "the header focused after closing")
    assert_no_errors(page)


#: JS: the focused element (through shadow roots): its class and text.
_FOCUSED_TEXT = """() => {
  let e = document.activeElement;
  while (e && e.shadowRoot && e.shadowRoot.activeElement) e = e.shadowRoot.activeElement;
  return e ? {cls: String(e.className), text: e.textContent.trim()} : null;
}"""


def test_a_download_menu_from_the_keyboard(new_page, server_url):
    """↓ on an open Download menu scrolled the page; Esc in it dropped the focus to the
    page's start (the next Tab went to the header's first button)."""
    page = open_optimizers(new_page, f"{server_url}?lab=optimizers")
    menu = page.locator(".pg-download button").first
    menu.focus()
    page.keyboard.press("Enter")
    page.locator(".pg-download .bk-Menu").first.wait_for(state="attached", timeout=10_000)
    scrolled = page.evaluate("() => [scrollY, document.scrollingElement.scrollTop]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.evaluate(_FOCUSED_TEXT) == {"cls": "bk-item", "text": "PNG 2×"}
    # A menu of items to a screen reader (it read one line of text), the item ringed.
    expect(page.get_by_role("menuitem")).to_have_count(5)
    expect(page.get_by_role("menu")).to_have_count(1)
    assert menu.get_attribute("aria-haspopup") == "menu"
    assert page.evaluate(_OUTLINE)["width"] >= 2
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # round to the last item
    assert page.evaluate(_FOCUSED_TEXT)["text"] == tr("export.figure")
    assert page.evaluate("() => [scrollY, document.scrollingElement.scrollTop]") == scrolled
    page.keyboard.press("Escape")
    wait_until(page, lambda: page.evaluate(_FOCUSED_TEXT)["cls"].startswith("bk-btn"), 5,
               "the focus back on the menu's button")
    assert page.evaluate(_FOCUSED_TEXT)["text"] == tr("export.download")
    assert_no_errors(page)


def test_long_labels_name_their_sliders_and_a_check_box_ticks_from_its_words(new_page,
                                                                             server_url):
    """The MLP lab's L2 and dropout labels, past 80 characters, named nothing: their
    boxes, handles and arrows were unnamed Tab stops.  A lone check box's words are not
    a <label> (Bokeh's Checkbox): a click on them did nothing."""
    page = open_mlp(new_page, f"{server_url}?lab=mlp")
    name = tr("mlp.l2").split(" (")[0]  # "L2 penalty λ₂": before its explanation
    box = page.get_by_role("textbox", name=name, exact=True)
    wait_until(page, lambda: box.count() == 1, 10, f"{name} named")
    expect(page.get_by_role("slider", name=name, exact=True)).to_have_count(1)
    box.focus()
    page.keyboard.press("Tab")
    focused = page.evaluate(_FOCUSED)
    assert focused["name"] == name and "spin-btn" not in focused["cls"], focused
    expect(page.get_by_role("slider", name=tr("mlp.dropout").split(" (")[0])
           ).to_have_count(1)  # (a plain slider: its own title names it)
    box = page.locator(".pg-discretize input")
    assert not box.is_checked()
    page.locator(".pg-discretize .bk-label").click()
    wait_until(page, box.is_checked, 5, "the box ticked from its words")
    page.locator(".pg-discretize .bk-label").click()
    wait_until(page, lambda: not box.is_checked(), 5, "and unticked")
    assert_no_errors(page)


def test_each_plots_tools_are_buttons_named_for_what_they_do(new_page, server_url):
    """Bokeh draws a plot's tools as divs with a tooltip: unnamed Tab stops."""
    page = open_page(new_page, f"{server_url}?lab=biasvariance&lang=zh")
    page.locator(".pg-bv-curves").wait_for(state="visible", timeout=LOAD_MS)
    reset = page.get_by_role("button", name=tr("plot.tool.reset", "zh"), exact=True)
    wait_until(page, lambda: reset.count() == 2, 15, "both plots' Reset tools named")
    tap = page.get_by_role("button", name=tr("plot.tool.tap", "zh"), exact=True)
    expect(tap).to_have_count(1)
    assert tap.get_attribute("aria-pressed") == "true"  # (the fits' tap: choose a set)
    assert_no_errors(page)
