# Copyright (c) gala-mm contributors. All rights reserved.
"""LDAM loss with deferred re-weighting (Cao et al., NeurIPS 2019)."""
from typing import Optional

import torch
from mmpretrain.registry import MODELS

from ...utils import suggest_typos
from .cosine_loss import ScaledCosineLoss
from .ldam_maths import (class_weighted_cross_entropy,  # noqa: F401
                         effective_number_weights, ldam_margins)


@MODELS.register_module()
@suggest_typos
class LDAMLoss(ScaledCosineLoss):
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
        if not 0 <= beta < 1:
            raise ValueError(f'LDAMLoss: beta={beta} must be in [0, 1).')
        super().__init__(num_classes, scale, class_counts, reduction,
                         loss_weight)
        self.max_margin = max_margin
        self.beta = beta
        self.reweight = False

    def margins(self) -> torch.Tensor:
        """Per-class margins ``m_c`` (float64, ``(C,)``)."""
        return ldam_margins(self.require_class_counts(), self.max_margin)

    def class_weights(self) -> torch.Tensor:
        """DRW's effective-number class weights (float64, ``(C,)``)."""
        return effective_number_weights(self.require_class_counts(),
                                        self.beta)

    def train_logits(self, logits: torch.Tensor,
                     label: torch.Tensor) -> torch.Tensor:
        margin = self.margins().to(logits)[label]
        return logits.scatter_add(1, label.view(-1, 1), -margin.view(-1, 1))

    def class_weight(self) -> Optional[torch.Tensor]:
        return self.class_weights() if self.reweight else None
