# Copyright (c) gala-mm contributors. All rights reserved.
"""The shared shape of the cosine-classifier losses (LDAM, GCL)."""
from typing import Optional

import torch
import torch.nn as nn

from .class_counts import ClassCountsMixin
from .ldam_maths import class_weighted_cross_entropy


class ScaledCosineLoss(ClassCountsMixin, nn.Module):
    """Cross-entropy on ``scale * f(cosines)``, where ``f`` changes the
    cosine logits during training only (:meth:`train_logits`), optionally
    with per-class weights (:meth:`class_weight`); the mean is that of
    ``F.cross_entropy(..., weight=w)`` (over the samples' weights).

    Args:
        num_classes (int): Number of classes.
        scale (float): Logit scale ``s`` (> 0).
        class_counts (list[int], optional): Set by ``ClassCountHook``.
        reduction (str): Defaults to ``'mean'``.
        loss_weight (float): Defaults to 1.0.
    """

    def __init__(self,
                 num_classes: int,
                 scale: float = 30.0,
                 class_counts: Optional[list] = None,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if not scale > 0:
            raise ValueError(f'{type(self).__name__}: scale={scale} must be '
                             '> 0.')
        self.scale = scale
        self.reduction = reduction
        self.loss_weight = loss_weight
        self._init_class_counts(num_classes, class_counts)

    def train_logits(self, logits: torch.Tensor,
                     label: torch.Tensor) -> torch.Tensor:
        """The training-time logits before scaling (default: unchanged)."""
        return logits

    def class_weight(self) -> Optional[torch.Tensor]:
        """Per-class loss weights ``(C,)`` in training, or None."""
        return None

    def forward(self,
                cls_score: torch.Tensor,
                label: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                **kwargs) -> torch.Tensor:
        """Args:
            cls_score (torch.Tensor): Cosine logits ``(N, C)``.
            label (torch.Tensor): Class indices ``(N,)``.
            weight (torch.Tensor, optional): Per-sample weights ``(N,)``.
            avg_factor (float, optional): Ignored: the mean is that of
                ``F.cross_entropy`` (over the samples' weights).
            reduction_override (str, optional): Overrides ``reduction``.
        """
        if label.dim() != 1:
            raise ValueError(f'{type(self).__name__} needs hard labels; it '
                             'does not support Mixup/CutMix soft targets.')
        reduction = reduction_override or self.reduction
        logits = cls_score.float()
        class_weight = None
        if self.training:
            logits = self.train_logits(logits, label)
            class_weight = self.class_weight()
        loss = class_weighted_cross_entropy(self.scale * logits, label,
                                            class_weight, weight, reduction)
        return self.loss_weight * loss
