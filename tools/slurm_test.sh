#!/usr/bin/env bash
# Usage: GPUS=8 tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [args]
# (tools/slurm_train.sh's srun call, running tools/test.py)
TOOL=test exec bash "$(dirname "$0")/slurm_train.sh" "$@"
