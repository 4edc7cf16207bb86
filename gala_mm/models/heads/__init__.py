# Copyright (c) gala-mm contributors. All rights reserved.
from .normed_linear_head import NormedLinearClsHead
from .prs_linear_head import PRSLinearClsHead, raw_pred_score

#: The name configs of gala-mm 0.1 used (also a registered alias).
GALAHead = PRSLinearClsHead

__all__ = [
    'PRSLinearClsHead', 'GALAHead', 'NormedLinearClsHead', 'raw_pred_score'
]
