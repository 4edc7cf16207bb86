# Copyright (c) gala-mm contributors. All rights reserved.
"""tools/benchmark/run_grid.py: a grid expanded into tools/train.py /
tools/test.py command lines; a tiny grid with a user's own method config
trained, evaluated and summarised by compare_methods.py."""
import glob
import json
import os
import os.path as osp
import shlex
import subprocess
import sys

import pytest

from ..conftest import REPO, load_tool, run_tool

GRID = osp.join(REPO, 'tools/benchmark/run_grid.py')
BENCH = osp.join(REPO, 'configs/benchmarks/fmnist_lt')
# A user's method: the benchmark's CE config with label smoothing.
MY_LOSS = f"""
_base_ = ['{BENCH}/ce.py']
model = dict(head=dict(loss=dict(_delete_=True, type='LabelSmoothLoss',
                                 label_smooth_val=0.1, mode='original')))
comparison_rows = {{'My loss': 'raw'}}
"""


def tiny_options(data_root):
    """--cfg-options that shrink the benchmark to tiny_fmnist, 1 epoch."""
    opts = ['train_cfg.max_epochs=1']
    for loader in ('train', 'val', 'test'):
        key = f'{loader}_dataloader'
        opts += [f'{key}.num_workers=0',
                 f'{key}.dataset.data_root={data_root}',
                 f'{key}.dataset.val_per_class=10',
                 f'{key}.dataset.max_per_class=50',
                 f'{key}.dataset.imbalance_factor=10']
    return opts


def dry_run(*argv):
    proc = run_tool([GRID, *argv, '--dry-run'])
    return [shlex.split(line) for line in proc.stdout.splitlines()]


def test_grid_expansion_and_slurm_commands(tmp_path):
    cmds = dry_run(
        f'{BENCH}/gala.py', '--knob',
        'train_cfg.max_epochs=8,16 param_scheduler.1.T_max=6,14', '--knob',
        'model.head.loss.lambda_pos=0.6,1.2', '--seeds', '0', '1',
        '--work-root', str(tmp_path), '--amp')
    # 2 x 2 knob values x 2 seeds = 8 runs; train, val, test each
    assert len(cmds) == 24
    train = [c for c in cmds if c[1] == 'tools/train.py']
    names = [osp.basename(c[c.index('--work-dir') + 1]) for c in train]
    assert names[:2] == ['gala_max_epochs8_lambda_pos0.6_s0',
                         'gala_max_epochs8_lambda_pos0.6_s1']
    first = train[0]
    assert {'--resume', '--amp'} <= set(first)
    opts = first[first.index('--cfg-options') + 1:]
    # the keys of one --knob move together
    assert {'train_cfg.max_epochs=8', 'param_scheduler.1.T_max=6',
            'model.head.loss.lambda_pos=0.6', 'randomness.seed=0',
            'train_dataloader.dataset.seed=0'} <= set(opts)
    assert not any('T_max=14' in o for o in opts)
    val = cmds[1]
    assert val[1] == 'tools/test.py' and \
        'test_dataloader.dataset.split=val' in val
    # slurm: every step through tools/slurm_train.sh / slurm_test.sh
    cmds = dry_run(f'{BENCH}/ce.py', '--work-root', str(tmp_path),
                   '--launcher', 'slurm', '--partition', 'gpu')
    assert [c[2] for c in cmds] == ['tools/slurm_train.sh',
                                    'tools/slurm_test.sh',
                                    'tools/slurm_test.sh']
    # a config of the repository is named relative to it
    assert cmds[0][3:6] == ['gpu', 'ce_s0',
                            'configs/benchmarks/fmnist_lt/ce.py']
    proc = run_tool([GRID, f'{BENCH}/ce.py', '--knob', 'a=1,2 b=1'],
                    check=False)
    assert proc.returncode == 2 and 'as many values each' in proc.stderr
    proc = run_tool([GRID, f'{BENCH}/ce.py', '--launcher', 'slurm'],
                    check=False)
    assert '--launcher slurm needs --partition' in proc.stderr


def test_slurm_scripts_call_srun_with_the_tool(tmp_path):
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    (bin_dir / 'srun').write_text('#!/bin/sh\necho "srun $*"\n')
    (bin_dir / 'srun').chmod(0o755)
    env = dict(os.environ, PATH=f'{bin_dir}{os.pathsep}{os.environ["PATH"]}',
               GPUS='1', GPUS_PER_NODE='1')
    for script, fourth, expected in (
            ('slurm_train.sh', 'work', 'tools/train.py cfg.py '
             '--work-dir=work --launcher=slurm --resume'),
            ('slurm_test.sh', 'ckpt.pth', 'tools/test.py cfg.py ckpt.pth '
             '--launcher=slurm --resume')):
        out = subprocess.run(
            ['bash', osp.join(REPO, 'tools', script), 'part', 'job',
             'cfg.py', fourth, '--resume'], env=env, capture_output=True,
            text=True, cwd=REPO).stdout
        assert out.startswith('srun -p part --job-name=job'), out
        assert out.strip().endswith(expected), out


