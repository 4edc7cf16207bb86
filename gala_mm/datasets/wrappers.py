# Copyright (c) gala-mm contributors. All rights reserved.
"""Looking through mmengine's dataset wrappers."""


def unwrap_dataset(dataset):
    """The original dataset under mmengine's wrappers (ClassBalanced,
    Repeat...), so counts are those of the long-tailed split itself."""
    while hasattr(dataset, 'dataset') and not hasattr(dataset,
                                                      'get_gt_labels'):
        dataset = dataset.dataset
    return dataset


__all__ = ['unwrap_dataset']
