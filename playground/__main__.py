"""``python -m playground …``: see :mod:`playground.cli`."""

import sys

from . import compute_on_the_cpu, one_xla_thread_per_computation

# As the server; before importing the CLI, which may compute.
one_xla_thread_per_computation()
compute_on_the_cpu()

from .cli import main  # noqa: E402

sys.exit(main())
