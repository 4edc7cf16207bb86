#!/usr/bin/env bash
# Install gala-mm and its dependencies into the current Python (idempotent).
# PYTHON=python3.11 bash tools/install.sh   to pick another interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

if ! "$PY" -c "import torch, torchvision" >/dev/null 2>&1; then
    echo "[install] torch + torchvision (verified: 2.14.1 / 0.29.1)"
    "$PY" -m pip install 'torch==2.14.1' 'torchvision==0.29.1'
fi
if ! "$PY" - >/dev/null 2>&1 <<'PYEOF'
import importlib.metadata as md, os, sys
import gala_mm, mmpretrain, mmengine, mmcv, scipy, pytest, xdist, flake8, pkg_resources  # noqa
import tensorboard, onnx, onnxruntime  # noqa  (tests extra)
md.version('gala-mm')
here = os.path.realpath('gala_mm')
sys.exit(0 if os.path.realpath(os.path.dirname(gala_mm.__file__)) == here
         else 1)
PYEOF
then
    echo "[install] gala-mm (editable) + mmpretrain 1.2.0, mmengine, mmcv-lite"
    "$PY" -m pip install -e ".[tests]"
fi
echo "[install] ok: $("$PY" -c 'import gala_mm, mmpretrain, mmengine, torch; print("gala-mm", gala_mm.__version__, "mmpretrain", mmpretrain.__version__, "mmengine", mmengine.__version__, "torch", torch.__version__)' 2>/dev/null)"
