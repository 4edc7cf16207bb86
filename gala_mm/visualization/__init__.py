# Copyright (c) gala-mm contributors. All rights reserved.
from .long_tail_plots import (plot_class_histogram, plot_gala_statistics,
                              plot_method_comparison,
                              plot_per_class_accuracy)

__all__ = [
    'plot_class_histogram', 'plot_gala_statistics', 'plot_method_comparison',
    'plot_per_class_accuracy'
]
