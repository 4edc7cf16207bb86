# Copyright (c) gala-mm contributors. All rights reserved.
"""GALA: Gradient-Aware Logit Adjustment loss (ICASSP 2024)."""
import math
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dist import get_world_size, is_distributed
from mmpretrain.models.losses.utils import weight_reduce_loss
from mmpretrain.registry import MODELS

from ...utils import suggest_typos
from .gala_maths import (ADJUST_MODES, gala_logit_offsets,
                         gala_per_class_nll, positive_gradients)
from .gala_statistics import GALAStatisticsMixin


class _LazyFaultContext:
    """What an error message needs about the inputs, computed (with host
    reads) only when an error is raised."""

    def __init__(self, cls_score: torch.Tensor, label: torch.Tensor,
                 sample_loss: Optional[torch.Tensor] = None):
        self._score, self._label, self._loss = cls_score, label, sample_loss

    def __getitem__(self, key: str):
        if self._score is None:
            return '?'
        if key == 'max_loss':
            return f'{float(self._loss.detach().abs().max()):.3g}'
        if key == 'nan':
            return int(torch.isnan(self._score).sum())
        if key == 'inf':
            return int(torch.isinf(self._score).sum())
        lab = self._label
        if key == 'targets':
            sums = lab.detach().sum(1)
            return (f'rows summing to [{float(sums.min()):.4g}, '
                    f'{float(sums.max()):.4g}], smallest entry '
                    f'{float(lab.detach().min()):.4g}') if lab.numel() else []
        return f'[{int(lab.min())}, {int(lab.max())}]' if lab.numel() else []


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

    Statistics: with per-step contribution ``g``, ``accumulation='double'``
    (official) keeps ``A += g; theta += A`` (an inner running sum added into
    an outer one every step, so early steps weigh most);
    ``accumulation='single'`` keeps ``theta = A``. They are float64
    buffers of shape ``(C,)`` (saved in checkpoints), updated once per
    training forward (``self.training`` and grad enabled) after the loss of
    the current batch is computed, and all-reduced across processes so every
    rank holds identical values. In eval mode the loss is plain
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
        for name, value in (('lambda_pos', lambda_pos),
                            ('lambda_neg', lambda_neg)):
            try:
                number = float(value)
            except (TypeError, ValueError):
                number = math.nan
            if isinstance(value, bool) or not (math.isfinite(number)
                                               and number >= 0):
                raise ValueError(
                    f'GALALoss: {name}={value!r} must be a finite number >= '
                    '0 (it scales log theta; 0 turns that part off).')
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
        self.lambda_pos = float(lambda_pos)
        self.lambda_neg = float(lambda_neg)
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

    def logit_offsets(self) -> Tuple[torch.Tensor, torch.Tensor]:
        """The offsets added to non-target and target logits.

        Returns:
            tuple[torch.Tensor, torch.Tensor]: ``(non_target, target)``,
            each float64 of shape ``(C,)``: column ``j`` is added to logit
            ``j`` when ``j`` is not / is the sample's label.
        """
        return gala_logit_offsets(self.log_theta(), self.lambda_pos,
                                  self.lambda_neg, self.adjust)

    def _warn_huge(self, context) -> None:
        """Warn (at most every 100 steps) that the loss is exploding."""
        step = int(self.num_updates) + 1
        if (self._last_warned_step is not None
                and step - self._last_warned_step < 100):
            return
        self._last_warned_step = step
        from mmengine.logging import MMLogger
        largest = context['max_loss'] if context is not None else '?'
        MMLogger.get_current_instance().warning(
            f'GALALoss: per-sample loss up to {largest} at training step '
            f'{step}: training is diverging (non-finite values usually '
            'follow). Lower the learning rate or enable gradient clipping '
            '(optim_wrapper.clip_grad=dict(max_norm=...)).')

    # ------------------------------------------------------------------
    # loss
    # ------------------------------------------------------------------
    def _check_inputs(self, cls_score: torch.Tensor,
                      label: torch.Tensor) -> None:
        """Shape checks (on the host: no device synchronisation)."""
        if cls_score.dim() != 2 or cls_score.size(1) != self.num_classes:
            raise ValueError(
                f'GALALoss expects logits of shape (N, {self.num_classes}), '
                f'got {tuple(cls_score.shape)}: make the head\'s num_classes '
                'and the loss\'s num_classes equal to the number of classes '
                'of the dataset.')
        if label.dim() == 1:
            if label.is_floating_point() or label.dtype == torch.bool:
                raise TypeError(
                    f'GALALoss: hard labels must be class indices (an '
                    f'integer tensor), got {label.dtype}: pass label.long(), '
                    f'or soft targets of shape (N, {self.num_classes}).')
            if label.size(0) != cls_score.size(0):
                raise ValueError(f'GALALoss: {label.size(0)} labels for '
                                 f'{cls_score.size(0)} samples.')
        elif label.shape != cls_score.shape:
            raise ValueError(
                'GALALoss: soft targets must have the shape of the logits '
                f'{tuple(cls_score.shape)}, got {tuple(label.shape)}.')

    # A per-sample cross-entropy this large means logits ~1e4 apart: the
    # run is diverging, NaN usually follows within a few steps.
    HUGE_LOSS = 1e4

    def _fault_flags(self, sample_loss: torch.Tensor,
                     label: torch.Tensor) -> torch.Tensor:
        """``(5,)`` device flags: a non-finite per-sample loss (a NaN or
        +Inf logit makes its row's loss non-finite), a label outside
        ``[0, C)``, a finite but huge loss (> ``HUGE_LOSS``), soft targets
        that are not distributions (an entry < 0 or not finite, a row not
        summing to 1), an empty batch. Computed without reading them on the
        host."""
        finite = torch.isfinite(sample_loss)
        nonfinite = ~finite.all()
        huge = (sample_loss.abs() > self.HUGE_LOSS).logical_and(finite).any()
        no = torch.zeros((), dtype=torch.bool, device=nonfinite.device)
        bad_label = bad_target = no
        if label.dim() == 1 and label.numel():
            bad_label = ((label < 0) | (label >= self.num_classes)).any()
        elif label.dim() == 2 and label.numel():
            bad_target = ((label < 0) | ~torch.isfinite(label)).any() | (
                (label.sum(1) - 1).abs() > 1e-3).any()
        empty = no | (sample_loss.numel() == 0)
        return torch.stack([
            nonfinite, bad_label.to(nonfinite.device), huge,
            bad_target.to(nonfinite.device), empty
        ])

    def _raise_on_faults(self, faults: torch.Tensor,
                         context: Optional['_LazyFaultContext']) -> None:
        """Read the (reduced) flags once; raise the error that names the
        fix. The details are computed only on failure."""
        n_nonfinite, n_bad_label, n_huge, n_bad_target, n_empty = \
            faults.tolist()
        if n_huge and not (n_nonfinite or n_bad_label):
            self._warn_huge(context)
        if not (n_nonfinite or n_bad_label or n_bad_target or n_empty):
            return
        where = ''
        if is_distributed():
            n = int(max(n_nonfinite, n_bad_label, n_bad_target, n_empty))
            where = f' on {n} of {get_world_size()} processes'
        ctx = context or _LazyFaultContext(None, None)
        if n_empty:
            raise ValueError(
                f'GALALoss got an empty batch{where}: the statistics were '
                'not updated. Check the sampler and the batch size (e.g. a '
                'dataset smaller than the number of processes).')
        if n_bad_target:
            raise ValueError(
                'GALALoss: soft targets must be finite, >= 0 and sum to 1 '
                f'per row{where}; this process got {ctx["targets"]}. The '
                'statistics were not updated: normalise the targets '
                "(mmpretrain's batch augments and label smoothing do).")
        if n_bad_label:
            raise ValueError(
                f'GALALoss: labels must lie in [0, {self.num_classes})'
                f'{where}; this process got {ctx["labels"]}: the dataset '
                'has more classes than num_classes.')
        raise FloatingPointError(
            f'GALALoss received non-finite logits{where} ({ctx["nan"]} NaN, '
            f'{ctx["inf"]} Inf on this process) at training step '
            f'{int(self.num_updates) + 1}. The GALA statistics were not '
            'updated and the checkpoints written so far are intact: lower '
            'the learning rate, enable gradient clipping '
            '(optim_wrapper.clip_grad) or check the input data, then resume '
            'from the last checkpoint.')

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
        self._check_inputs(cls_score, label)
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
            faults = self._fault_flags(loss, label)
            context = _LazyFaultContext(cls_score, label, loss)
            if self.training and torch.is_grad_enabled():
                local = positive_gradients(
                    loss.detach() if hard else nll.detach(),
                    safe if hard else label.to(nll.dtype), weight,
                    self.num_classes)
                # faults travel in the statistics' all-reduce: one host read
                step, faults = self.reduce_step(local, logits.size(0),
                                                faults)
                self._raise_on_faults(faults, context)
                self.accumulate(step)
            else:
                self._raise_on_faults(faults, context)
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
