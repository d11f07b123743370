"""Reading a link's query string, and the link codec both labs declare their links with
(``playground.ui.link``)."""

import math
import random
from urllib.parse import quote

import param
import pytest

from playground.labs.mlp import state as mlp_state
from playground.labs.optimizers import state as opt_state
from playground.numerics import optimizers as opt
from playground.ui.link import (
    LinkField,
    LinkLocation,
    LinkTable,
    link_query,
    param_field,
    problem,
    read_query,
)


@pytest.mark.parametrize(("link", "query"), [
    ("https://labs.example.org/app?lab=mlp&lr=0.1", "lab=mlp&lr=0.1"),  # a whole URL
    ("?lab=mlp", "lab=mlp"),
    # A value holding "://" is a value: the query is read, and its keys checked (it was
    # taken for a URL whose query is empty, and the default figure made, exit 0).
    ("lab=optimizers&x=see://here", "lab=optimizers&x=see://here"),
    # Typed in a shell, or in an address bar (its spaces sent as %20): + is a plus.
    ("expr=x**2 + y", "expr=x**2 %2B y"),
    ("expr=x**2%20+%20y", "expr=x**2%20%2B%20y"),
    ("expr=x**2+%2B+y", "expr=x**2+%2B+y"),  # a copied link: + is a space
])
def test_a_links_query_is_read_as_typed(link, query):
    assert link_query(link) == query


def test_values_are_the_strings_typed_never_guessed_types():
    query, problems = read_query("?seed=-5&lr=0.10&a=%C2%B2&x=%5B1%5D&y=%7B%7D&t=true")
    assert query == {"seed": "-5", "lr": "0.10", "a": "²", "x": "[1]", "y": "{}", "t": "true"}
    assert problems == []


def test_bad_bytes_blank_values_and_odd_keys_never_raise():
    query, problems = read_query("?%FF=%FE&empty=&%C2%B2=1&&=&noequals")
    assert query == {"\ufffd": "\ufffd", "empty": "", "²": "1", "": "", "noequals": ""}
    assert problems == []


def test_a_key_given_twice_keeps_the_first_and_says_so():
    query, problems = read_query("?lr=1&lr=2&lr=1")
    assert query == {"lr": "1"}
    assert problems == ["lr='2' (given twice: the first is used)"]


def test_bokehs_own_keys_are_not_the_labs():
    query, _ = read_query("?bokeh-autoload-element=p1&bokeh-app-path=/app&lab=mlp")
    assert query == {"lab": "mlp"}


def test_a_flood_of_fields_is_cut_and_reported():
    query, problems = read_query("?" + "&".join(f"k{i}=v" for i in range(250)))
    assert len(query) == 200 and problems == ["50 fields past the first 200"]


@pytest.mark.parametrize("text", ["٣٠", "1_000", "０.１", "1e3", "3.0"])
def test_a_links_whole_numbers_and_numbers_are_ascii(text):
    """Python's ``int`` and ``float`` read "٣٠" (30), "1_000" and "０.１": the formula,
    CSV and weight readers refuse them, so the link's did too little."""
    import param

    from playground.ui.link import parse_value

    class Settings(param.Parameterized):
        whole = param.Integer(1, bounds=(0, 10**6))
        number = param.Number(0.5, bounds=(-1e6, 1e6))

    with pytest.raises(ValueError, match="not an integer"):
        parse_value(Settings.param.whole, text)
    if text in ("1e3", "3.0"):  # numbers, not whole ones
        assert parse_value(Settings.param.number, text) == float(text)
    else:
        with pytest.raises(ValueError, match="not a number"):
            parse_value(Settings.param.number, text)
    assert parse_value(Settings.param.whole, " 30 ") == 30
    assert parse_value(Settings.param.number, "-.5e-1") == -0.05


def test_a_notice_names_eight_problems_then_how_many_more():
    """150 repeats of a key made 149 "given twice", screens of notice above the lab."""
    from playground.ui.link import render_problems

    _, problems = read_query("?" + "&".join(f"epoch={i}" for i in range(150)))
    assert len(problems) == 149
    line = render_problems(problems, "en")
    assert line.count("given twice") == 8 and line.endswith("; and 141 more")
    assert render_problems(problems, "zh").endswith("；另有 141 处")
    assert render_problems(problems[:8], "en").count("given twice") == 8  # all: no "more"
    assert "more" not in render_problems(problems[:8], "en")


def test_a_problem_quotes_the_value_cut_to_forty_characters():
    assert problem("lr", "abc", "not a number") == "lr='abc' (not a number)"
    long = problem("lr", "x" * 1000, "not a number")
    assert long == "lr='" + "x" * 40 + "…' (not a number)"


def test_the_location_never_raises_on_odd_characters():
    """Panel's own Location parsed '²' with int() and raised; ours reads strings."""
    location = LinkLocation(search="?a=" + quote("²"))
    location.search = "?b=" + quote("²") + "&c=%5Bnot-json"
    assert location.query_params == {"b": "²", "c": "[not-json"}


