"""State that follows an action, and typed values refused visibly (issue #11 §4 and §6),
in a real browser: after each action the whole view shows the state.

Bokeh models are read by name (``full_<opt>``, ``race_meta``, ``readout``,
``surface3d_world``, ``surface3d_screen``; see ``playground.labs.optimizers.plots``);
the step scrubber is Panel's player (``.pg-player``); each typed box carries the class
``pg-<parameter>`` and its guard's note ``pg-refused``.
"""

from __future__ import annotations

import re
import subprocess
import time
from urllib.parse import urlsplit

import numpy as np
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from playground.serving import REPO_ROOT, free_port, server_command, stop_server, wait_for_http

from .helpers import DRAW_TIMEOUT_MS, assert_no_errors, query_of, source, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

CHANGE_TIMEOUT_MS = 20_000

_LENGTH = """(name) => {
  if (!window.Bokeh || !Bokeh.documents || Bokeh.documents.length === 0) return 0;
  const m = Bokeh.documents[0].get_model_by_name(name);
  return m == null || m.data.x == null ? 0 : m.data.x.length;
}"""

#: JS: the player's model and its range input as the page shows it.
_PLAYER = """() => {
  for (const m of Bokeh.documents[0].all_models)
    if (m.constructor.__name__ === 'Player') {
      const view = Bokeh.index.find_one(m), el = view.sliderEl;
      const title = view.shadow_el.querySelector('.pn-player-value');
      return {end: m.end, value: m.value, max: Number(el.max), shown: Number(el.value),
              title: title == null ? null : title.textContent};
    }
  return null;
}"""


def wait_for_player(page, condition: str, timeout: int):
    """Wait until the player (``_PLAYER``'s fields) satisfies ``condition`` (JS, e.g.
    ``p.shown === 80``); a timeout says how the player stood (its model and its range
    input) and the link, which a bare timeout did not (a CI run timed out once here)."""
    try:
        page.wait_for_function(
            f"() => {{ const p = ({_PLAYER})(); return p != null && ({condition}); }}",
            timeout=timeout)
    except PlaywrightTimeout:
        raise AssertionError(f"the player never had {condition}: it had "
                             f"{page.evaluate(_PLAYER)} at {page.url}") from None


_MOVE_PLAYER = """(step) => {
  for (const m of Bokeh.documents[0].all_models)
    if (m.constructor.__name__ === 'Player') m.value = step;
}"""

#: The surface's legend (each optimizer's loss at the step shown), not the loss charts'
#: keys of colours (``loss_key``: names only).
_LEGEND = """() => {
  const out = [];
  for (const m of Bokeh.documents[0].all_models)
    if (m.constructor.__name__ === 'Legend' && m.name !== 'loss_key')
      for (const item of m.items) out.push(item.label.value);
  return out;
}"""


def length(page, name: str) -> int:
    return page.evaluate(_LENGTH, name)


def wait_for_length(page, name: str, n: int, timeout: int = CHANGE_TIMEOUT_MS):
    page.wait_for_function(f"() => ({_LENGTH})({name!r}) === {n}", timeout=timeout)


def open_optimizers(page, url: str):
    page.goto(url, wait_until="commit")
    page.wait_for_function(f"() => ({_LENGTH})('full_sgd') > 1", timeout=DRAW_TIMEOUT_MS)
    page.locator(".pg-steps input").first.wait_for(state="visible", timeout=DRAW_TIMEOUT_MS)


def type_into(locator, text: str):
    locator.fill(text)
    locator.press("Enter")


def plain4(v: float) -> str:
    """The legend's number: ``f"{v:.4g}"`` with a power of ten as ×10ᵏ."""
    from playground.ui.widgets import number_text

    return number_text(v, 4)


def assert_optimizer_view_at(page, step: int, steps: int):
    """The scrubber, the readout and the legend all show step ``step`` of a run of
    ``steps`` steps."""
    player = page.evaluate(_PLAYER)
    assert player["end"] == steps and player["max"] == steps
    assert player["value"] == step and player["shown"] == step
    assert player["title"] == str(step)  # beside "step t", in plain mode too
    page.wait_for_function(
        f"() => Bokeh.documents[0].get_model_by_name('readout').text"
        f".includes('State at step {step} ')", timeout=CHANGE_TIMEOUT_MS)
    meta = source(page, "race_meta")
    legend = page.evaluate(_LEGEND)
    assert len(legend) == len(meta["name"])
    for name, label, text in zip(meta["name"], meta["label"], legend, strict=True):
        loss = source(page, f"full_{name}")["loss"]
        assert text == f"{label}: L = {plain4(loss[min(step, len(loss) - 1)])}", text


# -- the optimizer lab ------------------------------------------------------------------


