# Copyright (c) gala-mm contributors. All rights reserved.
"""Long-tailed CIFAR-10/100 (the CIFAR-LT protocol of LDAM-DRW)."""
import os.path as osp
from typing import List, Optional

import numpy as np
from mmengine.logging import MMLogger
from mmpretrain.datasets import CIFAR10, CIFAR100
from mmpretrain.registry import DATASETS

from .long_tail import (check_imbalance_factor, exponential_profile,
                        hold_out_per_class, sample_per_class)
from ..utils import suggest_typos


class LongTailCIFARMixin:
    """Long-tail subsampling of a balanced CIFAR-layout training split.

    The training split keeps ``floor(n_max * IF^(-i/(C-1)))`` images of
    class ``i``, chosen with a seeded local RNG; the test split stays
    balanced. ``metainfo['class_counts']`` holds the long-tailed *training*
    counts on every split (the test split needs them for shot groups).

    With ``val_per_class = k > 0``, k images of every class are first held
    out of the training files as a balanced validation split
    (``split='val'``, for tuning PRS's tau without the test set); the
    long-tailed training split is drawn from the rest, so ``n_max`` must not
    exceed what is left.
    """

    #: Images per class in the full training split.
    default_max_per_class: int = 0

    def __init__(self,
                 data_root: str = '',
                 split: str = 'train',
                 imbalance_factor: float = 100,
                 seed: int = 0,
                 max_per_class: Optional[int] = None,
                 val_per_class: int = 0,
                 verify_md5: bool = True,
                 **kwargs) -> None:
        file_split = self._init_long_tail(split, imbalance_factor, seed,
                                          max_per_class, val_per_class,
                                          verify_md5)
        super().__init__(data_root=data_root, split=file_split, **kwargs)

    def _init_long_tail(self, split: str, imbalance_factor: float, seed: int,
                        max_per_class: Optional[int], val_per_class: int,
                        verify_md5: bool) -> str:
        """Store the long-tail settings; return the file split to read."""
        if split not in ('train', 'val', 'test'):
            raise ValueError(f"split={split!r}, expected 'train', 'val' or "
                             "'test'.")
        if split == 'val' and val_per_class <= 0:
            raise ValueError("split='val' needs val_per_class > 0 (images "
                             'per class held out of the training files).')
        self.lt_split = split
        self.val_per_class = int(val_per_class)
        self.imbalance_factor = check_imbalance_factor(imbalance_factor)
        self.seed = int(seed)
        self.max_per_class = int(max_per_class or self.default_max_per_class)
        self.verify_md5 = verify_md5
        return 'test' if split == 'test' else 'train'

    @property
    def num_classes(self) -> int:
        return len(self.METAINFO['classes'])

    @property
    def class_counts(self) -> List[int]:
        """Training images per class of the long-tailed split."""
        return exponential_profile(self.max_per_class, self.num_classes,
                                   self.imbalance_factor)

    def _check_integrity(self) -> bool:
        if self.verify_md5:
            return super()._check_integrity()
        root = self.data_prefix['root']
        return all(
            osp.exists(osp.join(root, self.base_folder, name))
            for name, _ in self.train_list + self.test_list)

    def _missing_data_error(self) -> FileNotFoundError:
        folder = osp.join(self.data_prefix['root'], self.base_folder)
        return FileNotFoundError(
            f'{type(self).__name__}: no {"valid " if self.verify_md5 else ""}'
            f'CIFAR files in {folder!r}. Fix: set download=True to fetch '
            'CIFAR (needs internet), point data_root at the folder that '
            f'contains {self.base_folder!r}, or for the offline demo run '
            'tools/dataset_converters/fashion_mnist_to_cifar.py.')

    def load_data_list(self) -> List[dict]:
        if not self.download and not self._check_integrity():
            raise self._missing_data_error()
        try:
            data_list = super().load_data_list()
        except OSError as e:  # URLError, DNS, TLS, connection refused...
            if not self.download or self._check_integrity():
                raise
            folder = osp.join(self.data_prefix['root'], self.base_folder)
            raise RuntimeError(
                f'{type(self).__name__}: downloading CIFAR into {folder!r} '
                f'failed ({e}). Without internet: put the extracted '
                f'{self.base_folder!r} folder under data_root and set '
                'download=False, e.g. --cfg-options '
                'train_dataloader.dataset.download=False '
                'train_dataloader.dataset.data_root=DIR (same for '
                'val_dataloader / test_dataloader).') from None
        self._metainfo['class_counts'] = self.class_counts
        self._metainfo['imbalance_factor'] = self.imbalance_factor
        if self.lt_split == 'test':
            return data_list
        labels = np.array([d['gt_label'] for d in data_list])
        pool = np.arange(len(labels))
        if self.val_per_class:
            held, pool = hold_out_per_class(labels, self.val_per_class,
                                            self.seed)
            if self.lt_split == 'val':
                return [data_list[i] for i in held]
        keep = pool[sample_per_class(labels[pool], self.class_counts,
                                     self.seed)]
        MMLogger.get_current_instance().info(
            f'{type(self).__name__}: IF={self.imbalance_factor:g}, '
            f'seed={self.seed}, {len(keep)} of {len(data_list)} training '
            f'images, {self.class_counts[0]} -> {self.class_counts[-1]} '
            'per class.')
        return [data_list[i] for i in keep]


@DATASETS.register_module()
@suggest_typos
class LongTailCIFAR10(LongTailCIFARMixin, CIFAR10):
    """CIFAR-10-LT: CIFAR-10 with an exponentially long-tailed train split.

    Args:
        data_root (str): Folder containing ``cifar-10-batches-py``.
        split (str): ``'train'`` (long-tailed), ``'val'`` (balanced, held
            out of the training files; needs ``val_per_class``) or
            ``'test'`` (balanced).
        imbalance_factor (float): ``n_max / n_min`` (> 1). Defaults to 100.
        seed (int): Seed of the per-class selection. Defaults to 0.
        max_per_class (int, optional): ``n_max``. Defaults to 5000.
        val_per_class (int): Images per class held out of the training
            files for ``split='val'``. Defaults to 0.
        verify_md5 (bool): Check the official md5 sums; set False for data
            in CIFAR layout made by a converter. Defaults to True.
        download (bool): Download CIFAR when missing. Defaults to True.
        **kwargs: Other arguments of :class:`CIFAR10`.
    """
    default_max_per_class = 5000


@DATASETS.register_module()
@suggest_typos
class LongTailCIFAR100(LongTailCIFARMixin, CIFAR100):
    """CIFAR-100-LT (IF100: 10,847 training images, 500 -> 5 per class).

    Args: as :class:`LongTailCIFAR10` (``max_per_class`` defaults to 500,
        ``data_root`` contains ``cifar-100-python``).
    """
    default_max_per_class = 500
