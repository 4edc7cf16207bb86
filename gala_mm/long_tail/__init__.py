# Copyright (c) gala-mm contributors. All rights reserved.
"""The ground floor: long-tail maths as pure functions.

Every other part of gala-mm (models, datasets, evaluation, hooks, apis,
visualization, tools) calls these; this package imports none of them.
"""
from .counts import check_class_counts, check_tau, class_prior
from .rebalance import (la_predict, mean_class_distribution, prs_predict,
                        rebalance)
from .shots import ShotGroups, shot_groups
from .summary import (format_group_sizes, format_shot_table,
                      per_class_accuracy, summarize)
from .tau_sweep import (RULES, best_tau, parse_taus, rebalanced_labels,
                        tau_at_grid_top, tau_sweep)

__all__ = [
    'check_class_counts', 'check_tau', 'class_prior', 'ShotGroups',
    'shot_groups', 'mean_class_distribution', 'rebalance', 'prs_predict',
    'la_predict', 'per_class_accuracy', 'summarize', 'format_shot_table',
    'format_group_sizes', 'RULES', 'rebalanced_labels', 'tau_sweep',
    'best_tau', 'tau_at_grid_top', 'parse_taus'
]
