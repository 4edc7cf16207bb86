# Copyright (c) gala-mm contributors. All rights reserved.
"""The code follows the style setup.cfg's [flake8] section sets (PEP 8, as
mmpretrain's)."""
import subprocess
import sys

from .conftest import REPO


def test_flake8_clean():
    proc = subprocess.run(
        [sys.executable, '-m', 'flake8', 'gala_mm', 'tools', 'tests'],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
