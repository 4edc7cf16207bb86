# Copyright (c) gala-mm contributors. All rights reserved.
from .long_tail_accuracy import (LongTailAccuracy, format_shot_table,
                                 per_class_accuracy, shot_groups, summarize)

__all__ = [
    'LongTailAccuracy', 'format_shot_table', 'per_class_accuracy',
    'shot_groups', 'summarize'
]