def test_a_new_number_of_steps_reaches_the_scrubber_and_the_legend_follows_it(
        page, server_url):
    open_optimizers(page, server_url)
    assert_optimizer_view_at(page, 100, 100)
    type_into(page.locator(".pg-steps input").first, "1000")
    wait_for_length(page, "full_sgd", 1001)
    wait_for_player(page, "p.max === 1000", CHANGE_TIMEOUT_MS)
    assert_optimizer_view_at(page, 1000, 1000)
    page.evaluate(_MOVE_PLAYER, 10)  # scrubbing: the legend gives the loss at step 10
    wait_for_player(page, "p.shown === 10", CHANGE_TIMEOUT_MS)
    assert_optimizer_view_at(page, 10, 1000)
    # Another surface: another run, and the scrubber's range with it.
    page.locator(".pg-surface select").select_option(label="Himmelblau (four minima)")
    wait_for_player(page, "p.max === 300", CHANGE_TIMEOUT_MS)
    steps = length(page, "full_sgd") - 1
    assert_optimizer_view_at(page, steps, steps)
    assert_no_errors(page)


def test_the_3d_view_shows_the_first_time_it_is_ticked(page, server_url):
    page.set_viewport_size({"width": 1280, "height": 720})
    open_optimizers(page, server_url)
    # Where it appears (below the state table) is under the fold at 1280 × 720.
    assert page.locator(".pg-readout").evaluate("e => e.getBoundingClientRect().bottom") > 720
    page.locator(".pg-view-3d input").check()
    page.wait_for_function(
        "() => { const m = Bokeh.documents[0].get_model_by_name('surface3d_screen');"
        " return m != null && m.data.xs.length > 0 }", timeout=CHANGE_TIMEOUT_MS)
    world = source(page, "surface3d_world")
    screen = page.evaluate(
        "() => Bokeh.documents[0].get_model_by_name('surface3d_screen').data.xs.length")
    assert screen == len(world["x"]) > 3  # the wireframe and one path per optimizer
    assert world["color"][-3:] == ["#E69F00", "#009E73", "#0072B2"]
    # The page scrolls to it.
    page.wait_for_function("""() => {
      const v = Bokeh.index.find_one(Bokeh.documents[0].get_model_by_name('pg-view-3d'));
      const box = v && v.el.getBoundingClientRect();
      return box != null && box.top >= 0 && box.top < innerHeight;
    }""", timeout=CHANGE_TIMEOUT_MS)
    time.sleep(1)
    assert_no_errors(page)


def test_the_3d_views_axes_turn_with_it(page, server_url):
    """The axes' names in the page's language, and placed again by the browser when the
    picture turns and tilts, where the server's ``axes_screen`` puts them."""
    from playground.labs.optimizers.plots import axes_screen, projection
    from playground.text import tr

    page.set_viewport_size({"width": 1280, "height": 720})
    open_optimizers(page, server_url + "?lab=optimizers&view3d=1&surface=rosenbrock&lang=zh")
    page.wait_for_function("() => { const m = Bokeh.documents[0].get_model_by_name("
                           "'surface3d_axes_title'); return m != null && m.data.x.length > 0 }",
                           timeout=DRAW_TIMEOUT_MS)
    spec = source(page, "surface3d_axes")
    titles = source(page, "surface3d_axes_title")["text"]
    assert titles == [tr("plot.axis.x", "zh"), tr("plot.axis.y", "zh"),
                      tr("view.3d.loss_log", "zh")]
    before = source(page, "surface3d_axes_tick")
    page.evaluate("""() => {
      const doc = Bokeh.documents[0];
      doc.get_model_by_name('pg-3d-azimuth').value = 120;
      doc.get_model_by_name('pg-3d-elevation').value = 60;
    }""")
    page.wait_for_function("(x0) => Bokeh.documents[0].get_model_by_name("
                           "'surface3d_axes_tick').data.x[0] !== x0", arg=before["x"][0],
                           timeout=CHANGE_TIMEOUT_MS)
    lines, ticks, labels = axes_screen(spec, 120, 60)
    # The wireframe and paths turned too, as the server's projection puts them.
    world, screen = source(page, "surface3d_world"), source(page, "surface3d_screen")
    at = projection(120, 60)
    for k in range(len(world["x"])):
        u, v = at(*(np.asarray(world[c][k], float) for c in "xyz"))
        np.testing.assert_allclose(np.asarray(screen["xs"][k], float), u, atol=1e-9)
        np.testing.assert_allclose(np.asarray(screen["ys"][k], float), v, atol=1e-9)
    shown = {"lines": source(page, "surface3d_axes_lines"),
             "ticks": source(page, "surface3d_axes_ticks"),
             "tick": source(page, "surface3d_axes_tick"),
             "title": source(page, "surface3d_axes_title")}
    for key in ("xs", "ys"):
        np.testing.assert_allclose(shown["lines"][key], lines[key], atol=1e-9)
    for key in ("x", "y"):
        np.testing.assert_allclose(shown["ticks"][key], ticks[key], atol=1e-9)
    for kind in ("tick", "title"):
        for key in ("x", "y", "dx", "dy"):
            np.testing.assert_allclose(shown[kind][key], labels[kind][key], atol=1e-9,
                                       err_msg=f"{kind} {key}")
        for key in ("text", "align", "baseline", "axis"):
            assert shown[kind][key] == labels[kind][key], (kind, key)
    assert_no_errors(page)


