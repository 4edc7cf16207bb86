# Copyright (c) gala-mm contributors. All rights reserved.
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

COUNTS = [100, 40, 10, 4]


def test_logit_adjust_and_balanced_softmax():
    z = torch.randn(6, 4)
    y = torch.tensor([0, 1, 2, 3, 0, 1])
    la = MODELS.build(dict(type='LogitAdjustLoss', num_classes=4, tau=2.0,
                           class_counts=COUNTS))
    prior = torch.tensor(COUNTS, dtype=torch.float) / sum(COUNTS)
    expected = F.cross_entropy(z + 2.0 * prior.log(), y)
    assert la(z, y).item() == pytest.approx(expected.item(), rel=1e-5)
    la.eval()
    assert la(z, y).item() == pytest.approx(F.cross_entropy(z, y).item(),
                                            rel=1e-5)
    bs = MODELS.build(dict(type='BalancedSoftmaxLoss', num_classes=4,
                           class_counts=COUNTS))
    assert bs.tau == 1.0
    assert bs(z, y).item() == pytest.approx(
        F.cross_entropy(z + prior.log(), y).item(), rel=1e-5)


def test_counts_required_and_validated():
    la = MODELS.build(dict(type='LogitAdjustLoss', num_classes=4))
    with pytest.raises(RuntimeError, match='ClassCountHook'):
        la(torch.randn(2, 4), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match='no training images'):
        la.set_class_counts([3, 0, 1, 1])
    with pytest.raises(ValueError, match='num_classes=4'):
        la.set_class_counts([3, 1, 1])


def test_ldam_margins_and_drw():
    ldam = MODELS.build(dict(type='LDAMLoss', num_classes=4,
                             class_counts=COUNTS))
    m = ldam.margins()
    assert m.max().item() == pytest.approx(0.5)
    assert torch.all(m[1:] > m[:-1])  # rarer class, larger margin
    z = torch.randn(6, 4)
    y = torch.tensor([0, 1, 2, 3, 0, 3])
    zm = z.clone()
    zm[torch.arange(6), y] -= m[y]
    assert ldam(z, y).item() == pytest.approx(
        F.cross_entropy(30 * zm, y).item(), rel=1e-5)
    ldam.reweight = True
    w = ldam.class_weights()
    assert w[3] > w[0]
    expected = (F.cross_entropy(30 * zm, y, reduction='none') * w[y]).mean()
    assert ldam(z, y).item() == pytest.approx(expected.item(), rel=1e-5)
    with pytest.raises(ValueError, match='hard labels'):
        ldam(z, torch.rand(6, 4))
