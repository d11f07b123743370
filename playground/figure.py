"""``python -m playground figure "LINK-QUERY" out.png|out.svg``: the picture a link
describes, without a visible browser, for slide decks built by scripts.

It serves the app (``panel serve app.py``, :func:`playground.serving.running_app`),
opens the link in the headless system Chromium at the viewport ``size`` and
``device_scale_factor = scale``, waits until the lab has drawn (the plots' data and
sizes unchanged for ``SETTLED_S``) and runs the page's own export machinery
(``playground.ui.export.EXPORT_JS``) on the plots that carry a download menu:

* PNG: the plots laid out again to fill ``size`` (``pg.arrange``: rows or columns, the
  page's charts resized, plots of a fixed size kept in shape; each resized in the page
  and drawn by Bokeh at its new size, never resampled), their text at a slide's size
  and their lines as thick as lecture mode's (``slide_sizes``), their legends (an entry
  that asks the page's reader to click says what it shows instead), and a caption of the
  settings (the state the link
  describes, in the page's words) below, on the plots' background (``theme=dark``: dark,
  the caption light): ``size × scale`` pixels.  With ``--plot NAME``,
  that plot alone (its own CSS size × scale).
* SVG: the same layout, each plot as Bokeh draws it in SVG (paths and ``<text>``, each
  text once) nested at its box in one ``<svg>`` of ``size``, with the caption as SVG
  text; with ``--plot NAME``, that plot's own SVG.

What a figure shows is what the page shows when the link is opened: the optimizer
lab's run at the link's ``step`` (the last by default), the MLP lab's network at the
link's ``epoch`` (trained that far from its start; 0 by default).  A link that the lab
cannot apply in full is refused with the page's own message (exit status 2), as is a
missing Chromium.
"""

from __future__ import annotations

import base64
import contextlib
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from . import serving
from .text import FONT_STACK, TEXT

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
#: The plots count as drawn once their data and sizes are unchanged this long, and no
#: indicator of work in progress (``BUSY_CLASSES``) shows.
SETTLED_S = 1.0
#: A lab at work: the player's spinner (a network or a formula compiling) and the
#: bias–variance lab's progress bar (the network family's widths train for half a minute,
#: with no message for seconds at a time: the figure had drawn the previous picture).
BUSY_CLASSES = ("pg-busy", "pg-bv-progress")
POLL_S = 0.25
#: The default viewport (CSS pixels): a 16:9 slide.
DEFAULT_SIZE = (1600, 900)
MAX_SCALE = 4.0
#: The most pixels a side of a PNG (size × scale): Chromium's canvas holds at most
#: 268 million pixels (16,384²); past that it draws nothing, and 8000x8000 at scale 4
#: wrote an empty file.
MAX_PNG_SIDE = 16_384
#: At ``DEFAULT_SIZE`` (CSS px; in proportion at other sizes): the plots' text (ticks,
#: legends; axis labels 1.1 and titles 1.2 times as large), the caption's, and the margin
#: around and between the plots.  Lecture mode's sizes: read from the back of a hall.
TEXT_PX = 20
CAPTION_PX = 22
MARGIN_PX = 24
MIN_TEXT_PX = 10


class FigureError(Exception):
    """The figure cannot be made (bad link, no Chromium, unknown plot); one line."""


@dataclass(frozen=True)
class Figure:
    """What was written: the path, its pixel size, the plots in it and the caption."""

    path: Path
    width: int
    height: int
    plots: tuple[str, ...]
    caption: str
    seconds: float


def link_search(link: str) -> str:
    """The query part of a link: ``lab=mlp&…``, ``?lab=mlp&…`` or a whole URL; a typed
    one's + as plus signs (``ui.link.typed_query``)."""
    from .ui.link import link_query

    return link_query(link)


def figure_search(link: str) -> str:
    """The query a figure's page opens (``link_search``), lecture mode left out: there
    the page fits its plots to the window (``ui.present.FIT_WINDOW``) while
    ``pg.arrange`` lays them out for the slide, which has text and lines of its own."""
    return "&".join(part for part in link_search(link).split("&")
                    if part.split("=", 1)[0] != "present")


