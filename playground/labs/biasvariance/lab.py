"""The bias–variance lab: many fits at once, the U-curve computed, and double descent.

The numerics are :mod:`playground.numerics.biasvariance`, the settings
:mod:`.state`.  Two pictures: every set's fit (faint), their mean f̄, the truth and one
training set's points (click a fit to show its set); and against capacity bias²,
variance, σ², their sum, the measured test error and the training error (log axes where
they span decades).  Beside them a plain-language reading and the decomposition with the
chosen capacity's numbers.  The network family, and random features on many points and
sets, are computed on a worker thread (``state.off_the_loop``; ``ui.session.Worker``, in
parts); meanwhile a progress bar shows how many parts (buckets of widths, runs of p) are
done.
"""

from __future__ import annotations

import numpy as np
import panel as pn
import param
from panel.io import hold

from ...numerics import biasvariance as bv
from ...text import tr
from ...ui.axes import LOG_FLOOR, decomposition_range, fits_range
from ...ui.export import (
    download_button,
    figure_label,
    refresh_captions,
    tag_figure,
    with_downloads,
)
from ...ui.flow import WRAP, chart_room
from ...ui.lab import Lab, controls
from ...ui.markup import notice, set_notice, text_html
from ...ui.present import (
    FIT_WINDOW,
    FORMULA_BOX,
    MATH_FONT,
    PLOT_COLORS,
    katex_html_stylesheets,
    lecture_height,
    math_size,
    number_size,
    text_size,
)
from ...ui.session import Worker
from ...ui.widgets import INTEGER_CLASS, DiscreteSlider, label_colon, set_text
from . import state as bv_state
from .figures import curve_columns, curve_sources, curves_figure, fit_sources, fits_figure
from .state import BiasVarianceLabState, calculate

#: λ values the slider offers (a link may add its own).
#: The plots' height, and in lecture mode: its larger title, axis labels and two-column
#: legend (``ui.present.PLOT_FONTS``) took ~200 px of the 400, leaving a frame ~200 px
#: tall at 1280 × 720, where the log axis's 20 px labels (10⁴ … 10⁻⁴, one per decade)
#: touched; at 505 the frame keeps ≥ 300 px (with f̄'s band a third legend row with an
#: overbar: 1 px more), the labels a gap, and the plots fit in 720 px below the
#: decomposition's numbers (~150 px with the header).
PLOT_HEIGHT, LECTURE_PLOT_HEIGHT = 400, 505
#: Each plot's least width beside the other (``ui.flow.chart_room``): its legend's two
#: columns under it, 340 px wide and 450 in lecture mode's type (at 768 px in lecture
#: mode side by side they ran out of the window, the fits' title cut off).
PLOT_ROOM = chart_room(140, 250)
#: Both plots: taller in lecture mode (its larger text squeezed them), fitted to the
#: window there (``ui.present``).
PLOT_TAGS = (lecture_height(LECTURE_PLOT_HEIGHT), FIT_WINDOW)
RIDGES = (0.0, 1e-8, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 100.0)


def _ridge_label(value: float) -> str:
    return "0" if value == 0 else f"{value:g}"


