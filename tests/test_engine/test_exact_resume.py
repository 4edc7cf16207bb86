# Copyright (c) gala-mm contributors. All rights reserved.
"""SIGKILL mid-epoch, then --resume: bit-identical to an uninterrupted run
with the shipped recipe (random crop + flip, 2 persistent workers)."""
import os.path as osp
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from gala_mm.engine.hooks import sample_seed

from ..conftest import REPO, tiny_config

# End-to-end (subprocesses, training, several processes).
pytestmark = pytest.mark.slow

TRAIN = osp.join(REPO, 'tools/train.py')
RECIPE = """
pipeline = [dict(type='RandomCrop', crop_size=32, padding=4),
            dict(type='RandomFlip', prob=0.5, direction='horizontal'),
            dict(type='PackInputs')]
train_dataloader.update(num_workers=2, batch_size=16)
train_dataloader['dataset']['pipeline'] = pipeline
"""


def test_sample_seeds_differ_by_epoch_and_index():
    seeds = {sample_seed(0, e, i) for e in range(3) for i in range(50)}
    assert len(seeds) == 150
    assert sample_seed(0, 1, 2) == sample_seed(0, 1, 2)
    assert sample_seed(1, 1, 2) != sample_seed(0, 1, 2)


def train(cfg, work_dir, resume=False, kill_after=None):
    cmd = [sys.executable, TRAIN, str(cfg), '--work-dir', str(work_dir)]
    if resume:
        cmd.append('--resume')
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    if kill_after is None:
        out, _ = proc.communicate(timeout=900)
        assert proc.returncode == 0, out[-3000:]
        return out
    # SIGKILL in the middle of epoch 2: once epoch_1.pth exists and a few
    # iterations of epoch 2 have run
    deadline = time.time() + 600
    while not osp.exists(osp.join(work_dir, 'epoch_1.pth')):
        assert proc.poll() is None, proc.stdout.read()[-3000:]
        assert time.time() < deadline
        time.sleep(0.05)
    time.sleep(kill_after)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not osp.exists(osp.join(work_dir, 'epoch_3.pth'))
    return None


def test_sigkill_mid_epoch_then_resume_is_bit_identical(tiny_fmnist,
                                                        tmp_path):
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(tiny_config(tiny_fmnist, epochs=3, extra=RECIPE))
    train(cfg, tmp_path / 'full')
    train(cfg, tmp_path / 'killed', kill_after=1.0)
    log = train(cfg, tmp_path / 'killed', resume=True)
    assert 'Resumed' in log or 'resumed' in log.lower()
    a = torch.load(tmp_path / 'full' / 'epoch_3.pth')
    b = torch.load(tmp_path / 'killed' / 'epoch_3.pth')
    for k, v in a['state_dict'].items():
        assert torch.equal(v, b['state_dict'][k]), k
    sa, sb = a['optimizer']['state'], b['optimizer']['state']
    assert sa.keys() == sb.keys()
    for k in sa:
        assert torch.equal(sa[k]['momentum_buffer'],
                           sb[k]['momentum_buffer']), k
    theta = a['state_dict']['head.loss_module.theta']
    assert theta.abs().sum() > 0


def test_augmentation_actually_varies(tiny_fmnist, tmp_path):
    """The per-sample seeds keep augmentation random across samples and
    epochs (not one fixed crop)."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg_path = tmp_path / 'cfg.py'
    cfg_path.write_text(tiny_config(tiny_fmnist, epochs=1, extra=RECIPE))
    cfg = Config.fromfile(str(cfg_path))
    cfg.work_dir = str(tmp_path / 'wd')
    cfg.train_dataloader.num_workers = 0
    runner = Runner.from_cfg(cfg)
    from gala_mm.engine.hooks import ExactResumeHook
    hook = ExactResumeHook()
    runner._train_loop = runner.build_train_loop(runner._train_loop)
    hook.before_train(runner)
    dataset = runner.train_dataloader.dataset
    views = []
    for epoch in (0, 1):
        hook.seeder.epoch.value = epoch
        views.append(np.stack([dataset[i]['inputs'].numpy()
                               for i in range(8)]))
    assert not np.array_equal(views[0], views[1])
    hook.seeder.epoch.value = 0
    again = np.stack([dataset[i]['inputs'].numpy() for i in range(8)])
    assert np.array_equal(views[0], again)
