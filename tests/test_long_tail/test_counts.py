# Copyright (c) gala-mm contributors. All rights reserved.
"""Class counts, their prior and the strength check
(gala_mm/long_tail/counts.py)."""
import math

import numpy as np
import pytest
import torch

from gala_mm.long_tail import check_class_counts, check_tau, class_prior


@pytest.mark.parametrize('counts,match', [
    (['12', '6', '3'], r"numbers, got <U2 values \(e.g. '12'\): write them "
     'as integers'),
    ([], 'got counts for 0 classes but num_classes=3'),
])
def test_class_counts_that_are_not_numbers(counts, match):
    with pytest.raises(ValueError, match=match):
        check_class_counts(counts, 3, 'test')


def test_counts_validated():
    out = check_class_counts(np.array([5, 3, 1]), 3)
    assert out.dtype == torch.float64 and out.tolist() == [5.0, 3.0, 1.0]
    with pytest.raises(ValueError, match=r'classes \[1\] have no training'):
        check_class_counts([5, 0, 1], 3)
    with pytest.raises(ValueError, match='finite and >= 0'):
        check_class_counts([5, -1, 1], 3)


def test_prior_is_counts_over_their_sum():
    torch.testing.assert_close(class_prior([6, 3, 1]),
                               torch.tensor([0.6, 0.3, 0.1],
                                            dtype=torch.float64))


@pytest.mark.parametrize('value', [-0.1, 'abc', math.nan, math.inf, None,
                                   True])
def test_check_tau_refuses(value):
    with pytest.raises(ValueError, match=r'lambda=.*finite number >= 0'):
        check_tau(value, 'lambda')


def test_check_tau_accepts_numbers():
    assert check_tau(0) == 0.0 and check_tau('1.5') == 1.5
    assert check_tau(np.float32(2.0)) == 2.0
