# Copyright (c) gala-mm contributors. All rights reserved.
"""Plumbing of gala-mm's tools: mmpretrain's own ``tools/train.py`` and
``tools/test.py`` (its package ships them in ``mmpretrain/.mim/tools``),
which our tools extend instead of copying their argument handling, and the
warning filters of the tools (never set by ``import gala_mm``)."""
import functools
import importlib.util
import os.path as osp
import sys
import warnings
from types import ModuleType
from typing import Callable, Optional, Sequence

import mmpretrain


@functools.lru_cache(maxsize=None)
def mmpretrain_tool(name: str) -> ModuleType:
    """mmpretrain's ``tools/<name>.py`` as a module.

    Args:
        name (str): ``'train'``, ``'test'`` or a path below ``tools/``
            (``'model_converters/publish_model'``).
    """
    path = osp.join(osp.dirname(mmpretrain.__file__), '.mim', 'tools',
                    f'{name}.py')
    if not osp.isfile(path):
        raise FileNotFoundError(
            f"mmpretrain's {name} tool is missing ({path}): reinstall "
            'mmpretrain==1.2.0 from its wheel (pip install --force-reinstall '
            'mmpretrain==1.2.0).')
    return load_script(path, f"mmpretrain_{name.replace('/', '_')}_tool")


def load_script(path: str, name: Optional[str] = None) -> ModuleType:
    """A script (a tool, not on ``sys.path``) imported as a module.

    Args:
        path (str): The ``.py`` file.
        name (str, optional): The module's name. Defaults to
            ``tool_<file name>``.
    """
    name = name or 'tool_' + osp.splitext(osp.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
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


#: Messages the tools hide: mmcv-lite has no compiled ops and says so for
#: one that classification never uses (printed once when mmpretrain's models
#: are first imported); mmengine 0.10.7 resolves ``mmpretrain::`` bases with
#: ``pkg_resources`` (hence the setuptools<81 pin), whose deprecation notice
#: is not actionable for users.
KNOWN_WARNINGS = ('Fail to import ``MultiScaleDeformableAttention``',
                  'pkg_resources is deprecated as an API')


def ignore_known_warnings() -> None:
    """Hide :data:`KNOWN_WARNINGS` in this process: for the tools' entry
    points only; the plugin's import leaves the warning filters alone."""
    for message in KNOWN_WARNINGS:
        warnings.filterwarnings('ignore', message=message)


__all__ = ['ignore_known_warnings', 'mmpretrain_tool', 'parse_with']