def test_back_and_forward_change_the_page_to_the_link(page, server_url):
    open_optimizers(page, server_url)
    type_into(page.locator(".pg-steps input").first, "300")
    wait_for_length(page, "full_sgd", 301)
    page.wait_for_function("() => window.location.search.includes('steps=300')")
    page.locator(".pg-optimizers input").nth(5).uncheck()  # Adam off
    page.wait_for_function(f"() => ({_LENGTH})('full_adam') === 0")
    page.wait_for_function("() => window.location.search.includes('optimizers=sgd%2Cmomentum&')")
    page.go_back()
    wait_for_length(page, "full_adam", 301)
    expect(page.locator(".pg-optimizers input").nth(5)).to_be_checked()
    assert "steps=300" in page.url
    page.go_back()
    wait_for_length(page, "full_sgd", 101)
    assert_optimizer_view_at(page, 100, 100)
    expect(page.locator(".pg-steps input").first).to_have_value("100")
    assert "steps" not in query_of(page)
    page.go_forward()  # the history entries are still there
    wait_for_length(page, "full_sgd", 301)
    assert_optimizer_view_at(page, 300, 300)
    assert query_of(page)["steps"] == "300"
    expect(page.locator(".pg-steps input").first).to_have_value("300")
    assert_no_errors(page)


def test_a_link_written_before_the_latest_back_keeps_the_entries_forward_goes_to(
        page, server_url):
    """The link the server writes for the first Back reaches the page after the second:
    it is an older page's and is dropped (pushed, it cut off Forward's entries: a
    bias-variance test's Forward found none on a fresh clone)."""
    open_optimizers(page, server_url)
    for steps in (300, 400):
        type_into(page.locator(".pg-steps input").first, str(steps))
        wait_for_length(page, "full_sgd", steps + 1)
        page.wait_for_function(f"() => window.location.search.includes('steps={steps}')")
    entries = page.evaluate("history.length")
    # The server's link for the first Back is held until the second Back has shown its
    # own, as on a busy server (two Backs sent together reach the server as one change).
    page.evaluate("""() => new Promise(done => {
      const write = history.pushState;
      history.pushState = (s, title, url) => {
        history.pushState = write;
        addEventListener('popstate', () => { write(s, title, url); done(); }, {once: true});
        history.back();
      };
      history.back();
    })""")
    wait_for_length(page, "full_sgd", 101)
    expect(page.locator(".pg-steps input").first).to_have_value("100")
    time.sleep(1)  # every link the server wrote has reached the page
    assert "steps" not in query_of(page)
    assert page.evaluate("history.length") == entries
    for steps in (300, 400):
        page.go_forward()
        wait_for_length(page, "full_sgd", steps + 1)
        expect(page.locator(".pg-steps input").first).to_have_value(str(steps))
        assert query_of(page)["steps"] == str(steps)
    assert_no_errors(page)


def test_player_steps_rewrite_the_history_entry_and_back_returns_to_the_setting(
        page, server_url):
    """Stepping, scrubbing and playing change the link's step in place: no history
    entry each; Back returns to the setting before (issue #12, review)."""
    open_optimizers(page, server_url + "?lab=optimizers&steps=60")
    wait_for_player(page, "p.shown === 60", DRAW_TIMEOUT_MS)
    type_into(page.locator(".pg-steps input").first, "80")  # a setting: an entry
    wait_for_length(page, "full_sgd", 81)
    page.wait_for_function("() => window.location.search.includes('steps=80')",
                           timeout=CHANGE_TIMEOUT_MS)
    wait_for_player(page, "p.shown === 80", CHANGE_TIMEOUT_MS)
    entries = page.evaluate("history.length")
    page.locator(".pg-player").get_by_role("button", name="First step", exact=True).click()
    page.wait_for_function("() => window.location.search.includes('step=0')",
                           timeout=CHANGE_TIMEOUT_MS)
    forward = page.locator(".pg-player").get_by_role("button", name="Step forward", exact=True)
    for k in range(1, 6):
        forward.click()
        page.wait_for_function(f"() => window.location.search.includes('step={k}')",
                               timeout=CHANGE_TIMEOUT_MS)
    page.keyboard.press("ArrowRight")  # the keyboard's step too
    page.wait_for_function("() => window.location.search.includes('step=6')",
                           timeout=CHANGE_TIMEOUT_MS)
    # Scrubbed near the end, so that playing takes a few frames: at 60 ms a frame on
    # paper, a loaded two-core machine drew one in 0.3 s (74 frames overran 20 s in CI).
    page.locator(".pg-player input[type=range]").fill("74")
    page.wait_for_function("() => window.location.search.includes('step=74')",
                           timeout=CHANGE_TIMEOUT_MS)
    page.locator(".pg-player").get_by_role("button", name="Play", exact=True).click()
    wait_for_player(page, "p.shown === 80", CHANGE_TIMEOUT_MS)
    page.wait_for_function("() => !window.location.search.includes('step=')",
                           timeout=CHANGE_TIMEOUT_MS)  # played to the end: the default
    time.sleep(1)
    assert page.evaluate("history.length") == entries
    page.go_back()  # the setting before: 60 steps
    wait_for_length(page, "full_sgd", 61)
    expect(page.locator(".pg-steps input").first).to_have_value("60")
    assert query_of(page)["steps"] == "60"
    page.go_forward()  # and the 80 steps again, at the step the entry was left at
    wait_for_length(page, "full_sgd", 81)
    assert query_of(page)["steps"] == "80" and "step" not in query_of(page)
    assert_optimizer_view_at(page, 80, 80)
    assert_no_errors(page)


