"""``python -m playground …``: see :mod:`playground.cli`."""

import sys

from . import one_xla_thread_per_computation

one_xla_thread_per_computation()  # as the server; before importing the CLI, which may compute

from .cli import main  # noqa: E402

sys.exit(main())
