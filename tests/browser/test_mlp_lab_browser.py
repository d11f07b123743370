"""The MLP lab in a real browser: play trains, the numbers on the page move."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]


def number(page, css_class: str) -> float:
    return float(page.locator(f".{css_class}").inner_text().strip())


def wait_until(page, condition, timeout_s: float, what: str):
    """Poll ``condition()`` (Playwright locators pierce Panel's shadow DOM; JS does not)."""
    for _ in range(int(timeout_s * 4)):
        try:
            if condition():
                return
        except ValueError:  # text not there yet
            pass
        page.wait_for_timeout(250)
    raise AssertionError(f"timed out waiting for {what}")


def test_play_trains_and_pause_stops(page, server_url):
    page.goto(server_url + "?lab=mlp&dataset=xor&layers=8&optimizer=adam&lr=0.03",
              wait_until="load")
    page.locator(".pg-epoch").wait_for(state="visible", timeout=60_000)
    wait_until(page, lambda: number(page, "pg-epoch") == 0, 60, "epoch 0")
    # The epoch-0 losses are shown before any training.
    wait_until(page, lambda: number(page, "pg-train-loss") > 0, 60, "the first loss")
    first_loss = number(page, "pg-train-loss")

    page.locator(".pg-play button").click()
    wait_until(page, lambda: number(page, "pg-epoch") >= 40, 90, "40 epochs")
    page.locator(".pg-play button").click()  # pause
    page.wait_for_timeout(500)
    stopped_at = number(page, "pg-epoch")
    page.wait_for_timeout(1500)
    assert number(page, "pg-epoch") == stopped_at  # the periodic callback stopped
    assert number(page, "pg-train-loss") < 0.7 * first_loss
    assert number(page, "pg-val-loss") > 0
    assert page.errors == [], "\n".join(page.errors)
