# Copyright (c) gala-mm contributors. All rights reserved.
import numpy as np
import pytest
import torch

from gala_mm.long_tail.comparison import choose, compare, setting


def metrics(bal):
    return dict(top1=bal, balanced=bal)


def run(seed, knob, val, test, prs=None, grid=('0.6', '1.2')):
    evals = dict(raw=[dict(tau=0.0, val=metrics(val), test=metrics(test))])
    rows = {'GALA': 'raw'}
    if prs is not None:
        evals['prs'] = [dict(tau=t, val=metrics(v), test=metrics(w))
                        for t, v, w in prs]
        rows['GALA + PRS'] = 'prs'
    return dict(config='gala', knobs={'lambda_pos': knob}, seed=seed,
                grid={'lambda_pos': list(grid)}, rows=rows, evals=evals,
                test=None, counts=None)


def test_choices_use_validation_only_ties_go_to_the_grid_order():
    runs = [run(0, '1.2', 80.0, 99.0), run(0, '0.6', 80.0, 10.0),
            run(1, '0.6', 81.0, 11.0), run(1, '1.2', 70.0, 70.0)]
    t = choose(runs, 'GALA')
    # a tie on seed 0's validation: 0.6, listed first in the grid, wins
    # (and the test split's 99 is never looked at)
    assert t['knobs'] == {'lambda_pos': '0.6'}
    assert sorted(t['by_seed']) == [0, 1] and t['budget'] == 2
    # the grid given the other way round: 1.2 first
    t = choose([run(0, k, 80.0, 0.0, grid=('1.2', '0.6'))
                for k in ('0.6', '1.2')], 'GALA')
    assert t['knobs'] == {'lambda_pos': '1.2'}


def test_tau_is_chosen_on_validation_smallest_on_ties():
    prs = [(0.0, 80.0, 95.0), (1.0, 82.0, 50.0), (2.0, 82.0, 90.0)]
    r = run(0, '0.6', 80.0, 80.0, prs=prs)
    assert setting(r, 'GALA + PRS')['tau'] == 1.0
    assert choose([r], 'GALA + PRS')['budget'] == 3


def test_compare_with_stored_predictions():
    labels = torch.arange(4).repeat(50)
    table = {}
    for row, acc in (('A', 1.0), ('B', 0.0)):
        by_seed = {}
        for seed in (0, 1, 2):
            scores = torch.nn.functional.one_hot(
                labels if acc else (labels + 1) % 4, 4).float()
            by_seed[seed] = dict(
                rows={row: 'raw'}, test=(scores, labels), counts=[1] * 4,
                evals=dict(raw=[dict(tau=0.0, val=metrics(50.0),
                                     test=metrics(100.0 * acc + seed))]))
        table[row] = dict(by_seed=by_seed)
    (res, ) = compare(table, 'A', ['B'], margin=0.5, samples=100)
    assert res['diffs'] == pytest.approx([100.0] * 3)
    assert res['bootstrap']['low'] == pytest.approx(100.0)
    assert res['verdict'].startswith('better')
    assert np.isclose(res['p'], 0.0)
