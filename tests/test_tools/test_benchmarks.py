# Copyright (c) gala-mm contributors. All rights reserved.
"""The benchmarks' --quick smoke runs (the full runs live in docs/)."""
import os
import os.path as osp
import re

import pytest
from PIL import Image

from ..conftest import REPO, run_tool, write_fashion_mnist

# End-to-end (subprocesses, training, several processes).
pytestmark = pytest.mark.slow

BENCH = osp.join(REPO, 'tools/benchmark')


@pytest.fixture(scope='module')
def small_lt_root(tmp_path_factory):
    # 500 train images per class: 400 for the LT profile + 100 held out
    return write_fashion_mnist(str(tmp_path_factory.mktemp('bench')), 500,
                               30)


def test_accuracy_quick(small_lt_root, tmp_path):
    # two runs at once, as the benchmark runs (one thread each on 2 cores)
    # fp32: bf16 autocast is ~40x slower on a CPU without native bf16
    run_tool([osp.join(BENCH, 'long_tail_accuracy.py'), 'compare', '--quick',
              '--no-amp', '--jobs', '2', '--data-root', small_lt_root,
              '--work-dir', str(tmp_path)], timeout=600)
    report = (tmp_path / 'report_compare.md').read_text()
    for method in ('| CE |', '| LA post-hoc | τ', '| Balanced Softmax |',
                   '| LDAM-DRW |', '| GCL | noise_mul=',
                   '| GALA | lambda_pos=',
                   '| GALA + PRS | lambda_pos='):
        assert method in report
    assert 'Best baseline' in report
    results = sorted(p.name for p in (tmp_path / 'results').iterdir())
    # seed 0 of every method and every knob of the (quick) grids
    assert len(results) == 7, results
    import json
    res = json.loads((tmp_path / 'results' / results[0]).read_text())
    # one training session, from scratch: its time ledger is complete
    assert res['segments'] == 1 and res['time_complete']
    assert 0 < res['train_cpu_seconds'] < res['cpu_seconds']
    assert res['train_seconds'] < res['seconds']
    # --jobs 2: each run got cores / 2 threads (unless the user chose)
    threads = os.environ.get('OMP_NUM_THREADS',
                             str(max(1, (os.cpu_count() or 1) // 2)))
    assert res['machine'].endswith(f', {threads} threads'), res['machine']
    # the training process held the run's lock too (gone with it)
    lock = (tmp_path / f'{res["tag"]}.lock').read_text()
    assert re.fullmatch(r'\d+, training process \d+', lock), lock
    assert Image.open(tmp_path / 'per_class_if100.png').size[0] > 300
    check_reevaluation(small_lt_root, tmp_path)


def check_reevaluation(data_root, work_dir):
    """A finished run evaluated on another τ grid (or with other shot
    thresholds, the same path): the report refuses it; the next run
    evaluates it again from its checkpoint (no training, training records
    kept), and refuses if the raw accuracy came out otherwise than
    recorded."""
    import json
    path = work_dir / 'results' / 'if100_e1_s0_ce.json'
    old = json.loads(path.read_text())
    shorter = dict(old, la=old['la'][:-1])  # as if from a narrower grid
    path.write_text(json.dumps(shorter))
    argv = [osp.join(BENCH, 'long_tail_accuracy.py'), 'compare', '--quick',
            '--no-amp', '--jobs', '2', '--data-root', data_root, '--work-dir',
            str(work_dir)]
    proc = run_tool(argv + ['--report-only'], check=False)
    assert proc.returncode != 0
    assert ('was evaluated otherwise (τ 0, 1; many > 1500, few < 200) than '
            'now (τ 0, 1, 2; many > 1500, few < 200): run without '
            '--report-only') in proc.stderr
    run_tool(argv, timeout=300)
    new = json.loads(path.read_text())
    assert [r['tau'] for r in new['la']] == [0.0, 1.0, 2.0]
    assert new['la'] == old['la'] and new['raw'] == old['raw']
    for key in ('train_seconds', 'train_cpu_seconds', 'date', 'code'):
        assert new[key] == old[key]
    assert new['seconds'] > old['seconds']
    assert new['reevaluated']['recorded_raw_balanced']['val'] == \
        old['raw']['val']['balanced']
    # a raw accuracy that does not come out as recorded: left as it was
    shorter['raw']['val']['balanced'] += 1.0
    path.write_text(json.dumps(shorter))
    proc = run_tool(argv, check=False, timeout=300)
    assert proc.returncode != 0
    assert 'if100_e1_s0_ce: evaluated again, its raw balanced accuracy' \
        in proc.stderr
    assert json.loads(path.read_text()) == shorter


def test_paired_verdict_and_plateau():
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'long_tail_accuracy', osp.join(BENCH, 'long_tail_accuracy.py'))
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    # t = mean / (sd / sqrt(3)); 2 degrees of freedom: critical t = 4.303
    assert bench.paired_verdict([3.0, 3.2, 2.8])[0] == 'better'
    assert bench.paired_verdict([-3.0, -3.2, -2.8])[0] == 'worse'
    verdict, t = bench.paired_verdict([2.0, -1.0, 3.0])
    assert verdict == 'not distinguishable at 3 seeds'
    assert t == pytest.approx(4 / 3 / (2.0816660 / 3 ** 0.5), rel=1e-6)
    curve = dict(CE={8: 60.0, 16: 70.0, 32: 70.5},
                 GALA={8: 65.0, 16: 72.0, 32: 72.9})
    assert bench.plateau(curve, [8, 16, 32]) == 16
    curve['GALA'][32] = 74.0  # GALA still gains 2 points
    assert bench.plateau(curve, [8, 16, 32]) is None
    flat = dict(CE={8: 70.0, 16: 70.2}, GALA={8: 72.0, 16: 72.1})
    assert bench.plateau(flat, [8, 16]) == 16  # at least 12 epochs


def test_loss_cost_quick(tmp_path):
    import json
    out = tmp_path / 'cost.json'
    proc = run_tool([osp.join(BENCH, 'loss_cost.py'), '--quick', '--out',
                     str(out)])
    res = json.loads(out.read_text())
    assert {r['C'] for r in res['loss_only']} == {10, 100}
    for row in res['head'] + res['loss_only']:
        assert row['ratio'] == pytest.approx(row['gala_ms'] / row['ce_ms'])
        assert row['ce_ms'] > 0 and row['gala_ms'] > 0
    assert res['memory'][1]['gala'] == 2 * 100 * 8 + 8
    assert 'official-style' in proc.stdout


# throughput.py --quick runs (and is checked) in test_gpu_check.py's dry run
