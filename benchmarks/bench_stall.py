"""One page's actions against another page's updates: the longest pause page A sees.

    python benchmarks/bench_stall.py [--keep-cache] [--only NAME ...] [--quiet-s 6] [--opens 1]
                                     [--backends N [--pin]] [--sends]

Starts ``panel serve app.py`` (with an empty JAX disk cache, so that every new network
and formula really compiles, unless ``--keep-cache``) and two headless Chromiums (the
system ``chromium``), one page each, on the same server:

* page A plays the MLP lab (``?lab=mlp``, its defaults, speed 5), and records in the
  page when its epoch number changes on screen (a ``MutationObserver`` on the readout,
  timestamps from ``performance.timeOrigin + performance.now()``) and every animation
  frame (to tell a stalled server from a starved browser);
* page B, in turn: opens the MLP lab; types several new architectures into the layers
  box (``10,10,10`` … ``32,32,32,32,32,32``); opens a heavy network (six layers of 32,
  2,000 points, batch 1), plays it at speed 20 for 8 s; opens the optimizer lab on a typed
  formula and types new formulas; uploads a 7 MB CSV file to the MLP lab.

With ``--backends N`` the pages go through ``playground.deploy``'s nginx to N
single-process servers instead (README, "Deployment": one per core), so that page A and
page B, the first two visitors, are on two backends (``least_conn``, kept there by the
``pg_backend`` cookie; the backend each page reached is printed).  ``--pin`` (with
``--backends 2``) also keeps page A's Chromium and backend on CPU 0 and page B's on CPU 1,
as if each visitor had a core of the server and a machine of their own: what is left of
page A's gaps is then neither the event loop nor the CPU that page B uses.

With ``--sends`` (one server) the server also notes when it sends each page a message
(``benchmarks/send_log.py``), and each action gets page A's longest gap between two
messages the server sent it: a pause of the server itself, apart from a browser that
drew late because the machine's cores were busy (page A plays, so the server sends it
a frame many times a second); and ``loop_sampler.py``'s samples of its event loop are
in ``loop.tsv`` beside the server's log (``--verbose`` prints each action's window).

For each action: how long it took in page B (until its result shows and no
"compiling" indicator is left), and page A's longest gaps from the action's start to
``--settle-s`` after its end (a gap still open counts to the window's end): between two
epoch changes (the readout is redrawn 5 times a second, so 0.2 s is its floor), and
between two **updates** of page A's screen, an epoch change or a new heat map painted
(redrawn up to 40 times a second while it plays): the time page A showed nothing new.
Issue #9 item 4's target: ≤ 0.3 s.  Last line:
``stall worst_gap_s=<..> quiet_gap_s=<..> worst_update_gap_s=<..> quiet_update_gap_s=<..>``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's root
sys.path.insert(0, str(Path(__file__).resolve().parent))  # send_log
from playground.serving import (  # noqa: E402
    EPOCH_PROBE_JS,
    EPOCH_PROBE_READ_JS,
    REPO_ROOT,
    free_port,
    launch_chromium,
    longest_gap,
    server_command,
    start_server,
    stop_server,
    wait_for_http,
)

LAYERS = ("10,10,10", "12,12,12", "16,16,16,16", "24,24,24,24,24", "32,32,32,32,32,32")
HEAVY = "lab=mlp&layers=32,32,32,32,32,32&points=2000&train_ratio=90&batch=1"
FORMULAS = ("x**2/3 + y**2 + sin(2*x)*cos(3*y)", "x**2 + 3*y**2 + cos(x*y)",
            "(x-1)**2 + (y-x**2)**2/7 + sin(5*x)/10")
CSV_BYTES = 7_000_000
HEAVY_PLAY_S = 8.0


#: JS (page B): the number of nodes the network diagram draws (null before it exists).
NODES_JS = """() => {
  if (!window.Bokeh || !Bokeh.documents || Bokeh.documents.length === 0) return null;
  const m = Bokeh.documents[0].get_model_by_name('pg-network-nodes');
  return m == null ? null : m.data.x.length;
}"""

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def wait_until_idle(pids: list[int], timeout: float = 180.0, share: float = 0.08):
    """Until the servers use under ``share`` of a core over a second (warm-up done)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = sum(map(cpu_seconds, pids))
        time.sleep(1.0)
        if sum(map(cpu_seconds, pids)) - before < share:
            return
    print(f"(the server never came to rest within {timeout:.0f} s)")


