"""Lecture mode and the dark theme in both labs (issue #12, "Present"), at 1280 × 720.

* lecture mode (``present=1``): labels ≥ 20 px, the numbers users watch (epoch, losses,
  the step's readout) ≥ 28 px, the plots' lines twice as wide as without it (read from
  the Bokeh models), the header's toggle hides and shows the controls;
* dark (``theme=dark``): the page's background is dark, every visible text element's
  colour has a contrast ratio ≥ 4.5 (WCAG 2.1) against the background behind it, the
  readouts and formula cards included, and every Bokeh plot's background is dark;
* the link keeps ``theme`` and ``present`` after the header's toggles change them;
* every button below the header (the lesson's Back, Next and Close, the lesson and preset
  buttons, the Download menus, the optimizer lab's step player) is drawn in the theme, as
  the player's Step is: none is Panel's "light" button, white whatever the theme (unseen
  on the light page), nor the browser's own grey one;
* lecture mode with an MLP race of four: every plot title fits its plot (measured with
  the title's own font), and the headline losses name the racer they belong to;
* the bias–variance lab in lecture mode (English, Chinese) and embedded at 820 px: both
  titles whole inside their frames, every legend entry whole and apart from the others,
  no sideways scroll; in lecture mode the reading and the decomposition (the names under
  its braces included) at ≥ 20 px.
"""

from __future__ import annotations

import pytest

from playground.text import tr

from .helpers import open_page, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

#: JS: the widths of every Line glyph with a numeric width in the page's Bokeh document.
_LINE_WIDTHS = """() => {
  if (!window.Bokeh || !Bokeh.documents || Bokeh.documents.length === 0) return null;
  return Array.from(Bokeh.documents[0].all_models)
    .filter((m) => m.type === 'Line' || (m.constructor && m.constructor.__name__ === 'Line'))
    .map((m) => m.line_width).map((w) => typeof w === 'number' ? w : (w && w.value))
    .filter((w) => typeof w === 'number');
}"""

#: JS: every Plot's background fill colour.
_PLOT_BACKGROUNDS = """() => Array.from(Bokeh.documents[0].all_models)
  .filter((m) => m.background_fill_color !== undefined && m.renderers !== undefined &&
                 m.x_range !== undefined)
  .map((m) => m.background_fill_color)"""

#: JS: each visible text element in the page (through shadow roots), with its colour
#: and the first opaque background behind it; its contrast ratio (WCAG 2.1).
#: The colours of the plots' toolbar icons (Bokeh draws each as a mask filled with its
#: background colour).
_TOOL_ICON_COLORS = """() => {
  const out = [];
  const visit = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) visit(el.shadowRoot);
      if (/bk-tool-icon-/.test(String(el.className)))
        out.push(getComputedStyle(el).backgroundColor);
    }
  };
  visit(document);
  return out;
}"""
_CONTRASTS = """() => {
  // rgb(r, g, b[, a]) in 0–255, or color(srgb r g b[ / a]) in 0–1 (what color-mix gives)
  const parse = (c) => { const m = c.match(/[\\d.]+/g); if (!m) return null;
    const unit = c.startsWith('color(') ? 255 : 1;
    return {rgb: m.slice(0, 3).map((v) => Number(v) * unit),
            a: m.length > 3 ? Number(m[3]) : 1}; };
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const up = (el) => el.parentElement || (el.getRootNode() && el.getRootNode().host) || null;
  const behind = (el) => {
    for (let e = el; e; e = up(e)) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0.5) return c.rgb;
    }
    return [255, 255, 255];  // nothing painted behind it: the browser's white
  };
  const out = [];
  const visit = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) visit(el.shadowRoot);
      const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!own || ['SCRIPT', 'STYLE', 'OPTION'].includes(el.tagName)) continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0 || box.bottom < 0 || box.top > innerHeight ||
          !el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
      if (el.closest('.katex-mathml')) continue;  // KaTeX's hidden MathML copy
      const style = getComputedStyle(el);
      const fg = parse(style.color); const bg = behind(el);
      const [a, b] = [lum(fg.rgb), lum(bg)].sort((x, y) => y - x);
      out.push({text: el.textContent.trim().slice(0, 40), cls: el.className && String(el.className),
                color: style.color, ratio: (a + 0.05) / (b + 0.05)});
    }
  };
  visit(document);
  return out;
}"""




def px(locator) -> float:
    return float(locator.evaluate("e => getComputedStyle(e).fontSize")[:-2])


def line_widths(page) -> list[float]:
    return sorted(page.evaluate(_LINE_WIDTHS) or [])


