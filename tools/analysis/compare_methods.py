# Copyright (c) gala-mm contributors. All rights reserved.
"""The comparison table of a grid of runs, with paired statistics.

    python tools/analysis/compare_methods.py work_dirs/fmnist_lt \\
        --out-md table.md --out-json table.json --plot table.png
    # the published comparison, from its result files
    python tools/analysis/compare_methods.py \\
        docs/benchmarks/results/fmnist_lt --epochs 64

Reads run work dirs of ``tools/benchmark/run_grid.py`` (``grid.json``,
``preds.npz``: both splits' scores, the class counts) or
result files of the former benchmark tool. Every choice is made on the
validation split only: a method's knobs on its lowest seed (the best
balanced accuracy; ties: the value listed first in the grid), PRS's / LA's
tau on every seed (ties: the smallest tau), the best baseline by mean
validation balanced accuracy. Each row of ``--ours`` is compared with every
baseline on the seeds both have: the paired t interval of the per-seed
differences of balanced test accuracy, the equivalence test (TOST) for
``--margin``, Holm's correction over the baselines, and, where predictions
are stored, a paired bootstrap over seeds and test images. A verdict says
"better" / "worse" / "level with" only when the t-test (Holm) and the
bootstrap agree; otherwise "not distinguishable (CI ...)".
"""
import argparse
import os.path as osp
import sys
from typing import Dict, List

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

import mmengine  # noqa: E402
import numpy as np  # noqa: E402

import gala_mm  # noqa: E402,F401
from gala_mm.apis.grid_runs import LEGACY_ROWS, read_runs  # noqa: E402
from gala_mm.long_tail.comparison import (choose, compare,  # noqa: E402
                                          knob_value, setting)
from gala_mm.utils import ignore_known_warnings  # noqa: E402

KEYS = ('top1', 'balanced', 'many', 'medium', 'few')


def _fmt(values: List[float]) -> str:
    v = np.asarray(values, dtype=float)
    if v.size == 0:  # an empty shot group
        return 'n/a'
    return f'{v[0]:.2f}' if v.size == 1 else \
        f'{v.mean():.2f} ± {v.std(ddof=1):.2f}'


def _knobs(knobs: dict) -> str:
    return ', '.join(f'{k.rsplit(".", 1)[-1]}={v}' for k, v in knobs.items())


def report(table: Dict[str, dict], comparisons: Dict[str, List[dict]],
           best: str, margin: float) -> List[str]:
    lines = ['| method | chosen on val | configurations | seeds | '
             + ' | '.join(KEYS) + ' |', '|' + '---|' * (len(KEYS) + 4)]
    for row, t in table.items():
        sets = [setting(r, row) for r in t['by_seed'].values()]
        chosen = [x for x in [_knobs(t['knobs'])] if x]
        if t['rule'] != 'raw':
            chosen.append('τ ' + '/'.join(f'{s["tau"]:g}' for s in sets))
        lines.append(f'| {row} | {", ".join(chosen) or "-"} | {t["budget"]} '
                     f'| {len(sets)} | ' + ' | '.join(
                         _fmt([s['test'][k] for s in sets if k in s['test']])
                         for k in KEYS)
                     + ' |')
    lines += ['', '(test accuracy in %, mean ± sample std over the seeds; '
              'configurations: how many the row chose from on validation)',
              '', 'Balanced test accuracy per seed:', '']
    seeds = sorted({s for t in table.values() for s in t['by_seed']})
    lines += ['| method | ' + ' | '.join(f'seed {s}' for s in seeds) + ' |',
              '|' + '---|' * (len(seeds) + 1)]
    for row, t in table.items():
        lines.append(f'| {row} | ' + ' | '.join(
            f'{setting(t["by_seed"][s], row)["test"]["balanced"]:.2f}'
            if s in t['by_seed'] else '-' for s in seeds) + ' |')
    tuned = [(row, t) for row, t in table.items() if len(t['tried']) > 1]
    if tuned:
        lines += ['', 'Knobs tried (validation balanced accuracy, lowest '
                  'seed):', '']
    for row, t in tuned:
        lines.append(f'- {row}: ' + ', '.join(
            f'{_knobs(k)}: {s["val"]["balanced"]:.2f}' for k, s in
            t['tried']) + f' -> {_knobs(t["knobs"])}')
    lines += ['', f'Best baseline (highest mean balanced **validation** '
              f'accuracy): **{best}**.', '']
    for ours, rows in comparisons.items():
        lines += [f'{ours} against each baseline (balanced test accuracy, '
                  f'points; Holm over {len(rows)} baselines; equivalence '
                  f'margin ±{margin:g}):', '',
                  '| baseline | per-seed differences | mean | 95 % CI (t) | '
                  'p (Holm) | TOST p (Holm) | bootstrap 95 % CI | verdict |',
                  '|---|---|---|---|---|---|---|---|']
        for r in rows:
            boot = r.get('bootstrap')
            lines.append(
                f'| {r["baseline"]} | ' + ', '.join(
                    f'{d:+.2f}' for d in r['diffs'])
                + f' | {r["t"]["mean"]:+.2f} | [{r["t"]["low"]:+.2f}, '
                f'{r["t"]["high"]:+.2f}] | {r["p"]:.3f} | {r["tost_p"]:.3f} '
                f'| ' + (f'[{boot["low"]:+.2f}, {boot["high"]:+.2f}]'
                         if boot else 'no predictions stored')
                + f' | {r["verdict"]} |')
        lines += ['', 'better / worse: p (Holm) < 0.05 and, where predictions '
                  'are stored, a bootstrap interval on the same side of 0; '
                  'level with: TOST p (Holm) < 0.05 (and the bootstrap '
                  'interval inside the margin); the intervals are per '
                  'comparison (not adjusted).', '']
    return lines


