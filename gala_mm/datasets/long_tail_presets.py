# Copyright (c) gala-mm contributors. All rights reserved.
"""The standard long-tailed benchmarks as presets of :class:`LongTailDataset`:
the source dataset and ``n_max`` fixed, everything else as the wrapper."""
from typing import Optional, Set

from mmpretrain.registry import DATASETS

from ..utils import known_arguments, suggest_typos
from .long_tail_dataset import LongTailDataset


class LongTailPreset(LongTailDataset):
    """:class:`LongTailDataset` over one mmpretrain dataset type.

    Args:
        data_root (str): ``data_root`` of the source dataset.
        split (str): ``'train'`` (long-tailed), ``'val'`` (balanced, held
            out of the training split; needs ``val_per_class``) or
            ``'test'`` (the source's balanced test split).
        imbalance_factor (float): ``n_max / n_min`` (> 1). Defaults to 100.
        seed (int): Seed of the per-class selection. Defaults to 0.
        max_per_class (int, optional): ``n_max``. Defaults to the preset's.
        val_per_class (int): Images per class held out of the training
            split for ``split='val'``. Defaults to 0.
        lazy_init (bool): Defer the selection. Defaults to False.
        **kwargs: Arguments of the source dataset (``pipeline``,
            ``download``, ``metainfo``...).
    """
    #: Registered name of the balanced source dataset.
    source_type: str = ''
    #: ``n_max`` of the benchmark's profile.
    default_max_per_class: int = 0

    @classmethod
    def forwarded_arguments(cls) -> Optional[Set[str]]:
        """Arguments of the source dataset (``**kwargs`` go there)."""
        return known_arguments(DATASETS.get(cls.source_type))

    @classmethod
    def source_config(cls, data_root: str = '', split: str = 'train',
                      **kwargs) -> dict:
        """The config of the source dataset that ``split`` reads from (its
        training split for ``'train'`` / ``'val'``, its test split for
        ``'test'``); ``kwargs`` are the source's own arguments."""
        # test_mode too: mmpretrain 1.2's MNIST readers choose the files by
        # test_mode alone and ignore split.
        test = split == 'test'
        kwargs.setdefault('test_mode', test)
        return dict(type=cls.source_type, data_root=data_root,
                    split='test' if test else 'train', **kwargs)

    def __init__(self,
                 data_root: str = '',
                 split: str = 'train',
                 imbalance_factor: float = 100,
                 seed: int = 0,
                 max_per_class: Optional[int] = None,
                 val_per_class: int = 0,
                 lazy_init: bool = False,
                 **kwargs) -> None:
        source = self.source_config(data_root, split, **kwargs)
        if max_per_class is None:
            max_per_class = self.default_max_per_class or None
        super().__init__(source, imbalance_factor, seed, max_per_class,
                         val_per_class, split, lazy_init)


@DATASETS.register_module()
@suggest_typos
class LongTailCIFAR10(LongTailPreset):
    """CIFAR-10-LT (IF100: 12,406 training images, 5000 -> 50 per class).

    Args: as :class:`LongTailPreset` (``data_root`` contains
        ``cifar-10-batches-py``; ``max_per_class`` defaults to 5000).
    """
    source_type = 'CIFAR10'
    default_max_per_class = 5000


@DATASETS.register_module()
@suggest_typos
class LongTailCIFAR100(LongTailPreset):
    """CIFAR-100-LT (IF100: 10,847 training images, 500 -> 5 per class).

    Args: as :class:`LongTailPreset` (``data_root`` contains
        ``cifar-100-python``; ``max_per_class`` defaults to 500).
    """
    source_type = 'CIFAR100'
    default_max_per_class = 500


@DATASETS.register_module()
@suggest_typos
class LongTailFashionMNIST(LongTailPreset):
    """Fashion-MNIST-LT: the CIFAR-10-LT profile (5000 -> 50 per class at
    IF100) drawn from Fashion-MNIST's 6,000 training images per class.

    The offline demo and accuracy benchmark. Images are 28x28 grey: the
    configs pad them to 32x32 and the data preprocessor's three equal means
    broadcast the grey channel to ResNet-32's three.

    Args: as :class:`LongTailPreset` (``data_root`` contains the four
        uncompressed idx files; ``max_per_class`` defaults to 5000).
    """
    source_type = 'FashionMNIST'
    default_max_per_class = 5000
    offline_hint = (' For Fashion-MNIST offline: apt-get install -y '
                    'dataset-fashion-mnist, then python '
                    'tools/dataset_converters/prepare_fashion_mnist.py.')
