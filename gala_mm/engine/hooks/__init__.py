# Copyright (c) gala-mm contributors. All rights reserved.
from .channels_last_hook import ChannelsLastHook
from .class_count_hook import (ClassCountHook, dataset_class_counts,
                               shot_thresholds, unwrap_model)
from .drw_hook import DeferredReweightHook
from .exact_resume_hook import ExactResumeHook
from .gala_stats_hook import GALAStatsHook, gala_losses, summarize_log_theta
from .safe_checkpoint_hook import SafeCheckpointHook
from .work_dir_lock_hook import WorkDirLockHook, release_work_dir

__all__ = [
    'ChannelsLastHook', 'ClassCountHook', 'DeferredReweightHook',
    'GALAStatsHook', 'SafeCheckpointHook', 'WorkDirLockHook',
    'ExactResumeHook',
    'release_work_dir', 'dataset_class_counts', 'unwrap_model', 'gala_losses',
    'summarize_log_theta', 'shot_thresholds'
]
