"""The bias–variance lab in a real browser: it loads, each control changes the picture.

"The picture" is read from the page's Bokeh models: the mean fit f̄ (``pg-bv-mean``),
the highlighted set's points (``pg-bv-points``) and the measured test error against
capacity (``pg-bv-test_error``).  Every page ends without console errors.
"""

from __future__ import annotations

import time

import pytest

from playground.text import tr

from .helpers import assert_no_errors, query_of, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

CHANGE_TIMEOUT_S = 60.0

_SIGNATURE = """() => {
  if (!window.Bokeh || !Bokeh.documents || Bokeh.documents.length === 0) return null;
  const doc = Bokeh.documents[0];
  const get = (name, column) => {
    const m = doc.get_model_by_name(name);
    return m == null ? [] : Array.from(m.data[column] || []);
  };
  const test = get('pg-bv-test_error', 'y');
  if (test.length === 0) return null;
  return JSON.stringify([get('pg-bv-mean', 'y'), get('pg-bv-points', 'x'), test,
                         get('pg-bv-test_error', 'x')]);
}"""


def signature(page):
    return page.evaluate(_SIGNATURE)


def wait_for_picture(page, old=None, timeout=CHANGE_TIMEOUT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = signature(page)
        if now is not None and now != old:
            return now
        page.wait_for_timeout(200)
    raise AssertionError("the picture did not change")


def test_the_lab_loads_and_each_control_changes_the_picture(new_page, server_url):
    page = new_page()
    # Shapes (n, M) whose programs the Python tests compiled: each change below moves
    # within n's and M's buckets (``bv.N_BUCKETS``), so the server loads, not compiles.
    page.goto(f"{server_url}?lab=biasvariance&datasets=20")
    picture = wait_for_picture(page)
    page.locator(".pg-bv-family select").wait_for()
    def pick(css_class, key):
        return lambda: page.locator(f".{css_class} select").select_option(label=tr(key))

    actions = [
        ("truth", pick("pg-bv-truth", "bv.truth.step")),
        ("inputs", pick("pg-bv-inputs", "bv.inputs.uniform")),
        ("noise", lambda: page.locator(".pg-bv-noise .noUi-handle").press("End")),
        ("n", lambda: page.locator(".pg-bv-n .noUi-handle").press("ArrowLeft")),
        ("datasets", lambda: page.locator(".pg-bv-datasets .noUi-handle").press("ArrowLeft")),
        ("seed", lambda: (page.locator(".pg-bv-seed input").fill("7"),
                          page.locator(".pg-bv-seed input").press("Enter"))),
        ("capacity", lambda: page.locator(".pg-bv-capacity .noUi-handle").press("ArrowRight")),
        ("ridge", lambda: page.locator(".pg-bv-ridge .noUi-handle").press("End")),
        ("family", pick("pg-bv-family", "bv.family.knn")),
        ("features", pick("pg-bv-family", "bv.family.features")),
    ]
    for name, act in actions:
        act()
        picture = wait_for_picture(page, picture)
        assert query_of(page).get("lab") == "biasvariance", name
    deadline = time.monotonic() + 30  # a new family's first computation compiles
    while query_of(page).get("family") != "features" and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    query = query_of(page)
    assert query["family"] == "features" and query["truth"] == "step" and query["seed"] == "7"
    assert query["inputs"] == "uniform"
    # the reading and the formula are on screen
    page.locator(".pg-bv-reading b").first.wait_for()  # its kind in bold: "High bias"
    page.locator(".pg-bv-formula .katex").first.wait_for()
    assert_no_errors(page)


_SLIDER_TITLE = """() => {
  for (const m of Bokeh.documents[0].all_models)
    if (m.constructor.__name__ === 'Div' && (m.css_classes || []).includes('pg-bv-capacity'))
      return m.text;
  return '';
}"""


def slider_text(page) -> str:
    """The capacity slider's title and value, as its model holds them (``…: <b>5</b>``)."""
    return page.evaluate(_SLIDER_TITLE).replace("<b>", "").replace("</b>", "")


def wait_for_view(page, picture: str, capacity: int, what: str):
    """The picture ``picture`` and the slider at ``capacity``."""
    deadline = time.monotonic() + CHANGE_TIMEOUT_S
    while time.monotonic() < deadline:
        if signature(page) == picture and slider_text(page).endswith(f": {capacity}"):
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"{what}: the slider reads {slider_text(page)!r}, "
                         f"the picture {'is' if signature(page) == picture else 'is not'} "
                         "the one expected")


