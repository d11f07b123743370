#!/usr/bin/env bash
# The app's numerics on a GPU: which device JAX computes on, the engine figures there,
# and the numerics and lab tests run there (outputs under $OUT, else /tmp/gpu_check).
#
#     bash benchmarks/gpu_check.sh
#
# Expects python3 with jax and its CUDA plugin, optax, torch, pytest, pytest-xdist and
# hypothesis; the UI packages the lab tests import may come as wheels in .whl (the
# device machine's image has no Panel): they are installed into /tmp/site first.
# Figures and findings: benchmarks/README.md, "The numerics on a GPU".
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu_check}
mkdir -p "$OUT"
if ls .whl/*.whl > /dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site
fi
# One process's JAX must not take 75 % of the GPU's memory: the tests run 8 at once.
# The GPU by name: the server and the tests compute on the CPU unless told (compute_on_the_cpu).
export PYTHONPATH=.:${PYTHONPATH:-} PYTHONUNBUFFERED=1 XLA_PYTHON_CLIENT_PREALLOCATE=false \
    JAX_PLATFORMS=cuda
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -c "import jax, optax, torch; print('jax', jax.__version__, 'optax', optax.__version__,
'torch', torch.__version__, jax.devices())"
# The same scripts as on the CPU (benchmarks/README.md's table), here on the GPU.
timeout 120 python3 benchmarks/bench_race.py --repeat 100 2>&1 | tee "$OUT/race.txt"
timeout 150 python3 benchmarks/bench_training.py 2>&1 | tee "$OUT/training.txt"
timeout 150 python3 benchmarks/bench_biasvariance.py --repeat 10 --network-sets 100 2>&1 \
    | tee "$OUT/biasvariance.txt"
# The same machine's CPU, for comparison.
JAX_PLATFORMS=cpu timeout 60 python3 benchmarks/bench_race.py --repeat 100 2>&1 | tee "$OUT/race_cpu.txt"
JAX_PLATFORMS=cpu timeout 100 python3 benchmarks/bench_training.py 2>&1 | tee "$OUT/training_cpu.txt"
# The numerics against their oracles (PyTorch, closed forms) and the labs' states, on the GPU.
timeout "${TEST_SECONDS:-300}" python3 -m pytest -q -p no:cacheprovider -n 8 --durations=10 \
    tests/numerics tests/labs 2>&1 | tee "$OUT/tests.txt"
