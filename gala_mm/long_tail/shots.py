# Copyright (c) gala-mm contributors. All rights reserved.
"""Many / medium / few-shot class groups, built once."""
from dataclasses import dataclass, field
from typing import Dict, Optional

import numpy as np

from .counts import Counts

GROUPS = ('many', 'medium', 'few')


@dataclass(frozen=True)
class ShotGroups:
    """Classes split by training-image count (Liu et al., 2019).

    many: ``count > many_thr``; medium: ``few_thr <= count <= many_thr``;
    few: ``count < few_thr``. Without counts (``from_counts(None, ...)``)
    the fallback is the first / middle / last third of the class indices
    (CIFAR-LT classes are sorted by frequency), named head / middle / tail.

    Attributes:
        many_thr (int): Many-shot threshold.
        few_thr (int): Few-shot threshold.
        indices (dict[str, np.ndarray]): Class indices of each group (a
            group may be empty).
        by_count (bool): Whether the groups come from class counts.
    """
    many_thr: int
    few_thr: int
    indices: Dict[str, np.ndarray] = field(compare=False)
    by_count: bool = True

    @classmethod
    def from_counts(cls, counts: Optional[Counts], many_thr: int = 100,
                    few_thr: int = 20,
                    num_classes: Optional[int] = None) -> 'ShotGroups':
        """The groups of ``counts``; the index-thirds fallback when
        ``counts`` is None (then ``num_classes`` is needed)."""
        if few_thr > many_thr:
            raise ValueError(f'few_thr={few_thr} must be <= many_thr='
                             f'{many_thr}.')
        if counts is None:
            if num_classes is None:
                raise ValueError('ShotGroups without class counts needs '
                                 'num_classes.')
            idx = np.arange(num_classes)
            thirds = dict(
                head=idx[idx < num_classes / 3],
                middle=idx[(idx >= num_classes / 3)
                           & (idx < 2 * num_classes / 3)],
                tail=idx[idx >= 2 * num_classes / 3])
            return cls(many_thr, few_thr, thirds, by_count=False)
        c = np.asarray(counts)
        return cls(many_thr, few_thr, dict(
            many=np.flatnonzero(c > many_thr),
            medium=np.flatnonzero((c >= few_thr) & (c <= many_thr)),
            few=np.flatnonzero(c < few_thr)))

    def masks(self, num_classes: int) -> Dict[str, np.ndarray]:
        """Boolean class masks ``(C,)`` of each group."""
        out = {}
        for name, idx in self.indices.items():
            mask = np.zeros(num_classes, dtype=bool)
            mask[idx] = True
            out[name] = mask
        return out

    def describe(self) -> str:
        """E.g. ``'many(>100)=8, medium=2, few(<20)=0'``."""
        if not self.by_count:
            return ', '.join(f'{k}={len(v)}' for k, v in self.indices.items())
        n = {k: len(v) for k, v in self.indices.items()}
        return (f'many(>{self.many_thr})={n["many"]}, medium={n["medium"]}, '
                f'few(<{self.few_thr})={n["few"]}')


def shot_groups(class_counts: Counts, many_thr: int = 100,
                few_thr: int = 20) -> Dict[str, np.ndarray]:
    """Class indices of the many / medium / few groups (maybe empty); see
    :class:`ShotGroups`."""
    return ShotGroups.from_counts(class_counts, many_thr, few_thr).indices
