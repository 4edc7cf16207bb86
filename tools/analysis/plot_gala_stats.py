# Copyright (c) gala-mm contributors. All rights reserved.
"""Plot GALA's statistics over training from ``gala_stats.jsonl``.

    python tools/analysis/plot_gala_stats.py WORK_DIR/gala_stats.jsonl \
        --out gala_stats.png [--epochs 1 100 200]

``GALAStatsHook`` (in every GALA config) writes the file: one line per
epoch with the per-class theta and log theta. Shot thresholds and class
names are the run's: from ``--checkpoint`` and ``--config`` (default: the
config mmengine saved beside the file, when there is one).
"""
import argparse
import glob
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

import gala_mm  # noqa: E402,F401
from gala_mm.apis import run_meta, run_thresholds  # noqa: E402
from gala_mm.visualization import plot_gala_statistics  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('stats', help='gala_stats.jsonl of a work dir')
    parser.add_argument('--epochs', type=int, nargs='+')
    parser.add_argument('--loss', default='gala',
                        help='which GALA loss (tag) if there are several')
    parser.add_argument('--checkpoint', help='of the run: its thresholds '
                        'and class names')
    parser.add_argument('--config', help='of the run (default: the one '
                        'config in the file\'s folder)')
    parser.add_argument('--many-thr', type=int, help="default: the run's")
    parser.add_argument('--few-thr', type=int, help="default: the run's")
    parser.add_argument('--out', default='gala_stats.png')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    with open(args.stats) as f:
        records = [json.loads(line) for line in f if line.strip()]
    records = [r for r in records if r.get('loss', 'gala') == args.loss]
    config = args.config
    if config is None:
        beside = glob.glob(osp.join(osp.dirname(args.stats), '*.py'))
        config = beside[0] if len(beside) == 1 else None
    meta = run_meta(config, args.checkpoint)
    many, few = run_thresholds(meta, args.many_thr, args.few_thr)
    fig = plot_gala_statistics(records, args.epochs, many, few,
                               class_names=meta.get('classes'))
    fig.savefig(args.out, dpi=120)
    print(f'wrote {args.out}')
    return fig


if __name__ == '__main__':
    main()