def curve_report(runs: List[dict], key: str) -> List[str]:
    """Validation balanced accuracy of every row (lowest seed) at each
    value of ``key``, e.g. a learning curve over ``train_cfg.max_epochs``
    (other knobs chosen on validation at each value)."""
    values = sorted({knob_value(r, key) for r in runs}, key=float)
    names = list(dict.fromkeys(n for r in runs for n in r['rows']))
    lines = [f'| {key} | ' + ' | '.join(names) + ' |',
             '|' + '---|' * (len(names) + 1)]
    for value in values:
        at = [r for r in runs if knob_value(r, key) == value]
        cells = []
        for row in names:
            if not any(row in r['rows'] for r in at):
                cells.append('-')
                continue
            t = choose(at, row)
            best = setting(next(iter(t['by_seed'].values())), row)
            cells.append(f'{best["val"]["balanced"]:.2f}' + (
                f' (τ {best["tau"]:g})' if t['rule'] != 'raw' else ''))
        lines.append(f'| {value} | ' + ' | '.join(cells) + ' |')
    return lines + ['', '(balanced accuracy on the validation split, %, '
                    'the lowest seed)']


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('paths', nargs='+', help='work roots, run dirs or '
                   'result files')
    p.add_argument('--ours', nargs='+', default=['GALA', 'GALA + PRS'],
                   help='rows compared with every other row')
    p.add_argument('--epochs', type=int, help='only runs of this length')
    p.add_argument('--where', nargs='+', default=[], metavar='KEY=VALUE',
                   help='only runs with this knob value (or without it)')
    p.add_argument('--curve', metavar='KEY', help='validation accuracy at '
                   'each value of this knob (e.g. train_cfg.max_epochs) '
                   'instead of the comparison')
    p.add_argument('--margin', type=float, default=0.5,
                   help='equivalence margin, points (default 0.5)')
    p.add_argument('--bootstrap', type=int, default=2000,
                   help='bootstrap samples (default 2000)')
    p.add_argument('--out-md')
    p.add_argument('--out-json')
    p.add_argument('--plot')
    return p.parse_args(argv)


def main(argv=None):
    ignore_known_warnings()
    args = parse_args(argv)
    where = dict(w.split('=', 1) for w in args.where)
    try:
        found = read_runs(args.paths)
    except FileNotFoundError as e:
        raise SystemExit(str(e))
    runs = [r for r in found
            if (args.epochs is None or r['epochs'] == args.epochs)
            and all(knob_value(r, k) in (None, v) for k, v in where.items())]
    if args.curve:
        lines = curve_report(runs, args.curve)
        print('\n'.join(lines))
        return lines
    names = list(dict.fromkeys(n for r in runs for n in r['rows']))
    legacy = [n for rows in LEGACY_ROWS.values() for n in rows]
    names.sort(key=lambda n: (n in args.ours, legacy.index(n) if n in legacy
                              else len(legacy)))
    table = {row: choose(runs, row) for row in names}
    ours = [r for r in args.ours if r in table]
    bases = [r for r in table if r not in ours]
    best = max(bases, key=lambda r: np.mean([
        setting(x, r)['val']['balanced'] for x in table[r]['by_seed']
        .values()])) if bases else '-'
    comparisons = {o: compare(table, o, bases, args.margin, args.bootstrap)
                   for o in ours}
    lines = report(table, comparisons, best, args.margin)
    print('\n'.join(lines))
    if args.out_md:
        mmengine.mkdir_or_exist(osp.dirname(osp.abspath(args.out_md)))
        with open(args.out_md, 'w') as f:
            f.write('\n'.join(lines) + '\n')
    summary = dict(best_baseline=best, rows={
        row: dict(knobs=t['knobs'], configurations=t['budget'],
                  seeds={s: dict(tau=setting(r, row)['tau'],
                                 val=setting(r, row)['val']['balanced'],
                                 test={k: setting(r, row)['test'].get(k)
                                       for k in KEYS})
                         for s, r in t['by_seed'].items()},
                  train_hours=sum(r['hours'] for r in t['by_seed'].values()))
        for row, t in table.items()}, comparisons=comparisons)
    if args.out_json:
        mmengine.dump(summary, args.out_json, indent=1)
    if args.plot:
        from gala_mm.visualization import plot_method_comparison
        plot_method_comparison({row: {s: v['test']['balanced'] for s, v in
                                      r['seeds'].items()}
                                for row, r in summary['rows'].items()}
                               ).savefig(args.plot, dpi=120)
    return summary


if __name__ == '__main__':
    main()
