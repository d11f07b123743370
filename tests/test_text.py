"""The language tables (``playground.text``): the same keys and placeholders in every
language, Chinese that is Chinese and uses the course's terms (those of 《动手学深度学习》), and
every key the code asks for present, read from the code itself (``ast``)."""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest

from playground.numerics import biasvariance as bv
from playground.numerics import critical, datasets, expression, mlp, surfaces
from playground.numerics import optimizers as opt
from playground.text import DEFAULT_LANGUAGE, LANGUAGES, TEXT, tr
from playground.ui import palettes

EN, ZH = TEXT["en"], TEXT["zh"]
PACKAGE_ROOT = Path(__file__).resolve().parents[1] / "playground"
#: The modules that hold the tables: their strings are values, not keys asked for.
TABLE_MODULES = ("text.py", "text_zh.py")

#: Keys whose text is the same in every language: symbols, formulas and names.
LANGUAGE_NEUTRAL = frozenset({
    "mlp.init.xavier", "mlp.init.he",  # names (the menu shows them whole)
    "bv.where.from", "bv.where.at",  # formulas
    "optimizer.sgd", "optimizer.adagrad", "optimizer.rmsprop", "optimizer.adam",
    "hp.beta1", "hp.beta2", "hp.eps", "start.x", "start.y", "clip.value_label",
    "surface.expression", "plot.loss.linear", "readout.theta", "readout.loss",
    "readout.grad", "status.converged", "bv.threshold", "bv.truth.sin", "bv.truth.abs",
    "caption.separator", "plot.axis.x", "plot.axis.y",
    "mlp.activation.relu", "mlp.activation.tanh", "mlp.activation.sigmoid", "mlp.race.lr",
    "mlp.lr_now.racer",
})

#: Keys whose text is punctuation around placeholders: Chinese has its own (full-width)
#: marks and no word of either language.
PUNCTUATION = frozenset({"url.problem", "url.separator", "critical.values",
                         "plot.legend_item", "readout.caption",
                         "mlp.readout.whose", "caption.setting", "caption.list", "caption.with",
                         "widget.colon", "mlp.key.caption", "caption.racer_lr",
                         "mlp.racer_lr", "unit.percent", "text.sentences"})

#: Where an English text says the left (a regular expression, placeholders removed), the
#: Chinese says the right: one term per concept, 《动手学深度学习》's.
GLOSSARY = {
    r"\blearning[- ]rate": "学习率",
    r"\bepochs?\b": "迭代周期",
    r"\bmomentum\b": "动量",
    r"\bmini-batch": "小批量",
    r"\bbatch size": "批量大小",
    r"\bbatch normali[sz]ation": "批量规范化",
    r"\bdropout\b": "暂退法",
    r"\bearly stopping": "早停",
    r"\bover-fitting": "过拟合",
    r"\bunder-fitting": "欠拟合",
    r"\bsaddles?\b": "鞍点",
    r"\bloss surfaces?\b": "损失曲面",
    r"\bhessian\b": "海森矩阵",
    r"\beigenvalues?\b": "特征值",
    r"\bcritical point": "临界点",
    r"\bcross-entropy": "交叉熵",
    r"\baccuracy": "准确率",
    r"\bvalidation\b": "验证",
    r"\bgradients?\b": "梯度",
    r"\bclipping\b": "裁剪",
    r"\bbias correction": "偏差修正",
    r"\bhidden layers?": "隐藏层",
    r"\bneurons?\b": "神经元",
    r"\bweights?\b": "权重",
    r"\bactivation\b": "激活函数",
    r"\binitiali[sz]ation": "初始化",
    r"\blocal minim": "局部最小值",
    r"\bminim(um|a)\b(?!-norm)": "最小值",
    r"\boptimizers?\b": "优化器",
    r"\bplateau\b": "平坦区域",
    r"\bschedule\b": "调度",
}

#: Terms that must appear nowhere in Chinese: machine-translation oddities, and the
#: alternatives of the terms chosen above (one term per concept).
FORBIDDEN = ("历元", "纪元", "时期", "批处理", "批归一化", "批标准化", "随机失活", "丢弃法",
             "轮次", "学习速率", "超平面", "马鞍点", "黑塞", "海塞", "Hessian")

