# Copyright (c) gala-mm contributors. All rights reserved.
"""Training class counts held by a loss (set by ClassCountHook)."""
from typing import Optional, Sequence

import torch

from ...long_tail import check_class_counts


class ClassCountsMixin:
    """A persistent ``class_counts`` buffer (float64, ``(C,)``) with a
    validated setter, so the counts travel with the checkpoint."""

    def _init_class_counts(self, num_classes: int,
                           counts: Optional[Sequence[int]]) -> None:
        self.num_classes = num_classes
        self.register_buffer('class_counts',
                             torch.zeros(num_classes, dtype=torch.float64))
        if counts is not None:
            self.set_class_counts(counts)

    def set_class_counts(self, counts: Sequence[int]) -> None:
        """Store the training-set class counts (validated)."""
        self.class_counts.copy_(
            check_class_counts(counts, self.num_classes,
                               type(self).__name__))

    def require_class_counts(self) -> torch.Tensor:
        """The counts, or a clear error when no hook set them."""
        if not (self.class_counts > 0).all():
            raise RuntimeError(
                f"{type(self).__name__} has no class counts: add dict(type="
                "'ClassCountHook') to custom_hooks or pass class_counts=[...]"
                '.')
        return self.class_counts
