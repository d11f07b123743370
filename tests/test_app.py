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


def test_the_lab_builder_holds_no_other_sessions_document():
    """While the builder thread runs, the server may be serving another page: Bokeh's
    current document is then that page's.  The builder must leave it alone (holding
    it lost that page's callbacks, and the page never drew)."""
    import threading
    from types import SimpleNamespace

    from bokeh.document import Document
    from bokeh.io.doc import patch_curdoc

    other_page = Document()
    other_page._session_context = lambda: SimpleNamespace(id="another-session")
    held = []
    hold = other_page.callbacks.hold
    other_page.callbacks.hold = lambda *args: (held.append(args), hold(*args))
    built = {}
    with patch_curdoc(other_page):
        # Rosenbrock shows its loss on a log scale: building that chart holds a document.
        thread = threading.Thread(target=lambda: built.update(
            lab=app.build_lab("optimizers", {"surface": "rosenbrock"}, [])))
        thread.start()
        thread.join()
    assert built["lab"].log_loss.value is True
    assert held == []