#: Chinese characters (CJK Unified Ideographs).
CJK = re.compile(r"[\u4e00-\u9fff]")


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields of a ``str.format`` template."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_languages_are_the_tables():
    assert DEFAULT_LANGUAGE == "en"
    assert dict(LANGUAGES) == {"en": "English", "zh": "简体中文"}
    assert set(TEXT) == set(LANGUAGES)


def test_every_language_has_the_same_keys():
    for lang, table in TEXT.items():
        assert set(table) - set(EN) == set(), f"{lang}: keys English lacks"
        assert set(EN) - set(table) == set(), f"{lang}: untranslated keys"


def test_every_text_has_the_same_placeholders_in_every_language():
    wrong = [f"{lang} {key}: {sorted(placeholders(text))} ≠ {sorted(placeholders(EN[key]))}"
             for lang, table in TEXT.items() for key, text in table.items()
             if placeholders(text) != placeholders(EN[key])]
    assert not wrong, "\n".join(wrong)


def test_chinese_is_chinese():
    """No Chinese text is empty or left in English, except symbols, formulas and names."""
    assert set(EN) >= LANGUAGE_NEUTRAL
    for key, text in ZH.items():
        assert text.strip(), key
        if key in PUNCTUATION:
            assert text != EN[key], f"{key}: Chinese punctuation is full-width"
            assert not re.search(r"[A-Za-z]", re.sub(r"\{[^}]*\}", "", text)), key
        elif key in LANGUAGE_NEUTRAL:
            assert text == EN[key], f"{key} is on the neutral list but differs from English"
            assert not CJK.search(text), key
        else:
            assert text != EN[key], f"{key} is English in the Chinese table"
            assert CJK.search(text), f"{key} has no Chinese: {text!r}"


def test_chinese_keeps_markup_and_symbols():
    """Bold, HTML tags and the Greek symbols and subscripts of English survive."""
    for key, text in ZH.items():
        english = EN[key]
        assert text.count("**") == english.count("**"), key
        assert re.findall(r"</?\w+>", text) == re.findall(r"</?\w+>", english), key
        for symbol in re.findall(r"[α-ωΔ∇θ₀-₉ᵗ]", english):
            assert symbol in text, f"{key} lost {symbol!r}"


@pytest.mark.parametrize(("english_term", "chinese_term"), GLOSSARY.items())
def test_chinese_uses_the_course_terms(english_term, chinese_term):
    wrong = []
    for key, english in EN.items():
        words = re.sub(r"\{[^}]*\}", "", english)
        if re.search(english_term, words, re.IGNORECASE) and chinese_term not in ZH[key]:
            wrong.append(f"{key}: {ZH[key]!r}")
    assert not wrong, f"{english_term} should read {chinese_term}:\n" + "\n".join(wrong)


def test_chinese_terms_of_named_keys():
    """The keys a lecturer would look at first carry exactly the course's terms (``GLOSSARY``'s)."""
    expected = {
        "hp.lr": "学习率", "mlp.lr": "学习率", "mlp.batchnorm": "批量规范化",
        "mlp.dropout": "暂退法（Dropout）", "mlp.early_stop": "早停",
        "mlp.preset.overfit": "过拟合", "mlp.preset.underfit": "欠拟合",
        "surface.saddle.name": "鞍点", "surface": "损失曲面", "mlp.epoch": "迭代周期",
        "optimizer.momentum": "动量法", "optimizer.nesterov": "Nesterov 动量",
        "mlp.batch": "批量大小", "critical.eigenvalues": "海森矩阵特征值",
        "schedule": "学习率调度", "clip": "梯度裁剪", "mlp.plot.loss": "交叉熵",
        "mlp.plot.accuracy": "准确率", "mlp.activation": "激活函数",
    }
    for key, term in expected.items():
        assert term in ZH[key], f"{key}: {ZH[key]!r} lacks {term}"


def test_no_odd_or_mixed_terms():
    wrong = [f"{key}: {term}" for key, text in ZH.items() for term in FORBIDDEN
             if term in text]
    assert not wrong, wrong