def process_tree(root: int) -> list[int]:
    """``root`` and every process below it (``/proc``'s parent links)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):  # gone meanwhile
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def pin(roots: dict[int, int]):
    """Every thread of every process below each root on its CPU (``root → cpu``)."""
    for root, cpu in roots.items():
        for pid in process_tree(root):
            for task in Path(f"/proc/{pid}/task").glob("*"):
                with contextlib.suppress(OSError):
                    os.sched_setaffinity(int(task.name), {cpu})


def renice(roots: set[int], niceness: int):
    """Every thread of every process below each of ``roots`` at ``niceness``."""
    for root in roots:
        for pid in process_tree(root):
            for task in Path(f"/proc/{pid}/task").glob("*"):
                with contextlib.suppress(OSError):
                    os.setpriority(os.PRIO_PROCESS, int(task.name), niceness)


def chromium_roots() -> set[int]:
    """The Chromium browser processes now running (not their renderers and helpers)."""
    roots = set()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            args = cmdline.read_bytes().split(b"\0")
            if b"chrom" in args[0] and not any(a.startswith(b"--type=") for a in args):
                roots.add(int(cmdline.parent.name))
    return roots


def wait_for(page, condition, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except Exception:  # not there yet (text, element, document)
            pass
        page.wait_for_timeout(50)
    raise TimeoutError(f"page B: timed out waiting for {what}")


def busy(page) -> bool:
    """Whether page B shows work under way (the player's spinner, a compiling line)."""
    return any(page.locator(css).first.is_visible()
               for css in (".pg-busy", ".pg-compiling") if page.locator(css).count())


def settled(page):
    wait_for(page, lambda: not busy(page), 120, "the work under way to end")


def open_mlp(page, url: str, query: str = "lab=mlp"):
    page.goto(f"{url}?{query}", wait_until="load")
    page.locator(".pg-layers input").wait_for(state="visible", timeout=120_000)
    wait_for(page, lambda: page.evaluate(NODES_JS), 120, "the network diagram")
    page.locator(".pg-complete").wait_for(state="attached", timeout=120_000)  # every part
    settled(page)


def change_layers(page, layers: str):
    box = page.locator(".pg-layers input")
    box.fill(layers)
    box.press("Enter")
    nodes = 2 + sum(map(int, layers.split(","))) + 2  # x1, x2 … two classes
    wait_for(page, lambda: page.evaluate(NODES_JS) == nodes, 120, f"layers {layers}")
    settled(page)


def play_heavy(page):
    page.locator(".pg-speed select").select_option("20")
    page.wait_for_timeout(300)
    page.locator(".pg-play button").click()
    page.wait_for_timeout(int(HEAVY_PLAY_S * 1000))
    page.locator(".pg-play button").click()
    wait_for(page, lambda: page.locator(".pg-play button").inner_text().strip().endswith(
        "Play"), 60, "the heavy network to pause")


def open_formula_lab(page, url: str):
    page.goto(f"{url}?lab=optimizers&surface=custom", wait_until="load")
    page.locator(".pg-sidebar input[type=text]").first.wait_for(state="visible",
                                                                timeout=120_000)
    settled(page)


def type_formula(page, formula: str):
    from urllib.parse import parse_qs, urlsplit

    box = page.locator(".pg-sidebar input[type=text]").first
    box.fill(formula)
    box.press("Enter")
    expr = lambda: parse_qs(urlsplit(page.url).query).get("expr", [None])[0]
    wait_for(page, lambda: expr() == formula, 120, f"the formula {formula!r} raced")
    settled(page)


def upload(page, path: Path):
    page.locator(".pg-upload input[type=file]").set_input_files(str(path))
    wait_for(page, lambda: page.locator(".pg-upload-message").is_visible()
             or page.get_by_label("Data set").input_value() == "uploaded", 120,
             "the upload's answer")
    settled(page)


def write_csv(path: Path, size: int):
    """An ``x1,x2,label`` file of about ``size`` bytes (two classes)."""
    row = "{:.6f},{:.6f},{}\n"
    with path.open("w") as f:
        f.write("x1,x2,label\n")
        written, i = 0, 0
        while written < size:
            line = row.format((i % 997) / 100 - 5, (i % 991) / 100 - 5, i % 2)
            f.write(line)
            written += len(line)
            i += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep-cache", action="store_true",
                    help="use the usual JAX disk cache (networks may load, not compile)")
    ap.add_argument("--settle-s", type=float, default=1.0,
                    help="watch page A this long after each action ends")
    ap.add_argument("--quiet-s", type=float, default=6.0, help="page A alone, first")
    ap.add_argument("--only", nargs="*", help="the actions to run (names as printed)")
    ap.add_argument("--opens", type=int, default=1,
                    help="how many times page B opens the MLP lab first (a gap's spread)")
    ap.add_argument("--backends", type=int, default=0,
                    help="through the deployment's proxy to this many servers (0: one "
                         "server, no proxy)")
    ap.add_argument("--pin", action="store_true",
                    help="with --backends 2: page A's browser and backend on CPU 0, B's on 1")
    ap.add_argument("--nice-b", type=int, default=0,
                    help="page B's Chromium at this niceness (every process and thread, "
                         "re-applied as they come): as if B's browser ran on another "
                         "machine, as far as page A's browser is concerned")
    ap.add_argument("--sends", action="store_true",
                    help="(one server) also page A's longest gap between the server's "
                         "messages to it (benchmarks/send_log.py)")
    ap.add_argument("--verbose", action="store_true",
                    help="also say when, in each action, page A's longest gaps began")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="bench-stall-"))
    env = dict(os.environ)
    if not args.keep_cache:
        env["PLAYGROUND_JAX_CACHE"] = str(tmp / "jax-cache")
    csv_path = tmp / "big.csv"
    write_csv(csv_path, CSV_BYTES)
    port = free_port()
    url = f"http://127.0.0.1:{port}/app"
    log_path = tmp / "server.log"
    load_before = os.getloadavg()[0]
    with log_path.open("w") as log:
        if args.backends:
            from playground import deploy

            os.environ.update(env)  # the backends' environment: the benchmark's cache
            cluster = deploy.start(port=port, run_dir=tmp / "cluster", log=log,
                                   backend_ports=[free_port() for _ in range(args.backends)])
            pids = {str(port): p.pid for port, p in zip(cluster.backend_ports,
                                                         cluster.processes, strict=False)}
            stop = cluster.stop
        else:
            if args.sends:  # the same server, through the wrapper that notes its sends
                command = [sys.executable, str(Path(__file__).with_name("send_log.py")),
                           str(tmp / "sends.tsv"), str(tmp / "loop.tsv"), "--",
                           *server_command(port)[3:]]
                proc = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
            else:
                proc = start_server(port, env=env, log=log)
            pids, stop = {str(port): proc.pid}, lambda: stop_server(proc)
        try:
            if not args.backends:
                wait_for_http(url, proc)
            results = run(url, pids, csv_path, args, sync_playwright)
        finally:
            stop()
    print(f"load average before {load_before:.2f}, after {os.getloadavg()[0]:.2f}; "
          f"server log {log_path}")
    tracebacks = log_path.read_text().count("Traceback")
    print(f"tracebacks in the server log: {tracebacks}")
    sent = {}
    if args.sends:  # page A connected first: connection 0
        from send_log import read

        times = read(str(tmp / "sends.tsv"), 0)
        windows = results["windows"]
        sent = {name: longest_gap(times, s, e) / 1000 for name, (s, e) in windows.items()}
        sent_where = {name: gaps_in(times, s, e) for name, (s, e) in windows.items()}
    results.pop("windows", None)
    quiet = results.pop("page A alone")[:4]
    server = lambda name: f" {sent[name]:10.2f} s" if sent else ""
    print(f"{'action (page B)':44s} {'took':>8s} {'A: epoch gap':>13s} {'A: update gap':>14s}"
          f" {'A: frame gap':>13s}" + (f" {'A: sent gap':>12s}" if sent else ""))
    print(f"{'(none: page A alone)':44s} {'':>8s} {quiet[1]:11.2f} s {quiet[2]:12.2f} s"
          f" {quiet[3]:11.2f} s" + server("page A alone"))
    for name, (took, gap, update_gap, frame_gap, where) in results.items():
        print(f"{name:44s} {took:6.2f} s {gap:11.2f} s {update_gap:12.2f} s"
              f" {frame_gap:11.2f} s" + server(name))
        if args.verbose and sent:
            print(f"    window: --start {windows[name][0]:.0f} --end {windows[name][1]:.0f};"
                  " longest sent gaps:", ", ".join(f"{at:.2f} +{length:.2f}"
                                                  for at, length in sent_where[name]))
        if args.verbose:
            print("    longest gaps (s after the action began, length):", ", ".join(
                f"{at:.2f} +{length:.2f}" for at, length in where))
    worst = max(r[1] for r in results.values()) if results else float("nan")
    worst_update = max(r[2] for r in results.values()) if results else float("nan")
    print(f"stall worst_gap_s={worst:.2f} quiet_gap_s={quiet[1]:.2f} "
          f"worst_update_gap_s={worst_update:.2f} quiet_update_gap_s={quiet[2]:.2f}" + (
        f" worst_sent_gap_s={max(v for k, v in sent.items() if k != 'page A alone'):.2f}"
        if sent else ""))


