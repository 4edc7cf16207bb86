# Copyright (c) gala-mm contributors. All rights reserved.
"""LDAM loss with deferred re-weighting (Cao et al., NeurIPS 2019)."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from .class_counts import ClassCountsMixin
from ...utils import suggest_typos


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


@MODELS.register_module()
@suggest_typos
class LDAMLoss(ClassCountsMixin, nn.Module):
    """Label-distribution-aware margin loss with deferred re-weighting.

    As the official LDAM-DRW code: the target cosine is lowered by
    ``m_y = max_margin * n_y^(-1/4) / max_c n_c^(-1/4)`` and **then** all
    logits are multiplied by ``scale``:
    ``CE(s * (z - m_y * onehot(y)), y)``. Use it on a cosine classifier
    (:class:`NormedLinearClsHead`), whose logits lie in ``[-1, 1]``.

    Deferred re-weighting (DRW) starts when :class:`DeferredReweightHook`
    sets ``reweight``: the loss becomes
    ``F.cross_entropy(s * logits, y, weight=w)`` with the effective-number
    weights ``w`` (normalised to sum ``C``), and the mean divides by the
    **sum of the batch's weights**, whatever ``avg_factor`` the head
    passes (mmpretrain's ``ClsHead`` passes ``N``).

    Args:
        num_classes (int): Number of classes.
        max_margin (float): Margin of the rarest class. Defaults to 0.5.
        scale (float): Logit scale ``s``. Defaults to 30.
        beta (float): Effective-number beta of DRW. Defaults to 0.9999.
        class_counts (list[int], optional): Set by ``ClassCountHook``.
        reduction (str): Defaults to ``'mean'``.
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
        if not scale > 0:
            raise ValueError(f'LDAMLoss: scale={scale} must be > 0.')
        if not 0 <= beta < 1:
            raise ValueError(f'LDAMLoss: beta={beta} must be in [0, 1).')
        self.max_margin = max_margin
        self.scale = scale
        self.beta = beta
        self.reduction = reduction
        self.loss_weight = loss_weight
        self.reweight = False
        self._init_class_counts(num_classes, class_counts)

    def margins(self) -> torch.Tensor:
        """Per-class margins ``m_c`` (float64, ``(C,)``)."""
        return ldam_margins(self.require_class_counts(), self.max_margin)

    def class_weights(self) -> torch.Tensor:
        """DRW's effective-number class weights (float64, ``(C,)``)."""
        return effective_number_weights(self.require_class_counts(),
                                        self.beta)

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
            raise ValueError('LDAMLoss needs hard labels; it does not '
                             'support Mixup/CutMix soft targets.')
        reduction = reduction_override or self.reduction
        logits = cls_score.float()
        if self.training:
            margin = self.margins().to(logits)[label]
            logits = logits.scatter_add(1, label.view(-1, 1),
                                        -margin.view(-1, 1))
        class_weight = None
        if self.training and self.reweight:
            class_weight = self.class_weights()
        loss = class_weighted_cross_entropy(self.scale * logits, label,
                                            class_weight, weight, reduction)
        return self.loss_weight * loss
