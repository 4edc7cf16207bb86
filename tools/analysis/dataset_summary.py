# Copyright (c) gala-mm contributors. All rights reserved.
"""Class counts and many/medium/few split of a config's training set.

    python tools/analysis/dataset_summary.py CONFIG [--out-dir DIR]

Prints a table (class, name, images, group) and a summary, and draws the
sorted class-count histogram (``DIR/class_counts.png``). Works for the
long-tailed CIFAR splits and the file-list datasets (the counts are those
of the original split, also under ``ClassBalancedDataset``).
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

import numpy as np  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402

import gala_mm  # noqa: E402,F401
from gala_mm.apis import run_meta, run_thresholds  # noqa: E402
from gala_mm.datasets import unwrap_dataset  # noqa: E402
from gala_mm.engine import dataset_class_counts  # noqa: E402
from gala_mm.long_tail import shot_groups  # noqa: E402
from gala_mm.visualization import plot_class_histogram  # noqa: E402
from gala_mm.utils import ignore_known_warnings  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--many-thr', type=int,
                        help="default: the config's LongTailAccuracy one")
    parser.add_argument('--few-thr', type=int, help='likewise')
    parser.add_argument('--out-dir', help='where to draw class_counts.png')
    parser.add_argument('--max-rows', type=int, default=50,
                        help='table rows (the full table if <= 0)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def summary_table(counts, names, many_thr, few_thr, max_rows) -> str:
    groups = shot_groups(counts, many_thr, few_thr)
    group_of = {}
    for name, idx in groups.items():
        group_of.update({int(i): name for i in idx})
    order = np.argsort(-np.asarray(counts), kind='stable')
    if 0 < max_rows < len(order):
        half = max_rows // 2
        shown = list(order[:half]) + [None] + list(order[-half:])
    else:
        shown = list(order)
    lines = [f"{'class':>6}  {'name':<24}{'images':>8}  group"]
    for c in shown:
        if c is None:
            lines.append(f"{'...':>6}")
            continue
        name = str(names[c]) if names is not None else '-'
        lines.append(f'{c:>6}  {name[:24]:<24}{counts[c]:>8}  '
                     f'{group_of[int(c)]}')
    c = np.asarray(counts)
    lines.append(
        f'{len(c)} classes, {int(c.sum())} images, max {c.max()}, min '
        f'{c.min()}, imbalance {c.max() / c.min():.1f}; '
        + ', '.join(f'{g}={len(groups[g])}' for g in groups) +
        f' (many > {many_thr}, few < {few_thr})')
    return '\n'.join(lines)


def main(argv=None):
    ignore_known_warnings()
    args = parse_args(argv)
    from mmpretrain.registry import DATASETS
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    counts = dataset_class_counts(dataset).tolist()
    names = unwrap_dataset(dataset).metainfo.get('classes')
    many, few = run_thresholds(run_meta(cfg), args.many_thr, args.few_thr)
    print(summary_table(counts, names, many, few, args.max_rows))
    if args.out_dir:
        os.makedirs(args.out_dir, exist_ok=True)
        out = osp.join(args.out_dir, 'class_counts.png')
        plot_class_histogram(counts, many, few,
                             class_names=names).savefig(out, dpi=120)
        print(f'wrote {out}')
    return counts


if __name__ == '__main__':
    main()
