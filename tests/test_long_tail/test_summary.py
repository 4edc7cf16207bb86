# Copyright (c) gala-mm contributors. All rights reserved.
"""Per-class, balanced and group accuracy, the report table
(gala_mm/long_tail/summary.py)."""
import math

import numpy as np
import pytest

from gala_mm.long_tail import (format_shot_table, per_class_accuracy,
                               shot_groups, summarize)


def test_accuracies_by_hand():
    gt = np.array([0, 0, 0, 0, 1, 1, 2, 2])
    pred = np.array([0, 0, 0, 1, 1, 0, 2, 2])
    acc = per_class_accuracy(pred, gt, 4)
    np.testing.assert_allclose(acc[:3], [75.0, 50.0, 100.0])
    assert math.isnan(acc[3])  # class 3 absent from gt
    groups = shot_groups([300, 50, 5, 5], 100, 20)
    out = summarize(pred, gt, 4, groups)
    assert out['top1'] == pytest.approx(100 * 6 / 8)
    assert out['balanced'] == pytest.approx(75.0)  # NaN class ignored
    assert out['many'] == 75.0 and out['medium'] == 50.0
    assert out['few'] == 100.0  # class 3 (no images) left out
    assert 'few' not in summarize(pred, gt, 4, shot_groups([300, 50, 50, 50],
                                                           100, 20))


def test_shot_table_rows_and_empty_groups():
    metrics = dict(top1=70.0, balanced=60.0, many=80.0, medium=50.0,
                   prs1_top1=68.0, prs1_balanced=65.0)
    groups = shot_groups([300, 50], 100, 20)
    table = format_shot_table(metrics, groups).split('\n')
    assert table[2].split() == ['raw', '70.00', '60.00', '80.00', '50.00',
                                'no', 'cls']
    assert table[3].split()[:3] == ['prs1', '68.00', '65.00']
    assert table[-1] == 'classes per group: many=1, medium=1, few=0'
