# Copyright (c) gala-mm contributors. All rights reserved.
import itertools

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from gala_mm.models.losses import GALALoss, logsumexp_excluding_each
from .gala_reference import ReferenceGALA

C, B = 7, 9


def make_targets(kind, labels, gen):
    if kind == 'hard':
        return F.one_hot(labels, C).double()
    if kind == 'mixup':  # two labels per row, like Mixup/CutMix gt_score
        lam = torch.rand(labels.size(0), 1, generator=gen, dtype=torch.float64)
        other = labels.roll(1)
        return lam * F.one_hot(labels, C) + (1 - lam) * F.one_hot(other, C)
    # label smoothing: every entry non-zero
    return F.one_hot(labels, C).double() * 0.9 + 0.1 / C


def run_both(adjust, accumulation, kind, steps=25, lambda_neg=0.9,
             dtype=torch.float64, tol=1e-9):
    """Run our loss and the reference side by side on the same batches.

    With float64 logits our loss computes in float64 and must match to
    ``tol``; with float32 (the training dtype) to float32 precision.
    """
    gen = torch.Generator().manual_seed(0)
    ours = MODELS.build(
        dict(type='GALALoss', num_classes=C, lambda_pos=1.2,
             lambda_neg=lambda_neg, adjust=adjust,
             accumulation=accumulation)).train()
    ref = ReferenceGALA(C, 1.2, lambda_neg, adjust=adjust,
                        accumulation=accumulation)
    for _ in range(steps):
        # skewed labels so that classes get very different statistics
        probs = torch.tensor([2.0**-i for i in range(C)])
        labels = torch.multinomial(probs, B, replacement=True, generator=gen)
        logits = torch.randn(B, C, generator=gen, dtype=torch.float64) * 2
        targets = make_targets(kind, labels, gen)

        z_ref = logits.clone().requires_grad_()
        loss_ref = ref.step(z_ref, targets)
        loss_ref.backward()

        z_ours = logits.to(dtype).clone().requires_grad_()
        label_arg = labels if kind == 'hard' else targets.to(dtype)
        loss_ours = ours(z_ours, label_arg, avg_factor=B)
        loss_ours.backward()

        assert loss_ours.item() == pytest.approx(loss_ref.item(), abs=tol)
        torch.testing.assert_close(
            z_ours.grad.double(), z_ref.grad, atol=tol, rtol=0)
        torch.testing.assert_close(ours.theta, ref.theta, rtol=tol, atol=0)
    return ours, ref


@pytest.mark.parametrize(
    'adjust,accumulation,kind',
    list(itertools.product(['official', 'paper'], ['double', 'single'],
                           ['hard', 'mixup', 'smooth'])))
def test_matches_reference(adjust, accumulation, kind):
    ours, ref = run_both(adjust, accumulation, kind)
    assert int(ours.num_updates) == 25
    # statistics really grew and differ across classes (not a trivial pass)
    assert ours.theta.min() > 0
    assert ours.theta.max() / ours.theta.min() > 2


@pytest.mark.parametrize('adjust', ['official', 'paper'])
def test_float32_matches_reference_to_float_tolerance(adjust):
    run_both(adjust, 'double', 'mixup', dtype=torch.float32, tol=1e-5)


@pytest.mark.parametrize('kind', ['hard', 'mixup'])
def test_phi_equals_theta(kind):
    """Spec 1.5: the negative gradient of the label class equals theta."""
    _, ref = run_both('paper', 'double', kind, steps=10)
    torch.testing.assert_close(ref.phi, ref.theta, rtol=1e-12, atol=0)


def test_lambda_neg_is_a_no_op_in_official_mode():
    a, _ = run_both('official', 'double', 'hard', steps=10, lambda_neg=0.9)
    b, _ = run_both('official', 'double', 'hard', steps=10, lambda_neg=0.0)
    torch.testing.assert_close(a.theta, b.theta, rtol=1e-12, atol=0)
    z = torch.randn(4, C)
    y = torch.tensor([0, 1, 2, 6])
    assert a(z, y).item() == pytest.approx(b(z, y).item(), abs=1e-6)


