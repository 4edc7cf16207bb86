# Copyright (c) gala-mm contributors. All rights reserved.
"""The speed benchmarks' --quick smoke runs (the full runs live in docs/;
the accuracy comparison's tools: test_run_grid.py, test_compare_methods.py)."""
import os.path as osp

import pytest

from ..conftest import REPO, run_tool

# End-to-end (subprocesses, training, several processes).
pytestmark = pytest.mark.slow

BENCH = osp.join(REPO, 'tools/benchmark')


def test_loss_cost_quick(tmp_path):
    import json
    out = tmp_path / 'cost.json'
    proc = run_tool([osp.join(BENCH, 'loss_cost.py'), '--quick', '--out',
                     str(out)])
    res = json.loads(out.read_text())
    assert {r['C'] for r in res['loss_only']} == {10, 100}
    for row in res['head'] + res['loss_only']:
        assert row['ratio'] == pytest.approx(row['gala_ms'] / row['ce_ms'])
        assert row['ce_ms'] > 0 and row['gala_ms'] > 0
    assert res['memory'][1]['gala'] == 2 * 100 * 8 + 8
    assert 'official-style' in proc.stdout


# throughput.py --quick runs (and is checked) in test_gpu_check.py's dry run
