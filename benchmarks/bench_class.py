"""A whole class on one server: pages at once, distinct links, pages that come and go.

    PYTHONPATH=. python benchmarks/bench_class.py load [--pages 1,5,10,25] [--seconds 10]
    PYTHONPATH=. python benchmarks/bench_class.py memory [--architectures 50] [--formulas 50]
    PYTHONPATH=. python benchmarks/bench_class.py sessions [--sessions 100] [--query &embed=1]

Each mode starts its own ``panel serve app.py`` (as ``serving.start_server`` does) and
drives headless system Chromium, several pages per browser; the server is read from
outside, as an operator would (``/proc``: resident memory, CPU time, threads).

* ``load``: N pages train the MLP lab at its default speed at once.  Per page, over
  ``--seconds``: heat maps received per second and repaints (animation frames showing
  a new heat map) per second; the server's memory per session, (RSS with N pages − RSS
  with the first page) / (N − 1).  Then one page closes mid-training and the others'
  rates are measured again (a page that leaves disturbs no one).  Issue #9: every page
  ≥ 15 repaints/s, ≤ 40 MB a session; the last line says how many pages one process
  held at ≥ 15 repaints/s.
* ``memory``: one page trains the MLP lab throughout (its longest gap between heat
  maps is the cost of the others to it, releases included) while pages with 50
  distinct architectures, then 50 distinct formulas, open (five at a time), draw and
  close.  RSS: at rest, the plateau (both labs' default pages open), the peak, and
  after every page has closed and its session ended.  Issue #9 item 3: peak ≤ 1.5 GB,
  after ≤ 1.2 × plateau.
* ``sessions``: pages of both labs (some training) opened and closed one after
  another: the server's threads and CPU at rest before and after.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's root
from playground.serving import (  # noqa: E402
    free_port,
    launch_chromium,
    process_cpu_seconds,
    process_rss_mb,
    process_threads,
    start_server,
    stop_server,
    wait_for_http,
)

MLP_QUERY = "lab=mlp"
#: JS: the MLP lab's heat map is drawn (its image data source has an image).
MLP_DRAWN_JS = """() => {
  if (!window.Bokeh || !Bokeh.documents || Bokeh.documents.length === 0) return false;
  const m = Bokeh.documents[0].get_model_by_name('pg-boundary-image');
  return m != null && m.data.image != null && m.data.image.length > 0;
}"""
#: JS: the optimizer lab's race is drawn (SGD's path has points).
RACE_DRAWN_JS = """() => {
  if (!window.Bokeh || !Bokeh.documents || Bokeh.documents.length === 0) return false;
  const m = Bokeh.documents[0].get_model_by_name('full_sgd');
  return m != null && Object.values(m.data).some((c) => c.length > 0);
}"""
#: JS: record when heat maps arrive and when a frame shows a new one.
PROBE_JS = """() => {
  const image = Bokeh.documents[0].get_model_by_name('pg-boundary-image');
  const rec = {start: performance.now(), received: [], painted: [], stop: false};
  window.__pgClass = rec;
  image.connect(image.properties.data.change, () => {
    if (!rec.stop) rec.received.push(performance.now());
  });
  let shown = image.data.image[0];
  const frame = (now) => {
    if (rec.stop) return;
    const current = image.data.image[0];
    if (current !== shown) { shown = current; rec.painted.push(now); }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}"""
READ_PROBE_JS = """() => {
  const rec = window.__pgClass, now = performance.now();
  const out = {span: now - rec.start, received: rec.received, painted: rec.painted};
  rec.start = now; rec.received = []; rec.painted = [];
  return out;
}"""


@contextlib.contextmanager
def server(budget_mb: float | None = None):
    """A ``panel serve app.py`` of its own: (process, app URL, log file)."""
    env = dict(os.environ)
    if budget_mb is not None:
        env["PLAYGROUND_PROGRAM_BUDGET_MB"] = str(budget_mb)
    env.setdefault("PLAYGROUND_JAX_CACHE", tempfile.mkdtemp(prefix="bench-class-cache-"))
    port = free_port()
    with tempfile.NamedTemporaryFile("w+", suffix=".log") as log:
        proc = start_server(port, env=env, log=log)
        try:
            url = f"http://127.0.0.1:{port}/app"
            wait_for_http(url, proc)
            yield proc, url, log
        finally:
            stop_server(proc)


def cpu_share(pid: int, seconds: float) -> float:
    before = process_cpu_seconds(pid)
    time.sleep(seconds)
    return (process_cpu_seconds(pid) - before) / seconds


def wait_until_idle(pid: int, timeout: float = 120.0, share: float = 0.05) -> float:
    """Seconds until the server uses under ``share`` of a core over a second."""
    start = time.monotonic()
    while cpu_share(pid, 1.0) > share:
        if time.monotonic() - start > timeout:
            raise TimeoutError("the server never came to rest")
    return time.monotonic() - start


class RssSampler:
    """The server's RSS every ``interval`` seconds, on a thread: ``peak``, ``last``."""

    def __init__(self, pid: int, interval: float = 0.25):
        self.pid, self.interval, self.peak, self.last = pid, interval, 0.0, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            with contextlib.suppress(OSError):
                self.last = process_rss_mb(self.pid)
                self.peak = max(self.peak, self.last)
            self._stop.wait(self.interval)

    def stop(self):
        self._stop.set()
        self._thread.join()


def open_training_page(browser, url: str, query: str = MLP_QUERY):
    """A page of the MLP lab, drawn, playing at the default speed, probe installed."""
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{url}?{query}", wait_until="load")
    page.wait_for_function(MLP_DRAWN_JS, timeout=180_000)
    page.locator(".pg-play button").click()
    return page


def rates(record: dict) -> tuple[float, float, float]:
    """(heat maps received/s, repaints/s, longest gap between heat maps received, s)."""
    span = record["span"] / 1000
    times = record["received"]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)] or [record["span"]]
    return len(times) / span, len(record["painted"]) / span, max(gaps) / 1000