def test_lambda_neg_matters_in_paper_mode():
    a, _ = run_both('paper', 'double', 'hard', steps=10, lambda_neg=0.9)
    b, _ = run_both('paper', 'double', 'hard', steps=10, lambda_neg=0.0)
    assert not torch.allclose(a.theta, b.theta)


def test_paper_equals_official_when_lambdas_equal():
    gen = torch.Generator().manual_seed(1)
    off = GALALoss(C, lambda_pos=1.0, lambda_neg=1.0, adjust='official')
    pap = GALALoss(C, lambda_pos=1.0, lambda_neg=1.0, adjust='paper')
    for _ in range(10):
        z = torch.randn(B, C, generator=gen)
        y = torch.randint(0, C, (B, ), generator=gen)
        assert off(z, y).item() == pytest.approx(pap(z, y).item(), abs=1e-5)
    torch.testing.assert_close(off.theta, pap.theta, rtol=1e-5, atol=0)


def test_logsumexp_excluding_each_exact_and_stable():
    x = torch.randn(5, 6, dtype=torch.float64) * 10
    x[0, 2] = 80.0  # dominant entry: naive subtraction would cancel
    out = logsumexp_excluding_each(x)
    for i in range(5):
        for c in range(6):
            keep = [j for j in range(6) if j != c]
            expected = torch.logsumexp(x[i, keep], dim=0)
            assert out[i, c].item() == pytest.approx(expected.item(),
                                                     abs=1e-10)


def test_state_dict_round_trip_continues_identically():
    gen = torch.Generator().manual_seed(2)
    a = GALALoss(C).train()
    batches = [(torch.randn(B, C, generator=gen),
                torch.randint(0, C, (B, ), generator=gen)) for _ in range(12)]
    for z, y in batches[:6]:
        a(z.requires_grad_(), y)
    state = {k: v.clone() for k, v in a.state_dict().items()}
    assert set(state) == {'pos_grad_sum', 'theta', 'num_updates'}
    b = GALALoss(C).train()
    b.load_state_dict(state)
    for z, y in batches[6:]:
        la = a(z.clone().requires_grad_(), y)
        lb = b(z.clone().requires_grad_(), y)
        assert la.item() == lb.item()
    assert torch.equal(a.theta, b.theta)
    assert int(b.num_updates) == 12


def test_no_update_in_eval_or_no_grad():
    loss = GALALoss(C)
    z, y = torch.randn(B, C), torch.randint(0, C, (B, ))
    loss.eval()
    loss(z, y)
    loss.train()
    with torch.no_grad():
        loss(z, y)
    assert int(loss.num_updates) == 0 and loss.theta.abs().sum() == 0
    loss(z.requires_grad_(), y)
    assert int(loss.num_updates) == 1


def test_eval_loss_is_plain_cross_entropy():
    loss = GALALoss(C).train()
    for _ in range(3):
        loss(torch.randn(B, C, requires_grad=True), torch.randint(0, C, (B, )))
    z, y = torch.randn(B, C), torch.randint(0, C, (B, ))
    with torch.no_grad():
        adjusted = loss(z, y).item()
    loss.eval()
    plain = loss(z, y).item()
    assert plain == pytest.approx(F.cross_entropy(z, y).item(), abs=1e-6)
    assert abs(plain - adjusted) > 1e-3  # training really adjusts
    assert int(loss.num_updates) == 3


def test_unseen_classes_and_fresh_state_are_finite():
    loss = GALALoss(C, adjust='paper').train()
    z = torch.randn(B, C, requires_grad=True)
    y = torch.zeros(B, dtype=torch.long)  # only class 0 ever seen
    for _ in range(50):
        value = loss(z, y)
        assert torch.isfinite(value)
    non_target, target = loss.logit_offsets()
    assert torch.isfinite(non_target).all() and torch.isfinite(target).all()
    assert loss.theta[1:].eq(0).all()  # unseen: offset is log(eps), finite


