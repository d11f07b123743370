"""The optimizer lab in a real browser: a ``panel serve app.py`` driven by Chromium.

Bokeh models are read by name from the page (``full_<opt>``, ``trail_<opt>``,
``race_meta``, ``readout``, ``critical_points``; see ``playground.labs.optimizers.plots``).
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys

import pytest

from playground.serving import REPO_ROOT

from .helpers import (
    DRAW_TIMEOUT_MS,
    assert_no_errors,
    goto_and_wait,
    model_ready_js,
    query_of,
    source,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

CHANGE_TIMEOUT_MS = 20_000

#: JS: the model named ``name`` in the page's first Bokeh document (or null).
_MODEL = "(name) => Bokeh.documents[0].get_model_by_name(name)"


def xy(page, name: str) -> tuple[list[float], list[float]]:
    data = source(page, name)
    return data["x"], data["y"]


def readout_text(page) -> str:
    return page.evaluate(f"() => ({_MODEL})('readout').text")


def wait_until_xy_differs(page, name: str, old_x: list, old_y: list,
                          timeout: int = CHANGE_TIMEOUT_MS):
    page.wait_for_function(
        """([name, ox, oy]) => {
          const d = Bokeh.documents[0].get_model_by_name(name).data;
          if (d.x.length !== ox.length) return true;
          for (let i = 0; i < ox.length; i++)
            if (d.x[i] !== ox[i] || d.y[i] !== oy[i]) return true;
          return false;
        }""", arg=[name, old_x, old_y], timeout=timeout)


def wait_for_query(page, key: str, value: str | None = None, timeout: int = CHANGE_TIMEOUT_MS):
    """Until the page's URL has ``key`` (with ``value``, when given) in its query."""
    page.wait_for_function(
        """([key, value]) => {
          const q = new URLSearchParams(window.location.search);
          return q.has(key) && (value === null || q.get(key) === value);
        }""", arg=[key, value], timeout=timeout)