def test_back_and_forward_restore_the_capacity_and_the_picture(new_page, server_url):
    """Back and Forward set the link's capacity (the slider, the picture) and its true
    function (issue #12, review: the slider and picture stayed at k = 7)."""
    page = new_page()
    page.goto(f"{server_url}?lab=biasvariance&family=knn&datasets=40")
    at_5 = wait_for_picture(page)
    handle = page.locator(".pg-bv-capacity .noUi-handle")
    handle.wait_for()
    wait_for_view(page, at_5, 5, "the page opened")
    # one key, one history entry: each press waits for its own link (two quick presses may
    # arrive as one change or as two, which made the Backs below count differently on CI)
    handle.press("ArrowRight")
    page.wait_for_function("() => window.location.search.includes('capacity=6')")
    at_6 = wait_for_picture(page, at_5)
    handle.press("ArrowRight")
    page.wait_for_function("() => window.location.search.includes('capacity=7')")
    at_7 = wait_for_picture(page, at_6)
    page.locator(".pg-bv-truth select").select_option(label=tr("bv.truth.step"))
    page.wait_for_function("() => window.location.search.includes('truth=step')")
    wait_for_picture(page, at_7)
    page.go_back()  # capacity=7 with the default truth again
    page.wait_for_function("() => !window.location.search.includes('truth=')")
    wait_for_view(page, at_7, 7, "Back to capacity=7")
    page.go_back()  # capacity=6
    page.wait_for_function("() => window.location.search.includes('capacity=6')")
    wait_for_view(page, at_6, 6, "Back to capacity=6")
    page.go_back()  # family=knn: k = 5
    page.wait_for_function("() => !window.location.search.includes('capacity=')")
    wait_for_view(page, at_5, 5, "Back to family=knn")
    page.go_forward()  # capacity=6 again
    page.wait_for_function("() => window.location.search.includes('capacity=6')")
    wait_for_view(page, at_6, 6, "Forward to capacity=6")
    page.go_forward()  # capacity=7 again
    page.wait_for_function("() => window.location.search.includes('capacity=7')")
    wait_for_view(page, at_7, 7, "Forward to capacity=7")
    assert query_of(page) == {"lab": "biasvariance", "family": "knn", "datasets": "40",
                              "capacity": "7"}
    assert_no_errors(page)


#: JS: how many points each named source has, and the shown opacity of the two plots.
_WAITING = """() => {
  if (!window.Bokeh || !Bokeh.documents || Bokeh.documents.length === 0) return null;
  const doc = Bokeh.documents[0];
  const n = (name) => { const m = doc.get_model_by_name(name);
                        return m == null ? -1 : m.get_length(); };
  const plots = [...doc.all_models].filter((m) => m.type === 'Figure' && m.title != null);
  const opacity = plots.map((m) => { const v = Bokeh.index.find_one(m);
                                    return v == null ? null : getComputedStyle(v.el).opacity; });
  const curves = plots.find((m) => m.y_scale != null && m.y_scale.type === 'LogScale');
  const labels = curves == null ? [] : curves.left[0].formatter.doFormat(
    curves.left[0].ticker.ticks, {loc: 0});
  return {truth: n('pg-bv-truth'), points: n('pg-bv-points'), noise: n('pg-bv-noise'),
          test: n('pg-bv-test_error'), opacity, labels};
}"""


