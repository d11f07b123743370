"""The update-rule cards of the optimizer lab, tied to the code that computes the race.

For all six optimizers the card "at step t" is read back as a person would read it:
every number shown is parsed, the update is recomputed from those shown numbers in
plain NumPy with PyTorch's formulas (README, Conventions; written again here, not taken from
the project), and compared with the card's own result and with the trajectory.  The
state the card shows (v, s, m̂, v̂, before and after the step) is compared with an
independent NumPy replay of the same formulas over the race's recorded gradients.
The rule in symbols (the card's first line) is read as arithmetic and run over the
race's gradients: it must give the race's path.
"""

import re

import numpy as np
import pytest

import playground  # noqa: F401  (enables float64 in JAX)
from playground.labs.optimizers.lab import formula_at_step, formula_with_values
from playground.numerics import optimizers as opt
from playground.numerics import race
from playground.numerics.surfaces import SURFACES

# The order in which each card shows its numbers (scalars and 2-vectors), left to right.
LAYOUT = {
    "sgd": ["theta", "alpha", "g", "new"],
    "momentum": ["mu", "v_prev", "g", "v", "theta", "alpha", "v'", "new"],
    "nesterov": ["mu", "v_prev", "g", "v", "theta", "alpha", "g'", "mu'", "v'", "new"],
    "adagrad": ["s_prev", "g", "s", "theta", "alpha", "g'", "s'", "eps", "new"],
    "rmsprop": ["rho", "s_prev", "rho'", "g", "s", "theta", "alpha", "g'", "s'", "eps", "new"],
    "adam": ["m_hat", "v_hat", "theta", "alpha", "m_hat'", "v_hat'", "eps", "new"],
}
KNOB_OF = {"mu": "momentum", "rho": "decay", "eps": "eps"}

_NUMBER = r"-?\d+(?:\.\d+)?(?: \\times 10\^\{-?\d+\})?"
_VECTOR = r"\\begin\{pmatrix\}(.*?)\\end\{pmatrix\}"


def number(text: str) -> float:
    mantissa, _, exponent = text.partition(r" \times 10^{")
    return float(mantissa) * 10.0 ** int(exponent.rstrip("}") or 0)


def read_card(latex: str) -> tuple[int, list]:
    """(the step index in θ_{…}, every number shown in order: floats and 2-vectors)."""
    (index,) = {int(i) for i in re.findall(r"\\theta_\{(\d+)\}", latex)}
    vectors = [np.array([number(a) for a in m.split(r"\\ ")])
               for m in re.findall(_VECTOR, latex)]
    text = re.sub(_VECTOR, " VEC ", latex)
    text = re.sub(r"\\theta_\{\d+\}", "θ", text).replace("^2", "²").replace("(1-", "(one minus ")
    items, vec = [], iter(vectors)
    for token in re.findall(r"VEC|" + _NUMBER, text):
        items.append(next(vec) if token == "VEC" else number(token))
    return index, items


def replay(name: str, grads: np.ndarray, h: dict) -> list[dict]:
    """PyTorch's update rules in NumPy over the gradients g₁ … gₙ: the state after each step."""
    v = np.zeros(2)
    s = np.zeros(2)
    m = np.zeros(2)
    states = []
    for t, g in enumerate(grads, start=1):
        if name in ("momentum", "nesterov"):
            v = h["momentum"] * v + g
            states.append({"v": v})
        elif name == "adagrad":
            s = s + g**2
            states.append({"s": s})
        elif name == "rmsprop":
            s = h["decay"] * s + (1 - h["decay"]) * g**2
            states.append({"s": s})
        elif name == "adam":
            m = h["beta1"] * m + (1 - h["beta1"]) * g
            s = h["beta2"] * s + (1 - h["beta2"]) * g**2
            on = bool(h["bias_correction"])
            states.append({"m_hat": m / (1 - h["beta1"] ** t) if on else m,
                           "v_hat": s / (1 - h["beta2"] ** t) if on else s})
        else:
            states.append({})
    return states


def recompute(name: str, n: dict) -> tuple[np.ndarray, np.ndarray, dict]:
    """θₜ₊₁ from the numbers shown, the size of its terms (rounding to four digits is
    relative to them), and the state the shown numbers imply with its terms' size."""
    a = np.abs
    theta, alpha, g = n["theta"], n["alpha"], n.get("g")
    if name == "sgd":
        return theta - alpha * g, a(theta) + a(alpha * g), {}
    if name in ("momentum", "nesterov"):
        v = n["mu"] * n["v_prev"] + g
        implied = {"v": (v, a(n["mu"] * n["v_prev"]) + a(g))}
        if name == "momentum":
            return theta - alpha * n["v"], a(theta) + a(alpha * n["v"]), implied
        step = alpha * (g + n["mu"] * n["v"])
        return theta - step, a(theta) + alpha * (a(g) + a(n["mu"] * n["v"])), implied
    if name in ("adagrad", "rmsprop"):
        rho = n.get("rho", 1.0)
        fresh = (1 - rho) * g**2 if name == "rmsprop" else g**2
        implied = {"s": (rho * n["s_prev"] + fresh, a(rho * n["s_prev"]) + fresh)}
        step = alpha * g / (np.sqrt(n["s"]) + n["eps"])
        return theta - step, a(theta) + a(step), implied
    assert name == "adam"
    step = alpha * n["m_hat"] / (np.sqrt(n["v_hat"]) + n["eps"])
    return theta - step, a(theta) + a(step), {}


