# Copyright (c) gala-mm contributors. All rights reserved.
from .model_zoo import model_index_path, register_models
from .run_meta import config_class_names, run_meta, run_thresholds
from .predict import (check_prior_output, offline_config, predict_scores,
                      scores_from_dump, validation_dataloader,
                      write_checkpoint_with_prior)

__all__ = [
    'offline_config', 'predict_scores', 'scores_from_dump',
    'validation_dataloader',
    'check_prior_output', 'write_checkpoint_with_prior', 'register_models',
    'model_index_path', 'run_meta', 'config_class_names',
    'run_thresholds'
]
