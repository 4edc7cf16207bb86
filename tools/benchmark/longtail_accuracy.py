# Copyright (c) gala-mm contributors. All rights reserved.
"""Accuracy on Fashion-MNIST-LT: GALA vs the baselines, several seeds.

    python tools/benchmark/longtail_accuracy.py            # full (~60 min, 2 cores)
    python tools/benchmark/longtail_accuracy.py --quick    # smoke run (< 3 min)

Every method trains ResNet-32 with the same recipe, epochs and seeds on
Fashion-MNIST in CIFAR-10-LT layout (``configs/_base_/datasets/fmnist_lt.py``):
CE, Balanced Softmax, LDAM-DRW and GALA are trained; LA post-hoc (tau = 1,
training prior) re-uses the CE model and GALA + PRS the GALA model, with
PRS's tau chosen on the balanced validation split held out of the training
files (never on the test set). Reports overall, balanced and
many/medium/few accuracy (mean +- std over seeds), a per-class accuracy plot
and GALA's statistics over training. Finished runs are reused.
"""
import argparse
import json
import os
import os.path as osp
import platform
import subprocess
import sys
import time
from typing import Dict, List

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402
import torch  # noqa: E402

import gala_mm  # noqa: E402,F401
from gala_mm.apis import (best_tau, init_runner, predict_scores,  # noqa
                          tau_at_grid_top, tau_sweep, validation_dataloader)
from gala_mm.evaluation import (per_class_accuracy, shot_groups,  # noqa
                                summarize)
from gala_mm.models import prs_predict, rebalance  # noqa: E402

DEMO = osp.join(ROOT, 'configs/gala/resnet32_fmnist_lt_demo.py')
MANY_THR, FEW_THR = 1500, 200  # see configs/_base_/datasets/fmnist_lt.py
HEADS = dict(
    ce="dict(type='LinearClsHead', num_classes=10, in_channels=64, "
    "loss=dict(type='CrossEntropyLoss'))",
    bs="dict(type='LinearClsHead', num_classes=10, in_channels=64, "
    "loss=dict(type='BalancedSoftmaxLoss', num_classes=10))",
    ldam_drw="dict(type='LinearClsHead', num_classes=10, in_channels=64, "
    "loss=dict(type='LDAMLoss', num_classes=10, scale=1.0))",
    gala="dict(type='GALAHead', num_classes=10, in_channels=64)")
METHODS = ('CE', 'LA post-hoc', 'Balanced Softmax', 'LDAM-DRW', 'GALA',
           'GALA + PRS')
# 0 .. 4: with the short training here the validation split often prefers
# tau > 1 (the grid 0 .. 2 cut the choice off at its top in 4 of 6 runs).
TAUS = [round(0.25 * i, 2) for i in range(17)]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/bench_accuracy')
    parser.add_argument('--data-root', default='data/fashion_mnist')
    parser.add_argument('--ifs', type=int, nargs='+', default=[100, 10])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--epochs', type=int, nargs='+', default=[4, 3],
                        help='epochs per imbalance factor (same order)')
    parser.add_argument('--report-only', action='store_true',
                        help='only write the report of the finished runs')
    parser.add_argument('--quick', action='store_true',
                        help='smoke run: IF100, 1 seed, 1 epoch, 400 images '
                        'of the head class, 2000 test images')
    return parser.parse_args(argv)


def write_config(path: str, method: str, factor: int, seed: int,
                 epochs: int, data_root: str, quick: bool) -> None:
    """A config derived from the demo config for one run."""
    limit = ''
    if quick:  # needs only 500 training images per class
        limit = ("small = dict(max_per_class=400, val_per_class=100)\n"
                 "train_dataloader['dataset'].update(small)\n"
                 "val_dataloader['dataset'].update(small, indices=2000)\n")
    drw = max(1, int(0.75 * epochs))
    hooks = ("custom_hooks = [dict(type='ClassCountHook'), "
             "dict(type='GALAStatsHook')"
             + (f", dict(type='DeferredReweightHook', start_epoch={drw})"
                if method == 'ldam_drw' else '') + ']\n')
    text = f"""_base_ = ['{DEMO}']
model = dict(head=dict(_delete_=True, **{HEADS[method]}))
data_root = '{osp.abspath(data_root)}'
train_dataloader = dict(dataset=dict(data_root=data_root,
                                     imbalance_factor={factor}, seed={seed}))
val_dataloader = dict(dataset=dict(data_root=data_root,
                                   imbalance_factor={factor}, seed={seed}))
test_dataloader = val_dataloader
randomness = dict(seed={seed})
param_scheduler = [
    dict(type='LinearLR', start_factor=0.5, by_epoch=True, begin=0,
         end=min(2, {epochs})),
    dict(type='CosineAnnealingLR', T_max={epochs}, by_epoch=True,
         begin=1, end={epochs} + 1),
]
train_cfg = dict(max_epochs={epochs}, val_interval={epochs + 1})
default_hooks = dict(checkpoint=dict(interval={epochs}))
{hooks}{limit}"""
    with open(path, 'w') as f:
        f.write(text)