# -- the link codec (LinkTable) and the two labs' tables ---------------------------------

TABLES = {"optimizers": (opt_state.LINK, opt_state.OptimizerLabState),
          "mlp": (mlp_state.LINK, mlp_state.MlpLabState)}
ODD = ["", "abc", "nan", "inf", "-inf", "1e400", "²", "[1]", "{}", "0x10", "1,2,3",
       "\x00", "é" * 300, " 1", "--", "True", "None"]


class _Owner(param.Parameterized):
    x = param.Number(1.0, bounds=(0.0, 2.0))
    n = param.Integer(3, bounds=(1, 9))
    on = param.Boolean(True)


def test_a_table_reads_values_and_reports_each_bad_key():
    table = LinkTable([param_field(_Owner, "x"), param_field(_Owner, "n"),
                       param_field(_Owner, "on")])
    values, problems = table.read({"x": "0.5", "n": "12", "on": "maybe", "other": "1"})
    assert values == {"x": 0.5}
    assert problems == ["n='12' (outside [1, 9])", "on='maybe' (expected 1 or 0)"]


def test_a_table_writes_only_what_differs_from_the_defaults():
    table = LinkTable([param_field(_Owner, "x"), param_field(_Owner, "n", always=True),
                       param_field(_Owner, "on")])
    assert table.write({"x": 1.0, "n": 3, "on": False}) == {"n": "3", "on": "0"}
    assert table.write({"x": 1.5, "n": 3, "on": True}, {"x": 1.5}) == {"n": "3"}


def test_a_bound_in_a_notice_is_written_as_the_boxes_write_numbers():
    """"lr_sgd='-1' (outside [1e-07, 100.0])" beside a box's "outside [1×10⁻⁷, 100]"."""
    from playground.labs.mlp.state import MlpLabState

    problems = MlpLabState().apply_query({"race": "sgd,adam", "lr_sgd": "-1"})
    assert problems == ["lr_sgd='-1' (outside [1×10⁻⁷, 100])"]


def test_a_row_bounds_are_checked_whatever_its_parser():
    table = LinkTable([LinkField("k", "k", float, bounds=(0.0, 1.0))])
    assert table.read({"k": "2"}) == ({}, ["k='2' (outside [0, 1])"])  # not 0.0, 1.0


def test_a_broken_parser_is_reported_not_raised(caplog):
    def broken(text):
        raise KeyError(text)
    table = LinkTable([LinkField("k", "k", broken)])
    assert table.read({"k": "x"}) == ({}, ["k='x' (unreadable)"])
    assert "could not be read" in caplog.text


@pytest.mark.parametrize("lab", list(TABLES))
def test_the_link_keys_are_the_tables(lab):
    table, state_class = TABLES[lab]
    assert table.keys == state_class.LINK_KEYS
    for f in table.fields:
        assert f.name in state_class.param


@pytest.mark.parametrize("lab", list(TABLES))
def test_every_key_reads_any_string_without_raising_and_names_itself(lab):
    table, _ = TABLES[lab]
    for f in table.fields:
        for text in ODD:
            values, problems = table.read({f.key: text})
            assert len(values) + len(problems) == 1
            if problems:
                assert problems[0].startswith(f"{f.key}="), problems


def bad_values(p: param.Parameter) -> list[str]:
    """Values the parameter must refuse."""
    if isinstance(p, param.Boolean):
        return ["maybe", "2", ""]
    if isinstance(p, param.ListSelector):
        return ["nope", f"{p.objects[0]},nope"]
    if isinstance(p, param.Selector):
        return ["nope", ""]
    if isinstance(p, param.Number):
        low, high = p.bounds
        out = ["abc", "nan", "inf", *([] if p.allow_None else [""])]  # "": None, if it may
        if low is not None:
            out.append(repr(low - 1))
        if high is not None:
            out.append(repr(high + 1))
        if isinstance(p, param.Integer):
            out.append("1.5")
        return out
    return []


@pytest.mark.parametrize("lab", list(TABLES))
def test_every_keys_bad_values_are_reported_with_the_key_named(lab):
    table, state_class = TABLES[lab]
    checked = 0
    for f in table.fields:
        bad = bad_values(state_class.param[f.name])
        if f.name == "layers":
            bad = ["8,x", "64", "1,2,3,4,5,6,7", "0,4"]
        if f.name == "features":
            bad.append(",")
        if f.name == "race":
            bad.append(",".join(opt.NAMES[:5]))
        if f.name == "edits":
            bad = ["x", "0:1:1:1", "0:0:1:1:1", "0:1:1:1:nan", "5:1:1:1:1,4:1:1:1:1"]
        for text in bad:
            values, problems = table.read({f.key: text})
            assert values == {} and len(problems) == 1, (f.key, text, values)
            assert problems[0].startswith(f"{f.key}="), problems
            checked += 1
    assert checked > 2 * len(table.fields) - 4  # every key but free text (expr)


