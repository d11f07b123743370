"""The display a link asks for (theme, lecture mode) and its effect on Bokeh plots."""

from __future__ import annotations

from bokeh.models import FullscreenTool, LegendItem
from bokeh.plotting import figure

from playground.ui.present import (
    DARK_AREA_ALPHA,
    FIT_LEAST,
    FIT_MARGIN_PX,
    FIT_WINDOW,
    NOT_IN_LECTURE,
    OWN_INK,
    PLOT_COLORS,
    THICK,
    Display,
    Place,
    Presenter,
    display_query,
    lecture_height,
    luminance,
    read_display,
    read_window,
)


def test_a_link_sets_theme_and_lecture_mode_and_bad_values_are_reported():
    display, problems = read_display({"theme": "dark", "present": "1", "lab": "mlp"})
    assert (display.theme, display.present, problems) == ("dark", True, [])
    assert display_query(display) == {"theme": "dark", "present": "1"}
    assert display_query(Display()) == {}  # the defaults stay out of links
    display, problems = read_display({"theme": "purple", "present": "maybe"})
    assert (display.theme, display.present) == ("light", False)
    assert len(problems) == 2 and "theme='purple'" in problems[0]
    assert Display(theme="dark", present=True).classes() == ["pg-theme-dark", "pg-lang-en",
                                                             "pg-present"]


def test_a_link_sets_the_language_and_an_unknown_one_is_reported():
    display, problems = read_display({"lang": "zh"})
    assert (display.lang, problems) == ("zh", [])
    assert display_query(display) == {"lang": "zh"}
    assert display_query(Display(lang="en")) == {}  # English is the default
    display, problems = read_display({"lang": "klingon"})
    assert display.lang == "en" and len(problems) == 1 and "lang='klingon'" in problems[0]


def test_luminance_matches_the_wcag_definition():
    assert luminance("#000000") == 0 and abs(luminance("#ffffff") - 1) < 1e-12
    # WCAG's example: #777777 has contrast ≈ 4.48 against white.
    assert abs(1.05 / (luminance("#777777") + 0.05) - 4.48) < 0.01
    assert luminance("red") is None


def _plot():
    fig = figure(title="t")
    line = fig.line([0, 1], [0, 1], line_width=2, color="#000000")
    fig.scatter([0], [0], fill_color="#0072b2")
    return fig, line


def test_dark_and_lecture_mode_restyle_a_plot_and_switching_back_restores_it():
    fig, line = _plot()
    display = Display(theme="dark", present=True)
    presenter = Presenter(display)
    presenter.style([fig])
    assert fig.background_fill_color == PLOT_COLORS["dark"]["background"]
    assert fig.xaxis[0].major_label_text_color == PLOT_COLORS["dark"]["ink"]
    assert line.glyph.line_color == PLOT_COLORS["dark"]["ink"]  # black would vanish
    assert line.glyph.line_width == 2 * THICK
    assert int(fig.title.text_font_size[:-2]) >= 20
    assert sum(isinstance(t, FullscreenTool) for t in fig.toolbar.tools) == 1
    presenter.style([fig])  # again: nothing doubles
    assert line.glyph.line_width == 2 * THICK
    assert sum(isinstance(t, FullscreenTool) for t in fig.toolbar.tools) == 1

    display.param.update(theme="light", present=False)
    presenter.style([fig])
    fresh, fresh_line = _plot()
    assert fig.background_fill_color == fresh.background_fill_color
    assert line.glyph.line_width == 2 and line.glyph.line_color == "#000000"
    assert fig.title.text_font_size == fresh.title.text_font_size


def test_a_shaded_area_is_more_opaque_in_the_dark_theme_and_back_in_the_light():
    """The MLP lab's generalisation gap, red at 0.2 on the dark plot, read 1.1:1."""
    fig = figure()
    area = fig.varea([0, 1], [0, 0], [1, 1], fill_color="#d62728", fill_alpha=0.2)
    display = Display(theme="dark")
    presenter = Presenter(display)
    presenter.style([fig])
    assert area.glyph.fill_alpha == 0.2 * DARK_AREA_ALPHA
    presenter.style([fig])  # again: from its own alpha, not the dark one
    assert area.glyph.fill_alpha == 0.2 * DARK_AREA_ALPHA
    display.theme = "light"
    presenter.style([fig])
    assert area.glyph.fill_alpha == 0.2


def test_the_dark_theme_keeps_hidden_ticks_hidden_and_owned_title_colours():
    """A tick line a plot hides (None) stays hidden in the dark theme (the race maps'
    minor ticks showed), and a title tagged ``OWN_INK`` keeps the colour its owner
    gives it (a racer's name) while every other title takes the theme's ink."""
    fig, _ = _plot()
    fig.xaxis.minor_tick_line_color = None
    owned, _ = _plot()
    owned.title.update(text_color="#1f77b4", tags=[OWN_INK])
    Presenter(Display(theme="dark")).style([fig, owned])
    assert fig.xaxis[0].minor_tick_line_color is None
    assert fig.yaxis[0].minor_tick_line_color == PLOT_COLORS["dark"]["muted"]
    assert fig.title.text_color == PLOT_COLORS["dark"]["ink"]
    assert owned.title.text_color == "#1f77b4"


