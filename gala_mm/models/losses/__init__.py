# Copyright (c) gala-mm contributors. All rights reserved.
from .gala_loss import GALALoss
from .gala_maths import (gala_logit_offsets, gala_per_class_nll,
                         logsumexp_excluding_each, positive_gradients)
from .gala_statistics import GALAStatisticsMixin
from .gcl_loss import GCLLoss, gcl_cloud_sizes, gcl_noise
from .cosine_loss import ScaledCosineLoss
from .ldam_loss import LDAMLoss
from .ldam_maths import (class_weighted_cross_entropy,
                         effective_number_weights, ldam_margins)
from .logit_adjust_loss import BalancedSoftmaxLoss, LogitAdjustLoss

__all__ = [
    'GALALoss', 'logsumexp_excluding_each', 'LogitAdjustLoss',
    'BalancedSoftmaxLoss', 'LDAMLoss', 'GCLLoss', 'ldam_margins',
    'effective_number_weights', 'class_weighted_cross_entropy',
    'gcl_cloud_sizes', 'gcl_noise', 'ScaledCosineLoss', 'gala_logit_offsets',
    'gala_per_class_nll', 'positive_gradients', 'GALAStatisticsMixin'
]