def test_the_network_family_computes_with_progress_and_the_page_stays_live(new_page,
                                                                           server_url):
    """While the first result trains (seconds), the truth, the training points and the
    error chart with its noise floor are drawn, faded (the fits chart was empty and the
    error chart missing); once it comes, the whole picture is opaque (it stayed faded),
    its log axis written 0.05, 0.1 (it read "5.000e-2")."""
    page = new_page()
    page.goto(f"{server_url}?lab=biasvariance&family=network&datasets=8&n=8")
    wait_until(page, lambda: (page.evaluate(_WAITING) or {}).get("truth", 0) > 0, 60,
               "the truth drawn")
    waiting = page.evaluate(_WAITING)
    if waiting["test"] == 0:  # (the result had not come yet)
        assert waiting["points"] == 8 and waiting["noise"] == 16, waiting

        def faded_or_done():
            now = page.evaluate(_WAITING)
            return now["test"] > 0 or float(max(now["opacity"])) < 0.5

        wait_until(page, faded_or_done, 10, "the picture faded while it computes")
    picture = wait_for_picture(page, timeout=180)
    widths = page.evaluate("() => Bokeh.documents[0].get_model_by_name('pg-bv-test_error')"
                           ".data.x.length")
    assert widths == 16
    wait_until(page, lambda: all(o == "1" for o in page.evaluate(_WAITING)["opacity"]), 10,
               "the picture opaque again")
    labels = page.evaluate(_WAITING)["labels"]
    assert labels and not any("e" in label for label in labels), labels
    # the capacity slider answers at once: no retraining
    page.locator(".pg-bv-capacity .noUi-handle").press("ArrowRight")
    wait_for_picture(page, picture, timeout=10)
    assert_no_errors(page)


def test_both_plots_download_and_the_figure_command_draws_the_lab(new_page, server_url,
                                                                   browser, tmp_path):
    """Each plot has its Download menu (PNG at 2×); ``python -m playground figure`` draws
    the lab: both plots and the caption, at the size asked."""
    import io
    from pathlib import Path

    from PIL import Image

    from playground import figure

    page = new_page()
    page.goto(f"{server_url}?lab=biasvariance&family=features&datasets=30")
    wait_for_picture(page)
    menus = page.locator(".pg-download")
    menus.first.wait_for()
    assert menus.count() == 2
    for i, name in enumerate(("fits", "curves")):
        menus.nth(i).locator("button").first.click()
        with page.expect_download() as info:
            page.get_by_text("PNG 2×", exact=True).locator("visible=true").first.click()
        assert info.value.suggested_filename == f"{name}@2x.png"
        image = Image.open(io.BytesIO(Path(info.value.path()).read_bytes()))
        assert image.width > 400 and len(image.convert("RGB").getcolors(100_000)) >= 5
    assert_no_errors(page)
    out = tmp_path / "bv.png"
    made = figure.render("lab=biasvariance&family=features&datasets=30", out,
                         size=(1280, 720), server=server_url, browser=browser)
    assert made.plots == ("fits", "curves")
    assert Image.open(out).size == (1280, 720) == (made.width, made.height)
    assert made.caption.startswith(tr("lab.biasvariance"))


def page_text(page) -> str:
    """Every text of the page, shadow roots included."""
    return page.evaluate("""() => { const all = [];
      const rec = (root) => { all.push(root.textContent || '');
        for (const e of root.querySelectorAll('*')) if (e.shadowRoot) rec(e.shadowRoot); };
      rec(document); return all.join(' | '); }""")


def test_a_links_capacity_that_is_not_computed_opens_at_the_nearest_with_a_notice(
        new_page, server_url):
    """k = 50 with n = 20 (k ≤ n is computed): the lab opens at k = 20 and says so
    (issue #13 review: "The lab could not be built: … no attribute 'chosen_span'")."""
    page = new_page()
    page.goto(f"{server_url}?lab=biasvariance&family=knn&capacity=50&datasets=20")
    picture = wait_for_picture(page)
    page.locator(".pg-bv-capacity .noUi-handle").wait_for()
    wait_for_view(page, picture, 20, "k = 50 asked")
    text = page_text(page)
    assert "could not be built" not in text and "Traceback" not in text
    assert "capacity='50' (" + tr("url.reason.not_computed", nearest=20) + ")" in text
    page.wait_for_function("() => window.location.search.includes('capacity=20')")
    assert_no_errors(page)