def measure_pages(pages, seconds: float, pid: int
                  ) -> tuple[list[tuple[float, float, float]], float]:
    """Each page's ``rates`` over ``seconds``, and the seconds of CPU the server
    (process ``pid``) used over the same window."""
    for page in pages:
        page.evaluate(READ_PROBE_JS)  # a fresh window for every page
    before = process_cpu_seconds(pid)
    time.sleep(seconds)
    cpu_s = process_cpu_seconds(pid) - before
    return [rates(page.evaluate(READ_PROBE_JS)) for page in pages], cpu_s


def load(args):
    from playwright.sync_api import sync_playwright

    counts = sorted({int(n) for n in args.pages.split(",")})
    held = 0
    print(f"MLP lab, default setting, default speed; {args.seconds:g} s per measure; "
          f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")
    print("pages | received/s min median | repaints/s min median | worst gap s | "
          "RSS MB | MB/session | server CPU share, ms/heat map")
    with server() as (proc, url, _log), sync_playwright() as p:
        browsers = [launch_chromium(p) for _ in range(max(1, (counts[-1] + 4) // 5))]
        pages = []
        rest = process_rss_mb(proc.pid)
        rss_one = None
        for n in counts:
            while len(pages) < n:
                page = open_training_page(browsers[len(pages) % len(browsers)], url)
                page.evaluate(PROBE_JS)
                pages.append(page)
                if len(pages) == 1:
                    time.sleep(args.warmup)  # the first page compiles: let it settle
                    rss_one = process_rss_mb(proc.pid)
            time.sleep(args.warmup)
            results, cpu_s = measure_pages(pages, args.seconds, proc.pid)
            rss = process_rss_mb(proc.pid)
            per_session = (rss - rss_one) / (n - 1) if n > 1 else rss - rest
            received = [r[0] for r in results]
            repaints = [r[1] for r in results]
            print(f"{n:5d} | {min(received):6.1f} {statistics.median(received):6.1f} | "
                  f"{min(repaints):6.1f} {statistics.median(repaints):6.1f} | "
                  f"{max(r[2] for r in results):6.2f} | {rss:6.0f} | {per_session:5.1f} | "
                  f"{cpu_s / args.seconds:4.2f}, "
                  f"{1000 * cpu_s / max(1, sum(received) * args.seconds):5.1f}")
            server_ms = 1000 * cpu_s / max(1, sum(received) * args.seconds)
            if min(repaints) >= 15:
                held = n
        if len(pages) > 2:
            pages.pop(0).close()  # one page leaves mid-training
            results, _ = measure_pages(pages, args.seconds, proc.pid)
            repaints = [r[1] for r in results]
            print(f"one page closed mid-training: the other {len(pages)}: repaints/s min "
                  f"{min(repaints):.1f}, median {statistics.median(repaints):.1f}; worst gap "
                  f"{max(r[2] for r in results):.2f} s")
        for b in browsers:
            b.close()
    print(f"class_load pages_held_at_15_repaints_per_s={held} (of {counts}, the browsers "
          f"on the same {os.cpu_count()} cores)")
    # The browsers of a class run on the students' machines: what the server alone costs.
    print(f"class_load server_ms_per_heat_map={server_ms:.1f} (at {counts[-1]} pages): one "
          f"server core serves {1000 / server_ms / 15:.0f} pages at 15 heat maps/s")


def memory(args):
    from playwright.sync_api import sync_playwright

    shapes = [(w,) * depth for depth in (1, 2, 3) for w in range(3, 33)]
    links = [f"lab=mlp&layers={','.join(map(str, shapes[i % len(shapes)]))}"
             for i in range(args.architectures)]
    links += [f"lab=optimizers&surface=custom&expr=x**2%2B{i + 2}*y**2%2Bsin({i}*x)"
              for i in range(args.formulas)]
    with server(args.budget) as (proc, url, log), sync_playwright() as p:
        pid = proc.pid
        wait_until_idle(pid)
        rest = process_rss_mb(pid)
        browser = launch_chromium(p)
        observer = open_training_page(browser, url)
        observer.evaluate(PROBE_JS)
        other = browser.new_page()
        other.goto(f"{url}?lab=optimizers", wait_until="load")
        other.wait_for_function(RACE_DRAWN_JS, timeout=180_000)
        time.sleep(5)
        plateau = process_rss_mb(pid)
        print(f"server at rest {rest:.0f} MB; plateau (both labs' default pages open, one "
              f"training) {plateau:.0f} MB; budget {args.budget or 'the default'}")
        sampler = RssSampler(pid)
        start, gaps = time.monotonic(), []
        for first in range(0, len(links), args.at_once):
            batch = [browser.new_page() for _ in links[first:first + args.at_once]]
            for page, link in zip(batch, links[first:first + args.at_once], strict=True):
                page.goto(f"{url}?{link}", wait_until="commit")
            for page, link in zip(batch, links[first:first + args.at_once], strict=True):
                page.wait_for_function(MLP_DRAWN_JS if "lab=mlp" in link else RACE_DRAWN_JS,
                                       timeout=300_000)
                page.close()
            gaps.append(rates(observer.evaluate(READ_PROBE_JS))[2])
            done = first + len(batch)
            if done % 10 == 0:
                print(f"{done:3d} pages: RSS {sampler.last:.0f} MB, peak {sampler.peak:.0f} "
                      f"MB; the training page's longest gap {gaps[-1]:.2f} s "
                      f"({time.monotonic() - start:.0f} s)")
        observer.close()
        other.close()
        browser.close()
        # Bokeh ends a session 15–32 s after its last connection closed.
        time.sleep(args.linger)
        wait_until_idle(pid)
        sampler.stop()
        after = process_rss_mb(pid)
        log.flush()
        lines = [line for line in Path(log.name).read_text().splitlines()
                 if "releasing every compiled program" in line]
        releases = len(lines)
        if args.verbose:
            print("\n".join(lines))
        print(f"peak {sampler.peak:.0f} MB; every page closed: {after:.0f} MB "
              f"({after / plateau:.2f} × plateau); {releases} releases; the training "
              f"page's longest gap {max(gaps):.2f} s (median per group "
              f"{statistics.median(gaps):.2f} s)")
        print(f"class_memory peak_mb={sampler.peak:.0f} plateau_mb={plateau:.0f} "
              f"after_mb={after:.0f} releases={releases}")


def sessions(args):
    from playwright.sync_api import sync_playwright

    with server() as (proc, url, _log), sync_playwright() as p:
        pid = proc.pid
        browser = launch_chromium(p)
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        for lab in ("optimizers", "mlp"):  # each lab's code and pools once first
            page = context.new_page()
            page.goto(f"{url}?lab={lab}", wait_until="load")
            page.wait_for_function(MLP_DRAWN_JS if lab == "mlp" else RACE_DRAWN_JS,
                                   timeout=180_000)
            page.close()
        time.sleep(args.linger)
        wait_until_idle(pid)
        threads, rss = process_threads(pid), process_rss_mb(pid)
        start = time.monotonic()
        for i in range(args.sessions):
            page = context.new_page()
            lab = "mlp" if i % 2 else "optimizers"
            page.goto(f"{url}?lab={lab}{args.query}", wait_until="load")
            page.locator(".pg-sidebar select").first.wait_for(timeout=90_000)
            if lab == "mlp" and i % 4 == 1:
                page.locator(".pg-play button").click()
                page.wait_for_timeout(300)
            page.close()
        opened = time.monotonic() - start
        time.sleep(args.linger)  # every session ended
        idle_after = wait_until_idle(pid, timeout=30)
        share = cpu_share(pid, 5.0)
        links = f" ({args.query})" if args.query else ""
        print(f"{args.sessions} pages{links} opened and closed in {opened:.0f} s; then threads "
              f"{threads} → {process_threads(pid)}, RSS {rss:.0f} → {process_rss_mb(pid):.0f}"
              f" MB; at rest {idle_after:.0f} s after the sessions ended, CPU "
              f"{share * 100:.1f} % of a core")
        print(f"class_sessions sessions={args.sessions} threads_before={threads} "
              f"threads_after={process_threads(pid)} cpu_at_rest={share:.3f}")
        browser.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    a = sub.add_parser("load", help="pages training at once")
    a.add_argument("--pages", default="1,5,10,25", help="page counts, in order")
    a.add_argument("--seconds", type=float, default=10.0)
    a.add_argument("--warmup", type=float, default=5.0)
    a = sub.add_parser("memory", help="distinct architectures and formulas")
    a.add_argument("--architectures", type=int, default=50)
    a.add_argument("--formulas", type=int, default=50)
    a.add_argument("--at-once", type=int, default=5)
    a.add_argument("--budget", type=float, default=None, help="MB (default: the server's)")
    a.add_argument("--linger", type=float, default=40.0, help="s for sessions to end")
    a.add_argument("--verbose", action="store_true", help="print the server's releases")
    a = sub.add_parser("sessions", help="pages opened and closed")
    a.add_argument("--sessions", type=int, default=100)
    a.add_argument("--query", default="", help="added to each page's link, e.g. '&embed=1'")
    a.add_argument("--linger", type=float, default=40.0, help="s for sessions to end")
    args = ap.parse_args()
    {"load": load, "memory": memory, "sessions": sessions}[args.mode](args)


if __name__ == "__main__":
    main()