def parse_size(text: str) -> tuple[int, int]:
    """``"1600x900"`` → (1600, 900).

    Raises:
        ValueError: not two integers between 200 and 8000 joined by ``x``.
    """
    parts = text.lower().replace("×", "x").split("x")
    try:
        width, height = (int(p) for p in parts)
    except ValueError:
        raise ValueError(f"size must be WIDTHxHEIGHT, such as 1600x900, not {text!r}") from None
    if not (200 <= width <= 8000 and 200 <= height <= 8000):
        raise ValueError("size must be between 200 and 8000 pixels each way")
    return width, height


def _link_problem_prefixes() -> tuple[str, ...]:
    """How the page's notice starts a line about the link, in every language."""
    prefixes = []
    for table in TEXT.values():
        for key in ("url.ignored", "url.unusable"):
            if key in table:
                prefixes.append(table[key].split("{")[0])
    return tuple(p for p in prefixes if p)


def _watch_messages(page) -> dict:
    """Record when the page last received a message from the server (``["last"]``,
    ``time.monotonic()``); call before the page opens."""
    seen = {"last": time.monotonic()}

    def on_websocket(ws):
        ws.on("framereceived", lambda _payload: seen.__setitem__("last", time.monotonic()))

    page.on("websocket", on_websocket)
    return seen


def _wait_until_drawn(page, seen: dict, timeout_s: float):
    """Wait for the lab's plots, then until the page is quiet: no message from the server,
    the same plots with the same data and sizes, and as many models, for ``SETTLED_S``
    (the lab's picture is complete before its controls and details are sent, and the
    optimizer lab's player moves to its last step in between), with no indicator of work
    in progress (``BUSY_CLASSES``) shown.

    Raises:
        FigureError: the lab did not draw, or kept changing, for ``timeout_s`` seconds.
    """
    deadline = time.monotonic() + timeout_s
    try:
        # A menu shown (a race hides the single network's charts and their menus).
        page.locator(".pg-download:visible").first.wait_for(timeout=timeout_s * 1000)
    except Exception as e:  # Playwright's TimeoutError
        raise FigureError(f"the lab did not draw within {timeout_s:.0f} s") from e
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        now, busy = _run_js(page, """
            const models = Bokeh.documents.reduce((n, d) => n + d._all_models.size, 0)
            const busy = [...Bokeh.index.query((v) => v.model != null && v.model.visible
                && Array.isArray(v.model.css_classes)
                && v.model.css_classes.some((c) => a.includes(c)))].length > 0
            return [models + ":" + pg.fingerprint(), busy]""", list(BUSY_CLASSES))
        if now != last or now.endswith(":[]") or busy:
            last, since = now, time.monotonic()
        elif min(time.monotonic() - since, time.monotonic() - seen["last"]) >= SETTLED_S:
            return
        page.wait_for_timeout(POLL_S * 1000)  # Playwright's events are handled meanwhile
    raise FigureError(f"the lab did not finish drawing within {timeout_s:.0f} s")


def _run_js(page, body: str, arg=None):
    """``body`` (JavaScript that may use ``a``, the argument, and ``pg``) run in ``page``."""
    from .ui.export import EXPORT_JS

    return page.evaluate("(a) => {" + EXPORT_JS + "\n" + body + "\n}", arg)


def _link_problems(page) -> list[str]:
    """The lines of the lab's notice (``.pg-message``, inside its shadow root) that say
    what the link could not set."""
    prefixes = _link_problem_prefixes()
    texts = _run_js(page, """
        return [...Bokeh.index.query((v) => v.model != null && v.model.visible
                                     && Array.isArray(v.model.css_classes)
                                     && v.model.css_classes.includes("pg-message"))]
          .map((v) => [...v.shadow_el.children].filter((el) => el.tagName !== "STYLE")
                                                 .map((el) => el.innerText).join("\\n"))""")
    lines = [line.strip() for text in texts for line in text.splitlines()]
    return [line for line in lines if line.startswith(prefixes)]


