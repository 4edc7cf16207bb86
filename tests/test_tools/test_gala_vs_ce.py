# Copyright (c) gala-mm contributors. All rights reserved.
"""End to end: GALA + PRS beats cross-entropy on balanced accuracy.

Synthetic long-tailed data (IF 20, 200 -> 10 images per class), the same
tiny ResNet-20 recipe, seed and epochs for both; CE is biased towards head
classes, GALA + PRS must recover tail accuracy.
"""
import json
import os.path as osp

import pytest

from ..conftest import REPO, run_tool, tiny_config, write_fashion_mnist

# End-to-end (subprocesses, training, several processes).
pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def lt_data(tmp_path_factory):
    return write_fashion_mnist(str(tmp_path_factory.mktemp('lt')), 200, 40,
                               seed=5)


def run(head, data_root, work):
    cfg = work / f'{head}.py'
    cfg.write_text(tiny_config(data_root, head=head, epochs=6,
                               imbalance_factor=20, max_per_class=200))
    wd = work / head
    run_tool([osp.join(REPO, 'tools/train.py'), str(cfg), '--work-dir',
              str(wd)])
    out = work / f'{head}.json'
    run_tool([osp.join(REPO, 'tools/test.py'), str(cfg),
              str(wd / 'epoch_6.pth'), '--out', str(out), '--out-item',
              'metrics', '--work-dir', str(work / f'{head}_test')])
    return json.loads(out.read_text())


def test_gala_prs_beats_ce_on_balanced_accuracy(lt_data, tmp_path):
    ce = run('ce', lt_data, tmp_path)
    gala = run('gala', lt_data, tmp_path)
    print('CE', ce, '\nGALA', gala)
    assert gala['lt/prs1_balanced'] > ce['lt/balanced'] + 3.0
    assert gala['lt/prs1_few'] > ce['lt/few']
