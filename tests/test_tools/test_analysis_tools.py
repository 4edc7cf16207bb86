# Copyright (c) gala-mm contributors. All rights reserved.
import os.path as osp

import pytest
from PIL import Image

from gala_mm.compat import load_checkpoint_file

from ..conftest import REPO, load_tool, run_tool, tiny_config

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


def test_offline_evaluation_equals_the_test_run(trained_gala, tmp_path):
    """tools/test.py --out preds.pkl, then eval_metric.py: the same metrics
    as the test run's evaluator, shot groups from the checkpoint."""
    import json
    cfg, ckpt, _ = trained_gala
    test = osp.join(REPO, 'tools/test.py')
    preds, metrics = tmp_path / 'preds.pkl', tmp_path / 'metrics.json'
    run_tool([test, cfg, ckpt, '--out', str(preds), '--work-dir',
              str(tmp_path / 't')])
    run_tool([test, cfg, ckpt, '--out', str(metrics), '--out-item',
              'metrics', '--work-dir', str(tmp_path / 't')])
    expected = json.loads(metrics.read_text())
    assert any(k.startswith('lt/many') for k in expected)
    path = osp.join(ANALYSIS, 'eval_metric.py')
    proc = run_tool([path, str(preds), '--checkpoint', ckpt, '--config',
                     cfg])
    assert 'many' in proc.stdout and 'balanced' in proc.stdout
    tool = load_tool(path)
    assert tool.main([str(preds), '--checkpoint', ckpt, '--config',
                      cfg]) == pytest.approx(expected)
    # mmpretrain's --metric: the run's shot thresholds filled in
    thresholds = load_checkpoint_file(ckpt)['meta'][
        'dataset_meta']['shot_thresholds']
    assert list(thresholds) != [100, 20]
    ours = tool.main([str(preds), '--checkpoint', ckpt, '--metric',
                      'type=LongTailAccuracy'])
    explicit = tool.main([str(preds), '--checkpoint', ckpt, '--metric',
                          'type=LongTailAccuracy',
                          f'many_thr={thresholds[0]}',
                          f'few_thr={thresholds[1]}'])
    assert ours == explicit
    assert ours['lt/balanced'] == pytest.approx(expected['lt/balanced'])
    # without the run's counts: said, no shot groups
    proc = run_tool([path, str(preds), '--metric', 'type=LongTailAccuracy'])
    assert 'No class counts' in proc.stderr


def test_plot_gala_stats(trained_gala, tmp_path):
    _, ckpt, work = trained_gala
    out = tmp_path / 'stats.png'
    stats = str(work / 'wd' / 'gala_stats.jsonl')
    run_tool([osp.join(ANALYSIS, 'plot_gala_stats.py'), stats, '--out',
              str(out)])
    check_png(out)
    # the run's thresholds (counts 50 ... 5; 40 / 15: 1 / 4 / 5 classes,
    # not 100 / 20's 0 / 4 / 6) and class names, from the config saved in
    # the work dir or from the checkpoint
    tool = load_tool(osp.join(ANALYSIS, 'plot_gala_stats.py'))
    for extra in ([], ['--checkpoint', ckpt]):
        fig = tool.main([stats, '--out', str(out)] + extra)
        left, right = fig.axes
        assert [t.get_text() for t in right.get_legend().get_texts()] == [
            'many (1 cls)', 'medium (4 cls)', 'few (5 cls)']
        assert left.get_xticklabels()[0].get_text() == 'T-shirt/top'


def test_dataset_summary(tiny_fmnist, tmp_path):
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(tiny_config(tiny_fmnist))
    # the config's thresholds (its LongTailAccuracy: 40 / 15)
    proc = run_tool([osp.join(ANALYSIS, 'dataset_summary.py'), str(cfg),
                     '--out-dir', str(tmp_path / 'o')])
    assert '10 classes, 240 images, max 60, min 6' in proc.stdout
    assert 'many=2, medium=4, few=4 (many > 40, few < 15)' in proc.stdout
    proc = run_tool([osp.join(ANALYSIS, 'dataset_summary.py'), str(cfg),
                     '--many-thr', '50', '--few-thr', '15'])
    assert 'many=1, medium=5, few=4 (many > 50, few < 15)' in proc.stdout
    check_png(tmp_path / 'o' / 'class_counts.png')
