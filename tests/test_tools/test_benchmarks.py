# Copyright (c) gala-mm contributors. All rights reserved.
"""The speed benchmarks' --quick smoke runs (the full runs live in docs/;
the accuracy comparison's tools: test_run_grid.py, test_compare_methods.py)."""
import os.path as osp

import pytest

from ..conftest import REPO, load_tool, run_tool

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
        assert row['ratio'] > 0 and row['ce_ms'] > 0 and row['gala_ms'] > 0
    assert res['memory'][1]['gala'] == 2 * 100 * 8 + 8
    assert 'official-style' in proc.stdout


def test_loss_cost_ratio_is_the_median_of_paired_ratios():
    """A burst of load during one repeat skews a ratio of medians, not the
    median of the per-repeat (back-to-back) ratios."""
    tool = load_tool(osp.join(BENCH, 'loss_cost.py'))
    times = dict(ce=[100., 300., 100., 300., 100.],
                 gala=[110., 330., 330., 330., 110.])  # repeat 3: a burst
    row = tool.ratio_row(times, C=10)
    assert row['ratio'] == pytest.approx(1.1)
    assert (row['ce_ms'], row['gala_ms'], row['C']) == (100., 330., 10)
    order = []
    fns = {k: (lambda k=k: order.append(k)) for k in ('ce', 'gala')}
    runs = tool.timings_ms(fns, 2)
    assert order == ['ce', 'ce', 'gala', 'gala', 'gala', 'gala', 'ce', 'ce']
    assert [len(v) for v in runs.values()] == [2, 2]


# throughput.py --quick runs (and is checked) in test_gpu_check.py's dry run
