# Copyright (c) gala-mm contributors. All rights reserved.
"""Long-tail subsampling of any mmpretrain dataset, as a dataset wrapper."""
import copy
import socket
import urllib.error
from typing import List, Optional, Union

import numpy as np
from mmengine.logging import MMLogger
from mmpretrain.registry import DATASETS

from ..utils import suggest_typos
from .long_tail import (check_count, check_imbalance_factor, check_seed,
                        exponential_profile, hold_out_per_class,
                        sample_per_class)

#: What a failed download raises (urllib's errors, DNS, TLS, timeouts).
DOWNLOAD_ERRORS = (urllib.error.URLError, ConnectionError, TimeoutError,
                   socket.gaierror)
SPLITS = ('train', 'val', 'test')


@DATASETS.register_module()
@suggest_typos
class LongTailDataset:
    """Make any balanced classification dataset long-tailed with the
    CIFAR-LT protocol, in the style of mmengine's dataset wrappers.

    Class ``i`` keeps ``floor(n_max * IF^(-i/(C-1)))`` images drawn with a
    seeded local RNG. With ``val_per_class = k``, k images of every class
    are first held out as a balanced validation split (``split='val'``).
    ``split='test'`` keeps the wrapped (test) dataset whole. On every split
    ``metainfo['class_counts']`` holds the long-tailed *training* counts.

    Args:
        dataset (dict | BaseDataset): The balanced dataset (e.g.
            ``dict(type='CIFAR100', data_root=..., split='train')``, a
            ``CustomDataset`` folder, mmpretrain's ``FashionMNIST``).
        imbalance_factor (float): ``IF = n_max / n_min`` (> 1).
        seed (int): Seed of the selection. Defaults to 0.
        max_per_class (int, optional): ``n_max``; defaults to the smallest
            class of what is left after the validation hold-out. Needed for
            ``split='test'`` (the test split cannot tell the training
            profile).
        val_per_class (int): Images per class held out. Defaults to 0.
        split (str): ``'train'`` (the long-tailed part), ``'val'`` (the
            held-out part) or ``'test'`` (all of ``dataset``).
        lazy_init (bool): Defer the selection, as mmengine's wrappers.
    """
    #: Appended to the error of a failed download (how to get the data).
    offline_hint: str = ''

    def __init__(self,
                 dataset: Union[dict, object],
                 imbalance_factor: float = 100,
                 seed: int = 0,
                 max_per_class: Optional[int] = None,
                 val_per_class: int = 0,
                 split: str = 'train',
                 lazy_init: bool = False) -> None:
        if split not in SPLITS:
            raise ValueError(f"split={split!r}, expected one of {SPLITS}.")
        val_per_class = check_count('val_per_class', val_per_class, 0)
        max_per_class = check_count('max_per_class', max_per_class, 1,
                                    allow_none=True)
        if split == 'val' and val_per_class <= 0:
            raise ValueError("split='val' needs val_per_class > 0 (images "
                             'per class held out of the training split).')
        if split == 'test' and not max_per_class:
            raise ValueError("split='test' needs max_per_class (n_max of "
                             'the training profile).')
        self.imbalance_factor = check_imbalance_factor(imbalance_factor)
        self.seed = check_seed(seed)
        self.max_per_class = max_per_class
        self.val_per_class = val_per_class
        self.split = split
        self.dataset = (self._build(dataset)
                        if isinstance(dataset, dict) else dataset)
        self._metainfo = copy.deepcopy(self.dataset.metainfo)
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    def _build(self, cfg: dict):
        """Build the wrapped dataset; a failed download names the fix."""
        try:
            return DATASETS.build(cfg)
        except DOWNLOAD_ERRORS as e:
            name = type(self).__name__
            raise RuntimeError(
                f'{name}: downloading {cfg.get("type")} into '
                f'{cfg.get("data_root")!r} failed ({e}). Without internet: '
                'put the files under data_root and set download=False, e.g. '
                '--cfg-options train_dataloader.dataset.download=False '
                'train_dataloader.dataset.data_root=DIR (same for '
                f'val_dataloader / test_dataloader).{self.offline_hint}'
            ) from None

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self._metainfo)

    def full_init(self) -> None:
        """Load the wrapped dataset and draw the long-tailed subset."""
        if self._fully_initialized:
            return
        self.dataset.full_init()
        labels = np.asarray(self.dataset.get_gt_labels())
        num_classes = len(self._metainfo.get('classes') or ()) or int(
            labels.max()) + 1
        pool = np.arange(len(labels))
        if self.val_per_class and self.split != 'test':
            held, pool = hold_out_per_class(labels, self.val_per_class,
                                            self.seed)
        n_max = self.max_per_class or int(
            np.bincount(labels[pool], minlength=num_classes).min())
        counts = exponential_profile(n_max, num_classes,
                                     self.imbalance_factor)
        if self.split == 'test':
            self.indices = pool
        elif self.split == 'val':
            self.indices = held
        else:
            self.indices = pool[sample_per_class(labels[pool], counts,
                                                 self.seed)]
            MMLogger.get_current_instance().info(
                f'{type(self).__name__}: IF={self.imbalance_factor:g}, '
                f'seed={self.seed}, {len(self.indices)} of {len(labels)} '
                f'training images, {counts[0]} -> {counts[-1]} per class.')
        self._labels = labels[self.indices]
        self._metainfo['class_counts'] = counts
        self._metainfo['imbalance_factor'] = self.imbalance_factor
        self._fully_initialized = True

    @property
    def pipeline(self):
        """The wrapped dataset's pipeline (tools such as mmpretrain's
        ``browse_dataset.py`` read and replace it)."""
        return self.dataset.pipeline

    @pipeline.setter
    def pipeline(self, pipeline) -> None:
        self.dataset.pipeline = pipeline

    @property
    def class_counts(self) -> List[int]:
        """Training images per class of the long-tailed profile."""
        self.full_init()
        return list(self._metainfo['class_counts'])

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
