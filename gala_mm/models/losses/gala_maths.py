# Copyright (c) gala-mm contributors. All rights reserved.
"""GALA's formulas as functions: the logit offsets, the loss against every
possible label, and the per-class positive gradients of one batch."""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F

ADJUST_MODES = ('official', 'paper')


def logsumexp_excluding_each(x: torch.Tensor) -> torch.Tensor:
    """Row-wise log-sum-exp of ``x`` with each column left out in turn.

    ``out[i, c] = log sum_{j != c} exp(x[i, j])``, computed in O(C) per row
    and without catastrophic cancellation: all columns but the row maximum
    keep the maximum term in their sum (so the sum is >= 1), and the
    maximum's own column is a second masked log-sum-exp.

    Args:
        x (torch.Tensor): Shape ``(N, C)`` with ``C >= 2``.

    Returns:
        torch.Tensor: Shape ``(N, C)``.
    """
    row_max, argmax = x.max(dim=1, keepdim=True)
    shifted = (x - row_max).exp()
    rest = shifted.sum(dim=1, keepdim=True) - shifted
    out = row_max + rest.clamp_min(torch.finfo(x.dtype).tiny).log()
    masked = x.scatter(1, argmax, float('-inf'))
    return out.scatter(1, argmax,
                       torch.logsumexp(masked, dim=1, keepdim=True))


def gala_logit_offsets(log_theta: torch.Tensor, lambda_pos: float,
                       lambda_neg: float, adjust: str
                       ) -> Tuple[torch.Tensor, torch.Tensor]:
    """The offsets added to non-target and target logits.

    Args:
        log_theta (torch.Tensor): ``log(theta + eps)``, ``(C,)``.
        lambda_pos (float): ``lambda_1``.
        lambda_neg (float): ``lambda_2`` (used by ``adjust='paper'``).
        adjust (str): ``'official'`` or ``'paper'``.

    Returns:
        tuple[torch.Tensor, torch.Tensor]: ``(non_target, target)``, each
        ``(C,)``: column ``j`` is added to logit ``j`` when ``j`` is not /
        is the sample's label.
    """
    non_target = lambda_pos * log_theta
    if adjust == 'official':
        return non_target, non_target
    return non_target, lambda_neg * log_theta


def gala_per_class_nll(logits: torch.Tensor, non_target: torch.Tensor,
                       target: torch.Tensor, adjust: str) -> torch.Tensor:
    """Cross-entropy of every sample against every possible label.

    ``out[i, c] = -log softmax(z^(c)_i)_c`` where ``z^(c)`` are the logits
    adjusted as if the label were ``c``. With ``adjust='official'`` the
    adjustment does not depend on the label and this is
    ``-log_softmax(z + offset)``.

    Args:
        logits (torch.Tensor): Plain logits, ``(N, C)``.
        non_target (torch.Tensor): Offsets of non-target logits ``(C,)``.
        target (torch.Tensor): Offsets of the target logit ``(C,)``.
        adjust (str): ``'official'`` or ``'paper'``.

    Returns:
        torch.Tensor: Shape ``(N, C)``.
    """
    adjusted = logits + non_target.to(logits)
    if adjust == 'official':
        return -F.log_softmax(adjusted, dim=1)
    target_logit = logits + target.to(logits)
    others = logsumexp_excluding_each(adjusted)
    return torch.logaddexp(others, target_logit) - target_logit


@torch.no_grad()
def positive_gradients(nll: torch.Tensor, target: torch.Tensor,
                       weight: Optional[torch.Tensor],
                       num_classes: int) -> torch.Tensor:
    """One batch's un-normalised positive gradients per class, float64.

    Soft targets ``q`` (``(N, C)``, Mixup/CutMix, smoothing) are mixtures of
    hard labels: class ``c`` gets ``sum_i w_i q_ic (1 - p^(c)_ic)`` from the
    ``(N, C)`` matrix ``nll`` of :func:`gala_per_class_nll`. Hard labels
    (``(N,)``) are the one-hot case, computed from the ``(N,)`` losses
    ``nll`` of the labels: ``1 - p_y = 1 - exp(-CE_i)`` added to ``y``.

    Returns:
        torch.Tensor: ``(C,)``.
    """
    if target.dim() == 1:
        pos = (-nll.double()).exp().neg().add(1)
        if weight is not None:
            pos = pos * weight.double()
        local = torch.zeros(num_classes, dtype=torch.float64,
                            device=pos.device)
        return local.scatter_add_(0, target.view(-1), pos)
    pos = target.double() * (-nll.double()).exp().neg().add(1)
    if weight is not None:
        pos = pos * weight.double().view(-1, 1)
    return pos.sum(dim=0)