def shown_close(actual, expected, scale=None, what=""):
    """Within what four significant digits allow (relative to ``scale``)."""
    scale = np.abs(expected) if scale is None else scale
    assert np.all(np.abs(np.asarray(actual) - expected) <= 2e-3 * scale + 1e-12), (
        what, actual, expected)


CASES = {
    # The surfaces' own defaults, with noise (the cards show the noisy g the rule used).
    "rosenbrock-noise": ("rosenbrock", None, dict(noise=0.3, seed=1), "constant"),
    "rosenbrock-clipped": ("rosenbrock", None, dict(noise=0.3, seed=1, clip="norm",
                                                   clip_value=2.0), "constant"),
    # Other knobs, Adam without bias correction, and a schedule (α_t shown).
    "himmelblau-knobs": ("himmelblau", {
        "sgd": {"lr": 0.01}, "momentum": {"lr": 0.003, "momentum": 0.7},
        "nesterov": {"lr": 0.003, "momentum": 0.8}, "adagrad": {"lr": 0.8, "eps": 1e-3},
        "rmsprop": {"lr": 0.05, "decay": 0.8, "eps": 1e-3},
        "adam": {"lr": 0.1, "beta1": 0.8, "beta2": 0.99, "eps": 1e-3, "bias_correction": 0.0},
    }, {}, "exponential"),
}


def race_of(case: str, name: str):
    """The race of ``CASES[case]`` (40 steps): it, ``name``'s index in it, the optimizers'
    knobs given and ``name``'s every knob."""
    surface_name, hyper, kw, schedule = CASES[case]
    s = SURFACES[surface_name]
    hyper = s.defaults if hyper is None else hyper
    sched = opt.Schedule(opt.SCHEDULES.index(schedule), 100.0, 2.0, 0.97, 40.0)
    r = race.run_race(s.fn, race.make_settings(s.start, hyper, steps=40, schedule=sched, **kw))
    return r, opt.NAMES.index(name), hyper, opt.hyperparams_for(name, hyper.get(name))


@pytest.mark.parametrize("name", opt.NAMES)
@pytest.mark.parametrize("case", list(CASES))
def test_the_card_at_step_t_recomputes_from_its_own_numbers(case, name):
    r, k, hyper, h = race_of(case, name)
    assert r.diverged_at[k] == -1
    states = replay(name, r.grad[:, k], h)
    for t in (0, 1, 17, 39, 40):  # 40: the last step, the update a further step makes
        index, items = read_card(formula_at_step(name, r, t, hyper.get(name)))
        assert index == t + 1
        assert len(items) == len(LAYOUT[name]), (name, items)
        n = dict(zip(LAYOUT[name], items, strict=True))
        # Repeated numbers agree, and the knobs shown are the user's.
        for key in [key for key in n if key.endswith("'")]:
            np.testing.assert_array_equal(n[key], n[key[:-1]])
        for key, knob in KNOB_OF.items():
            if key in n:
                shown_close(n[key], h[knob], what=key)
        shown_close(n["alpha"], r.lr[t, k], what="α_t")
        shown_close(n["theta"], r.points[t, k], what="θ")
        if "g" in n:  # Adam's card shows m̂ and v̂ instead
            shown_close(n["g"], r.grad[t, k], what="g")
        # The state shown is the formulas' state, before and after the step.
        before = states[t - 1] if t > 0 else {key: np.zeros(2) for key in states[t]}
        for key, value in states[t].items():
            shown_close(n[key], value, what=key)
            if f"{key}_prev" in n:
                shown_close(n[f"{key}_prev"], before[key], what=f"{key} before")
        # The update recomputed from the numbers shown: the card's result, and the path.
        new, scale, implied = recompute(name, n)
        for key, (value, terms) in implied.items():
            shown_close(value, n[key], scale=terms, what=f"{key} from the shown numbers")
        shown_close(new, n["new"], scale=scale, what="θₜ₊₁ from the shown numbers")
        if t < 40:
            shown_close(new, r.points[t + 1, k], scale=scale, what="θₜ₊₁ of the trajectory")
        else:  # no iterate 41: the arrows' step, which the state table's numbers are of
            shown_close(new, r.points[t, k] + r.step[t, k], scale=scale, what="θ + Δθ")
    assert formula_at_step(name, r, 41) is None  # past the run's rows


