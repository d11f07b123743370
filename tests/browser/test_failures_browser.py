"""Issue #11 in a real browser: settings that cannot run together, kinks, data too small
to split, and failures inside the play loop or a worker thread.

The failures are forced in a server of its own: a ``sitecustomize`` (on the server's
``PYTHONPATH``) patches the MLP lab when it is imported, so that a frame raises for
seed 4242 and the background compilation raises for a network of one layer of 7.
Either must pause the lab and say so in the page, once (one traceback in the log, not
one per frame).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import textwrap
from pathlib import Path

import pytest
from playwright.sync_api import expect

from playground.serving import running_app

from .helpers import (
    assert_no_errors,
    goto_and_wait,
    model_ready_js,
    number,
    source,
    wait_until,
)

# One worker runs the module (its fixture starts a server): scripts/test.sh's loadgroup.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(240),
              pytest.mark.xdist_group("failures")]


LEGEND_JS = """() => {
  const labels = [];
  for (const m of Bokeh.documents[0].all_models)
    if (m.items != null && m.click_policy != null)
      for (const item of m.items) labels.push(item.label.value);
  return labels;
}"""


def open_mlp(page, url: str):
    page.goto(url, wait_until="load")
    page.locator(".pg-epoch").wait_for(state="visible", timeout=60_000)
    wait_until(page, lambda: number(page, "pg-epoch") == 0, 60, "epoch 0")


def shows(page, css_class: str, text, timeout_ms: int = 60_000):
    """Wait until the pane with ``css_class`` shows ``text`` (inside its shadow root)."""
    page.locator(f".{css_class}", has_text=text).wait_for(state="visible", timeout=timeout_ms)


def play_until(page, epochs: int):
    page.locator(".pg-play button").click()
    wait_until(page, lambda: number(page, "pg-epoch") >= epochs, 90, f"{epochs} epochs")
    page.locator(".pg-play button").click()  # pause


# -- settings that cannot run together ------------------------------------------------


def test_batchnorm_with_a_batch_of_one_trains_and_says_how(page, server_url):
    """The issue's example: Play trained nothing and the server logged a traceback per
    frame.  Now the batch of one is trained in batches of two, and the page says why."""
    open_mlp(page, server_url + "?lab=mlp&batch=1&batchnorm=1")
    shows(page, "pg-message", "Batch norm needs at least 2 examples per batch")
    # The batch control and the link show the batch in use.
    wait_until(page, lambda: page.locator(".pg-batch input").first.input_value() == "2", 20,
               "the batch control to show 2")
    wait_until(page, lambda: "batch=2" in page.url, 20, "batch=2 in the link")
    play_until(page, 5)
    assert not page.locator(".pg-player-error").is_visible()
    assert number(page, "pg-train-loss") > 0
    assert_no_errors(page)


def test_batchnorm_with_one_training_example(page, server_url):
    open_mlp(page, server_url + "?lab=mlp&points=10&train_ratio=10&batchnorm=1")
    shows(page, "pg-message", "only 1 training example")
    page.locator(".pg-step button").click()
    wait_until(page, lambda: number(page, "pg-epoch") == 1, 60, "epoch 1")
    assert_no_errors(page)


# -- data too small to split ------------------------------------------------------------


def test_xor_truth_table_trains_on_all_four_points(page, server_url):
    open_mlp(page, server_url + "?lab=mlp&train_ratio=100&layers=4&batch=4&lr=0.05")
    upload = page.locator(".pg-upload input[type=file]")
    upload.wait_for(state="attached", timeout=60_000)
    upload.set_input_files({"name": "xor.csv", "mimeType": "text/csv",
                            "buffer": b"x1,x2,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n"})
    page.locator(".pg-step button").click()
    wait_until(page, lambda: number(page, "pg-epoch") == 1, 60, "epoch 1")
    assert "none" in page.locator(".pg-val-loss").inner_text()
    play_until(page, 10)
    # "Training data only" or, if still under-fitting, a reading that says the same.
    shows(page, "pg-reading", re.compile("no validation points", re.IGNORECASE))
    assert_no_errors(page)


# -- kinks in the optimizer lab ---------------------------------------------------------


#: A number in the readout: one span that never breaks across lines.
NUMBER = re.compile(r"<span style='white-space:nowrap'>([^<]*)</span>")


def readout_cells(page) -> list[str]:
    """The readout's first optimizer row, cell by cell (HTML, each number unwrapped
    from its ``NUMBER`` span): name, θ, L, g, …"""
    html = page.evaluate("() => Bokeh.documents[0].get_model_by_name('readout').text")
    row = re.findall(r"<tr><td[^>]*>.*?</tr>", html)[0]
    return [NUMBER.sub(r"\1", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]


def test_the_tip_of_a_cone_is_reached_not_a_divergence(page, server_url):
    goto_and_wait(page, server_url + "?lab=optimizers&surface=custom&expr=sqrt(x**2%2By**2)"
                  "&optimizers=sgd&sgd_lr=1&x0=1&y0=0&steps=2")
    meta = source(page, "race_meta")
    assert meta["diverged"] == [-1]
    sgd = source(page, "full_sgd")
    assert sgd["x"] == [1.0, 0.0, 0.0] and sgd["loss"] == [1.0, 0.0, 0.0]
    legend = page.evaluate(LEGEND_JS)
    assert "SGD: L = 0" in legend, legend
    assert_no_errors(page)


def test_an_infinite_slope_is_an_undefined_gradient(page, server_url):
    page.goto(server_url + "?lab=optimizers&surface=custom&expr=sqrt(x)%2By**2"
              "&optimizers=sgd&x0=0&y0=1&steps=5", wait_until="commit")
    page.wait_for_function(model_ready_js("full_sgd", 1), timeout=60_000)
    page.wait_for_function(f"() => ({LEGEND_JS})().some((l) => l.includes('undefined'))",
                           timeout=30_000)
    # The page rewrites its link once it has settled; the legend's step cursor has
    # moved by then (its script once turned every stop into "diverged").
    page.wait_for_url(re.compile(r"sqrt%28x%29"), timeout=30_000)
    assert "SGD: gradient undefined at step 0" in page.evaluate(LEGEND_JS)
    assert "diverged" not in " ".join(page.evaluate(LEGEND_JS))
    # Every run stopped at its start: only step 0 exists, and every view says so.  The
    # critical-point panel speaks of the start, where the gradient is undefined.
    expect(page.get_by_text("At the start point (0, 1): L = 1; the gradient is undefined")
           ).to_be_visible(timeout=30_000)
    assert "step 5" not in page.locator(".pg-readout").inner_text()
    expect(page.locator(".pg-readout")).to_contain_text("State at step 0", timeout=30_000)
    # The readout: θ, L = 1 at the start, g undefined (not (0, 0)), no update from there.
    _name, theta, loss, grad, velocity, alpha = readout_cells(page)
    html = page.evaluate("() => Bokeh.documents[0].get_model_by_name('readout').text")
    assert NUMBER.findall(html)[:3] == ["0.000", "1.000", "1.000"]  # θ, then L
    assert (theta, loss, grad) == ("(0.000, 1.000)", "1.000",
                                   "<i>undefined (infinite slope)</i>")
    assert velocity == "" and alpha == "–"  # SGD keeps no velocity; no update from there
    # The player ends at step 0; the loss chart's step axis is 0 … 1, its cursor at 0.
    views = page.evaluate("""() => {
      const out = {};
      for (const m of Bokeh.documents[0].all_models) {
        if (m.properties.loop_policy != null) out.player = [m.value, m.end];  // Panel's Player
        const cursor = (m.center || []).filter((r) => r.name === 'cursor');
        if (m.y_scale != null && m.y_scale.type === 'LinearScale' && cursor.length)
          out.loss = [m.x_range.end, cursor[0].location];
      }
      return out;
    }""")
    assert views == {"player": [0, 0], "loss": [1, 0]}, views
    assert_no_errors(page)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_readout_says_where_g_is_the_minimum_norm_subgradient(page, server_url, lang):
    """|x| + y² from (0, 1): every iterate is on the kink x = 0."""
    from playground.text import tr

    page.goto(server_url + f"?lab=optimizers&lang={lang}&surface=custom&expr=abs(x)%2By**2"
              "&optimizers=sgd&x0=0&y0=1&steps=5", wait_until="commit")
    page.wait_for_function(model_ready_js("full_sgd", 6), timeout=60_000)
    assert source(page, "full_sgd")["kink"] == [1] * 6
    expect(page.locator(".pg-readout")).to_contain_text(tr("readout.subgradient", lang),
                                                        timeout=30_000)
    assert readout_cells(page)[3].startswith("(0.000, ")  # g = (0, 2y): a subgradient
    # Off the kink (x₀ = 0.5) the readout says nothing of the kind.
    page.goto(server_url + f"?lab=optimizers&lang={lang}&surface=custom&expr=abs(x)%2By**2"
              "&optimizers=sgd&x0=0.5&y0=1&steps=2", wait_until="commit")
    page.wait_for_function(model_ready_js("full_sgd", 3), timeout=60_000)
    expect(page.locator(".pg-readout")).to_contain_text(tr("readout.grad", lang),
                                                        timeout=30_000)
    assert tr("readout.subgradient", lang) not in page.locator(".pg-readout").inner_text()
    assert_no_errors(page)


# -- failures inside the play loop and a worker thread ----------------------------------

SITECUSTOMIZE = textwrap.dedent('''
    """Test only: make the MLP lab fail on demand (tests/browser/test_failures_browser)."""
    import importlib.abc
    import importlib.machinery
    import sys


    def _patch_state(module):
        training = module.MlpLabState.training  # a frame's chunk: run on a worker

        def failing(self, n_epochs=1, **options):
            run, record = training(self, n_epochs, **options)
            if int(self.seed) == 4242:
                def run():
                    raise RuntimeError("forced failure in a frame")
            return run, record

        module.MlpLabState.training = failing


    def _patch_lab(module):
        real = module.MlpLab._warm_up

        def warm_up(self):  # the background compilation of a (7,) network fails
            compiler = self.player.compiler
            if tuple(self.state.arch.hidden) != (7,):
                return real(self)

            def fail():
                raise RuntimeError("forced failure in a compile thread")

            compile_for_real = compiler.compile
            compiler.compile = lambda key, _fn: compile_for_real(key, fail)
            try:
                return real(self)
            finally:
                del compiler.compile

        module.MlpLab._warm_up = warm_up


    PATCHES = {"playground.labs.mlp.state": _patch_state, "playground.labs.mlp.lab": _patch_lab}


    class _Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name not in PATCHES:
                return None
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            run = spec.loader.exec_module

            def exec_module(module):
                run(module)
                PATCHES[name](module)

            spec.loader.exec_module = exec_module
            return spec


    sys.meta_path.insert(0, _Finder())
''')


@pytest.fixture(scope="module")
def failing_server():
    """A server whose MLP lab fails on demand; yields (url, the server's log path)."""
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        Path(folder, "sitecustomize.py").write_text(SITECUSTOMIZE)
        log_path = Path(folder, "server.log")
        log = stack.enter_context(open(log_path, "w+"))
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [folder, *filter(None, [os.environ.get("PYTHONPATH")])])}
        try:
            url = stack.enter_context(running_app(env=env, log=log))
        except (RuntimeError, TimeoutError) as e:
            pytest.fail(f"{e}\n--- server output ---\n{log_path.read_text()[-5000:]}")
        yield url, log_path


def test_a_failing_frame_pauses_and_says_why_once(page, failing_server):
    url, log_path = failing_server
    open_mlp(page, url + "?lab=mlp&seed=4242")
    page.locator(".pg-play button").click()
    shows(page, "pg-player-error", "forced failure in a frame")
    wait_until(page, lambda: "Play" in page.locator(".pg-play button").inner_text(), 10,
               "the Play button back")
    page.wait_for_timeout(2000)  # frames would have run: none did
    assert number(page, "pg-epoch") == 0
    assert log_path.read_text().count("RuntimeError: forced failure in a frame") == 1
    page.locator(".pg-step button").click()  # Step fails the same way: paused, said again
    page.wait_for_timeout(1000)
    assert log_path.read_text().count("RuntimeError: forced failure in a frame") == 2
    shows(page, "pg-player-error", "forced failure in a frame", 5_000)


def test_a_failing_worker_thread_shows_its_message(page, failing_server):
    url, log_path = failing_server
    open_mlp(page, url + "?lab=mlp&layers=7")
    shows(page, "pg-player-error", "forced failure in a compile thread")
    assert log_path.read_text().count("RuntimeError: forced failure in a compile thread") == 1
    play_until(page, 3)  # the frames themselves still train
    assert_no_errors(page)
