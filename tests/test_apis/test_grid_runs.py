# Copyright (c) gala-mm contributors. All rights reserved.
"""A grid's runs: names, options and the record read back."""
import json

import pytest

from gala_mm.apis.grid_runs import (RECORD_KEYS, SEED_KEYS, expand_grid,
                                    train_hours, write_grid_record)


def test_grid_names_options_and_order():
    knobs = [dict(a=['1', '2'], b=['x', 'y']), {'m.lam': ['0.6']}]
    runs = expand_grid(['cfgs/gala.py', 'cfgs/ce.py'], knobs, [0, 3],
                       ['load={work_root}/s{seed}.pth'], '/root')
    # configs x (a, b together) x lam x seeds, seeds innermost
    assert [r['name'] for r in runs] == [
        'gala_a1_lam0.6_s0', 'gala_a1_lam0.6_s3', 'gala_a2_lam0.6_s0',
        'gala_a2_lam0.6_s3', 'ce_a1_lam0.6_s0', 'ce_a1_lam0.6_s3',
        'ce_a2_lam0.6_s0', 'ce_a2_lam0.6_s3']
    run = runs[3]
    assert run['knobs'] == {'a': '2', 'b': 'y', 'm.lam': '0.6'}
    assert run['options'] == ['a=2', 'b=y', 'm.lam=0.6'] + [
        f'{k}=3' for k in SEED_KEYS] + ['load=/root/s3.pth']
    assert run['grid'] == {'a': ['1', '2'], 'b': ['x', 'y'],
                           'm.lam': ['0.6']}
    assert [r['name'] for r in expand_grid(['c.py'], [], [1], [], '/')] == [
        'c_s1']


def test_grid_record(tmp_path):
    run = expand_grid(['c.py'], [dict(k=['1'])], [2], [], '/r')[0]
    write_grid_record(str(tmp_path / 'c_k1_s2'), run)
    record = json.loads((tmp_path / 'c_k1_s2' / 'grid.json').read_text())
    assert set(record) == set(RECORD_KEYS) and record['seed'] == 2


def test_train_hours_of_a_resumed_run(tmp_path):
    """A resumed session counts its own iterations, from the one it resumed
    at (its log says which), not from 0; validation records not at all."""
    def session(ts, records, log=''):
        (tmp_path / ts / 'vis_data').mkdir(parents=True)
        (tmp_path / ts / f'{ts}.log').write_text(log)
        (tmp_path / ts / 'vis_data' / 'scalars.json').write_text(''.join(
            json.dumps(dict(step=step, time=t, loss=1.)) + '\n'
            for step, t in records))

    session('20260101_000000', [(50, 1.), (150, 1.), (250, 1.)])
    # a validation record (its step counts epochs) is not training
    with open(tmp_path / '20260101_000000/vis_data/scalars.json', 'a') as f:
        f.write(json.dumps({'accuracy/top1': 50., 'time': 9., 'step': 2})
                + '\n')
    session('20260101_010000', [(250, 2.), (350, 2.)],
            'x - mmengine - INFO - resumed epoch: 2, iter: 200\n')
    # 250 s, then the 150 iterations since iter 200 at 2 s
    assert train_hours(str(tmp_path)) * 3600 == pytest.approx(250 + 300)