#: The error chart: its frame, its legend and its toolbar (px, from the plot's corner).
_CURVES_LAYOUT = """(title) => {
  const plot = [...Bokeh.documents[0].all_models].find(
    m => m.title && m.title.text === title && Bokeh.index.find_one(m) != null);
  const view = Bokeh.index.find_one(plot);
  const legend = Bokeh.index.find_one(plot.below.find(m => m.constructor.__name__ === 'Legend'));
  const toolbar = Bokeh.index.find_one(plot.toolbar);
  const at = view.el.getBoundingClientRect(), bar = toolbar.el.getBoundingClientRect();
  const box = (b) => [b.x0, b.y0, b.x1, b.y1];
  return {size: [at.width, at.height], frame: box(view.frame.bbox),
          legend: box(legend.bbox), toolbar: [bar.left - at.left, bar.top - at.top,
                                             bar.right - at.left, bar.bottom - at.top]};
}"""


@pytest.mark.parametrize("family", ["features", "knn"])
def test_the_error_chart_of_another_family_keeps_its_legend_in_the_dark_theme(
        new_page, server_url, family):
    """Dark theme, another family: the new error chart's legend lies below its frame
    and its toolbar beside it (issue #13 review: no legend, the toolbar outside)."""
    page = new_page()
    page.goto(f"{server_url}?lab=biasvariance&theme=dark&datasets=20")
    picture = wait_for_picture(page)
    page.locator(".pg-bv-family select").select_option(label=tr(f"bv.family.{family}"))
    wait_for_picture(page, picture)
    page.wait_for_timeout(3000)  # the dark theme's restyle of plots joined later: 1.5 s
    layout = page.evaluate(_CURVES_LAYOUT, tr("bv.curves.title"))
    width, height = layout["size"]
    frame, legend, toolbar = layout["frame"], layout["legend"], layout["toolbar"]
    assert legend[1] >= frame[3] and legend[3] <= height, layout
    assert 0 < legend[0] < legend[2] < width, layout  # centred below the frame
    assert toolbar[0] >= frame[2] and toolbar[3] <= height, layout
    assert_no_errors(page)


_FITS = """() => {
  const doc = Bokeh.documents[0];
  const fits = doc.get_model_by_name('pg-bv-fits');
  const plot = [...doc.all_models].find(m => m.renderers && m.renderers.some(
    r => r.data_source === fits) && Bokeh.index.find_one(m) != null);
  const view = Bokeh.index.find_one(plot), at = view.el.getBoundingClientRect();
  const f = view.frame;
  return {xs: fits.data.xs.map(a => Array.from(a)), ys: fits.data.ys.map(a => Array.from(a)),
          selected: Array.from(fits.selected.indices),
          shown: Array.from(doc.get_model_by_name('pg-bv-shown').data.y),
          mean: [Array.from(doc.get_model_by_name('pg-bv-mean').data.x),
                 Array.from(doc.get_model_by_name('pg-bv-mean').data.y)],
          left: at.left, top: at.top, frame: [f.bbox.x0, f.bbox.y0, f.bbox.x1, f.bbox.y1],
          x: [plot.x_range.start, plot.x_range.end], y: [plot.y_range.start, plot.y_range.end]};
}"""


