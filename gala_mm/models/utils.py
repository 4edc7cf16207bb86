# Copyright (c) gala-mm contributors. All rights reserved.
"""Validation helpers of the models (defined on the ground floor)."""
from ..longtail.counts import check_class_counts, check_tau

__all__ = ['check_class_counts', 'check_tau']
