"""Size and time of ``python -m playground export`` (the static interactive page).

    PYTHONPATH=. python benchmarks/bench_export.py [--runs 2]

For each link below: the command as a user runs it (a fresh process: imports, the
sweep's or the training's compilation and run, the file written), ``--runs`` times.
Prints one line per link: the file's size in MB and the command's wall-clock seconds
(median, min … max), with the seconds the command itself reports (from the link read
to the file written, imports excluded).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LINKS = [  # (link, extra arguments): the defaults first, then every preset surface
    ("lab=optimizers", []),
    ("lab=mlp", []),
    *((f"lab=optimizers&surface={s}", []) for s in
      ("rosenbrock", "himmelblau", "beale", "rastrigin", "saddle", "plateau")),
    ("lab=optimizers&surface=rosenbrock", ["--sweep", "momentum"]),
    ("lab=mlp&dataset=spiral&layers=8,8", ["--epochs", "1000"]),
    ("lab=biasvariance", []),
    *((f"lab=biasvariance&family={f}", []) for f in ("knn", "features", "network")),
    ("lab=biasvariance&n=200&datasets=500", []),  # past the fits' budget
]
#: ``--only TEXT``: the links that contain TEXT (e.g. ``biasvariance``).


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--only", default="", help="only the links containing this text")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "page.html"
        for link, extra in (entry for entry in LINKS if args.only in entry[0]):
            walls, inner, size = [], [], 0
            for _ in range(args.runs):
                started = time.perf_counter()
                done = subprocess.run([sys.executable, "-m", "playground", "export", link,
                                       str(out), *extra], cwd=ROOT, capture_output=True,
                                      text=True, check=True)
                walls.append(time.perf_counter() - started)
                printed = json.loads(done.stdout)
                inner.append(printed["seconds"])
                size = printed["bytes"]
            print(f"{link} {' '.join(extra)}: {size / 1e6:.2f} MB, "
                  f"wall {statistics.median(walls):.1f} s ({min(walls):.1f} … {max(walls):.1f}),"
                  f" in-command {statistics.median(inner):.1f} s", flush=True)


if __name__ == "__main__":
    main()
