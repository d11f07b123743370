"""The bias–variance lab's state: every setting, its link, and the decomposition.

``BiasVarianceLabState`` is a plain ``param.Parameterized`` (no Panel import), tested
without a browser.  A declarative table (``LINK``, a ``ui.link.LinkTable``) reads and
writes the query string:
``?lab=biasvariance&family=features&truth=sin&n=20&datasets=100&noise=0.3&capacity=20``.

The data settings (truth, noise, n, M, seed), the family and λ are inputs of one
computation (``numerics.biasvariance.decompose``: every capacity at once); the chosen
capacity and the highlighted set only pick what is drawn from its result.  The linear
families and k-NN take milliseconds and are computed at once; the network family, and
random features on many points and sets, take seconds, so their computation is split
(``parts``) and the lab runs it off the event loop (``calculate`` is pure and may run on
any thread; ``accept`` stores its result on the session's thread).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Mapping
from typing import NamedTuple

import numpy as np
import param

from ...numerics import SEED_BOUNDS
from ...numerics import biasvariance as bv
from ...text import tr
from ...ui import caption
from ...ui.axes import decomposition_range
from ...ui.lab import LabState
from ...ui.link import LinkReason, LinkTable, param_field, problem
from ...ui.markup import text_html

log = logging.getLogger(__name__)

#: The capacity each family starts at (random features: the threshold p = n).
DEFAULT_CAPACITY = {"poly": 3, "knn": 5, "features": None, "network": 8}
#: Settings whose change recomputes every capacity.
COMPUTE_PARAMS = ("truth", "inputs", "noise", "n", "datasets", "seed", "family", "ridge")


class Settings(NamedTuple):
    """A snapshot of what one computation depends on (safe to hand to a thread)."""

    truth: str
    inputs: str
    noise: float
    n: int
    datasets: int
    seed: int
    family: str
    ridge: float


def merge(parts: list[bv.Decomposition]) -> bv.Decomposition:
    """Decompositions of disjoint capacity lists (one family, one data) as one."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    cat = lambda name, axis=0: np.concatenate([getattr(p, name) for p in parts], axis=axis)
    return first._replace(
        capacities=tuple(c for p in parts for c in p.capacities), bias2=cat("bias2"),
        variance=cat("variance"), total=cat("total"), test_error=cat("test_error"),
        train_error=cat("train_error"), fits=cat("fits"), mean_fit=cat("mean_fit"))


#: Random features for n·M up to this (the default 20 × 100 and a few times more:
#: ≤ 0.1–0.3 s) are one call; more (n = 200, M = 500 took minutes on the event loop,
#: stalling every page of the server) go off the loop in ``FEATURE_PARTS`` parts.
FEATURES_AT_ONCE = 8_000
FEATURE_PARTS = 8


def parts(settings: Settings) -> list[tuple[int, ...]]:
    """The capacities computed in one call each: the network family one bucket of widths
    at a time (``bv.width_buckets``); random features with n·M past
    ``FEATURES_AT_ONCE`` in ``FEATURE_PARTS`` runs of capacities (a set's features do
    not depend on the others computed with them: the same numbers); else all at once."""
    s = settings
    capacities = bv.default_capacities(s.family, s.n)
    if s.family == "network":
        return [hs for _, hs in bv.width_buckets(capacities)]
    if s.family == "features" and s.n * s.datasets > FEATURES_AT_ONCE:
        return [tuple(int(p) for p in run)
                for run in np.array_split(np.asarray(capacities), FEATURE_PARTS) if len(run)]
    return [capacities]


def off_the_loop(settings: Settings) -> bool:
    """Whether a live page computes ``settings`` on a thread, with progress: the
    network family, and any computation of several ``parts``."""
    return settings.family == "network" or len(parts(settings)) > 1


def calculate(settings: Settings, on_part: Callable[[int, int], None] | None = None
              ) -> tuple[bv.Data, bv.Decomposition]:
    """The data and the decomposition for ``settings`` (pure: any thread).

    Computed ``parts(settings)`` one call at a time, calling ``on_part(done, parts)``
    before the first and after each (what it raises stops the work there and
    propagates).

    Raises:
        bv.BiasVarianceError: settings the numerics refuse.
    """
    s = settings
    data = bv.make_data(s.truth, s.n, s.datasets, s.seed, inputs=s.inputs)
    groups = parts(s)
    parts_done = []
    if on_part is not None:
        on_part(0, len(groups))
    for i, group in enumerate(groups):
        parts_done.append(bv.decompose(s.family, data, s.noise, group, ridge=s.ridge,
                                       seed=s.seed))
        if on_part is not None:
            on_part(i + 1, len(groups))
    return data, merge(parts_done)


