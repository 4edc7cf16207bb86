# Copyright (c) gala-mm contributors. All rights reserved.
import pytest
import torch
from mmpretrain.models.backbones.resnet import BasicBlock
from mmpretrain.registry import MODELS


def n_params(m):
    return sum(p.numel() for p in m.parameters())


def test_resnet32_shape_and_params():
    net = MODELS.build(dict(type='CifarResNet', depth=32))
    blocks = [m for m in net.modules() if isinstance(m, BasicBlock)]
    assert len(blocks) == 15  # 3 stages x 5 blocks
    out = net(torch.randn(2, 3, 32, 32))
    assert isinstance(out, tuple) and out[-1].shape == (2, 64, 8, 8)
    assert 0.45e6 < n_params(net) < 0.47e6  # ~0.46 M (option A)
    proj = MODELS.build(dict(type='CifarResNet', depth=32, shortcut='B'))
    assert n_params(proj) > n_params(net)


@pytest.mark.parametrize('depth,blocks', [(20, 9), (44, 21), (56, 27)])
def test_other_depths(depth, blocks):
    net = MODELS.build(dict(type='CifarResNet', depth=depth))
    assert sum(isinstance(m, BasicBlock) for m in net.modules()) == blocks


def test_bad_depth_and_shortcut():
    with pytest.raises(KeyError):
        MODELS.build(dict(type='CifarResNet', depth=33))
    with pytest.raises(ValueError, match='shortcut'):
        MODELS.build(dict(type='CifarResNet', shortcut='C'))
