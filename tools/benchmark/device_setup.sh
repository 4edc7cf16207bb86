#!/usr/bin/env bash
# The GPU machine is bare (torch, no mmpretrain) and offline: what it needs
# travels with the working tree, prepared here first.
#
#   bash tools/benchmark/device_setup.sh --fetch
#       here, once: the pure-Python wheels of mmpretrain 1.2.0 / mmengine
#       0.10.7 / mmcv-lite 2.2.0 and their small needs into .whl/ (Python
#       3.12, the GPU image's), the four Fashion-MNIST idx .gz files into
#       data/fashion-mnist-gz/ (both git-ignored: carry them)
#   . tools/benchmark/device_setup.sh
#       there, at the start of a GPU script: installs .whl/ into /tmp/site
#       when mmpretrain is missing, and puts the repo on PYTHONPATH
set -eo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PY=${PYTHON:-python3}
# What the GPU image lacks (its package list: the device library's KINDS.md);
# the versions verified here. setuptools < 81 keeps pkg_resources, which
# mmengine 0.10.7 resolves `mmpretrain::` config bases with.
DEVICE_WHEELS="mmpretrain==1.2.0 mmengine==0.10.7 mmcv-lite==2.2.0
addict==2.4.0 termcolor==3.3.0 yapf==0.43.0 platformdirs==4.14.8
mat4py==0.6.0 modelindex==0.0.2 model-index==0.1.11 ordered-set==4.1.0
importlib-metadata==10.2.0 lazy-importer==0.1.0 setuptools==80.10.2"

device_fetch() {
    mkdir -p "$ROOT/.whl" "$ROOT/data/fashion-mnist-gz"
    for spec in $DEVICE_WHEELS; do
        "$PY" -m pip download -q --no-deps --only-binary=:all: \
            --python-version 3.12 --implementation cp \
            --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 \
            -d "$ROOT/.whl" "$spec"
    done
    local src=${FMNIST_DIR:-/usr/share/datasets/fashion-mnist}
    cp "$src"/*-ubyte.gz "$ROOT/data/fashion-mnist-gz/"
    echo "[device_setup] carry: .whl ($(du -sh "$ROOT/.whl" | cut -f1))," \
         "data/fashion-mnist-gz ($(du -sh "$ROOT/data/fashion-mnist-gz" \
         | cut -f1))"
}

device_install() {
    if ! "$PY" -c 'import mmpretrain' >/dev/null 2>&1; then
        ls "$ROOT"/.whl/*.whl >/dev/null 2>&1 || {
            echo "[device_setup] no mmpretrain and no .whl/: run" \
                 "'bash tools/benchmark/device_setup.sh --fetch' here" \
                 "and carry .whl" >&2
            return 1
        }
        "$PY" -m pip install -q --no-index --no-deps --no-compile \
            --no-cache-dir --upgrade --target /tmp/site "$ROOT"/.whl/*.whl
        export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
    fi
    export PYTHONPATH=$ROOT${PYTHONPATH:+:$PYTHONPATH}
    "$PY" -c 'import gala_mm, mmpretrain, torch; print("[device_setup]",
        "gala-mm", gala_mm.__version__, "mmpretrain", mmpretrain.__version__,
        "torch", torch.__version__)'
}

# The machine in one line, into the file $1; no GPU is an error unless $2
# is 1 (a --dry-run on the CPU).
device_describe() {
    "$PY" - "${2:-0}" <<'PYEOF' | tee "$1"
import os, platform, sys, torch
gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no GPU'
print(f'{platform.machine()}, {os.cpu_count()} cores, '
      f'torch {torch.__version__}, {gpu}')
if sys.argv[1] != '1' and not torch.cuda.is_available():
    raise SystemExit('no CUDA GPU: run with --dry-run on a CPU machine')
PYEOF
}

# The four Fashion-MNIST idx .gz files (FMNIST_DIR: the carried
# data/fashion-mnist-gz, else Debian's) decompressed into $1.
device_prepare_data() {
    local src=${FMNIST_DIR:-data/fashion-mnist-gz}
    [ -f "$src/train-images-idx3-ubyte.gz" ] \
        || src=/usr/share/datasets/fashion-mnist
    echo "Fashion-MNIST from $src"
    "$PY" "$ROOT/tools/dataset_converters/prepare_fashion_mnist.py" \
        --src "$src" --out "$1"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    case "${1:-}" in
        --fetch) device_fetch ;;
        *) echo "usage: bash $0 --fetch (here); . $0 (there)" >&2; exit 2 ;;
    esac
else
    device_install
fi
