# Copyright (c) gala-mm contributors. All rights reserved.
"""tools/dist_train.sh with 2 CPU processes (gloo), unchanged config."""
import os.path as osp
import socket
import subprocess
import sys

import pytest
import torch

from ..conftest import REPO, tiny_config

from gala_mm.compat import load_checkpoint_file

# End-to-end (subprocesses, training, several processes).
pytestmark = pytest.mark.slow


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_dist_train_two_cpu_processes(tiny_fmnist, tmp_path):
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(tiny_config(tiny_fmnist, epochs=2))
    env = dict(PYTHON=sys.executable, PORT=str(free_port()),
               OMP_NUM_THREADS='1', PATH=__import__('os').environ['PATH'])
    proc = subprocess.run(
        ['bash', osp.join(REPO, 'tools/dist_train.sh'), str(cfg), '2',
         '--work-dir', str(tmp_path / 'wd')],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-5000:]
    assert 'GALA statistics identical on 2 ranks' in log
    ckpt = load_checkpoint_file(str(tmp_path / 'wd' / 'epoch_2.pth'))
    state = ckpt['state_dict']
    # 240 images, 2 ranks x batch 32 -> 4 steps per epoch, stats synced
    assert int(state['head.loss_module.num_updates']) == 8
    assert torch.isfinite(state['head.loss_module.theta']).all()
    assert 'world_size: 2' in log or 'Distributed launcher: pytorch' in log
