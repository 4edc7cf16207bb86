# Copyright (c) gala-mm contributors. All rights reserved.
"""LDAM-DRW's formulas: margins, effective-number weights, and the
class-weighted cross-entropy of ``F.cross_entropy(weight=...)``."""
from typing import Optional

import torch
import torch.nn.functional as F


def ldam_margins(class_counts: torch.Tensor,
                 max_margin: float) -> torch.Tensor:
    """LDAM's per-class margins ``m_c = max_margin * n_c^(-1/4) /
    max_k n_k^(-1/4)``.

    Args:
        class_counts (torch.Tensor): Training images per class, ``(C,)``.
        max_margin (float): The margin of the rarest class.

    Returns:
        torch.Tensor: float64 margins, shape ``(C,)``.
    """
    m = class_counts.double().pow(-0.25)
    return m * (max_margin / m.max())


def effective_number_weights(class_counts: torch.Tensor,
                             beta: float) -> torch.Tensor:
    """Class-balanced weights ``(1 - beta) / (1 - beta^n_c)`` normalised
    to sum ``C`` (Cui et al., 2019), as LDAM-DRW's re-weighting stage.

    Args:
        class_counts (torch.Tensor): Training images per class, ``(C,)``.
        beta (float): In ``[0, 1)``; 0 gives equal weights.

    Returns:
        torch.Tensor: float64 weights, shape ``(C,)``.
    """
    counts = class_counts.double()
    w = (1.0 - beta) / (1.0 - torch.pow(torch.tensor(
        beta, dtype=torch.float64), counts))
    return w / w.sum() * counts.numel()


def class_weighted_cross_entropy(logits: torch.Tensor,
                                 label: torch.Tensor,
                                 class_weight: Optional[torch.Tensor],
                                 weight: Optional[torch.Tensor] = None,
                                 reduction: str = 'mean') -> torch.Tensor:
    """Cross-entropy with per-class weights, reduced like
    ``F.cross_entropy(logits, label, weight=class_weight)``: the mean
    divides by the sum of the samples' weights, not by ``N``.

    Args:
        logits (torch.Tensor): ``(N, C)``.
        label (torch.Tensor): ``(N,)`` class indices.
        class_weight (torch.Tensor, optional): ``(C,)``; None for 1.
        weight (torch.Tensor, optional): ``(N,)`` per-sample weights,
            multiplied with the class weights.
        reduction (str): ``'mean'``, ``'sum'`` or ``'none'``.

    Returns:
        torch.Tensor: The loss (a scalar, or ``(N,)`` for ``'none'``).
    """
    loss = F.cross_entropy(logits, label, reduction='none')
    w = None
    if class_weight is not None:
        w = class_weight.to(loss)[label]
    if weight is not None:
        weight = weight.to(loss).reshape(-1)
        w = weight if w is None else w * weight
    if w is not None:
        loss = loss * w
    if reduction == 'none':
        return loss
    if reduction == 'sum':
        return loss.sum()
    return loss.sum() / (w.sum() if w is not None else loss.numel())