def test_chinese_punctuation_is_full_width():
    """After a Chinese character comes ，。：；！？ not , . : ; ! ?, and Chinese in brackets
    sits in （）; formulas and coordinates keep theirs: (1, 1)."""
    wrong = [f"{key}: {text!r}" for key, text in ZH.items()
             if re.search(r"[\u4e00-\u9fff][,:;!?]|[\u4e00-\u9fff]\.(\s|$)"
                          r"|\([^()]*[\u4e00-\u9fff][^()]*\)", text)]
    assert not wrong, "\n".join(wrong)


#: What is not Chinese prose in a Chinese text: formulas ($…$, \(…\)), code (`…`),
#: placeholders ({…}), HTML tags, and a link's own syntax in capitals (EPOCH:LAYER).
_NOT_PROSE = re.compile(r"\$[^$]*\$|\\\(.*?\\\)|`[^`]*`|\{[^}]*\}|<[^>]*>|[A-Z]+(?::[A-Z]+)+")


def test_chinese_sets_no_ascii_colon_before_a_space():
    """Chinese sets "：" after a label ("学习率：0.03"): no ASCII ": " (or a colon ending
    the text) after a Chinese character, a full-width bracket or a symbol such as α in
    a Chinese sentence; formulas, code and placeholders keep theirs."""
    colon = re.compile(r"[^\x00-\x7f] ?:(\s|$)")
    wrong = [f"{key}: {text!r}" for key, text in ZH.items()
             if CJK.search(text) and colon.search(_NOT_PROSE.sub(" ", text))]
    assert not wrong, "\n".join(wrong)
    # The colon a control's label and its value are joined by (Panel and Bokeh write
    # an ASCII one): Chinese has its own.
    assert ZH["widget.colon"] == "："
    assert colon.search("学习率 α: 0.03") and colon.search("噪声（%）: 0")  # what it finds
    assert not colon.search(_NOT_PROSE.sub(" ", "{item} 不符合 EPOCH:LAYER 的格式"))


def test_tr_formats_and_falls_back_to_english():
    assert tr("mlp.best", "zh", loss="0.12", epoch=7) == "最低验证损失 0.12，出现在第 7 个迭代周期"
    assert tr("hp.lr", "zh") == "学习率 α"
    assert tr("hp.lr", "fr") == EN["hp.lr"]  # an unknown language reads English
    with pytest.raises(KeyError):
        tr("no.such.key", "zh")


def test_tr_falls_back_per_key(monkeypatch):
    """A key missing (or empty) in a language shows English, never the key."""
    import playground.text as text
    partial = {k: v for k, v in ZH.items() if k != "hp.lr"} | {"mlp.lr": ""}
    monkeypatch.setattr(text, "TEXT", {"en": EN, "zh": partial})
    assert text.tr("hp.lr", "zh") == EN["hp.lr"]
    assert text.tr("mlp.lr", "zh") == EN["mlp.lr"]
    assert text.tr("mlp.batch", "zh") == ZH["mlp.batch"]


# -- the keys the code asks for ---------------------------------------------------------

#: First components of the keys: a string constant in code shaped like ``ns.rest`` with one
#: of these is a key (``note_key = "critical.is_critical"``), wherever it is written.
NAMESPACES = frozenset(key.split(".")[0] for key in EN if "." in key)
FILE_SUFFIXES = frozenset({"py", "html", "css", "js", "json", "png", "svg", "csv", "conf"})
KEY_SHAPE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")
HOLE = "{}"


def _template(node: ast.JoinedStr, bound: dict[str, tuple[str, ...]] | None = None):
    """An f-string as a template with ``{}`` for each hole, or, when every hole is a name
    that ``bound`` maps to literal strings, the tuple of its expansions."""
    parts: list[list[str]] = [[""]]
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append([str(value.value)])
        elif (bound and isinstance(value, ast.FormattedValue)
              and isinstance(value.value, ast.Name) and value.value.id in bound):
            parts.append(list(bound[value.value.id]))
        else:
            parts.append([HOLE])
    texts = [""]
    for options in parts:
        texts = [t + o for t in texts for o in options]
    return texts


