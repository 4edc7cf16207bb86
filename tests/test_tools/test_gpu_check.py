# Copyright (c) gala-mm contributors. All rights reserved.
"""tools/benchmark/gpu_check.sh runs its CPU-checkable parts (--dry-run)."""
import json
import os
import os.path as osp
import re
import subprocess

import numpy as np
import pytest

from gala_mm.compat import cpu_has_native_bf16

from ..conftest import FASHION_MNIST_FILES, REPO, write_idx

# End-to-end (subprocesses, training, several processes).
pytestmark = pytest.mark.slow


def test_gpu_check_dry_run(tmp_path):
    src = tmp_path / 'gz'
    src.mkdir()
    rng = np.random.RandomState(0)
    for split, per_class in (('train', 500), ('test', 50)):
        labels = np.repeat(np.arange(10), per_class)
        # class-dependent brightness, so the demo learns something
        images = rng.randint(0, 64, (len(labels), 28, 28)) + \
            (labels * 19)[:, None, None]
        names = FASHION_MNIST_FILES[split]
        write_idx(src / f'{names[0]}.gz', images, compress=True)
        write_idx(src / f'{names[1]}.gz', labels, compress=True)
    out = tmp_path / 'out'
    env = dict(os.environ, FMNIST_DIR=str(src), OUT=str(out),
               DATA_ROOT=str(tmp_path / 'data'))
    proc = subprocess.run(
        ['bash', osp.join(REPO, 'tools/benchmark/gpu_check.sh'),
         '--dry-run'], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for step in ('1/4', '2/4', '3/4', '4/4', 'done'):
        assert step in proc.stdout
    metrics = json.loads((out / 'demo_metrics.json').read_text())
    assert 0 <= metrics['accuracy/top1'] <= 100
    # throughput.py --quick: the Runner's and the plain loop's share of
    # the step in fp32 and bf16
    throughput = (out / 'throughput.txt').read_text()
    assert 'fp32: runner' in throughput
    shares = re.findall(r'runner (\d+\.\d)%, plain loop (\d+\.\d)%',
                        throughput)
    if cpu_has_native_bf16():
        assert 'bf16: runner' in throughput and len(shares) == 2
    else:  # emulated bf16 would take minutes: skipped, saying why
        assert 'bf16: skipped (this CPU has no native bfloat16' in throughput
        assert len(shares) == 1
    assert all(0 < float(s) < 100 for pair in shares for s in pair)
    cost = json.loads((out / 'loss_cost.json').read_text())
    # a whole ResNet-32 step: the loss is a small part of it, so GALA's
    # step costs about what cross-entropy's does (a host sync per sample or
    # a per-class Python loop would not)
    # (the median of back-to-back per-repeat ratios: robust to load)
    step = cost['resnet32']
    assert 0.5 < step['ratio'] < 2.0, step
    assert 'device cpu' in cost['machine']
    assert cost['host_syncs'] is None
    cost_log = (out / 'loss_cost.txt').read_text()
    assert 'host syncs: no CUDA GPU here' in cost_log
