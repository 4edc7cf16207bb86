# Copyright (c) gala-mm contributors. All rights reserved.
"""PRS and post-hoc logit adjustment (defined in :mod:`gala_mm.longtail`)."""
from ..longtail.rebalance import (la_predict, mean_class_distribution,
                                  prs_predict, rebalance)

__all__ = ['mean_class_distribution', 'rebalance', 'prs_predict',
           'la_predict']