def _literal_strings(node: ast.AST) -> tuple[str, ...] | None:
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and node.elts and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
        return tuple(e.value for e in node.elts)
    return None


def _loop_bindings(tree: ast.AST) -> dict[int, dict[str, tuple[str, ...]]]:
    """id(f-string) → the names it uses that a loop binds to a literal tuple of strings
    (``for k in ("play", "pause")`` and comprehensions)."""
    found: dict[int, dict[str, tuple[str, ...]]] = {}
    for node in ast.walk(tree):
        generators = []
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            generators = [(g.target, g.iter) for g in node.generators]
        elif isinstance(node, ast.For):
            generators = [(node.target, node.iter)]
        for target, iterable in generators:
            values = _literal_strings(iterable)
            if isinstance(target, ast.Name) and values:
                for inner in ast.walk(node):
                    if isinstance(inner, ast.JoinedStr):
                        found.setdefault(id(inner), {})[target.id] = values
    return found


def _prefixers(tree: ast.AST) -> dict[str, list[ast.JoinedStr]]:
    """Helpers that build a key from their first parameter and look it up, by name → the
    f-string with the parameter in it: ``t = lambda key: tr(f"mlp.{key}", lang)``,
    ``head = lambda key: Markdown(f"**{tr(f'mlp.{key}', lang)}**")`` or such a ``def``."""
    found: dict[str, list[ast.JoinedStr]] = {}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Lambda)):
            name, args, body = node.targets[0].id, node.value.args, node.value.body
        elif isinstance(node, ast.FunctionDef):
            name, args, body = node.name, node.args, node
        else:
            continue
        if not args.args:
            continue
        parameter = args.args[0].arg
        for call in ast.walk(body):
            if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                    and call.func.id == "tr" and call.args
                    and isinstance(call.args[0], ast.JoinedStr)
                    and any(isinstance(v, ast.FormattedValue) and isinstance(v.value, ast.Name)
                            and v.value.id == parameter for v in call.args[0].values)):
                found.setdefault(name, []).append(call.args[0])
    return found


def _compose(outer: ast.JoinedStr, inner: list[str]) -> list[str]:
    """A prefixer's f-string with its one hole filled by each of ``inner``."""
    template = _template(outer)[0]
    return [template.replace(HOLE, text, 1) for text in inner]


def _code_modules() -> Iterable[tuple[Path, ast.AST]]:
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        if path.parent == PACKAGE_ROOT and path.name in TABLE_MODULES:
            continue
        yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def keys_in_code() -> dict[str, set[str]]:
    """Every key the code asks for (or a template with ``{}`` holes) → where ("file:line").

    Read: ``tr("k")``; ``tr(f"k.{x}")``, expanded where ``x`` loops over literal strings;
    calls of a key-building helper (``t("dataset")`` with ``t = lambda key: tr(f"mlp.{key}")``);
    and any other string constant or f-string shaped like a key of a known namespace
    (``note_key = f"optimizer.{name}.note"``)."""
    found: dict[str, set[str]] = {}

    def add(texts: Iterable[str], path: Path, node: ast.AST) -> None:
        for text in texts:
            found.setdefault(text, set()).add(
                f"{path.relative_to(PACKAGE_ROOT.parent)}:{node.lineno}")

    for path, tree in _code_modules():
        bindings, prefixers, skip = _loop_bindings(tree), _prefixers(tree), _docstrings(tree)
        outer_ids = {id(o) for outers in prefixers.values() for o in outers}
        skip.update(outer_ids)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args:
                first = node.args[0]
                inner = None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    inner = [first.value]
                elif isinstance(first, ast.JoinedStr):
                    inner = _template(first, bindings.get(id(first)))
                if inner is None:
                    continue
                skip.add(id(first))
                if node.func.id == "tr" and id(first) not in outer_ids:
                    add(inner, path, node)
                elif node.func.id in prefixers:
                    for outer in prefixers[node.func.id]:
                        add(_compose(outer, inner), path, node)
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                texts = [node.value]
            elif isinstance(node, ast.JoinedStr):
                texts = _template(node, bindings.get(id(node)))
            else:
                continue
            for text in texts:
                shape = text.replace(HOLE, "x")
                if (KEY_SHAPE.fullmatch(shape) and shape.split(".")[0] in NAMESPACES
                        and shape.rsplit(".", 1)[1] not in FILE_SUFFIXES):
                    add([text], path, node)
            if isinstance(node, ast.JoinedStr):
                for value in node.values:  # f"...{tr('k')}..." is read above
                    if isinstance(value, ast.Constant):
                        skip.add(id(value))
    return found


