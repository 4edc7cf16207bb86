# Copyright (c) gala-mm contributors. All rights reserved.
"""The benchmarks' --quick smoke runs (the full runs live in docs/)."""
import os.path as osp
import re

import pytest
from PIL import Image

from ..conftest import REPO, run_tool, write_cifar10

BENCH = osp.join(REPO, 'tools/benchmark')


@pytest.fixture(scope='module')
def small_lt_root(tmp_path_factory):
    # 500 train images per class: 400 for the LT profile + 100 held out
    return write_cifar10(str(tmp_path_factory.mktemp('bench')), 500, 30)


def test_accuracy_quick(small_lt_root, tmp_path):
    run_tool([osp.join(BENCH, 'longtail_accuracy.py'), '--quick',
              '--data-root', small_lt_root, '--work-dir', str(tmp_path)],
             timeout=400)
    report = (tmp_path / 'report.md').read_text()
    for method in ('| CE |', '| LA post-hoc |', '| Balanced Softmax |',
                   '| LDAM-DRW |', '| GALA |', '| GALA + PRS (τ'):
        assert method in report
    for png in ('per_class_accuracy.png', 'gala_stats.png'):
        assert Image.open(tmp_path / png).size[0] > 300


def test_loss_cost_quick(tmp_path):
    import json
    out = tmp_path / 'cost.json'
    proc = run_tool([osp.join(BENCH, 'loss_cost.py'), '--quick', '--out',
                     str(out)])
    res = json.loads(out.read_text())
    assert {r['C'] for r in res['loss_only']} == {10, 100}
    assert all(r['ratio'] > 0 for r in res['head'])
    assert res['memory'][1]['gala'] == 2 * 100 * 8 + 8
    assert 'official-style' in proc.stdout


def test_throughput_quick(small_lt_root):
    proc = run_tool([osp.join(BENCH, 'throughput.py'), '--quick',
                     '--data-root', small_lt_root], timeout=400)
    assert 'fp32: runner' in proc.stdout and 'bf16: runner' in proc.stdout
    shares = re.findall(r'runner (\d+\.\d)%, plain loop (\d+\.\d)%',
                        proc.stdout)
    assert len(shares) == 2
    assert all(0 < float(s) < 100 for pair in shares for s in pair)
