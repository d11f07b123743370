"""Lesson files (``playground.ui.lesson``): the format, its strict checks, the shipped
lessons (every step's link read by the shell's own reader without a problem) and the
guide's link keys, without a browser."""

from __future__ import annotations

import json

import panel as pn
import pytest

from playground.text import LANGUAGES
from playground.ui import lesson as ls
from playground.ui.flow import WHOLE_LABEL
from playground.ui.link import read_query, render_problems
from playground.ui.present import FOCUS_RING, TOUCH_TARGETS, Display
from playground.ui.shell import LABS, Page, lab_class, link_table, prepare_state

GOOD = {
    "title": {"en": "Two steps", "zh": "两步"},
    "steps": [
        {"link": "lab=optimizers&surface=ravine&optimizers=sgd",
         "caption": {"en": "First.", "zh": "第一步。"}},
        {"link": "?lab=mlp&dataset=xor&layers=4", "caption": "Second."},
    ],
}


def parse(data, filename="lesson.json", **kwargs):
    text = data if isinstance(data, (str, bytes)) else json.dumps(data)
    return ls.parse_lesson(text, link_table, filename=filename, **kwargs)


def refused(data, filename="lesson.json") -> ls.LessonError:
    with pytest.raises(ls.LessonError) as info:
        parse(data, filename)
    for lang in LANGUAGES:  # every problem has its one line in every language
        line = info.value.message(lang)
        assert line and "\n" not in line and "{" not in line
    return info.value


@pytest.mark.parametrize(("text", "filename"), [
    ("[" * 30_000 + "]" * 30_000, "deep.json"),  # Python's RecursionError
    ("a: " + "[" * 30_000 + "]" * 30_000, "deep.yaml"),
    ('{"title": ' + "9" * 5000 + ', "steps": []}', "big.json"),  # past int's 4,300 digits
    ("title: " + "9" * 5000, "big.yaml"),
])
def test_a_file_too_deep_or_with_too_long_a_number_gets_the_lessons_own_line(text, filename):
    """It showed Python's words ("maximum recursion depth exceeded while decoding…",
    "Exceeds the limit (4300 digits)…"), in English in a Chinese page, and logged a
    traceback."""
    assert refused(text, filename).code == "unreadable"


def test_a_good_lesson_in_json_and_in_yaml():
    lesson = parse(GOOD)
    assert lesson.name == ls.UPLOADED
    assert lesson.title_in("zh") == "两步" and lesson.title_in("fr") == "Two steps"
    assert [s.lab for s in lesson.steps] == ["optimizers", "mlp"]
    assert lesson.steps[1].link == "lab=mlp&dataset=xor&layers=4"  # the "?" dropped
    assert lesson.steps[1].caption_in("zh") == "Second."  # one text for every language
    yaml_text = """
title: {en: Two steps, zh: 两步}
steps:
  - link: lab=optimizers&surface=ravine&optimizers=sgd
    caption: {en: First., zh: 第一步。}
  - link: "?lab=mlp&dataset=xor&layers=4"
    caption: Second.
"""
    assert parse(yaml_text, "lesson.yaml") == lesson
    assert parse(yaml_text, "lesson") == lesson  # not JSON: read as YAML


@pytest.mark.parametrize(("change", "code", "field"), [
    ({"colour": "red"}, "unknown_key", "colour"),
    ({"steps": [{**GOOD["steps"][0], "note": "x"}]}, "unknown_key", "note"),
    ({"title": {"en": "x", "fr": "y"}}, "unknown_key", "fr"),
    ({"title": None}, "not_text", None),
    ({"steps": []}, "no_steps", None),
    ({"steps": "lab=mlp"}, "no_steps", None),
    ({"steps": [GOOD["steps"][0]] * (ls.MAX_STEPS + 1)}, "too_many_steps", None),
    ({"steps": ["lab=mlp"]}, "not_a_step", None),
    ({"steps": [{"link": "lab=mlp"}]}, "missing", "caption"),
    ({"steps": [{"link": "lab=mlp", "caption": "x" * (ls.MAX_CAPTION + 1)}]},
     "too_long", None),
    ({"steps": [{"link": "lab=mlp", "caption": 3}]}, "not_text", None),
])
def test_a_lesson_with_a_wrong_part_is_refused(change, code, field):
    error = refused({**GOOD, **change})
    assert error.code == code
    if field is not None:
        assert error.fields["field"] == field
        assert field in error.message("en") and field in error.message("zh")