def _pixel_distances(fits, px, py):
    """Each fit's distance in pixels to the page point (px, py): to its nearest segment."""
    import numpy as np

    x0, y0, x1, y1 = fits["frame"]
    sx = lambda x: fits["left"] + x0 + (np.asarray(x) - fits["x"][0]) / (
        fits["x"][1] - fits["x"][0]) * (x1 - x0)
    sy = lambda y: fits["top"] + y1 - (np.asarray(y) - fits["y"][0]) / (
        fits["y"][1] - fits["y"][0]) * (y1 - y0)
    out = []
    for xs, ys in zip(fits["xs"], fits["ys"], strict=True):
        ax, ay = sx(xs[:-1]) - px, sy(ys[:-1]) - py
        dx, dy = sx(xs[1:]) - px - ax, sy(ys[1:]) - py - ay
        t = np.clip(-(ax * dx + ay * dy) / np.maximum(dx * dx + dy * dy, 1e-12), 0, 1)
        out.append(float(np.min(np.hypot(ax + t * dx, ay + t * dy))))
    return np.array(out)


def _click_where_fits_crowd(page, check=lambda nearest: True):
    """Click on the mean fit at x = 0.62, where the fits crowd; returns the fit nearest
    to the click (in pixels: the distance to its segments) and the fits once the page
    highlights exactly it and shows its set (and ``check(nearest)`` holds)."""
    import numpy as np

    fits = page.evaluate(_FITS)
    i = int(np.argmin(np.abs(np.asarray(fits["mean"][0]) - 0.62)))
    x, y = fits["mean"][0][i], fits["mean"][1][i]
    x0, y0, x1, y1 = fits["frame"]
    px = fits["left"] + x0 + (x - fits["x"][0]) / (fits["x"][1] - fits["x"][0]) * (x1 - x0)
    py = fits["top"] + y1 - (y - fits["y"][0]) / (fits["y"][1] - fits["y"][0]) * (y1 - y0)
    distances = _pixel_distances(fits, px, py)
    assert np.sum(distances < 2) >= 2  # the click hits several fits
    nearest = int(np.argmin(distances))
    page.mouse.click(px, py)
    deadline = time.monotonic() + CHANGE_TIMEOUT_S
    while time.monotonic() < deadline:
        now = page.evaluate(_FITS)
        if (now["selected"] == [nearest] and np.allclose(now["shown"], now["ys"][nearest])
                and check(nearest)):
            break
        page.wait_for_timeout(200)
    assert now["selected"] == [nearest], (now["selected"], nearest)
    np.testing.assert_allclose(now["shown"], now["ys"][nearest])
    return nearest, now


def test_a_click_on_the_fits_highlights_one_the_nearest_and_settings_keep_it_the_shown(
        new_page, server_url):
    """A click where several fits pass highlights one fit, the nearest, whose set's
    points are drawn; new settings keep the one highlighted the set shown (issue #13
    review: four fits orange, the points of one; stale ones after a new seed)."""
    import numpy as np

    page = new_page()
    page.goto(f"{server_url}?lab=biasvariance&datasets=100")
    picture = wait_for_picture(page)
    assert page.evaluate(_FITS)["selected"] == [0]  # the set shown (0) is the one highlighted
    linked = lambda nearest: query_of(page).get("shown", "0") == str(nearest)
    nearest, _ = _click_where_fits_crowd(page, linked)
    assert linked(nearest)
    picture = signature(page)
    seed = page.locator(".pg-bv-seed input")
    seed.fill("3")
    seed.press("Enter")
    wait_for_picture(page, picture)
    page.wait_for_timeout(500)
    after = page.evaluate(_FITS)
    assert after["selected"] == [nearest]
    np.testing.assert_allclose(after["shown"], after["ys"][nearest])
    assert_no_errors(page)


def test_a_click_on_the_static_pages_fits_highlights_one_the_nearest(new_page, tmp_path):
    """The exported page too: one fit highlighted, the nearest, its set's points drawn."""
    import numpy as np

    from playground import static_export

    path = static_export.export("lab=biasvariance&datasets=100", tmp_path / "bv.html").path
    page = new_page()
    page.goto(path.as_uri())
    page.wait_for_function("() => window.Bokeh && Bokeh.documents.length > 0 && "
                           "Bokeh.documents[0].get_model_by_name('pg-bv-fits').data.xs.length")
    assert page.evaluate(_FITS)["selected"] == [0]
    nearest, now = _click_where_fits_crowd(page)
    points = page.evaluate("(i) => { const d = Bokeh.documents[0];"
                           " return [Array.from(d.get_model_by_name('pg-bv-points').data.x),"
                           " Array.from(d.get_model_by_name('bv_sets').data.x[i])]; }", nearest)
    np.testing.assert_array_equal(points[0], points[1])
    assert_no_errors(page)


