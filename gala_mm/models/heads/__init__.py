# Copyright (c) gala-mm contributors. All rights reserved.
from .gala_head import GALAHead
from .normed_linear_head import NormedLinearClsHead

__all__ = ['GALAHead', 'NormedLinearClsHead']
