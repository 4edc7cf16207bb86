# Copyright (c) gala-mm contributors. All rights reserved.
"""GALA: Gradient-Aware Logit Adjustment loss (ICASSP 2024)."""
import math
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dist import all_reduce, is_distributed
from mmpretrain.models.losses.utils import weight_reduce_loss
from mmpretrain.registry import MODELS
from ...utils import suggest_typos

ADJUST_MODES = ('official', 'paper')
ACCUMULATION_MODES = ('double', 'single')


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
    return out.scatter(1, argmax, torch.logsumexp(masked, dim=1,
                                                   keepdim=True))


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
        return f'[{int(lab.min())}, {int(lab.max())}]' if lab.numel() else []


@MODELS.register_module()
@suggest_typos
class GALALoss(nn.Module):
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
        if accumulation not in ACCUMULATION_MODES:
            raise ValueError(f'GALALoss: accumulation={accumulation!r}, '
                             f'expected one of {ACCUMULATION_MODES}.')
        if reduction not in ('none', 'mean', 'sum'):
            raise ValueError(f'GALALoss: reduction={reduction!r}, expected '
                             "'none', 'mean' or 'sum'.")
        self.num_classes = num_classes
        self._last_warned_step = None
        self.lambda_pos = float(lambda_pos)
        self.lambda_neg = float(lambda_neg)
        self.eps = float(eps)
        self.adjust = adjust
        self.accumulation = accumulation
        self.reduction = reduction
        self.loss_weight = loss_weight
        zeros = torch.zeros(num_classes, dtype=torch.float64)
        # A: running sum of the per-step positive gradients.
        self.register_buffer('pos_grad_sum', zeros.clone())
        # theta: the statistic the adjustment reads (phi == theta).
        self.register_buffer('theta', zeros.clone())
        self.register_buffer('num_updates', torch.zeros((),
                                                        dtype=torch.int64))

    # ------------------------------------------------------------------
    # statistics
    # ------------------------------------------------------------------
    @property
    def phi(self) -> torch.Tensor:
        """Accumulated negative gradient per label class (== ``theta``)."""
        return self.theta

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
        log_theta = self.log_theta()
        non_target = self.lambda_pos * log_theta
        if self.adjust == 'official':
            return non_target, non_target
        return non_target, self.lambda_neg * log_theta

    def reset_statistics(self) -> None:
        """Zero the statistics (a fresh start, e.g. for stage-2 training)."""
        self.pos_grad_sum.zero_()
        self.theta.zero_()
        self.num_updates.zero_()

    @torch.no_grad()
    def _update_statistics(self, local_pos_grad: torch.Tensor,
                           local_count: int,
                           local_faults: torch.Tensor,
                           context: Optional['_LazyFaultContext'] = None
                           ) -> None:
        """Add one step's positive gradients, normalised by the global batch.

        The fault flags travel in the same all-reduce as the statistics, and
        are read on the host once per step (the step's only host
        synchronisation): when any process saw a fault, every process raises
        the same error in the same step and no statistic changes.

        Args:
            local_pos_grad (torch.Tensor): Un-normalised per-class sums of
                this process, shape ``(C,)``.
            local_count (int): Number of samples of this process.
            local_faults (torch.Tensor): ``(3,)`` flags of this process:
                non-finite loss, label out of range, huge loss.
        """
        packed = torch.cat([
            local_pos_grad.to(torch.float64),
            local_pos_grad.new_tensor([local_count], dtype=torch.float64),
            local_faults.to(local_pos_grad.device, torch.float64)
        ])
        if is_distributed():
            all_reduce(packed, op='sum')
        self._raise_on_faults(packed[-3:], context)
        step = (packed[:-4] / packed[-4].clamp_min(1)).to(self.theta.device)
        self.pos_grad_sum += step
        if self.accumulation == 'double':
            self.theta += self.pos_grad_sum
        else:
            self.theta.copy_(self.pos_grad_sum)
        self.num_updates += 1

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
        """``(3,)`` device flags: a non-finite per-sample loss (a NaN or
        +Inf logit makes its row's loss non-finite), a label outside
        ``[0, C)``, a finite but huge loss (> ``HUGE_LOSS``). Computed
        without reading them on the host."""
        finite = torch.isfinite(sample_loss)
        nonfinite = ~finite.all()
        huge = (sample_loss.abs() > self.HUGE_LOSS).logical_and(finite).any()
        if label.dim() == 1 and label.numel():
            bad_label = ((label < 0) | (label >= self.num_classes)).any()
        else:
            bad_label = torch.zeros((), dtype=torch.bool,
                                    device=sample_loss.device)
        return torch.stack(
            [nonfinite, bad_label.to(nonfinite.device), huge])

    def _raise_on_faults(self, faults: torch.Tensor,
                         context: Optional['_LazyFaultContext']) -> None:
        """Read the (reduced) flags once; raise the error that names the
        fix. The details are computed only on failure."""
        n_nonfinite, n_bad_label, n_huge = faults.tolist()
        if n_huge and not (n_nonfinite or n_bad_label):
            self._warn_huge(context)
        if not (n_nonfinite or n_bad_label):
            return
        where = ''
        if is_distributed():
            from mmengine.dist import get_world_size
            n = int(max(n_nonfinite, n_bad_label))
            where = f' on {n} of {get_world_size()} processes'
        ctx = context or _LazyFaultContext(None, None)
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
        non_target, target = self.logit_offsets()
        non_target = non_target.to(logits)
        target = target.to(logits)
        adjusted = logits + non_target
        if self.adjust == 'official':
            return -F.log_softmax(adjusted, dim=1)
        target_logit = logits + target
        others = logsumexp_excluding_each(adjusted)
        return torch.logaddexp(others, target_logit) - target_logit

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
                if hard:
                    local = self._hard_pos_grad(safe, loss.detach(), weight)
                else:
                    local = self._soft_pos_grad(nll.detach(),
                                                label.to(nll.dtype), weight)
                self._update_statistics(local, logits.size(0), faults,
                                        context)
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

    @torch.no_grad()
    def _hard_pos_grad(self, label: torch.Tensor, sample_nll: torch.Tensor,
                       weight: Optional[torch.Tensor]) -> torch.Tensor:
        """Hard labels: ``1 - p_y = 1 - exp(-CE_i)`` summed per class
        ``y``, float64 ``(C,)``."""
        pos = (-sample_nll.double()).exp().neg().add(1)
        if weight is not None:
            pos = pos * weight.double()
        local = torch.zeros(
            self.num_classes, dtype=torch.float64, device=pos.device)
        return local.scatter_add_(0, label.view(-1), pos)

    @torch.no_grad()
    def _soft_pos_grad(self, nll: torch.Tensor, target: torch.Tensor,
                       weight: Optional[torch.Tensor]) -> torch.Tensor:
        """Soft targets: ``sum_i q_ic (1 - p^(c)_ic)`` per class ``c``,
        float64 ``(C,)``."""
        pos = target.double() * (-nll.double()).exp().neg().add(1)
        if weight is not None:
            pos = pos * weight.double().view(-1, 1)
        return pos.sum(dim=0)

    def extra_repr(self) -> str:
        return (f'num_classes={self.num_classes}, '
                f'lambda_pos={self.lambda_pos}, lambda_neg={self.lambda_neg}, '
                f'eps={self.eps}, adjust={self.adjust!r}, '
                f'accumulation={self.accumulation!r}, '
                f'num_updates={int(self.num_updates)}')
