# Copyright (c) gala-mm contributors. All rights reserved.
"""A grid's runs: names, options and the record read back."""
import json

from gala_mm.apis.grid_runs import (RECORD_KEYS, SEED_KEYS, expand_grid,
                                    write_grid_record)


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
