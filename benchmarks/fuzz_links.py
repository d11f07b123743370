"""A larger run of the link fuzzing in ``tests/ui/test_link_fuzz.py``.

    python benchmarks/fuzz_links.py [EXAMPLES]      # default 5000 links per lab

Runs that test file under pytest with ``PLAYGROUND_FUZZ_EXAMPLES`` set, randomised
(not the suite's fixed cases), and prints pytest's summary and the time taken.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    examples = sys.argv[1] if len(sys.argv) > 1 else "5000"
    env = {**os.environ, "PLAYGROUND_FUZZ_EXAMPLES": examples, "PLAYGROUND_FUZZ_RANDOM": "1"}
    start = time.perf_counter()
    code = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "tests/ui/test_link_fuzz.py"],
                           cwd=ROOT, env=env)
    print(f"{examples} links per lab in {time.perf_counter() - start:.0f} s")
    sys.exit(code)
