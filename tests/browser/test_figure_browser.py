"""Figures in a real browser: the Download menus above each plot (PNG 1×/2×/3×, SVG and
the whole view's figure, saved by the page's own JavaScript) and ``python -m playground
figure`` on both labs (PNG at scale 1 and 2, SVG; a bad link refused with status 2).

PNG files are checked for their pixel size and for not being blank (several distinct
colours), with Pillow; SVG files are parsed as XML.
"""

from __future__ import annotations

import io
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from playground import figure
from playground.text import TEXT

ROOT = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"
LINKS = {  # the link, and each plot's name and title
    "optimizers": ("lab=optimizers&surface=rosenbrock&optimizers=sgd,adam",
                   {"surface": "plot.surface", "loss": "plot.loss"}),
    # (a network the Python tests compile: the server loads its programs)
    "mlp": ("lab=mlp&dataset=xor&layers=4",
            {"boundary": "mlp.plot.boundary", "loss": "mlp.plot.loss",
             "accuracy": "mlp.plot.accuracy", "network": "mlp.net.title"}),
}
SIZE = (1280, 720)


def _png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _colours(image: Image.Image) -> int:
    return len(image.convert("RGB").resize((200, 200)).getcolors(maxcolors=40_000))


def _texts(root) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def _titled(texts: list[str], title: str) -> int:
    """How many of ``texts`` are ``title``, or it with what follows (the surface's
    "· arrows ×100")."""
    return sum(t == title or t.startswith(title + " · ") for t in texts)


def _invisible_texts(root) -> list[str]:
    """The ``<text>`` elements with neither a fill nor a visible stroke."""
    return [t.text or "" for t in root.iter(f"{SVG}text")
            if t.get("fill") in (None, "none") and (t.get("stroke") in (None, "none")
                                                    or t.get("stroke-opacity") == "0")]


def _filled(image: Image.Image) -> tuple[float, float]:
    """The share of the width and of the height that the non-white pixels span."""
    box = Image.eval(image.convert("L"), lambda v: 255 if v < 245 else 0).getbbox()
    return (box[2] - box[0]) / image.width, (box[3] - box[1]) / image.height


def _open(page, url, query):
    page.goto(f"{url}?{query}")
    page.wait_for_selector(".pg-download", timeout=60_000)
    page.wait_for_timeout(1500)  # the optimizer lab's player moves to its last step


def _download(page, menu: int, label: str):
    """Open the page's ``menu``-th Download menu and pick ``label``; the download."""
    page.locator(".pg-download:visible").nth(menu).locator("button").first.click()
    with page.expect_download() as info:
        page.get_by_text(label, exact=True).locator("visible=true").first.click()
    return info.value


def slide_page(new_page, url: str, size: tuple[int, int] | None = None):
    """A page at a slide's size (the ``figure`` command's default), opened at ``url``
    and drawn."""
    from playground.figure import DEFAULT_SIZE, _wait_until_drawn, _watch_messages

    page = new_page()
    width, height = size or DEFAULT_SIZE
    page.set_viewport_size({"width": width, "height": height})
    seen = _watch_messages(page)
    page.goto(url)
    _wait_until_drawn(page, seen, 120)
    return page


