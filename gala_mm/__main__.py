# Copyright (c) gala-mm contributors. All rights reserved.
"""Run one of the tools shipped in the package (``gala_mm/.mim/tools``, as
mmpretrain ships its own), from a checkout or an installed wheel::

    python -m gala_mm tune_tau CONFIG CHECKPOINT ...
    python -m gala_mm analysis/compare_methods WORK_DIR
    gala-mm fold_prs ...            # the same, as a console command
    python -m gala_mm               # lists the tools
"""
import glob
import os.path as osp
import runpy
import sys
from typing import List, Optional

TOOLS = osp.join(osp.dirname(osp.abspath(__file__)), '.mim', 'tools')


def tool_names() -> List[str]:
    """Every tool script, as ``name`` or ``folder/name``."""
    paths = glob.glob(osp.join(TOOLS, '**', '*.py'), recursive=True)
    return sorted(osp.relpath(p, TOOLS)[:-3] for p in paths)


def find_tool(name: str) -> str:
    """The script of ``name`` (``tune_tau``, ``compare_methods`` or
    ``analysis/compare_methods``)."""
    names = tool_names()
    matches = [n for n in names if n == name or osp.basename(n) == name]
    if len(matches) != 1:
        raise SystemExit(f'gala_mm: no tool {name!r} (one of: '
                         f'{", ".join(names)}).' if not matches else
                         f'gala_mm: {name!r} is ambiguous: {matches}.')
    return osp.join(TOOLS, matches[0] + '.py')


def main(argv: Optional[List[str]] = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ('-h', '--help'):
        print(__doc__ + '\ntools: ' + ', '.join(tool_names()))
        return
    script = find_tool(argv[0])
    sys.argv = [script] + argv[1:]
    runpy.run_path(script, run_name='__main__')


if __name__ == '__main__':
    main()
