# Copyright (c) gala-mm contributors. All rights reserved.
"""GALA's accumulated gradient statistics: buffers, all-reduce,
accumulation."""
from typing import Tuple

import torch
from mmengine.dist import all_reduce, is_distributed

ACCUMULATION_MODES = ('double', 'single')


class GALAStatisticsMixin:
    """float64 buffers ``pos_grad_sum`` (A) and ``theta``, and the step
    counter ``num_updates``, saved in checkpoints.

    With per-step contribution ``g``, ``accumulation='double'`` (official)
    keeps ``A += g; theta += A`` (early steps weigh most);
    ``accumulation='single'`` keeps ``theta = A``. A step's contribution is
    the global batch's: the per-process sums are all-reduced, so every rank
    holds identical values.
    """

    def _init_statistics(self, num_classes: int, accumulation: str) -> None:
        if accumulation not in ACCUMULATION_MODES:
            raise ValueError(f'{type(self).__name__}: accumulation='
                             f'{accumulation!r}, expected one of '
                             f'{ACCUMULATION_MODES}.')
        self.accumulation = accumulation
        zeros = torch.zeros(num_classes, dtype=torch.float64)
        self.register_buffer('pos_grad_sum', zeros.clone())
        self.register_buffer('theta', zeros.clone())
        self.register_buffer('num_updates',
                             torch.zeros((), dtype=torch.int64))

    @property
    def phi(self) -> torch.Tensor:
        """Accumulated negative gradient per label class (== ``theta``)."""
        return self.theta

    def reset_statistics(self) -> None:
        """Zero the statistics (a fresh start, e.g. for stage-2 training)."""
        self.pos_grad_sum.zero_()
        self.theta.zero_()
        self.num_updates.zero_()

    @torch.no_grad()
    def reduce_step(self, local_pos_grad: torch.Tensor, local_count: int,
                    extra: torch.Tensor
                    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """One step's contribution of the global batch, without applying it.

        ``extra`` (e.g. fault flags) travels in the same all-reduce, so a
        step costs one collective.

        Args:
            local_pos_grad (torch.Tensor): This process's un-normalised
                per-class sums ``(C,)``.
            local_count (int): This process's number of samples.
            extra (torch.Tensor): Values to sum across processes ``(K,)``.

        Returns:
            tuple[torch.Tensor, torch.Tensor]: the step ``g`` (``(C,)``,
            normalised by the global batch size) and the summed ``extra``.
        """
        k = extra.numel()
        packed = torch.cat([
            local_pos_grad.to(torch.float64),
            local_pos_grad.new_tensor([local_count], dtype=torch.float64),
            extra.to(local_pos_grad.device, torch.float64).flatten()
        ])
        if is_distributed():
            all_reduce(packed, op='sum')
        count = packed[-k - 1]
        step = (packed[:-k - 1] / count.clamp_min(1)).to(self.theta.device)
        return step, packed[-k:]

    @torch.no_grad()
    def accumulate(self, step: torch.Tensor) -> None:
        """Add a step ``g`` to the statistics."""
        self.pos_grad_sum += step
        if self.accumulation == 'double':
            self.theta += self.pos_grad_sum
        else:
            self.theta.copy_(self.pos_grad_sum)
        self.num_updates += 1