def _where(capacities, at: list[int], symbol: str, lang: str) -> str:
    """Capacities ``at`` (indices into ``capacities``) in words: "d ≥ 7" when they are
    every capacity from one on, else runs of three or more neighbours as "5–18" (it
    listed "5, 6, 7, …, 18")."""
    caps = [int(c) for c in capacities]
    if at == list(range(len(caps) - len(at), len(caps))) and len(at) > 1:
        return tr("bv.where.from", lang, symbol=symbol, value=caps[at[0]])
    runs, parts = [[at[0]]], []
    for i in at[1:]:
        if i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    for run in runs:
        parts += ([f"{caps[run[0]]}–{caps[run[-1]]}"] if len(run) >= 3
                  else [str(caps[i]) for i in run])
    return tr("bv.where.at", lang, symbol=symbol, values=", ".join(parts))


def bias2_zero_note(capacities, bias2, symbol: str, lang: str) -> str:
    """The note under the curves, in ``lang``: at which of ``capacities`` bias² (as
    shown, ``bv.as_shown``) is drawn as 0, off the log axis's bottom ("from d ≥ 7" when
    it is every capacity from one on); "" where it is nowhere."""
    at = [i for i, b in enumerate(np.asarray(bias2)) if b <= 0]
    return tr("bv.bias2_zero", lang, where=_where(capacities, at, symbol, lang)) if at else ""


def above_top_note(capacities, test_error, top: float, symbol: str, lang: str) -> str:
    """The note under the curves, in ``lang``: at which of ``capacities`` the measured
    test error is above the chart's ``top`` (``ui.axes.decomposition_range`` keeps the
    U in view: past it a polynomial near interpolation reached 10⁹), and how high it
    goes; "" where it is nowhere."""
    errors = np.asarray(test_error, np.float64)
    at = [i for i, e in enumerate(errors) if e > top]
    if not at:
        return ""
    from ...ui.widgets import number_text

    return tr("bv.above_top", lang, where=_where(capacities, at, symbol, lang),
              peak=number_text(float(np.max(errors[at])), 2))


_D = bv.DEFAULT_SETTINGS  # (shared with the command line)


