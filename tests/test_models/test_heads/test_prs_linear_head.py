# Copyright (c) gala-mm contributors. All rights reserved.
import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from gala_mm.long_tail import rebalance
from gala_mm.models.losses import GALALoss

ARGS = dict(type='PRSLinearClsHead', num_classes=5, in_channels=8)


def feats(n=4):
    return (torch.randn(n, 8), )


def test_defaults_and_loss():
    head = MODELS.build(ARGS)
    # the 0.1 name builds the same head, so old configs load unchanged
    alias = MODELS.build(dict(ARGS, type='GALAHead'))
    assert type(alias) is type(head)
    assert alias.state_dict().keys() == head.state_dict().keys()
    assert isinstance(head.loss_module, GALALoss)
    assert head.loss_module.num_classes == 5
    samples = [DataSample().set_gt_label(i % 5) for i in range(4)]
    losses = head.loss(feats(), samples)
    assert torch.isfinite(losses['loss'])
    assert int(head.loss_module.num_updates) == 1
    state = head.state_dict()
    for key in ('fc.weight', 'loss_module.theta', 'loss_module.pos_grad_sum',
                'loss_module.num_updates', 'prs_prior'):
        assert key in state


def test_soft_targets_from_batch_augments():
    head = MODELS.build(ARGS)
    samples = []
    for i in range(4):
        score = torch.zeros(5)
        score[i % 5], score[(i + 1) % 5] = 0.7, 0.3
        samples.append(DataSample().set_gt_label(i % 5).set_gt_score(score))
    assert torch.isfinite(head.loss(feats(), samples)['loss'])


def test_other_losses_and_mismatch():
    head = MODELS.build(dict(ARGS, loss=dict(type='CrossEntropyLoss')))
    assert type(head.loss_module).__name__ == 'CrossEntropyLoss'
    with pytest.raises(ValueError, match='num_classes=5 but the loss'):
        MODELS.build(dict(ARGS, loss=dict(type='GALALoss', num_classes=7)))
    with pytest.raises(ValueError, match='num_classes=-5 must be'):
        MODELS.build(dict(ARGS, num_classes=-5))


def test_plain_predictions_by_default():
    head = MODELS.build(ARGS).eval()
    x = feats()
    out = head.predict(x)
    logits = head(x)
    assert torch.allclose(out[0].pred_score, logits[0].softmax(0))
    assert 'raw_pred_score' not in out[0]


def test_stored_prior_rebalances_single_images():
    head = MODELS.build(dict(ARGS, prs_tau=1.0)).eval()
    with pytest.raises(RuntimeError, match='tools/estimate_prior.py'):
        head.predict(feats())
    prior = torch.tensor([0.5, 0.2, 0.15, 0.1, 0.05])
    head.set_prs_prior(prior * 3)  # normalised on the way in
    assert torch.allclose(head.prs_prior.float(), prior)
    x = feats(1)
    out = head.predict(x)[0]
    logits = head(x)
    expected = rebalance(logits, prior, 1.0, log_space=True)
    assert out.pred_label.item() == expected.argmax(1).item()
    assert torch.allclose(out.pred_score, expected.softmax(1)[0].float())
    assert out.pred_score.argmax() == out.pred_label
    assert torch.allclose(out.raw_pred_score, logits[0].softmax(0))


@pytest.mark.parametrize('tau', [-0.5, float('nan')])
def test_bad_prs_tau(tau):
    with pytest.raises(ValueError, match='prs_tau'):
        MODELS.build(dict(ARGS, prs_tau=tau))


def test_bad_prior():
    head = MODELS.build(ARGS)
    with pytest.raises(ValueError, match='num_classes=5'):
        head.set_prs_prior(torch.ones(4))
    with pytest.raises(ValueError, match='> 0'):
        head.set_prs_prior(torch.tensor([1., 0, 1, 1, 1]))
