"""Lesson sequences in a real browser (issue #12, "Present"), at 1280 × 720.

* ``?lesson=saddle_escape`` opens its first step; PageDown / Shift+→ and PageUp move
  through the steps in place; the link carries ``lesson_step`` and the step's settings,
  and Back / Forward bring back both the step and its settings;
* a step of another lab loads that lab's page with the lesson's keys, and Back returns
  to the step before, in its own lab;
* an uploaded lesson (YAML) starts at its first step, keeps going after a lab change
  (the tab keeps the file), shows a hostile caption as plain characters, and a bad file
  gives one line in the page;
* no console errors.
"""

from __future__ import annotations

import pytest

from playground.ui.lesson import shipped_lesson, step_search
from playground.ui.shell import link_table

from .helpers import assert_no_errors, number, open_page, query_of, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

LOAD_S = 60


def count(page) -> str:
    return page.locator(".pg-lesson-count").inner_text().strip()


def caption(page) -> str:
    return page.locator(".pg-lesson-caption").inner_text().strip()


def wait_for_step(page, k: int, n: int):
    """The bar says step ``k`` of ``n`` and the link carries ``lesson_step=k``."""
    page.locator(".pg-lesson-caption").wait_for(state="visible", timeout=LOAD_S * 1000)
    wait_until(page, lambda: count(page) == f"step {k} of {n}"
               and query_of(page).get("lesson_step") == str(k), LOAD_S, f"step {k}")


def wait_for_lab(page, lab: str):
    page.locator(".pg-lesson-caption").wait_for(state="visible", timeout=LOAD_S * 1000)
    ready = {"optimizers": ".pg-player", "mlp": ".pg-epoch", "biasvariance": ".pg-bv-curves"}
    page.locator(ready[lab]).first.wait_for(state="visible", timeout=LOAD_S * 1000)
    # The controls come last (hidden in lecture mode): then the page is complete.
    page.locator(".pg-lesson-card").wait_for(state="attached", timeout=LOAD_S * 1000)


def test_keyboard_steps_in_place_and_back_forward_keep_the_step(new_page, server_url):
    lesson = shipped_lesson("saddle_escape", link_table)
    page = open_page(new_page, f"{server_url}?lesson=saddle_escape")
    wait_for_lab(page, "optimizers")
    wait_for_step(page, 1, 4)
    assert caption(page) == lesson.steps[0].caption["en"]
    assert query_of(page)["surface"] == "saddle" and query_of(page)["x0"] == "0"
    expect_disabled = page.locator(".pg-lesson-back button")
    assert expect_disabled.is_disabled()

    page.keyboard.press("PageDown")
    wait_for_step(page, 2, 4)
    assert caption(page) == lesson.steps[1].caption["en"]
    wait_until(page, lambda: float(query_of(page).get("x0", "nan")) == 1e-6, 20, "x0 = 1e-6")
    page.keyboard.press("Shift+ArrowRight")
    wait_for_step(page, 3, 4)
    wait_until(page, lambda: query_of(page).get("noise") == "0.5", 20, "noise 0.5")
    assert page.locator(".pg-x0 input").first.input_value() == "0"

    page.go_back()
    wait_for_step(page, 2, 4)
    wait_until(page, lambda: page.locator(".pg-x0 input").first.input_value() != "0", 20,
               "x0 back to 1e-6 in its box")
    assert "noise" not in query_of(page)
    page.go_forward()
    wait_for_step(page, 3, 4)
    assert query_of(page)["noise"] == "0.5"
    page.keyboard.press("PageUp")
    wait_for_step(page, 2, 4)
    page.reload()
    wait_for_lab(page, "optimizers")
    wait_for_step(page, 2, 4)  # a reload keeps the place
    assert_no_errors(page)