class BiasVarianceLab(Lab):
    """The same model family fitted to many training sets: bias, variance, noise."""

    state = param.ClassSelector(class_=BiasVarianceLabState)

    URL_TRIGGERS = bv_state.URL_KEYS

    def __init__(self, **params):
        super().__init__(**params)
        s, lang = self.state, self.state.lang
        self._started = False
        # Long computations' thread (in a live page); the latest request's generation.
        self.worker = Worker(on_error=self._on_work_failed, name="bias-variance")
        self._generation = 0
        self.message = notice("warning", css_classes=["pg-message"])
        self.progress = pn.indicators.Progress(value=0, max=100, visible=False, width=300,
                                               css_classes=["pg-bv-progress"])
        self.progress_text = pn.pane.HTML("", visible=False, css_classes=["pg-bv-busy"])
        self._build_figures()
        # Lecture mode's sizes: the reading's text ≥ 20 px, the decomposition's numbers
        # those users watch (30 px: the names under its braces, at 0.7 of it, ≥ 20 px).
        self.reading = pn.pane.HTML("", css_classes=["pg-bv-reading"],
                                    styles={"font-size": text_size(15)},
                                    sizing_mode="stretch_width")
        # Where bias² is drawn as 0, its line leaves the log axis's bottom: said here.
        self.zero_note = pn.pane.HTML("", css_classes=["pg-bv-zero-note"], visible=False,
                                      styles={"font-size": text_size(13),
                                              "color": "var(--pg-muted, #444)"},
                                      sizing_mode="stretch_width")
        # 18 px: the names under its braces (\scriptstyle) were 10.5 px at 15.
        self.formula = pn.pane.LaTeX("", css_classes=["pg-bv-formula"],
                                     styles={"font-size": number_size(18)},
                                     stylesheets=[*katex_html_stylesheets(),  # its braces
                                                  FORMULA_BOX],
                                     sizing_mode="stretch_width")
        self.model_formula = pn.pane.LaTeX("", css_classes=["pg-bv-model"],
                                           styles={"font-size": math_size(13)},
                                           stylesheets=[MATH_FONT, FORMULA_BOX],
                                           sizing_mode="stretch_width")
        # What the terms are, beside the objective: each idea's formula on screen.
        self.definitions = pn.pane.LaTeX(s.definitions_text(),
                                         css_classes=["pg-bv-definitions"],
                                         styles={"font-size": math_size(13)},
                                         stylesheets=[MATH_FONT, FORMULA_BOX],
                                         sizing_mode="stretch_width")
        self.definitions_note = pn.pane.HTML(
            text_html(tr("bv.definitions.note", lang)),
            css_classes=["pg-bv-definitions-note"],
            styles={"font-size": text_size(13), "color": "var(--pg-muted, #444)"},
            sizing_mode="stretch_width")
        self._build_controls(lang)
        self.sidebar()  # built here, on the thread that prepares the page
        s.param.watch(self._on_result, ["result"])
        s.param.watch(self._on_pick, ["capacity", "shown"])
        s.param.watch(lambda _e: self.show_message(), ["error"])
        s.param.watch(self._on_busy, ["busy", "progress"])

    # -- the controls ---------------------------------------------------------------------

    def _build_controls(self, lang):
        s = self.state
        self.truth = pn.widgets.Select.from_param(
            s.param.truth, name=tr("bv.truth", lang), css_classes=["pg-bv-truth"],
            options={tr(f"bv.truth.{k}", lang): k for k in bv.TRUTHS})
        self.inputs = pn.widgets.Select.from_param(
            s.param.inputs, name=tr("bv.inputs", lang), css_classes=["pg-bv-inputs"],
            # The menu's words short (a select cannot wrap: lecture mode's 320-px column
            # cut the full ones); the caption says them in full.
            options={tr(f"bv.inputs.{k}.short", lang): k for k in bv.INPUTS})
        self.noise = pn.widgets.FloatSlider.from_param(
            s.param.noise, name=tr("bv.noise", lang), step=0.05, css_classes=["pg-bv-noise"])
        # n and M are shapes (padded to buckets: a new bucket compiles), applied on release.
        self.n = self._on_release(pn.widgets.IntSlider(
            name=tr("bv.n", lang), start=bv.N_BOUNDS[0], end=bv.N_BOUNDS[1], value=s.n,
            css_classes=["pg-bv-n"]), "n")
        self.datasets = self._on_release(pn.widgets.IntSlider(
            name=tr("bv.datasets", lang), start=bv.DATASETS_BOUNDS[0],
            end=bv.DATASETS_BOUNDS[1], value=s.datasets, css_classes=["pg-bv-datasets"]),
            "datasets")
        self.seed = pn.widgets.IntInput.from_param(s.param.seed, name=tr("bv.seed", lang),
                                                   css_classes=["pg-bv-seed", INTEGER_CLASS])
        self.family = pn.widgets.Select.from_param(
            s.param.family, name=tr("bv.family", lang), css_classes=["pg-bv-family"],
            options={tr(f"bv.family.{k}", lang): k for k in bv.FAMILIES})
        # Named for the family's own symbol (it said "d, k, p or h" for all four).
        self.capacity = DiscreteSlider(name=tr(f"bv.capacity.{s.family}", lang),
                                       colon=label_colon(lang),
                                       options=self._coming_capacities(), value=s.capacity,
                                       css_classes=["pg-bv-capacity"])
        self.capacity.param.watch(lambda e: setattr(s, "capacity", int(e.new)), "value")
        s.param.watch(lambda e: setattr(self.capacity, "name",
                                        tr(f"bv.capacity.{e.new}", s.lang)), "family")
        controls(self.capacity, "capacity")
        ridges = sorted({*RIDGES, float(s.ridge)})
        self.ridge = DiscreteSlider(
            name=tr("bv.ridge", lang), colon=label_colon(lang),
            options={_ridge_label(r): r for r in ridges},
            value=float(s.ridge), css_classes=["pg-bv-ridge"])
        self.ridge.param.watch(lambda e: setattr(s, "ridge", float(e.new)), "value")
        controls(self.ridge, "ridge")
        s.param.watch(lambda e: setattr(self.ridge, "value", float(e.new))
                      if e.new in self.ridge.values else None, ["ridge"])
        # The theme's muted ink (#444 on the dark theme's background read at 1.9:1).
        self.family_note = pn.pane.HTML(text_html(s.family_note()),
                                        css_classes=["pg-bv-family-note"],
                                        styles={"font-size": text_size(13),
                                                "color": "var(--pg-muted, #444)"})

    def _coming_capacities(self) -> list[int]:
        """The capacities the family will be computed at, and the state's: the slider's
        handle where it will be while a result is computed (at the left on a single
        option, it moved when the result came: issue #13)."""
        s = self.state
        try:
            coming = bv.default_capacities(s.family, int(s.n))
        except bv.BiasVarianceError:  # (the state refuses such a family first)
            coming = ()
        return sorted({*coming, int(s.capacity)})

    def _on_release(self, slider, name: str):
        """``slider`` sets the state's ``name`` when released, and follows it."""
        s = self.state
        slider.param.watch(lambda e: setattr(s, name, int(e.new)), "value_throttled")
        s.param.watch(lambda e: setattr(slider, "value", int(e.new)), [name])
        return controls(slider, name)

    def build_sidebar(self) -> list:
        lang = self.state.lang
        return [
            pn.pane.HTML(f"<b>{text_html(tr('bv.data', lang))}</b>"),
            self.truth, self.inputs, self.noise, self.n, self.datasets, self.seed,
            pn.pane.HTML(f"<b>{text_html(tr('bv.model', lang))}</b>"),
            self.family, self.family_note, self.capacity, self.ridge,
            download_button(self.state, "biasvariance", lambda: self.theme),
        ]

    # -- the pictures ---------------------------------------------------------------------

    def _build_figures(self):
        lang = self.state.lang
        self.fit_sources = fit_sources()
        self.fits_fig = fits_figure(self.fit_sources, lang, height=PLOT_HEIGHT,
                                    sizing_mode="stretch_width", tags=list(PLOT_TAGS))
        figure_label(self.fits_fig, tr("bv.fits.shown", lang),
                     tr("bv.fits.shown.figure", lang))
        self.fit_sources["fits"].selected.on_change("indices", self._on_tap)

        self.curves_sources = curve_sources()
        self.curves = None  # (``_ensure_curves_figure``)
        self.plots = None  # (``main``)
        self._curves_key = None  # (family, n for random features): what the figure is for
        self.curves_pane = pn.pane.Bokeh(sizing_mode="stretch_width",
                                         css_classes=["pg-bv-curves"])
        self.fits_pane = pn.pane.Bokeh(self.fits_fig, sizing_mode="stretch_width",
                                       css_classes=["pg-bv-fits"])

    @property
    def curves_fig(self):
        """The curves' figure (None before the first is drawn)."""
        return None if self.curves is None else self.curves.figure

    def _curves_figure(self, family: str, chosen: float):
        """The curves against capacity for ``family``, the chosen capacity's line at
        ``chosen``; a new figure when the axes' kind changes."""
        curves = curves_figure(self.curves_sources, family, self.state.lang, chosen,
                               int(self.state.n), ink=self._span_color(),
                               height=PLOT_HEIGHT, sizing_mode="stretch_width",
                               tags=list(PLOT_TAGS))
        return curves

    def _span_color(self) -> str:
        """The chosen capacity's line: the theme's muted ink (#444 was unseen on the dark
        theme's background; the static export draws it so too)."""
        return PLOT_COLORS[self.theme]["muted"]

    def display_changed(self, display):
        """The theme: the chosen capacity's line in its ink (lecture mode's taller
        plots are the presenter's: ``PLOT_TAGS``)."""
        super().display_changed(display)
        if self.curves is not None and self.curves.chosen.line_color != self._span_color():
            self.curves.chosen.line_color = self._span_color()
            self.curves.label.text_color = self._span_color()

    def main(self) -> list:
        return [
            self.message,
            pn.Row(self.progress, self.progress_text),
            # The decomposition's numbers above the plots: in lecture mode at 1280 × 720
            # below them they were under the fold (the reading too there would push the
            # plots' legends under it, or squeeze their frames below 300 px).
            self.formula,
            self._plots(),
            self.zero_note,
            self.reading,
            self.definitions,
            self.definitions_note,
            self.model_formula,
        ]

    def _plots(self) -> pn.Row:
        """The two plots under their Download menus (kept: a result that comes later
        brings their figures' caption up to date), side by side where each has
        ``PLOT_ROOM``, else one under the other."""
        room = lambda plot: pn.Column(plot, sizing_mode="stretch_width", margin=0,  # noqa: E731
                                      styles={"flex": "1 1 0"}, stylesheets=[PLOT_ROOM])
        self.plots = pn.Row(room(with_downloads(self.fits_pane, "fits", self.state)),
                            room(with_downloads(self.curves_pane, "curves", self.state)),
                            sizing_mode="stretch_width", stylesheets=[WRAP])
        return self.plots

    # -- the lab contract ---------------------------------------------------------------

    def prepare(self):
        """Draw the first result (``state.precompute`` computed it)."""
        if self._started:
            return
        self._started = True
        if self.state.result is not None:
            self._on_result()

    def start(self):
        """In the live page: long computations (``state.off_the_loop``) run on a
        worker thread from now on."""
        self.prepare()
        doc = pn.state.curdoc
        if doc is not None and doc.session_context is not None:
            self.worker.attach(doc)
            self.state.runner = self._run_in_thread
        if self.state.result is None and not self.state.busy:
            self.state.request()

    def stop(self):
        self.state.runner = None
        self.state.generation += 1  # a thread still running: its result is dropped

    def show_message(self):
        set_notice(self.message, (self.link_problems, self.state.error))

    # -- long computations off the event loop ----------------------------------------------

    def _run_in_thread(self, settings, generation: int):
        """The state's ``runner``: ``settings`` computed in parts (buckets of widths, runs
        of p) on the worker's thread, which stops between two once a newer request
        waits or the page has closed, the result given to the state as of request
        ``generation``."""
        s = self.state
        self._generation = generation
        self.worker.submit(
            "result", lambda part: calculate(settings, part),
            lambda outcome: s.accept(*outcome, generation),
            progress=lambda share: (s.param.update(progress=share)
                                    if generation == s.generation else None))

    def _on_work_failed(self, error: BaseException):
        """The latest request failed (logged with its traceback): said in the page."""
        self.state.accept(None, None, self._generation, error)

    def _on_busy(self, *events):
        s = self.state
        started = any(e.name == "busy" and e.new for e in events)  # (a new request)
        if started and (s.result is None or s.result.family != s.family
                        or s.family == "features"):  # (its capacities depend on n)
            # The value with them: it is among them, so the state's capacity stays.
            self.capacity.param.update(options=self._coming_capacities(), value=s.capacity)
            set_text(self.family_note, text_html(s.family_note()))
        if started and s.result is None and self._started:
            self._draw_the_data()
        self.progress.visible = self.progress_text.visible = bool(s.busy)
        self.progress.value = int(round(100 * s.progress))
        self._dim(bool(s.busy))
        key = "bv.busy" if s.family == "network" else "bv.busy.fits"
        set_text(self.progress_text, text_html(tr(key, s.lang,
                                                  percent=int(round(100 * s.progress)))))

    #: How the pictures and numbers of the previous settings show while new ones compute.
    STALE_OPACITY = "0.35"

    def _dim(self, stale: bool):
        """The outputs faded while they belong to the previous settings (a family's
        widths train for half a minute; they read as the new family's before)."""
        # The figures themselves: a Bokeh pane takes its styles from its figure.
        for item in (self.fits_fig, self.curves_fig, self.formula, self.reading,
                     self.zero_note, self.model_formula):
            if item is None:
                continue
            # Opaque again by saying so: a style left out of the new ones stays in the
            # browser (the first result of a page opened on a long family stayed faded).
            styles = {**dict(item.styles),
                      "opacity": self.STALE_OPACITY if stale else "1"}
            if styles != dict(item.styles):
                item.styles = styles

    # -- drawing ---------------------------------------------------------------------------

    def _on_tap(self, _attr, _old, new):
        # One fit: a tap that hit several is narrowed to the nearest in the browser
        # (``ui.pick``), which sends that one next.
        if len(new) == 1:
            self.state.shown = int(new[0])

    def _on_result(self, *_events):
        if not self._started:
            return
        s, r = self.state, self.state.result
        if r is None:
            return
        with hold():
            caps = list(r.capacities)
            d = s.data
            self.fit_sources["truth"].data = {"x": d.grid, "y": d.f_grid}
            self.fits_fig.y_range.start, self.fits_fig.y_range.end = fits_range(
                d.f_grid, s.noise)
            family = bv.FAMILIES[r.family]
            self.ridge.visible = family.ridge  # k-NN has no λ: no slider that does nothing
            set_text(self.family_note, text_html(s.family_note()))  # k-NN: how far k goes
            self.model_formula.object = f"${family.objective}$"
            self._ensure_curves_figure(r.family, r.capacities[0])
            # The options and the value at once: options alone that lack the slider's
            # value set it to their first (and the state's capacity with it).  After the
            # figure: the value snaps the state's capacity, which redraws its line.
            self.capacity.param.update(options=caps, value=s.chosen)
            self.curves.span_y(*decomposition_range(r))
            for name, columns in curve_columns(r).items():
                self.curves_sources[name].data = columns
            self._say_where_bias2_is_zero()
            self._on_pick()
            if self.plots is not None:  # (the figure's note on bias² drawn as 0)
                refresh_captions(self.plots, s)

    def _ensure_curves_figure(self, family: str, chosen: float):
        """The curves' figure for ``family``: a new one only when its axes change kind
        (a figure costs ~50 ms to build)."""
        key = (family, int(self.state.n) if family == "features" else None)
        if key == self._curves_key:
            return
        self._curves_key = key
        self.curves = self._curves_figure(family, chosen)
        tag_figure(self.curves_fig, "curves")  # a new figure joins its Download menu
        # Styled as the page is (theme, lecture mode, full-screen tool) before it joins:
        # the dark theme's restyle, a second later, added a tool to the figure in the
        # page and BokehJS then lost its legend and toolbar.
        self.styled([pn.pane.Bokeh(self.curves_fig)])
        if self.state.busy:  # faded as it joins (set after, the browser kept it opaque)
            self.curves_fig.styles = {**dict(self.curves_fig.styles),
                                      "opacity": self.STALE_OPACITY}
        self.curves_pane.object = self.curves_fig

    def _draw_the_data(self):
        """While a first result computes (a family's widths train for half a minute):
        what does not wait for it, faded as the rest.  The truth and the shown set's
        training points; the curves' chart with its axes and legend and the noise
        floor σ² across the capacities to come (the fits chart was empty and the curves'
        chart missing until then)."""
        s = self.state
        try:
            d = bv.make_data(s.truth, int(s.n), int(s.datasets), int(s.seed),
                             inputs=s.inputs)
            caps = bv.default_capacities(s.family, int(s.n))
        except bv.BiasVarianceError:  # (the state says why in its message)
            return
        m = min(int(s.shown), d.x.shape[0] - 1)
        with hold():
            sources = self.fit_sources
            sources["truth"].data = {"x": d.grid, "y": d.f_grid}
            sources["points"].data = {"x": d.x[m], "y": d.f_train[m] + s.noise * d.eps[m]}
            sources["fits"].data = {"xs": [], "ys": []}
            sources["mean"].data = sources["shown"].data = {"x": [], "y": []}
            sources["band"].data = {"x": [], "lower": [], "upper": []}
            self.fits_fig.y_range.start, self.fits_fig.y_range.end = fits_range(
                d.f_grid, s.noise)
            self._ensure_curves_figure(s.family, int(s.capacity))
            x = np.asarray(caps, float)
            for name in self.curves_sources:
                self.curves_sources[name].data = (
                    {"x": x, "y": np.full(len(x), max(s.noise ** 2, LOG_FLOOR))}
                    if name == "noise" else {"x": [], "y": []})
            self.curves.show_chosen(s.family, int(s.capacity))

    def _say_where_bias2_is_zero(self):
        """The note under the curves: where bias² is drawn as 0, where the test error is
        above the chart's top (``chart_note``)."""
        note = self.state.chart_note()
        set_text(self.zero_note, text_html(note))
        self.zero_note.visible = bool(note)

    def _on_pick(self, *_events):
        s, r = self.state, self.state.result
        if not self._started or r is None or self.curves_fig is None:
            return  # (``_on_result`` draws the first picture)
        if r.family != s.family:
            return  # another family's result, faded while the new one computes (its
            # nearest capacity drawn under the new family's symbol read as the new one's)
        with hold():
            i, m = s.index, min(int(s.shown), r.y.shape[0] - 1)
            d = s.data
            grid = d.grid
            fits, sources = r.fits[i], self.fit_sources
            xs = sources["fits"].data["xs"]
            if len(xs) == len(fits) and len(xs) and np.array_equal(xs[0], grid):
                # Only the fits' y column goes to the browser (one message of M arrays,
                # not M copies of the same x grid besides).
                sources["fits"].data["ys"] = list(fits)
            else:
                sources["fits"].data = {"xs": [grid] * len(fits), "ys": list(fits)}
            sources["mean"].data = {"x": grid, "y": r.mean_fit[i]}
            lower, upper = bv.mean_fit_band(r, i)
            sources["band"].data = {"x": grid, "lower": lower, "upper": upper}
            sources["shown"].data = {"x": grid, "y": fits[m]}
            sources["points"].data = {"x": d.x[m], "y": r.y[m]}
            if list(sources["fits"].selected.indices) != [m]:  # the one highlighted
                sources["fits"].selected.indices = [m]
            self.curves.show_chosen(r.family, s.chosen)
            self._say_where_bias2_is_zero()  # (polynomials past n − 1: a note of their own)
            self.capacity.value = s.chosen
            symbol = bv.FAMILIES[r.family].symbol
            set_text(self.reading, s.reading_html())
            # The colon in the text (in math mode ":" is a relation: "d = 3 :").
            colon = label_colon(s.lang).strip()
            self.formula.object = f"$\\text{{{symbol} = {s.chosen}{colon}}}\\quad {s.formula()}$"
