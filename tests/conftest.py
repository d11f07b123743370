"""Shared test oracles: hand-derived closed-form gradients of the preset surfaces (NumPy);
the test processes' JAX settings."""

import os
import shutil
import tempfile

import numpy as np
import pytest

import playground

# Tests compute as the server does (a speed setting; before the first computation).
playground.one_xla_thread_per_computation()
playground.compute_on_the_cpu()  # JAX_PLATFORMS=cuda runs them on a GPU


def pytest_configure(config):
    """Every test process (each xdist worker, the browser tests' servers) shares compiled
    programs through one JAX disk cache, as a server's pages do: a network compiled by one
    worker is loaded, not compiled again, by the other (``PLAYGROUND_JAX_CACHE``, else a
    folder for this run, removed at its end)."""
    if "PLAYGROUND_JAX_CACHE" not in os.environ:  # the first process: xdist's controller
        folder = tempfile.mkdtemp(prefix="playground-jax-tests-")
        os.environ["PLAYGROUND_JAX_CACHE"] = folder  # workers and servers inherit it
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
    if getattr(config.option, "dist", "no") != "no" and not hasattr(config, "workerinput"):
        return  # xdist's controller runs no test: no JAX
    import jax

    jax.config.update("jax_compilation_cache_dir", os.environ["PLAYGROUND_JAX_CACHE"])
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)


def _himmelblau(x, y):
    a, b = x**2 + y - 11.0, x + y**2 - 7.0
    return 4.0 * x * a + 2.0 * b, 2.0 * a + 4.0 * y * b


def _beale(x, y):
    a, b, c = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
    return (2 * a * (y - 1) + 2 * b * (y**2 - 1) + 2 * c * (y**3 - 1),
            2 * a * x + 4 * b * x * y + 6 * c * x * y**2)


def _plateau(x, y):
    e = np.exp(-(x**2 + y**2) / 2.0)
    return x * e, y * e


_GRADIENTS = {
    "ravine": lambda x, y: (0.1 * x, 4.0 * y),
    "rosenbrock": lambda x, y: (-2.0 * (1.0 - x) - 400.0 * x * (y - x**2), 200.0 * (y - x**2)),
    "himmelblau": _himmelblau,
    "beale": _beale,
    "rastrigin": lambda x, y: (2 * x + 20 * np.pi * np.sin(2 * np.pi * x),
                               2 * y + 20 * np.pi * np.sin(2 * np.pi * y)),
    "saddle": lambda x, y: (4.0 * x * (x**2 - 1.0), 2.0 * y),
    "plateau": _plateau,
}


def closed_form_gradient(name, x, y):
    """∇L of preset ``name`` at (x, y) (broadcasting), stacked on the last axis."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    gx, gy = _GRADIENTS[name](x, y)
    return np.stack(np.broadcast_arrays(gx, gy), axis=-1)


@pytest.fixture(scope="session")
def gradient_of():
    """``gradient_of(name, x, y)``: the closed-form gradient of a preset surface."""
    return closed_form_gradient


@pytest.fixture
def jax_compilations():
    """``with jax_compilations() as made:``: ``made`` lists what JAX compiles in the block
    (its "Compiling …" log lines, ``jax.log_compiles``)."""
    import contextlib
    import logging

    import jax

    @contextlib.contextmanager
    def record():
        made = []

        class Compilations(logging.Handler):
            def emit(self, record):
                if record.getMessage().startswith("Compiling "):
                    made.append(record.getMessage()[:80])

        handler, jax_log = Compilations(), logging.getLogger("jax")
        jax_log.addHandler(handler)
        try:
            with jax.log_compiles(True):
                yield made
        finally:
            jax_log.removeHandler(handler)

    return record