def test_nesterovs_card_shows_mu_as_a_number():
    s = SURFACES["rosenbrock"]
    r = race.run_race(s.fn, race.make_settings(s.start, s.defaults, steps=5))
    latex = formula_at_step("nesterov", r, 2, {"momentum": 0.8})
    assert r"\mu" not in latex and "0.8" in latex


@pytest.mark.parametrize("name", opt.NAMES)
def test_every_symbol_of_a_rule_becomes_the_users_number(name):
    """The card with values has no knob symbol left (α stays α_t under a schedule)."""
    h = {hp: 0.123 for hp in opt.OPTIMIZERS[name].hyperparams}
    latex = formula_with_values(name, h, scheduled=False)
    for hp in opt.OPTIMIZERS[name].hyperparams:
        symbol = opt.KNOBS[hp].latex
        if symbol:
            assert not re.search(re.escape(symbol) + r"(?![A-Za-z_])", latex), (hp, latex)
    assert r"\alpha_t" in formula_with_values(name, h, scheduled=True)


# -- the rule in symbols, run as written --------------------------------------------------

_SYMBOLS = [(r"\hat m", "m_hat"), (r"\hat v", "v_hat"), (r"\theta", "theta"),
            (r"\alpha", "alpha"), (r"\mu", "mu"), (r"\rho", "rho"), (r"\beta_1", "beta1"),
            (r"\beta_2", "beta2"), (r"\varepsilon", "eps")]
_TOKEN = r"[A-Za-z_][A-Za-z_0-9]*|\d+(?:\.\d+)?|\*\*|[-+*/()]"


def python_of(latex: str) -> str:
    """The arithmetic of a LaTeX term of the rules, as Python: symbols named, ``\\frac``
    and ``\\sqrt`` as division and ``sqrt``, a product where LaTeX writes two factors side
    by side (``\\mu v``, ``\\alpha\\, g``)."""
    s = latex.replace(r"\left(", "(").replace(r"\right)", ")").replace(r"\,", " ")
    for symbol, name in _SYMBOLS:
        s = s.replace(symbol, f" {name} ")
    s = re.sub(r"\\sqrt\{([^{}]*)\}", r" sqrt(\1) ", s)
    s = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r" ((\1)/(\2)) ", s)
    s = s.replace("^", "**")
    tokens = re.findall(_TOKEN, s)
    assert re.sub(_TOKEN, "", s).strip() == "", f"not read: {s!r}"
    out = []
    for token in tokens:
        operand = re.fullmatch(r"\w+", token) or token == "("
        if out and operand and (re.fullmatch(r"\w+", out[-1]) or out[-1] == ")") \
                and out[-1] != "sqrt":
            out.append("*")
        out.append(token)
    return " ".join(out)


def rule_of(latex: str) -> list[tuple[str, str]]:
    """``a \\leftarrow …,\\quad b = …``: the assignments in order, as (name, Python)."""
    assignments = []
    for part in latex.split(r",\quad"):
        target, term = re.split(r"\\leftarrow|=", part, maxsplit=1)
        assignments.append((python_of(target).strip(), python_of(term)))
    return assignments


@pytest.mark.parametrize("name", opt.NAMES)
@pytest.mark.parametrize("case", ["rosenbrock-noise", "himmelblau-knobs"])
def test_the_rule_in_symbols_computes_the_trajectory(case, name):
    """The card's symbolic rule, run as written over the race's gradients (the noisy g
    each step used) and its α_t, gives the race's path step by step: a wrong symbol, a
    missing term or a wrong order of updates in the formula shown would not."""
    r, k, hyper, h = race_of(case, name)
    rule = rule_of(opt.symbolic_latex(name, h))
    values = {"theta": r.points[0, k].copy(), "v": np.zeros(2), "s": np.zeros(2),
              "m": np.zeros(2), "mu": h["momentum"], "rho": h["decay"],
              "beta1": h["beta1"], "beta2": h["beta2"], "eps": h["eps"], "sqrt": np.sqrt}
    for t in range(1, 41):
        values.update(g=r.grad[t - 1, k], alpha=r.lr[t - 1, k], t=t)
        for target, term in rule:
            values[target] = eval(term, {"__builtins__": {}}, values)  # the registry's text
        np.testing.assert_allclose(values["theta"], r.points[t, k], rtol=1e-9, atol=1e-12,
                                   err_msg=f"{name} at step {t}: {rule}")


def test_the_reader_of_the_rules_reads_products_and_fractions():
    assert python_of(r"\mu v + g") == "mu * v + g"
    assert python_of(r"\frac{\alpha\, g}{\sqrt{s} + \varepsilon}") == \
        "( ( alpha * g ) / ( sqrt ( s ) + eps ) )"
    assert python_of(r"\alpha\left(g + \mu v\right)") == "alpha * ( g + mu * v )"
    assert rule_of(r"v \leftarrow \mu v + g,\quad \theta \leftarrow \theta - \alpha\, v") == [
        ("v", "mu * v + g"), ("theta", "theta - alpha * v")]
