# Copyright (c) gala-mm contributors. All rights reserved.
import os.path as osp

import pytest
from PIL import Image

from ..conftest import REPO, run_tool, tiny_config

# End-to-end (subprocesses, training, several processes).
pytestmark = pytest.mark.slow

ANALYSIS = osp.join(REPO, 'tools/analysis')


def check_png(path):
    w, h = Image.open(path).size
    assert w > 300 and h > 200


def test_plot_per_class_from_test_dump(trained_gala, tmp_path):
    cfg, ckpt, _ = trained_gala
    preds = tmp_path / 'preds.pkl'
    run_tool([osp.join(REPO, 'tools/test.py'), cfg, ckpt, '--out',
              str(preds), '--work-dir', str(tmp_path / 't')])
    out = tmp_path / 'per_class.png'
    run_tool([osp.join(ANALYSIS, 'plot_per_class.py'), str(preds),
              '--checkpoint', ckpt, '--pred2', str(preds), '--label2',
              'again', '--many-thr', '40', '--few-thr', '15', '--out',
              str(out)])
    check_png(out)
    svg = tmp_path / 'per_class.svg'
    run_tool([osp.join(ANALYSIS, 'plot_per_class.py'), str(preds),
              '--checkpoint', ckpt, '--out', str(svg)])
    assert svg.read_text().startswith('<?xml')


def test_plot_gala_stats(trained_gala, tmp_path):
    _, _, work = trained_gala
    out = tmp_path / 'stats.png'
    run_tool([osp.join(ANALYSIS, 'plot_gala_stats.py'),
              str(work / 'wd' / 'gala_stats.jsonl'), '--out', str(out)])
    check_png(out)


def test_dataset_summary(tiny_fmnist, tmp_path):
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(tiny_config(tiny_fmnist))
    proc = run_tool([osp.join(ANALYSIS, 'dataset_summary.py'), str(cfg),
                     '--many-thr', '40', '--few-thr', '15', '--out-dir',
                     str(tmp_path / 'o')])
    assert '10 classes, 240 images, max 60, min 6' in proc.stdout
    assert 'many=2, medium=4, few=4' in proc.stdout
    check_png(tmp_path / 'o' / 'class_counts.png')


def test_shot_table_tool(tmp_path):
    import json
    metrics = {'lt/top1': 50.0, 'lt/balanced': 40.0, 'lt/many': 70.0,
               'lt/prs1_top1': 55.0, 'lt/prs1_balanced': 52.0}
    (tmp_path / 'm.json').write_text(json.dumps(metrics))
    proc = run_tool([osp.join(ANALYSIS, 'shot_table.py'),
                     str(tmp_path / 'm.json')])
    lines = proc.stdout.splitlines()
    assert any(line.startswith('raw') and '50.00' in line for line in lines)
    assert any(line.startswith('prs1') and '52.00' in line for line in lines)
