"""A lab's settings in words, for the caption under an exported figure
(``ui.export.figure_caption``): the labels and option names the page itself shows, in the
page's language, each setting once.

A lab's state builds its caption's parts (``LabState.caption_parts``) with these helpers;
no Panel import (a state is made off the session's thread).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..numerics import optimizers as opt
from ..text import tr


def number(value) -> str:
    """A setting's number as a person writes it: ``0.03``, ``100``, ``1e-08``."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    return f"{float(value):.6g}"


def named(label: str, value: str, lang: str) -> str:
    """``label: value`` (``标签：值`` in Chinese)."""
    return tr("caption.setting", lang, label=label, value=value)


def equals(symbol: str, value) -> str:
    """``symbol = value`` (a number formatted by :func:`number`)."""
    return f"{symbol} = {value if isinstance(value, str) else number(value)}"


def listed(items: Iterable[str], lang: str) -> str:
    """Items joined as a list (``, ``; ``、`` in Chinese)."""
    return tr("caption.list", lang).join(items)


def with_settings(name: str, settings: str, lang: str) -> str:
    """A named thing and its settings: ``Adam, α = 0.03`` (``Adam，α = 0.03`` in Chinese:
    ``、`` joins items of one kind, and read "Adam and α")."""
    return tr("caption.with", lang, name=name, settings=settings) if settings else name


def joined(parts: Iterable[str], lang: str) -> str:
    """The caption's parts in one line (`` · ``); after a part that is a sentence (a
    chart's note, "…。"), the next follows as a sentence does ("。 · 在…" read as a
    stray dot)."""
    out = ""
    for part in (p for p in parts if p):
        if out:
            sentence = out.endswith(("。", ".", "．"))
            out += ("" if lang == "zh" else " ") if sentence else tr("caption.separator", lang)
        out += part
    return out


def knobs(names: str | Iterable[str], values: dict[str, float], shown: Iterable[str],
          lang: str) -> str:
    """The knobs ``shown`` (keys of ``values``) that optimizer ``names`` (one, or several
    sharing them) use, in symbols: ``α = 0.03, β₁ = 0.95``; bias correction switched off
    in words."""
    names = [names] if isinstance(names, str) else list(names)
    used = {k for n in names for k in opt.OPTIMIZERS[n].hyperparams}
    items = []
    for key in (k for k in opt.KNOBS if k in used):
        if key not in shown:
            continue
        if opt.KNOBS[key].flag:
            if not values[key]:
                items.append(tr("caption.no_bias_correction", lang))
        else:
            items.append(equals(opt.KNOBS[key].symbol, values[key]))
    return listed(items, lang)


def optimizer(name: str, values: dict[str, float], shown: Iterable[str], lang: str) -> str:
    """``Adam, α = 0.03`` (the optimizer's name and its knobs ``shown``)."""
    settings = knobs(name, values, shown, lang)
    return with_settings(tr(f"optimizer.{name}", lang), settings, lang)


#: How a caption writes each schedule setting (``numerics.optimizers.SCHEDULE_SETTINGS``).
SCHEDULE_SYMBOLS = {"every": "N", "factor": "k", "gamma": "γ"}


def schedule(kind: str, label_key: str, settings: dict[str, float], lang: str,
             cosine_length: float | None = None) -> str:
    """A learning-rate schedule that is not constant: its option's text (``label_key``
    ``.KIND``) and the settings it reads (``settings``: ``every``, ``factor``, ``gamma``;
    which ones, ``numerics.optimizers.SCHEDULE_SETTINGS`` says), e.g. ``step: α / k
    every N epochs, N = 50, k = 2``; cosine's length T where a page sets it
    (``cosine_length``; else it is the run's, not said)."""
    if kind == "constant":
        return ""
    numbers = [equals(SCHEDULE_SYMBOLS[name], settings[name])
               for name, kinds in opt.SCHEDULE_SETTINGS.items() if kind in kinds]
    if kind == "cosine" and cosine_length is not None:
        numbers.append(equals("T", cosine_length))
    return with_settings(tr(f"{label_key}.{kind}", lang), listed(numbers, lang), lang)


def clipping(kind: str, value: float, lang: str) -> str:
    """Gradient clipping that is on: its option's text and ``c``."""
    if kind == "none":
        return ""
    return with_settings(tr(f"clip.{kind}", lang), equals("c", value), lang)


def race_status(race, k: int, lang: str) -> str:
    """How optimizer ``k`` of ``race`` (a ``numerics.race.Race``) ended, as its legend
    says it: its last loss (four digits), or the step where it diverged, stepped out of
    the formula's domain or met an undefined gradient."""
    from .widgets import number_text  # Panel's module: not at the import of a state

    stop = race.stop(k)
    if stop is None:
        return tr("status.converged", lang, loss=number_text(race.loss[-1, k], 4))
    key = {"diverged": "status.diverged", "outside": "status.outside",
           "undefined": "status.undefined"}[stop[0]]
    return tr(key, lang, step=stop[1])
