# Copyright (c) gala-mm contributors. All rights reserved.
"""Logit-adjusted cross-entropy (Menon et al., ICLR 2021) and Balanced
Softmax (Ren et al., NeurIPS 2020)."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.losses.utils import weight_reduce_loss
from mmpretrain.registry import MODELS

from ...long_tail import check_tau, class_prior
from .class_counts import ClassCountsMixin
from ...utils import suggest_typos


@MODELS.register_module()
@suggest_typos
class LogitAdjustLoss(ClassCountsMixin, nn.Module):
    """Cross-entropy on ``z + tau * log(pi)`` with ``pi`` the training prior.

    The class counts are set by :class:`ClassCountHook` (or given here) and
    kept in a persistent buffer, so they travel with the checkpoint. The
    adjustment is applied in training only.

    Args:
        num_classes (int): Number of classes.
        tau (float): Adjustment strength. Defaults to 1.0.
        class_counts (list[int], optional): Training images per class.
            Defaults to None (set later by the hook).
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 num_classes: int,
                 tau: float = 1.0,
                 class_counts: Optional[list] = None,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.tau = check_tau(tau)
        self.reduction = reduction
        self.loss_weight = loss_weight
        self._init_class_counts(num_classes, class_counts)

    def log_prior(self) -> torch.Tensor:
        """``log(n_c / sum n)`` as float32, shape ``(C,)``."""
        counts = self.require_class_counts()
        return class_prior(counts).log().float()

    def forward(self,
                cls_score: torch.Tensor,
                label: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                **kwargs) -> torch.Tensor:
        reduction = reduction_override or self.reduction
        logits = cls_score.float()
        if self.training:
            logits = logits + self.tau * self.log_prior().to(logits.device)
        if label.dim() == 1:
            loss = F.cross_entropy(logits, label, reduction='none')
        else:
            loss = -(label.float() * F.log_softmax(logits, dim=1)).sum(1)
        loss = weight_reduce_loss(
            loss,
            weight=None if weight is None else weight.float(),
            reduction=reduction,
            avg_factor=avg_factor)
        return self.loss_weight * loss


@MODELS.register_module()
@suggest_typos
class BalancedSoftmaxLoss(LogitAdjustLoss):
    """Balanced Softmax: :class:`LogitAdjustLoss` with ``tau = 1``."""

    def __init__(self, num_classes: int, **kwargs) -> None:
        kwargs.setdefault('tau', 1.0)
        super().__init__(num_classes, **kwargs)
