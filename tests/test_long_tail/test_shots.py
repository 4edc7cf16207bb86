# Copyright (c) gala-mm contributors. All rights reserved.
"""Shot groups (gala_mm/long_tail/shots.py)."""
import numpy as np
import pytest

from gala_mm.long_tail import ShotGroups, shot_groups


def test_thresholds_are_strict_for_many_and_few():
    """many: > many_thr; medium: [few_thr, many_thr]; few: < few_thr."""
    counts = [101, 100, 50, 20, 19, 3]
    groups = shot_groups(counts, 100, 20)
    assert groups['many'].tolist() == [0]
    assert groups['medium'].tolist() == [1, 2, 3]
    assert groups['few'].tolist() == [4, 5]
    g = ShotGroups.from_counts(counts, 100, 20)
    assert g.describe() == 'many(>100)=1, medium=3, few(<20)=2'
    masks = g.masks(6)
    assert masks['few'].tolist() == [False] * 4 + [True] * 2


def test_empty_group_and_no_counts_fallback():
    assert len(shot_groups([500, 400], 100, 20)['few']) == 0
    g = ShotGroups.from_counts(None, num_classes=7)
    assert not g.by_count
    assert {k: v.tolist() for k, v in g.indices.items()} == dict(
        head=[0, 1, 2], middle=[3, 4], tail=[5, 6])
    with pytest.raises(ValueError, match='needs num_classes'):
        ShotGroups.from_counts(None)
    with pytest.raises(ValueError, match='few_thr=50 must be <= many_thr'):
        ShotGroups.from_counts(np.ones(3), many_thr=10, few_thr=50)