def _tr_error_keys() -> dict[str, set[str]]:
    """The key templates ``text.tr_error`` builds (``text.py`` is otherwise a table
    module, whose strings are values, not keys asked for)."""
    path = PACKAGE_ROOT / "text.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    function = next(n for n in tree.body if isinstance(n, ast.FunctionDef)
                    and n.name == "tr_error")
    return {_template(call.args[0])[0]: {f"playground/text.py:{call.lineno}"}
            for call in ast.walk(function) if isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name) and call.func.id == "tr"
            and isinstance(call.args[0], ast.JoinedStr)}


def _link_reasons() -> set[str]:
    """The codes of every ``LinkReason("code", …)`` the code raises."""
    return {call.args[0].value for _, tree in _code_modules() for call in ast.walk(tree)
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
            and call.func.id == "LinkReason" and call.args
            and isinstance(call.args[0], ast.Constant)}


def _critical_verdicts() -> set[str]:
    """What ``critical.classify`` says for each sign pattern of two eigenvalues."""
    cases = ([1.0, 2.0], [-1.0, -2.0], [-1.0, 2.0], [0.0, 1.0], [0.0, -1.0], [0.0, 0.0])
    return {critical.classify(np.array(e)) for e in cases}


def _readings() -> set[str]:
    """The verdicts ``numerics.reading.reading`` returns (its ``return "…"`` lines)."""
    tree = ast.parse((PACKAGE_ROOT / "numerics" / "reading.py").read_text(encoding="utf-8"))
    return {n.value.value for n in ast.walk(tree) if isinstance(n, ast.Return)
            and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)}


def _bv_readings() -> set[str]:
    """The verdicts ``numerics.biasvariance.reading`` returns."""
    tree = ast.parse((PACKAGE_ROOT / "numerics" / "biasvariance.py").read_text(encoding="utf-8"))
    reading = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "reading")
    return {c.value for n in ast.walk(reading) if isinstance(n, ast.Return)
            for c in ast.walk(n.value) if isinstance(c, ast.Constant) and isinstance(c.value, str)}


def _tool_keys() -> tuple[str, ...]:
    from playground.ui.present import TOOL_KEYS
    return tuple(TOOL_KEYS.values())


def _labs() -> tuple[str, ...]:
    from playground.ui.shell import LABS
    return tuple(LABS)


def _mlp_presets() -> tuple[str, ...]:
    from playground.labs.mlp.state import PRESETS
    return tuple(PRESETS)