def test_a_step_of_another_lab_loads_its_page_and_back_returns(new_page, server_url):
    lesson = shipped_lesson("overfitting", link_table)
    n = len(lesson.steps)
    assert lesson.steps[n - 2].lab == "mlp" and lesson.steps[n - 1].lab == "biasvariance"
    page = open_page(new_page, server_url + step_search(lesson, n - 1, {"present": "1"}))
    wait_for_lab(page, "mlp")
    wait_for_step(page, n - 1, n)
    page.keyboard.press("PageDown")
    wait_until(page, lambda: query_of(page).get("lab") == "biasvariance", LOAD_S,
               "the bias-variance lab's page")
    wait_for_lab(page, "biasvariance")
    wait_for_step(page, n, n)
    assert query_of(page)["present"] == "1"  # the display's keys go with the step
    assert caption(page) == lesson.steps[n - 1].caption["en"]
    assert page.locator(".pg-lesson-next button").is_disabled()
    for _ in range(3):  # the link as opened, then as the page wrote it: one lab
        page.go_back()
        page.wait_for_timeout(1500)
        if query_of(page).get("lab") == "mlp":
            break
    wait_for_lab(page, "mlp")
    wait_for_step(page, n - 1, n)
    assert query_of(page)["early_stop"] == "1"
    assert_no_errors(page)


UPLOADED = """\
title: {en: "A lesson of my own", zh: 我自己的课程}
steps:
  - link: lab=optimizers&surface=rosenbrock&optimizers=adam
    caption: "<img src=x onerror=\\"window.pwned=1\\"> **not bold** [a](http://example.com)"
  - link: "?lab=mlp&dataset=xor&layers=4"
    caption: {en: XOR needs a hidden layer., zh: 异或需要一个隐藏层。}
"""


def test_an_uploaded_lesson_is_kept_across_a_lab_change(new_page, server_url, tmp_path):
    page = open_page(new_page, f"{server_url}?lab=optimizers")
    page.locator(".pg-lesson-card").wait_for(state="visible", timeout=LOAD_S * 1000)
    assert not page.locator(".pg-lesson-bar").is_visible()
    page.locator(".pg-lesson-card").get_by_text("Guided lessons").click()
    bad = tmp_path / "bad.json"
    bad.write_text('{"title": "x", "steps": [], "colour": "red"}')
    page.locator(".pg-lesson-upload input[type=file]").set_input_files(str(bad))
    error = page.locator(".pg-lesson-error")
    line = page.get_by_text("This lesson file cannot be used: the file has an unknown key: "
                            "colour.", exact=True)
    line.wait_for(state="visible", timeout=20_000)  # one line, no traceback
    assert error.is_visible()

    good = tmp_path / "mine.yaml"
    good.write_text(UPLOADED)
    page.locator(".pg-lesson-upload input[type=file]").set_input_files(str(good))
    wait_for_step(page, 1, 2)
    assert not error.is_visible()
    wait_until(page, lambda: query_of(page).get("surface") == "rosenbrock", 30, "rosenbrock")
    assert query_of(page)["lesson"] == "uploaded"
    assert caption(page) == ('<img src=x onerror="window.pwned=1"> **not bold** '
                             '[a](http://example.com)')
    bar = page.locator(".pg-lesson-bar")
    assert bar.locator("img").count() == 0 and bar.locator("a").count() == 0
    assert page.evaluate("() => window.pwned === undefined")

    page.keyboard.press("PageDown")
    wait_until(page, lambda: query_of(page).get("lab") == "mlp", LOAD_S, "the MLP lab's page")
    wait_for_lab(page, "mlp")
    wait_for_step(page, 2, 2)  # the tab gave the file back to the new page
    assert caption(page) == "XOR needs a hidden layer."
    assert query_of(page)["dataset"] == "xor"
    page.keyboard.press("PageUp")
    wait_until(page, lambda: query_of(page).get("lab") == "optimizers", LOAD_S,
               "the optimizer lab's page")
    wait_for_step(page, 1, 2)
    wait_for_lab(page, "optimizers")  # (the page complete, as before the other steps)
    page.locator(".pg-lesson-close button").click()
    wait_until(page, lambda: "lesson" not in query_of(page), 20, "the link without the lesson")
    assert not page.locator(".pg-lesson-bar").is_visible()
    assert_no_errors(page)


