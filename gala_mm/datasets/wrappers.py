# Copyright (c) gala-mm contributors. All rights reserved.
"""Looking through dataset wrappers (built datasets and their configs)."""
from typing import Callable, Optional


def _has_labels(dataset) -> bool:
    return hasattr(dataset, 'get_gt_labels')


def unwrap_dataset(dataset, found: Optional[Callable[[object], bool]] = None):
    """Walk down a chain of wrappers (mmengine's ``ClassBalancedDataset``,
    ``RepeatDataset``, ``LongTailDataset``...) to the first dataset that
    ``found`` accepts.

    Args:
        dataset: A built dataset (``.dataset`` links) or a dataset config
            (``['dataset']`` links).
        found (callable, optional): When to stop. Defaults to "has labels
            of its own" (``get_gt_labels``), so counts are those of the
            long-tailed split itself.

    Returns:
        The dataset (or config) ``found`` accepts, else the innermost one.
    """
    found = found or _has_labels
    while not found(dataset):
        inner = dataset.get('dataset') if isinstance(dataset, dict) else \
            getattr(dataset, 'dataset', None)
        if inner is None or (isinstance(dataset, dict)
                             and not isinstance(inner, dict)):
            break
        dataset = inner
    return dataset


__all__ = ['unwrap_dataset']