def test_a_label_in_a_plot_is_a_tick_labels_size_in_lecture_mode_only():
    """The bias–variance chart's "p = n", which names the double-descent peak, stayed
    12 px in lecture mode (a new user's review)."""
    from bokeh.models import Label

    from playground.ui.present import PLOT_FONTS

    fig, _line = _plot()
    label = Label(x=1, y=5, y_units="screen", text="p = n", text_font_size="12px")
    fig.add_layout(label)
    display = Display(present=True)
    presenter = Presenter(display)
    presenter.style([fig])
    assert label.text_font_size == PLOT_FONTS["tick"] == "20px"
    display.param.update(present=False)
    presenter.style([fig])
    assert label.text_font_size == "12px"


def test_a_plot_tagged_with_a_lecture_height_has_it_in_lecture_mode_only():
    """A chart whose frame lecture mode's larger type would leave a strip is as tall as
    its tag says there, and its own height again in plain mode; an untagged plot keeps
    its height in both."""
    tall, other = (figure(height=215, tags=[lecture_height(400)]), figure(height=215))
    display = Display(present=True)
    presenter = Presenter(display)
    presenter.style([tall, other])
    assert (tall.height, other.height) == (400, 215)
    display.param.update(present=False)
    presenter.style([tall, other])
    assert (tall.height, other.height) == (215, 215)


def test_a_plot_tagged_to_fit_the_window_is_shortened_in_lecture_mode_only():
    """Lecture mode with a lesson's caption above: a ``FIT_WINDOW`` plot's frame and
    axes end in the window (its legends below may not), its frame at least
    ``FIT_LEAST`` of its own; plain mode, or a window with room: its own height."""
    chart = figure(height=300, sizing_mode="stretch_width", tags=[lecture_height(500),
                                                                 FIT_WINDOW])
    display = Display(present=True)
    presenter = Presenter(display)
    presenter.style([chart])
    assert chart.height == 500  # no window reported yet: its lecture height
    # 720-px window, top at 400, legends 80, title+axes+legends 200: frame room 192.
    presenter.window = (720.0, {chart.id: Place(400, 80, 200, 60, 250, 60)})
    presenter.style([chart])
    room = 720 - 400 - FIT_MARGIN_PX - (200 - 80)
    assert chart.height == 200 + room == 392
    presenter.window = (720.0, {chart.id: Place(650, 80, 200, 60, 250, 60)})  # no room at all
    presenter.style([chart])
    assert chart.height == 200 + round(FIT_LEAST * 300)
    presenter.window = (1080.0, {chart.id: Place(400, 80, 200, 60, 250, 60)})  # room to spare
    presenter.style([chart])
    assert chart.height == 500
    presenter.window = (720.0, {chart.id: Place(400, 80, 200, 60, 250, 60)})
    display.param.update(present=False)
    presenter.style([chart])
    assert chart.height == 300


def test_a_fixed_size_plot_keeps_its_frames_shape_and_its_titles_width():
    """The MLP heat map (460 × 440, its frame square): shortened, its frame as much
    narrower; a title wider than the plot's canvas gets room right of the frame (Bokeh
    cuts a title off at the canvas's edge); plain mode: its own size and border."""
    import math

    heat = figure(width=460, height=440, tags=[FIT_WINDOW])
    display = Display(present=True)
    presenter = Presenter(display)
    # outside the frame: 100 px tall, 100 wide, the frame 60 px from the left; title 200.
    presenter.window = (720.0, {heat.id: Place(380, 0, 100, 100, 200, 60)})
    presenter.style([heat])
    room = 720 - 380 - FIT_MARGIN_PX - 100
    scale = room / 340
    right = heat.min_border  # (its own right border)
    width = round(60 + scale * (460 - 60 - right) + right)
    assert (heat.height, heat.width, heat.min_border_right) == (100 + room, width, None)
    presenter.window = (720.0, {heat.id: Place(380, 0, 100, 100, 320, 60)})  # a long title
    presenter.style([heat])
    need = math.ceil(60 + 320 + 4)
    assert heat.height == 100 + room and heat.width == need
    assert heat.min_border_right == right + need - width
    display.param.update(present=False)
    presenter.style([heat])
    assert (heat.height, heat.width, heat.min_border_right) == (440, 460, None)


