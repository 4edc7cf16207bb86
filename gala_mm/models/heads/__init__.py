# Copyright (c) gala-mm contributors. All rights reserved.
from .gala_head import GALAHead

__all__ = ['GALAHead']