def test_the_pages_own_link_rewrites_add_no_history_entry(page, server_url):
    """The page's own rewrites while it loads are no history entries: arriving from
    another page, one Back leaves the lab; a language switch is undone by Back too."""
    page.goto(server_url + "?lab=mlp&dataset=xor", wait_until="commit")
    page.locator(".pg-layers input").wait_for(timeout=DRAW_TIMEOUT_MS)
    page.wait_for_function("() => window.location.search.includes('dataset=xor')")
    entries = page.evaluate("history.length")
    open_optimizers(page, server_url + "?lab=optimizers&surface=beale")
    page.wait_for_function("() => window.location.search.includes('optimizers=')")
    time.sleep(2)  # playback ends: the step shown is written
    assert page.evaluate("history.length") == entries + 1
    page.go_back()
    page.locator(".pg-layers input").wait_for(timeout=DRAW_TIMEOUT_MS)
    assert query_of(page).get("lab") == "mlp" and query_of(page)["dataset"] == "xor"
    # A language switch is an entry, and Back undoes it.
    page.locator(".pg-play button").click()
    wait_until(page, lambda: float(page.locator(".pg-epoch").inner_text()) > 5, 60, "training")
    page.locator(".pg-play button").click()
    page.wait_for_function("() => window.location.search.includes('epoch=')",
                           timeout=DRAW_TIMEOUT_MS)
    page.locator(".pg-language select").select_option(label="简体中文")
    page.wait_for_function("() => window.location.search.includes('lang=zh')")
    page.locator(".pg-layers input").wait_for(timeout=DRAW_TIMEOUT_MS)
    entries = page.evaluate("history.length")
    page.go_back()
    page.wait_for_function("() => document.title !== '' && !window.location.search"
                           ".includes('lang=zh')")
    page.get_by_text("Neural network", exact=True).wait_for(timeout=DRAW_TIMEOUT_MS)
    time.sleep(2)
    # English again, and the Chinese page is still there for Forward.
    assert "lang" not in query_of(page) and page.evaluate("history.length") == entries
    assert_no_errors(page)


def test_switching_labs_keeps_each_labs_settings(page, server_url):
    open_optimizers(page, server_url + "?lab=optimizers&surface=rosenbrock&steps=250")
    page.get_by_text("Neural network", exact=True).click()
    page.locator(".pg-layers input").wait_for(timeout=DRAW_TIMEOUT_MS)
    type_into(page.locator(".pg-layers input"), "5")
    page.wait_for_function("() => window.location.search.includes('layers=5')")
    page.get_by_text("Optimizers", exact=True).click()
    page.wait_for_function(f"() => ({_LENGTH})('full_sgd') === 251", timeout=DRAW_TIMEOUT_MS)
    assert query_of(page)["surface"] == "rosenbrock"
    page.get_by_text("Neural network", exact=True).click()
    page.locator(".pg-layers input").wait_for(timeout=DRAW_TIMEOUT_MS)
    assert query_of(page)["layers"] == "5"
    assert page.locator(".pg-layers input").input_value() == "5"
    assert_no_errors(page)


def test_a_learning_rate_outside_its_bounds_is_refused_at_its_box(page, server_url):
    open_optimizers(page, server_url)
    page.locator(".card-header", has_text=re.compile(r"^\s*SGD\s*$")).click()
    box = page.locator(".pg-sgd_lr input").first
    box.wait_for(state="visible")
    before = source(page, "full_sgd")
    handle = page.locator(".pg-sgd_lr .noUi-handle").first
    span = [handle.get_attribute("aria-valuemin"), handle.get_attribute("aria-valuemax")]
    note = page.locator(".pg-refused-text")
    for typed in ("1000", "-1"):  # above, then below: each refusal says its own value
        type_into(box, typed)
        said = typed.replace("-", "−")  # the page's minus sign
        expect(note).to_have_text(f"{said} not used (outside [1×10⁻⁷, 100]): 0.45 is in use.",
                                  timeout=CHANGE_TIMEOUT_MS)
        expect(box).to_have_value("0.45")  # the value in use
        # The slider beside it keeps its range (the browser had widened it to what was typed).
        wait_until(page, lambda: [handle.get_attribute("aria-valuemin"),
                                  handle.get_attribute("aria-valuemax")] == span, 10,
                   f"the slider's range back to {span}")
        assert source(page, "full_sgd") == before and "sgd_lr" not in query_of(page)
    type_into(box, "0.2")  # a good value: used, and the note goes
    page.wait_for_function("() => window.location.search.includes('sgd_lr=0.2')",
                           timeout=CHANGE_TIMEOUT_MS)
    note.wait_for(state="hidden", timeout=CHANGE_TIMEOUT_MS)
    assert_no_errors(page)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_letters_typed_into_a_number_box_are_said_to_be_left_out(page, server_url, lang):
    """Bokeh's number box drops a key that would make its text no number; the page says
    so under the box (all the keys dropped in a row); a key it takes ends the row but
    not the note, which stays true ("1e9" typed into a box for whole numbers is 19)."""
    from playground.text import tr

    open_optimizers(page, server_url + f"?lang={lang}")
    page.locator(".card-header", has_text=re.compile(r"^\s*SGD\s*$")).click()
    box = page.locator(".pg-sgd_lr input").first
    box.wait_for(state="visible")
    box.click()
    box.press("End")
    box.press_sequentially("abc", delay=50)
    note = page.locator(".pg-key-refused")
    expect(note).to_have_text(tr("input.key_refused", lang, text="abc"),
                              timeout=CHANGE_TIMEOUT_MS)
    assert note.get_attribute("role") == "status"
    assert box.input_value() == "0.45"  # the box as it was: the value in use
    sidebar = page.locator(".pg-sidebar").first.bounding_box()
    shown = note.bounding_box()  # inside the sidebar, not over the pictures
    assert sidebar["x"] <= shown["x"] and (shown["x"] + shown["width"]
                                           <= sidebar["x"] + sidebar["width"]), (shown, sidebar)
    box.press_sequentially("1", delay=50)  # taken: the note stays (still true)
    expect(note).to_have_text(tr("input.key_refused", lang, text="abc"))
    box.press("Enter")
    page.wait_for_function("() => window.location.search.includes('sgd_lr=0.451')",
                           timeout=CHANGE_TIMEOUT_MS)
    box.press_sequentially("x", delay=50)  # a new row
    expect(note).to_have_text(tr("input.key_refused", lang, text="x"))
    box.blur()  # leaving the box ends it too
    expect(note).to_have_count(0)
    assert_no_errors(page)


