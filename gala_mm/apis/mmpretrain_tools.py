# Copyright (c) gala-mm contributors. All rights reserved.
"""mmpretrain's own ``tools/train.py`` and ``tools/test.py``, which its
package ships (``mmpretrain/.mim/tools``): gala-mm's tools extend them
instead of copying their argument handling."""
import functools
import importlib.util
import os.path as osp
import sys
from types import ModuleType
from typing import Callable, Optional, Sequence

import mmpretrain


@functools.lru_cache(maxsize=None)
def mmpretrain_tool(name: str) -> ModuleType:
    """mmpretrain's ``tools/<name>.py`` as a module.

    Args:
        name (str): ``'train'`` or ``'test'``.
    """
    path = osp.join(osp.dirname(mmpretrain.__file__), '.mim', 'tools',
                    f'{name}.py')
    if not osp.isfile(path):
        raise FileNotFoundError(
            f"mmpretrain's {name} tool is missing ({path}): reinstall "
            'mmpretrain==1.2.0 from its wheel (pip install --force-reinstall '
            'mmpretrain==1.2.0).')
    spec = importlib.util.spec_from_file_location(f'mmpretrain_{name}_tool',
                                                  path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_with(parse: Callable, prog: str,
               argv: Optional[Sequence[str]] = None):
    """Call an argparse-based ``parse_args()`` that reads ``sys.argv`` on
    ``argv`` instead (None: the real command line)."""
    if argv is None:
        return parse()
    saved = sys.argv
    sys.argv = [prog] + list(argv)
    try:
        return parse()
    finally:
        sys.argv = saved


__all__ = ['mmpretrain_tool', 'parse_with']
