# Copyright (c) gala-mm contributors. All rights reserved.
"""Per-class accuracy against training frequency, raw vs PRS.

    python tools/test.py CONFIG CKPT --out preds.pkl
    python tools/analysis/plot_per_class.py preds.pkl --checkpoint CKPT \
        --prs-tau 1.0 --out per_class.png [--pred2 ce_preds.pkl --label2 CE]

Class counts come from the checkpoint's ``meta.dataset_meta.class_counts``
(``--checkpoint``), a JSON list (``--class-counts``) or the training set of
a config (``--config``). Many/medium/few bands are shaded; with many classes
(e.g. iNat's 8142) the classes are averaged into ``--max-points`` bins.
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

import mmengine  # noqa: E402

import gala_mm  # noqa: E402,F401
from gala_mm.apis import (run_meta, run_thresholds,  # noqa: E402
                          scores_from_dump)
from gala_mm.long_tail import per_class_accuracy, prs_predict  # noqa: E402
from gala_mm.visualization import plot_per_class_accuracy  # noqa: E402
from gala_mm.utils import ignore_known_warnings  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('pred', help='predictions from tools/test.py --out')
    parser.add_argument('--label', default='GALA')
    parser.add_argument('--pred2', help='a second run to overlay')
    parser.add_argument('--label2', default='run 2')
    parser.add_argument('--prs-tau', type=float, default=1.0,
                        help='also draw PRS-re-balanced accuracy (0: no)')
    parser.add_argument('--checkpoint', help='read class counts from it')
    parser.add_argument('--class-counts', help='JSON list of class counts')
    parser.add_argument('--config', help='count the training set of it')
    parser.add_argument('--many-thr', type=int,
                        help='default: the run\'s (checkpoint meta or '
                        "config's LongTailAccuracy), else 100")
    parser.add_argument('--few-thr', type=int,
                        help='default: the run\'s, else 20')
    parser.add_argument('--max-points', type=int, default=25,
                        help='bins from 50 classes on')
    parser.add_argument('--out', default='per_class_accuracy.png',
                        help='.png or .svg')
    return parser.parse_args(argv)


def load_predictions(path: str):
    """(scores (N, C) of the plain logits, labels (N,)) from a dump."""
    try:
        return scores_from_dump(mmengine.load(path))
    except ValueError as e:
        raise ValueError(f'{path}: {e}') from None


def class_counts_from(args):
    if args.class_counts:
        with open(args.class_counts) as f:
            return json.load(f)
    if args.checkpoint:
        counts = run_meta(checkpoint=args.checkpoint).get('class_counts')
        if counts is None:
            raise ValueError(f'{args.checkpoint} has no dataset_meta.'
                             'class_counts; pass --class-counts or --config.')
        return counts
    if args.config:
        from mmengine.config import Config
        from mmpretrain.registry import DATASETS

        from gala_mm.engine import dataset_class_counts
        cfg = Config.fromfile(args.config)
        return dataset_class_counts(
            DATASETS.build(cfg.train_dataloader.dataset)).tolist()
    raise ValueError('Class counts needed: pass --checkpoint, '
                     '--class-counts or --config.')


def runs_of(path: str, label: str, tau: float, num_classes: int) -> dict:
    scores, labels = load_predictions(path)
    gt = labels.numpy()
    runs = {label: per_class_accuracy(scores.argmax(1).numpy(), gt,
                                      num_classes)}
    if tau > 0:
        runs[f'{label} + PRS (tau={tau:g})'] = per_class_accuracy(
            prs_predict(scores, tau).numpy(), gt, num_classes)
    return runs


def main(argv=None):
    ignore_known_warnings()
    args = parse_args(argv)
    counts = class_counts_from(args)
    runs = runs_of(args.pred, args.label, args.prs_tau, len(counts))
    if args.pred2:
        runs.update(runs_of(args.pred2, args.label2, args.prs_tau,
                            len(counts)))
    meta = run_meta(args.config, args.checkpoint)
    many, few = run_thresholds(meta, args.many_thr, args.few_thr)
    fig = plot_per_class_accuracy(runs, counts, many, few, args.max_points,
                                  class_names=meta.get('classes'))
    fig.savefig(args.out, dpi=120)
    print(f'wrote {args.out}')
    return fig


if __name__ == '__main__':
    main()
