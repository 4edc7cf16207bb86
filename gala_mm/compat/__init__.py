# Copyright (c) gala-mm contributors. All rights reserved.
from .checkpoint_files import (check_checkpoint_file,
                               convert_trusted_checkpoint,
                               is_intact_checkpoint, resume_checkpoint)
from .cpu import cpu_has_native_bf16
from .dist import destroy_distributed, setup_cpu_distributed
from .safe_loading import (load_checkpoint_file, register_checkpoint_loaders,
                           safe_globals_scope)
from .work_dir import check_work_dir_writable

__all__ = [
    'cpu_has_native_bf16',
    'check_checkpoint_file', 'check_work_dir_writable',
    'convert_trusted_checkpoint', 'is_intact_checkpoint',
    'load_checkpoint_file', 'register_checkpoint_loaders',
    'resume_checkpoint', 'safe_globals_scope', 'setup_cpu_distributed',
    'destroy_distributed'
]
