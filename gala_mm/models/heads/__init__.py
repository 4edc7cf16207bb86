# Copyright (c) gala-mm contributors. All rights reserved.
from .gala_head import GALAHead, raw_pred_score
from .normed_linear_head import NormedLinearClsHead

__all__ = ['GALAHead', 'NormedLinearClsHead', 'raw_pred_score']
