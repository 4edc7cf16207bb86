# Copyright (c) gala-mm contributors. All rights reserved.
"""Gaussian clouded logit loss, first stage (Li et al., CVPR 2022)."""
from typing import Optional

import torch
from mmpretrain.registry import MODELS

from ...utils import suggest_typos
from .cosine_loss import ScaledCosineLoss


def gcl_cloud_sizes(class_counts: torch.Tensor) -> torch.Tensor:
    """Relative cloud size of each class, ``(log n_max - log n_c)``
    divided by its maximum: 0 for the largest class, 1 for the smallest.

    Args:
        class_counts (torch.Tensor): Training images per class, ``(C,)``.

    Returns:
        torch.Tensor: float64 sizes in ``[0, 1]``, shape ``(C,)``. All 0
        when every class has the same count.
    """
    log_n = class_counts.double().log()
    size = log_n.max() - log_n
    top = size.max()
    return size / top if top > 0 else size


def gcl_noise(shape: torch.Size, generator: Optional[torch.Generator] = None,
              device=None) -> torch.Tensor:
    """``|clamp(N(0, (1/3)^2), -1, 1)|``: the cloud's half-normal
    amplitudes, one per logit.

    Args:
        shape (torch.Size): ``(N, C)``.
        generator (torch.Generator, optional): Random generator; the global
            one (seeded by mmengine's ``randomness``) when None.
        device: Where to sample.

    Returns:
        torch.Tensor: float32 values in ``[0, 1]``.
    """
    noise = torch.randn(shape, generator=generator, device=device) / 3.0
    return noise.clamp(-1.0, 1.0).abs()


@MODELS.register_module()
@suggest_typos
class GCLLoss(ScaledCosineLoss):
    """Gaussian clouded logit (GCL) loss, the representation-learning stage.

    During training every cosine logit ``z_ij`` is lowered by a random
    amount that grows with how rare class ``j`` is:
    ``z_ij - noise_mul * |e_ij| * size_j`` with ``e_ij ~ N(0, 1/3)``
    clamped to ``[-1, 1]`` and ``size_j = (log n_max - log n_j) / max_k
    (log n_max - log n_k)``; the target logit is also lowered by
    ``margin``; the result is scaled by ``scale`` and fed to
    cross-entropy. In evaluation no noise or margin is applied. Use it on
    a cosine classifier (:class:`NormedLinearClsHead`).

    Args:
        num_classes (int): Number of classes.
        noise_mul (float): Cloud amplitude. Defaults to 0.5 (official
            CIFAR setting).
        margin (float): Margin subtracted from the target logit.
            Defaults to 0 (official CIFAR setting).
        scale (float): Logit scale ``s``. Defaults to 30.
        focal_gamma (float): With ``> 0``, the classifier re-training
            stage's focal weighting ``(1 - p_y)^gamma`` of each sample's
            loss (``p_y`` detached), averaged over the batch. Defaults to 0
            (stage 1).
        class_counts (list[int], optional): Set by ``ClassCountHook``.
        reduction (str): Defaults to ``'mean'``.
        loss_weight (float): Defaults to 1.0.
    """

    def __init__(self,
                 num_classes: int,
                 noise_mul: float = 0.5,
                 margin: float = 0.0,
                 scale: float = 30.0,
                 focal_gamma: float = 0.0,
                 class_counts: Optional[list] = None,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0) -> None:
        if not noise_mul >= 0:
            raise ValueError(f'GCLLoss: noise_mul={noise_mul} must be >= 0.')
        if not focal_gamma >= 0:
            raise ValueError(
                f'GCLLoss: focal_gamma={focal_gamma} must be >= 0.')
        self.focal_gamma = focal_gamma
        super().__init__(num_classes, scale, class_counts, reduction,
                         loss_weight)
        self.noise_mul = noise_mul
        self.margin = margin

    def cloud_sizes(self) -> torch.Tensor:
        """Per-class cloud sizes (float64, ``(C,)``)."""
        return gcl_cloud_sizes(self.require_class_counts())

    def clouded_logits(self, cosine: torch.Tensor, label: torch.Tensor,
                       noise: torch.Tensor) -> torch.Tensor:
        """The training logits before scaling, for given noise ``(N, C)``."""
        size = self.cloud_sizes().to(cosine)
        logits = cosine - self.noise_mul * noise.to(cosine) * size
        if self.margin:
            logits = logits.scatter_add(
                1, label.view(-1, 1),
                torch.full_like(logits[:, :1], -self.margin))
        return logits

    def train_logits(self, logits: torch.Tensor,
                     label: torch.Tensor) -> torch.Tensor:
        noise = gcl_noise(logits.shape, device=logits.device)
        return self.clouded_logits(logits, label, noise)

    def forward(self, cls_score: torch.Tensor, label: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                **kwargs) -> torch.Tensor:
        """As :meth:`ScaledCosineLoss.forward`; in training with
        ``focal_gamma > 0`` each sample's loss is focal-weighted."""
        if not (self.training and self.focal_gamma):
            return super().forward(cls_score, label, weight, avg_factor,
                                   reduction_override, **kwargs)
        per = super().forward(cls_score, label, weight,
                              reduction_override='none') / self.loss_weight
        focal = (1.0 - torch.exp(-per.detach())).pow(self.focal_gamma) * per
        reduction = reduction_override or self.reduction
        if reduction == 'none':
            return self.loss_weight * focal
        total = focal.sum()
        return self.loss_weight * (total if reduction == 'sum' else
                                   total / focal.numel())