class BiasVarianceLabState(LabState):
    """Every setting of the bias–variance lab, and the decomposition they produce."""

    truth = param.Selector(objects=list(bv.TRUTHS), default=_D["truth"])
    # How each set's training inputs are drawn (bv.INPUTS).  No doc: a widget made from
    # the parameter would show it, in English, as a tooltip.
    inputs = param.Selector(objects=list(bv.INPUTS), default=_D["inputs"])
    noise = param.Number(_D["noise"], bounds=bv.NOISE_BOUNDS,
                         doc="σ of the training and test noise")
    n = param.Integer(_D["n"], bounds=bv.N_BOUNDS, doc="training points per set")
    datasets = param.Integer(_D["datasets"], bounds=bv.DATASETS_BOUNDS,
                             doc="M, resampled training sets")
    seed = param.Integer(_D["seed"], bounds=SEED_BOUNDS)
    family = param.Selector(objects=list(bv.FAMILIES), default=_D["family"])
    capacity = param.Integer(3, bounds=(0, bv.FEATURES_PER_POINT * bv.N_BOUNDS[1]),
                             doc="d, k, p or h: snapped to a computed capacity")
    ridge = param.Number(_D["ridge"], bounds=bv.RIDGE_BOUNDS, doc="λ (poly, features, network)")
    shown = param.Integer(0, bounds=(0, bv.DATASETS_BOUNDS[1] - 1),
                          doc="the training set whose points are drawn")

    # What the settings produce (not in the link).
    result = param.Parameter(default=None, doc="the latest bv.Decomposition, or None")
    data = param.Parameter(default=None, doc="the bv.Data of the latest result")
    error = param.String("", doc="why the latest settings could not be computed")
    busy = param.Boolean(False, doc="a computation runs off the event loop")
    progress = param.Number(0.0, bounds=(0.0, 1.0), doc="the running computation's share done")

    def __init__(self, **params):
        super().__init__(**params)
        self._lock = threading.Lock()
        self.generation = 0  # counts requests: a late result of older settings is dropped
        #: Runs a computation off the event loop (set by the lab in a live page); None:
        #: compute at once.
        self.runner: Callable[[Settings, int], None] | None = None

    # -- settings -------------------------------------------------------------------------

    def settings(self) -> Settings:
        """What the computed result depends on (its cache key)."""
        return Settings(self.truth, self.inputs, float(self.noise), int(self.n),
                        int(self.datasets), int(self.seed), self.family, float(self.ridge))

    def family_capacity(self, family: str | None = None, n: int | None = None) -> int:
        """The capacity a family starts at."""
        family = family or self.family
        default = DEFAULT_CAPACITY[family]
        return int(n or self.n) if default is None else default

    @param.depends("family", watch=True)
    def _on_family(self):
        if not self.applying_link:
            self.capacity = self.family_capacity()

    @param.depends(*COMPUTE_PARAMS, watch=True)
    def _on_settings(self):
        if not self.applying_link:
            self.request()

    # -- computing ----------------------------------------------------------------------

    def request(self):
        """Compute the decomposition for the current settings: at once, or through
        ``runner`` in a live page where it takes seconds (``off_the_loop``) or while
        another computation runs there (a fast family's call waited on the event loop
        for XLA to finish the slow one's part: seconds of a frozen page)."""
        self.generation += 1
        if self.runner is not None and (off_the_loop(self.settings()) or self.busy):
            was_busy = self.busy
            self.param.update(busy=True, progress=0.0)
            if was_busy:  # a new request all the same (the page redraws what it shows)
                self.param.trigger("busy")
            self.runner(self.settings(), self.generation)
            return
        self.compute()

    def compute(self, on_part: Callable[[int, int], None] | None = None):
        """Compute at once (this thread) and store the result; ``on_part`` as
        ``calculate``'s (the static page's export hands its slot on there)."""
        self.generation += 1
        generation = self.generation
        try:
            data, result = calculate(self.settings(), on_part)
        except Exception as e:  # a message in the page, never a traceback
            log.exception("the bias-variance computation failed")
            self.accept(None, None, generation, e)
            return
        self.accept(data, result, generation)

    def accept(self, data, result, generation: int, error: BaseException | None = None):
        """Store a computation's outcome (on the session's thread); an outcome of older
        settings than the latest request is dropped."""
        if generation != self.generation:
            return
        if error is not None:
            self.param.update(busy=False, result=None, data=None,
                              error=tr("error.unexpected", self.lang, error=error))
            return
        self.param.update(busy=False, progress=1.0, error="", data=data, result=result,
                          shown=min(self.shown, result.y.shape[0] - 1))

    def precompute(self, budget_s: float = math.inf):
        """The first picture's numbers (not those the live page computes off the event
        loop, ``off_the_loop``).  Pure numerics, so any thread may run it."""
        if self.result is None and not off_the_loop(self.settings()):
            self.compute()

    # -- what the pictures read ----------------------------------------------------------

    @property
    def index(self) -> int:
        """The position of the chosen capacity among the computed ones (the nearest)."""
        caps = np.asarray(self.result.capacities)
        return int(np.argmin(np.abs(caps - int(self.capacity))))

    @property
    def chosen(self) -> int:
        """The computed capacity drawn (the chosen one, snapped)."""
        return int(self.result.capacities[self.index])

    def reading_text(self, index: int | None = None) -> str:
        """The plain-language reading (``bv.reading``) at the capacity at ``index`` among
        the result's (default: the chosen one): "High bias: at d = 1 …"."""
        r = self.result
        i = self.index if index is None else index
        key = f"bv.reading.{bv.reading(r, i, int(self.n))}"
        return tr(key, self.lang, symbol=bv.FAMILIES[r.family].symbol,
                  value=int(r.capacities[i]), n=int(self.n),
                  best=int(r.capacities[bv.first_best(r, int(self.n))]))

    def reading_html(self, index: int | None = None) -> str:
        """``reading_text`` as HTML: its kind in bold, "<b>High bias</b>: at d = 1 …", as
        the MLP lab's reading (under "Reading:" it read "解读： 高偏差：…", two
        colons)."""
        words = self.reading_text(index)
        colon = "：" if "：" in words else ": "
        kind, said, rest = words.partition(colon)
        if not said:
            return text_html(words)
        return f"<b>{text_html(kind)}</b>{colon}{text_html(rest)}"

    def family_note(self) -> str:
        """The family's note under its name; k-NN's says how far k goes (1 … min(50, n):
        the slider's end) and why."""
        note = tr(f"bv.family.{self.family}.note", self.lang)
        if self.family != "knn":
            return note
        n = int(self.n)
        more = (tr("bv.knn.upto_n", self.lang, n=n) if n <= bv.MAX_K
                else tr("bv.knn.upto_max", self.lang, high=bv.MAX_K))
        return f"{note} {more}" if self.lang == "en" else f"{note}{more}"

    def bias2_zero_note(self) -> str:
        """The result's note on where bias² is drawn as 0 (``bias2_zero_note``); ""
        where it is nowhere or nothing is computed."""
        r = self.result
        if r is None:
            return ""
        return bias2_zero_note(r.capacities, bv.as_shown(r).bias2,
                               bv.FAMILIES[r.family].symbol, self.lang)

    def above_top_note(self) -> str:
        """The result's note on where its test error leaves the chart's top
        (``above_top_note``); "" where it is nowhere or nothing is computed."""
        r = self.result
        if r is None:
            return ""
        return above_top_note(r.capacities, r.test_error, decomposition_range(r)[1],
                              bv.FAMILIES[r.family].symbol, self.lang)

    def threshold_note(self) -> str:
        """Polynomials without a ridge at a degree of n − 1 or more: from there each set is
        interpolated, by the minimum-norm fit (the family's Φ⁺y; ``min_norm_wide``), and
        the curves past it are another regime (a student's review: a second descent
        with nothing to say why); "" otherwise."""
        r = self.result
        if r is None or r.family != "poly" or r.ridge > 0:
            return ""
        n = int(self.n)
        if self.chosen < n - 1:  # said where the capacity looked at is past it
            return ""
        return tr("bv.poly_threshold", self.lang, d=n - 1, n=n)

    def chart_notes(self) -> list[str]:
        """What the curves' chart draws other than as computed, said under it: bias²
        drawn as 0 (``bias2_zero_note``), a test error above its top
        (``above_top_note``); and polynomials past interpolation (``threshold_note``)."""
        return [note for note in (self.bias2_zero_note(), self.above_top_note(),
                                  self.threshold_note()) if note]

    def chart_note(self) -> str:
        """``chart_notes`` as the one paragraph under the curves (the live page's and the
        static page's)."""
        return ("" if self.lang == "zh" else " ").join(self.chart_notes())

    def decomposition_text(self) -> str:
        """The decomposition at the chosen capacity in one line of plain text, each number
        after its name, as the page's formula has them (``bv.DECOMPOSITION``, the terms as
        drawn): "test error 0.114 ≈ bias² 0.00479 + variance 0.0192 + σ² 0.09 = 0.114"
        (a caption names the capacity just before it)."""
        from ...ui.widgets import number_text

        r, i = bv.as_shown(self.result), self.index
        words = []
        for term in bv.DECOMPOSITION:
            value = getattr(r, term.field)
            number = number_text(float(value if term.field == "noise" else value[i]), 3)
            name = (tr(f"bv.term.{term.label}", self.lang) if term.label is not None
                    else "σ" if term.field == "noise" else "")
            name += "²" if term.squared else ""
            words.append(" ".join(w for w in (term.sign, name, number) if w))
        return " ".join(words)

    def caption_notes(self) -> list[str]:
        """A figure for a slide says what the page says beside its charts: the
        decomposition at the chosen capacity (``decomposition_text``), the reading
        (``reading_text``) and the notes under the curves (``chart_notes``)."""
        if self.result is None:
            return []
        return [self.decomposition_text(), self.reading_text().rstrip(".。"),
                *self.chart_notes()]

    def term_labels(self) -> dict[str, str]:
        """The decomposition's terms in the page's language, keyed as ``bv.TERM_LABELS``."""
        return {name: tr(f"bv.term.{name}", self.lang) for name in bv.TERM_LABELS}

    def formula(self) -> str:
        """The decomposition at the chosen capacity with its numbers (LaTeX)."""
        return bv.decomposition_latex(self.result, self.index, labels=self.term_labels())

    def definitions(self) -> str:
        """What variance and bias² are, as computed (LaTeX; ``bv.definitions_latex``)."""
        return bv.definitions_latex(self.term_labels())

    def definitions_text(self) -> str:
        """The definitions as the lab's LaTeX pane shows them: each its own formula
        (``bv.definitions_parts``), a comma in it, an em space between them, where a
        narrow page breaks the line."""
        parts = bv.definitions_parts(self.term_labels())
        return "\u2003".join(rf"$\displaystyle {part}{',' if i < len(parts) - 1 else ''}$"
                              for i, part in enumerate(parts))

    # -- the link -----------------------------------------------------------------------

    def caption_parts(self) -> list[str]:
        """The settings in words, each once (``ui.caption``): the truth and the data, the
        family with its capacity (and λ where it applies and is not 0)."""
        lang, changed = self.lang, self.to_query()
        data = [caption.named(tr("bv.truth", lang), tr(f"bv.truth.{self.truth}", lang), lang),
                caption.equals(tr("bv.noise", lang), self.noise),
                caption.equals(tr("bv.n", lang), self.n),
                caption.equals(tr("bv.datasets", lang), self.datasets)]
        if "inputs" in changed:  # (the default, spread, goes without saying)
            data.append(caption.named(tr("bv.inputs", lang), tr(f"bv.inputs.{self.inputs}",
                                                                 lang), lang))
        if "seed" in changed:
            data.append(caption.named(tr("bv.seed", lang), str(self.seed), lang))
        family = bv.FAMILIES[self.family]
        model = [caption.equals(family.symbol, self.capacity)]
        if family.ridge and self.ridge > 0:
            model.append(caption.equals(tr("bv.ridge", lang), self.ridge))
        return [caption.listed(data, lang),
                caption.with_settings(tr(f"bv.family.{self.family}", lang),
                                      caption.listed(model, lang), lang)]

    def to_query(self) -> dict[str, str]:
        """The state as query values: the family, and every setting that differs."""
        return LINK.write(self.link_values(), {"capacity": self.family_capacity()})

    def apply_query(self, query: Mapping[str, str]) -> list[str]:
        """Set the state from query values; returns what was ignored and why.  A link
        that changes a setting leaves no result of the old ones."""
        before = self.settings()
        problems = super().apply_query(query)
        if self.settings() != before:
            self.result = None  # stale: computed again by precompute() or request()
        return problems

    def check_link(self, query: Mapping[str, str], values: dict,
                   problems: list[str]) -> dict:
        """The capacity within its family's range (for the link's n) and among those
        computed; the set shown among the link's training sets."""
        family = values.get("family", self.family)
        n = values.get("n", self.n)
        spec = bv.FAMILIES[family]
        if "capacity" in values:
            high = bv.FEATURES_PER_POINT * n if family == "features" else spec.high
            if not spec.low <= values["capacity"] <= high:
                problems.append(problem("capacity", query["capacity"],
                                        LinkReason("capacity", low=spec.low, high=high)))
                del values["capacity"]
        if "capacity" in values:  # in range, but not among the capacities computed
            computed = np.asarray(bv.default_capacities(family, n))
            nearest = int(computed[np.argmin(np.abs(computed - values["capacity"]))])
            if nearest != values["capacity"]:
                problems.append(problem("capacity", query["capacity"],
                                        LinkReason("not_computed", nearest=nearest)))
                values["capacity"] = nearest
        values.setdefault("capacity", self.family_capacity(family, n))
        if "shown" in values and values["shown"] >= values.get("datasets", self.datasets):
            problems.append(problem("shown", query["shown"], LinkReason(
                "no_such_set", sets=values.get("datasets", self.datasets))))
            del values["shown"]
        return values

    def apply_link(self, query: Mapping[str, str]) -> list[str]:
        """Exactly what a link says (Back/Forward, a lesson's step), and its picture: the
        decomposition computed again when the link's settings differ (``apply_query``
        leaves that to ``precompute``); a new capacity or training set alone is drawn
        from the result there is."""
        before = self.settings()
        problems = super().apply_link(query)
        # (a computation of older settings still running: its result is dropped)
        if self.settings() != before or (self.result is None and not self.busy):
            self.request()
        return problems


#: The link: every row's key is its parameter's name.
LINK = LinkTable([
    param_field(BiasVarianceLabState, "family", always=True),
    *(param_field(BiasVarianceLabState, name) for name in (
        "truth", "inputs", "noise", "n", "datasets", "seed", "capacity", "ridge", "shown")),
])
#: Parameters carried in links, each under its own name.
URL_KEYS: tuple[str, ...] = tuple(f.name for f in LINK.fields)
BiasVarianceLabState.LINK_KEYS, BiasVarianceLabState.LINK = LINK.keys, LINK
BiasVarianceLabState.LESSON_FREE = frozenset(("capacity", "shown"))