#: The reading's and the decomposition's text: [left, top, right, bottom] of each.
_TEXT_BOXES = """() => { const out = {};
  const leaves = (root, acc) => { for (const x of root.querySelectorAll('*')) {
      if (x.children.length === 0 && (x.textContent || '').trim()) {
        const r = x.getBoundingClientRect(); if (r.width > 0) acc.push(r); }
      if (x.shadowRoot) leaves(x.shadowRoot, acc); } return acc; };
  const visit = (root) => { for (const e of root.querySelectorAll('*')) {
      for (const cls of ['pg-bv-reading', 'pg-bv-formula']) if (e.classList.contains(cls)) {
        const rs = leaves(e.shadowRoot || e, []);
        out[cls] = [Math.min(...rs.map(r => r.left)), Math.min(...rs.map(r => r.top)),
                    Math.max(...rs.map(r => r.right)), Math.max(...rs.map(r => r.bottom))]; }
      if (e.shadowRoot) visit(e.shadowRoot); } };
  visit(document); return out; }"""


def _settled(page, script, still_ms=1000, timeout_s=30):
    """``script``'s value once it has stayed the same for ``still_ms``: the browser's
    layout, which on a loaded machine goes on after the text is there (CI measured the
    decomposition 445 px tall, typeset before KaTeX's style sheet had arrived)."""
    deadline, last, since = time.monotonic() + timeout_s, None, time.monotonic()
    while time.monotonic() < deadline:
        now = page.evaluate(script)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= still_ms / 1000:
            return now
        page.wait_for_timeout(200)
    return last


@pytest.mark.parametrize("query", ["present=1", "present=1&lang=zh&family=features", ""])
def test_the_reading_and_the_decomposition_are_seen_without_scrolling(new_page, server_url,
                                                                      query):
    """At 1280 × 720, lecture mode too: the decomposition's numbers in the window (and
    the reading, outside lecture mode), starting at the reading's left edge (issue #13
    review: below the fold)."""
    page = new_page()
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{server_url}?lab=biasvariance&datasets=30&{query}")
    wait_for_picture(page)
    page.locator(".pg-bv-formula .katex").first.wait_for()
    boxes = _settled(page, _TEXT_BOXES)
    for name, box in boxes.items():
        if name == "pg-bv-reading" and "present=1" in query:
            continue  # (below the plots: 20-px text above them squeezed the plots)
        assert box[0] >= 0 and box[2] <= 1280 and box[1] >= 64 and box[3] <= 720, boxes
    assert abs(boxes["pg-bv-reading"][0] - boxes["pg-bv-formula"][0]) <= 1, boxes
    # Each brace spans the number above it (the browser's MathML drew a 6-px cup under
    # a 33-px number: Chromium does not stretch an operator along a line).
    braces = page.evaluate(_BRACES)
    assert len(braces) == 4, braces
    for brace in braces:  # [its width, the text above it, that text's width]
        assert brace[1] and brace[0] >= 0.95 * brace[2], braces
    assert_no_errors(page)  # (no font asked for that is not there)