def test_weight_and_reduction_like_cross_entropy():
    loss = GALALoss(C).eval()  # eval: fixed (zero) statistics
    z = torch.randn(B, C)
    y = torch.randint(0, C, (B, ))
    w = torch.rand(B)
    # with zero statistics the offset is a constant: plain CE
    ce = F.cross_entropy(z, y, reduction='none')
    assert loss(z, y, reduction_override='none').allclose(ce, atol=1e-6)
    assert loss(z, y, weight=w, avg_factor=B).item() == pytest.approx(
        (ce * w).sum().item() / B, abs=1e-6)
    assert loss(z, y, reduction_override='sum').item() == pytest.approx(
        ce.sum().item(), abs=1e-5)


def test_bf16_logits_are_computed_in_fp32():
    a, b = GALALoss(C).train(), GALALoss(C).train()
    gen = torch.Generator().manual_seed(3)
    for _ in range(5):
        z = torch.randn(B, C, generator=gen)
        y = torch.randint(0, C, (B, ), generator=gen)
        a(z.clone().requires_grad_(), y)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            out = b(z.bfloat16().requires_grad_(), y)
        assert out.dtype == torch.float32
    assert b.theta.dtype == torch.float64
    torch.testing.assert_close(a.theta, b.theta, rtol=2e-2, atol=0)


@pytest.mark.parametrize('bad', [float('nan'), float('inf')])
def test_non_finite_logits_raise_before_update(bad):
    loss = GALALoss(C).train()
    loss(torch.randn(B, C, requires_grad=True), torch.randint(0, C, (B, )))
    before = loss.theta.clone()
    z = torch.randn(B, C)
    z[2, 3] = bad
    with pytest.raises(FloatingPointError, match='training step 2'):
        loss(z.requires_grad_(), torch.randint(0, C, (B, )))
    assert torch.equal(loss.theta, before)


