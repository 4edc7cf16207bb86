# Copyright (c) gala-mm contributors. All rights reserved.
"""ChannelsLastHook: the layout changes, the numbers do not."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from ..conftest import tiny_config

# Trains two tiny runs in this process.
pytestmark = pytest.mark.slow


def train(data_root, work_dir, channels_last: bool):
    path = osp.join(str(work_dir), 'cfg.py')
    work_dir.mkdir()
    with open(path, 'w') as f:
        f.write(tiny_config(data_root, epochs=1))
    cfg = Config.fromfile(path)
    cfg.work_dir = str(work_dir)
    cfg.log_level = 'WARNING'
    if channels_last:
        cfg.custom_hooks.append(dict(type='ChannelsLastHook'))
    runner = Runner.from_cfg(cfg)
    seen = []
    runner.model.backbone.register_forward_pre_hook(
        lambda module, args: seen.append(args[0]))
    runner.train()
    return runner.model, seen


def test_same_training_in_channels_last(tiny_fmnist, tmp_path):
    plain, plain_inputs = train(tiny_fmnist, tmp_path / 'nchw', False)
    last, last_inputs = train(tiny_fmnist, tmp_path / 'nhwc', True)
    conv = last.backbone.conv1.weight
    assert conv.is_contiguous(memory_format=torch.channels_last)
    assert not plain.backbone.conv1.weight.is_contiguous(
        memory_format=torch.channels_last)
    assert last_inputs[0].is_contiguous(memory_format=torch.channels_last)
    assert torch.equal(last_inputs[0], plain_inputs[0])  # same batches
    for (name, a), b in zip(plain.state_dict().items(),
                            last.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=1e-3, atol=1e-4, msg=name)
    theta = [m.head.loss_module.theta for m in (plain, last)]
    torch.testing.assert_close(*theta, rtol=1e-4, atol=0)
