# Copyright (c) gala-mm contributors. All rights reserved.
"""Per-class, balanced and per-group accuracy, and the report table."""
from typing import Dict, Optional

import numpy as np
import torch
from mmpretrain.evaluation import ConfusionMatrix

from .shots import GROUPS


def per_class_accuracy(pred: np.ndarray, gt: np.ndarray,
                       num_classes: int) -> np.ndarray:
    """Accuracy (recall) of each class in percent, from mmpretrain's
    confusion matrix; NaN for classes absent from ``gt``.

    Args:
        pred (np.ndarray): Predicted labels ``(N,)``.
        gt (np.ndarray): True labels ``(N,)``.
        num_classes (int): ``C``.

    Returns:
        np.ndarray: float64 ``(C,)``.
    """
    matrix = ConfusionMatrix.calculate(
        torch.as_tensor(np.asarray(pred), dtype=torch.long),
        torch.as_tensor(np.asarray(gt), dtype=torch.long),
        num_classes=num_classes).double().numpy()
    total = matrix.sum(axis=1)
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(total > 0, 100.0 * np.diag(matrix) / total, np.nan)


def summarize(pred: np.ndarray, gt: np.ndarray, num_classes: int,
              groups: Optional[Dict[str, np.ndarray]]) -> Dict[str, float]:
    """top1, balanced (mean per-class) and per-group accuracy in percent.

    A group with no classes (or no evaluated class) gets no key.
    """
    acc = per_class_accuracy(pred, gt, num_classes)
    out = dict(
        top1=float(100.0 * np.mean(np.asarray(pred) == np.asarray(gt))),
        balanced=float(np.nanmean(acc)))
    for name, idx in (groups or {}).items():
        values = acc[idx]
        values = values[~np.isnan(values)]
        if len(values):
            out[name] = float(values.mean())
    return out


def format_shot_table(metrics: Dict[str, float],
                      groups: Optional[Dict[str, np.ndarray]] = None,
                      prefix: str = '', raw_label: str = 'raw') -> str:
    """A plain-text table: one row per method (raw, prs..., la...); the
    un-prefixed metrics (the model's own predictions) are the ``raw_label``
    row ('stored PRS' when the head re-balanced them)."""
    rows = {}
    for key, value in metrics.items():
        key = key[len(prefix):] if prefix and key.startswith(prefix) else key
        method, _, field = key.rpartition('_')
        if field in ('top1', 'balanced') + GROUPS:
            rows.setdefault(method or raw_label, {})[field] = value
    cols = ('top1', 'balanced') + GROUPS
    head = f"{'method':<12}" + ''.join(f'{c:>10}' for c in cols)
    lines = [head, '-' * len(head)]
    for method, vals in rows.items():
        cells = []
        for col in cols:
            if col in vals:
                cells.append(f'{vals[col]:>10.2f}')
            elif groups is not None and col in groups and not len(
                    groups[col]):
                cells.append(f"{'no cls':>10}")
            else:
                cells.append(f"{'n/a':>10}")
        lines.append(f'{method:<12}' + ''.join(cells))
    if groups is not None:
        lines.append(format_group_sizes(groups))
    return '\n'.join(lines)


def format_group_sizes(groups: Dict[str, np.ndarray]) -> str:
    """The line that says how many classes each shot group holds.

    Args:
        groups (dict): group name -> class indices, as from
            :func:`shot_groups`.

    Returns:
        str: e.g. ``'classes per group: many=3, medium=4, few=3'``.
    """
    return 'classes per group: ' + ', '.join(
        f'{g}={len(groups[g])}' for g in GROUPS)
