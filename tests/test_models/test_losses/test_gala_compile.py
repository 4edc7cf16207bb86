# Copyright (c) gala-mm contributors. All rights reserved.
"""GALA under ``torch.compile`` of the whole ``train_step`` (what mmengine's
``compile=True`` does)."""
import pytest
import torch
from mmengine.optim import OptimWrapper
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import gala_mm  # noqa: F401

# Compiling takes about a minute on 2 CPU cores.
pytestmark = pytest.mark.slow


def train(compiled: bool, steps: int = 3):
    torch.manual_seed(0)
    model = MODELS.build(
        dict(type='ImageClassifier',
             backbone=dict(type='CifarResNet', depth=20),
             neck=dict(type='GlobalAveragePooling'),
             head=dict(type='PRSLinearClsHead', num_classes=10,
                       in_channels=64),
             data_preprocessor=dict(type='ClsDataPreprocessor'))).train()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    step = torch.compile(model.train_step) if compiled else model.train_step
    gen = torch.Generator().manual_seed(1)
    losses = []
    for _ in range(steps):
        # batch 32 and 10 classes: the sizes at which the partitioner chose
        # to recompute the offsets from theta in the backward (the crash)
        images = torch.randint(0, 255, (32, 3, 16, 16), generator=gen)
        labels = torch.randint(0, 10, (32, ), generator=gen)
        data = dict(inputs=images.float(), data_samples=[
            DataSample().set_gt_label(int(v)) for v in labels])
        losses.append(float(step(data, wrapper)['loss']))
    loss = model.head.loss_module
    return losses, loss.theta.clone(), int(loss.num_updates)


def test_compiled_train_step_matches_eager():
    """Before the offsets were computed outside the graph, the first
    backward failed: 'DoubleTensor [10] is at version 1' (the statistics
    are updated in place after the forward). Compiled and eager losses and
    statistics agree to float32 precision over three steps."""
    eager, compiled = train(False), train(True)
    assert compiled[2] == eager[2] == 3
    torch.testing.assert_close(torch.tensor(compiled[0]),
                               torch.tensor(eager[0]), rtol=1e-3, atol=0)
    torch.testing.assert_close(compiled[1], eager[1], rtol=1e-3, atol=0)
