"""The event loop's work to join a lab to its page, and the page's Bokeh models.

    python benchmarks/bench_page_open.py [--runs 5] [--panel-links] [QUERY ...]

Issue #9 item 4: every page shares the server's event loop, so what opening a page
costs there pauses every other page.  For each link (default: the three labs'), in one
process without a server: the page's shell is rendered into a Bokeh document, as the
browser's first request does, then the shell's steps that join the lab to it
(``Page._attach``, ``_start``, ``_attach_controls``, ``_attach_rest_of_controls`` once
per further part of the controls, and ``_attach_details``, whose time is added to those
parts'), each on a later tick in a server, are timed one by one in the
thread's CPU seconds (the median of ``--runs`` pages after a first one that imports and
compiles).  What a server adds on top, serialising each step's new models into its
message and sending it, grows with the same models; it is not counted here.

The process has the server's patches (``ui.session.make_panel_links_thread_safe``,
``link_callbacks_without_a_walk``, ``attach_new_models_only``) unless ``--panel-links``
(Panel's own pass, as before issue #9 item 4) or ``--bokeh-recompute`` (Bokeh's own walk
of the page's models after each change).  Last line per link:
``page_open query=<..> loop_cpu_s=<..> longest_step_s=<..> models=<..>`` (the longest
step: what another page waits for at most).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's root

STEPS = ("_attach", "_start", "_attach_controls", "_attach_rest_of_controls",
         "_attach_details")


def open_pages(query: str, runs: int) -> tuple[dict[str, list[float]], int]:
    """``runs + 1`` pages of ``query`` joined to their documents: each step's CPU
    seconds (the first page left out) and the last page's number of Bokeh models."""
    from bokeh.document import Document
    from panel.io.state import set_curdoc

    from playground.ui import shell
    from playground.ui.link import LinkLocation

    times: dict[str, list[float]] = {step: [] for step in (*STEPS, "total", "longest step",
                                                      "shell")}
    models = 0
    for run in range(runs + 1):
        doc = Document()
        pages = []
        attach = shell.Page._attach
        def hold_back(page, pages=pages):  # joined below, timed
            pages.append(page)

        shell.Page._attach = hold_back
        try:
            with set_curdoc(doc):
                view = shell.create_app(LinkLocation(search="?" + query))
                start = time.thread_time()  # the shell's models: the browser's request
                doc.add_root(view.get_root(doc))
                shell_s, shell_models = time.thread_time() - start, len(doc.models)
        finally:
            shell.Page._attach = attach
        (page,) = pages
        queue, spent, longest, each = [page._attach], {}, 0.0, []
        page._then = queue.append  # each step's next step, run after it is timed
        with set_curdoc(doc):
            while queue:
                step = queue.pop(0)
                start = time.thread_time()
                step()
                name = getattr(step, "__name__", "")
                name = name if name in STEPS else "_attach_rest_of_controls"  # a lambda
                took = time.thread_time() - start
                each.append((getattr(step, "__name__", ""), took))
                spent[name] = spent.get(name, 0.0) + took
                longest = max(longest, took)
        if run:
            for step in STEPS:
                times[step].append(spent.get(step, 0.0))
            times["total"].append(sum(spent.values()))
            times["longest step"].append(longest)
            times["shell"].append(shell_s)
            times["shell models"] = shell_models
            times["each"] = each  # the last page's steps, in order
        models = len(doc.models)
    return times, models


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("queries", nargs="*",
                    default=["lab=mlp", "lab=mlp&race=sgd,adam", "lab=optimizers",
                             "lab=biasvariance"])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--panel-links", action="store_true",
                    help="Panel's own pass over the page's models for its links")
    ap.add_argument("--bokeh-recompute", action="store_true",
                    help="Bokeh's own walk of the whole page after each change of its models")
    args = ap.parse_args()
    from playground.ui import session

    session.make_panel_links_thread_safe()
    if not args.panel_links:
        session.link_callbacks_without_a_walk()
    if not args.bokeh_recompute:
        session.attach_new_models_only()
    for query in args.queries:
        times, models = open_pages(query, args.runs)
        print(f"{query}: {models} Bokeh models; the loop's CPU per step (median of "
              f"{args.runs}):")
        print(f"  the shell's {times['shell models']} models (the page's request): "
              f"{statistics.median(times['shell']):.3f} s")
        for step in (*STEPS, "total", "longest step"):
            print(f"  {step:26s} {statistics.median(times[step]):.3f} s")
        print("  the last page's steps in order:",
              ", ".join(f"{name.lstrip('_').replace('<lambda>', 'part')} {took:.3f}"
                        for name, took in times["each"]))
        print(f"page_open query={query} loop_cpu_s={statistics.median(times['total']):.3f}"
              f" longest_step_s={statistics.median(times['longest step']):.3f}"
              f" models={models}", flush=True)


if __name__ == "__main__":
    main()
