# Copyright (c) gala-mm contributors. All rights reserved.
from .model_zoo import model_index_path, register_models
from .predict import (best_tau, check_prior_output, init_runner, parse_taus,
                      predict_scores, tau_at_grid_top, tau_sweep,
                      validation_dataloader, write_checkpoint_with_prior)

__all__ = [
    'init_runner', 'predict_scores', 'validation_dataloader', 'tau_sweep',
    'best_tau', 'tau_at_grid_top', 'parse_taus',
    'check_prior_output', 'write_checkpoint_with_prior', 'register_models',
    'model_index_path'
]
