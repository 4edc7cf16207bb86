# Copyright (c) gala-mm contributors. All rights reserved.
"""Class counts travel with the checkpoint: a model trained on any
mmpretrain dataset reports per-shot accuracy in a fresh test run;
fine-tuning on another number of classes works; evaluating with the wrong
config says so."""
import os.path as osp
import textwrap

import numpy as np
import pytest
from PIL import Image

from ..conftest import REPO, run_tool, tiny_config

# End-to-end (subprocesses, training, several processes).
pytestmark = pytest.mark.slow

TRAIN = osp.join(REPO, 'tools/train.py')
TEST = osp.join(REPO, 'tools/test.py')
COUNTS = dict(a=12, b=6, c=3)


def custom_config(root):
    return textwrap.dedent(f"""
    _base_ = ['{REPO}/configs/_base_/gala_runtime.py']
    model = dict(
        type='ImageClassifier',
        backbone=dict(type='CifarResNet', depth=20),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='PRSLinearClsHead', num_classes=3, in_channels=64))
    data_preprocessor = dict(num_classes=3, mean=[127.5] * 3,
                             std=[64.0] * 3)
    pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
    ds = dict(type='CustomDataset', data_root='{root}', pipeline=pipeline)
    train_dataloader = dict(batch_size=8, num_workers=0, dataset=ds,
                            sampler=dict(type='DefaultSampler', shuffle=True))
    val_dataloader = dict(batch_size=8, num_workers=0, dataset=ds,
                          sampler=dict(type='DefaultSampler', shuffle=False))
    val_evaluator = [dict(type='LongTailAccuracy', many_thr=10, few_thr=5)]
    test_dataloader = val_dataloader
    test_evaluator = val_evaluator
    optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9))
    param_scheduler = []
    train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=2)
    val_cfg = dict()
    test_cfg = dict()
    default_hooks = dict(checkpoint=dict(interval=1))
    """)


@pytest.fixture(scope='module')
def custom_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('custom')
    rng = np.random.RandomState(0)
    for name, n in COUNTS.items():
        (tmp / 'data' / name).mkdir(parents=True)
        for i in range(n):
            Image.fromarray(rng.randint(0, 255, (32, 32, 3)).astype(
                np.uint8)).save(tmp / 'data' / name / f'{i}.png')
    cfg = tmp / 'custom.py'
    cfg.write_text(custom_config(tmp / 'data'))
    proc = run_tool([TRAIN, str(cfg), '--work-dir', str(tmp / 'wd')])
    return tmp, cfg, proc


def test_customdataset_model_reports_shots_in_a_fresh_test_run(custom_run):
    tmp, cfg, proc = custom_run
    # thresholds of the config's metric in the training log, too
    assert 'many(>10)=1, medium=1, few(<5)=1' in proc.stdout + proc.stderr
    out = run_tool([TEST, str(cfg), str(tmp / 'wd' / 'epoch_1.pth'),
                    '--work-dir', str(tmp / 'test')])
    log = out.stdout + out.stderr
    for key in ('lt/many', 'lt/medium', 'lt/few'):
        assert key in log, log[-3000:]
    assert 'no training class counts' not in log


def test_finetune_other_class_count_and_wrong_eval_config(
        custom_run, tiny_fmnist, tmp_path):
    tmp, _, _ = custom_run
    ckpt = str(tmp / 'wd' / 'epoch_1.pth')
    cfg = tmp_path / 'ten.py'
    cfg.write_text(tiny_config(tiny_fmnist, epochs=1))
    proc = run_tool([TRAIN, str(cfg), '--work-dir', str(tmp_path / 'ft'),
                     '--cfg-options', f'load_from={ckpt}'])
    log = proc.stdout + proc.stderr
    assert 'trained on 3 classes, the model has num_classes=10' in log
    assert 'got counts for 3 classes' not in log
    assert (tmp_path / 'ft' / 'epoch_1.pth').exists()
    bad = run_tool([TEST, str(cfg), ckpt, '--work-dir',
                    str(tmp_path / 'test')], check=False)
    assert bad.returncode != 0
    assert ('trained on 3 classes but the model has num_classes=10'
            in bad.stderr)


def test_resume_same_data_is_quiet_changed_data_refused(tiny_fmnist,
                                                        tmp_path):
    """--resume on the data it was trained on: no "dataset metainfo is
    different" warning (the hook's own keys are not a difference); on a
    training set with other class counts: one error naming load_from."""
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(tiny_config(tiny_fmnist, epochs=1))
    work = tmp_path / 'wd'
    run_tool([TRAIN, str(cfg), '--work-dir', str(work)])
    warning = 'dataset metainfo from the resumed checkpoint is different'
    proc = run_tool([TRAIN, str(cfg), '--work-dir', str(work), '--resume',
                     '--cfg-options', 'train_cfg.max_epochs=2'])
    out = proc.stdout + proc.stderr
    assert 'resumed epoch: 1' in out, out[-3000:]
    assert warning not in out
    proc = run_tool([TRAIN, str(cfg), '--work-dir', str(work), '--resume',
                     '--cfg-options', 'train_cfg.max_epochs=3',
                     'train_dataloader.dataset.imbalance_factor=5'],
                    check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert 'other class counts' in out and 'load_from=' in out, out[-3000:]
    assert 'was [60, 46, 35, 27, ... ' in out, out[-3000:]
    assert not (work / 'epoch_3.pth').exists()
