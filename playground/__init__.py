"""A browser playground to *see* how neural networks learn.

``playground.numerics`` holds the pure-JAX numerics (no Panel, Bokeh or
param); ``playground.ui`` the shared UI layer (the page shell, the link codec,
palettes); ``playground.labs`` one package per lab.  See ARCHITECTURE.md.
"""

import os
import sys

# Teaching wants exact maths: trajectories are compared with PyTorch in float64
# and Rosenbrock's narrow valley needs the precision.  Models that want speed
# ask for float32 explicitly.  Set through the environment, which JAX reads when it
# is first imported, so that importing the package does not import JAX (the page
# shell is sent before the numerics are loaded).
os.environ["JAX_ENABLE_X64"] = "1"
if "jax" in sys.modules:  # JAX came first: too late for the environment
    sys.modules["jax"].config.update("jax_enable_x64", True)

# One thread per XLA computation on the CPU (unless the environment says otherwise;
# read when JAX makes its CPU client, at the first computation).  These models are
# tiny: XLA cuts every fusion above ~20 KB in two for a second thread, and the
# hand-over costs more than it saves (32 networks: 0.25 → 0.18 s; a race of six
# optimizers: 2.0 → 1.6 ms), while the other core serves the browser or another
# session.
os.environ.setdefault("PJRT_NPROC", "1")

__all__ = ["__version__"]
__version__ = "0.1.0"
