#!/usr/bin/env bash
# The Fashion-MNIST-LT comparison at the paper's 200 epochs on a machine
# with one GPU (docs/benchmarks.md, "On a GPU"), in one call of under 8 min:
#   bash tools/benchmark/device_setup.sh --fetch  # here, once: wheels, data
#   bash tools/benchmark/gpu_accuracy.sh          # there; carry .whl and
#                                                 # data/fashion-mnist-gz
#   bash tools/benchmark/gpu_accuracy.sh --dry-run  # the same steps, tiny,
#                                                   # on the CPU
# Seed 0 of every method config of configs/benchmarks/fmnist_lt/ with
# run_grid.py (JOBS runs sharing the GPU, --amp), stopped after BUDGET
# seconds; then compare_methods.py on the finished runs. OUT gets
# runs.tar.gz (each run's grid.json, preds.npz, logs, checkpoint) and
# the table (report.md, report.json).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python3}
OUT=${OUT:-work_dirs/gpu_accuracy}
BUDGET=${BUDGET:-390}
JOBS=${JOBS:-6}
EPOCHS=${EPOCHS:-200}
WORK=${WORK:-/tmp/gpu_accuracy}
DATA_ROOT=${DATA_ROOT:-data/fashion_mnist}
DRY=0; AMP=--amp; SIZE=
if [ "${1:-}" = "--dry-run" ]; then
    DRY=1; JOBS=${DRY_JOBS:-2}; EPOCHS=1
    # fp32 on the CPU: bf16 autocast is ~40x slower than fp32 on a CPU
    # without native bf16 (no AMX / AVX512-BF16, e.g. some AMD EPYC)
    AMP=
    for l in train val test; do  # 400 training images per class at most
        SIZE="$SIZE ${l}_dataloader.dataset.max_per_class=400"
        SIZE="$SIZE ${l}_dataloader.dataset.val_per_class=100"
    done
fi
mkdir -p "$OUT" "$WORK"
log() { echo "[gpu_accuracy $(date +%H:%M:%S)] $*"; }

. tools/benchmark/device_setup.sh
device_describe "$OUT/machine.txt" "$DRY"

log "1/3 prepare the data"
device_prepare_data "$DATA_ROOT"

log "2/3 run_grid: every method, seed 0, $EPOCHS epochs, $JOBS runs at once, for $BUDGET s"
# Each run: one training process + its 2 data workers; cores / JOBS
# threads each, at most 2.
threads=$(( $(nproc) / JOBS )); [ $threads -ge 1 ] || threads=1
[ $threads -le 2 ] || threads=2
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$threads}
OPTS="train_cfg.max_epochs=$EPOCHS train_cfg.val_interval=$((EPOCHS + 1))
param_scheduler.1.T_max=$((EPOCHS > 2 ? EPOCHS - 2 : 1))
param_scheduler.1.end=$((EPOCHS > 2 ? EPOCHS : 2)) $SIZE"
for l in train val test; do OPTS="$OPTS ${l}_dataloader.dataset.data_root=$DATA_ROOT"; done
B=configs/benchmarks/fmnist_lt
DRW=$(( EPOCHS * 8 / 10 > 0 ? EPOCHS * 8 / 10 : 1 ))
export PY WORK AMP OPTS B DRW JOBS
rc=0
# LDAM-DRW re-weights from 80 % of the epochs: its own grid call, beside
# the others'
timeout --kill-after=15 "$BUDGET" bash -c '
    grid() { "$PY" tools/benchmark/run_grid.py "$@" --work-root "$WORK" $AMP; }
    grid $B/ce.py $B/bs.py $B/gcl.py $B/gala.py --jobs $((JOBS - 1)) \
        --cfg-options $OPTS & first=$!
    grid $B/ldam_drw.py --cfg-options $OPTS custom_hooks.3.start_epoch=$DRW &
    second=$!
    code=0; wait $first || code=$?; wait $second || code=$?; exit $code
' > "$OUT/grid.log" 2>&1 || rc=$?
if [ $rc = 124 ] || [ $rc = 137 ]; then
    log "stopped at the budget; finished runs are kept"
elif [ $rc != 0 ]; then
    tail -n 40 "$OUT/grid.log"
    log "run_grid failed (exit $rc)"
fi

log "3/3 the table of the finished runs"
"$PY" tools/analysis/compare_methods.py "$WORK" --out-md "$OUT/report.md" \
    --out-json "$OUT/report.json" | tee "$OUT/report.txt" || true
tar czf "$OUT/runs.tar.gz" -C "$WORK" --exclude='*.part.pkl' .
finished=$(ls "$WORK"/*/preds.npz 2>/dev/null | wc -l)
log "done: $finished runs finished; $OUT"
# stopping at the budget is the plan, not a failure
[ $rc = 124 ] || [ $rc = 137 ] || exit $rc
