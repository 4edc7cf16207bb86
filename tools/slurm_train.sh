#!/usr/bin/env bash
# Usage: GPUS=8 tools/slurm_train.sh PARTITION JOB_NAME CONFIG [WORK_DIR] [args]
# (TOOL=test: tools/slurm_test.sh, the 4th argument is the checkpoint)
set -x
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
TOOL=${TOOL:-train}
if [ "$TOOL" = train ]; then FOURTH="--work-dir=$4"; else FOURTH=$4; fi
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
PY_ARGS=${@:5}

PYTHONPATH="$(dirname $0)/..":$PYTHONPATH \
srun -p ${PARTITION} \
    --job-name=${JOB_NAME} \
    --gres=gpu:${GPUS_PER_NODE} \
    --ntasks=${GPUS} \
    --ntasks-per-node=${GPUS_PER_NODE} \
    --cpus-per-task=${CPUS_PER_TASK} \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    python -u tools/${TOOL}.py ${CONFIG} ${FOURTH} --launcher="slurm" ${PY_ARGS}
