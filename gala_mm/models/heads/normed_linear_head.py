# Copyright (c) gala-mm contributors. All rights reserved.
"""Cosine classifier head (LDAM-DRW's and GCL's ``NormedLinear``)."""
from typing import Optional, Tuple

import torch
import torch.nn as nn
from mmpretrain.models.heads import ClsHead
from mmpretrain.models.heads.margin_head import NormProduct
from mmpretrain.registry import MODELS
from ...utils import suggest_typos


@MODELS.register_module()
@suggest_typos
class NormedLinearClsHead(ClsHead):
    """Classification head whose logits are cosines.

    ``z_j = <x / |x|, w_j / |w_j|>`` in ``[-1, 1]``, without bias, as the
    ``NormedLinear`` classifier of the official LDAM-DRW and GCL codes. The
    scale ``s`` belongs to the loss (``LDAMLoss``, ``GCLLoss``), so the
    predicted scores are the softmax of the plain cosines (the argmax, and
    so every accuracy, is the same). Works with any backbone + neck that
    gives ``(N, in_channels)`` features.

    Each class vector starts uniform in ``[-1, 1]`` and rescaled to unit
    norm, as the official initialisation.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Feature channels.
        loss (dict): The loss config. Defaults to
            ``dict(type='LDAMLoss', num_classes=num_classes)``.
        init_cfg (dict, optional): mmengine init config; None keeps the
            official initialisation.
        **kwargs: ``topk``, ``cal_acc`` as :class:`ClsHead`.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 loss: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 **kwargs) -> None:
        if loss is None:
            loss = dict(type='LDAMLoss', num_classes=num_classes)
        super().__init__(loss=loss, init_cfg=init_cfg, **kwargs)
        if num_classes <= 0:
            raise ValueError(
                f'num_classes={num_classes} must be a positive integer.')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.fc = NormProduct(
            in_channels, num_classes, bias=False, feature_norm=True,
            weight_norm=True)
        self._official_init()

    @torch.no_grad()
    def _official_init(self) -> None:
        weight = self.fc.weight
        nn.init.uniform_(weight, -1.0, 1.0)
        weight.div_(weight.norm(dim=1, keepdim=True).clamp_min(1e-12))

    def pre_logits(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """The last stage's features, ``(N, in_channels)``."""
        return feats[-1]

    def forward(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """Cosine logits, ``(N, num_classes)``."""
        return self.fc(self.pre_logits(feats))
