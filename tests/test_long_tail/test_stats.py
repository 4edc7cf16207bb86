# Copyright (c) gala-mm contributors. All rights reserved.
import numpy as np
import pytest
from scipy import stats

from gala_mm.long_tail.stats import (class_weights, holm, paired_bootstrap,
                                     paired_t, tost, verdict)

A = np.array([90.08, 89.93, 89.83, 90.11, 89.70])
B = np.array([89.99, 90.46, 90.19, 89.80, 90.02])


def test_paired_t_is_scipys_ttest_rel():
    res = paired_t(A - B)
    ref = stats.ttest_rel(A, B)
    ci = ref.confidence_interval(0.95)
    assert res['t'] == pytest.approx(ref.statistic, rel=1e-12)
    assert res['p'] == pytest.approx(ref.pvalue, rel=1e-12)
    assert (res['low'], res['high']) == pytest.approx((ci.low, ci.high),
                                                      rel=1e-12)
    assert res['mean'] == pytest.approx((A - B).mean())
    # a 90 % interval is narrower
    narrow = paired_t(A - B, level=0.9)
    assert res['low'] < narrow['low'] < narrow['high'] < res['high']


def test_paired_t_constant_and_bad_input():
    assert paired_t([0.5, 0.5, 0.5])['p'] == 0.0
    assert paired_t([0.0, 0.0])['p'] == 1.0
    with pytest.raises(ValueError, match='>= 2 seeds'):
        paired_t([0.3])
    with pytest.raises(ValueError, match='finite'):
        paired_t([0.3, float('nan')])


def test_tost_is_two_one_sided_scipy_tests():
    d = A - B
    for margin in (0.25, 0.5, 1.0):
        low = stats.ttest_1samp(d, -margin, alternative='greater').pvalue
        high = stats.ttest_1samp(d, margin, alternative='less').pvalue
        assert tost(d, margin) == pytest.approx(max(low, high), rel=1e-12)
    # equivalence within +-1 is shown here, within +-0.1 not; a wider
    # margin never makes it harder
    assert tost(d, 1.0) < 0.05 < tost(d, 0.1)
    assert tost(d, 2.0) <= tost(d, 1.0)
    # equals the 90 % interval inside the margin
    ci = paired_t(d, level=0.9)
    m = max(abs(ci['low']), abs(ci['high']))
    assert tost(d, m * 1.001) < 0.05 < tost(d, m * 0.999)
    with pytest.raises(ValueError, match='margin'):
        tost(d, 0)


def test_holm_by_hand():
    # sorted 0.01, 0.03, 0.04, 0.5 -> 4x0.01, max(0.04, 3x0.03),
    # max(.., 2x0.04), max(.., 1x0.5)
    adj = holm([0.04, 0.5, 0.01, 0.03])
    assert adj.tolist() == pytest.approx([0.09, 0.5, 0.04, 0.09])
    assert holm([0.6, 0.7]).tolist() == [1.0, 1.0]


def test_class_weights_give_balanced_accuracy():
    labels = np.array([0, 0, 0, 1])
    correct = np.array([1, 1, 0, 1], dtype=float)
    assert correct @ class_weights(labels) == pytest.approx((2 / 3 + 1) / 2)


def _correct(rng, p, seeds, labels):
    return rng.random((seeds, labels.size)) < p


def test_paired_bootstrap_covers_the_truth_and_sees_test_noise():
    rng = np.random.default_rng(1)
    labels = np.repeat(np.arange(4), 250)
    a = _correct(rng, 0.80, 5, labels)
    b = _correct(rng, 0.75, 5, labels)
    res = paired_bootstrap(a, b, labels, num_samples=1000)
    bal = [(x @ class_weights(labels)) for x in (a, b)]
    assert res['mean'] == pytest.approx(100 * (bal[0] - bal[1]).mean())
    assert res['low'] < 5.0 < res['high']  # the true gap: 5 points
    assert res['low'] > 0 and res['p'] < 0.05
    # identical seeds: the seeds carry no spread, the images still do
    same_a, same_b = np.repeat(a[:1], 5, 0), np.repeat(b[:1], 5, 0)
    res = paired_bootstrap(same_a, same_b, labels, num_samples=500)
    assert res['high'] - res['low'] > 1.0
    # the same method twice: nothing to tell apart
    res = paired_bootstrap(a, a, labels, num_samples=200)
    assert res['low'] == res['high'] == res['mean'] == 0 and res['p'] == 1


def test_paired_bootstrap_refuses_mismatched_shapes():
    labels = np.arange(3)
    with pytest.raises(ValueError, match='seeds, images'):
        paired_bootstrap(np.ones((2, 3)), np.ones((3, 3)), labels)
    with pytest.raises(ValueError, match='labels'):
        paired_bootstrap(np.ones((2, 3)), np.ones((2, 3)), np.arange(4))


def test_verdict_words():
    assert verdict(0.2, 0.9, 0.01, 0.5, 0.5).startswith('better')
    assert verdict(-0.9, -0.2, 0.01, 0.5, 0.5).startswith('worse')
    assert verdict(-0.3, 0.3, 0.6, 0.01, 0.5).startswith('level with')
    text = verdict(-0.8, 0.3, 0.3, 0.2, 0.5)
    assert text == 'not distinguishable (CI [-0.80, +0.30])'
    # no equivalence test: never "level"
    assert verdict(-0.1, 0.1, 0.9, None, 0.5).startswith('not disting')
