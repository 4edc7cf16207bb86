# Copyright (c) gala-mm contributors. All rights reserved.
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

import gala_mm  # noqa: F401


def test_cosine_logits_and_official_init():
    head = MODELS.build(dict(type='NormedLinearClsHead', num_classes=5,
                             in_channels=8,
                             loss=dict(type='LDAMLoss', num_classes=5)))
    w = head.fc.weight
    assert w.shape == (5, 8)
    assert torch.allclose(w.norm(dim=1), torch.ones(5), atol=1e-6)
    x = torch.randn(4, 8) * 10
    z = head((x, ))
    expected = F.normalize(x, dim=1) @ F.normalize(w, dim=1).t()
    assert torch.allclose(z, expected, atol=1e-6)
    assert z.abs().max() <= 1 + 1e-6
    # The official NormedLinear: normalize(x) @ normalize(W^T, dim=0).
    official = F.normalize(x, dim=1).mm(F.normalize(w.t(), dim=0))
    assert torch.allclose(z, official, atol=1e-6)


def test_with_any_backbone_and_loss():
    from mmpretrain.structures import DataSample
    model = MODELS.build(dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet', depth=18),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='NormedLinearClsHead', num_classes=3,
                  in_channels=512,
                  loss=dict(type='GCLLoss', num_classes=3,
                            class_counts=[50, 5, 1]))))
    model.init_weights()
    assert torch.allclose(model.head.fc.weight.norm(dim=1), torch.ones(3),
                          atol=1e-6)
    x = torch.randn(2, 3, 32, 32)
    samples = [DataSample().set_gt_label(i) for i in (0, 2)]
    losses = model.loss(x, samples)
    assert torch.isfinite(losses['loss'])
    losses['loss'].backward()
    assert model.head.fc.weight.grad is not None
    model.eval()
    out = model.predict(x)
    assert out[0].pred_score.shape == (3, )
