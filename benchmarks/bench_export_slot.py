"""A page's "Export page (HTML)" against another page opened meanwhile.

    python benchmarks/bench_export_slot.py [--runs 2] [--link QUERY]

Issue #9 (one page stalls another): the export trains the link's MLP run on a thread
in one of ``ui.session.SLOW_WORK_SLOTS`` (one on a 2-core machine), where pages are
prepared too.  A fresh server; page A opens ``--link`` (default: a heavy network at
``epoch=400``) and presses the button; page B opens the optimizer lab 1.5 s later.
Prints, per run, how long B took to show its lab, whether A's export was still running
then, and how long the export took; last line ``export_slot b_shown_s=<median>
export_s=<median>``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's root

HEAVY = "lab=mlp&layers=32,32,32,32,32,32&batch=1&points=1000&epoch=400"
OTHER = "lab=optimizers&surface=saddle"


def one_run(browser, url: str, link: str) -> tuple[float, bool, float]:
    """(B's lab shown after, s; A's export still running then; the export's seconds)."""
    size = {"width": 1400, "height": 1000}
    a = browser.new_page(viewport=size)
    a.goto(f"{url}?{link}")
    button = a.locator(".pg-export-page button").first
    button.wait_for(timeout=180_000)
    a.wait_for_timeout(6000)  # the page's own compiles done
    started = time.perf_counter()
    with a.expect_download(timeout=600_000) as download:
        button.click()
        time.sleep(1.5)
        b = browser.new_page(viewport=size)
        opened = time.perf_counter()
        b.goto(f"{url}?{OTHER}")
        b.locator(".pg-sidebar select").first.wait_for(timeout=600_000)
        shown = time.perf_counter() - opened
        running = not download.is_done()
    exported = time.perf_counter() - started
    a.close()
    b.close()
    return shown, running, exported


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--link", default=HEAVY)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from playground.serving import running_app

    shown, exports = [], []
    with running_app() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"))
        for run in range(args.runs):
            b_shown, running, exported = one_run(browser, url, args.link)
            print(f"run {run + 1}: page B's lab shown after {b_shown:.1f} s (A's export "
                  f"{'still running' if running else 'ended'}); the export {exported:.1f} s",
                  flush=True)
            shown.append(b_shown)
            exports.append(exported)
        browser.close()
    print(f"export_slot b_shown_s={statistics.median(shown):.1f} "
          f"export_s={statistics.median(exports):.1f}")


if __name__ == "__main__":
    main()
