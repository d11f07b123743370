"""The page shell (``playground.app``) without a browser."""

import subprocess
import sys

import panel as pn

from playground import app


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=app.Path(__file__).parent.parent).stdout.strip()


def test_the_shell_imports_no_numerics():
    """The page's shell is answered before JAX is imported (a thread imports it)."""
    assert _run("import sys, playground.app; print('jax' in sys.modules)") == "False"


def test_float64_whichever_is_imported_first():
    for code in ("import playground, jax.numpy as jnp; print(jnp.zeros(1).dtype)",
                 "import jax.numpy as jnp, playground; print(jnp.zeros(1).dtype)"):
        assert _run(code) == "float64"


def test_without_a_server_the_page_holds_the_whole_lab():
    page = app.create_app()
    sidebar, body = page.objects[1].objects
    assert any(isinstance(o, pn.widgets.Select) for o in sidebar.objects)
    assert not any("pg-page-loading" in o.css_classes for o in body.objects)
    assert len(body.select(pn.pane.Bokeh)) >= 3  # the surface and the loss charts


def test_build_lab_applies_the_link_and_reports_what_it_ignored():
    lab = app.build_lab("optimizers", {"surface": "himmelblau", "steps": "-3"}, ["x"])
    assert lab.state.surface == "himmelblau"
    assert lab.state.result is not None  # the first race is computed before the page
    assert "steps" in lab.link_problems and "x" in lab.link_problems


def test_a_lab_that_cannot_be_built_leaves_a_message_not_a_traceback(monkeypatch):
    def broken(*_args):
        raise RuntimeError("no numerics today")

    monkeypatch.setattr(app, "build_lab", broken)
    page = app.create_app()
    sidebar, body = page.objects[1].objects
    (alert,) = body.objects
    assert isinstance(alert, pn.pane.Alert) and "no numerics today" in alert.object
    assert sidebar.objects == []
