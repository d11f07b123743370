"""``python -m playground …``: see :mod:`playground.cli`."""

import sys

from . import one_xla_thread_per_computation
from .cli import main

one_xla_thread_per_computation()  # as the server: before the first computation
sys.exit(main())
