# Copyright (c) gala-mm contributors. All rights reserved.
"""Run a comparison grid (configs x knobs x seeds) with mmpretrain's tools.

    python tools/benchmark/run_grid.py configs/benchmarks/fmnist_lt/gala.py \\
        --knob model.head.loss.lambda_pos=0.3,0.6,0.9 --seeds 0 1 2 \\
        --work-root work_dirs/fmnist_lt --jobs 2 [--dry-run | --launcher slurm]

A run is ``tools/train.py CONFIG --work-dir ROOT/NAME --resume
--cfg-options <knobs> <seed>``, then ``tools/test.py`` on the validation
split and on the test split (``--out``), whose predictions (plain softmax
scores) and the run's class counts are then kept in ``preds.npz``. A run
with that file is finished and skipped; an interrupted one continues with
mmpretrain's ``--resume``: to resume a grid, run the same command again.
``tools/analysis/compare_methods.py ROOT`` makes the table.
"""
import argparse
import os
import os.path as osp
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)
from gala_mm.apis.grid_runs import (SPLITS, expand_grid,  # noqa: E402
                                    is_finished, save_predictions,
                                    write_grid_record)

#: What tests a run on each split (``preds.npz`` holds both).
SPLIT_OPTIONS = dict(val=['test_dataloader.dataset.split=val'], test=[])


def parse_knob(text: str) -> Dict[str, List[str]]:
    """``KEY=V1,V2 [KEY2=W1,W2 ...]`` -> {KEY: [V1, V2], ...}: the keys of
    one ``--knob`` move together (the i-th values of each), e.g. an epoch
    count and the schedule's length."""
    group = {}
    for pair in text.split():
        key, sep, values = pair.partition('=')
        if not sep or not key or not values:
            raise argparse.ArgumentTypeError(
                f'--knob {text!r}: expected KEY=V1,V2,... (a --cfg-options '
                'key and its values).')
        group[key] = values.split(',')
    if len({len(v) for v in group.values()}) != 1:
        raise argparse.ArgumentTypeError(
            f'--knob {text!r}: keys set together need as many values each.')
    return group


def tool(args, name: str, script: str, *argv: str) -> str:
    """A ``tools/<script>.py`` command line, or its slurm equivalent."""
    if args.launcher == 'slurm':
        return ' '.join(['GPUS=1 GPUS_PER_NODE=1', f'tools/slurm_{script}.sh',
                         args.partition, name, *argv])
    return ' '.join([shlex.quote(sys.executable), f'tools/{script}.py', *argv])


def commands(args, run: Dict) -> List[str]:
    """The shell commands of one run, in order (train, val, test)."""
    q = shlex.quote
    work = osp.join(args.work_root, run['name'])
    opts = ' '.join(q(o) for o in run['options'])
    amp = ['--amp'] if args.amp else []
    dest = [q(work)] if args.launcher == 'slurm' else ['--work-dir', q(work)]
    cmds = [tool(args, run['name'], 'train', q(run['config']), *dest,
                 '--resume', *amp, '--cfg-options', opts)]
    ckpt = f'"$(cat {q(osp.join(work, "last_checkpoint"))})"'
    for split in SPLITS:
        part = osp.join(work, f'{split}_preds.part.pkl')
        cmds.append(tool(args, run['name'], 'test', q(run['config']), ckpt,
                         '--work-dir', q(osp.join(work, f'eval_{split}')),
                         '--out', q(part), '--cfg-options', opts,
                         *SPLIT_OPTIONS[split]) + f' && mv {q(part)} '
                    + q(osp.join(work, f'{split}_preds.pkl')))
    return cmds


def execute(args, run: Dict) -> int:
    """Run one run's commands (its log: ``<work dir>/run_grid.log``)."""
    work = osp.join(args.work_root, run['name'])
    write_grid_record(work, run)
    dumps = [osp.join(work, f'{s}_preds.pkl') for s in SPLITS]
    with open(osp.join(work, 'run_grid.log'), 'a') as log:
        code = 0 if all(map(osp.isfile, dumps)) else subprocess.call(
            ' && '.join(commands(args, run)), shell=True, cwd=ROOT,
            stdout=log, stderr=subprocess.STDOUT, executable='/bin/bash')
    if code == 0:
        save_predictions(work)
    print(f'[run_grid] {run["name"]}: '
          + ('done' if code == 0 else f'FAILED ({code}), see {log.name}'),
          flush=True)
    return code


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('configs', nargs='+', help='method configs')
    p.add_argument('--knob', type=parse_knob, action='append', default=[],
                   help='KEY=V1,V2,...: a --cfg-options key and its values '
                   '(several in one --knob, space-separated, move together)')
    p.add_argument('--seeds', type=int, nargs='+', default=[0])
    p.add_argument('--work-root', default='work_dirs/benchmarks')
    p.add_argument('--jobs', type=int, default=1, help='runs at once')
    p.add_argument('--launcher', choices=['none', 'slurm'], default='none')
    p.add_argument('--partition', help='slurm partition (--launcher slurm)')
    p.add_argument('--amp', action='store_true',
                   help="tools/train.py's --amp (bf16 on the CPU)")
    p.add_argument('--cfg-options', nargs='+', default=[],
                   help='options of every run (KEY=VALUE; {seed} and '
                   '{work_root} are replaced, e.g. a stage-1 checkpoint: '
                   'model.init_cfg.checkpoint={work_root}/gcl_s{seed}/'
                   'epoch_64.pth)')
    p.add_argument('--dry-run', action='store_true',
                   help='print the commands of the unfinished runs')
    args = p.parse_args(argv)
    if args.launcher == 'slurm' and not args.partition:
        p.error('--launcher slurm needs --partition')
    args.work_root = osp.abspath(args.work_root)
    # recorded relative to the repository when inside it (grid.json)
    args.configs = [osp.relpath(osp.abspath(c), ROOT)
                    if osp.abspath(c).startswith(ROOT + os.sep)
                    else osp.abspath(c) for c in args.configs]
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    runs = expand_grid(args.configs, args.knob, args.seeds,
                       args.cfg_options, args.work_root)
    runs = [r for r in runs
            if not is_finished(osp.join(args.work_root, r['name']))]
    if args.dry_run:
        for run in runs:
            print('\n'.join(commands(args, run)))
        return 0
    if args.launcher == 'none' and args.jobs > 1:  # share the cores
        os.environ.setdefault(
            'OMP_NUM_THREADS', str(max(1, (os.cpu_count() or 1) // args.jobs)))
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        codes = list(pool.map(lambda r: execute(args, r), runs))
    print(f'[run_grid] {codes.count(0)} of {len(runs)} runs finished now; '
          f'tables: python tools/analysis/compare_methods.py {args.work_root}')
    return 0 if not any(codes) else 1


if __name__ == '__main__':
    sys.exit(main())