def train(cfg_path: str, work_dir: str, epochs: int) -> str:
    ckpt = osp.join(work_dir, f'epoch_{epochs}.pth')
    if not osp.isfile(ckpt):
        log = open(osp.join(osp.dirname(work_dir),
                            osp.basename(work_dir) + '.log'), 'w')
        subprocess.run([sys.executable, osp.join(ROOT, 'tools/train.py'),
                        cfg_path, '--work-dir', work_dir],
                       check=True, stdout=log, stderr=subprocess.STDOUT)
    return ckpt


def metrics(pred: np.ndarray, gt: np.ndarray, groups) -> dict:
    return summarize(pred, gt, 10, groups)


def evaluate(cfg_path: str, ckpt: str, method: str,
             counts: List[int]) -> Dict[str, dict]:
    """Metrics of the methods that this trained model provides."""
    runner = init_runner(cfg_path, ckpt)
    test_scores, test_labels = predict_scores(runner,
                                              runner.cfg.test_dataloader)
    gt = test_labels.numpy()
    groups = shot_groups(counts, MANY_THR, FEW_THR)
    raw = test_scores.argmax(1).numpy()
    out = {}
    if method == 'ce':
        prior = torch.tensor(counts, dtype=torch.float64)
        la = rebalance(test_scores, prior / prior.sum(), 1.0).argmax(1)
        out['CE'] = dict(metrics(raw, gt, groups), pred=raw.tolist())
        out['LA post-hoc'] = dict(metrics(la.numpy(), gt, groups), tau=1.0,
                                  pred=la.tolist())
    elif method == 'gala':
        val_scores, val_labels = predict_scores(
            runner, validation_dataloader(runner.cfg))
        chosen = best_tau(tau_sweep(val_scores, val_labels, TAUS))
        tau = chosen['tau']
        prs = prs_predict(test_scores, tau).numpy()
        out['GALA'] = dict(metrics(raw, gt, groups), pred=raw.tolist())
        out['GALA + PRS'] = dict(metrics(prs, gt, groups), tau=tau,
                                 at_grid_top=tau_at_grid_top(chosen, TAUS),
                                 pred=prs.tolist())
    else:
        name = dict(bs='Balanced Softmax', ldam_drw='LDAM-DRW')[method]
        out[name] = dict(metrics(raw, gt, groups), pred=raw.tolist())
    for res in out.values():
        res['gt'] = gt.tolist()
    return out


def run_all(args) -> dict:
    os.makedirs(args.work_dir, exist_ok=True)
    if args.quick:
        args.ifs, args.seeds, args.epochs = [100], [0], [1]
    epochs_of = dict(zip(args.ifs, args.epochs))
    results = {}
    for factor in args.ifs:
        for seed in args.seeds:
            for method in HEADS:
                tag = f'if{factor}_seed{seed}_{method}'
                res_file = osp.join(args.work_dir, tag + '.json')
                if osp.isfile(res_file):
                    with open(res_file) as f:
                        results[tag] = json.load(f)
                    continue
                if args.report_only:
                    continue
                cfg = osp.join(args.work_dir, tag + '.py')
                write_config(cfg, method, factor, seed, epochs_of[factor],
                             args.data_root, args.quick)
                start = time.time()
                ckpt = train(cfg, osp.join(args.work_dir, tag),
                             epochs_of[factor])
                counts = torch.load(ckpt, map_location='cpu')['meta'][
                    'dataset_meta']['class_counts']
                res = dict(
                    factor=factor, seed=seed, method=method,
                    epochs=epochs_of[factor], counts=counts,
                    methods=evaluate(cfg, ckpt, method, counts),
                    seconds=time.time() - start)
                with open(res_file, 'w') as f:
                    json.dump(res, f)
                results[tag] = res
                print(f'{tag}: ' + ', '.join(
                    f'{k} bal {v["balanced"]:.2f}'
                    for k, v in res['methods'].items()), flush=True)
    return results


