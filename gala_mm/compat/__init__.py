# Copyright (c) gala-mm contributors. All rights reserved.
from .amp import AnyDeviceAmpOptimWrapper
from .checkpoint import register_checkpoint_safe_globals
from .dist import setup_cpu_distributed

__all__ = [
    'AnyDeviceAmpOptimWrapper', 'register_checkpoint_safe_globals',
    'setup_cpu_distributed'
]