@pytest.mark.parametrize('kwargs,match', [
    (dict(num_classes=1), 'num_classes'),
    (dict(num_classes=5, eps=0), 'eps'),
    (dict(num_classes=5, adjust='foo'), 'adjust'),
    (dict(num_classes=5, accumulation='triple'), 'accumulation'),
    (dict(num_classes=5, lambda_pos=float('nan')), 'lambda_pos'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GALALoss(**kwargs)


def test_shape_and_label_errors():
    loss = GALALoss(5)
    with pytest.raises(ValueError, match=r'shape \(N, 5\)'):
        loss(torch.randn(4, 6), torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError, match='more classes than num_classes'):
        loss(torch.randn(4, 5), torch.tensor([0, 1, 2, 5]))
    with pytest.raises(ValueError, match='soft targets'):
        loss(torch.randn(4, 5), torch.rand(4, 6))


def test_one_host_read_per_training_step(monkeypatch):
    """GPU-readiness by review on the CPU: a training forward reads the
    device once (the fault flags, after the statistics' all-reduce);
    every other check stays on the device. Counted by patching the
    Tensor methods that copy a value to the host."""
    loss = GALALoss(10).train()
    logits = torch.randn(32, 10, requires_grad=True)
    labels = torch.randint(0, 10, (32, ))
    loss(logits, labels)  # warm-up
    reads = []
    for name in ('item', 'tolist', '__bool__', '__int__', '__float__',
                 'numpy', 'cpu'):
        orig = getattr(torch.Tensor, name)

        def spy(self, *a, _orig=orig, _name=name, **k):
            reads.append(_name)
            return _orig(self, *a, **k)

        monkeypatch.setattr(torch.Tensor, name, spy)
    out = loss(logits, labels)
    monkeypatch.undo()
    assert reads == ['tolist'], reads
    out.backward()
    for mixed in (False, True):  # soft targets: the same single read
        target = torch.softmax(torch.randn(32, 10), 1)
        reads.clear()
        monkeypatch.setattr(torch.Tensor, 'tolist',
                            lambda self, _o=torch.Tensor.tolist:
                            (reads.append('tolist'), _o(self))[1])
        loss(logits, target)
        monkeypatch.undo()
        assert reads == ['tolist']


def test_bad_label_clear_error_and_statistics_untouched():
    loss = GALALoss(5).train()
    loss(torch.randn(4, 5, requires_grad=True), torch.tensor([0, 1, 2, 3]))
    theta = loss.theta.clone()
    with pytest.raises(ValueError, match=r'\[0, 5\).*got \[0, 7\].*more '
                       'classes than num_classes'):
        loss(torch.randn(4, 5, requires_grad=True),
             torch.tensor([0, 7, 2, 3]))
    assert torch.equal(theta, loss.theta)
    with pytest.raises(ValueError, match='got \\[-1, 3\\]'):
        loss(torch.randn(4, 5), torch.tensor([-1, 1, 2, 3]))


def test_float_hard_labels_name_the_fix():
    with pytest.raises(TypeError, match=r'integer tensor\), got '
                       r'torch.float32: pass label.long\(\)'):
        GALALoss(5)(torch.randn(4, 5), torch.tensor([0., 1., 2., 3.]))


@pytest.mark.parametrize('target,match', [
    (torch.full((4, 5), 0.4), r'rows summing to \[2, 2\]'),  # sums to 2
    (torch.tensor([[1.5, -0.5, 0, 0, 0]] * 4), r'smallest entry -0.5'),
    (torch.tensor([[float('nan'), 1, 0, 0, 0]] * 4), r'sum to 1 per row'),
])
def test_soft_targets_that_are_not_distributions(target, match):
    """Unchecked, such targets scale the loss and θ silently, make θ
    negative (log NaN) or are reported as '0 NaN logits'."""
    loss = GALALoss(5).train()
    loss(torch.randn(4, 5, requires_grad=True), torch.tensor([0, 1, 2, 3]))
    theta, steps = loss.theta.clone(), int(loss.num_updates)
    with pytest.raises(ValueError, match=match):
        loss(torch.randn(4, 5, requires_grad=True), target)
    assert torch.equal(theta, loss.theta)
    assert int(loss.num_updates) == steps


def test_empty_batch_is_refused_without_a_step():
    loss = GALALoss(5).train()
    with pytest.raises(ValueError, match='empty batch'):
        loss(torch.randn(0, 5, requires_grad=True),
             torch.zeros(0, dtype=torch.long))
    assert int(loss.num_updates) == 0 and not loss.theta.any()


def test_statistics_stay_float64_under_autocast():
    loss = GALALoss(6).train()
    logits = torch.randn(8, 6, requires_grad=True)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = loss(logits.bfloat16(), torch.randint(0, 6, (8, )))
    assert out.dtype == torch.float32
    assert loss.theta.dtype == torch.float64 and loss.theta.sum() > 0


@pytest.mark.parametrize('value', [-0.1, 'abc', float('nan'), None, True])
def test_lambdas_validated(value):
    with pytest.raises(ValueError, match=r'lambda_pos=.*finite number >= 0'):
        GALALoss(5, lambda_pos=value)
    with pytest.raises(ValueError, match=r'lambda_neg=.*finite number >= 0'):
        GALALoss(5, lambda_neg=value)
    assert GALALoss(5, lambda_pos=0).lambda_pos == 0.0


def test_exploding_loss_warns_before_nan(caplog):
    from mmengine.logging import MMLogger
    logger = MMLogger.get_instance('gala_explode_test')
    loss = GALALoss(4).train()
    messages = []
    logger.warning = messages.append
    for scale in (1.0, 1e11, 1e20):
        logits = torch.tensor([[scale, 0.0, 0.0, -scale]] * 2,
                              requires_grad=True)
        out = loss(logits, torch.tensor([3, 3]))
        assert torch.isfinite(out)
    assert len(messages) == 1  # rate-limited, not silent
    assert 'training is diverging' in messages[0]
    assert 'clip_grad' in messages[0] and '2e+11' in messages[0]