#: Each key template the code builds → the registry its hole is filled from (a function,
#: so that a registry is imported only here). ``None``: the code checks the key is there.
REGISTRIES = {
    "export.sweep.{}": lambda: ("off", "on"),  # a flag's sweep (static_export)
    "optimizer.{}": lambda: opt.NAMES,
    "optimizer.{}.note": None,
    "optimizer.no_{}": lambda: [key for key, knob in opt.KNOBS.items() if knob.flag],
    "hp.{}": lambda: [k.short for k in opt.KNOBS.values()],
    "schedule.{}": lambda: opt.SCHEDULES,
    "mlp.schedule.{}": lambda: opt.SCHEDULES,
    "clip.{}": lambda: opt.CLIPPING,
    "readout.g_note.{}": lambda: ("noise", "clip", "both"),
    "headline.{}": lambda: ("diverged", "outside", "undefined"),  # race.Race.stop's kinds
    "surface.{}.name": lambda: [*surfaces.PRESETS, surfaces.CUSTOM],
    "surface.{}.lesson": lambda: [*surfaces.PRESETS, surfaces.CUSTOM],
    "critical.verdict.{}": _critical_verdicts,
    "critical.verdict.{}.short": _critical_verdicts,
    "critical.shape.{}": lambda: [*_critical_verdicts(), "undefined", "flat"],
    "plot.tool.{}": _tool_keys,
    "plot.loss.{}": lambda: ("log", "linear"),  # Bokeh's y_axis_type of the two charts
    "mlp.reading.{}": _readings,
    "mlp.reading.{}.short": _readings,
    "mlp.dataset.{}": lambda: datasets.DATASETS,
    "mlp.preset.{}": _mlp_presets,
    "lab.{}": _labs,
    "bv.truth.{}": lambda: bv.TRUTHS,
    "bv.inputs.{}": lambda: bv.INPUTS,
    "bv.inputs.{}.short": lambda: bv.INPUTS,
    "mlp.activation.{}": lambda: mlp.ACTIVATIONS,
    "mlp.init.{}": lambda: mlp.INITIALISERS,
    "mlp.net.units.{}": lambda: ("sigmoid", "signed"),  # a sigmoid's white is ½
    "color.{}": lambda: palettes.CLASS_COLOR_NAMES,
    "bv.family.{}": lambda: bv.FAMILIES,
    "bv.family.{}.note": lambda: bv.FAMILIES,
    "bv.axis.{}": lambda: bv.FAMILIES,
    "bv.capacity.{}": lambda: bv.FAMILIES,
    "bv.term.{}": lambda: bv.TERM_LABELS,
    "bv.curve.{}": lambda: ("bias2", "variance", "noise", "total", "test_error", "train_error"),
    "bv.reading.{}": _bv_readings,
    "expr.{}": lambda: expression.MESSAGES,
    "csv.{}": lambda: datasets.MESSAGES,
    "layers.{}": lambda: mlp.LAYER_MESSAGES,
    "data.{}": lambda: datasets.DATA_MESSAGES,
    "url.reason.{}": _link_reasons,
}


@pytest.fixture(scope="module")
def used():
    found = keys_in_code()
    for key, where in _tr_error_keys().items():
        found.setdefault(key, set()).update(where)
    return found


def test_the_scan_sees_the_code(used):
    """The reader finds the ways keys are asked for (a refactor would make it vacuous)."""
    assert len([k for k in used if HOLE not in k]) >= 130
    assert "mlp.dataset" in used  # t("dataset") in the MLP controls
    assert "mlp.play" in used  # tr(f"mlp.{k}") for k in ("play", …)
    assert "critical.is_critical" in used  # a key in a variable
    assert "optimizer.{}" in used and "surface.{}.lesson" in used
    assert "mlp.preset.{}" in used  # t(f"preset.{name}")


def test_every_key_the_code_uses_exists(used):
    missing = [f"{key} ({', '.join(sorted(where))})" for key, where in sorted(used.items())
               if HOLE not in key and key not in EN]
    assert not missing, "keys asked for but in no table:\n" + "\n".join(missing)


def test_every_key_the_code_builds_exists_for_its_whole_registry(used):
    unknown = [f"{key} ({', '.join(sorted(where))})" for key, where in sorted(used.items())
               if HOLE in key and key not in REGISTRIES]
    assert not unknown, ("keys built from a value this test cannot resolve; add the template "
                         "and its registry to REGISTRIES:\n" + "\n".join(unknown))
    missing = [template.replace(HOLE, name) for template, registry in REGISTRIES.items()
               if registry is not None for name in registry()
               if template.replace(HOLE, name) not in EN]
    assert not missing, missing


def test_every_registry_template_is_still_used(used):
    assert set(REGISTRIES) <= set(used), set(REGISTRIES) - set(used)


#: Keys no code asks for today (kept for views that will use them); a key that falls out of
#: use is added here on purpose or removed from the tables.
UNUSED = frozenset({"lab.optimizers.blurb", "view.arrows", "plot.start", "plot.arrow.gradient",
                    "plot.arrow.velocity", "plot.arrow.step", "mlp.hp"})


def test_every_key_in_the_tables_is_used(used):
    templates = [re.compile(re.escape(k).replace(re.escape(HOLE), "[a-z0-9_]+")) for k in used]
    unused = {k for k in EN if not any(t.fullmatch(k) for t in templates)}
    assert unused - UNUSED == set(), f"keys no code asks for: {sorted(unused - UNUSED)}"
    assert UNUSED & set(used) == set(), "now used: take them off UNUSED"


