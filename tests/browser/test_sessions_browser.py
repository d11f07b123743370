"""Pages that close: their work stops at once, and nothing is left behind.

Read from outside the server, as an operator would: its CPU time (``/proc``) and its
threads. Each test has a server of its own, so no other page's work is counted.
"""

from __future__ import annotations

import time

import pytest

from playground.serving import (
    free_port,
    process_cpu_seconds,
    process_threads,
    start_server,
    stop_server,
    wait_for_http,
)

from .helpers import close_tab

# They read the server's CPU: run alone (scripts/test.sh runs `-m quiet` by itself).
pytestmark = [pytest.mark.browser, pytest.mark.quiet, pytest.mark.timeout(300)]


def cpu_share(pid: int, seconds: float) -> float:
    """The share of one core that ``pid`` used over the next ``seconds``."""
    before = process_cpu_seconds(pid)
    time.sleep(seconds)
    return (process_cpu_seconds(pid) - before) / seconds


@pytest.fixture
def own_server():
    port = free_port()
    proc = start_server(port)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/app", proc)
        yield proc, f"http://127.0.0.1:{port}/app"
    finally:
        stop_server(proc)


def _epoch(page) -> float:
    return float(page.locator(".pg-epoch").inner_text().strip())


def wait_until_idle(pid: int, timeout: float = 120.0):
    """Until the server rests (the presets' warm-up, once per process, has run)."""
    deadline = time.monotonic() + timeout
    while cpu_share(pid, 1.0) > 0.05:
        assert time.monotonic() < deadline, "the server never came to rest"


def _train(page, url: str, pid: int):
    page.goto(url + "?lab=mlp&dataset=spiral&layers=8,8", wait_until="load")
    page.locator(".pg-play button").wait_for(timeout=90_000)
    wait_until_idle(pid)
    page.locator(".pg-play button").click()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if _epoch(page) >= 20:
                return
        except ValueError:
            pass
        page.wait_for_timeout(200)
    raise AssertionError("the lab did not train")


def test_a_closed_page_stops_training_within_two_seconds(browser, own_server):
    proc, url = own_server
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    _train(page, url, proc.pid)
    assert cpu_share(proc.pid, 2.0) > 0.15  # training: about a quarter of a core
    page.close()  # the tab closes; Bokeh would end the session 15–35 s later
    time.sleep(2.0)
    assert cpu_share(proc.pid, 2.0) < 0.05, "the closed page's training went on"
    context.close()


def test_many_pages_opened_and_closed_leave_no_thread_behind(browser, own_server):
    proc, url = own_server
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()  # both labs once first: their code compiled, their pools
    page.goto(f"{url}?lab=optimizers", wait_until="load")
    page.locator(".pg-sidebar select").first.wait_for(timeout=90_000)
    _train(page, url, proc.pid)
    page.close()
    time.sleep(3.0)
    threads = process_threads(proc.pid)
    for i in range(8):  # pages of both labs, some training, closed at once
        page = context.new_page()
        lab = "mlp" if i % 2 else "optimizers"
        page.goto(f"{url}?lab={lab}", wait_until="load")
        page.locator(".pg-sidebar select").first.wait_for(timeout=90_000)
        if lab == "mlp" and i % 4 == 1:
            page.locator(".pg-play button").click()
            page.wait_for_timeout(500)
        close_tab(page)
    wait_until_idle(proc.pid, timeout=10.0)  # a closed page does not work on
    # Threads come from pools that may grow by one or two; never one per page.
    assert process_threads(proc.pid) <= threads + 2, (threads, process_threads(proc.pid))
    context.close()