def test_a_lesson_in_chinese(new_page, server_url):
    lesson = shipped_lesson("momentum_ravine", link_table)
    page = open_page(new_page, f"{server_url}?lesson=momentum_ravine&lang=zh")
    page.locator(".pg-lesson-caption").wait_for(state="visible", timeout=LOAD_S * 1000)
    wait_until(page, lambda: count(page) == "第 1 步，共 5 步", LOAD_S, "step 1 in Chinese")
    assert caption(page) == lesson.steps[0].caption["zh"]
    assert page.locator(".pg-lesson-next button").inner_text().strip() == "下一步"
    assert_no_errors(page)


def test_a_bad_link_in_an_uploaded_lesson_is_said_in_chinese(new_page, server_url, tmp_path):
    """The link's problem inside the message is the tables' Chinese, not English."""
    page = open_page(new_page, f"{server_url}?lab=optimizers&lang=zh")
    page.locator(".pg-lesson-card").wait_for(state="visible", timeout=LOAD_S * 1000)
    page.locator(".pg-lesson-card").get_by_text("分步课程").click()
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: 坏链接\nsteps:\n  - link: lab=optimizers&sgd_lr=1000\n"
                   "    caption: x\n  - link: lab=optimizers&view3d=maybe\n    caption: y\n")
    page.locator(".pg-lesson-upload input[type=file]").set_input_files(str(bad))
    line = page.get_by_text("无法使用这个课程文件：第 1 步的链接页面无法读取："
                            "sgd_lr='1000'（超出范围 [1×10⁻⁷, 100]）。", exact=True)
    line.wait_for(state="visible", timeout=20_000)
    text = page.locator(".pg-lesson-error").inner_text()
    assert "outside" not in text and "(" not in text
    assert_no_errors(page)


def test_a_bad_lesson_step_in_the_link_is_said_in_chinese(new_page, server_url):
    page = open_page(new_page, f"{server_url}?lab=optimizers&lesson=saddle_escape"
                               "&lesson_step=9&lang=zh")
    page.locator(".pg-lesson-caption").wait_for(state="visible", timeout=LOAD_S * 1000)
    notice = page.get_by_text("lesson_step='9'（超出范围 [1, 4]）")
    notice.wait_for(state="visible", timeout=LOAD_S * 1000)
    assert "outside" not in notice.inner_text()
    assert_no_errors(page)


def test_next_while_the_network_trains_opens_the_next_step_at_epoch_0(new_page, server_url):
    """Over-fitting, step 4 (L2) played, then PageDown to step 5 (dropout) while it
    trains: step 5 showed the L2 network training on at epoch 2,810, its curves one run
    spliced from two, and its link had no dropout (a new user's review). Now the next
    step's own network at epoch 0, paused, its link the step's."""
    page = open_page(new_page, f"{server_url}?lesson=overfitting&lesson_step=4")
    wait_for_lab(page, "mlp")
    wait_for_step(page, 4, 7)

    def shown() -> float:
        return number(page, "pg-epoch")

    page.locator(".pg-lesson-caption").click()  # (Space is the page's key: no box focused)
    page.keyboard.press("Space")
    wait_until(page, lambda: shown() >= 30, LOAD_S, "training past epoch 30")
    page.keyboard.press("PageDown")
    wait_for_step(page, 5, 7)
    wait_until(page, lambda: shown() == 0, LOAD_S, "the step's network at epoch 0")
    page.wait_for_timeout(1500)  # still 0: paused, not the old run played on
    assert shown() == 0
    query = query_of(page)
    assert query.get("dropout") == "0.5" and "l2" not in query and "epoch" not in query
    assert_no_errors(page)