@pytest.mark.parametrize("lab", list(TABLES))
def test_knob_rows_take_their_bounds_from_the_registry(lab):
    table, state_class = TABLES[lab]
    knob_of = ({p: hp for p, (_, hp) in opt_state.KNOB_PARAMS.items()} if lab == "optimizers"
               else {k: k for k in opt.KNOBS})
    for name, key in knob_of.items():
        knob = opt.KNOBS[key]
        row = table.by_key[name]
        if knob.flag:
            assert isinstance(state_class.param[name], param.Boolean)
            continue
        assert row.bounds == state_class.param[name].bounds == (knob.low, knob.high)


def random_value(rng: random.Random, name: str, p: param.Parameter):
    """A random value the parameter accepts, as the lab would hold it."""
    if name == "layers":
        return ",".join(str(rng.randint(1, 32)) for _ in range(rng.randint(1, 6)))
    if name == "expression":
        return rng.choice(["x**2 + y**2", "sin(x)*cos(y)", "abs(x) + 3*y**2"])
    if name == "edits":  # the MLP lab's weight edits, in the order made
        epochs = sorted(rng.randint(0, mlp_state.MAX_LINK_EPOCHS) for _ in range(rng.randint(0, 5)))
        return [mlp_state.WeightEdit(e, rng.randint(0, 3), rng.randint(0, 7), rng.randint(0, 7),
                                     rng.choice([rng.uniform(-100, 100), 0.0, -100.0]))
                for e in epochs]
    if isinstance(p, param.Boolean):
        return rng.random() < 0.5
    if isinstance(p, param.ListSelector):
        k = rng.randint(1, min(4, len(p.objects)))
        return rng.sample(list(p.objects), k)
    if isinstance(p, param.Selector):
        return rng.choice(list(p.objects))
    low, high = p.bounds
    low = -1e3 if low is None else low
    high = 1e3 if high is None else high
    if isinstance(p, param.Integer):
        return rng.randint(int(low), int(min(high, 10**6)))
    if rng.random() < 0.2:
        return rng.choice([low, high])
    if low > 0 and high / low > 1e3:  # knobs spanning decades
        return 10 ** rng.uniform(math.log10(low), math.log10(high))
    return rng.uniform(low, high)


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("lab", list(TABLES))
def test_random_valid_states_round_trip(lab, seed):
    """Write then read gives the same values, for every row of the table."""
    table, state_class = TABLES[lab]
    rng = random.Random(seed)
    values = {f.name: random_value(rng, f.name, state_class.param[f.name])
              for f in table.fields}
    query = table.write(values)
    assert all(isinstance(v, str) for v in query.values())
    read, problems = table.read(query)
    assert problems == []
    for f in table.fields:
        expected = values[f.name]
        assert read.get(f.name, f.default) == expected, (f.key, query.get(f.key))


@pytest.mark.parametrize("seed", range(5))
def test_random_optimizer_lab_states_round_trip_through_a_link(seed):
    """Any valid state of the optimizer lab (random knobs of every optimizer, surface,
    run settings) written to a link and read into a fresh state is the same state."""
    rng = random.Random(seed)
    s = opt_state.OptimizerLabState()
    surface = rng.choice(s.param.surface.objects)
    s.surface = surface
    if surface == "custom":
        s.expression = random_value(rng, "expression", s.param.expression)
    values = {f.name: random_value(rng, f.name, s.param[f.name]) for f in opt_state.LINK.fields
              if f.name not in ("surface", "expression")}
    values.update(steps=rng.randint(1, 300), x0=rng.uniform(-3, 3), y0=rng.uniform(-3, 3))
    values["step"] = rng.randint(-1, values["steps"])  # a step of the run (-1: its last)
    s.param.update(**values)
    other = opt_state.OptimizerLabState()
    assert other.apply_query(s.to_query()) == []
    for p in opt_state.URL_KEYS:
        if p != "expression" or surface == "custom":
            assert getattr(other, p) == getattr(s, p), p


@pytest.mark.parametrize("seed", range(2))
def test_random_mlp_lab_states_round_trip_through_a_link(seed):
    """The same for the MLP lab (the batch within the training set: a lab-level check)."""
    rng = random.Random(seed)
    s = mlp_state.MlpLabState()
    values = {f.name: random_value(rng, f.name, s.param[f.name]) for f in mlp_state.LINK.fields}
    values.update(dataset=rng.choice(["circle", "xor", "gaussian"]), points=rng.randint(20, 200),
                  layers=rng.choice(["4", "3,2", "0"]))
    values["batch"] = rng.randint(1, 9)
    s.param.update(**values)
    other = mlp_state.MlpLabState()
    assert other.apply_query(s.to_query()) == []
    for p in mlp_state.URL_KEYS:
        assert getattr(other, p) == getattr(s, p), p
