"""Figures for slides without a browser: the command's arguments and errors, the SVG it
composes, the caption, and the download menus the labs place above their plots
(``playground.ui.export``).  The browser side: ``tests/browser/test_figure_browser.py``."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from contextlib import redirect_stderr, redirect_stdout

import panel as pn
import pytest
from bokeh.models import Dropdown
from bokeh.plotting import figure as bokeh_figure

from playground import cli, figure, serving, static_export
from playground.labs.mlp.state import MlpLabState
from playground.labs.optimizers.state import OptimizerLabState
from playground.text import tr
from playground.ui import export
from playground.ui.lab import LabState

SVG = "{http://www.w3.org/2000/svg}"


def _main(args):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = cli.main(args)
    return status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("text, size", [("1600x900", (1600, 900)), ("800X600", (800, 600)),
                                        ("1024×768", (1024, 768))])
def test_sizes(text, size):
    assert figure.parse_size(text) == size


@pytest.mark.parametrize("text", ["1600", "ax9", "100x100", "9000x900", "1x2x3", ""])
def test_bad_sizes(text):
    with pytest.raises(ValueError):
        figure.parse_size(text)


@pytest.mark.parametrize("link", ["lab=mlp&lr=0.1", "?lab=mlp&lr=0.1",
                                  "http://127.0.0.1:5006/app?lab=mlp&lr=0.1"])
def test_a_link_in_any_form_gives_its_query(link):
    assert figure.link_search(link) == "lab=mlp&lr=0.1"


@pytest.mark.parametrize("link, query", [
    # Typed in a shell (spaces): + is a plus sign; copied from a page (no space): a space.
    ("lab=optimizers&surface=custom&expr=x**2 - y**2 + 0.1*sin(3*x)",
     "lab=optimizers&surface=custom&expr=x**2 - y**2 %2B 0.1*sin(3*x)"),
    ("lab=optimizers&surface=custom&expr=x**2+-+y**2",
     "lab=optimizers&surface=custom&expr=x**2+-+y**2"),
])
def test_a_typed_link_keeps_its_plus_signs(link, query):
    assert figure.link_search(link) == query
    _, state = static_export.read_link(link)
    assert state.expression.replace(" ", "") == (
        "x**2-y**2+0.1*sin(3*x)" if " " in link else "x**2-y**2")


def test_a_figure_opens_its_link_out_of_lecture_mode():
    assert figure.figure_search("?lab=mlp&present=1&lang=zh") == "lab=mlp&lang=zh"
    assert figure.figure_search("lab=optimizers&surface=saddle") == (
        "lab=optimizers&surface=saddle")


@pytest.mark.parametrize("args, says", [
    (["figure", "lab=mlp", "out.jpg"], ".png or .svg"),
    (["figure", "lab=mlp", "out.png", "--size", "huge"], "size must be"),
    (["figure", "lab=mlp", "out.png", "--scale", "0"], "scale must be"),
    (["figure", "lab=mlp", "out.png", "--scale", "9"], "scale must be"),
    # Past Chromium's canvas (16,384² pixels) it drew nothing: an empty file, status 0.
    (["figure", "lab=mlp", "out.png", "--size", "8000x8000", "--scale", "4"],
     "at most 16384 a side"),
    # A value holding "://" is no URL: its key is checked (the default lab was drawn).
    (["figure", "lab=optimizers&x=see://here", "out.png"], "x='see://here' (unknown key)"),
    # A folder that is not there: said at once (a traceback after a minute's drawing).
    (["figure", "lab=mlp", "nowhere/out.png"], "no such folder"),
])
def test_bad_arguments_are_one_line_and_status_2(args, says, tmp_path):
    status, out, err = _main([*args[:2], str(tmp_path / args[2]), *args[3:]])
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and says in err


def test_without_chromium_one_line_and_status_2(monkeypatch, tmp_path):
    monkeypatch.setattr(serving, "chromium_path", lambda: None)
    status, out, err = _main(["figure", "lab=optimizers", str(tmp_path / "f.png")])
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "chromium" in err
    assert not (tmp_path / "f.png").exists()


def _plot_svg(width, height, label):
    return (f'<svg version="1.1" xmlns="http://www.w3.org/2000/svg" width="{width}" '
            f'height="{height}"><path d="M 0 0 L {width} {height}"/>'
            f'<text x="5" y="5">{label}</text></svg>')


def test_composed_svg_nests_each_plot_at_its_place_with_the_caption():
    plots = [{"name": "surface", "x": 24, "y": 24, "width": 600, "height": 500,
              "svg": _plot_svg(600, 500, "x")},
             {"name": "loss", "x": 648, "y": 64, "width": 400, "height": 300,
              "svg": _plot_svg(400, 300, "step t")}]
    text = figure.compose_svg(plots, 1600, 900, ["Optimizers · surface ravine", "学习率 0.1"],
                              22, 24, 548)
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == (
        "1600", "900", "0 0 1600 900")  # the size asked, whatever the plots
    nested = root.findall(f"{SVG}svg")
    assert [(n.get("id"), n.get("x"), n.get("y")) for n in nested] == [
        ("plot-surface", "24", "24"), ("plot-loss", "648", "64")]
    captions = [(t.text, t.get("y"), t.get("font-size")) for t in root.iter(f"{SVG}text")
                if t.get("class") == "pg-caption"]
    assert captions == [("Optimizers · surface ravine", "570", "22px"),  # lines of 31 px
                        ("学习率 0.1", "601", "22px")]
    assert {t.text for t in root.iter(f"{SVG}text")} >= {"x", "step t"}
    # One namespace for all, written as the default one (no ns0: prefixes).
    assert "ns0:" not in text and text.startswith("<svg")


@pytest.mark.parametrize("size, sizes", [
    ((1600, 900), {"fraction": 1, "text_px": 20, "font_px": 22, "margin": 24, "thick": 2}),
    ((3200, 1800), {"fraction": 2, "text_px": 40, "font_px": 44, "margin": 48, "thick": 4}),
    ((1600, 450), {"fraction": 0.5, "text_px": 10, "font_px": 11, "margin": 12, "thick": 1}),
    ((400, 300), {"fraction": 0.25, "text_px": 10, "font_px": 10, "margin": 6, "thick": 1}),
])
def test_a_figures_text_is_a_slides_in_proportion_to_its_size(size, sizes):
    """Text, caption, margins and the lines' thickness (lecture mode's at 1600 × 900: the
    page's 1–2 px lines were too thin for a slide, a new user's review)."""
    assert figure.slide_sizes(size) == sizes


def test_the_caption_says_the_lab_and_what_its_link_carries():
    from playground.labs.optimizers.lab import OptimizerLab  # noqa: F401 (registers the lab)

    state = OptimizerLabState()
    state.apply_query({"surface": "rosenbrock", "optimizers": "sgd,adam", "adam_lr": "0.02",
                       "adam_beta1": "0.95", "step": "40"})
    caption = export.figure_caption(state)
    assert caption == ("Optimizers · Loss surface: Rosenbrock (curved valley) · "
                       "SGD, α = 0.0015 · Adam, α = 0.02, β₁ = 0.95 · step 40 of 1000 · "
                       + tr("caption.arrows", "en", legend=tr("plot.arrows_legend", "en"))
                       + " · marks: ✕ start, ★ local minimum")


def test_the_caption_is_the_settings_in_words_each_once():
    """The reviewer's example: values in the page's words, not link keys, the epoch once."""
    from playground.labs.mlp.lab import MlpLab  # noqa: F401

    state = MlpLabState()
    state.apply_query({"dataset": "xor", "layers": "8,8", "activation": "tanh",
                       "optimizer": "adam", "lr": "0.03", "epoch": "3"})
    state.train_to(3)
    caption = export.figure_caption(state)
    assert caption == ("Neural network · Data: Exclusive or (XOR) · "
                       "Network: 2 hidden layers (widths 8, 8), tanh · "
                       "Adam, α = 0.03 · epoch 3 · orange: class 0, blue: class 1; "
                       "background: the probability of class 1, white at 50 %")
    assert caption.count("epoch") == 1 and "dataset" not in caption and "lr" not in caption
    # The activation and initialisation as the controls name them (a new user's review:
    # "Network: 32,32,32, relu, Initialisation: he").
    state.apply_query({"activation": "relu", "init": "he"})
    assert ("Network: 2 hidden layers (widths 8, 8), ReLU, Initialisation: He (Kaiming)"
            in export.figure_caption(state))


def test_a_chinese_caption_is_chinese_with_full_width_marks():
    from playground.labs.mlp.lab import MlpLab  # noqa: F401
    from playground.labs.optimizers.lab import OptimizerLab  # noqa: F401

    state = MlpLabState(lang="zh")
    state.apply_query({"dataset": "xor", "layers": "8,8", "activation": "tanh",
                       "optimizer": "momentum", "lr": "0.03", "momentum": "0.95",
                       "l2": "0.01", "race": "sgd,adam"})
    caption = export.figure_caption(state)
    # (μ: no racer uses it)
    assert caption == ("神经网络 · 数据：异或（XOR） · 网络：2 个隐藏层（宽度 8、8）、tanh · "
                       "对比：SGD、Adam"
                       "（均为 α = 0.03）、L2 正则化系数 λ₂ = 0.01 · 迭代周期 0"
                       " · 橙色：类别 0、蓝色：类别 1；背景：属于类别 1 的概率，50% 处为白色"
                       " · 每张图：x₁ 横向从 −6 到 6，x₂ 纵向从 −6 到 6")  # (no axes on them)
    optimizers = OptimizerLabState(lang="zh")
    optimizers.apply_query({"surface": "saddle", "optimizers": "sgd", "noise": "0.5"})
    words = export.figure_caption(optimizers)
    assert words.startswith("优化器 · 损失曲面：鞍点 · SGD，α = ")  # not "SGD and α"
    assert "梯度噪声 σ = 0.5、随机种子：0" in words
    # No English word (formulas and optimizer names aside) in either caption.
    for text in (caption, words):
        assert not re.search(r"\b(?!SGD|Adam|XOR|tanh)[A-Za-z]{3,}", text), text


def test_a_bias_variance_caption():
    from playground.labs.biasvariance.lab import BiasVarianceLab  # noqa: F401
    from playground.labs.biasvariance.state import BiasVarianceLabState

    state = BiasVarianceLabState()
    state.apply_query({"family": "features", "ridge": "0.1", "n": "15"})
    assert export.figure_caption(state) == (
        "Bias & variance · True function f(x): sin 2πx, Noise σ = 0.3, Training points per "
        "set n = 15, Training sets M = 100 · Random ReLU features (p), p = 15, Ridge λ = 0.1")


def test_a_figure_says_where_bias2_is_drawn_as_0():
    """The page's note under the curves (bias² within its sampling error of 0, drawn off
    the log axis) was left out of a figure: its caption ends with it, in its language."""
    from playground.labs.biasvariance.lab import BiasVarianceLab  # noqa: F401
    from playground.labs.biasvariance.state import BiasVarianceLabState

    for lang in ("en", "zh"):
        state = BiasVarianceLabState(lang=lang, datasets=20)
        before = export.figure_caption(state)  # nothing computed yet: no note
        state.precompute()
        note = state.bias2_zero_note()  # the page's note (tests/labs/biasvariance)
        assert note.startswith(tr("bv.bias2_zero", lang).split("{")[0])
        notes = state.chart_notes()  # and where the test error is above the top
        assert notes[0] == note
        # The notes are sentences: after the first, the next follows as a sentence does
        # ("。 · 在…" read as a stray dot).
        assert export.figure_caption(state) == tr("caption.separator", lang).join(
            [before, state.decomposition_text(), state.reading_text().rstrip(".。"),
             ("" if lang == "zh" else " ").join(notes)])
        assert len(notes) == 2 and "。 ·" not in export.figure_caption(state)


def test_an_optimizer_figure_says_what_its_arrows_are_while_a_run_has_them():
    """On a slide without the page's state table the dotted −αg read as an error bar:
    the caption says what the arrows are, while a run still has them at the step shown."""
    from playground.labs.optimizers.lab import OptimizerLab  # noqa: F401

    note = tr("caption.arrows", "en", legend=tr("plot.arrows_legend", "en"))
    state = OptimizerLabState()
    state.apply_query({"surface": "ravine", "optimizers": "sgd,adam", "step": "40"})
    state.precompute()
    assert export.figure_caption(state).endswith(
        tr("caption.separator", "en") + note + " · marks: ✕ start, ★ local minimum")
    # Every run diverged before the last step: no arrows there, no note.
    state.apply_query({"surface": "ravine", "optimizers": "sgd", "sgd_lr": "5"})
    state.precompute()
    assert state.result.stop(0) is not None and note not in export.figure_caption(state)


@pytest.mark.parametrize(("lang", "query", "marks"), [
    # Himmelblau's four minima, one maximum and four saddles, each kind named once
    ("en", {"surface": "himmelblau"}, "marks: ✕ start, ★ local minimum, ▲ local maximum, ⊠ saddle"),
    ("zh", {"surface": "saddle"}, "标记：✕ 起点、★ 局部最小值、⊠ 鞍点"),
    ("en", {"surface": "custom", "expr": "x + y"}, "marks: ✕ start"),  # none: a plane
])
def test_an_optimizer_figure_says_what_its_marks_are(lang, query, marks):
    """A slide has no hover: the caption names the start's and the critical points'
    marks (the kinds in view)."""
    from playground.labs.optimizers.lab import OptimizerLab  # noqa: F401

    state = OptimizerLabState(lang=lang)
    assert state.apply_query(query) == []
    assert export.figure_caption(state).endswith(tr("caption.separator", lang) + marks)


def test_an_mlp_figure_with_validation_points_says_which_marks_they_are():
    from playground.labs.mlp.lab import MlpLab  # noqa: F401

    state = MlpLabState()
    state.apply_query({"val": "1"})
    state.precompute()
    assert export.figure_caption(state).endswith(" · ○ training points, △ validation points")
    state.apply_query({"val": "1", "train_ratio": "100"})  # no validation point drawn
    state.precompute()
    assert "validation points" not in export.figure_caption(state)
    state.apply_query({})
    state.precompute()
    assert "validation points" not in export.figure_caption(state)


def test_the_bias_variance_menus_caption_follows_a_result_that_comes_later():
    """``figure`` reads the menus' caption: built with the page, before a slow family's
    result, it lacked the result's note; it is brought up to date, quietly (no figure
    composed in the browser)."""
    from playground.labs.biasvariance.lab import BiasVarianceLab
    from playground.labs.biasvariance.state import BiasVarianceLabState

    pn.extension()
    state = BiasVarianceLabState(datasets=20)
    lab = BiasVarianceLab(state=state)
    lab.prepare()
    lab.main()
    menus = [p.object for p in lab.plots.select(pn.pane.Bokeh)
             if isinstance(p.object, Dropdown)]
    assert len(menus) == 2 and all(m.tags[0] == export.figure_caption(state) for m in menus)
    calls = []
    state.runner = lambda settings, generation: calls.append(generation)
    state.noise = 0.0  # (no runner for a fast family: computed at once)
    assert state.result.noise == 0.0 and state.bias2_zero_note()
    assert all(m.tags[0] == export.figure_caption(state) and m.tags[2] == export.QUIET
               for m in menus)


def test_a_lab_that_trains_says_its_epoch():
    from playground.labs.mlp.lab import MlpLab  # noqa: F401

    state = MlpLabState()
    assert export.figure_caption(state).startswith(
        "Neural network · Data: Circle · Network: 2 hidden layers (widths 8, 8), tanh · "
        "Adam, α = 0.01 · epoch 0 · ")
    state.train(3)
    assert " · epoch 3 · " in export.figure_caption(state)


def test_a_link_that_carries_nothing_says_default_settings():
    class Bare(LabState):
        def to_query(self):
            return {}

    assert export.figure_caption(Bare()) == "Bare · default settings"


def test_with_downloads_tags_its_plots_now_and_later():
    pn.extension()
    state = OptimizerLabState()
    first, later = bokeh_figure(), bokeh_figure()
    column = pn.Column(pn.pane.Bokeh(first))
    wrapped = export.with_downloads(column, "loss", state)
    assert wrapped.objects[1] is column
    menu = wrapped.objects[0].objects[-1].object
    assert isinstance(menu, Dropdown) and menu.name == "pg-download-loss"
    values = [item[1] for item in menu.menu if item is not None]
    assert values == ["png:1", "png:2", "png:3", "svg", "figure"]
    assert menu.tags[0] == export.figure_caption(state)  # what the command line reads
    assert set(first.tags) == {"pg-export", "pg-export:loss"}
    column.append(pn.pane.Bokeh(later))  # e.g. the log-scale chart, built on demand
    assert set(later.tags) == {"pg-export", "pg-export:loss"}


def test_the_labs_offer_downloads_above_their_plots():
    from playground.labs.mlp.lab import MlpLab
    from playground.labs.optimizers.lab import OptimizerLab

    def names(objs):
        menus = [p.object for o in objs for p in pn.panel(o).select(pn.pane.Bokeh)
                 if isinstance(p.object, Dropdown)]
        return sorted(m.name for m in menus)

    optimizers = OptimizerLab()
    assert names(optimizers.main()) == ["pg-download-loss", "pg-download-surface"]
    assert "pg-export:surface" in optimizers.plots.surface_fig.tags
    mlp = MlpLab()
    assert names(mlp.main()) == ["pg-download-accuracy", "pg-download-boundary",
                                 "pg-download-loss", "pg-download-network"]
    mlp.race()  # a race's view, built when a race first starts
    assert names(mlp.main()) == ["pg-download-accuracy", "pg-download-boundary",
                                 "pg-download-loss", "pg-download-network",
                                 "pg-download-race_accuracy", "pg-download-race_loss"]
    assert "pg-export:boundary" in mlp.boundary.boundary_fig.tags


def test_a_dark_svg_figure_is_on_the_plots_background_with_a_light_caption():
    plots = [{"name": "loss", "x": 24, "y": 24, "width": 400, "height": 300,
              "svg": _plot_svg(400, 300, "step t")}]
    root = ET.fromstring(figure.compose_svg(plots, 800, 450, ["Optimizers"], 22, 24, 348,
                                            background="#15181c", ink="#eeeeee"))
    assert root.find(f"{SVG}rect").get("fill") == "#15181c"
    assert [t.get("fill") for t in root.iter(f"{SVG}text")
            if t.get("class") == "pg-caption"] == ["#eeeeee"]


def test_an_exported_plot_with_a_horizontal_axis_has_room_for_its_last_tick():
    """``tag_figure``: room right of the frame for half the last tick label ("1000" on
    the frame's edge); a plot without a horizontal axis (the network diagram, a race's
    heat maps) keeps its own border."""
    chart, diagram, hidden = bokeh_figure(), bokeh_figure(x_axis_type=None, min_border=0), \
        bokeh_figure()
    hidden.axis.visible = False
    wide = bokeh_figure(min_border_right=40)
    for i, fig in enumerate((chart, diagram, hidden, wide)):
        export.tag_figure(fig, f"p{i}")
    assert chart.min_border_right == export.RIGHT_ROOM_PX >= 20
    assert (diagram.min_border_right, hidden.min_border_right) == (None, None)
    assert wide.min_border_right == 40


def test_the_plot_option_names_every_plot_a_lab_offers():
    """``figure --help`` names each plot that a lab places with a download menu (the
    names ``with_downloads`` gets as text in the labs' code)."""
    import ast
    from pathlib import Path

    import playground

    names = set()
    for path in (Path(playground.__file__).parent / "labs").rglob("*.py"):
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(call, ast.Call) and getattr(call.func, "id", "") == "with_downloads"
                    and len(call.args) > 1 and isinstance(call.args[1], ast.Constant)):
                names.add(call.args[1].value)
    assert {"surface", "boundary", "network", "fits", "curves"} <= names
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    help_text = sub.choices["figure"]._option_string_actions["--plot"].help
    assert {n for n in names if not re.search(rf"\b{n}\b", help_text)} == set()
