"""The walls between the layers, read from the imports of every module (``ast``).

- ``numerics`` imports the standard library, JAX, NumPy and optax only (no UI library:
  param, Panel, Bokeh, Tornado) and nothing of the package outside ``numerics`` (not the
  UI layer, the labs, the text tables, the commands, nor the package's root);
- the UI layer imports no lab: the shell loads labs by the strings in ``LABS`` through
  ``importlib`` and the page's export button the static export by ``STATIC_EXPORT``; no
  other string of the UI layer or a lab names a module past a wall;
- a lab imports no other lab;
- no two modules of the package import each other, directly or around a longer cycle.

Every ``import`` statement counts, at module level or inside a function, and so does
``importlib.import_module("…")`` or ``__import__("…")`` of a written name.  The checker
is tested on small packages written to a temporary folder, so that a wall it no longer
sees fails here rather than passing quietly.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parents[1] / "playground"

#: What the numerics may import besides the standard library and themselves (first
#: component of the module name): never a UI library (param, Panel, Bokeh, Tornado).
NUMERICS_LIBRARIES = frozenset({"jax", "jaxlib", "numpy", "optax"})
#: Strings in the UI layer and the labs that may name a module of the package above them
#: (``module`` or ``module:attribute``, loaded through ``importlib``): the shell's labs
#: (``ui.shell.LABS``) and the page's export button (``ui.export.STATIC_EXPORT``).
LOADED_BY_NAME = {"ui.shell": "labs", "ui.export": "static_export"}


def module_names(root: Path) -> dict[str, Path]:
    """Every module of the package at ``root`` (a folder with ``__init__.py``), by its
    dotted name (``playground.numerics.race``; a package by its own name)."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _resolve(module: str, is_package: bool, level: int, target: str | None) -> str:
    """The absolute name of ``from <level dots><target> import …`` inside ``module``."""
    if level == 0:
        return target or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]  # a module's relative imports start from its package
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, target] if target else base)


def imports_of(root: Path) -> dict[str, set[str]]:
    """Module → the absolute names of what it imports, at any depth in its code.

    ``from P import n`` counts as importing ``P.n`` when that is a module of the
    package (``from . import state``), else as importing ``P``."""
    modules = module_names(root)
    return {name: imports_of_file(path, name, path.name == "__init__.py", modules)
            for name, path in modules.items()}


def imports_of_file(path: Path, name: str, is_package: bool, modules) -> set[str]:
    """What the module ``name`` (the file ``path``) imports; ``modules``: the names that
    are modules, for ``from P import n``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if (isinstance(node, ast.Call) and _called(node.func) in ("import_module",
                                                                   "__import__")
                and node.args and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)):  # a module named in the call
            found.add(node.args[0].value)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(name, is_package, node.level, node.module)
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                found.add(submodule if submodule in modules else source)
    return found


def _called(func: ast.expr) -> str:
    """The name a call calls (``f`` of ``f(…)`` and of ``m.f(…)``)."""
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def modules_named_in_strings(root: Path) -> dict[str, set[str]]:
    """Module → the package's modules its string constants name (``"pkg.a.b"`` or
    ``"pkg.a.b:attr"``): what it may load through ``importlib`` by name."""
    package, found = root.name, {}
    for name, path in module_names(root).items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                target = node.value.split(":")[0]
                if _within(target, package) and target != package and all(
                        part.isidentifier() for part in target.split(".")):
                    found.setdefault(name, set()).add(target)
    return found


def names_loaded_past_the_walls(root: Path) -> list[str]:
    """One line per string in the UI layer or a lab that names a module it may not
    import, other than ``LOADED_BY_NAME``'s."""
    package, problems = root.name, []
    for module, targets in sorted(modules_named_in_strings(root).items()):
        allowed = LOADED_BY_NAME.get(module.removeprefix(package + "."))
        for target in sorted(targets):
            if allowed is not None and _within(target, f"{package}.{allowed}"):
                continue
            problems += [p for p in wall_violations({module: {target}}, package)]
    return problems


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def wall_violations(graph: dict[str, set[str]], package: str) -> list[str]:
    """One line per import that crosses a wall, e.g. ``p.numerics.x imports panel``."""
    numerics, ui, labs = f"{package}.numerics", f"{package}.ui", f"{package}.labs"
    text = f"{package}.text"
    problems = []
    for module, imported in sorted(graph.items()):
        for target in sorted(imported):
            # Below the labs and in them, the package's own modules are numerics, ui and
            # text only (the app's commands, the static export and the rest sit above).
            if (_within(module, ui) or _within(module, labs)) and _within(target, package) \
                    and target != package and not any(
                        _within(target, layer) for layer in (numerics, ui, text, labs)):
                problems.append(f"{module} imports {target} (the UI layer and the labs "
                                "import only numerics, ui and text)")
            first = target.split(".")[0]
            if _within(module, numerics) and not _within(target, numerics) and (
                    _within(target, package) or first not in NUMERICS_LIBRARIES
                    and first not in sys.stdlib_module_names):
                problems.append(f"{module} imports {target} (numerics import no UI and "
                                "nothing of the package outside numerics)")
            if _within(module, ui) and _within(target, labs):
                problems.append(f"{module} imports {target} (the UI layer imports no lab)")
            if (_within(module, labs) and module != labs and _within(target, labs)
                    and target != labs):
                lab = module.split(".")[len(labs.split("."))]
                other = target.split(".")[len(labs.split("."))]
                if lab != other:
                    problems.append(f"{module} imports {target} (a lab imports no other lab)")
    return problems


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of imports among the graph's own modules, as ``[a, b, …, a]``, or None."""
    state: dict[str, str] = {}  # "open" while on the path, "done" once fully explored
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = "open"
        path.append(module)
        for target in sorted(graph[module]):
            if target not in graph or target == module:
                continue
            if state.get(target) == "open":
                return [*path[path.index(target):], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)):
            return cycle
    return None