@pytest.mark.slow
def test_tiny_grid_with_a_new_method(tiny_fmnist, tmp_path):
    (tmp_path / 'my_loss.py').write_text(MY_LOSS)
    root = tmp_path / 'runs'
    argv = [GRID, f'{BENCH}/gala.py', str(tmp_path / 'my_loss.py'),
            '--seeds', '0', '1', '--work-root', str(root), '--jobs', '2',
            '--cfg-options', *tiny_options(tiny_fmnist)]
    proc = run_tool(argv, timeout=900)
    assert '4 of 4 runs finished now' in proc.stdout, proc.stdout
    assert not glob.glob(str(root / '*' / '*.pkl'))
    assert len(glob.glob(str(root / '*' / 'preds.npz'))) == 4
    # running it again: everything is finished, nothing to do
    assert '0 of 0 runs' in run_tool(argv).stdout
    assert run_tool(argv + ['--dry-run']).stdout == ''

    tool = load_tool(osp.join(REPO, 'tools/analysis/compare_methods.py'))
    summary = tool.main([str(root), '--ours', 'My loss', '--bootstrap',
                         '200', '--out-json', str(tmp_path / 's.json')])
    rows = summary['rows']
    assert list(rows) == ['CE', 'LA post-hoc', 'GALA', 'GALA + PRS',
                          'My loss']
    # the table's numbers (from the stored predictions) are those of the
    # evaluator in tools/test.py (LongTailAccuracy, same tau grid)
    for row, run in (('GALA', 'gala'), ('GALA + PRS', 'gala'),
                     ('My loss', 'my_loss'), ('LA post-hoc', 'my_loss')):
        for seed, res in rows[row]['seeds'].items():
            for split, value in (('test', res['test']['balanced']),
                                 ('val', res['val'])):
                (log, ) = glob.glob(str(
                    root / f'{run}_s{seed}' / f'eval_{split}' / '*' /
                    '*.json'))
                metrics = json.loads(open(log).read())
                key = 'lt/balanced' if not res['tau'] else (
                    f'lt/{"prs" if "PRS" in row else "la"}'
                    f'{res["tau"]:g}_balanced')
                assert value == pytest.approx(metrics[key], abs=0.01), \
                    (row, seed, split, key)
        assert rows[row]['train_hours'] > 0
    comparisons = summary['comparisons']['My loss']
    assert {c['baseline'] for c in comparisons} == {
        'CE', 'LA post-hoc', 'GALA', 'GALA + PRS'}
    assert all('bootstrap' in c and c['seeds'] == [0, 1]
               for c in comparisons)
    # a run whose predictions are gone is the only one run again
    os.remove(root / 'my_loss_s1' / 'preds.npz')
    cmds = run_tool(argv + ['--dry-run']).stdout.splitlines()
    assert len(cmds) == 3 and all('my_loss_s1' in c for c in cmds)
    assert sys.executable in cmds[0]


@pytest.mark.slow
def test_two_stage_grid_starts_each_seed_from_its_stage_one(
        tiny_fmnist, tmp_path):
    """GCL's second stage through run_grid: {seed} / {work_root} in
    --cfg-options point every seed at its own stage-1 run; the stage-1
    model comes in whole (the backbone stays frozen at it) and --resume
    trains stage 2 instead of resuming the finished stage 1."""
    from gala_mm.compat import load_checkpoint_file
    root = tmp_path / 'runs'
    common = ['--seeds', '0', '1', '--work-root', str(root),
              '--cfg-options', *tiny_options(tiny_fmnist)]
    run_tool([GRID, f'{BENCH}/gcl.py', '--knob',
              'model.head.loss.noise_mul=1.0', *common], timeout=900)
    stage2 = [GRID, f'{BENCH}/gcl_stage2.py', *common,
              'train_cfg.max_epochs=2', 'model.init_cfg.checkpoint='
              '{work_root}/gcl_noise_mul1.0_s{seed}/epoch_1.pth']
    proc = run_tool(stage2, timeout=900)
    assert '2 of 2 runs finished now' in proc.stdout, proc.stdout
    backbones = []
    for seed in (0, 1):
        one = load_checkpoint_file(
            str(root / f'gcl_noise_mul1.0_s{seed}' / 'epoch_1.pth'))
        two = load_checkpoint_file(
            str(root / f'gcl_stage2_s{seed}' / 'epoch_2.pth'))
        assert two['meta']['epoch'] == 2
        for key, value in one['state_dict'].items():
            same = bool((two['state_dict'][key] == value).all())
            if key.startswith('backbone.'):  # frozen, BN statistics too
                assert same, (seed, key)
            elif 'loss_module' not in key:  # the re-trained classifier
                assert not same, (seed, key)
        backbones.append(one['state_dict']['backbone.conv1.weight'])
    assert not bool((backbones[0] == backbones[1]).all())
    tool = load_tool(osp.join(REPO, 'tools/analysis/compare_methods.py'))
    summary = tool.main([str(root), '--bootstrap', '0'])
    assert {'GCL', 'GCL (two stages)'} <= set(summary['rows'])