@pytest.mark.parametrize("lab", list(LINKS))
def test_every_plot_downloads_as_png_at_each_scale_and_as_svg(page, server_url, lab, tmp_path):
    query, titles = LINKS[lab]
    names = tuple(titles)
    _open(page, server_url, query)
    menus = page.locator(".pg-download:visible")  # (a race's charts have theirs, hidden)
    assert menus.count() == len(names)
    for i, name in enumerate(names):
        css = page.evaluate("""(name) => {
            const v = [...Bokeh.index.query((v) => v.model != null && Array.isArray(v.model.tags)
                        && v.model.tags.includes("pg-export:" + name))]
                      .filter((v) => v.el.getClientRects().length > 0)[0]
            return [v.bbox.width, v.bbox.height] }""", name)
        # Every scale for the first plot, 2× for the others (one painter for all).
        for scale in (1, 2, 3) if i == 0 else (2,):
            download = _download(page, i, f"PNG {scale}×")
            suffix = "" if scale == 1 else f"@{scale}x"
            assert download.suggested_filename == f"{name}{suffix}.png"
            image = _png(Path(download.path()).read_bytes())
            assert image.size == (round(css[0] * scale), round(css[1] * scale)), (name, scale)
            assert _colours(image) >= 5, name
        download = _download(page, i, "SVG")
        assert download.suggested_filename == f"{name}.svg"
        root = ET.parse(download.path()).getroot()
        assert root.tag == f"{SVG}svg"
        assert (float(root.get("width")), float(root.get("height"))) == tuple(css)
        assert root.find(f".//{SVG}path") is not None
        # Each text once (Bokeh also strokes every text: an invisible copy, dropped).
        assert _titled(_texts(root), TEXT["en"][titles[name]]) == 1, name
        assert _invisible_texts(root) == [], name
    # The whole view: every plot and the caption, at 2×.
    download = _download(page, 0, TEXT["en"]["export.figure"])
    assert download.suggested_filename == "figure.png"
    image = _png(Path(download.path()).read_bytes())
    assert image.width > 600 * 2 and _colours(image) >= 10
    image.save(tmp_path / f"{lab}-figure.png")
    assert page.errors == []


# Each lab at one scale: the scale is the browser's device pixels, the same for both.
@pytest.mark.parametrize("lab, scale", [("optimizers", 1), ("mlp", 2)])
def test_the_figure_command_draws_a_png_of_the_size_asked(server_url, contexts, lab, scale,
                                                           tmp_path):
    query, titles = LINKS[lab]
    names = tuple(titles)
    out = tmp_path / f"{lab}.png"
    made = figure.render(query, out, scale=scale, size=SIZE, server=server_url,
                         context=contexts(scale))
    image = _png(out.read_bytes())
    assert image.size == (SIZE[0] * scale, SIZE[1] * scale) == (made.width, made.height)
    assert _colours(image) >= 20
    # The plots and the caption fill the size (the plots once took two thirds of it).
    across, down = _filled(image)
    assert across >= 0.85 and down >= 0.85, (across, down)
    assert made.plots == names
    assert made.caption.startswith(TEXT["en"][f"lab.{lab}"])
    if lab == "mlp":
        assert " · epoch 0 · " in made.caption  # what the link describes: no training
        assert made.caption.count("epoch") == 1
    # A browser context of another scale is refused, not drawn at the wrong size.
    with pytest.raises(figure.FigureError, match=f"not the scale asked \\({3 - scale}\\)"):
        figure.render(query, tmp_path / "x.png", scale=3 - scale, size=SIZE,
                      server=server_url, context=contexts(scale))
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("lab", list(LINKS))
def test_the_figure_command_composes_one_svg_with_the_caption(server_url, contexts, lab,
                                                              tmp_path):
    query, titles = LINKS[lab]
    names = tuple(titles)
    out = tmp_path / f"{lab}.svg"
    made = figure.render(query, out, size=SIZE, server=server_url, context=contexts())
    root = ET.parse(out).getroot()
    assert root.tag == f"{SVG}svg"
    plots = root.findall(f"{SVG}svg")
    assert [p.get("id") for p in plots] == [f"plot-{n}" for n in names]
    assert len(list(root.iter(f"{SVG}path"))) > 20
    assert (root.get("width"), root.get("height")) == tuple(map(str, SIZE))
    for title in titles.values():  # each title once (not once more, invisible)
        assert _titled(_texts(root), TEXT["en"][title]) == 1, title
    assert _invisible_texts(root) == []
    captions = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "pg-caption"]
    assert " ".join(captions) == made.caption
    assert all(_texts(root).count(line) == 1 for line in captions)
    if lab != "mlp":
        return
    # One plot alone: its own SVG (one lab: the same code picks it in each).
    one = tmp_path / "one.svg"
    figure.render(query, one, plot=names[-1], size=SIZE, server=server_url, context=contexts())
    assert ET.parse(one).getroot().find(f"{SVG}svg") is None
    with pytest.raises(figure.FigureError, match="no plot 'nope'"):
        figure.render(query, tmp_path / "x.svg", plot="nope", size=SIZE, server=server_url,
                      context=contexts())


