# Copyright (c) gala-mm contributors. All rights reserved.
import math

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

import gala_mm  # noqa: F401

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


def test_ldam_matches_hand_written_numbers():
    """Counts (16, 1): n^-1/4 = (0.5, 1), so margins (0.25, 0.5). Cosines
    (0.2, 0.1) with label 0: target 0.2 - 0.25 = -0.05, then s = 30 gives
    logits (-1.5, 3.0) and CE = log(e^-1.5 + e^3) + 1.5 = 4.511048."""
    ldam = MODELS.build(dict(type='LDAMLoss', num_classes=2,
                             class_counts=[16, 1]))
    assert ldam.margins().tolist() == pytest.approx([0.25, 0.5])
    z = torch.tensor([[0.2, 0.1]])
    y = torch.tensor([0])
    expected = math.log(math.exp(-1.5) + math.exp(3.0)) + 1.5
    assert expected == pytest.approx(4.511048, abs=1e-6)
    assert ldam(z, y).item() == pytest.approx(expected, rel=1e-6)
    # Margin first, then scale: not s * z - m.
    wrong = math.log(math.exp(6.0 - 0.25) + math.exp(3.0)) - (6.0 - 0.25)
    assert ldam(z, y).item() != pytest.approx(wrong, rel=1e-3)


def test_ldam_drw_hand_written_weights_and_mean():
    """beta = 0.9999, counts (16, 1): w = (1e-4 / (1 - 0.9999^16), 1)
    = (0.0625469, 1), normalised to sum 2: (0.1177301, 1.8822699). The mean
    divides by the batch's weight sum, also with avg_factor = N."""
    ldam = MODELS.build(dict(type='LDAMLoss', num_classes=2,
                             class_counts=[16, 1]))
    ldam.reweight = True
    w = ldam.class_weights()
    assert w.tolist() == pytest.approx([0.1177301, 1.8822699], rel=1e-6)
    z = torch.tensor([[0.2, 0.1], [0.3, -0.4], [0.0, 0.5]])
    y = torch.tensor([0, 0, 1])
    zm = z.clone()
    zm[torch.arange(3), y] -= torch.tensor([0.25, 0.25, 0.5])
    per = F.cross_entropy(30 * zm, y, reduction='none').double()
    wy = w[y]
    expected = (wy * per).sum() / wy.sum()
    assert ldam(z, y, avg_factor=3).item() == pytest.approx(
        expected.item(), rel=1e-5)
    # The official code's behaviour: F.cross_entropy(s * out, y, weight=w).
    official = F.cross_entropy(30 * zm, y, weight=w.float())
    assert ldam(z, y, avg_factor=3).item() == pytest.approx(
        official.item(), rel=1e-5)
    # Not the plain mean over N (the old, 3.5-5x too small DRW loss).
    assert ldam(z, y).item() != pytest.approx(
        (wy * per).mean().item(), rel=1e-3)


def test_ldam_random_inputs_and_errors():
    ldam = MODELS.build(dict(type='LDAMLoss', num_classes=4,
                             class_counts=COUNTS))
    m = ldam.margins()
    assert m.max().item() == pytest.approx(0.5)
    assert torch.all(m[1:] > m[:-1])  # rarer class, larger margin
    z = torch.rand(6, 4) * 2 - 1
    y = torch.tensor([0, 1, 2, 3, 0, 3])
    zm = z.clone().double()
    zm[torch.arange(6), y] -= m[y]
    assert ldam(z, y).item() == pytest.approx(
        F.cross_entropy(30 * zm, y).item(), rel=1e-5)
    with pytest.raises(ValueError, match='hard labels'):
        ldam(z, torch.rand(6, 4))
    with pytest.raises(ValueError, match='beta'):
        MODELS.build(dict(type='LDAMLoss', num_classes=4, beta=1.0))


def gcl_reference(cosine, label, counts, noise, noise_mul, margin, s):
    """GCL written per sample from the paper: logit j of sample i is
    cos_ij - noise_mul * |e_ij| * (log n_max - log n_j) / max_k(...)
    (- margin for the target), scaled by s, then softmax cross-entropy."""
    log_n = [math.log(n) for n in counts]
    size = [(max(log_n) - v) / (max(log_n) - min(log_n)) for v in log_n]
    total = 0.0
    for i in range(len(label)):
        logits = []
        for j in range(len(counts)):
            v = float(cosine[i][j]) - noise_mul * abs(float(noise[i][j])) \
                * size[j]
            if j == int(label[i]):
                v -= margin
            logits.append(s * v)
        top = max(logits)
        lse = top + math.log(sum(math.exp(v - top) for v in logits))
        total += lse - logits[int(label[i])]
    return total / len(label)