@pytest.mark.parametrize(("link", "shown"), [
    ("surface=ravine", "lab=''"),  # no lab
    ("lab=physics", "lab='physics'"),
    ("lab=optimizers&surface=moon", "surface='moon'"),
    ("lab=optimizers&sgd_lr=1000", "sgd_lr='1000'"),
    ("lab=optimizers&colour=red", "colour='red' (unknown key)"),
    ("lab=mlp&layers=8&lr=0.1", "lr='0.1' (unknown key)"),  # the MLP's knob is `lr`...
    ("lab=optimizers&lang=zh", "lang='zh' (unknown key)"),  # the page's own keys
    ("lab=optimizers&lesson=x&lesson_step=2", "lesson='x' (unknown key)"),
    ("lab=mlp&embed=1", "embed='1' (unknown key)"),
    ("lab=optimizers&lab=mlp", "given twice"),
    ("lab=biasvariance&truths=sin", "truths='sin' (unknown key)"),
])
def test_a_link_the_page_cannot_read_is_refused(link, shown):
    if link == "lab=mlp&layers=8&lr=0.1":  # ... so this one is good
        parse({**GOOD, "steps": [{"link": link, "caption": "x"}]})
        return
    error = refused({**GOOD, "steps": [GOOD["steps"][0], {"link": link, "caption": "x"}]})
    assert error.code == "bad_link" and error.where == 2
    assert shown in error.fields["problem"]
    assert error.message("en").startswith("step 2 has a link")
    assert error.message("zh").startswith("第 2 步")


@pytest.mark.parametrize(("link", "chinese"), [
    ("surface=ravine", "lab=''（未知的实验）"),
    ("lab=physics", "lab='physics'（未知的实验）"),
    ("lab=optimizers&surface=moon", "surface='moon'（应为以下之一：ravine, "),
    ("lab=optimizers&sgd_lr=1000", "sgd_lr='1000'（超出范围 [1×10⁻⁷, 100]）"),
    ("lab=optimizers&colour=red", "colour='red'（未知的键）"),
    ("lab=optimizers&lab=mlp", "lab='mlp'（出现了两次：使用第一个）"),
    ("lab=mlp&batch=abc", "batch='abc'（不是整数）"),
    ("lab=optimizers&view3d=maybe", "view3d='maybe'（应为 1 或 0）"),
])
def test_a_bad_link_is_said_wholly_in_the_pages_language(link, chinese):
    """The link's problem inside a lesson's message comes from the language tables too
    (it was the English text inside a Chinese sentence)."""
    error = refused({**GOOD, "steps": [GOOD["steps"][0], {"link": link, "caption": "x"}]})
    zh = error.message("zh")
    assert zh.startswith(f"第 2 步的链接页面无法读取：{chinese}") and zh.endswith("。")
    english_reason = str(error.fields["problem"]).split(" (", 1)[1][:-1]
    assert english_reason not in zh and "(" not in zh


def test_too_big_and_unreadable_files_are_refused():
    big = json.dumps({**GOOD, "title": "x" * ls.MAX_BYTES})
    assert refused(big).code == "too_big"
    assert refused(b"\xff\xfe{").code == "not_utf8"
    assert refused("{\"title\": ").code == "syntax"
    assert refused("title: [unclosed\n", "lesson.yaml").code == "syntax"
    assert refused('{"title": "a", "title": "b", "steps": []}').code == "duplicate_key"
    assert refused("[1, 2]").code == "not_a_lesson"
    assert refused("just words", "lesson.yml").code == "not_a_lesson"


def test_hostile_text_stays_text_in_the_bar():
    """A caption's HTML, Markdown and script show as their characters, never markup."""
    hostile = ('<img src=x onerror="alert(1)"> <script>alert(2)</script> **b** '
               '[a](javascript:alert(3)) &amp;')
    lesson = parse({"title": "<b>t</b>", "steps": [
        {"link": GOOD["steps"][0]["link"], "caption": hostile}]})
    assert lesson.steps[0].caption_in("en") == hostile  # kept as written
    guide = ls.LessonGuide({}, "optimizers", Display(), link_table)
    guide.lesson = lesson
    guide.show()
    html = guide.heading.object + guide.text.object
    assert "<img" not in html and "<script" not in html and "<b>t" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "&amp;amp;" in html and "**b**" in html
    assert "href" not in html


