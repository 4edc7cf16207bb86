# Copyright (c) gala-mm contributors. All rights reserved.
"""GALA: Gradient-Aware Logit Adjustment loss (ICASSP 2024)."""
import math
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.losses.utils import weight_reduce_loss
from mmpretrain.registry import MODELS

from ...long_tail import check_tau
from ...utils import suggest_typos
from .gala_maths import (ADJUST_MODES, gala_logit_offsets,
                         gala_per_class_nll, positive_gradients)
from .gala_statistics import GALAStatisticsMixin
from .loss_faults import check_inputs, fault_flags, raise_on_faults


@MODELS.register_module()
@suggest_typos
class GALALoss(GALAStatisticsMixin, nn.Module):
    """Gradient-Aware Logit Adjustment loss.

    Softmax cross-entropy on training-time adjusted logits. The adjustment
    comes from the positive gradient each class has accumulated so far,
    ``theta_j`` (the sum over training samples of class ``j`` of
    ``(1 - p_j) / B``, with ``p`` the softmax of the *adjusted* logits and
    ``B`` the global batch size). The statistics are only read, never
    differentiated.

    Two forms of the adjustment (see ``docs/method.md``):

    - ``adjust='official'`` (default, what the released code computes):
      every logit, the target included, gets ``lambda_pos * log(theta_j +
      eps)``. The code also subtracts ``lambda_neg * log(phi_y + eps)`` from
      the whole row of a sample with label ``y``; a per-row constant cancels
      in the softmax, so ``lambda_neg`` has **no effect** in this mode.
    - ``adjust='paper'`` (the formula of the paper/README): non-target
      logits ``z_j + lambda_pos * log theta_j - lambda_neg * log phi_y``,
      target logit unchanged. Equivalently (softmax is shift invariant) the
      target logit gets ``lambda_neg * log(phi_y + eps)`` and the others
      ``lambda_pos * log(theta_j + eps)``. The two forms coincide when
      ``lambda_pos == lambda_neg``.

    The accumulated negative gradient of a sample's label class, ``phi_k``,
    equals ``theta_k`` exactly for softmax cross-entropy (per sample,
    ``sum_{j != y} p_j = 1 - p_y``), so one statistic serves both.

    Statistics (:class:`GALAStatisticsMixin`: float64 ``(C,)`` buffers,
    checkpointed, all-reduced) are updated once per training forward, after
    the loss of the batch is computed. In eval mode the loss is plain
    cross-entropy on the unadjusted logits (the adjustment is train-only).

    Soft targets (Mixup/CutMix ``gt_score``, label smoothing) are treated as
    mixtures of hard labels: the loss is ``sum_c q_c * CE(z^(c), c)`` and the
    statistics get ``sum_i q_ic * (1 - p^(c)_ic)``, never ``|p - q|``.

    Args:
        num_classes (int): Number of classes ``C`` (>= 2).
        lambda_pos (float): ``lambda_1``, weight of ``log theta``.
            Defaults to 1.2 (the released CIFAR-100-LT PRS config).
        lambda_neg (float): ``lambda_2``, weight of ``log phi``. No effect
            when ``adjust='official'``. Defaults to 0.9.
        eps (float): Added to the statistics inside the logs, so the
            adjustment is finite before any statistic exists and for classes
            not seen yet. Defaults to 1e-3.
        adjust (str): ``'official'`` or ``'paper'``. Defaults to
            ``'official'``.
        accumulation (str): ``'double'`` or ``'single'``. Defaults to
            ``'double'``.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``. Defaults to
            ``'mean'``.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 num_classes: int,
                 lambda_pos: float = 1.2,
                 lambda_neg: float = 0.9,
                 eps: float = 1e-3,
                 adjust: str = 'official',
                 accumulation: str = 'double',
                 reduction: str = 'mean',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError(f'GALALoss: num_classes={num_classes!r} must be '
                             'an integer >= 2.')
        if not (math.isfinite(eps) and eps > 0):
            raise ValueError(f'GALALoss: eps={eps} must be a positive number '
                             '(it keeps log(theta + eps) finite).')
        if adjust not in ADJUST_MODES:
            raise ValueError(f'GALALoss: adjust={adjust!r}, expected one of '
                             f'{ADJUST_MODES}.')
        if reduction not in ('none', 'mean', 'sum'):
            raise ValueError(f'GALALoss: reduction={reduction!r}, expected '
                             "'none', 'mean' or 'sum'.")
        self.num_classes = num_classes
        self._last_warned_step = None
        self.lambda_pos = check_tau(lambda_pos, 'GALALoss: lambda_pos')
        self.lambda_neg = check_tau(lambda_neg, 'GALALoss: lambda_neg')
        self.eps = float(eps)
        self.adjust = adjust
        self.reduction = reduction
        self.loss_weight = loss_weight
        self._init_statistics(num_classes, accumulation)

    # ------------------------------------------------------------------
    # statistics
    # ------------------------------------------------------------------
    def log_theta(self) -> torch.Tensor:
        """``log(theta + eps)`` in float64, shape ``(C,)``."""
        return torch.log(self.theta + self.eps)

    # Computed outside any torch.compile graph: inside one, the backward may
    # recompute the offsets from the ``theta`` buffer (a cheap graph input)
    # after this step's in-place update, i.e. from the wrong statistics
    # (autograd's version check stops it). A fresh eager tensor is never
    # updated in place.
    @torch.compiler.disable
    def logit_offsets(self) -> Tuple[torch.Tensor, torch.Tensor]:
        """The offsets added to non-target and target logits.

        Returns:
            tuple[torch.Tensor, torch.Tensor]: ``(non_target, target)``,
            each float64 of shape ``(C,)``: column ``j`` is added to logit
            ``j`` when ``j`` is not / is the sample's label.
        """
        return gala_logit_offsets(self.log_theta(), self.lambda_pos,
                                  self.lambda_neg, self.adjust)

    # ------------------------------------------------------------------
    # loss
    # ------------------------------------------------------------------
    def _warn(self, message: Optional[str]) -> None:
        """Log ``message`` (a diverging loss), at most every 100 steps."""
        if message is None:
            return
        step = int(self.num_updates)
        if (self._last_warned_step is not None
                and step - self._last_warned_step < 100):
            return
        self._last_warned_step = step
        from mmengine.logging import MMLogger
        MMLogger.get_current_instance().warning(message)

    def per_class_nll(self, logits: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of every sample against every possible label.

        ``out[i, c] = -log softmax(z^(c)_i)_c`` where ``z^(c)`` are the logits
        adjusted as if the label were ``c``. With ``adjust='official'`` the
        adjustment does not depend on the label and this is
        ``-log_softmax(z + offset)``.

        Args:
            logits (torch.Tensor): Plain logits (float32 or float64),
                shape ``(N, C)``.

        Returns:
            torch.Tensor: Shape ``(N, C)``.
        """
        return gala_per_class_nll(logits, *self.logit_offsets(), self.adjust)

    def forward(self,
                cls_score: torch.Tensor,
                label: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                **kwargs) -> torch.Tensor:
        """Compute the loss and, in training, update the statistics.

        Args:
            cls_score (torch.Tensor): Logits, shape ``(N, C)``; any float
                dtype (computed in float32, or float64 for float64 input).
            label (torch.Tensor): Hard labels ``(N,)`` (long) or soft
                targets ``(N, C)`` (rows summing to 1).
            weight (torch.Tensor, optional): Per-sample weights ``(N,)``;
                they also weight the statistics. Defaults to None.
            avg_factor (float, optional): Normaliser for ``'mean'``.
                Defaults to None.
            reduction_override (str, optional): Overrides ``reduction``.

        Returns:
            torch.Tensor: The loss (a scalar unless ``reduction='none'``).
        """
        assert reduction_override in (None, 'none', 'mean', 'sum'), \
            f'reduction_override={reduction_override!r} is not supported.'
        reduction = reduction_override or self.reduction
        check_inputs(cls_score, label, self.num_classes)
        hard = label.dim() == 1
        with torch.autocast(device_type=cls_score.device.type, enabled=False):
            # at least float32 (half/bf16 logits are upcast; float64 stays)
            logits = cls_score.to(torch.promote_types(cls_score.dtype,
                                                      torch.float32))
            if weight is not None:
                weight = weight.to(logits.dtype)
            # Out-of-range labels are clamped for the computation (an index
            # error on a GPU would kill the process) and reported below.
            safe = label.clamp(0, self.num_classes - 1) if hard else label
            loss, nll = self._sample_losses(logits, safe)
            faults = fault_flags(loss, label, self.num_classes)
            update = self.training and torch.is_grad_enabled()
            if update:
                local = positive_gradients(
                    loss.detach() if hard else nll.detach(),
                    safe if hard else label.to(nll.dtype), weight,
                    self.num_classes)
                # faults travel in the statistics' all-reduce: one host read
                step, faults = self.reduce_step(local, logits.size(0),
                                                faults)
            self._warn(raise_on_faults(faults, cls_score, label, loss,
                                       self.num_classes, self.num_updates))
            if update:
                self.accumulate(step)
            loss = weight_reduce_loss(
                loss, weight=weight, reduction=reduction,
                avg_factor=avg_factor)
        return self.loss_weight * loss

    def _sample_losses(self, logits: torch.Tensor, label: torch.Tensor
                       ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """Per-sample losses ``(N,)`` and, when computed, the ``(N, C)``
        matrix of :meth:`per_class_nll` (``None`` on the fused path).

        Hard labels with a label-free adjustment (``'official'``, or no
        adjustment in evaluation) take one fused cross-entropy; the paper's
        target-dependent adjustment and soft targets need the matrix.
        """
        if label.dim() == 1 and (not self.training
                                 or self.adjust == 'official'):
            if self.training:
                logits = logits + self.logit_offsets()[0].to(logits)
            return F.cross_entropy(logits, label, reduction='none'), None
        if self.training:
            nll = self.per_class_nll(logits)
        else:  # evaluation: plain logits, as the official code
            nll = -F.log_softmax(logits, dim=1)
        if label.dim() == 1:
            return nll.gather(1, label.view(-1, 1)).squeeze(1), nll
        return (label.to(nll.dtype) * nll).sum(dim=1), nll

    def extra_repr(self) -> str:
        return (f'num_classes={self.num_classes}, '
                f'lambda_pos={self.lambda_pos}, lambda_neg={self.lambda_neg}, '
                f'eps={self.eps}, adjust={self.adjust!r}, '
                f'accumulation={self.accumulation!r}, '
                f'num_updates={int(self.num_updates)}')