def table(results: dict, factor: int) -> str:
    keys = ('top1', 'balanced', 'many', 'medium', 'few')
    rows = [f'| method | seeds | {" | ".join(keys)} |',
            '|' + '---|' * (len(keys) + 2)]
    for method in METHODS:
        runs = [r['methods'][method] for r in results.values()
                if r['factor'] == factor and method in r['methods']]
        if not runs:
            continue
        cells = []
        for k in keys:
            vals = np.array([r[k] for r in runs if k in r])
            cells.append(f'{vals.mean():.2f} ± {vals.std():.2f}'
                         if len(vals) else 'n/a')
        extra = ''
        if method == 'GALA + PRS':
            extra = ' (τ ' + '/'.join(f'{r["tau"]:g}' for r in runs) + ')'
        rows.append(f'| {method}{extra} | {len(runs)} | ' +
                    ' | '.join(cells) + ' |')
    return '\n'.join(rows) + '\n\n(mean ± std over the seeds of each row)'


def plots(results: dict, work_dir: str) -> List[str]:
    from gala_mm.visualization import (plot_gala_statistics,
                                       plot_per_class_accuracy)
    out = []
    factor = max(r['factor'] for r in results.values())
    seed = min(r['seed'] for r in results.values())
    ce = results.get(f'if{factor}_seed{seed}_ce')
    gala = results.get(f'if{factor}_seed{seed}_gala')
    if ce and gala:
        runs = {}
        for res, name in ((ce, 'CE'), (gala, 'GALA'), (gala, 'GALA + PRS')):
            m = res['methods'][name]
            runs[name] = per_class_accuracy(np.array(m['pred']),
                                            np.array(m['gt']), 10)
        fig = plot_per_class_accuracy(
            runs, gala['counts'], MANY_THR, FEW_THR,
            title=f'Fashion-MNIST-LT IF{factor}, seed {seed}')
        path = osp.join(work_dir, 'per_class_accuracy.png')
        fig.savefig(path, dpi=110)
        out.append(path)
        stats = osp.join(work_dir, f'if{factor}_seed{seed}_gala',
                         'gala_stats.jsonl')
        if osp.isfile(stats):
            with open(stats) as f:
                records = [json.loads(x) for x in f if x.strip()]
            fig = plot_gala_statistics(records, many_thr=MANY_THR,
                                       few_thr=FEW_THR)
            path = osp.join(work_dir, 'gala_stats.png')
            fig.savefig(path, dpi=110)
            out.append(path)
    return out


def main(argv=None):
    args = parse_args(argv)
    start = time.time()
    results = run_all(args)
    lines = [
        f'# Fashion-MNIST-LT accuracy ({time.strftime("%Y-%m-%d")})',
        f'machine: {platform.processor() or platform.machine()}, '
        f'{os.cpu_count()} CPU cores, torch {torch.__version__}, '
        f'threads {torch.get_num_threads()}', ''
    ]
    for factor in sorted({r['factor'] for r in results.values()},
                         reverse=True):
        epochs = {r['epochs'] for r in results.values()
                  if r['factor'] == factor}
        epochs = ', '.join(map(str, sorted(epochs)))
        lines += [f'## IF{factor} (ResNet-32, {epochs} epochs, '
                  f'many > {MANY_THR}, few < {FEW_THR} training images)', '',
                  table(results, factor), '']
    at_top = [tag for tag, r in sorted(results.items())
              if r['methods'].get('GALA + PRS', {}).get('at_grid_top')]
    if at_top:
        lines += [f'PRS tau chosen at the top of the grid ({TAUS[-1]:g}) in: '
                  f'{", ".join(at_top)}: widen the grid.', '']
    lines += [f'plots: {", ".join(plots(results, args.work_dir))}',
              f'wall time of this invocation: {time.time() - start:.0f} s']
    report = '\n'.join(lines)
    with open(osp.join(args.work_dir, 'report.md'), 'w') as f:
        f.write(report + '\n')
    print(report)
    return results


if __name__ == '__main__':
    main()