def test_a_box_for_whole_numbers_says_so_and_a_paste_is_said_alone(page, server_url):
    """"0.5" and "1e9" are numbers: a box for whole numbers (the steps) that drops them
    says it takes whole numbers; each paste is said on its own, keys typed in a row
    together."""
    from playground.text import tr

    open_optimizers(page, server_url)
    box = page.locator(".pg-steps input").first
    box.wait_for(state="visible")
    note = page.locator(".pg-key-refused")
    for pasted in ("1e9", "0.5"):
        box.fill(pasted)
        expect(note).to_have_text(tr("input.key_refused_integer", "en", text=pasted),
                                  timeout=CHANGE_TIMEOUT_MS)
    box.click()
    box.press("End")
    box.press_sequentially("e.", delay=50)
    expect(note).to_have_text(tr("input.key_refused_integer", "en", text="e."))
    box.blur()
    expect(note).to_have_count(0)
    # "1e9" typed: 19 in the box, and the "e" left out still said once the 9 is in.
    box.fill("")
    box.press_sequentially("1e9", delay=50)
    expect(box).to_have_value("19")
    expect(note).to_have_text(tr("input.key_refused_integer", "en", text="e"))
    assert_no_errors(page)


# -- the MLP lab ------------------------------------------------------------------------


def epoch(page) -> int:
    return int(page.locator(".pg-epoch").inner_text().strip())


def wait_for_epoch(page, n: int, timeout_s: float):
    deadline = time.monotonic() + timeout_s
    while epoch(page) != n and time.monotonic() < deadline:
        time.sleep(0.1)
    assert epoch(page) == n


def test_mlp_typed_values_and_a_remedy_lesson(page, server_url):
    page.goto(server_url + "?lab=mlp", wait_until="commit")
    page.locator(".pg-lr input").first.wait_for(state="visible", timeout=DRAW_TIMEOUT_MS)
    box = page.locator(".pg-lr input").first
    type_into(box, "500")
    note = page.locator(".pg-refused-text")
    note.wait_for(state="visible", timeout=CHANGE_TIMEOUT_MS)
    assert "500 not used (outside" in note.inner_text()
    expect(box).to_have_value("0.01")
    assert "lr" not in query_of(page)
    handle = page.locator(".pg-lr .noUi-handle").first
    type_into(box, "50")  # inside α's bounds, past the slider's range: used
    page.wait_for_function("() => window.location.search.includes('lr=50')",
                           timeout=CHANGE_TIMEOUT_MS)
    note.wait_for(state="hidden", timeout=CHANGE_TIMEOUT_MS)
    # The slider widened to the value in use, and no further.
    wait_until(page, lambda: float(handle.get_attribute("aria-valuemax")) == 50, 10,
               "the slider's end at 50")
    # ε in the one format of the formulas' numbers (1e-8), not 0.00000001 (Adam's knob).
    assert page.locator(".pg-eps input").first.input_value() == "1e-8"
    # The over-fitting lesson, trained a little; a remedy starts again at epoch 0.
    page.locator(".pg-preset-overfit button").click()
    page.wait_for_function("() => window.location.search.includes('noise=35&')",
                           timeout=CHANGE_TIMEOUT_MS)  # an integer written as one
    for i in range(1, 4):
        page.locator(".pg-step button").click()
        wait_for_epoch(page, i, 60)
    page.locator(".pg-preset-overfit_dropout button").click()
    wait_for_epoch(page, 0, 30)
    assert query_of(page)["dropout"] == "0.5"
    assert_no_errors(page)


# -- an uploaded file stays with the tab ----------------------------------------------

_XS = """() => Array.from(Bokeh.documents[0].get_model_by_name('pg-train-points').data.x)"""


