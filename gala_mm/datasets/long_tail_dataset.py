# Copyright (c) gala-mm contributors. All rights reserved.
"""Long-tail subsampling of any mmpretrain dataset, as a dataset wrapper."""
import copy
from typing import List, Optional, Union

import numpy as np
from mmpretrain.registry import DATASETS

from ..utils import suggest_typos
from .long_tail import (exponential_profile, hold_out_per_class,
                        sample_per_class)


@DATASETS.register_module()
@suggest_typos
class LongTailDataset:
    """Make any balanced classification dataset long-tailed with the
    CIFAR-LT protocol, in the style of mmengine's dataset wrappers.

    Class ``i`` keeps ``floor(n_max * IF^(-i/(C-1)))`` images drawn with a
    seeded local RNG (the same selection as ``LongTailCIFAR10/100`` on the
    same labels and seed). With ``val_per_class = k``, k images of every
    class are first held out as a balanced validation split
    (``split='val'``). ``metainfo['class_counts']`` holds the long-tailed
    training counts. Evaluate on the wrapped dataset's own (balanced) test
    split.

    Args:
        dataset (dict | BaseDataset): The balanced dataset (e.g.
            ``dict(type='CIFAR100', data_root=..., split='train')``, a
            ``CustomDataset`` folder, mmpretrain's ``FashionMNIST``).
        imbalance_factor (float): ``IF = n_max / n_min`` (> 1).
        seed (int): Seed of the selection. Defaults to 0.
        max_per_class (int, optional): ``n_max``; defaults to the smallest
            class of what is left after the validation hold-out.
        val_per_class (int): Images per class held out. Defaults to 0.
        split (str): ``'train'`` (the long-tailed part) or ``'val'``.
        lazy_init (bool): Defer loading, as mmengine's wrappers.
    """

    def __init__(self,
                 dataset: Union[dict, object],
                 imbalance_factor: float = 100,
                 seed: int = 0,
                 max_per_class: Optional[int] = None,
                 val_per_class: int = 0,
                 split: str = 'train',
                 lazy_init: bool = False) -> None:
        if split not in ('train', 'val'):
            raise ValueError(f"split={split!r}, expected 'train' or 'val' "
                             '(evaluate on the dataset\'s own test split).')
        if split == 'val' and val_per_class <= 0:
            raise ValueError("split='val' needs val_per_class > 0.")
        self.dataset = (DATASETS.build(dataset)
                        if isinstance(dataset, dict) else dataset)
        self.imbalance_factor = imbalance_factor
        self.seed = int(seed)
        self.max_per_class = max_per_class
        self.val_per_class = int(val_per_class)
        self.split = split
        self._metainfo = copy.deepcopy(self.dataset.metainfo)
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self._metainfo)

    def full_init(self) -> None:
        """Load the wrapped dataset and draw the long-tailed subset."""
        if self._fully_initialized:
            return
        self.dataset.full_init()
        labels = np.asarray(self.dataset.get_gt_labels())
        num_classes = int(labels.max()) + 1
        pool = np.arange(len(labels))
        if self.val_per_class:
            held, pool = hold_out_per_class(labels, self.val_per_class,
                                            self.seed)
        n_max = self.max_per_class or int(
            np.bincount(labels[pool], minlength=num_classes).min())
        counts = exponential_profile(n_max, num_classes,
                                     self.imbalance_factor)
        if self.split == 'val':
            self.indices = held
        else:
            self.indices = pool[sample_per_class(labels[pool], counts,
                                                 self.seed)]
        self._labels = labels[self.indices]
        self._metainfo['class_counts'] = counts
        self._metainfo['imbalance_factor'] = float(self.imbalance_factor)
        self._fully_initialized = True

    def get_data_info(self, idx: int) -> dict:
        return self.dataset.get_data_info(int(self.indices[idx]))

    def get_gt_labels(self) -> np.ndarray:
        return self._labels.copy()

    def get_cat_ids(self, idx: int) -> List[int]:
        return [int(self._labels[idx])]

    def __getitem__(self, idx: int) -> dict:
        return self.dataset[int(self.indices[idx])]

    def __len__(self) -> int:
        return len(self.indices)
