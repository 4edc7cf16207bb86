# Copyright (c) gala-mm contributors. All rights reserved.
from .mmpretrain_tools import (ignore_known_warnings, load_script,
                               mmpretrain_tool, parse_with)
from .typos import known_arguments, suggest_typos

__all__ = [
    'ignore_known_warnings', 'known_arguments', 'load_script',
    'mmpretrain_tool',
    'parse_with', 'suggest_typos'
]