def test_the_tabs_upload_comes_back_after_a_lab_switch_and_a_reload(page, server_url):
    """A link cannot carry a file, but the tab keeps its last upload (sessionStorage):
    leaving for another lab and coming back, or reloading, shows the same data."""
    page.goto(server_url + "?lab=mlp&train_ratio=100", wait_until="load")
    upload = page.locator(".pg-upload input[type=file]")
    upload.wait_for(state="attached", timeout=DRAW_TIMEOUT_MS)
    rows = [(0.5 * i, (-1) ** i * 0.25 * i, i % 2) for i in range(1, 13)]
    csv = "x1,x2,label\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows)
    upload.set_input_files({"name": "mine.csv", "mimeType": "text/csv",
                            "buffer": csv.encode()})
    page.wait_for_function("() => window.location.search.includes('dataset=uploaded')",
                           timeout=DRAW_TIMEOUT_MS)
    wait_until(page, lambda: sorted(page.evaluate(_XS)) == [r[0] for r in rows],
               CHANGE_TIMEOUT_MS / 1000, "the uploaded points")

    page.get_by_text("Optimizers", exact=True).click()
    page.wait_for_function(f"() => ({_LENGTH})('full_sgd') > 0", timeout=DRAW_TIMEOUT_MS)
    page.get_by_text("Neural network", exact=True).click()
    for visit in ("back from the optimizer lab", "a reload"):
        page.locator(".pg-epoch").wait_for(state="visible", timeout=DRAW_TIMEOUT_MS)
        wait_until(page, lambda: query_of(page).get("dataset") == "uploaded"
                   and sorted(page.evaluate(_XS)) == [r[0] for r in rows],
                   DRAW_TIMEOUT_MS / 1000, f"the uploaded points, {visit}")
        shown = page.get_by_label("Data set").evaluate("e => e.options[e.selectedIndex].text")
        assert shown == "Uploaded CSV", visit
        expect(page.locator(".pg-message")).not_to_contain_text("uploaded file")
        page.reload(wait_until="load")
    assert_no_errors(page)


# -- the link carries the view ----------------------------------------------------------

_LOG_CHART_SHOWN = """() => Array.from(Bokeh.documents[0].all_models).some(
  (m) => m.y_scale != null && m.y_scale.constructor.__name__ === 'LogScale' && m.visible)"""


def test_the_link_carries_the_step_the_3d_view_the_log_scale_and_the_paths(page, server_url):
    open_optimizers(page, server_url + "?lab=optimizers&step=20&view3d=1&log=on&paths=0")
    wait_for_player(page, "p.shown === 20", CHANGE_TIMEOUT_MS)
    assert_optimizer_view_at(page, 20, 100)
    expect(page.locator(".pg-view-3d input")).to_be_checked()
    page.wait_for_function(
        "() => Bokeh.documents[0].get_model_by_name('surface3d_world') != null",
        timeout=DRAW_TIMEOUT_MS)
    expect(page.locator(".pg-log-loss input")).to_be_checked()  # the ravine's default: linear
    page.wait_for_function(_LOG_CHART_SHOWN, timeout=CHANGE_TIMEOUT_MS)
    expect(page.locator(".pg-paths input")).not_to_be_checked()
    # Scrubbing while paused writes the step; unticking writes the switches.
    page.evaluate(_MOVE_PLAYER, 35)
    page.wait_for_function("() => window.location.search.includes('step=35')",
                           timeout=CHANGE_TIMEOUT_MS)
    page.locator(".pg-paths input").check()
    page.wait_for_function("() => !window.location.search.includes('paths=')",
                           timeout=CHANGE_TIMEOUT_MS)
    page.go_back()  # the link before: paths off again, the step it was scrubbed to
    expect(page.locator(".pg-paths input")).not_to_be_checked(timeout=CHANGE_TIMEOUT_MS)
    wait_for_player(page, "p.shown === 35", CHANGE_TIMEOUT_MS)
    assert query_of(page)["step"] == "35"  # the scrub rewrote the entry: no step-20 entry
    # Another setting, another run: shown from its last step, out of the link.
    type_into(page.locator(".pg-steps input").first, "150")
    wait_for_length(page, "full_sgd", 151)
    wait_for_player(page, "p.shown === 150", CHANGE_TIMEOUT_MS)
    wait_until(page, lambda: query_of(page).get("steps") == "150", CHANGE_TIMEOUT_MS / 1000,
               "steps=150 in the link")
    assert "step" not in query_of(page)
    assert_no_errors(page)


_VAL_SHOWN = """() => Array.from(Bokeh.documents[0].all_models).some(
  (m) => m.glyph != null && m.glyph.marker != null && m.glyph.marker.value === 'triangle'
         && m.visible)"""


def test_the_mlp_link_carries_the_validation_points(page, server_url):
    page.goto(server_url + "?lab=mlp&val=1", wait_until="load")
    page.locator(".pg-epoch").wait_for(state="visible", timeout=DRAW_TIMEOUT_MS)
    expect(page.locator(".pg-show-val input")).to_be_checked()
    page.wait_for_function(_VAL_SHOWN, timeout=CHANGE_TIMEOUT_MS)
    page.locator(".pg-show-val input").uncheck()
    page.wait_for_function("() => !window.location.search.includes('val=')",
                           timeout=CHANGE_TIMEOUT_MS)
    page.wait_for_function(f"() => !({_VAL_SHOWN})()", timeout=CHANGE_TIMEOUT_MS)
    page.go_back()
    expect(page.locator(".pg-show-val input")).to_be_checked(timeout=CHANGE_TIMEOUT_MS)
    page.wait_for_function(_VAL_SHOWN, timeout=CHANGE_TIMEOUT_MS)
    assert_no_errors(page)