def test_the_guide_reads_and_writes_its_link_keys():
    guide = ls.LessonGuide({"lesson": "saddle_escape", "lesson_step": "3"}, "optimizers",
                           Display(), link_table)
    assert guide.problems == [] and guide.step == 3
    assert guide.query() == {"lesson": "saddle_escape", "lesson_step": "3"}
    assert "step 3 of 4" in guide.heading.object
    assert guide.row.visible and not guide.back.disabled and not guide.next.disabled
    for query, shown in (({"lesson": "nope"}, "lesson='nope' (no such lesson)"),
                         ({"lesson": "../etc"}, "lesson='../etc' (not a lesson name)"),
                         ({"lesson": "saddle_escape", "lesson_step": "9"},
                          "lesson_step='9' (outside [1, 4])"),
                         ({"lesson": "saddle_escape", "lesson_step": "x"},
                          "lesson_step='x' (not an integer)")):
        guide = ls.LessonGuide(query, "optimizers", Display(), link_table)
        assert guide.problems == [shown]
    for query, shown in (({"lesson": "nope"}, "lesson='nope'（没有这节课程）"),
                         ({"lesson": "../etc"}, "lesson='../etc'（不是课程名称）"),
                         ({"lesson": "saddle_escape", "lesson_step": "9"},
                          "lesson_step='9'（超出范围 [1, 4]）"),
                         ({"lesson": "saddle_escape", "lesson_step": "0"},
                          "lesson_step='0'（至少为 1）"),
                         ({"lesson": "saddle_escape", "lesson_step": "x"},
                          "lesson_step='x'（不是整数）")):  # the tables' words, not English
        guide = ls.LessonGuide(query, "optimizers", Display(lang="zh"), link_table)
        assert render_problems(guide.problems, "zh") == shown
    guide = ls.LessonGuide({}, "optimizers", Display(), link_table)
    assert guide.query() == {} and not guide.bar.visible


def test_a_lesson_whose_step_is_another_labs_is_named_and_not_shown():
    """``lesson=momentum_ravine&lab=mlp``: the optimizer lesson's words sat over the
    MLP lab (a review's link); the notice named only the repeated keys."""
    guide = ls.LessonGuide({"lesson": "momentum_ravine", "lab": "mlp", "epoch": "50"}, "mlp",
                           Display(), link_table)
    assert render_problems(guide.problems, "en") == (
        "lesson='momentum_ravine' (its step is in the Optimizers lab)")
    assert guide.lesson is None and not guide.bar.visible and guide.query() == {}
    zh = ls.LessonGuide({"lesson": "momentum_ravine"}, "mlp", Display(lang="zh"), link_table)
    assert render_problems(zh.problems, "zh") == (
        "lesson='momentum_ravine'（这一步属于“优化器”实验）")
    # Its own lab's step (the over-fitting lesson's seventh is the bias–variance lab's).
    assert ls.LessonGuide({"lesson": "overfitting", "lesson_step": "7"}, "biasvariance",
                          Display(), link_table).problems == []


def test_a_step_in_place_and_a_step_to_another_lab():
    followed = []
    guide = ls.LessonGuide({"lesson": "overfitting", "lesson_step": "5"}, "mlp",
                           Display(lang="zh", present=True), link_table,
                           follow=lambda search: followed.append(search) or True)
    guide.go(6)
    assert guide.step == 6 and len(followed) == 1 and guide.script.go == ""
    assert read_query(followed[0])[0]["lesson_step"] == "6"
    guide.follow(read_query(followed[0])[0])
    assert guide.step == 6 and guide.next.disabled is False
    guide.go(7)  # the bias-variance lab: its page, with the display's keys
    assert len(followed) == 1 and guide.script.go.startswith("1|")
    # The bar says where it goes; a link the lab writes before the page is replaced keeps
    # this page's step (Back came to the MLP lab at step 7, the other lab's, in CI).
    assert guide.step == 7 and "第 7 步，共 7 步" in guide.heading.object
    assert guide.query() == {"lesson": "overfitting", "lesson_step": "6"}
    from urllib.parse import unquote
    query = read_query(unquote(guide.script.go.split("|", 1)[1]))[0]
    assert query["lab"] == "biasvariance" and query["lesson_step"] == "7"
    assert query["lang"] == "zh" and query["present"] == "1"
    guide.follow({"lab": "mlp"})  # Back to a link from before the lesson: no bar
    assert guide.lesson is None and not guide.row.visible and guide.query() == {}
    guide.open("saddle_escape")  # its first step is the optimizer lab's: that page
    assert guide.script.go.startswith("2|") and guide.query() == {}
    guide.end()
    assert guide.query() == {}


