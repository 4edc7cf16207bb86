#!/usr/bin/env bash
# README command 1: the offline demo. Installs gala-mm, prepares
# Fashion-MNIST-LT (CIFAR-10-LT protocol, IF100), trains ResNet-32 with GALA
# for a few epochs on the CPU, tests it with PRS and prints the per-shot
# table. Idempotent: a finished run is reused, an interrupted one resumed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
CONFIG=configs/gala/resnet32_fmnist_lt_demo.py
WORK=${WORK_DIR:-work_dirs/resnet32_fmnist_lt_demo}
SRC=${FMNIST_DIR:-/usr/share/datasets/fashion-mnist}

bash tools/install.sh

if [ ! -f "$SRC/train-images-idx3-ubyte.gz" ] && [ "$(id -u)" = 0 ] \
        && command -v apt-get >/dev/null; then
    echo "[demo] installing Fashion-MNIST from Debian (dataset-fashion-mnist)"
    apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist
fi
"$PY" tools/dataset_converters/prepare_fashion_mnist.py --src "$SRC" \
    --out data/fashion_mnist

# bf16 autocast (--amp) where the CPU computes bf16 natively (AMX /
# AVX512-BF16: 2x faster) or on a GPU; float32 elsewhere (emulated bf16 is
# ~40x slower)
AMP=$("$PY" -c 'import torch; from gala_mm.compat.cpu import cpu_has_native_bf16 as bf16; print("--amp" if torch.cuda.is_available() or bf16() else "")' 2>/dev/null)
echo "[demo] training (log: $WORK; ${AMP:-float32})"
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK" --resume $AMP
CKPT=$(ls -t "$WORK"/epoch_*.pth | head -n 1)
echo "[demo] testing $CKPT"
"$PY" tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK/test" \
    --out "$WORK/test_metrics.json" --out-item metrics