def _wait_for_a_steady_link(page, quiet_s: float = 1.0, timeout_s: float = 30.0):
    """Until the page's link has not changed for ``quiet_s``."""
    deadline, seen, since = time.monotonic() + timeout_s, page.url, time.monotonic()
    while time.monotonic() < deadline:
        page.wait_for_timeout(200)
        if page.url != seen:
            seen, since = page.url, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return
    raise AssertionError(f"the page's link kept changing: {seen}")


def test_copy_link_copies_the_pages_link_in_every_lab(page, server_url):
    """Copy link, in Chinese, in each lab in turn: the link copied is the page's own,
    the lab it shows now."""
    from playground.text import tr

    origin = "{0.scheme}://{0.netloc}".format(urlsplit(server_url))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    page.goto(server_url + "?lab=optimizers&lang=zh", wait_until="load")
    button = page.locator(".pg-copy-link button")
    for lab in ("optimizers", "mlp", "biasvariance"):
        if lab != "optimizers":
            page.get_by_text(tr(f"lab.{lab}", "zh"), exact=True).click()
            page.wait_for_function(f"() => window.location.search.includes('lab={lab}')",
                                   timeout=DRAW_TIMEOUT_MS)
        button.wait_for(timeout=DRAW_TIMEOUT_MS)
        expect(button).to_have_text("复制链接")
        # Once the lab has joined the page and written its settings into the link (a
        # click before that copies the link as opened: the same page, but not page.url).
        page.locator(".pg-complete").wait_for(state="attached", timeout=DRAW_TIMEOUT_MS)
        _wait_for_a_steady_link(page)
        button.click()
        expect(button).to_have_text("链接已复制", timeout=CHANGE_TIMEOUT_MS)
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert copied == page.url and f"lab={lab}" in copied, (lab, copied)
        expect(button).to_have_text("复制链接", timeout=CHANGE_TIMEOUT_MS)  # after two seconds
    assert_no_errors(page)


def test_the_mlp_link_carries_the_epoch(page, server_url):
    """``epoch=N``: the page shows the network trained N epochs; Step and Pause write
    the epoch shown; Back to an earlier epoch trains the network again to it."""
    page.goto(server_url + "?lab=mlp&dataset=xor&layers=4&epoch=50", wait_until="load")
    page.locator(".pg-epoch").wait_for(state="visible", timeout=DRAW_TIMEOUT_MS)
    wait_for_epoch(page, 50, 60)
    losses = page.locator(".pg-train-loss").inner_text()
    assert query_of(page)["epoch"] == "50"
    page.locator(".pg-step button").click()
    wait_for_epoch(page, 51, 60)
    page.wait_for_function("() => window.location.search.includes('epoch=51')",
                           timeout=CHANGE_TIMEOUT_MS)
    page.go_back()
    wait_for_epoch(page, 50, 90)
    expect(page.locator(".pg-train-loss")).to_have_text(losses, timeout=CHANGE_TIMEOUT_MS)
    assert query_of(page)["epoch"] == "50"
    page.locator(".pg-play button").click()
    page.wait_for_timeout(1500)
    page.locator(".pg-play button").click()  # pause: the link says the epoch shown
    page.wait_for_function(
        "() => { const n = new URLSearchParams(window.location.search).get('epoch');"
        " return n !== null && Number(n) > 51 }", timeout=CHANGE_TIMEOUT_MS)
    wait_until(page, lambda: epoch(page) == int(query_of(page)["epoch"]), 20,
               "the link's epoch to be the one shown")
    assert_no_errors(page)


def test_a_refusal_goes_with_a_new_surface_even_when_the_value_stays(page, server_url):
    """Saddle and custom both start SGD at α = 0.05: the note about 1000 spoke of the
    saddle's run and goes with the new surface, though the box still reads 0.05."""
    from playground.text import tr

    open_optimizers(page, server_url + "?lab=optimizers&surface=saddle")
    page.locator(".card-header", has_text=re.compile(r"^\s*SGD\s*$")).click()
    box = page.locator(".pg-sgd_lr input").first
    box.wait_for(state="visible")
    type_into(box, "1000")
    note = page.locator(".pg-refused-text")
    note.wait_for(state="visible", timeout=CHANGE_TIMEOUT_MS)
    page.locator(".pg-surface select").select_option(label=tr("surface.custom.name"))
    page.wait_for_function("() => window.location.search.includes('surface=custom')",
                           timeout=CHANGE_TIMEOUT_MS)
    note.wait_for(state="hidden", timeout=CHANGE_TIMEOUT_MS)
    expect(box).to_have_value("0.05")
    assert_no_errors(page)


