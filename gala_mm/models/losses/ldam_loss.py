# Copyright (c) gala-mm contributors. All rights reserved.
"""LDAM loss with deferred re-weighting (Cao et al., NeurIPS 2019)."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.losses.utils import weight_reduce_loss
from mmpretrain.registry import MODELS

from .class_counts import ClassCountsMixin


@MODELS.register_module()
class LDAMLoss(ClassCountsMixin, nn.Module):
    """Label-distribution-aware margin loss.

    The target logit is lowered by ``m_y = max_margin * n_y^(-1/4) /
    max_c n_c^(-1/4)`` and all logits are scaled by ``scale``. Deferred
    re-weighting (DRW) multiplies each sample's loss by the class-balanced
    weight ``(1 - beta) / (1 - beta^n_y)`` (normalised to mean 1 over
    classes) once :class:`DeferredReweightHook` switches it on.

    The paper's LDAM uses a cosine classifier; with mmpretrain's linear
    head the logits are used as they are (as in the official code's
    ``NormedLinear`` ablation, the scale then mainly sharpens them).

    Args:
        num_classes (int): Number of classes.
        max_margin (float): Largest margin. Defaults to 0.5.
        scale (float): Logit scale. Defaults to 30.
        beta (float): Class-balanced weighting beta for DRW.
            Defaults to 0.9999.
        class_counts (list[int], optional): Set later by the hook.
        reduction (str): Reduction. Defaults to ``'mean'``.
        loss_weight (float): Defaults to 1.0.
    """

    def __init__(self,
                 num_classes: int,
                 max_margin: float = 0.5,
                 scale: float = 30.0,
                 beta: float = 0.9999,
                 class_counts: Optional[list] = None,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.max_margin = max_margin
        self.scale = scale
        self.beta = beta
        self.reduction = reduction
        self.loss_weight = loss_weight
        self.reweight = False
        self._init_class_counts(num_classes, class_counts)

    def margins(self) -> torch.Tensor:
        """Per-class margins ``m_c`` (float32, ``(C,)``)."""
        m = self.require_class_counts().pow(-0.25)
        return (m * (self.max_margin / m.max())).float()

    def class_weights(self) -> torch.Tensor:
        effective = 1.0 - torch.pow(self.beta, self.class_counts)
        w = (1.0 - self.beta) / effective
        return (w / w.sum() * self.num_classes).float()

    def forward(self,
                cls_score: torch.Tensor,
                label: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                **kwargs) -> torch.Tensor:
        if label.dim() != 1:
            raise ValueError('LDAMLoss needs hard labels; it does not '
                             'support Mixup/CutMix soft targets.')
        reduction = reduction_override or self.reduction
        logits = cls_score.float()
        if self.training:
            margin = self.margins().to(logits.device)[label]
            logits = logits.scatter_add(1, label.view(-1, 1),
                                        -margin.view(-1, 1))
        loss = F.cross_entropy(self.scale * logits, label, reduction='none')
        if self.training and self.reweight:
            drw = self.class_weights().to(loss.device)[label]
            weight = drw if weight is None else weight.float() * drw
        loss = weight_reduce_loss(
            loss, weight=weight, reduction=reduction, avg_factor=avg_factor)
        return self.loss_weight * loss
