# Copyright (c) gala-mm contributors. All rights reserved.
"""tools/dist_train.sh with 2 CPU processes (gloo), unchanged config."""
import os.path as osp
import subprocess
import sys

import pytest
import torch

from ..conftest import REPO, free_port, tiny_config

from gala_mm.compat import load_checkpoint_file

# End-to-end (subprocesses, training, several processes).
pytestmark = pytest.mark.slow


def dist_train(data_root, work, *options, one_stage=False):
    """tools/dist_train.sh, 2 CPU processes; (log, checkpoint state)."""
    work.mkdir()
    cfg = work / 'cfg.py'
    cfg.write_text(tiny_config(data_root, epochs=2, one_stage=one_stage))
    env = dict(PYTHON=sys.executable, PORT=str(free_port()),
               OMP_NUM_THREADS='1', PATH=__import__('os').environ['PATH'])
    proc = subprocess.run(
        ['bash', osp.join(REPO, 'tools/dist_train.sh'), str(cfg), '2',
         '--work-dir', str(work / 'wd'), *options],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-5000:]
    assert 'GALA statistics identical on 2 ranks' in log
    ckpt = load_checkpoint_file(str(work / 'wd' / 'epoch_2.pth'))
    return log, ckpt['state_dict']


def test_dist_train_two_cpu_processes(tiny_fmnist, tmp_path):
    log, state = dist_train(tiny_fmnist, tmp_path / 'eager')
    # 240 images, 2 ranks x batch 32 -> 4 steps per epoch, stats synced
    assert int(state['head.loss_module.num_updates']) == 8
    assert torch.isfinite(state['head.loss_module.theta']).all()
    assert 'world_size: 2' in log or 'Distributed launcher: pytorch' in log


def test_dist_train_compiled_equals_eager(tiny_fmnist, tmp_path):
    """DDP with mmengine's compile=True: the statistics stay all-reduced
    (identical on both ranks) and equal those of the eager DDP run."""
    _, eager = dist_train(tiny_fmnist, tmp_path / 'eager', one_stage=True)
    log, compiled = dist_train(tiny_fmnist, tmp_path / 'compiled',
                               '--cfg-options', 'compile=True',
                               one_stage=True)
    assert 'Model has been "compiled"' in log
    assert int(compiled['head.loss_module.num_updates']) == 8
    torch.testing.assert_close(compiled['head.loss_module.theta'],
                               eager['head.loss_module.theta'], rtol=1e-3,
                               atol=0)