def test_a_small_upload_shows_the_batch_in_use(page, server_url):
    """XOR's four rows at a 50 % share: two points train, and the batch control says 2
    (it said 10), bounded by the data, with a line saying why; a hint says a training
    share of 100 % exists."""
    from playground.text import tr

    page.goto(server_url + "?lab=mlp", wait_until="load")
    upload = page.locator(".pg-upload input[type=file]")
    upload.wait_for(state="attached", timeout=DRAW_TIMEOUT_MS)
    upload.set_input_files({"name": "xor.csv", "mimeType": "text/csv",
                            "buffer": b"x1,x2,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n"})
    page.wait_for_function("() => window.location.search.includes('dataset=uploaded')",
                           timeout=DRAW_TIMEOUT_MS)
    box = page.locator(".pg-batch input").first
    wait_until(page, lambda: box.input_value() == "2", CHANGE_TIMEOUT_MS / 1000,
               "the batch in use in its box")
    # the link follows in a message of its own
    wait_until(page, lambda: query_of(page).get("batch") == "2", CHANGE_TIMEOUT_MS / 1000,
               "the batch in use in the link")
    expect(page.locator(".pg-message")).to_contain_text("the batch is now 2")
    hint = page.locator(".pg-share-hint")
    expect(hint).to_be_visible(timeout=DRAW_TIMEOUT_MS)
    expect(hint).to_contain_text(tr("mlp.train_ratio.few", "en", n=4))
    type_into(box, "3")  # more than the training set: refused at the box
    note = page.locator(".pg-refused-text")
    note.wait_for(state="visible", timeout=CHANGE_TIMEOUT_MS)
    assert "outside [1, 2]" in note.inner_text()
    # the box goes back to the batch in use (a round trip to the server: not at once)
    wait_until(page, lambda: box.input_value() == "2", CHANGE_TIMEOUT_MS / 1000,
               "the refused box back to the batch in use")
    assert_no_errors(page)


def test_a_tiny_upload_says_a_training_share_of_100_percent_exists_in_chinese(page,
                                                                            server_url):
    from playground.text import tr

    page.goto(server_url + "?lab=mlp&lang=zh", wait_until="load")
    upload = page.locator(".pg-upload input[type=file]")
    upload.wait_for(state="attached", timeout=DRAW_TIMEOUT_MS)
    upload.set_input_files({"name": "xor.csv", "mimeType": "text/csv",
                            "buffer": b"x1,x2,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n"})
    hint = page.locator(".pg-share-hint")
    expect(hint).to_be_visible(timeout=DRAW_TIMEOUT_MS)
    expect(hint).to_contain_text(tr("mlp.train_ratio.few", "zh", n=4))
    assert_no_errors(page)


#: ``panel serve --setup``: three more labs (the MLP lab under other keys and names), as
#: the house will have six: past ``SWITCHER_BUTTONS`` the header lists them in a drop-down.
_SIX_LABS = '''
from types import MappingProxyType
import playground.text as text
import playground.ui.shell as shell
names = {"depth": "Gradients through depth", "backprop": "Backprop & gradient checking",
         "landscape": "Loss landscape"}
for key in names:
    shell.LABS[key] = "playground.labs.mlp.lab:MlpLab"
text.TEXT = MappingProxyType({lang: MappingProxyType({**table, **{
    f"lab.{key}": name for key, name in names.items()}}) for lang, table in text.TEXT.items()})
'''


def test_six_labs_are_a_drop_down_in_the_header_that_switches_labs(browser, tmp_path):
    """At 1280 px the header keeps its title and every toggle, and choosing a lab from
    the list (a name with "&" too) opens it in the page's language."""

    setup = tmp_path / "six_labs.py"
    setup.write_text(_SIX_LABS, encoding="utf-8")
    port = free_port()
    proc = subprocess.Popen([*server_command(port), "--setup", str(setup)], cwd=REPO_ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                            start_new_session=True)
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        url = f"http://127.0.0.1:{port}/app"
        wait_for_http(url, proc)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url + "?lab=mlp&lang=zh")
        labs = page.locator(".pg-labs select")
        labs.wait_for(timeout=DRAW_TIMEOUT_MS)
        assert labs.locator("option").all_inner_texts()[3:] == [
            "Gradients through depth", "Backprop & gradient checking", "Loss landscape"]
        # a screen reader names it; its label takes no room in the header
        assert page.get_by_role("combobox", name="实验", exact=True).count() == 1
        label = page.locator(".pg-labs label").bounding_box()
        assert label is not None and label["width"] <= 1 and label["height"] <= 1
        header = page.locator(".pg-header").bounding_box()
        for part in (".pg-title", ".pg-labs", ".pg-toggle-present"):
            box = page.locator(part).first.bounding_box()
            assert box["x"] >= header["x"] and box["x"] + box["width"] <= 1280, (part, box)
        labs.select_option(index=0)
        page.wait_for_url("**lab=optimizers**", timeout=DRAW_TIMEOUT_MS)
        labs = page.locator(".pg-labs select")
        labs.wait_for(timeout=DRAW_TIMEOUT_MS)
        labs.select_option(label="Backprop & gradient checking")
        page.wait_for_url("**lab=backprop**", timeout=DRAW_TIMEOUT_MS)
        assert query_of(page)["lang"] == "zh"
        page.locator(".pg-labs select").wait_for(timeout=DRAW_TIMEOUT_MS)
        assert errors == []
    finally:
        context.close()
        stop_server(proc)