def test_lesson_alone_in_a_link_opens_its_step():
    query = ls.first_step_query({"lesson": "momentum_ravine", "lang": "zh"}, link_table)
    first = read_query(ls.shipped_lesson("momentum_ravine", link_table).steps[0].link)[0]
    assert query == {**first, "lesson": "momentum_ravine", "lang": "zh", "lesson_step": "1"}
    third = read_query(ls.shipped_lesson("momentum_ravine", link_table).steps[2].link)[0]
    assert ls.first_step_query({"lesson": "momentum_ravine", "lesson_step": "3"},
                               link_table) == {**third, "lesson": "momentum_ravine",
                                               "lesson_step": "3"}
    kept = {"lesson": "momentum_ravine", "lab": "mlp"}
    assert ls.first_step_query(kept, link_table) == kept  # a link of its own stands
    kept = {"lesson": "overfitting", "lab": "mlp", "noise": "10"}
    assert ls.first_step_query(kept, link_table) == kept
    # Settings of its own and no lab: the step's lab's (it opened the optimizer lab,
    # the lesson and its epoch refused).
    own = {"lesson": "overfitting", "lesson_step": "5", "epoch": "300"}
    assert ls.first_step_query(own, link_table) == {"lab": "mlp", **own}
    own = {"lesson": "momentum_ravine", "surface": "saddle"}
    assert ls.first_step_query(own, link_table) == {"lab": "optimizers", **own}


def test_a_lesson_with_its_own_lab_named_opens_its_step():
    # ?lab=mlp&lesson=overfitting is the lesson, not the lab's defaults under its caption.
    first = read_query(ls.shipped_lesson("overfitting", link_table).steps[0].link)[0]
    assert first["lab"] == "mlp" and first["points"] == "60"
    query = ls.first_step_query({"lab": "mlp", "lesson": "overfitting", "present": "1"},
                                link_table)
    assert query == {**first, "lesson": "overfitting", "lesson_step": "1", "present": "1"}


@pytest.mark.parametrize("step", ["99", "0", "abc"])
def test_a_bad_step_alone_in_a_link_opens_the_first_and_is_reported(step):
    lesson = ls.shipped_lesson("momentum_ravine", link_table)
    query = ls.first_step_query({"lesson": "momentum_ravine", "lesson_step": step}, link_table)
    assert query == {**read_query(lesson.steps[0].link)[0], "lesson": "momentum_ravine",
                     "lesson_step": step}  # the bad step kept, for the guide to report
    guide = ls.LessonGuide(query, "optimizers", Display(), link_table)
    assert len(guide.problems) == 1 and guide.problems[0].startswith(f"lesson_step='{step}'")
    assert guide.step == 1


def test_an_uploaded_lesson_comes_back_from_the_tab():
    import base64
    guide = ls.LessonGuide({"lesson": "uploaded", "lesson_step": "2"}, "mlp", Display(),
                           link_table)
    assert guide.problems == [] and guide.lesson is None
    # Its link still names it while it is awaited (the page rewrites its link as it
    # completes; the tab sends the file only on a link that names it).
    assert guide.query() == {"lesson": "uploaded", "lesson_step": "2"}
    guide.kept.kept = "mine.json|" + base64.b64encode(json.dumps(GOOD).encode()).decode()
    assert guide.lesson is not None and guide.step == 2 and guide.row.visible
    assert guide.query() == {"lesson": "uploaded", "lesson_step": "2"}
    guide = ls.LessonGuide({"lesson": "uploaded"}, "mlp", Display(), link_table)
    assert guide.row.visible and "Loading the lesson" in guide.text.object
    guide.kept.kept = "|"  # the tab has none: said in the bar the page shows
    assert guide.row.visible and "open the lesson file again" in guide.text.object
    guide = ls.LessonGuide({"lesson": "uploaded"}, "mlp", Display(), link_table)
    guide.kept.kept = "x.json|" + base64.b64encode(b'{"title": "<b>"}').decode()
    assert "the file lacks its steps" in guide.text.object and "<b>" not in guide.text.object


