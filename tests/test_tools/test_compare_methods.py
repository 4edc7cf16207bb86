# Copyright (c) gala-mm contributors. All rights reserved.
"""tools/analysis/compare_methods.py on the published result files and run
records: the 24-run comparison, the fast recipe's 5-seed table and the
learning curve come out digit for digit."""
import json
import os.path as osp

import pytest

from ..conftest import REPO, load_tool

RESULTS = osp.join(REPO, 'docs/benchmarks/results/fmnist_lt')
FAST = osp.join(REPO, 'docs/benchmarks/runs/fmnist_lt_fast')


@pytest.fixture(scope='module')
def tool():
    return load_tool(osp.join(REPO, 'tools/analysis/compare_methods.py'))


def row(lines, name):
    (line, ) = [x for x in lines if x.startswith(f'| {name} |')][:1]
    return [c.strip() for c in line.strip('|').split('|')]


def test_published_comparison_digit_for_digit(tool, tmp_path, capsys):
    out = tmp_path / 'table.json'
    summary = tool.main([RESULTS, '--epochs', '64', '--out-md',
                         str(tmp_path / 'table.md'), '--out-json', str(out),
                         '--plot', str(tmp_path / 'table.png')])
    lines = (tmp_path / 'table.md').read_text().splitlines()
    # as published in docs/benchmarks.md (2026-12-01)
    assert row(lines, 'GALA + PRS') == [
        'GALA + PRS', 'lambda_pos=0.6, τ 4.25/3.5/2.75', '165', '3',
        '89.95 ± 0.13', '89.95 ± 0.13', '93.47 ± 1.01', '84.79 ± 0.76',
        '93.30 ± 0.38']
    assert row(lines, 'LA post-hoc')[1:6] == [
        'τ 1.25/1/1.25', '33', '3', '90.21 ± 0.24', '90.21 ± 0.24']
    assert row(lines, 'GCL')[1:3] == ['noise_mul=1', '4']
    assert row(lines, 'GALA')[1] == 'lambda_pos=0.9'
    assert row(lines, 'Balanced Softmax')[5] == '89.95 ± 0.20'
    # the per-seed table's first row is CE: 87.81, 88.42, 87.61
    per_seed = lines[lines.index('Balanced test accuracy per seed:') + 4]
    assert per_seed == '| CE | 87.81 | 88.42 | 87.61 |'
    assert ('- GCL: noise_mul=0.25: 88.11, noise_mul=0.5: 88.01, '
            'noise_mul=1: 89.10, noise_mul=2: 89.02 -> noise_mul=1') in lines
    # the best baseline is chosen on validation, and is LA post-hoc
    assert summary['best_baseline'] == 'LA post-hoc'
    vs = {c['baseline']: c for c in summary['comparisons']['GALA + PRS']}
    assert vs['LA post-hoc']['diffs'] == pytest.approx([0.09, -0.53, -0.36],
                                                       abs=0.006)
    # 3 seeds cannot show equivalence within 0.5 points of Balanced Softmax
    # (its mean difference is -0.01): never "level" here
    assert vs['Balanced Softmax']['verdict'].startswith('not distinguishable')
    assert not any('level' in c['verdict'] for rows in
                   summary['comparisons'].values() for c in rows)
    # a margin of 2 points is shown for Balanced Softmax (CI +-0.77)
    wide = tool.main([RESULTS, '--epochs', '64', '--margin', '2'])
    vs = {c['baseline']: c for c in wide['comparisons']['GALA + PRS']}
    assert vs['Balanced Softmax']['verdict'].startswith('level with')
    assert json.loads(out.read_text())['rows']['CE']['seeds']['0'][
        'test']['balanced'] == pytest.approx(87.81, abs=0.005)
    assert (tmp_path / 'table.png').stat().st_size > 10000
    capsys.readouterr()


def test_fast_recipe_table_digit_for_digit(tool, capsys):
    """The 5-seed table of docs/benchmarks.md step 3, from the run records
    (work dirs with mmengine's logs and the stored test predictions)."""
    summary = tool.main([FAST])
    lines = capsys.readouterr().out.splitlines()
    assert row(lines, 'GALA + PRS') == [
        'GALA + PRS', 'lambda_pos=0.6, τ 3.25/3/3.5/3.25/4.5', '66', '5',
        '89.37 ± 0.22', '89.37 ± 0.22', '93.01 ± 0.35', '84.12 ± 0.44',
        '92.73 ± 0.59']
    assert row(lines, 'GCL (two stages)')[2:6] == ['1', '5', '88.73 ± 0.21',
                                                   '88.73 ± 0.21']
    per_seed = lines[lines.index('Balanced test accuracy per seed:') + 4]
    assert per_seed == '| CE | 88.08 | 87.33 | 87.85 | 87.20 | 86.89 |'
    assert summary['best_baseline'] == 'Balanced Softmax'
    verdicts = {(ours, c['baseline']): c['verdict'].split(' (')[0]
                for ours, rows in summary['comparisons'].items()
                for c in rows}
    assert verdicts == {
        **{('GALA + PRS', b): 'not distinguishable' for b in (
            'LA post-hoc', 'Balanced Softmax', 'GCL', 'GCL (two stages)')},
        ('GALA + PRS', 'CE'): 'better',
        ('GALA + PRS', 'LDAM-DRW'): 'better',
        **{('GALA', b): 'not distinguishable' for b in (
            'CE', 'LDAM-DRW', 'GCL', 'GCL (two stages)')},
        ('GALA', 'LA post-hoc'): 'worse',
        ('GALA', 'Balanced Softmax'): 'worse'}
    vs = {c['baseline']: c for c in summary['comparisons']['GALA + PRS']}
    assert vs['Balanced Softmax']['diffs'] == pytest.approx(
        [-0.23, 0.01, -1.04, -0.53, -0.13], abs=0.006)


def test_learning_curve_digit_for_digit(tool, capsys):
    lines = tool.main([RESULTS, '--curve', 'train_cfg.max_epochs', '--where',
                       'model.head.loss.lambda_pos=1.2'])
    # docs/benchmarks.md, Step 1 (CE, GALA, GALA + PRS)
    expected = {'8': ('70.97', '79.59', '81.09 (τ 1.25)'),
                '16': ('81.16', '85.56', '86.21 (τ 2)'),
                '32': ('86.94', '87.89', '88.53 (τ 1.25)'),
                '64': ('88.07', '88.65', '89.83 (τ 3.5)'),
                '128': ('87.89', '89.12', '90.12 (τ 5.5)')}
    header = row(lines, 'train_cfg.max_epochs')
    for epochs, cells in expected.items():
        got = dict(zip(header, row(lines, epochs)))
        assert (got['CE'], got['GALA'], got['GALA + PRS']) == cells
    capsys.readouterr()


def test_no_runs_is_one_clear_error(tool, tmp_path):
    with pytest.raises(SystemExit, match='no finished run'):
        tool.main([str(tmp_path)])
