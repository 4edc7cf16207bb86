# Copyright (c) gala-mm contributors. All rights reserved.
"""mmpretrain's offline evaluation (``tools/analysis_tools/eval_metric.py``)
with the run's long-tail table::

    python tools/test.py CONFIG CKPT --out preds.pkl
    python tools/analysis/eval_metric.py preds.pkl --checkpoint CKPT \\
        [--config CONFIG] [--metric type=LongTailAccuracy prs_taus=0.5,1,2]

``--metric`` is mmpretrain's (any number, ``key=value`` items); without it,
the metrics of ``test_evaluator`` in ``--config`` (the run's Accuracy and
LongTailAccuracy with its tau grids). ``--checkpoint`` gives what the
predictions lack: the run's class names, training class counts (shot
groups, LA) and shot thresholds (``meta.dataset_meta``, written by
``ClassCountHook``), which a ``--metric LongTailAccuracy`` without
``many_thr`` / ``few_thr`` uses.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

import mmengine  # noqa: E402
import rich  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.evaluator import Evaluator  # noqa: E402
from mmpretrain.registry import METRICS  # noqa: E402

import gala_mm  # noqa: E402,F401
from gala_mm.compat import load_checkpoint_file  # noqa: E402
from gala_mm.long_tail import format_shot_table  # noqa: E402
from gala_mm.utils import (ignore_known_warnings, mmpretrain_tool,  # noqa
                           parse_with)


def parse_args(argv=None):
    """Our two options, then mmpretrain's own arguments."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument('--checkpoint', help='the run\'s checkpoint')
    parser.add_argument('--config', help='metrics of its test_evaluator')
    ours, rest = parser.parse_known_args(argv)
    if '-h' in rest or '--help' in rest:
        print(__doc__)
    tool = mmpretrain_tool('analysis_tools/eval_metric')
    args = parse_with(tool.parse_args, 'eval_metric.py', rest)
    args.checkpoint, args.config = ours.checkpoint, ours.config
    return args


def metric_configs(args, thresholds) -> list:
    """mmpretrain's ``--metric`` items, else the config's test metrics."""
    if args.metric_options:
        cfgs = [{k: DictAction._parse_iterable(v) for k, v in
                 (kv.split('=', 1) for kv in option)}
                for option in args.metric_options]
    elif args.config:
        evaluator = Config.fromfile(args.config).test_evaluator
        cfgs = evaluator if isinstance(evaluator, list) else [evaluator]
    else:
        raise SystemExit('eval_metric.py: pass --metric type=... or '
                         '--config CONFIG (its test_evaluator).')
    for cfg in cfgs:
        if cfg.get('type') == 'LongTailAccuracy' and thresholds:
            cfg.setdefault('many_thr', thresholds[0])
            cfg.setdefault('few_thr', thresholds[1])
    return [dict(cfg) for cfg in cfgs]


def main(argv=None) -> dict:
    ignore_known_warnings()
    args = parse_args(argv)
    meta = {}
    if args.checkpoint:
        checkpoint = load_checkpoint_file(args.checkpoint)
        meta = (checkpoint.get('meta') or {}).get('dataset_meta') or {}
    if 'class_counts' not in meta:
        print('No class counts (pass --checkpoint of a run trained with '
              'ClassCountHook): no shot groups, no LA.', file=sys.stderr)
    cfgs = metric_configs(args, meta.get('shot_thresholds'))
    evaluator = Evaluator([METRICS.build(cfg) for cfg in cfgs])
    evaluator.dataset_meta = meta
    results = evaluator.offline_evaluate(mmengine.load(args.pkl_results),
                                         None)
    rich.print(results)
    rows = {k[3:]: v for k, v in results.items() if k.startswith('lt/')}
    if rows:
        print(format_shot_table(rows))
    return results


if __name__ == '__main__':
    main()
