"""What garbage collections cost a server's pages as pages come and go (issue #9 item 4).

    PYTHONPATH=. python benchmarks/bench_collections.py [--keep 4] [--churn 12]

Starts ``panel serve app.py`` through ``benchmarks/send_log.py`` (which notes every
garbage collection of 10 ms or more, on any thread: a collection holds Python's lock,
so every page waits for it), opens ``--keep`` MLP pages that stay open, then
``--churn`` more one after another, each on a network of its own, played 2 s and
closed, and waits 45 s for their sessions to end.  Prints each collection of 10 ms or
more after the kept pages opened (its length, generation, the function it ran under),
then one line:
``collections n=<..> longest_ms=<..> total_ms=<..> rss_mb=<..>``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's root
from playground.serving import (  # noqa: E402
    REPO_ROOT,
    free_port,
    launch_chromium,
    process_rss_mb,
    server_command,
    stop_server,
    wait_for_http,
)

READY = ".pg-play button"


def open_mlp(context, url: str, query: str):
    page = context.new_page()
    page.goto(f"{url}?{query}", wait_until="load")
    page.locator(READY).wait_for(timeout=120_000)
    return page


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keep", type=int, default=4, help="MLP pages open throughout")
    ap.add_argument("--churn", type=int, default=12, help="pages opened, played, closed")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        port, sends = free_port(), str(Path(tmp) / "sends.tsv")
        command = [sys.executable, str(Path(__file__).with_name("send_log.py")), sends, "--",
                   *server_command(port)[3:]]
        log = open(Path(tmp) / "server.log", "w")  # noqa: SIM115 (the server's life)
        proc = subprocess.Popen(command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        url = f"http://127.0.0.1:{port}/app"
        try:
            wait_for_http(url, proc)
            with sync_playwright() as p:
                browser = launch_chromium(p)
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                for _ in range(args.keep):
                    open_mlp(context, url, "lab=mlp")
                time.sleep(8)  # the kept pages' own collections done
                since = time.time() * 1000
                for i in range(args.churn):
                    width = 3 + i % 4
                    page = open_mlp(context, url, f"lab=mlp&layers={width},{width}")
                    page.locator(READY).click()
                    page.wait_for_timeout(2000)
                    page.close()
                    time.sleep(1)
                # Bokeh ends a closed page's session 15-35 s after its tab closed.
                time.sleep(45)
                rss = process_rss_mb(proc.pid)
                browser.close()
        finally:
            stop_server(proc)
            log.close()
        rows = []
        with open(sends + ".gc") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 7 and float(parts[0]) >= since:
                    rows.append(parts)
        for begun, ms, gen, thread, cpu, found, where in rows:
            print(f"{(float(begun) - since) / 1000:7.1f} s  {float(ms):6.1f} ms (cpu {cpu}) "
                  f"gen {gen}  {found:>7} found  {thread}  {where}")
        collected = [line for line in (Path(tmp) / "server.log").read_text().splitlines()
                     if "collected every object" in line]
        for line in collected:
            print(line)
        lengths = [float(r[1]) for r in rows]
        print(f"collections n={len(lengths)} longest_ms={max(lengths, default=0):.0f} "
              f"total_ms={sum(lengths):.0f} rss_mb={rss:.0f}")


if __name__ == "__main__":
    main()