def test_a_window_report_from_the_browser_is_checked():
    good = '{"height": 720, "plots": {"p1": [400, 80, 200, 60, 250, 60]}}'
    assert read_window(good) == (720.0, {"p1": Place(400, 80, 200, 60, 250, 60)})
    for bad in ("", "nan", "[]", '{"height": 720}', '{"height": 5, "plots": {}}',
                '{"height": 1e9, "plots": {}}', '{"height": "x", "plots": {}}',
                '{"height": 720, "plots": {"p": [1, 2]}}',
                '{"height": 720, "plots": {"p": [1, -2, 3, 4, 5, 6]}}',
                '{"height": 720, "plots": {"p": [1, 2, 3, 4, 5, NaN]}}',
                '{"height": 720, "plots": [1]}'):
        assert read_window(bad) is None, bad


def test_a_legend_tagged_not_in_lecture_is_hidden_there_only():
    """The optimizer lab's loss key: in lecture mode the headline keys the colours."""
    from bokeh.models import Legend

    fig, line = _plot()
    key, other = Legend(tags=[NOT_IN_LECTURE]), Legend()
    for legend in (key, other):
        legend.items = [LegendItem(label="SGD", renderers=[line])]
        fig.add_layout(legend, "above")
    display = Display(present=True)
    presenter = Presenter(display)
    presenter.style([fig])
    assert (key.visible, other.visible) == (False, True)
    display.param.update(present=False)
    presenter.style([fig])
    assert (key.visible, other.visible) == (True, True)


def test_a_chinese_pages_plots_draw_their_text_in_the_pages_fonts():
    """In a Chinese page Bokeh's "helvetica" is a CJK font that draws f̄'s bar beside
    the f or not at all: titles, axes, legends and labels take the page's fonts; an
    English page's plots keep Bokeh's."""
    from bokeh.models import Label, Legend

    from playground.text import FONT_STACK

    def styled(lang):
        fig, line = _plot()
        fig.add_layout(Legend(items=[LegendItem(label="平均拟合 f̄", renderers=[line])]))
        fig.add_layout(Label(x=1, y=1, text="p = n"))
        Presenter(Display(lang=lang)).style([fig])
        return fig

    fig = styled("zh")
    assert fig.title.text_font == FONT_STACK
    assert {fig.xaxis[0].axis_label_text_font, fig.yaxis[0].major_label_text_font} == {
        FONT_STACK}
    assert fig.legend[0].label_text_font == FONT_STACK
    assert fig.select_one({"type": Label}).text_font == FONT_STACK
    fig = styled("en")
    assert fig.title.text_font == "helvetica" == fig.legend[0].label_text_font


def test_a_chinese_axis_label_is_upright_and_a_formula_stays_italic():
    """Bokeh's axis labels are italic: "迭代周期" leaned, a slant no Chinese text has."""
    def styled(lang):
        fig = figure()
        fig.xaxis.axis_label, fig.yaxis.axis_label = "迭代周期", "L(θ)"
        Presenter(Display(lang=lang)).style([fig])
        return fig.xaxis[0].axis_label_text_font_style, fig.yaxis[0].axis_label_text_font_style

    assert styled("zh") == ("normal", "italic")
    assert styled("en") == ("italic", "italic")


def test_the_default_display_walks_no_plot_until_another_was_shown(monkeypatch):
    """Issue #9 item 4: styling walked every model of every plot of a page opened, on
    the event loop every page shares, though the default display sets nothing.  A
    plot is walked once a theme or lecture mode has been shown (to restore it)."""
    from bokeh.model import Model

    walked = []
    references = Model.references
    monkeypatch.setattr(Model, "references", lambda self: (
        walked.append(self), references(self))[1])
    fig, line = _plot()
    display = Display()
    presenter = Presenter(display)
    presenter.style([fig])
    assert walked == []
    assert sum(isinstance(t, FullscreenTool) for t in fig.toolbar.tools) == 1  # still
    display.param.update(theme="dark")
    presenter.style([fig])
    assert walked and line.glyph.line_color == PLOT_COLORS["dark"]["ink"]
    display.param.update(theme="light")
    presenter.style([fig])  # walked again: the dark ink goes
    assert line.glyph.line_color == "#000000"


def test_a_lab_chooses_the_renderers_that_thicken():
    fig, line = _plot()
    other = fig.line([0, 1], [1, 0], line_width=1)
    Presenter(Display(present=True)).style([fig], thick={line.id})
    assert (line.glyph.line_width, other.glyph.line_width) == (2 * THICK, 1)


def test_toolbar_buttons_are_named_in_the_pages_language():
    from bokeh.plotting import figure

    from playground.text import TEXT
    from playground.ui.present import Display, Presenter

    plot = figure(tools="pan,wheel_zoom,box_zoom,reset,save,hover")
    Presenter(Display(lang="zh")).style_plot(plot)
    names = {type(t).__name__: t.description for t in plot.toolbar.tools}
    assert names["WheelZoomTool"] == TEXT["zh"]["plot.tool.wheel_zoom"]
    assert names["FullscreenTool"] == TEXT["zh"]["plot.tool.fullscreen"]
    assert all(names.values()), names
    english = figure(tools="pan,save")
    Presenter(Display()).style_plot(english)
    assert [t.description for t in english.toolbar.tools] == ["Pan", "Save", "Fullscreen"]
