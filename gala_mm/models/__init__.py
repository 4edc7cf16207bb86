# Copyright (c) gala-mm contributors. All rights reserved.
from .backbones import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .prs import mean_class_distribution, prs_predict, rebalance
from .utils import check_class_counts, check_tau

__all__ = [
    'mean_class_distribution', 'prs_predict', 'rebalance',
    'check_class_counts', 'check_tau'
]
