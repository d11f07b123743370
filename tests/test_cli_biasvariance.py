"""``python -m playground biasvariance``: strict JSON out, one-line errors with status 2.

One real subprocess (the command as users type it); the rest through ``cli.main``, which
is what ``python -m playground`` calls.  The numbers are checked against the numerics'
identities: sum = bias² + variance + σ², and the measured error close to the sum.
"""

import io
import json
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from playground import cli

ROOT = Path(__file__).resolve().parent.parent

COMMAND = ["biasvariance", "--truth", "sin", "--family", "poly", "--capacities", "0-15",
           "--datasets", "200", "--n", "20", "--noise", "0.3", "--ridge", "0", "--seed", "0"]


def _main(args):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = cli.main(args)
    return status, out.getvalue(), err.getvalue()


def _strict(text):
    def refuse(token):
        raise ValueError(f"non-strict JSON token {token}")
    return json.loads(text, parse_constant=refuse)


def test_the_command_prints_strict_json_per_capacity():
    done = subprocess.run([sys.executable, "-m", "playground", *COMMAND], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = _strict(done.stdout)
    assert out["settings"] == {"truth": "sin", "inputs": "spread", "family": "poly",
                               "datasets": 200, "n": 20,
                               "noise": 0.3, "ridge": 0.0, "seed": 0, "capacity": "d",
                               "capacities": list(range(16)), "n_test": 200}
    rows = out["capacities"]
    assert [r["capacity"] for r in rows] == list(range(16))
    for r in rows:
        assert r["noise"] == pytest.approx(0.09)
        assert r["sum"] == pytest.approx(r["bias2"] + r["variance"] + 0.09)
        assert r["test_error"] == pytest.approx(r["sum"], rel=0.05)
    # the classic picture: a constant under-fits a sine; degree 3 does far better
    assert rows[0]["bias2"] > 10 * rows[3]["bias2"]
    assert rows[15]["variance"] > rows[3]["variance"]
    assert rows[15]["train_error"] < rows[3]["train_error"]


@pytest.mark.parametrize("family, capacities", [("knn", "1,5,10"), ("features", "5-25"),
                                                ("network", "2,8")])
def test_every_family(family, capacities):
    args = ["biasvariance", "--family", family, "--capacities", capacities, "--datasets", "20",
            "--n", "10", "--steps", "50"]
    status, out, err = _main(args)
    assert status == 0, err
    data = _strict(out)
    assert data["settings"]["family"] == family
    assert len(data["capacities"]) == len(cli._capacities(capacities))


BAD = {
    "unknown truth": ["--truth", "tan"],
    "unknown inputs": ["--inputs", "grid"],
    "unknown family": ["--family", "trees"],
    "degree too high": ["--capacities", "0-21"],
    "features past 5n": ["--family", "features", "--n", "10", "--capacities", "1-51"],
    "k zero": ["--family", "knn", "--capacities", "0-3"],
    # More neighbours than points: the same fit as k = n (rows 21-50 repeated row 20).
    "k past n": ["--family", "knn", "--n", "20", "--capacities", "1-50"],
    # The lab's and the link's bound (the command line took up to 10).
    "noise past the lab's bound": ["--noise", "2.5"],
    "capacities not numbers": ["--capacities", "a-b"],
    "reversed range": ["--capacities", "5-2"],
    "n too small": ["--n", "4"],
    "too many sets": ["--datasets", "501"],
    "noise nan": ["--noise", "nan"],
    "ridge negative": ["--ridge", "-1"],
}


@pytest.mark.parametrize("name", BAD)
def test_bad_input_is_one_line_on_stderr_and_status_2(name):
    status, out, err = _main(["biasvariance", *BAD[name]])
    assert status == 2
    assert out == ""
    assert err.startswith("error: ") and err.count("\n") == 1


def test_the_readmes_double_descent_example_peaks_at_p_equals_n_and_descends_again():
    """README's example (``family=features&noise=0.1``: n = 20, 100 sets, spread inputs,
    λ = 0): the mean test error's U bottoms out before p = n, peaks at p = n, and descends
    again past it below the U's bottom; λ = 0.001 shows no peak at p = n.  The numbers
    README quotes, to two digits."""
    from playground.numerics import biasvariance as bv

    data = bv.make_data("sin", 20, 100, 0, inputs="spread")
    r = bv.decompose("features", data, 0.1)
    te = dict(zip(r.capacities, (float(v) for v in r.test_error), strict=True))
    first = min((c for c in te if c < 20), key=te.get)
    assert first == 12 and f"{te[12]:.2g}" == "0.032"
    assert max((c for c in te if c >= 5), key=te.get) == 20 and f"{te[20]:.2g}" == "0.39"
    assert te[100] < te[12] and f"{te[100]:.2g}" == "0.023"
    ridged = bv.decompose("features", data, 0.1, ridge=0.001)
    te = dict(zip(ridged.capacities, (float(v) for v in ridged.test_error), strict=True))
    assert te[20] <= min(te[c] for c in te if c <= 20) * 1.05  # no peak at p = n


def test_the_overfitting_lessons_last_caption_says_what_its_chart_shows():
    """Its chart (poly, n = 20, 100 sets, σ = 0.3, spread inputs): bias² highest at degree
    0, almost nothing from degree 5 on (the unbiased estimate: within ±0.01 of 0);
    variance climbing past 5; at degree 12 nearly all of the error is variance; the test
    error lowest around degree 3 to 5."""
    import json
    from pathlib import Path

    from playground.numerics import biasvariance as bv

    lesson = json.loads((Path(__file__).resolve().parents[1] / "playground" / "lessons"
                         / "overfitting.json").read_text(encoding="utf-8"))
    caption = lesson["steps"][-1]["caption"]
    assert "almost nothing by degree 5" in caption["en"] and "约 5 次时几乎为零" in caption["zh"]
    assert "nearly all of the error is variance" in caption["en"]
    assert "几乎全是方差" in caption["zh"]
    r = bv.decompose("poly", bv.make_data("sin", 20, 100, 0, inputs="spread"), 0.3)
    bias2 = dict(zip(r.capacities, (float(v) for v in r.bias2), strict=True))
    variance = dict(zip(r.capacities, (float(v) for v in r.variance), strict=True))
    test = dict(zip(r.capacities, (float(v) for v in r.test_error), strict=True))
    upto12 = [d for d in bias2 if d <= 12]
    assert max(upto12, key=bias2.get) == 0 and bias2[4] < 0.01 * bias2[0]
    assert all(abs(bias2[d]) < 0.01 for d in upto12 if d >= 5)  # "almost nothing"
    assert all(variance[d + 1] > variance[d] for d in range(5, 12))  # climbs past 5
    assert variance[12] > 5 * variance[10] and variance[12] > 50 * abs(bias2[12])
    assert min(upto12, key=test.get) in (3, 4, 5)