def open_optimizer_card(page, label: str):
    """Expand an optimizer's (collapsed) card, e.g. "SGD", so its knobs can be typed into."""
    page.locator(".card-header", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")).click()


def set_learning_rate(page, optimizer: str, label: str, value: str):
    lr_input = page.locator(f".pg-{optimizer}_lr input")
    if not lr_input.is_visible():
        open_optimizer_card(page, label)
    lr_input.wait_for(state="visible")
    lr_input.fill(value)
    lr_input.press("Enter")


# --------------------------------------------------------------------------- tests


def test_page_loads_and_draws(page, server_url):
    goto_and_wait(page, server_url)
    assert page.title() == "Neural network playground"
    assert page.get_by_text("Neural network playground").first.is_visible()
    x, y = xy(page, "full_sgd")
    assert len(x) > 1 and len(x) == len(y)
    assert all(math.isfinite(v) for v in x + y)
    page.wait_for_function(f"() => ({_MODEL})('readout').text.includes('State at step')")
    assert "State at step" in readout_text(page)
    meta = source(page, "race_meta")
    assert meta["name"] == ["sgd", "momentum", "adam"]  # the default selection
    # The critical points are marked with the details: the ravine's one minimum.
    page.wait_for_function(model_ready_js("critical_points", 1))
    marks = source(page, "critical_points")
    assert marks["x"] == [pytest.approx(0.0, abs=1e-9)] and marks["marker"] == ["star"]
    assert_no_errors(page)


def test_changing_the_learning_rate_changes_the_trajectory(page, server_url):
    goto_and_wait(page, server_url)  # the ravine, SGD's lr = 0.45
    open_optimizer_card(page, "SGD")  # its knobs are built when it first opens
    page.locator(".pg-sgd_lr input").wait_for(state="visible")
    assert page.locator(".pg-sgd_lr input").input_value() == "0.45"
    old_x, old_y = xy(page, "full_sgd")
    adam_before = xy(page, "full_adam")
    set_learning_rate(page, "sgd", "SGD", "0.2")
    wait_until_xy_differs(page, "full_sgd", old_x, old_y)
    new_x, new_y = xy(page, "full_sgd")
    assert (new_x, new_y) != (old_x, old_y)
    # SGD on f = 0.05 x² + 2 y²: x ← x (1 − 0.1 α), y ← y (1 − 4 α).
    assert new_x[1] == pytest.approx(old_x[0] * (1 - 0.1 * 0.2), rel=1e-6)
    assert new_y[1] == pytest.approx(old_y[0] * (1 - 4 * 0.2), rel=1e-6)
    assert xy(page, "full_adam") == adam_before  # the other racers do not move
    wait_for_query(page, "sgd_lr", "0.2")
    assert "sgd_lr=0.2" in page.url
    assert_no_errors(page)


SHARED = ("?lab=optimizers&surface=rosenbrock&optimizers=sgd,adam&adam_lr=0.02"
          "&steps=300&noise=0.5&seed={seed}")


def test_a_shared_link_reproduces_the_run(new_page, server_url):
    # The command line's trajectory, computed meanwhile.
    cli = subprocess.Popen(
        [sys.executable, "-m", "playground", "trajectory", "--surface", "rosenbrock",
         "--optimizer", "adam", "--lr", "0.02", "--steps", "300", "--noise", "0.5",
         "--seed", "3"],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = new_page()
        goto_and_wait(first, server_url + SHARED.format(seed=3), "full_adam")
        adam, sgd = xy(first, "full_adam"), xy(first, "full_sgd")
        assert len(adam[0]) == 301  # the start and 300 steps
        assert source(first, "race_meta")["name"] == ["sgd", "adam"]

        # New browser contexts (nothing shared but the link), loading side by side.
        second, other = new_page(), new_page()
        second.goto(server_url + SHARED.format(seed=3), wait_until="commit")
        other.goto(server_url + SHARED.format(seed=4), wait_until="commit")
        for p in (second, other):
            p.wait_for_function(model_ready_js("full_adam"), timeout=DRAW_TIMEOUT_MS)
        assert xy(second, "full_adam") == adam
        assert xy(second, "full_sgd") == sgd
        assert xy(other, "full_adam") != adam
        assert xy(other, "full_sgd") != sgd

        out, err = cli.communicate(timeout=90)
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.communicate()
    assert cli.returncode == 0, err
    points = json.loads(out)["points"]
    assert len(points) == len(adam[0])
    for (px, py), bx, by in zip(points, *adam, strict=True):
        assert bx == pytest.approx(px, abs=1e-9, rel=0)
        assert by == pytest.approx(py, abs=1e-9, rel=0)
    for p in (first, second, other):
        assert_no_errors(p)


_SCREEN_POINT = """([x, y]) => {
  const doc = Bokeh.documents[0];
  const full = doc.get_model_by_name('full_sgd');
  let fig = null;
  for (const m of doc.all_models)
    if (m.renderers != null && m.x_range != null &&
        m.renderers.some((r) => r.data_source === full)) fig = m;
  const view = Bokeh.index.find_one(fig);
  const box = view.canvas_view.el.getBoundingClientRect();
  return [box.left + view.frame.x_scale.compute(x), box.top + view.frame.y_scale.compute(y)];
}"""


def test_clicking_the_surface_moves_the_start(page, server_url):
    goto_and_wait(page, server_url)
    old_x, old_y = xy(page, "full_sgd")
    assert (old_x[0], old_y[0]) == (-9.0, 1.5)  # the ravine's start
    sx, sy = page.evaluate(_SCREEN_POINT, [3.0, -2.0])
    page.mouse.click(sx, sy)
    wait_until_xy_differs(page, "full_sgd", old_x, old_y)
    new_x, new_y = xy(page, "full_sgd")
    assert new_x[0] != old_x[0]
    assert new_x[0] == pytest.approx(3.0, abs=0.05)
    assert new_y[0] == pytest.approx(-2.0, abs=0.05)
    wait_for_query(page, "x0")
    query = query_of(page)
    assert float(query["x0"]) == new_x[0]
    assert float(query["y0"]) == new_y[0]
    assert_no_errors(page)


def _trail_and_step(page) -> tuple[int, int]:
    return tuple(page.evaluate("""() => {
      const doc = Bokeh.documents[0];
      const m = doc.get_model_by_name('readout').text.match(/State at step (\\d+)/);
      return [doc.get_model_by_name('trail_sgd').data.x.length, m ? Number(m[1]) : -1];
    }"""))


def test_playback_animates_in_the_browser(page, server_url):
    goto_and_wait(page, server_url)
    steps = len(xy(page, "full_sgd")[0]) - 1
    for _ in range(40):  # a new race shows its last step (the readout may follow a beat later)
        if _trail_and_step(page) == (steps + 1, steps):
            break
        page.wait_for_timeout(250)
    assert _trail_and_step(page) == (steps + 1, steps)
    page.locator(".pg-player button.first").click()
    page.wait_for_function(f"() => ({_MODEL})('trail_sgd').data.x.length === 1")
    assert _trail_and_step(page) == (1, 0)
    page.locator(".pg-player button.play").click()
    page.wait_for_function(f"() => ({_MODEL})('trail_sgd').data.x.length >= 3")
    trail_1, step_1 = _trail_and_step(page)
    page.wait_for_function(
        f"(n) => ({_MODEL})('trail_sgd').data.x.length >= n + 3", arg=trail_1)
    trail_2, step_2 = _trail_and_step(page)
    assert trail_2 > trail_1 >= 3
    assert step_2 > step_1 > 0
    page.locator(".pg-player button.pause").click()
    assert_no_errors(page)


def test_the_arrows_stay_inside_the_plot_near_a_minimum(page, server_url):
    """At the last step, near the minimum, the arrows are drawn ×100 or more; from an
    iterate off the view's middle (a start the reader clicked) every arrow still ends
    inside the plot (review: Adam's −αg arrow ran off its top)."""
    goto_and_wait(page, server_url + "?lab=optimizers&x0=-4.517&y0=-1.44", "full_adam")
    page.wait_for_function(f"() => ({_MODEL})('arrows_step').data.x0.length > 0",
                           timeout=DRAW_TIMEOUT_MS)
    page.wait_for_timeout(500)
    ends = page.evaluate("""() => {
      const m = (n) => Bokeh.documents[0].get_model_by_name(n);
      const f = m('pg-surface-plot'), out = [];
      for (const kind of ['gradient', 'velocity', 'step']) {
        const d = m('arrows_' + kind).data;
        for (let i = 0; i < d.x1.length; i++) out.push([kind, d.x1[i], d.y1[i]]);
      }
      return {ends: out, x: [f.x_range.start, f.x_range.end],
              y: [f.y_range.start, f.y_range.end], text: m('readout').text};
    }""")
    assert len(ends["ends"]) >= 6, ends
    match = re.search(r"arrows drawn ×(\d+)", ends["text"])
    assert match and int(match.group(1)) >= 100, ends["text"]  # scaled up, and still:
    (x0, x1), (y0, y1) = ends["x"], ends["y"]
    for kind, x, y in ends["ends"]:
        assert x0 <= x <= x1 and y0 <= y <= y1, (kind, x, y, ends["x"], ends["y"])
    assert_no_errors(page)


def test_a_diverging_optimizer_is_reported(page, server_url):
    goto_and_wait(page, server_url + "?surface=ravine&optimizers=sgd,adam&sgd_lr=5", "full_adam")
    meta = source(page, "race_meta")
    assert meta["name"] == ["sgd", "adam"]
    sgd_diverged, adam_diverged = meta["diverged"]
    assert sgd_diverged >= 0
    assert adam_diverged == -1
    page.wait_for_function(f"() => ({_MODEL})('readout').text.includes('diverged at step')")
    assert f"diverged at step {sgd_diverged}" in readout_text(page)
    # SGD's row is its last finite iterate's, not step 100's, and says so; Adam's is 100's.
    sgd_row, adam_row = readout_text(page).split("<tr>")[2:4]
    sgd_last = len(source(page, "full_sgd")["x"]) - 1
    assert f"at step {sgd_last}, its last" in sgd_row and "its last" not in adam_row
    legend = page.evaluate(_LEGEND_LABELS)
    assert f"SGD: diverged at step {sgd_diverged}" in legend
    # Lecture mode's headline says so in a word ("–" read as a minus sign, "stopped" as
    # "finished").
    headline = page.evaluate(f"() => ({_MODEL})('headline').text")
    assert "pg-loss-now" in headline and ">diverged<" in headline, headline
    sgd = source(page, "full_sgd")
    assert 1 <= len(sgd["x"]) <= max(sgd_diverged, 1)
    for column in ("x", "y", "loss"):
        assert all(v is not None and math.isfinite(v) for v in sgd[column]), column
    adam_x, adam_y = xy(page, "full_adam")
    assert len(adam_x) == 101 and all(math.isfinite(v) for v in adam_x + adam_y)
    assert_no_errors(page)

    # Every run stopped (ln x from x = 2, each stepping past x = 0, where ln has no
    # value): the run ends at step 41, SGD's last iterate, and there its entry says where
    # it left the formula's domain, as the others say theirs.
    goto_and_wait(page, server_url + "?surface=custom&expr=log(x)&x0=2&y0=1.5"
                  "&optimizers=sgd,momentum,adam", "full_adam")
    page.wait_for_function(f"""() => ({_MODEL})('race_meta').data.name.length === 3""")
    # The page's own script writes the entries as the player moves: to the start, back.
    page.locator(".pg-player button.first").click()
    page.wait_for_function("(read) => eval(read)().some((l) => l.startsWith('SGD: L = '))",
                           arg=_LEGEND_LABELS)
    page.locator(".pg-player button.last").click()
    page.wait_for_function("(read) => !eval(read)().some((l) => l.startsWith('SGD: L = '))",
                           arg=_LEGEND_LABELS)
    legend = page.evaluate(_LEGEND_LABELS)
    assert "SGD: no value at step 42 (outside the formula's domain)" in legend, legend
    assert "Momentum: no value at step 36 (outside the formula's domain)" in legend, legend
    assert_no_errors(page)


_LEGEND_LABELS = """() => {
  const labels = [];
  for (const m of Bokeh.documents[0].all_models)
    if (m.type === 'Legend' || (m.items != null && m.click_policy != null))
      for (const item of m.items) labels.push(item.label.value);
  return labels;
}"""


def test_a_rejected_formula_shows_an_error_and_keeps_the_race(page, server_url):
    goto_and_wait(page, server_url + "?surface=custom&expr=x**2%2By**2")
    old_x, old_y = xy(page, "full_sgd")
    assert math.isfinite(old_x[-1])
    formula = page.get_by_label("f(x, y) =")
    assert formula.input_value() == "x**2+y**2"
    formula.fill("__import__('os')")
    formula.press("Enter")
    error = page.get_by_text("Cannot use this formula")
    error.wait_for(state="visible", timeout=CHANGE_TIMEOUT_MS)
    # The parser says what is wrong and where: the quote at position 12.
    assert "position 12" in error.inner_text()
    page.wait_for_timeout(500)  # let any (wrong) redraw arrive
    assert xy(page, "full_sgd") == (old_x, old_y)
    assert "State at step" in readout_text(page)
    assert_no_errors(page)


def test_bad_link_values_are_ignored_with_a_message(page, server_url):
    goto_and_wait(page, server_url + "?surface=nope&sgd_lr=abc&steps=-4")
    # The page works, with the ravine's defaults ...
    x, _ = xy(page, "full_sgd")
    assert len(x) == 101
    assert source(page, "race_meta")["name"] == ["sgd", "momentum", "adam"]
    # The state table comes just after the pictures.
    page.wait_for_function(f"() => ({_MODEL})('readout').text.includes('State at step')")
    wait_for_query(page, "surface", "ravine")
    query = query_of(page)
    assert "sgd_lr" not in query and "steps" not in query
    assert_no_errors(page)
    # ... and says what it ignored (the message is in the page as soon as it is drawn).
    message = page.get_by_text("Ignored from the link")
    message.wait_for(state="visible", timeout=3_000)
    text = message.inner_text()
    for key in ("surface", "sgd_lr", "steps"):
        assert key in text


def test_pages_opened_together_each_get_their_own_lab(new_page, server_url):
    # Each page's lab is built by a thread of its own while its shell is answered.
    links = {"rosenbrock": "?surface=rosenbrock&optimizers=sgd,adam",
             "himmelblau": "?surface=himmelblau&optimizers=sgd,momentum",
             "ravine": "?surface=ravine&optimizers=sgd,adam&sgd_lr=0.3"}
    pages = {surface: new_page() for surface in links}
    for surface, page in pages.items():  # all requested before any is drawn
        page.goto(server_url + links[surface], wait_until="commit")
    for surface, page in pages.items():
        page.wait_for_function(model_ready_js("full_sgd"), timeout=DRAW_TIMEOUT_MS)
        wait_for_query(page, "surface", surface)
        names = source(page, "race_meta")["name"]
        assert names == links[surface].split("optimizers=")[1].split("&")[0].split(",")
        assert_no_errors(page)
    starts = {surface: xy(page, "full_sgd") for surface, page in pages.items()}
    assert len({(x[0], y[0]) for x, y in starts.values()}) == 3  # three different starts
    # Each page marks its own surface's critical points: Himmelblau has nine.
    page = pages["himmelblau"]
    page.wait_for_function(model_ready_js("critical_points", 9))
    assert len(source(page, "critical_points")["x"]) == 9


_LOG_CHART_JS = """() => {
  for (const m of Bokeh.documents[0].all_models)
    if (m.y_scale != null && m.y_scale.type === 'LogScale')
      return {visible: m.visible,
              cursor: m.center.filter((r) => r.name === 'cursor').map((r) => r.location)};
  return null;
}"""


def test_the_log_scale_loss_chart_arrives_with_a_surface_that_wants_it(page, server_url):
    goto_and_wait(page, server_url)  # the ravine: a linear loss chart only
    assert page.evaluate(_LOG_CHART_JS) is None
    page.get_by_label("Loss surface", exact=True).select_option(label="Rosenbrock (curved valley)")
    wait_for_query(page, "surface", "rosenbrock")
    page.wait_for_function(f"() => ({_LOG_CHART_JS})() !== null")
    assert page.evaluate(_LOG_CHART_JS)["visible"]  # built to be shown
    # The animation moves the new chart's cursor to the step shown (the last one).
    page.wait_for_function(f"() => ({_LOG_CHART_JS})().cursor[0] > 0")
    steps = len(xy(page, "full_sgd")[0]) - 1
    assert page.evaluate(_LOG_CHART_JS)["cursor"] == [steps]
    assert_no_errors(page)


def test_a_link_to_a_log_scale_surface_shows_the_last_step_once_the_page_is_complete(
        page, server_url):
    # The animation runs when the pictures arrive; the controls and details that
    # follow must not undo it (they once re-sent every picture model).
    goto_and_wait(page, server_url + "?surface=rosenbrock&optimizers=sgd,adam")
    page.locator(".pg-optimizers").wait_for(state="visible")
    page.wait_for_function(f"() => ({_MODEL})('readout').text.includes('State at step')")
    page.wait_for_timeout(300)  # anything that would still arrive
    steps = len(xy(page, "full_sgd")[0]) - 1
    assert page.evaluate(_LOG_CHART_JS) == {"visible": True, "cursor": [steps]}
    trail = page.evaluate(
        "() => Bokeh.documents[0].get_model_by_name('trail_sgd').data.x.length")
    assert trail == steps + 1  # the trail drawn up to the step shown
    assert_no_errors(page)


#: JS: the sidebar formula's box: [its width, the formula's width] (CSS px).
_FORMULA_WIDTHS = """() => {
  const find = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.classList.contains('pg-surface-formula')) return el;
      const inner = el.shadowRoot ? find(el.shadowRoot) : null;
      if (inner) return inner;
    }
    return null;
  };
  const el = find(document);
  return el == null ? null : [el.clientWidth, el.scrollWidth];
}"""


def test_a_long_surface_formula_fits_the_sidebar_at_1280_by_720(page, server_url):
    """Beale's and Rastrigin's formulas are set on lines that fit the sidebar: nothing to
    scroll sideways to (they were cut at the box's edge)."""
    page.set_viewport_size({"width": 1280, "height": 720})
    for surface in ("beale", "rastrigin"):
        goto_and_wait(page, f"{server_url}?lab=optimizers&surface={surface}")
        page.wait_for_function(f"() => ({_FORMULA_WIDTHS})() != null && "
                               f"({_FORMULA_WIDTHS})()[1] > 100", timeout=DRAW_TIMEOUT_MS)
        box, formula = page.evaluate(_FORMULA_WIDTHS)
        assert formula <= box + 1, (surface, box, formula)
    assert_no_errors(page)


def test_the_arrows_scale_and_the_surface_title_says_how(page):
    """``pgArrows`` and ``pgZoomTitle`` (both pages' JavaScript): the longest arrow
    drawn 10–100 % of ``reach``, its power of ten in the title ("arrows ×100", or "10⁴ ×
    shorter": ×10⁻⁴ read oddly); an arrow under a millionth of the view is none (at a
    saddle whose caption says the gradient is zero, ×10⁹ drew one of 10⁻⁹)."""
    from playground.ui.axes import ARROWS_JS, PLAIN_JS, state_table_text

    page.goto("about:blank")
    found = page.evaluate("(text) => {" + ARROWS_JS + PLAIN_JS + """
      const run = (d) => {
        const {zoom, arrows} = pgArrows([["gradient", 0, 0, d, 0, "#000"]], 2);
        const title = {text: "Surface"};
        pgZoomTitle(title, "Surface", text, zoom, arrows);
        return [zoom, arrows.gradient.x1.length ? arrows.gradient.x1[0] : null, title.text];
      };
      return [run(0.01), run(1e4), run(1), run(1e-9)];
    }""", state_table_text("en"))
    (z1, end1, t1), (z2, end2, t2), (z3, end3, t3), (z4, end4, t4) = found
    assert z1 == 100 and abs(end1 - 1.0) < 1e-9 and t1 == "Surface · arrows ×100"
    assert abs(z2 - 1e-4) < 1e-12 and abs(end2 - 1.0) < 1e-6
    assert t2 == "Surface · arrows 10⁴ × shorter"
    assert z3 == 1 and end3 == 1 and t3 == "Surface"
    assert z4 == 1 and end4 is None and t4 == "Surface"