def run(url: str, pids: dict[str, int], csv_path: Path, args, sync_playwright) -> dict:
    """Every action in page B, with page A's longest gaps: name → (took s, epoch gap s,
    update gap s (the epoch or the heat map), A's longest time between animation frames
    s, the longest update gaps)."""
    actions = [(f"open the MLP lab{f' #{i + 1}' if args.opens > 1 else ''}",
                lambda b: open_mlp(b, url)) for i in range(args.opens)]
    actions += [(f"layers {layers}", lambda b, layers=layers: change_layers(b, layers))
                for layers in LAYERS]
    actions += [("open a heavy network", lambda b: open_mlp(b, url, HEAVY)),
                ("play the heavy network at speed 20 for 8 s", play_heavy),
                ("open the optimizer lab on a formula", lambda b: open_formula_lab(b, url))]
    actions += [(f"type {formula}", lambda b, formula=formula: type_formula(b, formula))
                for formula in FORMULAS]
    actions += [("open the MLP lab again", lambda b: open_mlp(b, url)),
                ("upload a 7 MB CSV file", lambda b: upload(b, csv_path))]
    if args.only:
        keep = [name for name, _ in actions if any(o in name for o in args.only)]
        actions = [(n, a) for n, a in actions if n in keep or n.startswith("open")]
    with sync_playwright() as p:
        before = chromium_roots()
        browser_a = launch_chromium(p)
        roots_a = chromium_roots() - before
        browser_b = launch_chromium(p)
        roots_b = chromium_roots() - before - roots_a
        pinning = threading.Event()
        try:
            a = browser_a.new_page(viewport={"width": 1400, "height": 1000})
            b = browser_b.new_page(viewport={"width": 1400, "height": 1000})
            a.goto(f"{url}?lab=mlp", wait_until="load")
            a.locator(".pg-epoch").wait_for(state="visible", timeout=180_000)
            wait_until_idle(list(pids.values()))
            a.locator(".pg-play button").click()
            wait_for(a, lambda: float(a.locator(".pg-epoch").inner_text()) > 20, 180,
                     "page A to train")
            if args.backends:
                open_mlp(b, url)  # B's backend: least_conn's choice, then its cookie's
                backend = {}
                for name, page in (("A", a), ("B", b)):
                    cookie = {c["name"]: c["value"] for c in page.context.cookies()}
                    backend[name] = pids[cookie["pg_backend"].rsplit(":", 1)[1]]
                    print(f"page {name}: backend {cookie['pg_backend']}", flush=True)
            if args.pin:
                roots = {**{r: 0 for r in roots_a}, **{r: 1 for r in roots_b},
                         backend["A"]: 0, backend["B"]: 1}
                print(f"pinned to CPU 0 and 1: {roots}", flush=True)

                def keep_pinned():  # new renderers and threads come as pages open
                    while not pinning.wait(0.25):
                        pin(roots)
                pin(roots)
                threading.Thread(target=keep_pinned, daemon=True).start()
                time.sleep(2.0)  # page A's frames settle on its one core
            if args.nice_b:
                def keep_niced():  # new renderers and threads come as pages open
                    while not pinning.wait(0.25):
                        renice(roots_b, args.nice_b)
                renice(roots_b, args.nice_b)
                threading.Thread(target=keep_niced, daemon=True).start()
            a.evaluate(EPOCH_PROBE_JS)
            windows = {}
            start = time.time() * 1000
            time.sleep(args.quiet_s)
            windows["page A alone"] = (start, time.time() * 1000, 0.0)
            for name, action in actions:
                start = time.time() * 1000
                action(b)
                end = time.time() * 1000
                time.sleep(args.settle_s)
                windows[name] = (start, end + args.settle_s * 1000, (end - start) / 1000)
                print(f"  done: {name} ({(end - start) / 1000:.2f} s)", flush=True)
            rec = a.evaluate(EPOCH_PROBE_READ_JS)
        finally:
            pinning.set()
            browser_a.close()
            browser_b.close()
    changes = [t for t, _ in rec["changes"]]
    frames = rec["frames"]
    updates = sorted(changes + rec["paints"])  # anything new on page A's screen
    results = {name: (took, longest_gap(changes, s, e) / 1000,
                      longest_gap(updates, s, e) / 1000,
                      longest_gap(frames, s, e) / 1000, gaps_in(updates, s, e))
               for name, (s, e, took) in windows.items()}
    results["windows"] = {name: (s, e) for name, (s, e, _) in windows.items()}
    return results


def gaps_in(changes: list[float], start: float, end: float, n: int = 3) -> list:
    """The ``n`` longest gaps overlapping [start, end]: (s from ``start``, length s)."""
    times = [t for t in changes if t <= end]
    gaps = [(a, b - a) for a, b in zip(times, times[1:], strict=False) if b >= start]
    return [((a - start) / 1000, g / 1000) for a, g in sorted(gaps, key=lambda x: -x[1])[:n]]


if __name__ == "__main__":
    main()