def test_a_bad_upload_says_one_line():
    guide = ls.LessonGuide({}, "optimizers", Display(), link_table)
    card = guide.card()
    assert card.collapsed and not card.objects and guide.upload is None  # built when opened
    card.collapsed = False
    assert guide.upload is not None and guide.upload in card.select(pn.widgets.FileInput)
    # Made after the shell styled the page's controls: styled as they are (a focus ring,
    # targets for a finger, buttons as wide as their labels).
    for widget in card.select(pn.widgets.Widget):
        assert FOCUS_RING in widget.stylesheets and TOUCH_TARGETS in widget.stylesheets
    assert all(WHOLE_LABEL in b.stylesheets for b in card.select(pn.widgets.Button))
    card.collapsed = True
    card.collapsed = False  # built once
    assert len(card.select(pn.widgets.FileInput)) == 1
    guide.upload.filename = "bad.json"
    guide.upload.value = b'{"title": "x", "steps": [], "colour": "red"}'
    assert guide.lesson is None and guide.message.visible
    assert guide.message.object == ("This lesson file cannot be used: the file has an "
                                    "unknown key: colour.")


@pytest.mark.parametrize("name", ls.shipped_names())
def test_every_shipped_step_is_read_by_the_shell_without_a_problem(name):
    lesson = ls.shipped_lesson(name, link_table)
    assert lesson.name == name and len(lesson.steps) >= 3
    for lang in LANGUAGES:  # English and Chinese for every text
        assert lesson.title.get(lang)
        assert all(step.caption.get(lang) for step in lesson.steps)
    for k, step in enumerate(lesson.steps, 1):
        query, problems = read_query(ls.step_search(lesson, k, {"lang": "zh"}))
        assert problems == []
        state_class = lab_class(step.lab).state_class()
        assert set(query) - {"lab"} <= {*state_class.LINK_KEYS, *ls.PAGE_KEYS}
        if step.lab == "biasvariance":  # its state computes for seconds: its link's check
            assert link_table(step.lab).read(query)[1] == []
            continue
        state = state_class()
        assert state.apply_query(query) == [], (name, k)


def test_shipped_names_are_the_lessons_the_issue_asks_for():
    assert {"momentum_ravine", "saddle_escape", "overfitting"} <= set(ls.shipped_names())
    assert set(LABS) >= {s.lab for n in ls.shipped_names()
                         for s in ls.shipped_lesson(n, link_table).steps}


def test_the_page_without_a_server_shows_the_lessons_first_step():
    page = Page(None)
    assert page.lesson.lesson is None
    state, problems = prepare_state("optimizers", {"lesson": "saddle_escape",
                                                   "lesson_step": "2"}, [])
    assert problems == []  # the shell knows the lesson's keys


def test_the_ravine_lessons_too_large_step_grows_as_its_caption_says():
    """momentum_ravine, step 2: on f = 0.05x² + 2y² a step multiplies y by 1 − 4α, −1.08
    at α = 0.52 (the closed form), so from y = 1.5 |y| is 1.5 · 1.08¹⁰⁰ ≈ 3,300 after
    100 steps, the caption's figure; the run grows without bound, yet under the lab's
    divergence bound it is not reported as diverged (the caption no longer says so)."""
    import numpy as np

    step = ls.shipped_lesson("momentum_ravine", link_table).steps[1]
    assert "3,300" in step.caption_in("en") and "3300" in step.caption_in("zh")
    assert "diverge" not in step.caption_in("en")
    state, problems = prepare_state("optimizers", read_query(step.link)[0], [])
    assert problems == [] and state.sgd_lr == 0.52 and state.y0 == 1.5
    result = state.result
    y = result.points[:, 0, 1]  # SGD, the only racer, is optimizer 0
    closed = 1.5 * (1 - 4 * 0.52) ** np.arange(len(y))
    np.testing.assert_allclose(y, closed, rtol=1e-3)
    assert len(y) == 101 and abs(y[-1]) == pytest.approx(3300, rel=0.01)
    assert int(result.diverged_at[0]) == -1