# -- the playground itself ------------------------------------------------------------


@pytest.fixture(scope="module")
def graph():
    return imports_of(PACKAGE_ROOT)


def test_every_layer_is_read(graph):
    """The checker sees the layers it guards (a moved folder would make it vacuous)."""
    for layer in ("playground.numerics", "playground.ui", "playground.labs"):
        assert sum(_within(m, layer) for m in graph) >= 3, layer
    assert "jax" in graph["playground.numerics.race"]
    assert "playground.numerics.race" in graph["playground.labs.optimizers.state"]


def test_the_walls_hold(graph):
    assert wall_violations(graph, "playground") == []


def test_no_module_is_loaded_by_name_past_the_walls():
    """Only the shell names labs (``LABS``) and only the export button names the static
    export; no other string of the UI layer or a lab names a module it may not import
    (``importlib.import_module`` of a string held in a constant is no import statement)."""
    assert names_loaded_past_the_walls(PACKAGE_ROOT) == []
    named = modules_named_in_strings(PACKAGE_ROOT)
    assert "playground.labs.mlp.lab" in named["playground.ui.shell"]  # the check reads them
    assert "playground.static_export" in named["playground.ui.export"]


def test_no_import_cycle(graph):
    assert find_cycle(graph) is None


def test_the_shell_loads_labs_by_name_only(graph):
    """``LABS`` names every lab as ``module:class``; the shell imports none of them."""
    from playground.ui.shell import LABS

    for spec in LABS.values():
        assert spec.split(":")[0] in graph, spec
    assert not any(_within(t, "playground.labs") for t in graph["playground.ui.shell"])


def test_benchmarks_import_no_test_module():
    """Benchmarks share the server helpers with the tests through ``playground.serving``."""
    for path in sorted((PACKAGE_ROOT.parent / "benchmarks").glob("*.py")):
        found = imports_of_file(path, path.stem, is_package=False, modules={})
        assert not [m for m in found if _within(m, "tests")], path.name


def test_the_app_never_imports_the_development_helpers(graph):
    # ``deploy`` starts servers too (it is the operators' tool, never imported by a page);
    # ``figure`` (``python -m playground figure``) serves the app and opens Chromium.
    users = [m for m, imported in graph.items() if "playground.serving" in imported]
    assert set(users) <= {"playground.deploy", "playground.figure"}, users
    figure_users = [m for m, imported in graph.items() if "playground.figure" in imported]
    assert figure_users in ([], ["playground.cli"]), figure_users


def test_the_development_helpers_import_no_ui_library_nor_jax():
    code = ("import sys, playground.serving\n"
            "print(sorted({'panel', 'bokeh', 'jax', 'playwright'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=PACKAGE_ROOT.parent).stdout.strip()
    assert out == "[]"


# -- the checker, on synthetic packages ------------------------------------------------


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    """A package ``pkg`` under ``tmp_path`` with the given files (paths relative to it);
    every folder gets an ``__init__.py``."""
    root = tmp_path / "pkg"
    for relative, code in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code), encoding="utf-8")
    for folder in [root, *[p for p in root.rglob("*") if p.is_dir()]]:
        (folder / "__init__.py").touch()
    return root


def test_relative_imports_are_resolved(tmp_path):
    root = _package(tmp_path, {
        "numerics/a.py": "from . import b\nfrom .b import f\nfrom .. import text\n",
        "numerics/b.py": "import numpy as np\n",
        "labs/one/lab.py": "from ...numerics.a import g\nfrom . import state\n",
        "labs/one/state.py": "",
        "text.py": "",
    })
    graph = imports_of(root)
    assert graph["pkg.numerics.a"] == {"pkg.numerics.b", "pkg.text"}
    assert graph["pkg.numerics.b"] == {"numpy"}
    assert graph["pkg.labs.one.lab"] == {"pkg.numerics.a", "pkg.labs.one.state"}


