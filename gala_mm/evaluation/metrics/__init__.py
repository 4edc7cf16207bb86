# Copyright (c) gala-mm contributors. All rights reserved.
from ...long_tail import (format_shot_table, per_class_accuracy, shot_groups,
                          summarize)
from .long_tail_accuracy import LongTailAccuracy

__all__ = [
    'LongTailAccuracy', 'format_shot_table', 'per_class_accuracy',
    'shot_groups', 'summarize'
]