def test_a_figure_waits_for_a_lab_still_at_work(server_url, contexts, tmp_path):
    """The bias–variance network family trains its widths for seconds after the page is
    drawn, sending nothing for a second or more at a time: the figure was the fits' frame
    alone, empty, with no error chart (a new user's review).  It now waits while the
    lab's progress bar shows."""
    out = tmp_path / "network.png"
    made = figure.render("lab=biasvariance&family=network&n=8&datasets=4", out, size=SIZE,
                         server=server_url, context=contexts())
    assert made.plots == ("fits", "curves")
    # The caption of the result that came after the page was built (its note on bias²
    # drawn as 0 with it, if any): the menus' caption is brought up to date.
    from playground.labs.biasvariance.lab import BiasVarianceLab  # noqa: F401
    from playground.labs.biasvariance.state import BiasVarianceLabState
    from playground.ui.export import figure_caption

    state = BiasVarianceLabState()
    state.apply_query({"family": "network", "n": "8", "datasets": "4"})  # (as the page)
    state.compute()
    assert "h = 8" in made.caption and made.caption == figure_caption(state)
    assert _colours(_png(out.read_bytes())) >= 20


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_slide_has_thick_lines_and_no_instruction_to_click(server_url, contexts, lang,
                                                             tmp_path):
    """At 1600 × 900 the plots' lines are lecture mode's (twice the page's: the mean fit's
    3 px line is 6 px) and the legend says "one set's fit" without the page's "(click
    one)" (a new user's review of figures as slides)."""
    out = tmp_path / "bv.svg"
    figure.render(f"lab=biasvariance&datasets=10&lang={lang}", out, size=(1600, 900),
                  server=server_url, context=contexts())
    root = ET.parse(out).getroot()
    texts = _texts(root)
    assert TEXT[lang]["bv.fits.shown.figure"] in texts
    assert TEXT[lang]["bv.fits.shown"] not in texts
    widths = {float(p.get("stroke-width")) for p in root.iter(f"{SVG}path")
              if p.get("stroke-width")}
    assert 6 in widths and max(widths) <= 6, sorted(widths)