def compose_svg(plots: list[dict], width: float, height: float, caption_lines: list[str],
                font_px: float, text_x: float, text_y: float, background: str = "#ffffff",
                ink: str = "#222222") -> str:
    """One SVG document of ``width`` × ``height`` on ``background`` (the plots' theme,
    ``pg.colors``): each plot's SVG (``plots``: name, x, y, width, height, svg; CSS
    pixels) nested at its box, and the caption's lines as ``<text>`` in ``ink`` from
    (``text_x``, ``text_y``) down, ``font_px`` high."""
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    line_px = round(font_px * 1.4)
    root = ET.Element(f"{{{SVG_NS}}}svg", {
        "version": "1.1", "width": f"{width:g}", "height": f"{height:g}",
        "viewBox": f"0 0 {width:g} {height:g}"})
    ET.SubElement(root, f"{{{SVG_NS}}}rect", {"x": "0", "y": "0", "width": "100%",
                                              "height": "100%", "fill": background})
    for plot in plots:
        element = ET.fromstring(plot["svg"])
        element.set("x", f"{plot['x']:g}")
        element.set("y", f"{plot['y']:g}")
        element.set("id", f"plot-{plot['name']}")
        root.append(element)
    for i, line in enumerate(caption_lines):
        text = ET.SubElement(root, f"{{{SVG_NS}}}text", {
            "x": f"{text_x:g}", "y": f"{text_y + i * line_px + font_px:g}",
            "font-family": FONT_STACK,
            "font-size": f"{font_px:g}px", "fill": ink, "class": "pg-caption"})
        text.text = line
    return ET.tostring(root, encoding="unicode", xml_declaration=False)


def slide_sizes(size: tuple[int, int]) -> dict:
    """The text, caption and margin sizes (CSS px) of a figure of ``size``: a slide's
    (``TEXT_PX``, ``CAPTION_PX``, ``MARGIN_PX`` at 1600 × 900), in proportion to the size
    (``fraction``), and how many times thicker the plots' lines are drawn (``thick``:
    lecture mode's ``THICK`` at 1600 × 900, in proportion, at least 1)."""
    from .ui.present import THICK

    fraction = min(size[0] / DEFAULT_SIZE[0], size[1] / DEFAULT_SIZE[1])
    return {"fraction": fraction, "text_px": max(round(TEXT_PX * fraction), MIN_TEXT_PX),
            "font_px": max(round(CAPTION_PX * fraction), MIN_TEXT_PX),
            "margin": max(round(MARGIN_PX * fraction), 6),
            "thick": max(1.0, THICK * fraction)}


def _arrange(page, size: tuple[int, int], timeout_s: float = 15.0) -> dict:
    """Lay the page's plots out to fill ``size`` (``pg.arrange``) and wait until Bokeh
    has drawn them at their new sizes; the layout (boxes, caption lines and place)."""
    args = {"size": {"width": size[0], "height": size[1]}, **slide_sizes(size)}
    layout = _run_js(page, "return pg.arrange(pg.tagged(null), a.size, pg.caption(), "
                           "a.text_px, a.font_px, a.margin, a.fraction, a.thick)", args)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if _run_js(page, "return pg.arranged(pg.tagged(null), a)", layout):
            break
        page.wait_for_timeout(POLL_S * 1000)
    page.wait_for_timeout(POLL_S * 1000)  # the plots painted at their new sizes
    return {**layout, **args}


