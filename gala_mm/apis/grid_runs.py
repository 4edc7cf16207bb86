# Copyright (c) gala-mm contributors. All rights reserved.
"""The runs of a comparison grid: how ``tools/benchmark/run_grid.py`` names
and records them (``grid.json``), the compact predictions file a finished
run keeps, and the runs read back from disk (its work dirs, or result files
of the former benchmark tool) as the run dicts of
:mod:`gala_mm.long_tail.comparison`."""
import glob
import itertools
import json
import os
import os.path as osp
import re
from typing import Dict, List

import mmengine
import numpy as np
import torch
from mmengine.config import Config

from ..compat import load_checkpoint_file
from ..engine.hooks.class_count_hook import (long_tail_metric,
                                             shot_thresholds)
from ..long_tail import shot_groups, summarize, tau_sweep
from .model_zoo import MIM_ROOT
from .predict import scores_from_dump

#: The splits a run is evaluated on (``preds.npz`` holds both).
SPLITS = ('val', 'test')
#: The dataset seed draws the long-tailed subset and the validation
#: hold-out; the same seed for the run's randomness.
SEED_KEYS = ('randomness.seed', 'train_dataloader.dataset.seed',
             'val_dataloader.dataset.seed', 'test_dataloader.dataset.seed')
#: The file of a finished run's predictions.
PREDICTIONS = 'preds.npz'
#: What ``grid.json`` records of a run.
RECORD_KEYS = ('config', 'knobs', 'seed', 'grid', 'options')


def expand_grid(configs: List[str], knobs: List[Dict[str, List[str]]],
                seeds: List[int], cfg_options: List[str],
                work_root: str) -> List[dict]:
    """The runs of a grid: configs x knob values x seeds.

    Args:
        configs (list[str]): Method configs.
        knobs (list[dict]): Knob groups, ``{cfg-options key: values}``;
            the keys of one group move together (their i-th values).
        seeds (list[int]): Seeds (``SEED_KEYS`` are set to each).
        cfg_options (list[str]): ``KEY=VALUE`` options of every run;
            ``{seed}`` and ``{work_root}`` are filled in.
        work_root (str): The folder of the runs' work dirs.

    Returns:
        list[dict]: One dict per run: ``name`` (``<config>_<knob><value>...
        _s<seed>``) and the ``RECORD_KEYS``.
    """
    groups = [[dict(zip(g, values)) for values in zip(*g.values())]
              for g in knobs]
    grid = {k: v for g in knobs for k, v in g.items()}
    runs = []
    for config, combo, seed in itertools.product(
            configs, itertools.product(*groups), seeds):
        name = osp.splitext(osp.basename(config))[0] + ''.join(
            f'_{next(iter(part)).rsplit(".", 1)[-1]}'
            f'{next(iter(part.values()))}' for part in combo)
        values = {k: v for part in combo for k, v in part.items()}
        options = [f'{k}={v}' for k, v in values.items()] + [
            f'{k}={seed}' for k in SEED_KEYS] + list(cfg_options)
        options = [o.replace('{seed}', str(seed)).replace(
            '{work_root}', work_root) for o in options]
        runs.append(dict(name=f'{name}_s{seed}', config=config,
                         knobs=values, seed=seed, options=options,
                         grid=grid))
    return runs


def is_finished(work: str) -> bool:
    """Whether the run of ``work`` has kept its predictions (``preds.npz``,
    written last by :func:`save_predictions`)."""
    return osp.isfile(osp.join(work, PREDICTIONS))


def write_grid_record(work: str, run: dict) -> None:
    """``<work>/grid.json``: what :func:`work_dir_run` reads back."""
    os.makedirs(work, exist_ok=True)
    with open(osp.join(work, 'grid.json'), 'w') as f:
        json.dump({k: run[k] for k in RECORD_KEYS}, f, indent=1)


def save_predictions(work: str) -> str:
    """Both splits' plain softmax scores and labels (from the dumps
    ``<split>_preds.pkl`` of ``tools/test.py --out``) and the run's class
    counts (its checkpoint's) in one ``preds.npz`` (mmengine's dumps pickle
    every image's tensors: ~12 kB an image); the dumps are removed.

    Args:
        work (str): The run's work dir (with ``last_checkpoint``).

    Returns:
        str: The path of ``preds.npz``.
    """
    arrays = {}
    for split in SPLITS:
        scores, labels = scores_from_dump(mmengine.load(
            osp.join(work, f'{split}_preds.pkl')))
        arrays.update({f'{split}_scores': scores.numpy(),
                       f'{split}_labels': labels.numpy()})
    with open(osp.join(work, 'last_checkpoint')) as f:
        meta = load_checkpoint_file(f.read().strip())['meta']
    arrays['class_counts'] = np.asarray(meta['dataset_meta']['class_counts'])
    out = osp.join(work, PREDICTIONS)
    np.savez_compressed(osp.join(work, 'preds.part.npz'), **arrays)
    os.replace(osp.join(work, 'preds.part.npz'), out)
    for split in SPLITS:
        os.remove(osp.join(work, f'{split}_preds.pkl'))
    return out


