# Copyright (c) gala-mm contributors. All rights reserved.
import pytest
import torch
import torch.nn as nn
from mmpretrain.registry import OPTIM_WRAPPERS

from gala_mm.models.losses import GALALoss


def build(model, **kwargs):
    return OPTIM_WRAPPERS.build(
        dict(type='AnyDeviceAmpOptimWrapper',
             optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
             **kwargs))


def test_cpu_wrapper_autocasts_to_bf16_without_scaler():
    model = nn.Linear(8, 4)
    wrapper = build(model)
    assert wrapper.loss_scaler is None and wrapper.cast_dtype == \
        torch.bfloat16
    with wrapper.optim_context(model):
        out = model(torch.randn(2, 8))
    assert out.dtype == torch.bfloat16
    wrapper.update_params(out.float().sum())
    state = wrapper.state_dict()
    assert 'loss_scaler' not in state
    state['loss_scaler'] = {'scale': 1.0}  # a GPU checkpoint's state
    wrapper.load_state_dict(state)


def test_fp16_on_cpu_is_refused():
    with pytest.raises(ValueError, match='bfloat16'):
        build(nn.Linear(2, 2), dtype='float16')


def train_stats(amp: bool, steps: int = 8) -> torch.Tensor:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 10))
    loss_fn = GALALoss(10).train()
    wrapper = build(net) if amp else OPTIM_WRAPPERS.build(
        dict(type='OptimWrapper',
             optimizer=torch.optim.SGD(net.parameters(), lr=0.1)))
    gen = torch.Generator().manual_seed(1)
    for _ in range(steps):
        x = torch.randn(64, 16, generator=gen)
        y = torch.multinomial(torch.tensor([0.6**i for i in range(10)]), 64,
                              True, generator=gen)
        with wrapper.optim_context(net):
            loss = loss_fn(net(x), y)
        wrapper.update_params(loss)
    return loss_fn.theta.clone()


def test_bf16_and_fp32_training_statistics_agree():
    """Stated tolerance: 5 % relative, the precision of bf16 logits over a
    few steps (statistics and offsets themselves are float64/float32)."""
    fp32, bf16 = train_stats(False), train_stats(True)
    assert bf16.dtype == torch.float64
    torch.testing.assert_close(bf16, fp32, rtol=5e-2, atol=0)
    assert not torch.equal(bf16, fp32)  # bf16 really was used


def test_emulated_bf16_warns(monkeypatch):
    from mmengine.logging import MMLogger
    from gala_mm.engine.optimizers import any_device_amp_optim_wrapper as amp
    monkeypatch.setattr(amp, 'cpu_has_native_bf16', lambda: False)
    records = []
    logger = MMLogger.get_instance('amp_test')
    monkeypatch.setattr(logger, 'warning', records.append)
    build(nn.Linear(2, 2))
    assert 'about 40x slower than float32: train without --amp' in \
        records[0]
