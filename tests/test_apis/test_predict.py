# Copyright (c) gala-mm contributors. All rights reserved.
"""tools/tune_tau.py, tools/estimate_prior.py, stored-prior inference."""
import json
import os.path as osp
import re

import numpy as np
import pytest
import torch

from gala_mm.compat import load_checkpoint_file
from gala_mm.long_tail import format_group_sizes, shot_groups
from ..conftest import REPO, run_tool

# End-to-end (subprocesses, training, several processes).
pytestmark = pytest.mark.slow


def test_tune_tau_tool(trained_gala, tmp_path):
    cfg, ckpt, _ = trained_gala
    out = tmp_path / 'tau.json'
    proc = run_tool([osp.join(REPO, 'tools/tune_tau.py'), cfg, ckpt,
                     '--taus', '0:2:0.5', '--out', str(out),
                     '--work-dir', str(tmp_path / 'w')])
    res = json.loads(out.read_text())
    assert res['chosen_tau'] in [0.0, 0.5, 1.0, 1.5, 2.0]
    assert res['chosen_on'].startswith('validation')
    assert 'optimistic' in res['test_optimal_note']
    assert len(res['val_sweep']) == len(res['test_sweep']) == 5
    assert '[test-set optimum, optimistic]' in proc.stdout
    assert res['chosen_at_grid_top'] == (res['chosen_tau'] == 2.0)
    assert ('widen --taus' in proc.stdout) == res['chosen_at_grid_top']
    # says what it is doing, which split each evaluation is, no float noise
    assert proc.stdout.index('predicting the validation split') < \
        proc.stdout.index('predicting the test split')
    assert not re.search(r'\d\.\d{7,}', out.read_text())
    # the evaluation logs its shot groups with the config's thresholds
    # (40 / 15), not the metric's defaults (100 / 20)
    counts = torch.load(ckpt, map_location='cpu', weights_only=False)[
        'meta']['dataset_meta']['class_counts']
    thresholds = ((40, 15), (100, 20))
    groups = {thr: shot_groups(counts, *thr) for thr in thresholds}
    lines = {thr: format_group_sizes(groups[thr]) for thr in groups}
    assert lines[(40, 15)] != lines[(100, 20)]
    log = proc.stdout + proc.stderr
    assert lines[(40, 15)] in log and lines[(100, 20)] not in log


def test_tune_tau_without_validation_split(tiny_fmnist, trained_gala,
                                           tmp_path):
    cfg, ckpt, _ = trained_gala
    proc = run_tool([osp.join(REPO, 'tools/tune_tau.py'), cfg, ckpt,
                     '--cfg-options',
                     'train_dataloader.dataset.val_per_class=0',
                     '--work-dir', str(tmp_path / 'w')], check=False)
    assert proc.returncode != 0
    assert 'holds out no validation split' in proc.stderr


def test_estimate_prior_then_rebalanced_test_and_inferencer(
        trained_gala, tmp_path):
    cfg, ckpt, work = trained_gala
    out = tmp_path / 'with_prior.pth'
    run_tool([osp.join(REPO, 'tools/estimate_prior.py'), cfg, ckpt,
              '--out', str(out), '--work-dir', str(tmp_path / 'w')])
    prior = load_checkpoint_file(str(out))['state_dict']['head.prs_prior']
    assert prior.sum().item() == pytest.approx(1.0)
    assert (prior > 0).all()
    plain = load_checkpoint_file(str(ckpt))['state_dict']
    assert not plain['head.prs_prior'].any()
    # tools/test.py with the stored prior: re-balanced, single pass
    proc = run_tool([osp.join(REPO, 'tools/test.py'), cfg, str(out),
                     '--work-dir', str(tmp_path / 't'), '--out',
                     str(tmp_path / 'p.pkl'), '--cfg-options',
                     'model.head.prs_tau=1.0'])
    log = proc.stdout + proc.stderr
    assert 'lt/top1' in log
    # the table calls the head's re-balanced predictions what they are
    table = log[log.index('Per-shot accuracy'):]
    assert '\nstored PRS ' in table and '\nraw ' not in table
    import mmengine
    preds = mmengine.load(str(tmp_path / 'p.pkl'))
    assert 'raw_pred_score' in preds[0]
    # mmpretrain's inferencer on one image, with and without the prior
    from mmengine.config import Config
    from mmpretrain import ImageClassificationInferencer
    c = Config.fromfile(cfg)
    img = np.random.RandomState(0).randint(0, 256, (32, 32, 3), np.uint8)
    plain = ImageClassificationInferencer(c, pretrained=ckpt,
                                          device='cpu')(img)[0]
    c.model.head.prs_tau = 1.0
    rebal = ImageClassificationInferencer(c, pretrained=str(out),
                                          device='cpu')(img)[0]
    for res in (plain, rebal):
        assert 0 <= res['pred_label'] < 10
        assert res['pred_score'] == pytest.approx(
            max(res['pred_scores']), abs=1e-6)
    logits_prior = np.log(plain['pred_scores']) - np.log(prior.numpy())
    assert rebal['pred_label'] == int(np.argmax(logits_prior))


def test_prior_output_checked_before_the_evaluation(tmp_path):
    """--out as a link to the input checkpoint, in a missing or read-only
    folder: refused up front (before, the link rewrote the input)."""
    import os
    from gala_mm.apis import check_prior_output
    ckpt = tmp_path / 'in.pth'
    ckpt.write_bytes(b'x')
    link = tmp_path / 'link.pth'
    link.symlink_to(ckpt)
    with pytest.raises(ValueError, match='is the input checkpoint'):
        check_prior_output(str(ckpt), str(link))
    with pytest.raises(FileNotFoundError, match='does not exist'):
        check_prior_output(str(ckpt), str(tmp_path / 'no' / 'out.pth'))
    locked = tmp_path / 'ro'
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if not os.access(locked, os.W_OK):  # root can write anyway
            with pytest.raises(PermissionError, match='not writable'):
                check_prior_output(str(ckpt), str(locked / 'out.pth'))
    finally:
        locked.chmod(0o700)
    check_prior_output(str(ckpt), str(tmp_path / 'out.pth'))
