#!/usr/bin/env bash
# The GPU numbers of docs/benchmarks.md, on a machine with one GPU and no
# internet, in under 8 minutes:
#   bash tools/benchmark/device_setup.sh --fetch  # here, once (wheels, data)
#   bash tools/benchmark/gpu_check.sh             # on the GPU machine; carry
#                                                 # .whl, data/fashion-mnist-gz
#   bash tools/benchmark/gpu_check.sh --dry-run   # the same steps, tiny, CPU
# 1. prepares the carried Fashion-MNIST files (FMNIST_DIR: the four idx .gz
#    files), 2. trains + tests the demo with --amp (fp16 on the GPU; the
#    dry run in fp32),
# 3. Runner images/s vs the plain loop, 4. GALA/CE step ratio at C = 100
#    and C = 8142, the official-style per-sample loop's cost and the host
#    synchronisations per step (GALA vs CE). Everything lands in OUT.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python3}
. tools/benchmark/device_setup.sh  # the carried wheels on a bare machine
OUT=${OUT:-work_dirs/gpu_check}
DATA_ROOT=${DATA_ROOT:-data/fashion_mnist}
CONFIG=configs/gala/resnet32_fmnist_lt_demo.py
DRY=0
[ "${1:-}" = "--dry-run" ] && DRY=1
mkdir -p "$OUT"
log() { echo "[gpu_check $(date +%H:%M:%S)] $*"; }

if [ $DRY = 1 ]; then
    DEVICE=cpu; QUICK=--quick; CLASSES="100"
    SMALL="train_dataloader.dataset.max_per_class=400 train_dataloader.dataset.val_per_class=100 val_dataloader.dataset.max_per_class=400 val_dataloader.dataset.val_per_class=100 val_dataloader.dataset.indices=500"
    TRAIN_OPTS="train_cfg.max_epochs=1 train_cfg.val_interval=2 default_hooks.checkpoint.interval=1 $SMALL"
    TEST_OPTS="$SMALL"
    THROUGHPUT="--quick"
    AMP=  # fp32: bf16 is emulated (~40x slower) on CPUs without AMX
else
    DEVICE=cuda; QUICK=; CLASSES="100 8142"
    TRAIN_OPTS=""; TEST_OPTS=""
    THROUGHPUT="--iters 60 --repeats 2"
    AMP=--amp
fi
device_describe "$OUT/machine.txt" "$DRY"

log "1/4 prepare the data"
device_prepare_data "$DATA_ROOT"

log "2/4 train + test the demo ${AMP:-in fp32}"
start=$(date +%s)
timeout 240 "$PY" tools/train.py $CONFIG --work-dir "$OUT/demo" $AMP \
    --cfg-options data_root="$DATA_ROOT" \
    train_dataloader.dataset.data_root="$DATA_ROOT" \
    val_dataloader.dataset.data_root="$DATA_ROOT" \
    test_dataloader.dataset.data_root="$DATA_ROOT" $TRAIN_OPTS \
    > "$OUT/demo_train.log" 2>&1
CKPT=$(ls -t "$OUT"/demo/epoch_*.pth | head -n 1)
timeout 120 "$PY" tools/test.py $CONFIG "$CKPT" --work-dir "$OUT/demo/test" \
    --out "$OUT/demo_metrics.json" --out-item metrics \
    --cfg-options test_dataloader.dataset.data_root="$DATA_ROOT" $TEST_OPTS \
    > "$OUT/demo_test.log" 2>&1
echo "demo: $(( $(date +%s) - start )) s for training + test" \
    | tee "$OUT/demo_time.txt"
grep -A 12 'Per-shot accuracy' "$OUT/demo_test.log"

log "3/4 Runner vs plain loop"
timeout 180 "$PY" tools/benchmark/throughput.py --device $DEVICE \
    --data-root "$DATA_ROOT" $THROUGHPUT | tee "$OUT/throughput.txt"

log "4/4 GALA / CE step cost, official-style reference, host syncs"
timeout 210 "$PY" tools/benchmark/loss_cost.py --device $DEVICE $QUICK \
    --classes $CLASSES --out "$OUT/loss_cost.json" | tee "$OUT/loss_cost.txt"

log "done: $OUT"
