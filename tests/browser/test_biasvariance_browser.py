"""The bias–variance lab in a real browser: it loads, each control changes the picture.

"The picture" is read from the page's Bokeh models: the mean fit f̄ (``pg-bv-mean``),
the highlighted set's points (``pg-bv-points``) and the measured test error against
capacity (``pg-bv-test_error``).  Every page ends without console errors.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from playground.text import tr

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


def assert_no_errors(page):
    assert page.errors == [], page.errors


def query_of(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def test_the_lab_loads_and_each_control_changes_the_picture(new_page, server_url):
    page = new_page()
    page.goto(f"{server_url}?lab=biasvariance&datasets=40")
    picture = wait_for_picture(page)
    page.locator(".pg-bv-family select").wait_for()
    def pick(css_class, key):
        return lambda: page.locator(f".{css_class} select").select_option(label=tr(key))

    actions = [
        ("truth", pick("pg-bv-truth", "bv.truth.step")),
        ("inputs", pick("pg-bv-inputs", "bv.inputs.uniform")),
        ("noise", lambda: page.locator(".pg-bv-noise .noUi-handle").press("End")),
        ("n", lambda: page.locator(".pg-bv-n .noUi-handle").press("ArrowRight")),
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
    page.get_by_text(tr("bv.reading")).first.wait_for()
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


def test_the_network_family_computes_with_progress_and_the_page_stays_live(new_page,
                                                                           server_url):
    page = new_page()
    page.goto(f"{server_url}?lab=biasvariance&family=network&datasets=8&n=10")
    picture = wait_for_picture(page, timeout=180)
    widths = page.evaluate("() => Bokeh.documents[0].get_model_by_name('pg-bv-test_error')"
                           ".data.x.length")
    assert widths == 16
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