def test_gcl_cloud_sizes_hand_written():
    """Counts (100, 10, 1): log n = (4.605, 2.303, 0), so sizes
    (0, 0.5, 1)."""
    from gala_mm.models.losses import gcl_cloud_sizes
    sizes = gcl_cloud_sizes(torch.tensor([100.0, 10.0, 1.0]))
    assert sizes.tolist() == pytest.approx([0.0, 0.5, 1.0])
    assert gcl_cloud_sizes(torch.tensor([5.0, 5.0])).tolist() == [0.0, 0.0]


@pytest.mark.parametrize('noise_mul,margin', [(0.5, 0.0), (1.0, 0.2)])
def test_gcl_matches_per_sample_reference(noise_mul, margin):
    from gala_mm.models.losses import gcl_noise
    counts = [100, 10, 1]
    gcl = MODELS.build(dict(type='GCLLoss', num_classes=3,
                            noise_mul=noise_mul, margin=margin,
                            class_counts=counts))
    cosine = torch.rand(5, 3) * 2 - 1
    label = torch.tensor([0, 1, 2, 2, 1])
    torch.manual_seed(7)
    loss = gcl(cosine, label)
    torch.manual_seed(7)
    noise = torch.randn(5, 3) / 3  # the same draw, N(0, 1/3)
    noise = noise.clamp(-1, 1)
    torch.manual_seed(7)
    assert torch.equal(noise.abs(), gcl_noise((5, 3)))
    ref = gcl_reference(cosine.tolist(), label.tolist(), counts,
                        noise.tolist(), noise_mul, margin, 30.0)
    assert loss.item() == pytest.approx(ref, rel=1e-5)
    # Noise only while training: evaluation is CE on s * cosine.
    gcl.eval()
    assert gcl(cosine, label).item() == pytest.approx(
        F.cross_entropy(30 * cosine, label).item(), rel=1e-5)


def test_gcl_hand_written_numbers():
    """Head class (size 0) keeps its cosine; the rarest (size 1) with
    |e| = 0.3 and noise_mul 0.5 loses 0.15."""
    gcl = MODELS.build(dict(type='GCLLoss', num_classes=3,
                            class_counts=[100, 10, 1]))
    cos = torch.tensor([[0.4, 0.2, 0.1]])
    noise = torch.tensor([[0.9, 0.2, 0.3]])
    out = gcl.clouded_logits(cos, torch.tensor([0]), noise)
    assert out.tolist()[0] == pytest.approx([0.4, 0.15, -0.05])
    with pytest.raises(ValueError, match='hard labels'):
        gcl(cos, torch.rand(1, 3))
    with pytest.raises(ValueError, match='noise_mul'):
        MODELS.build(dict(type='GCLLoss', num_classes=3, noise_mul=-1))


def test_gcl_stage2_focal_weighting():
    """Official stage 2: focal_loss(F.cross_entropy(s * out, y,
    reduction='none'), gamma) with p = exp(-CE) detached, mean over N."""
    gcl = MODELS.build(dict(type='GCLLoss', num_classes=3, noise_mul=0.0,
                            margin=0.1, scale=20.0, focal_gamma=1.0,
                            class_counts=[100, 10, 1]))
    cos = torch.tensor([[0.5, 0.2, -0.1], [0.1, 0.3, 0.2]])
    y = torch.tensor([0, 2])
    out = cos.clone()
    out[torch.arange(2), y] -= 0.1
    ce = F.cross_entropy(20 * out, y, reduction='none')
    expected = ((1 - torch.exp(-ce)) * ce).mean()
    assert gcl(cos, y).item() == pytest.approx(expected.item(), rel=1e-5)
    # sample 0: target 0.4 vs 0.2, -0.1 -> CE = log(1 + e^-4 + e^-10)
    ce0 = math.log(1 + math.exp(-4.0) + math.exp(-10.0))
    assert ce[0].item() == pytest.approx(ce0, rel=1e-5)
