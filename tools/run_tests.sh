#!/usr/bin/env bash
# README command 2: install what the tests need, then run the test suite,
# one pytest-xdist worker per core (PYTEST_WORKERS=1 for a single process).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
bash tools/install.sh
exec "$PY" -m pytest tests -q -n "${PYTEST_WORKERS:-auto}" "$@"
