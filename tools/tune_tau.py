# Copyright (c) gala-mm contributors. All rights reserved.
"""Choose PRS's tau on a balanced validation split, not on the test set.

    python tools/tune_tau.py CONFIG CHECKPOINT [--taus 0:3:0.1] \
        [--out tau.json]

The validation split is the one the long-tailed CIFAR datasets hold out of
the training files (``train_dataloader.dataset.val_per_class``), or a given
list for file-list datasets (``--val-ann-file ImageNet_LT_val.txt``). The
tau with the best balanced validation accuracy is chosen and its test
accuracy reported. The test-optimal tau, the way the paper picked tau for the
large-scale datasets, is printed separately and labelled: it is optimistic.
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import gala_mm  # noqa: E402,F401
from gala_mm.apis import (offline_config, predict_scores,  # noqa: E402
                          validation_dataloader)
from gala_mm.long_tail import (best_tau, parse_taus,  # noqa: E402
                               tau_at_grid_top, tau_sweep)
from gala_mm.utils import ignore_known_warnings  # noqa: E402
from mmengine.config import DictAction  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--taus', default='0:3:0.1',
                        help='start:stop:step (inclusive) or a,b,c')
    parser.add_argument('--val-ann-file', help='validation list for '
                        'file-list datasets (e.g. ImageNet_LT_val.txt)')
    parser.add_argument('--out', help='write the sweep and choice (JSON)')
    parser.add_argument('--work-dir')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def rounded(obj, digits: int = 6):
    """``obj`` with every float rounded (no ``43.949999999999996`` in the
    JSON file)."""
    if isinstance(obj, float):
        return round(obj, digits)
    if isinstance(obj, dict):
        return {k: rounded(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [rounded(v, digits) for v in obj]
    return obj


def main(argv=None) -> dict:
    ignore_known_warnings()
    args = parse_args(argv)
    cfg = offline_config(args.config, args.cfg_options, args.work_dir)
    taus = parse_taus(args.taus)
    print('predicting the validation split ...', flush=True)
    val_scores, val_labels = predict_scores(
        cfg, args.checkpoint, validation_dataloader(cfg, args.val_ann_file))
    print(f'... {len(val_labels)} images; predicting the test split ...',
          flush=True)
    test_scores, test_labels = predict_scores(cfg, args.checkpoint,
                                              cfg.test_dataloader)
    print(f'... {len(test_labels)} images', flush=True)
    val = tau_sweep(val_scores, val_labels, taus)
    test = tau_sweep(test_scores, test_labels, taus)
    chosen = best_tau(val)
    test_at_chosen = next(r for r in test if r['tau'] == chosen['tau'])
    oracle = best_tau(test)
    result = dict(
        chosen_tau=chosen['tau'],
        chosen_on='validation (held out of the training set)',
        chosen_at_grid_top=tau_at_grid_top(chosen, taus),
        val_balanced_at_chosen=chosen['balanced'],
        test_at_chosen=test_at_chosen,
        test_optimal_tau=oracle['tau'],
        test_optimal_note='picked on the test set (as the paper did for '
        'ImageNet-LT/iNat/Places-LT): optimistic, not a held-out result',
        test_at_test_optimal=oracle,
        val_sweep=val,
        test_sweep=test)
    print(f'chosen tau (validation): {chosen["tau"]:g}  '
          f'val balanced {chosen["balanced"]:.2f}  '
          f'test top1 {test_at_chosen["top1"]:.2f} '
          f'balanced {test_at_chosen["balanced"]:.2f}')
    print(f'[test-set optimum, optimistic] tau {oracle["tau"]:g}  '
          f'test top1 {oracle["top1"]:.2f} balanced {oracle["balanced"]:.2f}')
    if result['chosen_at_grid_top']:
        print(f'warning: the chosen tau {chosen["tau"]:g} is the top of the '
              'grid; the best tau may be larger: widen --taus (e.g. '
              f'--taus 0:{2 * max(taus):g}:0.1)')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(rounded(result), f, indent=2)
        print(f'wrote {args.out}')
    return result


if __name__ == '__main__':
    main()
