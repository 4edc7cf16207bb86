# Copyright (c) gala-mm contributors. All rights reserved.
"""Divergence, the main config on CIFAR-100, distributed evaluation."""
import hashlib
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest

from gala_mm.compat import load_checkpoint_file

from ..conftest import (REPO, run_tool, skip_cifar_md5_env, tiny_config,
                        write_cifar100)

# End-to-end (subprocesses, training, several processes).
pytestmark = pytest.mark.slow

TRAIN = osp.join(REPO, 'tools/train.py')


def digest(path):
    return hashlib.sha256(open(path, 'rb').read()).hexdigest()


def test_divergence_stops_with_step_and_keeps_checkpoints(tiny_fmnist,
                                                          tmp_path):
    """Epoch 1 trains normally; at epoch 2 the lr explodes (x1e12), the
    logits become non-finite and training stops with an error naming the
    step. The epoch-1 checkpoint (the last good state) and the log survive,
    and a recovery run can start from that checkpoint."""
    import gala_mm  # noqa: F401
    import torch
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(tiny_config(tiny_fmnist, epochs=3) + """
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[1],
                        gamma=1e12)]
""")
    wd = tmp_path / 'wd'
    proc = run_tool([TRAIN, str(cfg), '--work-dir', str(wd)], check=False)
    assert proc.returncode != 0
    assert 'GALALoss received non-finite logits' in proc.stderr
    assert 'at training step' in proc.stderr
    ckpt = wd / 'epoch_1.pth'
    assert not (wd / 'epoch_2.pth').exists()
    state = load_checkpoint_file(str(ckpt))
    assert state['meta']['epoch'] == 1
    assert all(torch.isfinite(v).all() for v in state['state_dict'].values()
               if v.is_floating_point())
    logs = list(wd.glob('*/*.log'))
    assert logs and 'Epoch(train) [1]' in logs[0].read_text()
    before = digest(ckpt)
    # recovery: a new run from the good weights with a sane schedule
    run_tool([TRAIN, str(cfg), '--work-dir', str(tmp_path / 'recover'),
              '--cfg-options', f'load_from={ckpt}', 'param_scheduler=[]'])
    assert digest(ckpt) == before
    assert (tmp_path / 'recover' / 'epoch_3.pth').exists()


def test_main_config_starts_training_when_cifar100_is_present(tmp_path):
    root = write_cifar100(str(tmp_path / 'cifar100'), 500, 1, zeros=True)
    proc = run_tool([
        TRAIN, osp.join(REPO, 'configs/gala/resnet32_cifar100lt.py'),
        '--work-dir', str(tmp_path / 'wd'), '--cfg-options',
        f'train_dataloader.dataset.data_root={root}',
        'train_dataloader.dataset.download=False',
        'train_dataloader.batch_size=1024',  # 1 epoch = 11 iterations
        'model.backbone.depth=20',  # the shallowest CIFAR ResNet: 1.6x faster
        'train_dataloader.num_workers=0', 'train_cfg.max_epochs=1',
        'train_cfg.val_interval=100', 'val_dataloader=None',
        'val_evaluator=None', 'val_cfg=None'
    ], env=skip_cifar_md5_env(tmp_path))
    log = proc.stdout + proc.stderr
    assert '10847 of 50000 training images' in log
    assert 'ClassCountHook: 100 classes' in log
    assert (tmp_path / 'wd' / 'epoch_1.pth').exists()


def test_distributed_evaluation_collects_all_ranks(trained_gala, tmp_path):
    cfg, ckpt, _ = trained_gala
    single = tmp_path / 'single.json'
    run_tool([osp.join(REPO, 'tools/test.py'), cfg, ckpt, '--out',
              str(single), '--out-item', 'metrics', '--work-dir',
              str(tmp_path / 's')])
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    dist = tmp_path / 'dist.json'
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(port),
               OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    proc = subprocess.run(
        ['bash', osp.join(REPO, 'tools/dist_test.sh'), cfg, ckpt, '2',
         '--out', str(dist), '--out-item', 'metrics', '--work-dir',
         str(tmp_path / 'd')], cwd=REPO, env=env, capture_output=True,
        text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    a, b = json.loads(single.read_text()), json.loads(dist.read_text())
    assert a.keys() == b.keys() and 'lt/prs1_balanced' in a
    for key in a:
        assert abs(a[key] - b[key]) < 1e-6, key