def luminance(css: str) -> float:
    """WCAG relative luminance of a ``#rrggbb`` or ``rgb(...)`` colour."""
    if css.startswith("#"):
        rgb = [int(css[i:i + 2], 16) for i in (1, 3, 5)]
    else:
        rgb = [float(v) for v in css[css.index("(") + 1:css.index(")")].split(",")[:3]]
    lin = [(c / 255) / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4
           for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def open_mlp(new_page, url):
    page = open_page(new_page, url)
    page.locator(".pg-epoch").wait_for(state="visible", timeout=60_000)
    page.locator(".pg-show-val").wait_for(state="visible", timeout=60_000)
    page.locator(".pg-toggle-sidebar").wait_for(state="visible", timeout=60_000)
    return page


def open_optimizers(new_page, url):
    page = open_page(new_page, url)
    page.locator(".pg-readout table").wait_for(state="attached", timeout=60_000)
    page.locator(".pg-readout").scroll_into_view_if_needed()
    return page


def open_biasvariance(new_page, url):
    page = open_page(new_page, url)
    page.locator(".pg-bv-family-note").wait_for(state="visible", timeout=120_000)
    page.locator(".pg-bv-seed").wait_for(state="visible", timeout=60_000)
    return page


#: JS: each drawn number box's arrows (through shadow roots): the colour of the arrow
#: (its ::before's border) and its contrast ratio against the box's background.
_ARROWS = """() => {
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const up = (el) => el.parentElement || (el.getRootNode() && el.getRootNode().host) || null;
  const behind = (el) => {
    for (let e = el; e; e = up(e)) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) return c;
    }
    return parse(getComputedStyle(document.body).backgroundColor);
  };
  const out = [];
  const visit = (root) => { for (const el of root.querySelectorAll('*')) {
    if (el.shadowRoot) visit(el.shadowRoot);
    if (!el.classList.contains('bk-spin-btn')) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const before = getComputedStyle(el, '::before');
    const color = el.classList.contains('bk-spin-btn-up') ? before.borderBottomColor
                                                          : before.borderTopColor;
    const [a, b] = [lum(parse(color)), lum(behind(el))].sort((x, y) => y - x);
    out.push({color, ratio: (a + 0.05) / (b + 0.05)});
  } };
  visit(document);
  return out;
}"""


def test_lecture_mode_in_the_mlp_lab(new_page, server_url):
    plain = open_mlp(new_page, f"{server_url}?lab=mlp")
    wait_until(plain, lambda: line_widths(plain), 30, "the loss curves")
    thin = line_widths(plain)
    page = open_mlp(new_page, f"{server_url}?lab=mlp&present=1")
    for cls in ("pg-epoch", "pg-train-loss", "pg-val-loss"):
        assert px(page.locator(f".{cls}")) >= 28, cls
    label = page.locator(".pg-epoch").evaluate_handle("e => e.parentElement.firstElementChild")
    assert float(label.evaluate("e => getComputedStyle(e).fontSize")[:-2]) >= 20
    assert px(page.get_by_text(tr("mlp.show_val"), exact=True).first) >= 20
    # Its check box grows with it (it stayed the browser's 13 px).
    box = page.locator(".pg-main input[type=checkbox]").first.bounding_box()
    assert box["width"] >= 17 and box["height"] >= 17, box
    assert plain.locator(".pg-main input[type=checkbox]").first.bounding_box()["width"] < 15
    wait_until(page, lambda: max(line_widths(page)) >= 2 * max(thin), 30, "thick lines")

    # Lecture mode starts with the controls folded away (at 1280 px the readout and the
    # legends need the width); the header's toggle shows them, and hides them again.
    sidebar = page.locator(".pg-sidebar")
    assert not sidebar.is_visible()
    assert page.locator(".pg-val-loss").evaluate("e => e.getBoundingClientRect().right") <= 1280
    page.locator(".pg-toggle-sidebar button").click()
    wait_until(page, sidebar.is_visible, 10, "the sidebar shown")
    page.locator(".pg-toggle-sidebar button").click()
    wait_until(page, lambda: not sidebar.is_visible(), 10, "the sidebar hidden")
    # The weight editor grows with its text: its hint and the value box's label keep to
    # one line each (at plain mode's 300 px they wrapped every few words).
    for text in (tr("mlp.net.hint"), tr("mlp.net.value")):
        line = page.get_by_text(text, exact=True).first
        line.scroll_into_view_if_needed()
        size = px(line)
        assert size >= 20 and line.bounding_box()["height"] < 1.6 * size, text
    # On a 720-px projector the heat map beside both charts is taller than the page's
    # column: every layout around the accuracy chart still holds it (Bokeh's
    # ``max-height: 100%`` had cut them at the column's height, and the reading and the
    # network were drawn over the chart).
    page.set_viewport_size({"width": 1280, "height": 720})
    wait_until(page, lambda: page.evaluate(CHART_HELD, tr("mlp.plot.accuracy")) == [], 10,
               "the accuracy chart inside every layout around it")
    assert page.errors == []


#: The layouts around the plot titled so whose bottom is above the plot's (type, px).
CHART_HELD = """(title) => {
    const fig = Array.from(Bokeh.documents[0].all_models).find(
        (m) => m.title != null && m.title.text === title);
    let view = Bokeh.index.find_one(fig);
    const bottom = view.el.getBoundingClientRect().bottom, short = [];
    for (let v = view.parent; v != null && v.parent != null; v = v.parent) {
        const css = v.el.classList;
        if ([...css].includes('pg-main')) break;  // the page's scrolling column
        const b = v.el.getBoundingClientRect().bottom;
        if (b < bottom - 1) short.push([v.model.type, Math.round(bottom - b)]);
    }
    return short;
}"""


#: The state table's pairs (how many) and those whose two numbers lie on different
#: lines (their texts).
PAIRS_ON_ONE_LINE = """() => {
    const bad = [];
    let pairs = 0;
    const walk = (node) => {
        for (const el of node.querySelectorAll('*')) {
            if (el.shadowRoot) walk(el.shadowRoot);
            if (el.tagName !== 'TD') continue;
            const spans = el.querySelectorAll("span[style*='nowrap']");
            if (spans.length !== 2) continue;
            pairs += 1;
            if (Math.abs(spans[0].getBoundingClientRect().top -
                         spans[1].getBoundingClientRect().top) > 2)
                bad.push(el.innerText);
        }
    };
    walk(document);
    return {broken: bad, pairs: pairs};
}"""


def test_lecture_mode_in_the_optimizer_lab(new_page, server_url):
    plain = open_optimizers(new_page, f"{server_url}?lab=optimizers")
    thin = line_widths(plain)
    # The headline (lecture mode only): the step and each optimizer's loss, ≥ 28 px, in
    # the first screen.
    assert not plain.locator(".pg-step-now").is_visible()
    page = open_optimizers(new_page, f"{server_url}?lab=optimizers&present=1")
    page.evaluate("() => window.scrollTo(0, 0)")
    step, losses = page.locator(".pg-step-now"), page.locator(".pg-loss-now")
    assert step.inner_text() == "100" and losses.count() == 3
    # The step once, large: the player's own small "step t: 100" goes (it stays outside).
    assert not page.locator(".pg-player .pn-player-title").is_visible()
    assert plain.locator(".pg-player .pn-player-title").inner_text().replace(" ", "") == \
        "stept:100"
    for number in (step, losses.first, losses.last):
        assert px(number) >= 28
        assert number.evaluate("e => e.getBoundingClientRect().bottom") <= 720
    # The same numbers as the legend's, written alike (0.0003848, not 3.85e-4).
    legend = page.evaluate("""() => Array.from(Bokeh.documents[0].all_models)
      .filter((m) => m.constructor.__name__ === 'LegendItem').map((m) => m.label.value)""")
    for loss in losses.all_inner_texts():
        assert any(label.endswith(f"L = {loss}") for label in legend), (loss, legend)
    # Beside the player, three optimizers' losses and all: the speed goes to the
    # sidebar's Run section (under the player, the headline took 80 px of the surface).
    player, here = page.locator(".pg-player").bounding_box(), step.bounding_box()
    assert here["x"] >= player["x"] + player["width"], (player, here)
    assert here["y"] < player["y"] + player["height"], (player, here)
    assert not page.get_by_text(tr("speed"), exact=True).first.is_visible()
    cell = page.locator(".pg-readout td").first
    assert px(cell) >= 20  # the step's losses and gradients: at least lecture text's size
    page.get_by_role("button", name=tr("app.sidebar"), exact=True).click()
    speed = page.get_by_text(tr("speed"), exact=True).first
    speed.wait_for(state="visible")
    assert px(speed) >= 20
    page.get_by_role("button", name=tr("app.sidebar"), exact=True).click()
    # The player's buttons and their icons, large enough to hit and to see from the
    # back of the hall (Panel draws 12-px icons).
    for button in (page.locator(".pg-player button.play"), page.locator(".pg-player button.last")):
        box = button.bounding_box()
        icon = button.locator("svg").bounding_box()
        assert box["height"] >= 32 and icon["width"] >= 20 and icon["height"] >= 20, (box, icon)
    assert plain.locator(".pg-player button.play svg").bounding_box()["width"] < 16
    wait_until(page, lambda: max(line_widths(page)) >= 2 * max(thin), 30, "thick lines")
    # On a projector's 1920 × 1080 every pair in the state table keeps to one line (its
    # headings wrap instead: at their whole width they left the pairs no room).
    page.set_viewport_size({"width": 1920, "height": 1080})
    wait_until(page, lambda: page.evaluate(PAIRS_ON_ONE_LINE)["broken"] == [], 10,
               "pairs on one line")
    assert page.evaluate(PAIRS_ON_ONE_LINE)["pairs"] >= 8  # θ, g, v and α of 3 runs, less
    assert px(cell) >= 28  # there, as large as the numbers a hall watches
    # On a 1280 × 720 projector too, in type as large as lecture mode's text (at 30 px
    # every pair broke over two lines).
    page.set_viewport_size({"width": 1280, "height": 720})
    wait_until(page, lambda: page.evaluate(PAIRS_ON_ONE_LINE)["broken"] == [], 10,
               "pairs on one line at 1280 px")
    assert px(cell) >= 20
    page.set_viewport_size({"width": 1400, "height": 1000})
    # With the controls shown: the values in selects and number boxes at ≥ 20 px, and
    # every toolbar beside its plot (above it, lecture mode's titles ran under it).
    page.locator(".pg-toggle-sidebar button").click()
    wait_until(page, page.locator(".pg-sidebar").is_visible, 10, "the sidebar shown")
    for box in (page.locator(".pg-sidebar select").first,
                page.locator(".pg-sidebar input[type=text]").first):
        assert px(box) >= 20
    assert px(plain.locator(".pg-sidebar select").first) < 20  # as the browser draws them
    toolbars = page.evaluate("""() => Array.from(Bokeh.documents[0].all_models)
      .filter((m) => m.toolbar_location !== undefined && m.renderers !== undefined)
      .map((m) => m.toolbar_location)""")
    assert toolbars and set(toolbars) <= {"right", None}, toolbars
    assert page.errors == []


#: JS: the surface plot's title, its widest line's width in its font and its frame's
#: width.
_SURFACE_TITLE = """() => {
  const view = Bokeh.index.query_one((v) => v.model != null && v.model.name === 'pg-surface-plot');
  const title = view.model.title, size = title.text_font_size;
  const context = document.createElement('canvas').getContext('2d');
  context.font = [title.text_font_style, size.value ?? size, title.text_font].join(' ');
  return {text: title.text, frame: view.frame.bbox.width,
          width: Math.max(...title.text.split('\\n').map((l) => context.measureText(l).width))};
}"""


def test_lecture_mode_with_the_controls_keeps_the_surfaces_title_whole(new_page, server_url):
    """At 1280 × 720 with the controls open the surface is ~460 px wide: its title's
    "· arrows ×100" ran past the frame ("×10" shown).  Its short words then, and the
    whole title again once the controls close."""
    page = open_optimizers(new_page, f"{server_url}?lab=optimizers&present=1")
    words = tr("plot.arrows_longer").split("{")[0]  # "arrows ×"
    whole = tr("plot.surface") + " · " + words
    wait_until(page, lambda: page.evaluate(_SURFACE_TITLE)["text"].startswith(whole), 30,
               "the whole title with the arrows' zoom")
    page.locator(".pg-toggle-sidebar button").click()
    wait_until(page, page.locator(".pg-sidebar").is_visible, 10, "the sidebar shown")
    short = tr("plot.surface.short") + " · " + words
    wait_until(page, lambda: page.evaluate(_SURFACE_TITLE)["text"].startswith(short), 15,
               "the short title")
    title = page.evaluate(_SURFACE_TITLE)
    assert title["width"] <= title["frame"], title
    assert title["width"] > 0.5 * title["frame"]  # (measured in its lecture font)
    page.locator(".pg-toggle-sidebar button").click()
    wait_until(page, lambda: page.evaluate(_SURFACE_TITLE)["text"].startswith(whole), 15,
               "the whole title again")
    assert page.errors == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_lecture_modes_headline_keeps_six_losses_on_one_row(new_page, server_url, lang):
    """Six optimizers at 1280 × 720: the sixth loss went to a second row (the surface
    lost 75 px; in Chinese "损失 L（Nesterov 动量法）" took more); five or six are drawn at
    0.8 of the size, still ≥ 22 px, their names wrapping above numbers on one line."""
    page = open_optimizers(new_page, f"{server_url}?lab=optimizers&present=1&lang={lang}"
                           f"&optimizers={ALL_SIX}")
    losses = page.locator(".pg-loss-now")
    wait_until(page, lambda: losses.count() == 6, 20, "six losses")
    bottoms = {round(box["y"] + box["height"])
               for box in (losses.nth(i).bounding_box() for i in range(6))}
    assert len(bottoms) == 1, bottoms
    assert min(px(losses.nth(i)) for i in range(6)) >= 22
    assert page.errors == []


def test_lecture_mode_keeps_a_typed_formulas_text_apart_and_its_error_in_view(new_page,
                                                                                server_url):
    """Lecture mode with the controls open, a typed surface: its description (taller than
    the window) was held to the sidebar's height and the formula drawn over its last
    line; a refused formula's message fell below the window (Enter seemed to do
    nothing), and "Compiling the formula…" was 13-px grey."""
    page = open_optimizers(new_page, f"{server_url}?lab=optimizers&surface=custom&present=1")
    page.locator(".pg-toggle-sidebar button").click()
    wait_until(page, page.locator(".pg-sidebar").is_visible, 10, "the sidebar shown")
    formula = page.locator(".pg-surface-formula")
    text_end = formula.evaluate("""e => { const prev = e.previousElementSibling;
      const inner = prev.shadowRoot ? prev.shadowRoot.lastElementChild : prev;
      return Math.max(prev.getBoundingClientRect().bottom,
                      inner.getBoundingClientRect().bottom); }""")
    assert text_end <= formula.bounding_box()["y"] + 1, (text_end, formula.bounding_box())
    box = page.locator(".pg-sidebar input[type=text]").first
    box.evaluate("e => e.scrollIntoView({block: 'end'})")  # the box at the window's foot
    box.fill("x**")
    box.press("Enter")
    error = page.locator(".pg-expression-error")
    error.wait_for(state="visible", timeout=20_000)
    wait_until(page, lambda: error.bounding_box()["y"] + error.bounding_box()["height"]
               <= 720 + 1, 10, "the error scrolled into view")
    assert px(error) >= 20  # lecture mode's text size
    assert page.errors == []


#: JS: the page box of plot ``a`` (an export tag's name, ``ui.export.tag_figure``) and
#: of its Download menu: [plot top, plot bottom, menu top, the plot's frame's bottom].
_PLOT_AND_MENU = """(name) => {
  const plot = Bokeh.index.query_one((v) => v.model != null && Array.isArray(v.model.tags)
                                      && v.model.tags.includes('pg-export:' + name));
  const menu = Bokeh.index.query_one((v) => v.model != null
                                      && v.model.name === 'pg-download-' + name);
  const p = plot.el.getBoundingClientRect(), m = menu.el.getBoundingClientRect();
  return [p.top + scrollY, p.bottom + scrollY, m.top + scrollY,
          p.top + scrollY + plot.frame.bbox.bottom];
}"""


@pytest.mark.parametrize("lesson", ["momentum_ravine", "overfitting"])
def test_lecture_mode_puts_each_download_menu_below_its_plot(new_page, server_url, lesson):
    """Lecture mode with a lesson on a 1280 × 720 projector: the menus under the plots
    (above, with the lesson's caption, they pushed the surface's bottom third under the
    fold); the optimizer lab's whole surface in the first screen.  Plain mode: above."""
    name = "surface" if lesson == "momentum_ravine" else "boundary"
    found = {}
    for query in ("", "&present=1"):
        page = new_page()
        page.set_viewport_size({"width": 1280, "height": 720})
        page.goto(f"{server_url}?lesson={lesson}{query}")
        page.locator(".pg-download").first.wait_for(state="visible", timeout=120_000)
        page.wait_for_timeout(1500)  # the browser's layout
        found[query] = page.evaluate(_PLOT_AND_MENU, name)
        # Its list opens upwards in lecture mode (at a screen's bottom it opened below
        # the screen), downwards in plain mode.
        button = page.locator(".pg-download:visible").first.locator("button").first  # (its)
        button.click()
        menu = page.locator(".bk-Menu").first
        menu.wait_for(state="visible", timeout=10_000)
        opened, under = menu.bounding_box(), button.bounding_box()
        if query:
            assert opened["y"] + opened["height"] <= under["y"] + 1, (opened, under)
        else:
            assert opened["y"] >= under["y"] + under["height"] - 1, (opened, under)
        assert page.errors == []
    top, bottom, menu, frame = found["&present=1"]
    assert menu >= bottom - 1, found
    assert found[""][2] < found[""][0], found  # plain mode: the menu above its plot
    if name == "surface":  # (its frame: the contours, from y = 4 to y = −4)
        assert frame <= 720, found


#: Each plot fitted to the window: its frame's and its box's bottom, less its legends
#: below (page px), and its frame's height and width.
_FITTED = """() => {
  const out = [];
  for (const v of Bokeh.index.query((v) => v.model != null && v.frame != null &&
       Array.isArray(v.model.tags) && v.model.tags.includes('pg-fit-window'))) {
    const box = v.el.getBoundingClientRect();
    if (box.width === 0) continue;
    let legends = 0;
    for (const m of v.model.below) {
      const legend = m != null && m.type === 'Legend' ? Bokeh.index.find_one(m) : null;
      if (legend != null) legends += legend.bbox.height;
    }
    out.push({frame_bottom: box.top + scrollY + v.frame.bbox.bottom,
              axes_bottom: box.bottom + scrollY - legends,
              frame_h: v.frame.bbox.height, frame_w: v.frame.bbox.width});
  }
  return out;
}"""


@pytest.mark.parametrize("query", ["lesson=momentum_ravine&lesson_step=5",
                                   "lesson=overfitting&lesson_step=3",
                                   "lesson=overfitting&lesson_step=3&lang=zh",
                                   "lesson=overfitting&lesson_step=7"])
def test_a_lessons_pictures_fit_a_1280_by_720_projector_in_lecture_mode(new_page, server_url,
                                                                         query):
    """Lecture mode under a lesson's caption of four to six lines (a new user's review):
    the optimizer lab's contours with three optimizers' numbers above them, the MLP heat
    map, the bias–variance charts ran under the fold.  Each picture's frame and axes now
    end in the window (its legend below may not), its frame still a picture (≥ 160 px)."""
    page = new_page()
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{server_url}?{query}&present=1")
    page.locator(".pg-download").first.wait_for(state="visible", timeout=120_000)
    wait_until(page, lambda: (found := page.evaluate(_FITTED)) and all(
        p["axes_bottom"] <= 720 for p in found), 30, "the pictures fitted to the window")
    page.wait_for_timeout(2000)  # (and they stay so: the page's periodic restyle)
    found = page.evaluate(_FITTED)
    assert len(found) == 2, found
    for p in found:
        assert p["frame_bottom"] <= 720 and p["axes_bottom"] <= 720, found
        assert p["frame_h"] >= 160 and p["frame_w"] >= 160, found
    assert page.errors == []


@pytest.mark.parametrize("lab", ["mlp", "optimizers", "biasvariance"])
def test_the_dark_theme_is_readable_everywhere(new_page, server_url, lab):
    opener = {"mlp": open_mlp, "optimizers": open_optimizers,
              "biasvariance": open_biasvariance}[lab]
    page = opener(new_page, f"{server_url}?lab={lab}&theme=dark")
    page.evaluate("() => document.querySelector('body').scrollIntoView()")
    assert luminance(page.evaluate("getComputedStyle(document.body).backgroundColor")) < 0.05
    # The page below the first screen too (the root's own background, not Chromium's
    # dark #121212 beside the body's #15181c).
    assert page.evaluate("getComputedStyle(document.documentElement).backgroundColor") == (
        page.evaluate("getComputedStyle(document.body).backgroundColor"))
    wait_until(page, lambda: all(luminance(c) < 0.05 for c in page.evaluate(_PLOT_BACKGROUNDS)),
               30, "dark plots")
    # The plots' tool icons light on the dark plots (Bokeh's #747679 was dark on dark).
    icons = page.evaluate(_TOOL_ICON_COLORS)  # (the MLP lab's plots have no toolbar)
    assert (icons or lab == "mlp") and all(luminance(c) >= 0.4 for c in icons), icons
    samples = page.evaluate(_CONTRASTS)
    texts = " ".join(s["text"] for s in samples)
    if lab == "mlp":
        assert tr("mlp.epoch") in texts  # the readout is among the samples
    elif lab == "biasvariance":
        note = tr("bv.family.poly.note")[:20]
        wait_until(page, lambda: note in " ".join(s["text"] for s in page.evaluate(_CONTRASTS)),
                   30, "the family's description")
        samples = page.evaluate(_CONTRASTS)  # the family's description among them
        # The seed box's arrows (drawn once a second's walk has reached them).
        wait_until(page, lambda: (arrows := page.evaluate(_ARROWS)) and
                   min(a["ratio"] for a in arrows) >= 4.5, 10, "visible arrows")
    else:
        assert tr("optimizer.sgd") in texts  # its formula card's header
        # The step's readout and the formula cards below the pictures.
        page.locator(".pg-readout table").scroll_into_view_if_needed()
        samples += page.evaluate(_CONTRASTS)
        title = tr("readout.title").split("{")[0].strip()
        assert any(s["text"].startswith(title) for s in samples)
        page.get_by_text(tr("formulas")).first.scroll_into_view_if_needed()
        samples += page.evaluate(_CONTRASTS)
    assert len(samples) >= 15
    poor = [s for s in samples if s["ratio"] < 4.5]
    assert poor == [], poor
    assert page.errors == []


ALL_SIX = "sgd,momentum,nesterov,adagrad,rmsprop,adam"


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_in_an_optimizers_colour_reads_at_4_5_to_1(new_page, server_url, theme):
    """Each optimizer's name and numbers in its colour: SGD's orange was 2.3:1 on white
    (Nesterov's sky blue 2.3:1)."""
    page = open_optimizers(new_page, f"{server_url}?optimizers={ALL_SIX}&theme={theme}")
    samples = page.evaluate(_CONTRASTS)
    page.locator(".pg-readout table").scroll_into_view_if_needed()
    samples += page.evaluate(_CONTRASTS)
    page.get_by_text(tr("formulas")).first.scroll_into_view_if_needed()
    samples += page.evaluate(_CONTRASTS)
    mlp = open_mlp(new_page, f"{server_url}?lab=mlp&race=sgd,nesterov,adagrad,adam&theme={theme}")
    wait_until(mlp, lambda: tr("optimizer.nesterov") in " ".join(
        s["text"] for s in mlp.evaluate(_CONTRASTS)), 60, "the race's readout")
    samples += mlp.evaluate(_CONTRASTS)
    coloured = [s for s in samples if s["color"].startswith("color(")]  # color-mix's
    for name in ALL_SIX.split(","):  # each one's name in its colour, among them
        assert any(s["text"].startswith(tr(f"optimizer.{name}")) for s in coloured), name
    poor = [s for s in samples if s["ratio"] < 4.5]
    assert poor == [], poor


def test_the_link_keeps_theme_and_lecture_mode(new_page, server_url):
    page = open_mlp(new_page, f"{server_url}?lab=mlp")
    page.locator(".pg-toggle-present button").click()
    wait_until(page, lambda: "present=1" in page.url, 15, "present=1 in the link")
    assert px(page.locator(".pg-epoch")) >= 28
    page.locator(".pg-toggle-dark button").click()  # another theme: the page reloads
    wait_until(page, lambda: "theme=dark" in page.url, 30, "theme=dark in the link")
    page.locator(".pg-epoch").wait_for(state="visible", timeout=60_000)
    page.locator(".pg-show-val").wait_for(state="visible", timeout=60_000)
    page.wait_for_timeout(1500)  # the lab has rewritten its link by now
    assert "theme=dark" in page.url and "present=1" in page.url and "lab=mlp" in page.url
    assert px(page.locator(".pg-epoch")) >= 28
    assert luminance(page.evaluate("getComputedStyle(document.body).backgroundColor")) < 0.05
    # The page below the first screen too (the root's own background, not Chromium's
    # dark #121212 beside the body's #15181c).
    assert page.evaluate("getComputedStyle(document.documentElement).backgroundColor") == (
        page.evaluate("getComputedStyle(document.body).backgroundColor"))


#: JS: every visible plot's titles: the width a title needs (from the frame's left
#: edge, measured in its own font) and the plot's width.
_TITLES = r"""() => {
  const ctx = document.createElement('canvas').getContext('2d');
  const v_ = (p) => typeof p === 'string' ? p : (p && p.value) || 'normal';
  const out = [];
  for (const m of Bokeh.documents[0].all_models) {
    if ((m.type !== 'Figure' && m.type !== 'Plot') || !m.visible) continue;
    const v = Bokeh.index.find_one(m);
    if (v == null) continue;
    const r = v.el.getBoundingClientRect();
    if (r.width === 0) continue;
    for (const t of [m.title, ...m.above].filter((t) => t && t.type === 'Title' && t.text)) {
      ctx.font = v_(t.text_font_style) + ' ' + v_(t.text_font_size) + ' ' + v_(t.text_font);
      out.push({text: t.text, need: v.frame.bbox.left + ctx.measureText(t.text).width,
                width: r.width, right: r.right, frame_right: v.frame.bbox.right});
    }
  }
  return out;
}"""


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_lecture_mode_with_a_race_of_four(new_page, server_url, lang):
    page = open_mlp(new_page, f"{server_url}?lab=mlp&present=1&lang={lang}&dataset=xor"
                              "&layers=4&race=sgd,momentum,adam,rmsprop&epoch=20")
    wait_until(page, lambda: page.locator(".pg-epoch").inner_text().strip() == "20", 120,
               "epoch 20")
    page.locator(".pg-race-table td").first.wait_for(state="attached", timeout=30_000)
    titles = page.evaluate(_TITLES)
    shown = {t["text"] for t in titles}
    for key in ("mlp.plot.loss", "mlp.plot.accuracy", "mlp.plot.race_lines"):
        assert tr(key, lang) in shown, key
    for t in titles:  # whole, inside its plot and inside the window
        assert t["need"] <= t["width"] and t["right"] <= 1280, t
    # The four heat maps share the row's width (each ≥ 250 px, not Panel's 215), side
    # by side, inside the window.
    maps = page.locator(".pg-race-map")
    assert maps.count() == 4
    boxes = [maps.nth(i).bounding_box() for i in range(4)]
    assert all(b["width"] >= 250 for b in boxes), boxes
    assert len({round(b["y"]) for b in boxes}) == 1 and boxes[-1]["x"] + boxes[-1]["width"] <= 1280
    # The headline's losses say whose they are: the first racer's, SGD.
    whose = page.locator(".pg-readout-whose")
    assert whose.count() == 2
    assert {whose.nth(i).inner_text().strip() for i in range(2)} == {"SGD"}
    assert tr("mlp.readout.whose", lang, what=tr("mlp.train_loss", lang), optimizer="SGD") in (
        page.locator(".pg-train-loss").evaluate("e => e.parentElement.innerText"))
    first_row = page.locator(".pg-race-table tr").nth(1).locator("td")
    assert first_row.nth(0).inner_text().strip() == "SGD"
    assert first_row.nth(1).inner_text().strip() == (
        page.locator(".pg-train-loss").inner_text().strip())
    for cls in ("pg-train-loss", "pg-val-loss"):
        assert px(page.locator(f".{cls}")) >= 28, cls
        assert page.locator(f".{cls}").evaluate(
            "e => e.parentElement.getBoundingClientRect().right") <= 1280
    assert page.errors == []


def test_a_race_of_two_in_lecture_mode_shows_its_maps_side_by_side(new_page, server_url):
    """Two racers' maps sit next to each other (each slot no wider than its map), not
    each alone at the left of half the row with a third of the window empty between."""
    page = open_mlp(new_page, f"{server_url}?lab=mlp&present=1&race=sgd,adam")
    maps = page.locator(".pg-race-map")
    wait_until(page, lambda: maps.count() == 4 and maps.nth(1).bounding_box() is not None,
               60, "the race maps")
    first, second = maps.nth(0).bounding_box(), maps.nth(1).bounding_box()
    assert first["width"] >= 250 and abs(second["y"] - first["y"]) < 1, (first, second)
    assert 0 <= second["x"] - (first["x"] + first["width"]) <= 20, (first, second)
    assert page.errors == []


#: JS: every drawn legend entry (through shadow roots): its box, its label's right edge
#: and the right edge of the plot it is drawn in.
_LEGEND_ITEMS = """() => {
  const up = (el) => el.parentElement || (el.getRootNode() && el.getRootNode().host) || null;
  const out = [];
  const visit = (root) => { for (const el of root.querySelectorAll('*')) {
    if (el.shadowRoot) visit(el.shadowRoot);
    if (!el.classList.contains('bk-item')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const label = el.querySelector('.bk-label') || el;
    let plot = up(el);
    while (plot && !(plot.classList.contains('bk-Figure') || plot.classList.contains('bk-Plot')))
      plot = up(plot);
    out.push({text: el.textContent, left: r.left, right: r.right, top: r.top,
              bottom: r.bottom, label_right: label.getBoundingClientRect().right,
              plot_right: plot ? plot.getBoundingClientRect().right : innerWidth});
  } };
  visit(document);
  return out;
}"""

#: JS: the font size of every drawn element with its own text in the elements of a CSS
#: class (through shadow roots; KaTeX's MathML included: the browser draws it).
_FONT_SIZES = """(cls) => {
  const out = [];
  const inside = (root, on) => { for (const el of root.querySelectorAll('*')) {
    const mine = on || el.classList.contains(cls);
    if (el.shadowRoot) inside(el.shadowRoot, mine);
    if (!mine) continue;
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    const box = el.getBoundingClientRect();
    if (own && box.width > 2 && box.height > 2 && !['STYLE', 'SCRIPT'].includes(el.tagName))
      out.push([el.textContent.trim().slice(0, 30), parseFloat(getComputedStyle(el).fontSize)]);
  } };
  inside(document, false);
  return out;
}"""


def legends_readable(items: list[dict], width: int):
    """Every legend entry whole (its label inside it, inside its plot and the window),
    none touching another (≥ 6 px apart side by side)."""
    for item in items:
        assert item["label_right"] <= item["right"] + 0.5, item
        assert item["right"] <= min(item["plot_right"], width) + 0.5, item
    for i, a in enumerate(items):
        for b in items[i + 1:]:
            same_row = a["top"] < b["bottom"] and b["top"] < a["bottom"]
            if same_row:
                gap = max(b["left"] - a["right"], a["left"] - b["right"])
                assert gap >= 6, (a, b)


def open_biasvariance_at(new_page, url, width, height):
    page = new_page()
    page.set_viewport_size({"width": width, "height": height})
    page.goto(url)
    page.locator(".pg-bv-formula .katex").first.wait_for(state="attached", timeout=180_000)
    wait_until(page, lambda: len(page.evaluate(_LEGEND_ITEMS)) >= 11, 60, "both legends")
    page.wait_for_timeout(1000)  # the browser's layout
    return page


@pytest.mark.parametrize(("query", "width", "height", "controls"), [
    ("present=1", 1280, 720, False), ("present=1&lang=zh", 1280, 720, False),
    ("present=1&lang=zh", 1280, 720, True),
    ("family=features&embed=1&hide=family,noise", 820, 560, False),
], ids=["lecture", "lecture-zh", "lecture-zh-controls-open", "embedded-820"])
def test_the_biasvariance_titles_legends_and_text_fit(new_page, server_url, query, width,
                                                        height, controls):
    page = open_biasvariance_at(new_page, f"{server_url}?lab=biasvariance&{query}", width,
                                height)
    if controls:  # the plots narrower beside them (a reviewer saw a legend cut off)
        page.locator(".pg-toggle-sidebar button").click()
        wait_until(page, page.locator(".pg-sidebar").is_visible, 10, "the controls shown")
        page.wait_for_timeout(1000)  # the browser's layout
    lang = "zh" if "lang=zh" in query else "en"
    titles = page.evaluate(_TITLES)
    shown = {t["text"] for t in titles}
    assert {tr("bv.fits.title", lang), tr("bv.curves.title", lang)} <= shown, shown
    for t in titles:  # whole, inside the plot's frame (clear of its toolbar), in the window
        assert t["need"] <= t["frame_right"] and t["right"] <= width, t
    legends_readable(page.evaluate(_LEGEND_ITEMS), width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if "present=1" in query:  # lecture mode's text sizes, the names under the braces too
        for cls in ("pg-bv-reading", "pg-bv-formula"):
            sizes = page.evaluate(_FONT_SIZES, cls)
            assert len(sizes) >= (1 if cls == "pg-bv-reading" else 5), (cls, sizes)
            small = [s for s in sizes if s[1] < 20]
            assert small == [], (cls, small)
    assert page.errors == []


#: JS: every drawn button below the header (through shadow roots): its kind, text and
#: colours.
_PAGE_BUTTONS = """() => {
  const out = [];
  const visit = (node, header, inPlayer) => { for (const el of node.children) {
    const inside = header || el.classList.contains('pg-header');
    const within = inPlayer || el.classList.contains('pg-player');
    const player = el.tagName === 'BUTTON' && within;  // the step player's icon buttons
    if (el.tagName === 'BUTTON' && (el.classList.contains('bk-btn') || player) && !inside) {
      const box = el.getBoundingClientRect(); const s = getComputedStyle(el);
      if (box.width > 0 && box.height > 0)
        out.push({cls: player ? 'pg-player-button' : el.className,
                  text: el.textContent.trim() || el.getAttribute('aria-label') || '',
                  bg: s.backgroundColor,
                  color: s.color});
    }
    if (el.shadowRoot) visit(el.shadowRoot, inside, within);
    visit(el, inside, within);
  } };
  visit(document, false, false);
  return out;
}"""


@pytest.mark.parametrize("lab,theme", [("mlp", "light"), ("mlp", "dark"),
                                       ("optimizers", "light")])
def test_the_buttons_below_the_header_are_drawn_in_the_theme(new_page, server_url, lab, theme):
    opener = {"mlp": open_mlp, "optimizers": open_optimizers}[lab]
    lesson = {"mlp": "overfitting", "optimizers": "momentum_ravine"}[lab]
    page = opener(new_page, f"{server_url}?lab={lab}&theme={theme}&lesson={lesson}")
    page.locator(".pg-lesson-close").wait_for(state="visible", timeout=60_000)
    page.locator(".pg-lesson-card").get_by_text(tr("lesson.panel")).click()  # its buttons
    page.locator(".pg-lesson-open-saddle_escape").wait_for(state="visible", timeout=30_000)
    page.locator(".pg-download").first.wait_for(state="visible", timeout=30_000)
    buttons = page.evaluate(_PAGE_BUTTONS)
    names = {b["text"] for b in buttons}
    assert {tr("lesson.close"), tr("lesson.next"), tr("export.download")} <= names, names
    assert not [b for b in buttons if "bk-btn-light" in b["cls"]]
    plain = [b for b in buttons if "bk-btn-default" in b["cls"] or b["cls"] == "pg-player-button"]
    if lab == "optimizers":  # its step player's buttons, as the others
        assert sum(b["cls"] == "pg-player-button" for b in buttons) >= 7
    assert len(plain) >= 5
    looks = {(b["bg"], b["color"]) for b in plain}  # one look, the player's Step's too
    assert len(looks) == 1, plain
    (fill, _ink), = looks
    # Seen: their fill stands apart from the page's background, dark in the dark theme.
    body = page.evaluate("getComputedStyle(document.body).backgroundColor")
    ratio = ((max(luminance(fill), luminance(body)) + 0.05)
             / (min(luminance(fill), luminance(body)) + 0.05))
    assert ratio > 1.08, (fill, body, ratio)  # a "light" button on the light page: 1.0
    assert (luminance(fill) < 0.1) == (theme == "dark")
    # A Download menu's list readable: in the dark theme it was white, its text the
    # theme's light ink (Bokeh's menu reads its own CSS variables, set for the theme).
    page.locator(".pg-download:visible").first.locator("button").first.click()
    item = page.locator(".bk-Menu .bk-item").first
    item.wait_for(state="visible", timeout=10_000)
    menu_bg = page.locator(".bk-Menu").first.evaluate("e => getComputedStyle(e).backgroundColor")
    text = item.evaluate("e => getComputedStyle(e).color")
    contrast = ((max(luminance(menu_bg), luminance(text)) + 0.05)
                / (min(luminance(menu_bg), luminance(text)) + 0.05))
    assert contrast >= 4.5, (menu_bg, text, contrast)
    assert (luminance(menu_bg) < 0.1) == (theme == "dark"), menu_bg
    assert page.errors == []


def test_lecture_mode_on_a_wide_screen_says_to_zoom_the_browser_once(browser, server_url):
    """At 1920 × 1080 and 100 % lecture mode drew everything at two thirds of its size
    with half the screen empty (an instructor's review): it says how to zoom, once per
    tab, and not where the window is already the size it is made for."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{server_url}?lab=optimizers&present=1&lang=zh")
        hint = page.locator(".pg-zoom-hint")
        hint.wait_for(state="visible", timeout=60_000)
        assert "150 %" in hint.inner_text() and "授课模式" in hint.inner_text()
        page.get_by_role("button", name=tr("present.zoom_hint.close", "zh")).click()
        assert hint.count() == 0
        page.reload()
        page.locator(".pg-player").wait_for(state="visible")
        page.wait_for_timeout(2500)  # (the hint is looked for every second)
        assert hint.count() == 0  # said once per tab
        plain = context.new_page()  # a new tab, not in lecture mode: no hint
        plain.goto(f"{server_url}?lab=optimizers")
        plain.locator(".pg-player").wait_for(state="visible")
        plain.wait_for_timeout(2500)
        assert plain.locator(".pg-zoom-hint").count() == 0
        plain.set_viewport_size({"width": 1280, "height": 720})  # zoomed: the size it is made for
        plain.goto(f"{server_url}?lab=optimizers&present=1")
        plain.locator(".pg-player").wait_for(state="visible")
        plain.wait_for_timeout(2500)
        assert plain.locator(".pg-zoom-hint").count() == 0
        plain.set_viewport_size({"width": 1920, "height": 1080})
        plain.locator(".pg-zoom-hint").wait_for(state="visible", timeout=10_000)
    finally:
        context.close()
