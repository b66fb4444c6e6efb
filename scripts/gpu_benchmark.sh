#!/usr/bin/env bash
# The GPU rows of BENCHMARKS.md, on a machine that has JAX and PyTorch but no Keras and no
# internet (as the project's lent H200 machines: Python 3.12, x86_64).
#
#   scripts/gpu_benchmark.sh --download   # here, where pip works: the wheels into .whl/
#   scripts/gpu_benchmark.sh OUT_DIR      # there, from the repository root, .whl/ beside it
#
# The second form installs the wheels into a private folder (never into the machine's
# Python), then runs scripts/benchmark.py for JAX and PyTorch at batch 64 and 256, with
# 1 and 8 steps per execution, and PyTorch's fast path off and on (--keras-layer-calls);
# the table goes to OUT_DIR/gpu-benchmark.md and the whole log to OUT_DIR/gpu-benchmark.log.
set -euo pipefail

WHEELS=.whl
KERAS_WHEELS=(keras==3.15.1 namex==0.1.0 optree==0.20.0)

if [[ "${1:-}" == "--download" ]]; then
    platforms=()
    for tag in manylinux_2_28 manylinux_2_27 manylinux_2_17 manylinux2014 manylinux1; do
        platforms+=(--platform "${tag}_x86_64")
    done
    python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
        --implementation cp "${platforms[@]}" -d "$WHEELS" "${KERAS_WHEELS[@]}"
    exit 0
fi

if [[ $# -ne 1 || "$1" == -* ]]; then
    echo "usage: scripts/gpu_benchmark.sh --download | OUT_DIR" >&2
    exit 2
fi
out=$1
if ! compgen -G "$WHEELS/keras-*.whl" > /dev/null; then
    echo "Error: no Keras wheel in $WHEELS/; run scripts/gpu_benchmark.sh --download first." >&2
    exit 1
fi
mkdir -p "$out"
site=$(mktemp -d)
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target "$site" "$WHEELS"/*.whl
export PYTHONPATH="$site:$PWD" PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader \
    > "$out/gpu-benchmark.log" 2>&1 || true
python3 scripts/benchmark.py --backends jax,torch --batch-size 64,256 --steps 16 --repeats 3 \
    --steps-per-execution 1,8 --keras-layer-calls --no-sampling \
    --markdown "$out/gpu-benchmark.md" 2>&1 | tee -a "$out/gpu-benchmark.log"
