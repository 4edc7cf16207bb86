# Copyright (c) gala-mm contributors. All rights reserved.
from .file_list import (FileListError, ImageNetLT, INaturalist2018,
                        LongTailFileList, PlacesLT, parse_file_list)
from .transforms import CenterPad, CIFAR10AutoAugment, cifar10_policies
from .long_tail import (check_imbalance_factor, exponential_profile,
                        hold_out_per_class, sample_per_class)
from .long_tail_dataset import LongTailDataset
from .long_tail_presets import (LongTailCIFAR10, LongTailCIFAR100,
                                LongTailFashionMNIST, LongTailPreset)
from .samplers import ClassBalancedSampler
from .seeded_dataset import SeededDataset, sample_seed
from .wrappers import unwrap_dataset

__all__ = [
    'LongTailCIFAR10', 'LongTailCIFAR100', 'LongTailFileList', 'ImageNetLT',
    'PlacesLT', 'INaturalist2018', 'FileListError', 'parse_file_list',
    'check_imbalance_factor', 'exponential_profile', 'sample_per_class',
    'hold_out_per_class', 'CIFAR10AutoAugment', 'cifar10_policies',
    'CenterPad',
    'ClassBalancedSampler', 'unwrap_dataset', 'LongTailDataset',
    'LongTailPreset', 'LongTailFashionMNIST', 'SeededDataset', 'sample_seed'
]