@pytest.mark.parametrize(("files", "expected"), [
    ({"numerics/a.py": "import panel as pn\n"}, "pkg.numerics.a imports panel"),
    ({"numerics/a.py": "from bokeh.models import Span\n"}, "pkg.numerics.a imports bokeh.models"),
    ({"numerics/a.py": "def f():\n    import param\n"}, "pkg.numerics.a imports param"),
    ({"numerics/a.py": "from ..ui import widgets\n", "ui/widgets.py": ""},
     "pkg.numerics.a imports pkg.ui.widgets"),
    ({"numerics/a.py": "from .. import text\n", "text.py": ""},
     "pkg.numerics.a imports pkg.text"),
    ({"numerics/sub/a.py": "from ...cli import main\n", "cli.py": ""},
     "pkg.numerics.sub.a imports pkg.cli"),
    ({"numerics/a.py": "from ..figure import draw\n", "figure.py": ""},
     "pkg.numerics.a imports pkg.figure"),
    ({"numerics/a.py": "import pkg.serving\n", "serving.py": ""},
     "pkg.numerics.a imports pkg.serving"),
    ({"numerics/a.py": "from .. import settings\n"}, "pkg.numerics.a imports pkg"),
    ({"ui/shell.py": "def f():\n    from ..labs.one import lab\n", "labs/one/lab.py": ""},
     "pkg.ui.shell imports pkg.labs.one.lab"),
    ({"labs/one/lab.py": "from ..two.state import _helper\n", "labs/two/state.py": ""},
     "pkg.labs.one.lab imports pkg.labs.two.state"),
    ({"labs/one/lab.py": "import pkg.labs.two\n", "labs/two/state.py": ""},
     "pkg.labs.one.lab imports pkg.labs.two"),
    ({"labs/one/lab.py": "from ...static_export import button\n", "static_export.py": ""},
     "pkg.labs.one.lab imports pkg.static_export"),
    ({"ui/widgets.py": "def f():\n    from .. import cli\n", "cli.py": ""},
     "pkg.ui.widgets imports pkg.cli"),
    ({"numerics/a.py": "import holoviews\n"}, "pkg.numerics.a imports holoviews"),
    ({"ui/widgets.py": "import importlib\nlab = importlib.import_module('pkg.labs.one')\n",
      "labs/one/lab.py": ""}, "pkg.ui.widgets imports pkg.labs.one"),
    ({"labs/one/lab.py": "two = __import__('pkg.labs.two.state')\n",
      "labs/two/state.py": ""}, "pkg.labs.one.lab imports pkg.labs.two.state"),
])
def test_a_crossed_wall_is_reported(tmp_path, files, expected):
    problems = wall_violations(imports_of(_package(tmp_path, files)), "pkg")
    assert len(problems) == 1 and problems[0].startswith(expected + " ("), problems


@pytest.mark.parametrize(("files", "expected"), [
    ({"ui/widgets.py": "LAB = 'pkg.labs.one.lab:Lab'\n", "labs/one/lab.py": ""},
     "pkg.ui.widgets imports pkg.labs.one.lab"),
    ({"labs/one/lab.py": "OTHER = 'pkg.labs.two.state'\n", "labs/two/state.py": ""},
     "pkg.labs.one.lab imports pkg.labs.two.state"),
    ({"ui/shell.py": "EXPORT = 'pkg.static_export:page'\n", "static_export.py": ""},
     "pkg.ui.shell imports pkg.static_export"),
])
def test_a_module_named_past_a_wall_is_reported(tmp_path, files, expected):
    problems = names_loaded_past_the_walls(_package(tmp_path, files))
    assert len(problems) == 1 and problems[0].startswith(expected + " ("), problems


def test_what_the_walls_allow_is_not_reported(tmp_path):
    root = _package(tmp_path, {
        "numerics/a.py": "import jax\nimport numpy\nfrom . import b\n",
        "numerics/b.py": "",
        "ui/shell.py": ("import importlib\nimport panel\nfrom ..numerics import a\n"
                        "LABS = {'one': 'pkg.labs.one.lab:Lab'}\n"
                        "def load(key):\n    return importlib.import_module(LABS[key])\n"),
        "labs/one/lab.py": "import param\nfrom ...ui import shell\nfrom . import state\n",
        "labs/one/state.py": "from ...numerics import b\n",
    })
    graph = imports_of(root)
    assert wall_violations(graph, "pkg") == []
    assert names_loaded_past_the_walls(root) == []
    assert find_cycle(graph) is None


def test_an_import_cycle_is_reported(tmp_path):
    root = _package(tmp_path, {
        "labs/one/lab.py": "from .network import Diagram\n",
        "labs/one/network.py": "from .state import State\n",
        # Hidden inside a function, as the MLP lab's cycle was.
        "labs/one/state.py": "def f():\n    from .lab import Lab\n",
    })
    cycle = find_cycle(imports_of(root))
    assert cycle is not None and cycle[0] == cycle[-1]
    assert set(cycle) == {"pkg.labs.one.lab", "pkg.labs.one.network", "pkg.labs.one.state"}
