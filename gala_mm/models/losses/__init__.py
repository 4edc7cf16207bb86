# Copyright (c) gala-mm contributors. All rights reserved.
from .gala_loss import GALALoss, logsumexp_excluding_each
from .ldam_loss import LDAMLoss
from .logit_adjust_loss import BalancedSoftmaxLoss, LogitAdjustLoss

__all__ = [
    'GALALoss', 'logsumexp_excluding_each', 'LogitAdjustLoss',
    'BalancedSoftmaxLoss', 'LDAMLoss'
]