#: Rows of the former benchmark's methods (its result files' ``method``).
LEGACY_ROWS = dict(ce={'CE': 'raw', 'LA post-hoc': 'la'},
                   bs={'Balanced Softmax': 'raw'},
                   ldam_drw={'LDAM-DRW': 'raw'}, gcl={'GCL': 'raw'},
                   gala={'GALA': 'raw', 'GALA + PRS': 'prs'})


def legacy_run(res: dict) -> dict:
    """A result file of the former ``long_tail_accuracy.py`` (loaded)."""
    knobs = {f'model.head.loss.{k}': f'{v:g}'
             for k, v in (res.get('knob') or {}).items()}
    evals = dict(raw=[dict(tau=0.0, **res['raw'])])
    evals.update({r: res[r] for r in ('prs', 'la') if r in res})
    return dict(config=res['method'], knobs=knobs, seed=res['seed'],
                epochs=res['epochs'], rows=LEGACY_ROWS[res['method']],
                evals=evals, counts=res['counts'], test=None,
                hours=res.get('train_seconds', 0) / 3600)


def _session_start(session: str) -> int:
    """The iteration a training session started from: 0, or the one its
    log says it resumed at (``resumed epoch: E, iter: I``)."""
    log = osp.join(session, osp.basename(session) + '.log')
    if osp.isfile(log):
        with open(log, errors='replace') as f:
            for line in f:
                found = re.search(r'resumed epoch: \d+, iter: (\d+)', line)
                if found:
                    return int(found.group(1))
    return 0


def train_hours(work: str) -> float:
    """Training time from mmengine's own logs (``vis_data/scalars.json``
    of every session: each training record's per-iteration ``time`` over
    the iterations since the previous record, or since the session's
    start, which a resumed session's log names; iterations repeated after
    a resume count again: they were spent)."""
    seconds = 0.0
    for path in glob.glob(osp.join(work, '*', 'vis_data', 'scalars.json')):
        last = _session_start(osp.dirname(osp.dirname(path)))
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                if 'loss' in rec:  # a training record (not validation)
                    seconds += rec['time'] * (rec['step'] - last)
                    last = rec['step']
    return seconds / 3600


def work_dir_run(work: str) -> dict:
    """A run of ``run_grid.py``: predictions on both splits, every rule's
    tau grid applied to them."""
    grid = mmengine.load(osp.join(work, 'grid.json'))
    # a config of this repository is recorded relative to it (the
    # package's .mim holds configs/ in a checkout and in a wheel)
    cfg = Config.fromfile(osp.join(MIM_ROOT, grid['config']))
    cfg.merge_from_dict(dict(o.split('=', 1) for o in grid['options']))
    preds = np.load(osp.join(work, PREDICTIONS))
    counts, metric = preds['class_counts'].tolist(), long_tail_metric(cfg)
    groups = shot_groups(counts, *shot_thresholds(cfg))
    rows = cfg.get('comparison_rows') or {
        osp.splitext(osp.basename(grid['config']))[0]: 'raw'}
    splits = {s: (torch.from_numpy(preds[f'{s}_scores']),
                  torch.from_numpy(preds[f'{s}_labels']))
              for s in SPLITS}
    evals = dict(raw=[dict(tau=0.0, **{
        s: summarize(sc.argmax(1).numpy(), lb.numpy(), len(counts), groups)
        for s, (sc, lb) in splits.items()})])
    for rule in {r for r in rows.values() if r != 'raw'}:
        taus = [0.0] + list(metric.get(f'{rule}_taus') or [])
        sweeps = {s: tau_sweep(sc, lb, taus, rule, counts, groups)
                  for s, (sc, lb) in splits.items()}
        evals[rule] = [dict(tau=t, val=v, test=w) for t, v, w in
                       zip(taus, sweeps['val'], sweeps['test'])]
    return dict(config=osp.splitext(osp.basename(grid['config']))[0],
                knobs=grid['knobs'], seed=grid['seed'], grid=grid['grid'],
                epochs=cfg.train_cfg.get('max_epochs'), rows=rows,
                evals=evals, counts=counts, test=splits['test'],
                hours=train_hours(work))


def read_runs(paths: List[str]) -> List[dict]:
    """Every run found under ``paths`` (work dirs or result files)."""
    runs = []
    for path in paths:
        for f in sorted(glob.glob(osp.join(path, '**', 'grid.json'),
                                  recursive=True)):
            if is_finished(osp.dirname(f)):
                runs.append(work_dir_run(osp.dirname(f)))
        files = [path] if path.endswith('.json') else sorted(
            glob.glob(osp.join(path, '*.json')))
        results = [mmengine.load(f) for f in files]
        runs += [legacy_run(r) for r in results if 'raw' in r]
    if not runs:
        raise FileNotFoundError(
            f'no finished run under {paths} (a run_grid.py work dir with '
            'preds.npz, or a result file of the former benchmark tool).')
    return runs
