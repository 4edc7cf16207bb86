# Copyright (c) gala-mm contributors. All rights reserved.
"""Faults of a training step, found on the device and reported once.

:func:`check_inputs` checks shapes on the host. A loss computes
:func:`fault_flags` without reading the device, sends them in the one
all-reduce it already does (so every DDP rank sees the same flags and stops
in the same step), reads them once and calls :func:`raise_on_faults`, which
computes the details of the message (host reads) only when something is
wrong.
"""
from typing import Optional

import torch
from mmengine.dist import get_world_size, is_distributed

#: A per-sample cross-entropy this large means logits ~1e4 apart: the run is
#: diverging, NaN usually follows within a few steps (a warning).
HUGE_LOSS = 1e4
#: The flags, in order.
FAULTS = ('nonfinite', 'bad_label', 'bad_target', 'empty', 'huge')


def check_inputs(cls_score: torch.Tensor, label: torch.Tensor,
                 num_classes: int) -> None:
    """Shape and dtype checks, on the host (no device synchronisation).

    Args:
        cls_score (torch.Tensor): Logits ``(N, C)``.
        label (torch.Tensor): Hard labels ``(N,)`` (integer) or soft
            targets ``(N, C)``.
        num_classes (int): ``C``.
    """
    if cls_score.dim() != 2 or cls_score.size(1) != num_classes:
        raise ValueError(
            f'GALALoss expects logits of shape (N, {num_classes}), got '
            f"{tuple(cls_score.shape)}: make the head's num_classes and the "
            "loss's num_classes equal to the number of classes of the "
            'dataset.')
    if label.dim() == 1:
        if label.is_floating_point() or label.dtype == torch.bool:
            raise TypeError(
                'GALALoss: hard labels must be class indices (an integer '
                f'tensor), got {label.dtype}: pass label.long(), or soft '
                f'targets of shape (N, {num_classes}).')
        if label.size(0) != cls_score.size(0):
            raise ValueError(f'GALALoss: {label.size(0)} labels for '
                             f'{cls_score.size(0)} samples.')
    elif label.shape != cls_score.shape:
        raise ValueError(
            'GALALoss: soft targets must have the shape of the logits '
            f'{tuple(cls_score.shape)}, got {tuple(label.shape)}.')


def fault_flags(sample_loss: torch.Tensor, label: torch.Tensor,
                num_classes: int) -> torch.Tensor:
    """``(5,)`` device flags, in the order of :data:`FAULTS`: a non-finite
    per-sample loss (a NaN / Inf logit), a hard label outside
    ``[0, num_classes)``, soft targets that are not distributions, an empty
    batch, a finite but huge loss.

    Args:
        sample_loss (torch.Tensor): Per-sample losses ``(N,)``.
        label (torch.Tensor): Hard labels ``(N,)`` or soft targets
            ``(N, C)``.
        num_classes (int): ``C``.
    """
    finite = torch.isfinite(sample_loss)
    no = torch.zeros((), dtype=torch.bool, device=sample_loss.device)
    bad_label = bad_target = no
    if label.numel() and label.dim() == 1:
        bad_label = ((label < 0) | (label >= num_classes)).any()
    elif label.numel():
        bad_target = ((label < 0) | ~torch.isfinite(label)).any() | (
            (label.sum(1) - 1).abs() > 1e-3).any()
    return torch.stack([
        ~finite.all(),
        bad_label.to(no.device),
        bad_target.to(no.device), no | (sample_loss.numel() == 0),
        ((sample_loss.abs() > HUGE_LOSS) & finite).any()
    ])


def _range(label: torch.Tensor) -> str:
    return f'[{int(label.min())}, {int(label.max())}]' if label.numel() \
        else '[]'


def raise_on_faults(counts: torch.Tensor, logits: torch.Tensor,
                    label: torch.Tensor, sample_loss: torch.Tensor,
                    num_classes: int,
                    num_updates: torch.Tensor) -> Optional[str]:
    """Read the (summed over processes) flags once and raise the error that
    names the fix.

    Args:
        counts (torch.Tensor): :func:`fault_flags`, summed over processes.
        logits (torch.Tensor): This process's logits ``(N, C)``.
        label (torch.Tensor): Its labels / soft targets.
        sample_loss (torch.Tensor): Its per-sample losses ``(N,)``.
        num_classes (int): ``C``.
        num_updates (torch.Tensor): The steps done so far (read only for
            a message).

    Returns:
        str | None: A warning about a huge (still finite) loss, if any.
    """
    found = dict(zip(FAULTS, counts.tolist()))
    huge = found.pop('huge')
    if not any(found.values()) and not huge:
        return None
    step = int(num_updates) + 1
    if not any(found.values()):
        return None if not huge else (
            'GALALoss: per-sample loss up to '
            f'{float(sample_loss.detach().abs().max()):.3g} at training step '
            f'{step}: training is diverging (non-finite values usually '
            'follow). Lower the learning rate or enable gradient clipping '
            '(optim_wrapper.clip_grad=dict(max_norm=...)).')
    where = (f' on {int(max(found.values()))} of {get_world_size()} '
             'processes') if is_distributed() else ''
    if found['empty']:
        raise ValueError(
            f'GALALoss got an empty batch{where}: the statistics were not '
            'updated. Check the sampler and the batch size (e.g. a dataset '
            'smaller than the number of processes).')
    if found['bad_target']:
        sums = label.detach().sum(1)
        got = (f'rows summing to [{float(sums.min()):.4g}, '
               f'{float(sums.max()):.4g}], smallest entry '
               f'{float(label.detach().min()):.4g}') if label.numel() else []
        raise ValueError(
            f'GALALoss: soft targets must be finite, >= 0 and sum to 1 per '
            f'row{where}; this process got {got}. The statistics were not '
            "updated: normalise the targets (mmpretrain's batch augments "
            'and label smoothing do).')
    if found['bad_label']:
        raise ValueError(
            f'GALALoss: labels must lie in [0, {num_classes}){where}; this '
            f'process got {_range(label) if label.dim() == 1 else "?"}: the '
            'dataset has more classes than num_classes.')
    raise FloatingPointError(
        f'GALALoss received non-finite logits{where} '
        f'({int(torch.isnan(logits).sum())} NaN, '
        f'{int(torch.isinf(logits).sum())} Inf on this process) at training '
        f'step {step}. The GALA statistics were not updated and the '
        'checkpoints written so far are intact: lower the learning rate, '
        'enable gradient clipping (optim_wrapper.clip_grad) or check the '
        'input data, then resume from the last checkpoint.')


__all__ = [
    'HUGE_LOSS', 'FAULTS', 'check_inputs', 'fault_flags', 'raise_on_faults'
]
