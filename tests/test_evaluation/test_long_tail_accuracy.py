# Copyright (c) gala-mm contributors. All rights reserved.
import json

import numpy as np
import pytest
import torch
from mmpretrain.registry import METRICS
from mmpretrain.structures import DataSample

from gala_mm.evaluation import format_shot_table, shot_groups
from gala_mm.long_tail import format_group_sizes


def samples(gt, pred, num_classes=4, scores=None):
    out = []
    for i, (g, p) in enumerate(zip(gt, pred)):
        s = scores[i] if scores is not None else torch.nn.functional.one_hot(
            torch.tensor(p), num_classes).float()
        ds = DataSample().set_gt_label(g).set_pred_score(s).set_pred_label(p)
        out.append(ds.to_dict())
    return out


# class 0: 3/4, class 1: 2/2, class 2: 1/2, class 3: 0/2
GT = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3]
PRED = [0, 0, 0, 1, 1, 1, 2, 0, 0, 1]


def evaluate(metric, data):
    metric.process(None, data)
    return metric.evaluate(len(data))


def test_hand_made_example_with_empty_group():
    metric = METRICS.build(
        dict(type='LongTailAccuracy', class_counts=[200, 150, 50, 30]))
    res = evaluate(metric, samples(GT, PRED))
    assert res['lt/top1'] == pytest.approx(60.0)
    assert res['lt/balanced'] == pytest.approx((75 + 100 + 50 + 0) / 4)
    assert res['lt/many'] == pytest.approx(87.5)
    assert res['lt/medium'] == pytest.approx(25.0)
    assert 'lt/few' not in res  # no class has < 20 images: not a 0
    groups = shot_groups([200, 150, 50, 30])
    table = format_shot_table({k[3:]: v for k, v in res.items()}, groups)
    assert 'no cls' in table and 'few=0' in table
    # the group sizes line is one function's, in the table and the tools
    sizes = format_group_sizes(groups)
    assert sizes == 'classes per group: many=2, medium=2, few=0'
    assert table.endswith(sizes)


def test_thresholds_are_configurable():
    metric = METRICS.build(
        dict(type='LongTailAccuracy', class_counts=[200, 150, 50, 30],
             many_thr=160, few_thr=40))
    res = evaluate(metric, samples(GT, PRED))
    assert res['lt/many'] == pytest.approx(75.0)  # class 0 only
    assert res['lt/medium'] == pytest.approx(75.0)  # classes 1, 2
    assert res['lt/few'] == pytest.approx(0.0)  # class 3


def test_counts_from_dataset_meta_and_hook():
    metric = METRICS.build(dict(type='LongTailAccuracy'))
    metric.dataset_meta = dict(class_counts=[200, 150, 50, 30])
    assert evaluate(metric, samples(GT, PRED))['lt/many'] == 87.5
    metric = METRICS.build(dict(type='LongTailAccuracy'))
    metric.set_class_counts([5, 150, 50, 30])  # hook wins over meta
    metric.dataset_meta = dict(class_counts=[200, 150, 50, 30])
    assert evaluate(metric, samples(GT, PRED))['lt/many'] == 100.0


def test_without_counts_only_overall():
    metric = METRICS.build(dict(type='LongTailAccuracy'))
    res = evaluate(metric, samples(GT, PRED))
    assert set(res) == {'lt/top1', 'lt/balanced'}


def test_counts_mismatch_is_an_error():
    metric = METRICS.build(
        dict(type='LongTailAccuracy', class_counts=[1, 2, 3], prs_taus=1))
    metric.process(None, samples(GT, PRED))
    with pytest.raises(ValueError, match='num_classes=4'):
        metric.evaluate(10)


def prs_explicit(probs, tau):
    """Spec section 2: column L1 norms over the set, divide, argmax."""
    s = probs.sum(dim=0)
    q = probs / s**tau
    return q.argmax(dim=1)


def test_prs_and_la_taus_in_one_pass(tmp_path):
    gen = torch.Generator().manual_seed(0)
    n, c = 400, 6
    gt = torch.arange(n) % c
    bias = torch.linspace(2, -2, c)  # model biased towards head classes
    logits = torch.randn(n, c, generator=gen) + 2.0 * torch.nn.functional.\
        one_hot(gt, c) + bias
    probs = logits.softmax(1)
    counts = [500, 300, 150, 80, 30, 10]
    out = tmp_path / 'per_class.json'
    metric = METRICS.build(
        dict(type='LongTailAccuracy', class_counts=counts,
             prs_tau=[0.5, 1.0, 0], la_tau=1.0, per_class_out=str(out)))
    res = evaluate(metric, samples(gt.tolist(), probs.argmax(1).tolist(),
                                   c, probs))
    for tau in (0.5, 1.0):
        pred = prs_explicit(probs.double(), tau)
        expected = 100.0 * (pred == gt).double().mean().item()
        assert res[f'lt/prs{tau:g}_top1'] == pytest.approx(expected)
    assert 'lt/prs0_top1' not in res
    # re-balancing fixes the head bias on this balanced set
    assert res['lt/prs1_balanced'] > res['lt/balanced'] + 5
    prior = torch.tensor(counts, dtype=torch.float64)
    la = (probs.double().log() - (prior / prior.sum()).log()).argmax(1)
    assert res['lt/la1_top1'] == pytest.approx(
        100.0 * (la == gt).double().mean().item())
    dump = json.loads(out.read_text())
    assert set(dump['accuracy']) == {'raw', 'prs0.5', 'prs1', 'la1'}
    assert len(dump['accuracy']['raw']) == c


@pytest.mark.parametrize('tau', [-1, float('nan'), 'x'])
def test_bad_tau(tau):
    with pytest.raises(ValueError, match='prs_tau'):
        METRICS.build(dict(type='LongTailAccuracy', prs_taus=tau))


def test_prs_equivalence_with_logit_form():
    """argmax p/s^tau == argmax z - tau log(s/N) (spec section 2)."""
    from gala_mm.long_tail import prs_predict
    z = torch.randn(300, 8, dtype=torch.float64) * 3
    p = z.softmax(1)
    for tau in (0.3, 1.0, 1.7):
        s = p.mean(0)
        logit_form = (z - tau * s.log()).argmax(1)
        assert torch.equal(prs_predict(p, tau), logit_form)
        assert torch.equal(prs_predict(p, tau), prs_explicit(p, tau))
    assert np.array_equal(prs_predict(p, 0).numpy(), p.argmax(1).numpy())


def test_grid_names_and_their_former_names():
    """The metric's grids are ``prs_taus`` / ``la_taus`` (the head has one
    ``prs_tau``); the former names give the same grid, both at once is an
    error."""
    new = METRICS.build(dict(type='LongTailAccuracy', prs_taus=[1.0, 0.5],
                             la_taus=2))
    old = METRICS.build(dict(type='LongTailAccuracy', prs_tau=[1.0, 0.5],
                             la_tau=2))
    assert new.prs_taus == old.prs_taus == [1.0, 0.5]
    assert new.la_taus == old.la_taus == [2.0]
    with pytest.raises(ValueError, match='give prs_taus only'):
        METRICS.build(dict(type='LongTailAccuracy', prs_taus=1, prs_tau=1))