def test_the_overfitting_lessons_curves_do_what_their_captions_say():
    """overfitting, steps 1–3, trained 300 epochs as the page trains them: the big
    network on 60 points drives its training loss to about 0 while the validation loss
    is lowest early and climbs (over-fitting, 1.7 above at epoch 300); on 500 points the
    gap stays about 0.2; the small network's validation loss falls for about 200 epochs
    (its minimum between 150 and 250) and its gap stays smaller."""
    import numpy as np

    lesson = ls.shipped_lesson("overfitting", link_table)
    curves, states = [], []
    for step in lesson.steps[:3]:
        state, problems = prepare_state("mlp", read_query(step.link)[0], [])
        assert problems == []
        state.train_to(300)
        history = np.asarray(state.history)
        assert len(history) == 301
        curves.append((history[:, 0], history[:, 2]))  # training, validation loss
        states.append(state)
    (train1, val1), (train2, val2), (train3, val3) = curves
    assert train1[-1] < 0.05 and int(np.argmin(val1)) < 30 and val1[-1] > 2 * val1.min()
    assert 1.4 < val1[-1] - train1[-1] < 2.0  # "1.7 above"
    assert 0.1 < val2[-1] - train2[-1] < 0.3  # "about 0.2 above"
    # Trained on (a class presses Space and waits): "0.7 at epoch 1,000, where 60
    # points left it … 2.9 above" (the gap of 500 points is not 0.2 for good).
    gaps = []
    for state in states[:2]:
        state.train_to(1000)
        gaps.append(state.history[-1][2] - state.history[-1][0])
    assert 2.6 < gaps[0] < 3.2 and 0.5 < gaps[1] < 0.9
    assert 150 <= int(np.argmin(val3)) <= 250  # "falls for about 200 epochs"
    assert val3[-1] - train3[-1] < 0.5 * (val1[-1] - train1[-1])
    caption = lesson.steps[1].caption_in("en")
    assert all(number in caption for number in ("1.7", "0.2", "0.7", "2.9", "1,000"))


@pytest.mark.parametrize("name", ["momentum_ravine", "saddle_escape", "overfitting"])
def test_the_bar_says_when_the_page_no_longer_shows_its_steps_settings(name):
    """Each shipped step, as its page sets it, is its step's (each value as the lab's
    link writes it, defaults left out: no false alarm); moving where in the run the page
    is (``LESSON_FREE``) changes nothing; another setting brings the line and its button,
    which goes back to the step."""
    lesson = ls.shipped_lesson(name, link_table)
    for k, step in enumerate(lesson.steps, 1):
        guide = ls.LessonGuide({"lesson": name, "lesson_step": str(k)}, step.lab, Display(),
                               link_table)
        state = lab_class(step.lab).state_class()()
        assert state.apply_query(read_query(step.link)[0]) == []
        guide.compare(state.to_query(), state.LESSON_FREE)
        assert not guide.changed.visible, (name, k, state.to_query())
        free = dict(state.to_query())
        free.update({key: "7" for key in state.LESSON_FREE if key in ("epoch", "step",
                                                                        "capacity")})
        guide.compare(free, state.LESSON_FREE)
        assert not guide.changed.visible, (name, k)
        # A setting of the step's moved: the seed, which every lab has.
        moved = {**state.to_query(), "seed": "12345"}
        guide.compare(moved, state.LESSON_FREE)
        assert guide.changed.visible, (name, k)
        went = []
        guide.go = went.append
        guide.restore.clicks += 1
        assert went == [k]


def test_a_lesson_link_with_settings_of_its_own_says_they_are_not_the_steps():
    """``?lesson=overfitting&epoch=1000`` (a teacher's hand-made link) opened the MLP lab
    at its defaults (500 clean points, not the step's 60 noisy ones) under the step's
    caption, with no word (a Chinese-speaking instructor's review)."""
    query = ls.first_step_query({"lesson": "overfitting", "epoch": "1000"}, link_table)
    assert query == {"lab": "mlp", "lesson": "overfitting", "epoch": "1000"}
    state = lab_class("mlp").state_class()()
    state.apply_query(query)
    guide = ls.LessonGuide(query, "mlp", Display(lang="zh"), link_table)
    guide.compare(state.to_query(), state.LESSON_FREE)
    assert guide.changed.visible
    assert "说明文字描述的是本步的设置" in guide.changed_text.object