# -- errors as codes: one English text, the page's language from the tables --------------

#: A run of three English words: an English sentence (or a piece of one).
ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,}(?:\s+[A-Za-z]{2,}){2,}\b")

#: Each domain of coded errors → (its English templates, the prefix of its keys).
ERROR_DOMAINS = {
    "expr": (expression.MESSAGES, "expr."),
    "csv": (datasets.MESSAGES, "csv."),
    "layers": (mlp.LAYER_MESSAGES, "layers."),
    "data": (datasets.DATA_MESSAGES, "data."),
}


@pytest.mark.parametrize("domain", ERROR_DOMAINS)
def test_the_numerics_english_templates_are_the_english_table(domain):
    """The numerics keep their own English (they import no ``text``): the same text, the
    same placeholders, and one key per code, neither more nor fewer."""
    messages, prefix = ERROR_DOMAINS[domain]
    assert {k for k in EN if k.startswith(prefix)} == {prefix + c for c in messages}
    for code, template in messages.items():
        assert EN[prefix + code] == template, code


def _raised(function, *args, **kwargs) -> Exception:
    with pytest.raises(ValueError) as caught:
        function(*args, **kwargs)
    return caught.value


#: A formula for every code of ``expression.MESSAGES``.
BAD_FORMULAS = {
    "not_text": 3, "too_long": "x+" * 200, "empty": "  ",
    "too_many_tokens": "+".join(["x"] * 150), "unexpected_character": "x @ y",
    "unexpected_dot": "x.real", "non_ascii": "x + \u03b1", "malformed_number": "1 + 0x1F",
    "number_too_large": "1e400*x",
    "implicit_product": "0.05x**2", "ambiguous_root": "\u221ax\u00b2 + y",
    "absolute_bars": "|x| + |y|",
    "unmatched_close": "(x + 1))", "expected_operator": "x, y", "expected_operand": "x + )",
    "expected_operand_end": "x**", "unknown_name": "x + foo", "needs_parentheses": "sin + x",
    "one_argument": "sin(x, y)", "arguments": "max(x)", "missing_close": "sin(x",
    "expected_close": "(x y", "too_deep": "-" * 41 + "x",
    "too_many_kinks": "abs(" * 9 + "x" + ")" * 9,
}

#: A file (and ``parse_csv``'s limits) for every code of ``datasets.MESSAGES``.
BAD_FILES = {
    "binary": (b"1,2,0\x00\n", {}), "not_text": (3, {}),
    "too_large": ("1,2,0\n" * 10, {"max_bytes": 10}), "utf16": (b"\xff\xfe1\x00", {}),
    "not_utf8": (b"1,2,0\n\xff,2,1\n", {}),
    "not_a_number": ("x1,x2,label\n1,2,0\n3,4,1\n5,abc,1\n7,8,0\n", {}),
    "not_finite": ("1,2,0\n3,inf,1\n5,6,1\n7,8,0\n", {}),
    "too_large_value": ("1,2,0\n3,1e7,1\n5,6,1\n7,8,0\n", {}),
    "columns": ("1,2\n", {}), "columns_not_commas": ("1;2;0\n", {}), "empty": ("", {}),
    "unreadable_line": ("1,2," + "a" * 140_000 + "\n", {}), "empty_label": ("1,2,\n", {}),
    "too_many_rows": ("1,2,0\n3,4,1\n5,6,1\n7,8,0\n9,9,1\n", {"max_rows": 4}),
    "one_row": ("1,2,0\n", {}), "too_few_rows": ("1,2,0\n3,4,1\n", {}),
    "label_not_class": ("1,2,0\n3,4,12345678\n5,6,1\n7,8,0\n", {}),
    "label_not_integer": ("1,2,0\n3,4,1.5\n5,6,1\n7,8,0\n", {}),
    "labels_not_contiguous": ("1,2,0\n3,4,2\n5,6,2\n7,8,0\n", {}),
    "one_class": ("1,2,a\n3,4,a\n5,6,a\n7,8,a\n", {}),
    "too_many_classes": ("".join(f"{i},{i},{c}\n" for i, c in enumerate("abcdefghijkl")), {}),
}

