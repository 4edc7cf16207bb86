# Copyright (c) gala-mm contributors. All rights reserved.
"""The exponential long-tail profile of CIFAR-LT (Cao et al., 2019)."""
import math
from typing import List, Tuple

import numpy as np


def check_imbalance_factor(imbalance_factor) -> float:
    """Validate an imbalance factor ``n_max / n_min`` (must be > 1)."""
    try:
        value = float(imbalance_factor)
    except (TypeError, ValueError):
        raise ValueError(
            f'imbalance_factor={imbalance_factor!r} must be a number > 1 '
            '(e.g. 100 for CIFAR-100-LT IF100).') from None
    if not math.isfinite(value) or value <= 1:
        raise ValueError(
            f'imbalance_factor={imbalance_factor!r} must be a number > 1 '
            '(n_max / n_min, e.g. 100); for the balanced dataset use '
            "mmpretrain's CIFAR10/CIFAR100 instead.")
    return value


#: ``hold_out_per_class`` draws from ``seed + HOLD_OUT_OFFSET``; numpy's
#: legacy seeds are 32-bit, so seeds go up to ``2**32 - 1 - HOLD_OUT_OFFSET``.
HOLD_OUT_OFFSET = 7919
MAX_SEED = 2**32 - 1 - HOLD_OUT_OFFSET


def check_count(name: str, value, minimum: int, allow_none: bool = False):
    """Validate a whole-number argument (images per class, a seed...)."""
    if value is None and allow_none:
        return None
    ok = (isinstance(value, (int, np.integer))
          and not isinstance(value, bool) and value >= minimum)
    if not ok:
        none = ' or None' if allow_none else ''
        raise ValueError(f'{name}={value!r} must be a whole number >= '
                         f'{minimum}{none}.')
    return int(value)


def check_seed(seed) -> int:
    """Validate the seed of a long-tail selection (numpy's 32-bit range,
    less the hold-out stream's offset)."""
    seed = check_count('seed', seed, 0)
    if seed > MAX_SEED:
        raise ValueError(f'seed={seed} is out of range: the long-tail '
                         f'selection takes seeds 0 .. {MAX_SEED}.')
    return seed


def exponential_profile(max_per_class: int, num_classes: int,
                        imbalance_factor: float) -> List[int]:
    """Images per class: ``floor(n_max * IF^(-i / (C - 1)))``.

    Args:
        max_per_class (int): ``n_max``, images of the most frequent class.
        num_classes (int): ``C``.
        imbalance_factor (float): ``IF = n_max / n_min`` (> 1).

    Returns:
        list[int]: One count per class, non-increasing.
    """
    imbalance_factor = check_imbalance_factor(imbalance_factor)
    if num_classes < 2:
        raise ValueError(
            f'A long-tailed profile needs at least 2 classes; the dataset '
            f'has {num_classes} (check data_root and the class list).')
    counts = [
        int(max_per_class * (1.0 / imbalance_factor)**(i / (num_classes - 1)))
        for i in range(num_classes)
    ]
    if min(counts) < 1:
        raise ValueError(
            f'imbalance_factor={imbalance_factor} leaves classes with no '
            f'image (n_max={max_per_class}); use an imbalance factor <= '
            f'{max_per_class}.')
    return counts


def sample_per_class(labels: np.ndarray, counts: List[int],
                     seed: int) -> np.ndarray:
    """Pick ``counts[c]`` indices of each class ``c`` with a local RNG.

    The same ``seed`` gives the same subset on every machine and rank; the
    global numpy RNG is not touched.

    Args:
        labels (np.ndarray): Label of every image, shape ``(N,)``.
        counts (list[int]): How many to keep per class.
        seed (int): Seed of the selection.

    Returns:
        np.ndarray: Sorted indices of the kept images.
    """
    rng = np.random.RandomState(seed)
    keep = []
    for cls, num in enumerate(counts):
        idx = np.flatnonzero(labels == cls)
        if len(idx) < num:
            raise ValueError(
                f'class {cls} has {len(idx)} images but the long-tail '
                f'profile needs {num}: the data is not the full balanced '
                'training split (check data_root or set max_per_class).')
        keep.append(idx[rng.permutation(len(idx))[:num]])
    return np.sort(np.concatenate(keep))


def hold_out_per_class(labels: np.ndarray, per_class: int,
                       seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """Reserve ``per_class`` images of every class as a balanced split.

    Uses its own RNG stream (derived from ``seed``), independent of the
    long-tail selection.

    Args:
        labels (np.ndarray): Label of every image, shape ``(N,)``.
        per_class (int): Images to reserve per class.
        seed (int): Seed of the selection.

    Returns:
        tuple[np.ndarray, np.ndarray]: Sorted indices of the held-out
        images and of the remaining pool.
    """
    rng = np.random.RandomState(seed + HOLD_OUT_OFFSET)
    held = []
    for cls in np.unique(labels):
        idx = np.flatnonzero(labels == cls)
        if len(idx) <= per_class:
            raise ValueError(
                f'class {cls} has {len(idx)} images; cannot hold out '
                f'{per_class} per class for validation.')
        held.append(idx[rng.permutation(len(idx))[:per_class]])
    held = np.sort(np.concatenate(held))
    pool = np.setdiff1d(np.arange(len(labels)), held)
    return held, pool
