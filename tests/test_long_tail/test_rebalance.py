# Copyright (c) gala-mm contributors. All rights reserved.
"""PRS and class priors when a class is never predicted."""
import warnings

import pytest
import torch

from gala_mm.long_tail import class_prior, prs_predict


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


@pytest.mark.parametrize('counts,match', [
    (['12', '6', '3'], r"numbers, got <U2 values \(e.g. '12'\): write them "
     'as integers'),
    ([], 'got counts for 0 classes but num_classes=3'),
])
def test_class_counts_that_are_not_numbers(counts, match):
    from gala_mm.long_tail import check_class_counts
    with pytest.raises(ValueError, match=match):
        check_class_counts(counts, 3, 'test')
