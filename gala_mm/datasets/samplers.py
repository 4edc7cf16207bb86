# Copyright (c) gala-mm contributors. All rights reserved.
"""Class-balanced sampling (the re-balancing stage of decoupled methods)."""
import math
from typing import Iterator, Optional, Sized

import numpy as np
import torch
from mmengine.dist import get_dist_info, sync_random_seed
from mmpretrain.registry import DATA_SAMPLERS
from torch.utils.data import Sampler

from ..utils import suggest_typos
from .wrappers import unwrap_dataset


@DATA_SAMPLERS.register_module()
@suggest_typos
class ClassBalancedSampler(Sampler):
    """Draw every class equally often: each of the ``len(dataset)`` draws
    of an epoch picks sample ``i`` with probability ``∝ 1 / n_{y_i}``
    (with replacement), as GCL's and cRT's classifier re-training stage.

    Deterministic given (seed, epoch), so a resumed run draws the same
    indices; in DDP every rank takes its own slice of the same draw.

    Args:
        dataset (Sized): A dataset with ``get_gt_labels()`` (mmpretrain's
            datasets; wrappers are looked through).
        seed (int, optional): Random seed; synchronised across ranks.
    """

    def __init__(self, dataset: Sized, seed: Optional[int] = None) -> None:
        inner = unwrap_dataset(dataset)
        if not hasattr(inner, 'get_gt_labels'):
            raise TypeError('ClassBalancedSampler needs a dataset with '
                            'get_gt_labels() (mmpretrain classification '
                            'datasets).')
        labels = np.asarray(inner.get_gt_labels())
        if len(labels) != len(dataset):
            raise ValueError('ClassBalancedSampler: the dataset wrapper '
                             'changes the sample count; put the sampler on '
                             'the plain dataset.')
        counts = np.bincount(labels)
        self.weights = torch.as_tensor(1.0 / counts[labels],
                                       dtype=torch.float64)
        self.rank, self.world_size = get_dist_info()
        self.seed = sync_random_seed() if seed is None else seed
        self.epoch = 0
        self.num_samples = math.ceil(len(labels) / self.world_size)
        self.total_size = self.num_samples * self.world_size

    def __iter__(self) -> Iterator[int]:
        gen = torch.Generator()
        gen.manual_seed(self.seed + self.epoch)
        draw = torch.multinomial(self.weights, self.total_size,
                                 replacement=True, generator=gen)
        return iter(draw[self.rank::self.world_size].tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