def test_the_command_end_to_end_and_a_bad_link(server_url, tmp_path):
    """``python -m playground figure`` starts its own server; a link with a bad value
    is refused with the page's words and status 2, and writes nothing (that one asked
    of a server already serving, ``--server``)."""
    out = tmp_path / "mlp.png"
    done = subprocess.run([sys.executable, "-m", "playground", "figure",
                           "?lab=mlp&dataset=spiral", str(out), "--scale", "2",
                           "--size", "1000x700"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert _png(out.read_bytes()).size == (2000, 1400)
    bad = tmp_path / "bad.png"
    done = subprocess.run([sys.executable, "-m", "playground", "figure",
                           "lab=optimizers&surface=nowhere&sgd_lr=abc", str(bad),
                           "--server", server_url], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "surface='nowhere'" in done.stderr and "sgd_lr='abc'" in done.stderr
    assert not bad.exists()
    # A --server that is not serving: one line, not Playwright's traceback.
    done = subprocess.run([sys.executable, "-m", "playground", "figure", "lab=mlp", str(bad),
                           "--server", "http://127.0.0.1:9/app"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and done.stdout == "" and done.stderr.count("\n") == 1
    assert "could not open http://127.0.0.1:9/app" in done.stderr and not bad.exists()


def test_a_chinese_figure(server_url, contexts, tmp_path):
    """``lang=zh``: the caption and the plots in Chinese (Noto CJK)."""
    out = tmp_path / "zh.svg"
    made = figure.render("lab=optimizers&lang=zh", out, size=SIZE, server=server_url,
                         context=contexts())
    assert made.caption.startswith(TEXT["zh"]["lab.optimizers"])
    assert _titled(_texts(ET.parse(out).getroot()), TEXT["zh"]["plot.surface"]) == 1
    png = tmp_path / "zh.png"
    figure.render("lab=optimizers&lang=zh", png, scale=2, size=SIZE, server=server_url,
                  context=contexts(2))
    assert _colours(_png(png.read_bytes())) >= 20


def test_a_races_charts_download_and_its_heat_maps_join_the_figure(page, server_url):
    page.goto(f"{server_url}?lab=mlp&dataset=xor&layers=4&race=sgd,adam")
    page.locator(".pg-download:visible").first.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    names = page.evaluate("""() => [...Bokeh.index.query((v) => v.model != null
        && Array.isArray(v.model.tags) && v.el != null && v.el.getClientRects != null)]
        .filter((v) => v.el.getClientRects().length > 0)
        .flatMap((v) => v.model.tags.filter((t) => String(t).startsWith("pg-export:")))""")
    assert {"pg-export:race_loss", "pg-export:race_accuracy", "pg-export:race_1",
            "pg-export:race_2"} <= set(names), names
    download = _download(page, 0, "PNG 2×")
    assert download.suggested_filename == "race_loss@2x.png"
    assert _colours(_png(Path(download.path()).read_bytes())) >= 5
    download = _download(page, 0, TEXT["en"]["export.figure"])
    assert _png(Path(download.path()).read_bytes()).width > 600 * 2
    assert page.errors == []


#: The smallest text a slide of 1600 × 900 shows (CSS px = the PNG's pixels at scale 1):
#: tick labels, legends and labels; an axis label 1.1 and a title 1.2 times as large (a
#: text glyph tagged as its plot's title, ``ui.export.TITLE_TAG``, too).
FONT_PROPS_JS = """(a) => pg.tagged(null).map((v) => {
  const m = v.model
  const models = [m.title, ...m.above, ...m.below, ...m.left, ...m.right, ...m.center,
                  ...m.renderers.map((r) => r.glyph)].filter((x) => x != null)
  const sizes = []
  for (const model of models) {
    for (const prop of ["text_font_size", "axis_label_text_font_size",
                        "major_label_text_font_size", "label_text_font_size",
                        "title_text_font_size"]) {
      if (!(prop in model.properties)) continue
      const value = model[prop]
      if (value != null && typeof value === "object" && !("value" in value)) continue
      const text = String(value != null && typeof value === "object" ? value.value : value)
      const kind = (model.tags || []).includes("pg-title") ? "Title" : model.type
      sizes.push([kind, prop, parseFloat(text), text])
    }
  }
  return {name: pg.name_of(v), width: v.bbox.width, height: v.bbox.height, sizes}
})"""


@pytest.mark.parametrize("query", ["lab=optimizers&surface=rosenbrock&optimizers=sgd,adam",
                                   "lab=mlp&dataset=xor&layers=8,8&epoch=20",
                                   "lab=mlp&race=sgd,adam&lang=zh", "lab=biasvariance"])
def test_a_figure_for_a_slide_fills_it_with_text_readable_from_afar(new_page, server_url,
                                                                     query):
    """``figure``'s layout at 1600 × 900: the plots re-laid out to fill the slide, in
    boxes that do not overlap, Bokeh has drawn them at those sizes, every text of
    every plot is at least 20 px (titles 24) where the page's were 11-13 px, and every
    plot with axes has a frame at least 8 of those lines tall (the MLP charts' were 6.5
    under the heat map and the diagram: a new user's review)."""
    from playground.figure import DEFAULT_SIZE, _arrange, _run_js

    page = slide_page(new_page, f"{server_url}?{query}")
    layout = _arrange(page, DEFAULT_SIZE)
    assert _run_js(page, "return pg.arranged(pg.tagged(null), a)", layout)
    boxes = layout["boxes"]
    for b in boxes:
        assert b["x"] >= 24 and b["y"] >= 24 and b["x"] + b["width"] <= 1600 - 24
    for i, b in enumerate(boxes):
        for c in boxes[i + 1:]:
            assert (b["x"] + b["width"] <= c["x"] or c["x"] + c["width"] <= b["x"]
                    or b["y"] + b["height"] <= c["y"] or c["y"] + c["height"] <= b["y"]), (b, c)
    left = min(b["x"] for b in boxes)
    right = max(b["x"] + b["width"] for b in boxes)
    bottom = max(b["y"] + b["height"] for b in boxes)
    assert right - left >= 0.9 * (1600 - 48), boxes
    lines = len(layout["lines"])
    assert bottom + 24 + lines * 31 <= 900 - 24 and bottom >= 900 - 24 - 24 - lines * 31 - 40
    # A caption longer than a line breaks between settings, not inside one.
    parts = ["Optimizers", "Loss surface: Rosenbrock (curved valley)", "SGD, α = 0.0015",
             "Gradient noise σ = 0.3, Seed: 0", "step 40 of 1000"]
    lines = _run_js(page, "return pg.caption_lines(a, 600, 22)", " · ".join(parts))
    assert len(lines) >= 2 and all(line.endswith(" ·") for line in lines[:-1]), lines
    assert all(any(part in line for line in lines) for part in parts), lines
    assert " ".join(lines) == " · ".join(parts)
    plots = page.evaluate("(a) => {" + figure_js() + "\nreturn (" + FONT_PROPS_JS + ")(a)}")
    for plot in plots:
        for kind, prop, px, text in plot["sizes"]:
            least = 24 if kind == "Title" else 22 if prop.startswith("axis_label") else 20
            assert text.endswith("px") and px >= least, (plot["name"], kind, prop, text)
    frames = _run_js(page, "return pg.tagged(null).filter((v) => v.model.below.length > 0)"
                           ".map((v) => [pg.name_of(v), v.frame.bbox.height])", None)
    assert frames and all(height >= 8 * 20 for _, height in frames), frames
    assert page.errors == []


def test_a_figures_loss_and_accuracy_charts_share_a_row_or_a_column(new_page, server_url):
    """The MLP lab's two charts over epochs are read together: at 1200 × 900 they were
    laid out diagonally (the loss beside the heat map, the accuracy under it), their
    epochs nowhere in line (a review)."""
    from playground.figure import _arrange, _run_js

    page = slide_page(new_page, f"{server_url}?lab=mlp&epoch=20", (1200, 900))
    layout = _arrange(page, (1200, 900))
    names = _run_js(page, "return pg.tagged(null).map((v) => pg.name_of(v))", None)
    box = dict(zip(names, layout["boxes"], strict=True))
    loss, accuracy = box["loss"], box["accuracy"]
    in_a_row = (loss["y"], loss["height"]) == (accuracy["y"], accuracy["height"])
    in_a_column = (loss["x"], loss["width"]) == (accuracy["x"], accuracy["width"])
    assert in_a_row or in_a_column, box
    assert len(box) == 4 and page.errors == []


@pytest.mark.parametrize("size", [(1280, 720), (1200, 900), (1920, 1080)])
def test_a_figures_charts_keep_a_frame_wide_enough_to_read_beside_their_legends(
        new_page, server_url, size):
    """The MLP lab's slide at 1280 × 720 (README's example size) put its two charts in
    a column between the heat map and the network, each box 270 px of which its legend
    took the most: frames 65 px wide, the epochs' ticks run together (a new user's
    review). Every chart's frame now at least 10 text lines wide, and as wide as the
    other chart's."""
    from playground.figure import _arrange, _run_js, slide_sizes

    page = slide_page(new_page, f"{server_url}?lab=mlp&dataset=spiral&layers=8,8&epoch=30",
                      size)
    layout = _arrange(page, size)
    assert _run_js(page, "return pg.arranged(pg.tagged(null), a)", layout)
    frames = dict(_run_js(page, "return pg.tagged(null).filter((v) => v.model.below.length > 0)"
                                ".map((v) => [pg.name_of(v), v.frame.bbox.width])", None))
    text_px = slide_sizes(size)["text_px"]
    assert {"loss", "accuracy"} <= set(frames), frames
    assert frames["loss"] >= 10 * text_px and frames["accuracy"] >= 10 * text_px, frames
    assert abs(frames["loss"] - frames["accuracy"]) <= 2, frames
    assert page.errors == []


def figure_js() -> str:
    from playground.ui.export import EXPORT_JS
    return EXPORT_JS


# -- issue #12's review: legends at 2×/3×, the theme's canvas, the last tick, gaps -------


#: The legend's box in a plot (CSS px, relative to the plot).
LEGEND_JS = """(name) => {
  const view = pg.tagged(name)[0]
  const legend = [...view.renderer_views.values()].find((v) => Array.isArray(v.entries))
  return {x: legend.bbox.x, y: legend.bbox.y, width: legend.bbox.width,
          height: legend.bbox.height}
}"""


def _near(image: Image.Image, box, colour: str, scale: float, tolerance: int = 40) -> int:
    """Pixels within ``tolerance`` (each channel) of ``colour`` inside ``box`` (CSS px)."""
    target = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
    crop = image.convert("RGB").crop(tuple(round(v * scale) for v in (
        box["x"], box["y"], box["x"] + box["width"], box["y"] + box["height"])))
    return sum(n for n, rgb in crop.getcolors(maxcolors=1 << 20)
               if all(abs(a - b) <= tolerance for a, b in zip(rgb, target, strict=True)))


def test_a_legends_glyphs_scale_with_the_png(page, server_url):
    """PNG 2× and 3× from the page: the legend's glyphs (small canvases of their own,
    made at the page's pixel ratio) are drawn at the scale asked, as its labels: the
    validation line's red in the legend covers about scale² times the pixels it covers
    at 1× (it stayed at 1×, in the corner of its box, before)."""
    from playground.ui.palettes import VAL_COLOR

    _open(page, server_url, "lab=mlp&dataset=xor&layers=4&val=1")
    box = page.evaluate("(n) => {" + figure_js() + "\nreturn (" + LEGEND_JS + ")(n)}", "loss")
    counts = {}
    for scale in (1, 2, 3):
        download = _download(page, 1, f"PNG {scale}×")
        counts[scale] = _near(_png(Path(download.path()).read_bytes()), box, VAL_COLOR,
                              scale)
    assert counts[1] > 0, counts
    for scale in (2, 3):  # (anti-aliasing takes a larger share of a thinner line)
        assert counts[scale] >= 0.5 * scale ** 2 * counts[1], counts
    assert page.errors == []


def _caption_ink(image: Image.Image, background: tuple) -> tuple[int, int]:
    """The grey levels' extremes of the figure's lowest text (its caption's last line):
    the rows above the last one that is not all ``background``."""
    rgb = image.convert("RGB")
    grey = image.convert("L")
    for y in range(image.height - 1, 0, -1):
        if rgb.crop((0, y, image.width, y + 1)).getcolors(maxcolors=1 << 16) != [
                (image.width, background)]:
            return grey.crop((0, max(y - 12, 0), image.width, y + 1)).getextrema()
    raise AssertionError("a blank figure")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_figure_is_on_its_themes_background_with_a_caption_that_reads(
        page, server_url, contexts, theme, tmp_path):
    """The page's Figure and the command's PNG and SVG: the canvas is the plots' border
    colour (white, or the dark theme's) and the caption's ink reads on it (it was a
    black caption on white around dark plots)."""
    from playground.ui.present import PLOT_COLORS

    query = "lab=optimizers&optimizers=sgd,adam" + ("&theme=dark" if theme == "dark" else "")
    back = PLOT_COLORS[theme]["border"]
    rgb = tuple(int(back[i:i + 2], 16) for i in (1, 3, 5))
    _open(page, server_url, query)
    download = _download(page, 0, TEXT["en"]["export.figure"])
    shown = _png(Path(download.path()).read_bytes())
    made = tmp_path / "cli.png"
    figure.render(query, made, size=SIZE, server=server_url, context=contexts())
    for image, scale in ((shown, 2), (_png(made.read_bytes()), 1)):
        assert image.convert("RGB").getpixel((2, 2)) == rgb
        low, high = _caption_ink(image, rgb)
        # The caption's ink: far from the background, on the side away from it.
        assert (low <= 80) if theme == "light" else (high >= 200), (theme, scale, low, high)
    svg = tmp_path / "cli.svg"
    figure.render(query, svg, size=SIZE, server=server_url, context=contexts())
    root = ET.parse(svg).getroot()
    assert root.find(f"{SVG}rect").get("fill") == back
    inks = {t.get("fill") for t in root.iter(f"{SVG}text") if t.get("class") == "pg-caption"}
    assert inks == {"#eeeeee" if theme == "dark" else "#222222"}
    assert page.errors == []


def test_a_figure_closes_the_pages_gaps_and_leaves_room_for_the_last_tick(new_page,
                                                                          server_url):
    """The page's Figure: the bands between plots that hold no plot (the MLP lab's
    readouts between its charts and its network diagram) narrowed to the margin; each
    plot with a horizontal axis has room right of its frame for half its last tick
    label, on the page and, after ``pg.arrange``, at a slide's text size."""
    from playground.figure import DEFAULT_SIZE, _arrange, _run_js
    from playground.ui.export import MARGIN_PX, RIGHT_ROOM_PX

    page = slide_page(new_page, f"{server_url}?lab=mlp&dataset=xor&layers=4")
    packed = _run_js(page, "return pg.packed(a, 12)", {
        "width": 300, "height": 700, "boxes": [
            {"x": 0, "y": 0, "width": 100, "height": 50},
            {"x": 200, "y": 10, "width": 100, "height": 80},
            {"x": 0, "y": 400, "width": 100, "height": 300}]})
    assert [(b["x"], b["y"]) for b in packed["boxes"]] == [(0, 0), (112, 10), (0, 102)]
    assert (packed["width"], packed["height"]) == (212, 402)
    page_layout = _run_js(page, "return pg.layout(pg.tagged(null))")
    figure_layout = _run_js(page, "return pg.packed(pg.layout(pg.tagged(null)), a)",
                            MARGIN_PX)
    assert figure_layout["height"] < page_layout["height"] - 50, (page_layout, figure_layout)
    spans = sorted((b["y"], b["y"] + b["height"]) for b in figure_layout["boxes"])
    end = spans[0][1]
    for lo, hi in spans[1:]:
        assert lo - end <= MARGIN_PX, spans
        end = max(end, hi)
    room = """() => pg.tagged(null).filter((v) => v.model.below.some((a) => a.visible))
                .map((v) => [pg.name_of(v), v.model.min_border_right])"""
    rooms = _run_js(page, "return (" + room + ")()")
    assert {name for name, _ in rooms} >= {"boundary", "loss", "accuracy"}
    assert all(px >= RIGHT_ROOM_PX for _, px in rooms), rooms
    _arrange(page, DEFAULT_SIZE)
    assert all(px >= 1.3 * 20 for _, px in _run_js(page, "return (" + room + ")()"))
    assert page.errors == []
