# Copyright (c) gala-mm contributors. All rights reserved.
"""Store a PRS prior in a PRSLinearClsHead checkpoint (single-image PRS).

    python tools/estimate_prior.py CONFIG CHECKPOINT --out CKPT_WITH_PRIOR

The prior is the mean predicted class distribution of the checkpoint on a
balanced split that is not the test set: the validation split held out of
the training files (``val_per_class``), or ``--val-ann-file``. Then

    python tools/test.py CONFIG CKPT_WITH_PRIOR \
        --cfg-options model.head.prs_tau=1.0

(and ``ImageClassificationInferencer``) return re-balanced predictions.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import gala_mm  # noqa: E402,F401
from gala_mm.apis import (check_prior_output, offline_config,  # noqa: E402
                          predict_scores, validation_dataloader,
                          write_checkpoint_with_prior)
from gala_mm.long_tail import mean_class_distribution  # noqa: E402
from gala_mm.utils import ignore_known_warnings  # noqa: E402
from mmengine.config import DictAction  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', required=True,
                        help='the checkpoint to write (a copy + the prior)')
    parser.add_argument('--val-ann-file',
                        help='validation list for file-list datasets')
    parser.add_argument('--work-dir')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def main(argv=None):
    ignore_known_warnings()
    args = parse_args(argv)
    check_prior_output(args.checkpoint, args.out)  # before the evaluation
    cfg = offline_config(args.config, args.cfg_options, args.work_dir)
    scores, _ = predict_scores(cfg, args.checkpoint,
                               validation_dataloader(cfg, args.val_ann_file))
    prior = mean_class_distribution(scores)
    write_checkpoint_with_prior(args.checkpoint, prior, args.out)
    print(f'prior over {len(scores)} validation images: min '
          f'{prior.min():.4f}, max {prior.max():.4f}; wrote {args.out}')
    return prior


if __name__ == '__main__':
    main()
