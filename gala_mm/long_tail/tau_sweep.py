# Copyright (c) gala-mm contributors. All rights reserved.
"""Post-hoc re-balancing over a grid of ``tau``, and the choice of ``tau``.

The one sweep behind ``LongTailAccuracy(prs_tau=..., la_tau=...)``,
``tools/tune_tau.py`` and the accuracy benchmark; ``tau`` is always chosen
on a validation split (:func:`best_tau`), never on the test set.
"""
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import torch

from .counts import Counts
from .rebalance import la_predict, prs_predict
from .summary import per_class_accuracy, summarize

#: The post-hoc rules: PRS (the model's own mean prediction as the prior)
#: and logit adjustment (the training class frequencies).
RULES = ('prs', 'la')


def rebalanced_labels(scores: torch.Tensor, tau: float, rule: str = 'prs',
                      class_counts: Optional[Counts] = None) -> torch.Tensor:
    """Predicted labels ``(N,)`` of ``rule`` at strength ``tau``.

    Args:
        scores (torch.Tensor): Plain softmax scores ``(N, C)``.
        tau (float): Strength (0: plain argmax).
        rule (str): ``'prs'`` or ``'la'``.
        class_counts (Sequence[int], optional): Training counts ``(C,)``,
            needed by ``'la'``.
    """
    if rule == 'prs':
        return prs_predict(scores, tau)
    if rule == 'la':
        if class_counts is None:
            raise ValueError('Post-hoc logit adjustment needs the training '
                             "class counts (add dict(type='ClassCountHook')"
                             ' to custom_hooks, or pass class_counts).')
        return la_predict(scores, class_counts, tau)
    raise ValueError(f'rule={rule!r}, expected one of {RULES}.')


def tau_sweep(scores: torch.Tensor,
              labels: Sequence[int],
              taus: Sequence[float],
              rule: str = 'prs',
              class_counts: Optional[Counts] = None,
              groups: Optional[Dict[str, np.ndarray]] = None,
              per_class: bool = False) -> List[Dict[str, object]]:
    """Accuracy of a post-hoc rule at every ``tau`` of a grid, on one split.

    Args:
        scores (torch.Tensor): Plain softmax scores ``(N, C)``.
        labels (Sequence[int]): True labels ``(N,)`` (tensor or array).
        taus (Sequence[float]): The grid.
        rule (str): ``'prs'`` or ``'la'``. Defaults to ``'prs'``.
        class_counts (Sequence[int], optional): Training counts (``'la'``).
        groups (dict, optional): Shot-group class indices
            (:func:`~gala_mm.long_tail.shot_groups`) for per-group accuracy.
        per_class (bool): Also return each class's accuracy ``(C,)`` under
            ``'per_class'``. Defaults to False.

    Returns:
        list[dict]: One row per ``tau``: ``tau``, ``top1``, ``balanced``,
        the groups' accuracies (percent) and maybe ``per_class``.
    """
    gt = np.asarray(labels)
    num_classes = scores.size(1)
    rows = []
    for tau in taus:
        pred = rebalanced_labels(scores, tau, rule, class_counts).numpy()
        row = dict(tau=float(tau), **summarize(pred, gt, num_classes, groups))
        if per_class:
            row['per_class'] = per_class_accuracy(pred, gt, num_classes)
        rows.append(row)
    return rows


def best_tau(rows: Sequence[dict],
             score: Callable[[dict], float] = lambda row: row['balanced']
             ) -> dict:
    """The row with the highest ``score`` (compared to 8 decimals, so equal
    accuracies computed in another order tie), the smallest ``tau`` on ties.

    Args:
        rows (Sequence[dict]): Rows of :func:`tau_sweep` on a validation
            split (or rows holding such a row, with ``score`` reaching it).
        score (callable): The criterion. Defaults to balanced accuracy.
    """
    return max(rows, key=lambda row: (round(score(row), 8), -row['tau']))


def tau_at_grid_top(chosen: dict, taus: Sequence[float]) -> bool:
    """Whether the chosen ``tau`` is the largest of a grid of several: the
    best ``tau`` may then lie above the grid, which should be widened."""
    return len(set(taus)) > 1 and chosen['tau'] == max(taus)


def parse_taus(spec: str) -> List[float]:
    """``'0:3:0.1'`` (start:stop:step, inclusive) or ``'0.5,1,1.5'``."""
    if ':' in spec:
        start, stop, step = (float(x) for x in spec.split(':'))
        n = int(round((stop - start) / step))
        return [round(start + i * step, 10) for i in range(n + 1)]
    return [float(x) for x in spec.split(',')]


__all__ = [
    'RULES', 'rebalanced_labels', 'tau_sweep', 'best_tau', 'tau_at_grid_top',
    'parse_taus'
]