def render(link: str, out: Path, scale: float = 1.0, size: tuple[int, int] = DEFAULT_SIZE,
           plot: str | None = None, timeout_s: float = 120.0, server: str | None = None,
           browser=None, context=None, log=None) -> Figure:
    """Write the figure of ``link`` to ``out`` (``.png`` or ``.svg``); see the module.

    ``server``: the page's address of a playground already serving
    (``http://127.0.0.1:5006/app``), used instead of starting one (many figures, one
    server); ``browser``: a Playwright browser to use (else the system Chromium is
    launched); ``context``: a Playwright browser context of ``scale`` device pixels per
    CSS pixel to open the page in, as a tab closed at the end (many figures: Chromium
    compiles Bokeh's scripts once per context); ``log``: a file for the started
    server's output.

    Raises:
        FigureError: no Chromium, a bad link (its problems), an unknown ``plot``, a
            server that does not start or a ``server`` that cannot be opened, a
            ``context`` of another scale, a lab that does not draw in ``timeout_s``, or
            an ``out`` that cannot be written (its folder missing, say).
    """
    started = time.perf_counter()
    kind = out.suffix.lower().lstrip(".")
    if kind not in ("png", "svg"):
        raise FigureError(f"the output must end in .png or .svg, not {out.name!r}")
    if not 0 < scale <= MAX_SCALE:
        raise FigureError(f"scale must be above 0 and at most {MAX_SCALE:g}")
    if kind == "png" and max(size) * scale > MAX_PNG_SIDE:
        raise FigureError(f"a PNG of {size[0]}x{size[1]} at scale {scale:g} would be "
                          f"{size[0] * scale:g}x{size[1] * scale:g} pixels: at most "
                          f"{MAX_PNG_SIDE} a side (Chromium's canvas); lower --size or "
                          f"--scale, or write an SVG")
    if not out.parent.is_dir():  # said before the minute of work, not after it
        raise FigureError(f"{out}: no such folder {str(out.parent)!r}")
    if serving.chromium_path() is None:
        raise FigureError("no `chromium` on PATH: install the system Chromium "
                          "(Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import Error as BrowserError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise FigureError("Playwright is missing: pip install playwright "
                          "(the system Chromium is used; no `playwright install`)") from None
    search = figure_search(link)
    with contextlib.ExitStack() as stack:
        url = server.split("?")[0] if server else None
        if url is None:
            log = log or stack.enter_context(tempfile.TemporaryFile(mode="w+"))
            try:
                url = stack.enter_context(serving.running_app(log=log))
            except (RuntimeError, TimeoutError) as e:
                log.seek(0)
                raise FigureError(f"{e}: {log.read()[-2000:]}") from None
        if context is None:
            if browser is None:
                browser = serving.launch_chromium(stack.enter_context(sync_playwright()))
                stack.callback(browser.close)
            context = browser.new_context(device_scale_factor=scale)
            stack.callback(context.close)
        page = context.new_page()
        stack.callback(page.close)
        page.set_viewport_size({"width": size[0], "height": size[1]})
        ratio = page.evaluate("() => window.devicePixelRatio")
        if ratio != scale:
            raise FigureError(f"the browser context draws {ratio:g} device pixels per CSS "
                              f"pixel, not the scale asked ({scale:g})")
        seen = _watch_messages(page)
        try:
            page.goto(f"{url}?{search}" if search else url)
        except BrowserError as e:  # a --server that is not there, or not a web page
            reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise FigureError(f"could not open {url}: {reason}") from None
        _wait_until_drawn(page, seen, timeout_s)
        problems = _link_problems(page)
        if problems:
            raise FigureError("; ".join(problems))
        found = _run_js(page, "return {names: pg.tagged(null).map(pg.name_of), "
                              "caption: pg.caption()}")
        names, caption = found["names"], found["caption"]
        if plot is not None and plot not in names:
            raise FigureError(f"no plot {plot!r} in this lab; its plots: {', '.join(names)}")
        layout = _arrange(page, size) if plot is None else None
        if kind == "png":
            data_url = _run_js(page, """
                const canvas = a.plot != null ? pg.png(pg.tagged(a.plot)[0], a.ratio)
                    : pg.paint(pg.tagged(null), a.layout, a.layout.size, a.ratio,
                               a.layout.font_px)
                return canvas.toDataURL("image/png")""",
                               {"plot": plot, "ratio": scale, "layout": layout})
            data = base64.b64decode(data_url.split(",", 1)[1])
            if len(data) < 24 or 0 in _png_size(data):  # ("data:," from a canvas too large)
                raise FigureError("Chromium drew no image (a canvas too large?): lower "
                                  "--size or --scale")
            _write(out, data)
            width, height = _png_size(data)
        else:
            if plot is not None:
                text = _run_js(page, "return pg.svg(pg.tagged(a)[0])", plot)
            else:
                plots = _run_js(page, "return pg.placed_svgs(pg.tagged(null), a)", layout)
                text = compose_svg(plots, size[0], size[1], layout["lines"],
                                   layout["font_px"], layout["text_x"], layout["text_y"],
                                   layout["background"], layout["ink"])
            _write(out, text.encode("utf-8"))
            root = ET.fromstring(text)
            width = round(float(root.get("width", "0").removesuffix("px")))
            height = round(float(root.get("height", "0").removesuffix("px")))
        shown = tuple([plot] if plot is not None else names)
    return Figure(out, width, height, shown, caption, time.perf_counter() - started)


def _write(out: Path, data: bytes):
    """``data`` to ``out``; a file that cannot be written is a ``FigureError``."""
    try:
        out.write_bytes(data)
    except OSError as e:
        raise FigureError(f"{out}: {e.strerror}") from None


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
