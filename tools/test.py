# Copyright (c) gala-mm contributors. All rights reserved.
"""Test a checkpoint: mmpretrain's tools/test.py (every argument: --out,
--show-dir, --tta, ...), extended with the plugin's checkpoint check."""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import gala_mm  # noqa: E402,F401  registers the plugin and the compat fixes
from gala_mm.compat import (check_checkpoint_file,  # noqa: E402
                            destroy_distributed,
                            setup_cpu_distributed)
from gala_mm.utils import (ignore_known_warnings,  # noqa: E402
                           mmpretrain_tool, parse_with)
from mmengine.config import Config  # noqa: E402
from mmengine.evaluator import DumpResults  # noqa: E402
from mmengine.registry import RUNNERS  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

MM_TEST = mmpretrain_tool('test')


def parse_args(argv=None):
    """mmpretrain's own arguments of ``tools/test.py``, all of them."""
    return parse_with(MM_TEST.parse_args, 'test.py', argv)


def merge_args(cfg: Config, args) -> Config:
    """mmpretrain's ``merge_args`` (work dir, --amp, --show*, --tta,
    dataloader defaults, --cfg-options)."""
    return MM_TEST.merge_args(cfg, args)


def main(argv=None):
    ignore_known_warnings()
    args = parse_args(argv)
    if args.out is None and args.out_item is not None:
        raise ValueError('Please use `--out` argument to specify the '
                         'path of the output file before using '
                         '`--out-item`.')
    check_checkpoint_file(
        args.checkpoint,
        missing_hint='check the CHECKPOINT argument (the runs of a work '
        'directory are its epoch_*.pth / iter_*.pth files)')
    cfg = merge_args(Config.fromfile(args.config), args)
    setup_cpu_distributed(cfg, args.launcher)
    if 'runner_type' not in cfg:
        runner = Runner.from_cfg(cfg)
    else:
        runner = RUNNERS.build(cfg)
    if args.out and args.out_item in ['pred', None]:
        runner.test_evaluator.metrics.append(
            DumpResults(out_file_path=args.out))
    metrics = runner.test()
    del runner  # the group is freed with it, before the interpreter exits
    destroy_distributed()
    if args.out and args.out_item == 'metrics':
        import mmengine
        mmengine.dump(metrics, args.out)
    return metrics


if __name__ == '__main__':
    main()
