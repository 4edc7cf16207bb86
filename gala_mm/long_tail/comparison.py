# Copyright (c) gala-mm contributors. All rights reserved.
"""Choices and paired comparisons of a grid of runs (validation only).

A *run* is a dict (``tools/analysis/compare_methods.py`` reads them from
work dirs or result files):

- ``config`` (str), ``knobs`` ({cfg-options key: value as typed}),
  ``grid`` ({key: [values in the order given]}, optional), ``seed``
  (int), ``epochs`` (int);
- ``rows`` ({table row: rule}): the rows the run gives, rule ``'raw'``,
  ``'prs'`` or ``'la'``;
- ``evals`` ({rule: [{'tau', 'val', 'test'}]}): metrics (of
  :func:`summarize`) on both splits, one entry for ``'raw'``, one per tau
  of the grid for a post-hoc rule;
- ``test`` ((scores ``(N, C)``, labels ``(N,)``) or None) and ``counts``:
  the stored test predictions, for the bootstrap over test images.

Every choice is made on the validation split: a row's knobs on its lowest
seed (ties: the value listed first in the grid), tau on every seed (ties:
the smallest tau).
"""
from typing import Dict, List, Optional

import numpy as np

from .stats import holm, paired_bootstrap, paired_t, tost, verdict
from .tau_sweep import best_tau, rebalanced_labels


def knob_value(run: dict, key: str) -> Optional[str]:
    """The run's value of a ``--cfg-options`` key it was run with (the
    epoch count also for result files of the former tool)."""
    if key == 'train_cfg.max_epochs' and key not in run['knobs']:
        return str(run['epochs'])
    return run['knobs'].get(key)


def setting(run: dict, row: str) -> dict:
    """A row's entry of a run: raw, or the tau chosen on validation."""
    rows = run['evals'][run['rows'][row]]
    return best_tau(rows, score=lambda r: r['val']['balanced'])


def choose(runs: List[dict], row: str) -> dict:
    """The row's knobs (chosen on the lowest seed) and its runs by seed."""
    mine = [r for r in runs if row in r['rows']]
    first = min(r['seed'] for r in mine)
    tried = [r for r in mine if r['seed'] == first]

    def order(run):  # grid order (legacy files: ascending values)
        grid = run.get('grid') or {}
        return tuple(grid[k].index(v) if k in grid else float(v)
                     for k, v in sorted(run['knobs'].items()))
    tried.sort(key=order)
    scores = [round(setting(r, row)['val']['balanced'], 8) for r in tried]
    best = tried[scores.index(max(scores))]  # ties: first in the grid
    chosen = {r['seed']: r for r in mine if r['knobs'] == best['knobs']}
    taus = len(best['evals'][best['rows'][row]])
    return dict(knobs=best['knobs'], by_seed=dict(sorted(chosen.items())),
                tried=[(r['knobs'], setting(r, row)) for r in tried],
                budget=len(tried) * taus, rule=best['rows'][row])


def correct(run: dict, row: str) -> Optional[np.ndarray]:
    """Per-image correctness ``(N,)`` on the test split at the row's
    setting, when the run stored its predictions."""
    if run['test'] is None:
        return None
    scores, labels = run['test']
    rule, tau = run['rows'][row], setting(run, row)['tau']
    pred = scores.argmax(1) if rule == 'raw' else rebalanced_labels(
        scores, tau, rule, run['counts'])
    return (pred == labels).numpy()


def compare(table: Dict[str, dict], ours: str, bases: List[str],
            margin: float, samples: int) -> List[dict]:
    """``ours`` against each baseline: t interval, TOST, Holm, bootstrap."""
    out = []
    for base in bases:
        seeds = sorted(set(table[ours]['by_seed']) & set(
            table[base]['by_seed']))
        if len(seeds) < 2:
            continue
        a, b = ([table[r]['by_seed'][s] for s in seeds] for r in (ours, base))
        diffs = [setting(x, ours)['test']['balanced']
                 - setting(y, base)['test']['balanced'] for x, y in zip(a, b)]
        res = dict(baseline=base, seeds=seeds, diffs=diffs,
                   t=paired_t(diffs), tost=tost(diffs, margin))
        ca = [correct(x, ours) for x in a]
        cb = [correct(y, base) for y in b]
        if all(c is not None for c in ca + cb):
            res['bootstrap'] = paired_bootstrap(
                np.stack(ca), np.stack(cb), a[0]['test'][1].numpy(),
                num_samples=samples)
        out.append(res)
    for key, adj in (('p', holm([r['t']['p'] for r in out])),
                     ('tost_p', holm([r['tost'] for r in out]))):
        for r, value in zip(out, adj):
            r[key] = float(value)
    for r in out:
        boot = r.get('bootstrap')
        words = verdict(r['t']['low'], r['t']['high'], r['p'], r['tost_p'],
                        margin)
        if boot is not None and not _bootstrap_agrees(words, boot, margin):
            words = verdict(r['t']['low'], r['t']['high'], 1.0, None, margin)
        r['verdict'] = words
    return out


def _bootstrap_agrees(words: str, boot: dict, margin: float) -> bool:
    """Whether the bootstrap interval supports the t-test's words."""
    if words.startswith('better'):
        return boot['low'] > 0
    if words.startswith('worse'):
        return boot['high'] < 0
    if words.startswith('level'):
        return -margin < boot['low'] and boot['high'] < margin
    return True
