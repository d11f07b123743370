"""A browser playground to *see* how neural networks learn.

``playground.numerics`` holds the pure-JAX numerics (no Panel, Bokeh or
param); ``playground.ui`` the shared UI layer (the page shell, the link codec,
palettes); ``playground.labs`` one package per lab.  See ARCHITECTURE.md.

Importing the package makes one process setting, and only one: JAX computes in
float64 (below).  Settings for speed are made by explicit calls:
:func:`one_xla_thread_per_computation` and :func:`compute_on_the_cpu` here, and
``playground.ui.process.configure_process`` for the server (``serve()`` calls it).
"""

import os
import sys

# The one setting made at import, because the numerics are wrong without it: teaching
# wants exact maths (trajectories are compared with PyTorch in float64, Rosenbrock's
# narrow valley needs the precision; models that want speed ask for float32).  Through
# the environment, which JAX reads when it is first imported, so that importing the
# package does not import JAX (the page shell is sent before the numerics are loaded).
os.environ["JAX_ENABLE_X64"] = "1"
if "jax" in sys.modules:  # JAX came first: too late for the environment
    sys.modules["jax"].config.update("jax_enable_x64", True)

__all__ = ["__version__", "compute_on_the_cpu", "one_xla_thread_per_computation"]
__version__ = "0.1.0"


def one_xla_thread_per_computation():
    """Run each XLA computation on the CPU on one thread (``PJRT_NPROC=1``), unless the
    environment already says how many.

    A speed setting, not a correctness one: these models are tiny, and XLA's hand-over
    of a fusion to a second thread costs more than it saves, while the other core serves
    the browser (figures in benchmarks/README.md).  JAX reads it when it makes its CPU
    client, at the process's first computation: call this before any (the server's
    ``configure_process``, the command line and the benchmarks do); later it has no effect.
    """
    os.environ.setdefault("PJRT_NPROC", "1")


def compute_on_the_cpu():
    """Compute on the CPU even where JAX sees a GPU (``JAX_PLATFORMS=cpu``), unless the
    environment already names the platforms (``JAX_PLATFORMS=cuda`` computes on the GPU).

    A speed setting, not a correctness one: the playground's programs are small and
    sequential (a race's 1,000 steps, an epoch's 25 updates of a 2-8-8-2 network), so a GPU
    spends them launching kernels.  On an H200 machine a race of six optimizers took 34 ms
    on the GPU and 3.5 ms on its CPU; one network trained 690 epochs/s there and 13,300 on
    the CPU (benchmarks/README.md, "The numerics on a GPU").  Call it before the first
    computation, as :func:`one_xla_thread_per_computation`.
    """
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    if "jax" in sys.modules:  # JAX read the environment when it was imported
        sys.modules["jax"].config.update("jax_platforms", os.environ["JAX_PLATFORMS"])
