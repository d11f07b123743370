"""Process settings: float64 at import, everything else by explicit calls.

Each check runs in a fresh interpreter, since the settings are the process's.  XLA's
thread count is observed as the number of the process's threads after a computation
(``/proc/self/task``): XLA:CPU starts one worker per ``PJRT_NPROC``.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

# Threads of the process once JAX has computed: what XLA started, and the rest.
_THREADS_AFTER_A_COMPUTATION = (
    "import os, jax.numpy as jnp\n"
    "(jnp.ones((256, 256)) @ jnp.ones((256, 256))).block_until_ready()\n"
    "print(os.environ.get('PJRT_NPROC'), len(os.listdir('/proc/self/task')))\n")


def _run(code: str, **env: str) -> str:
    """``code``'s output in a fresh interpreter, without the settings this process made."""
    environ = {k: v for k, v in os.environ.items() if k not in ("PJRT_NPROC", "JAX_PLATFORMS")}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=REPO_ROOT, env={**environ, **env}).stdout.strip()


needs_proc = pytest.mark.skipif(not Path("/proc/self/task").is_dir(),
                                reason="counts threads in /proc")


def test_importing_the_package_sets_no_thread_count():
    out = _run("import playground, playground.ui.shell, playground.cli\n"
               "import playground.labs.optimizers.lab, playground.labs.mlp.lab\n"
               + _THREADS_AFTER_A_COMPUTATION)
    assert out.split()[0] == "None"


@needs_proc
def test_configure_process_gives_xla_one_thread_before_the_first_computation():
    """Called after the imports (JAX's included), as ``serve()`` does before any page
    computes: the same threads as a process started with ``PJRT_NPROC=1``, fewer than
    with four."""
    configured = _run("import jax, playground.ui.process as process\n"
                      "process.configure_process()\n" + _THREADS_AFTER_A_COMPUTATION)
    one = _run("import playground\n" + _THREADS_AFTER_A_COMPUTATION, PJRT_NPROC="1")
    four = _run("import playground\n" + _THREADS_AFTER_A_COMPUTATION, PJRT_NPROC="4")
    assert configured == one
    assert configured.split()[0] == "1"
    assert int(four.split()[1]) > int(one.split()[1])


@needs_proc
def test_the_command_line_gives_xla_one_thread():
    """``python -m playground`` as a person runs it: one thread, as in the server."""
    cli = ("import os, runpy, sys\n"
           "sys.argv = ['playground', 'trajectory', '--surface', 'ravine', '--optimizer',"
           " 'sgd', '--steps', '3']\n"
           "try:\n    runpy.run_module('playground', run_name='__main__')\n"
           "except SystemExit:\n    pass\n" + _THREADS_AFTER_A_COMPUTATION)
    configured, one = (_run(cli, **env).splitlines()[-1] for env in ({}, {"PJRT_NPROC": "1"}))
    assert configured == one and configured.split()[0] == "1"  # (more threads: see above)


def test_the_environment_overrides_the_thread_count():
    out = _run("import playground\nplayground.one_xla_thread_per_computation()\n"
               + _THREADS_AFTER_A_COMPUTATION, PJRT_NPROC="3")
    assert out.split()[0] == "3"


_PLATFORMS = "import jax\nprint(jax.config.jax_platforms)\n"


def test_configure_process_computes_on_the_cpu_even_where_jax_sees_a_gpu():
    """JAX imported first, as in the server: the setting still reaches it."""
    out = _run("import jax, playground.ui.process as process\nprocess.configure_process()\n"
               + _PLATFORMS)
    assert out == "cpu"
    cli = ("import runpy, sys\nsys.argv = ['playground', '--help']\n"
           "try:\n    runpy.run_module('playground', run_name='__main__')\n"
           "except SystemExit:\n    pass\n" + _PLATFORMS)
    assert _run(cli).splitlines()[-1] == "cpu"
    assert _run("import playground\n" + _PLATFORMS) == "None"  # importing sets nothing


def test_the_environment_chooses_the_gpu():
    out = _run("import playground.ui.process as process\nprocess.configure_process()\n"
               + _PLATFORMS,
               JAX_PLATFORMS="cuda")
    assert out == "cuda"
