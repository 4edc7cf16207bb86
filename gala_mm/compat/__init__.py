# Copyright (c) gala-mm contributors. All rights reserved.
from .amp import AnyDeviceAmpOptimWrapper, cpu_has_native_bf16
from .checkpoint import (check_checkpoint_file, check_work_dir_writable,
                         convert_trusted_checkpoint,
                         is_intact_checkpoint, resume_checkpoint,
                         register_checkpoint_safe_globals)
from .dist import setup_cpu_distributed

__all__ = [
    'AnyDeviceAmpOptimWrapper', 'cpu_has_native_bf16',
    'check_checkpoint_file',
    'check_work_dir_writable',
    'convert_trusted_checkpoint', 'is_intact_checkpoint',
    'resume_checkpoint',
    'register_checkpoint_safe_globals',
    'setup_cpu_distributed'
]
