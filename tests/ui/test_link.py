"""Reading a link's query string (``playground.ui.link``)."""

from urllib.parse import quote

from playground.ui.link import LinkLocation, problem, read_query


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


def test_a_problem_quotes_the_value_cut_to_forty_characters():
    assert problem("lr", "abc", "not a number") == "lr='abc' (not a number)"
    long = problem("lr", "x" * 1000, "not a number")
    assert long == "lr='" + "x" * 40 + "…' (not a number)"


def test_the_location_never_raises_on_odd_characters():
    """Panel's own Location parsed '²' with int() and raised; ours reads strings."""
    location = LinkLocation(search="?a=" + quote("²"))
    location.search = "?b=" + quote("²") + "&c=%5Bnot-json"
    assert location.query_params == {"b": "²", "c": "[not-json"}