BAD_LAYERS = {"empty": "8,,8", "not_integer": "8,a", "width": "40", "too_many": "1,1,1,1,1,1,1"}

#: A call with a bad setting for every code of ``datasets.DATA_MESSAGES``.
BAD_SETTINGS = {
    "unknown": lambda: datasets.make_dataset("donut"),
    "points": lambda: datasets.make_dataset("xor", n_points=1),
    "noise": lambda: datasets.make_dataset("xor", noise=80.0),
    "seed": lambda: datasets.make_dataset("xor", seed=-1),
    "train_ratio": lambda: datasets.split(datasets.make_dataset("xor"), 5.0, 0),
    "cannot_split": lambda: datasets.split(datasets.Dataset(
        X=np.zeros((1, 2)), y=np.zeros(1, dtype=int), n_classes=2, class_names=("a", "b"),
        name="one"), 50, 0),
    "features_type": lambda: datasets.feature_matrix(np.zeros((2, 2)), "x1"),
    "no_feature": lambda: datasets.feature_matrix(np.zeros((2, 2)), []),
    "unknown_feature": lambda: datasets.feature_matrix(np.zeros((2, 2)), ["x3"]),
    "feature_twice": lambda: datasets.feature_matrix(np.zeros((2, 2)), ["x1", "x1"]),
}


def _bad_inputs():
    for code, formula in BAD_FORMULAS.items():
        yield pytest.param("expr", code, lambda f=formula: _raised(expression.parse_expression,
                                                                   f), id=f"expr.{code}")
    for code, (content, limits) in BAD_FILES.items():
        yield pytest.param("csv", code, lambda c=content, k=limits: _raised(
            datasets.parse_csv, c, **k), id=f"csv.{code}")
    for code, call in BAD_SETTINGS.items():
        yield pytest.param("data", code, lambda c=call: _raised(c), id=f"data.{code}")
    for code, text in BAD_LAYERS.items():
        yield pytest.param("layers", code, lambda t=text: _raised(mlp.parse_layers, t),
                           id=f"layers.{code}")


def test_every_error_code_has_a_bad_input():
    assert set(BAD_FORMULAS) == set(expression.MESSAGES)
    assert set(BAD_FILES) == set(datasets.MESSAGES)
    assert set(BAD_LAYERS) == set(mlp.LAYER_MESSAGES)
    assert set(BAD_SETTINGS) == set(datasets.DATA_MESSAGES)


@pytest.mark.parametrize(("domain", "code", "bad"), list(_bad_inputs()))
def test_an_error_reads_the_same_in_english_and_in_chinese_from_the_tables(domain, code, bad):
    """``str(e)`` (command line, logs) is what the English table renders; the Chinese
    table renders the same error with no English sentence left."""
    from playground.text import tr_error

    error = bad()
    assert (error.domain, error.code) == (domain, code)
    assert tr_error(error, "en") == str(error)
    chinese = tr_error(error, "zh")
    assert CJK.search(chinese), chinese
    # The file's own words (a csv module message) may stay: they are its detail.
    detail = str(error.params.get("error", ""))
    assert not ENGLISH_RUN.search(chinese.replace(detail, "")), chinese


def test_an_error_without_a_code_is_its_own_message():
    from playground.text import tr_error

    assert tr_error(ValueError("plain words here"), "zh") == "plain words here"
    assert tr_error(datasets.DatasetError("no code"), "zh") == "no code"


def test_a_chinese_field_takes_no_spaces_between_chinese_characters():
    """The spaces set around a field for a Latin name ("在 SGD 第 5 步") go where the field
    is Chinese ("在动量法第 5 步"); English keeps its own."""
    text = "critical.at_iterate"
    assert tr(text, "zh", optimizer=tr("optimizer.momentum", "zh"), step=5) == (
        "在动量法第 5 步的迭代点处")
    assert tr(text, "zh", optimizer="SGD", step=5) == "在 SGD 第 5 步的迭代点处"
    assert tr(text, "en", optimizer="Momentum", step=5) == "At Momentum's iterate, step 5"
