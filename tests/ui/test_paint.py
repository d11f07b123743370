"""``ui.paint``: skipping BokehJS's CSS-variable lookups changes no colour.

The lookups are skipped (a browser test, ``test_charts_browser.py``, counts none while
an MLP page paints) on the ground that nothing sets a ``--bk-`` variable, so that
each answered "" anyway; this checks the ground, in every stylesheet a page gets.
"""

from __future__ import annotations

import re
from pathlib import Path

import bokeh
import panel

import playground

#: Where a page's stylesheets come from: Panel's and Bokeh's files (Bokeh's own CSS is
#: in its scripts), and this project's (CSS written in its modules, ``static/``).
SOURCES = {
    "panel": (Path(panel.__file__).parent / "dist", ("*.css", "*.js")),
    "bokeh": (Path(bokeh.__file__).parent / "server" / "static", ("*.css", "*.js")),
    "playground": (Path(playground.__file__).parent, ("*.py", "*.css", "*.js")),
    "static": (Path(playground.__file__).parent.parent / "static", ("*.css", "*.js", "*.html")),
}


#: A ``--bk-`` variable by name, as a stylesheet sets it (BokehJS makes the names it
#: reads from a prefix: ``"--bk-"`` alone is not one).
NAMED = re.compile(r"--bk-[A-Za-z0-9_-]+")


def files_setting_bokeh_variables() -> list[str]:
    found = []
    for root, patterns in SOURCES.values():
        for pattern in patterns:
            for path in root.rglob(pattern):
                if path.name == "paint.py" and path.parent.name == "ui":
                    continue  # names the variables to say why they are skipped
                if NAMED.search(path.read_text(errors="replace")):
                    found.append(str(path))
    return found


def test_no_stylesheet_a_page_gets_sets_a_bokeh_css_variable():
    assert sum(1 for _ in (Path(panel.__file__).parent / "dist").rglob("*.css")) > 10
    assert files_setting_bokeh_variables() == []


def test_the_check_finds_a_stylesheet_that_sets_one(tmp_path, monkeypatch):
    (tmp_path / "theme.css").write_text(":host { --bk-line-color: red; }")
    monkeypatch.setitem(SOURCES, "static", (tmp_path, ("*.css",)))
    assert files_setting_bokeh_variables() == [str(tmp_path / "theme.css")]
