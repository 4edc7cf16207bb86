# Copyright (c) gala-mm contributors. All rights reserved.
"""PRS, post-hoc LA and re-balancing (gala_mm/long_tail/rebalance.py)."""
import warnings

import pytest
import torch

from gala_mm.long_tail import (class_prior, la_predict,
                               mean_class_distribution, prs_predict,
                               rebalance)


def collapsed_scores(n=50, num_classes=4, dead=2):
    """float32 softmax scores of a model that never predicts ``dead``:
    its probability underflows to 0."""
    logits = torch.randn(n, num_classes)
    logits[:, dead] = -200.0
    return torch.softmax(logits, 1)


def test_prior_names_the_classes_that_have_no_mass():
    scores = collapsed_scores()
    assert scores[:, 2].max() == 0  # underflowed in float32
    with pytest.raises(ValueError, match=r'1 class\(es\) have none \(2: 0\)'
                       r'.*never gives any probability'):
        class_prior(scores.double().mean(0))


def test_transductive_prs_warns_on_a_never_predicted_class():
    scores = collapsed_scores()
    with pytest.warns(UserWarning, match=r'class\(es\) \[2\] a mean '
                      'predicted probability of ~0'):
        prs_predict(scores, 2.0)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        prs_predict(torch.softmax(torch.randn(50, 4), 1), 2.0)
        prs_predict(scores, 0.0)  # tau 0: plain argmax, nothing to say


def test_rebalance_by_hand():
    """log p - tau * log prior, in float64; logits give the same argmax."""
    p = torch.tensor([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3]])
    prior = torch.tensor([0.7, 0.2, 0.1])
    out = rebalance(p, prior, 1.0)
    assert out.dtype == torch.float64
    expected = p.double().log() - prior.double().log()
    torch.testing.assert_close(out, expected)
    # row 0: 0.6/0.7=0.86, 0.3/0.2=1.5, 0.1/0.1=1 -> class 1;
    # row 1: 0.2/0.7=0.29, 0.5/0.2=2.5, 0.3/0.1=3 -> class 2
    assert out.argmax(1).tolist() == [1, 2]
    logits = torch.tensor([[2.0, 1.3, 0.2], [0.1, 1.0, 0.6]])
    assert torch.equal(
        rebalance(logits, prior, 2.0, log_space=True).argmax(1),
        rebalance(logits.softmax(1), prior, 2.0).argmax(1))
    torch.testing.assert_close(rebalance(p, prior, 0), p.double().log())
    with pytest.raises(ValueError, match='does not match'):
        rebalance(p, torch.ones(4) / 4, 1.0)
    with pytest.raises(ValueError, match='finite number >= 0'):
        rebalance(p, prior, -1)


def test_prs_uses_the_mean_prediction_and_la_the_counts():
    p = torch.tensor([[0.5, 0.4, 0.1], [0.6, 0.3, 0.1], [0.45, 0.1, 0.45]])
    s = mean_class_distribution(p)
    torch.testing.assert_close(s, p.double().mean(0))
    expected = (p.double() / s).argmax(1)
    assert torch.equal(prs_predict(p, 1.0), expected)
    assert expected.tolist() != p.argmax(1).tolist()  # PRS changed one
    counts = [90, 9, 1]
    prior = torch.tensor(counts, dtype=torch.float64) / 100
    assert torch.equal(la_predict(p, counts, 1.0),
                       (p.double() / prior).argmax(1))
    with pytest.raises(ValueError, match='non-empty'):
        mean_class_distribution(torch.zeros(0, 3))
