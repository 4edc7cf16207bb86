# Copyright (c) gala-mm contributors. All rights reserved.
"""tools/benchmark/gpu_accuracy.sh on the CPU (--dry-run): run_grid.py's
runs two at once, stopped at the time budget, the finished ones summarised
by compare_methods.py and packed; tools/benchmark/device_setup.sh's error
without wheels."""
import json
import os
import os.path as osp
import subprocess
import sys
import tarfile

import pytest

from ..conftest import REPO, write_fashion_mnist

SCRIPT = osp.join(REPO, 'tools/benchmark/gpu_accuracy.sh')


# Stands in for coreutils' ``timeout``: the budget runs out once the first
# run's preds.npz exists (not after a number of seconds), so the test
# walks the "stopped at the budget" path however fast the machine is.
FAKE_TIMEOUT = """#!{python}
import glob, os, signal, subprocess, sys, time
args = sys.argv[1:]
while args[0].startswith('-'):  # timeout's own options, then the duration
    args.pop(0)
args = args[1:]
proc = subprocess.Popen(args, start_new_session=True)
results = os.path.join(os.environ['WORK'], '*', 'preds.npz')
while proc.poll() is None:
    if glob.glob(results):
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()
        sys.exit(124)
    time.sleep(0.2)
sys.exit(proc.returncode)
"""


@pytest.mark.slow
def test_gpu_accuracy_dry_run_stops_at_budget(tmp_path):
    src = write_fashion_mnist(str(tmp_path / 'gz'), 500, 30, compress=True)
    out, work = tmp_path / 'out', tmp_path / 'work'
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    (bin_dir / 'timeout').write_text(
        FAKE_TIMEOUT.format(python=sys.executable))
    (bin_dir / 'timeout').chmod(0o755)
    env = dict(os.environ, FMNIST_DIR=src, OUT=str(out), WORK=str(work),
               DATA_ROOT=str(tmp_path / 'data'), BUDGET='60',
               PYTHON=sys.executable,
               PATH=f'{bin_dir}{os.pathsep}{os.environ["PATH"]}')
    proc = subprocess.run(['bash', SCRIPT, '--dry-run'], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    log = proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.returncode == 0, log
    for step in ('1/3', '2/3', '3/3', 'done'):
        assert step in proc.stdout, log
    with tarfile.open(out / 'runs.tar.gz') as tar:
        names = tar.getnames()
    runs = [n.split('/')[1] for n in names if n.endswith('/preds.npz')]
    # five method configs; the budget ran out after the first finished
    # (two may finish together): a planned stop, not a failure
    assert 1 <= len(runs) < 5, log
    assert all(r.endswith('_s0') for r in runs), runs
    assert 'stopped at the budget' in proc.stdout, log
    assert f'done: {len(runs)} runs finished' in proc.stdout
    # every finished run keeps its checkpoint (the model zoo's weights)
    assert all(any(n.startswith(f'./{r}/epoch_1.pth') for n in names)
               for r in runs)
    report = (out / 'report.md').read_text()
    assert '| method | chosen on val |' in report
    summary = json.loads((out / 'report.json').read_text())
    assert len(summary['rows']) >= len(runs)
    assert 'no GPU' in (out / 'machine.txt').read_text()


def test_device_setup_names_the_fix_without_wheels(tmp_path):
    # a Python without mmpretrain, and a tree without .whl/
    tree = tmp_path / 'tree'
    (tree / 'tools' / 'benchmark').mkdir(parents=True)
    script = tree / 'tools' / 'benchmark' / 'device_setup.sh'
    with open(osp.join(REPO, 'tools/benchmark/device_setup.sh')) as f:
        script.write_text(f.read())
    fake = tmp_path / 'python3'
    fake.write_text('#!/bin/sh\nexit 1\n')
    fake.chmod(0o755)
    proc = subprocess.run(['bash', '-c', f'. {script}'], env=dict(
        os.environ, PYTHON=str(fake)), capture_output=True, text=True)
    assert proc.returncode != 0
    assert 'device_setup.sh --fetch' in proc.stderr
    assert 'carry .whl' in proc.stderr