#: JS: each of the decomposition's braces: [its width, the text just above it, that
#: text's width].
_BRACES = """() => { let out = null;
  const visit = (root) => { for (const e of root.querySelectorAll('*')) {
      if (e.classList.contains('pg-bv-formula')) { const r = e.shadowRoot || e;
        const leaves = Array.from(r.querySelectorAll('.katex-html *'))
          .filter((x) => x.children.length === 0 && x.textContent.trim())
          .map((x) => [x.textContent, x.getBoundingClientRect()]);
        out = Array.from(r.querySelectorAll('.stretchy'), (b) => {
          const box = b.getBoundingClientRect();
          const above = leaves.filter(([, t]) => t.bottom <= box.top + 3 &&
            t.right > box.left && t.left < box.right).sort((p, q) => q[1].bottom - p[1].bottom);
          const number = above.length ? above[0] : ['', {width: 0}];
          return [box.width, number[0], number[1].width]; }); }
      if (e.shadowRoot) visit(e.shadowRoot); } };
  visit(document); return out; }"""


#: JS: the right edges of the definitions' formulas (through shadow roots) and of their
#: pane, in the page's pixels.
_DEFINITIONS = """() => {
  const out = {formulas: [], pane: null};
  const visit = (root, inside) => { for (const el of root.querySelectorAll('*')) {
    const mine = inside || el.classList.contains('pg-bv-definitions');
    if (el.classList.contains('pg-bv-definitions') && out.pane === null)
      out.pane = el.getBoundingClientRect().right;
    if (el.shadowRoot) visit(el.shadowRoot, mine);
    if (mine && el.classList.contains('katex')) out.formulas.push(el.getBoundingClientRect().right);
  } };
  visit(document, false);
  return out;
}"""


def test_the_definitions_wrap_in_a_640_pixel_frame(new_page, server_url):
    """variance, bias² and f̄ each a formula of its own: in a 640-px embed the last went
    on a line of its own (it was cut off at the pane's edge)."""
    page = new_page()
    page.set_viewport_size({"width": 640, "height": 900})
    page.goto(f"{server_url}?lab=biasvariance&embed=1")
    wait_until(page, lambda: len(page.evaluate(_DEFINITIONS)["formulas"]) > 0, 120,
               "the definitions")
    page.wait_for_timeout(1000)  # the browser's layout
    found = page.evaluate(_DEFINITIONS)
    assert found["pane"] is not None and max(found["formulas"]) <= found["pane"] + 1, found
    assert len(found["formulas"]) == 3, found
    assert_no_errors(page)


def test_every_entry_of_the_fits_legend_draws_its_sample(new_page, server_url):
    """"Fit to one set" was keyed by one fit's faint line (alpha 0.18): nearly
    unseen in the legend, on a slide and on a projector (a new user's review). Its
    sample is now drawn as the many fits look together: the legend's left column holds
    pixels of the fits' colour at that strength."""
    import io

    from PIL import Image

    from playground.ui.palettes import FIT_COLOR, mix

    page = new_page()
    page.goto(f"{server_url}?lab=biasvariance&datasets=20")
    wait_for_picture(page)
    page.wait_for_timeout(1000)
    box = page.evaluate("""(title) => {
      const plot = [...Bokeh.documents[0].all_models].find(
        m => m.title && m.title.text === title && Bokeh.index.find_one(m) != null);
      const view = Bokeh.index.find_one(plot);
      const legend = Bokeh.index.find_one(plot.below.find(
        m => m.constructor.__name__ === 'Legend'));
      const at = view.el.getBoundingClientRect(), b = legend.bbox;
      return {x: at.left + b.x0, y: at.top + b.y0, width: b.width, height: b.height};
    }""", tr("bv.fits.title"))
    image = Image.open(io.BytesIO(page.screenshot(clip=box))).convert("RGB")
    # Its sample: the first entry, in the legend's top left (two columns).
    sample = image.crop((0, 0, image.width // 2, image.height // 3))
    target = tuple(int(mix(FIT_COLOR, 0.8)[i:i + 2], 16) for i in (1, 3, 5))
    near = sum(n for n, rgb in sample.getcolors(maxcolors=1 << 20)
               if all(abs(a - b) <= 12 for a, b in zip(rgb, target, strict=True)))
    assert near >= 15, near  # a 2-px line 20 px long: 27; the faint one: 0
    assert_no_errors(page)
