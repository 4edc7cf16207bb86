# Copyright (c) gala-mm contributors. All rights reserved.
"""Class counts, the training-count prior, and their validation."""
import math
from typing import Sequence, Union

import numpy as np
import torch

Counts = Union[Sequence[int], np.ndarray, torch.Tensor]


def check_tau(tau: float, name: str = 'tau') -> float:
    """Validate a strength (PRS / LA ``tau``, GALA's ``lambda``): a finite
    number >= 0, where 0 turns the term off.

    Args:
        tau (float): The value to check (not a bool).
        name (str): How the value is called in the error.

    Returns:
        float: ``tau`` as a float.
    """
    try:
        value = math.nan if isinstance(tau, bool) else float(tau)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise ValueError(f'{name}={tau!r} must be a finite number >= 0 '
                         '(0 turns it off).')
    return value


def check_class_counts(counts: Counts,
                       num_classes: int,
                       owner: str = 'class counts') -> torch.Tensor:
    """Validate per-class training-image counts.

    Args:
        counts: One non-negative count per class, length ``num_classes``.
        num_classes (int): Expected number of classes.
        owner (str): Who asks, for the error message.

    Returns:
        torch.Tensor: The counts as float64, shape ``(num_classes,)``.
    """
    array = np.asarray(counts)
    if array.dtype.kind not in 'iuf':
        first = repr(str(array.flat[0])) if array.size else '-'
        raise ValueError(
            f'{owner}: class counts must be numbers, got {array.dtype} '
            f'values (e.g. {first}): write them as integers, without '
            'quotes.')
    counts = torch.as_tensor(array, dtype=torch.float64)
    if counts.dim() != 1 or counts.numel() != num_classes:
        raise ValueError(
            f'{owner}: got counts for {counts.numel()} classes but '
            f'num_classes={num_classes}; set num_classes to the number of '
            'classes of the training set.')
    if not torch.isfinite(counts).all() or (counts < 0).any():
        raise ValueError(f'{owner}: class counts must be finite and >= 0.')
    empty = torch.nonzero(counts == 0).flatten().tolist()
    if empty:
        shown = empty[:10]
        more = '' if len(empty) <= 10 else f' (and {len(empty) - 10} more)'
        raise ValueError(
            f'{owner}: classes {shown}{more} have no training images. '
            'Long-tail priors and shot groups need at least one image per '
            'class: fix the file list / imbalance factor, or drop the class '
            'and lower num_classes.')
    return counts


def class_prior(counts: Counts) -> torch.Tensor:
    """The training-count prior ``n_c / sum_k n_k``.

    Args:
        counts: Positive values (counts, or any unnormalised prior), ``(C,)``.

    Returns:
        torch.Tensor: float64, shape ``(C,)``, sums to 1.
    """
    counts = torch.as_tensor(np.asarray(counts), dtype=torch.float64)
    counts = counts.flatten()
    bad = (~torch.isfinite(counts) | (counts <= 0)).nonzero().flatten()
    if bad.numel():
        shown = ', '.join(f'{int(c)}: {float(counts[c]):.3g}'
                          for c in bad[:10])
        raise ValueError(
            f'A class prior needs finite values > 0 for every class; '
            f'{bad.numel()} class(es) have none ({shown}'
            f'{", ..." if bad.numel() > 10 else ""}). A prior estimated '
            'from predictions is 0 for a class the model never gives any '
            'probability (it collapsed for that class): train longer, or '
            'use counts.')
    return counts / counts.sum()
