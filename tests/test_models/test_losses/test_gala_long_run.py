# Copyright (c) gala-mm contributors. All rights reserved.
"""A few hundred training steps on synthetic long-tailed data."""
import pytest
import torch

from gala_mm.models.losses import GALALoss

C, D, B, STEPS = 20, 16, 32, 400


@pytest.mark.parametrize('adjust,accumulation', [('official', 'double'),
                                                 ('paper', 'double'),
                                                 ('paper', 'single')])
def test_statistics_stay_finite_and_bounded(adjust, accumulation):
    gen = torch.Generator().manual_seed(0)
    prior = torch.tensor([0.5**(i / 2) for i in range(C)])
    prior[-3:] = 0  # three classes unseen until the last 50 steps
    protos = torch.randn(C, D, generator=gen) * 2
    fc = torch.nn.Linear(D, C)
    loss_fn = GALALoss(C, adjust=adjust, accumulation=accumulation).train()
    opt = torch.optim.SGD(fc.parameters(), lr=0.1)
    for step in range(STEPS):
        if step == STEPS - 50:
            prior[-3:] = prior[:-3].min()
        y = torch.multinomial(prior, B, replacement=True, generator=gen)
        x = protos[y] + torch.randn(B, D, generator=gen)
        loss = loss_fn(fc(x), y)
        assert torch.isfinite(loss), step
        opt.zero_grad()
        loss.backward()
        opt.step()
        non_target, target = loss_fn.logit_offsets()
        assert torch.isfinite(non_target).all()
        assert torch.isfinite(target).all()
    theta = loss_fn.theta
    assert torch.isfinite(theta).all() and (theta >= 0).all()
    # each step adds at most 1 per class to A; theta <= sum_t t (double)
    bound = STEPS * (STEPS + 1) / 2 if accumulation == 'double' else STEPS
    assert theta.max() <= bound
    # classes seen late have small but positive statistics; head > tail
    assert (theta[-3:] > 0).all()
    assert theta[0] > theta[-4] > theta[-1]
