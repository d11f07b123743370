"""How long ``python -m playground figure`` takes, and the server-less alternative.

    PYTHONPATH=. python benchmarks/bench_figure.py [--runs 3]

Three ways to the same MLP-lab PNG (``lab=mlp&dataset=spiral``, 1600×900, scale 2):

* ``command``: ``python -m playground figure LINK out.png --scale 2`` as a user runs it
  (a fresh process: imports, a ``panel serve``, Chromium, the page, the export);
* ``with --server``: the same against a playground already serving (many figures, one
  server): Chromium, the page and the export only;
* ``server-less``: a fresh process that builds the lab from its state without a server
  (``ui.shell.prepare_state`` + ``build_lab``), saves its pictures as a standalone
  Bokeh/Panel HTML file (inline resources), opens it in Chromium and exports the same
  way.  (The optimizer lab's page moves its player in the live page, which a static
  file does not do; this prototype is timed on the MLP lab only.)

Prints ``<way>_s=<median> (min … max)`` for each.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playground.serving import running_app  # noqa: E402

LINK = "lab=mlp&dataset=spiral"

SERVERLESS = r"""
import sys, time, base64
from pathlib import Path
from bokeh.resources import INLINE
import panel as pn
from playwright.sync_api import sync_playwright
from playground import compute_on_the_cpu, one_xla_thread_per_computation
one_xla_thread_per_computation()
compute_on_the_cpu()  # as the server; JAX_PLATFORMS=cuda for a GPU
from playground.figure import _arrange, _run_js
from playground.serving import launch_chromium
from playground.ui.link import read_query
from playground.ui.shell import build_lab, prepare_state

query, problems = read_query(sys.argv[1])
pn.extension(sizing_mode="stretch_width")
lab = build_lab(query["lab"], *prepare_state(query["lab"], query, problems))
html = Path(sys.argv[2]).with_suffix(".html")
pn.Column(*lab.main()).save(html, resources=INLINE)
with sync_playwright() as p:
    browser = launch_chromium(p)
    page = browser.new_page(viewport={"width": 1600, "height": 900}, device_scale_factor=2)
    page.goto(html.as_uri())
    page.wait_for_selector(".pg-download")
    page.wait_for_timeout(300)
    layout = _arrange(page, (1600, 900))
    url = _run_js(page, "return pg.paint(pg.tagged(null), a, a.size, 2, a.font_px)"
                  ".toDataURL('image/png')", layout)
    Path(sys.argv[2]).write_bytes(base64.b64decode(url.split(",", 1)[1]))
    browser.close()
"""


def timed(command: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=600)
    return time.perf_counter() - t0


def show(name: str, seconds: list[float]):
    print(f"{name}_s={statistics.median(seconds):.2f} "
          f"({min(seconds):.2f} … {max(seconds):.2f}, {len(seconds)} runs)", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp()) / "figure.png"
    command = [sys.executable, "-m", "playground", "figure", LINK, str(out), "--scale", "2"]
    show("command", [timed(command) for _ in range(args.runs)])
    with running_app() as url:
        timed([*command, "--server", url])  # the server's first page compiles
        show("with_server", [timed([*command, "--server", url]) for _ in range(args.runs)])
    serverless = [sys.executable, "-c", SERVERLESS, LINK, str(out)]
    show("serverless", [timed(serverless) for _ in range(args.runs)])


if __name__ == "__main__":
    main()
