# Copyright (c) gala-mm contributors. All rights reserved.
"""Train a model: mmpretrain's tools/train.py (every argument), extended
with the plugin's checks (checkpoint integrity, --resume onto the newest
intact checkpoint, --amp on the CPU, gloo on CPU-only DDP)."""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import gala_mm  # noqa: E402,F401  registers the plugin and the compat fixes
from gala_mm.compat import (check_checkpoint_file,  # noqa: E402
                            check_work_dir_writable, destroy_distributed,
                            resume_checkpoint, setup_cpu_distributed)
from gala_mm.utils import (ignore_known_warnings,  # noqa: E402
                           mmpretrain_tool, parse_with)
from mmengine.config import Config  # noqa: E402
from mmengine.runner import Runner  # noqa: E402


MM_TRAIN = mmpretrain_tool('train')


def parse_args(argv=None):
    """mmpretrain's own arguments of ``tools/train.py``, all of them."""
    return parse_with(MM_TRAIN.parse_args, 'train.py', argv)


def merge_args(cfg: Config, args) -> Config:
    """mmpretrain's ``merge_args``, then what the plugin adds: ``--amp``
    also on the CPU (bf16), and no persistent workers without workers."""
    amp, args.amp = args.amp, False
    try:
        cfg = MM_TRAIN.merge_args(cfg, args)
    finally:
        args.amp = amp
    if amp:
        # mmengine's AmpOptimWrapper refuses the CPU; ours falls back to it
        # on GPUs and trains in bf16 on the CPU.
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        assert optim_wrapper in ('OptimWrapper', 'AmpOptimWrapper',
                                 'AnyDeviceAmpOptimWrapper'), \
            '`--amp` is not supported by the custom optimizer wrapper ' \
            f'`{optim_wrapper}`.'
        cfg.optim_wrapper.type = 'AnyDeviceAmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    for field in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(field, None)
        if loader is not None and loader.get('num_workers', 0) == 0:
            loader['persistent_workers'] = False
    return cfg


def resolve_resume(cfg: Config, args) -> None:
    """``--resume`` without a path: the latest intact checkpoint of the
    work dir (a damaged latest one is skipped with a warning)."""
    if args.resume != 'auto':
        return
    ckpt, warning = resume_checkpoint(cfg.work_dir)
    if warning:
        from mmengine.logging import print_log
        print_log(warning, logger='current', level=30)
    if ckpt is not None:
        cfg.load_from = ckpt


def main(argv=None):
    ignore_known_warnings()
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    cfg = merge_args(cfg, args)
    check_work_dir_writable(cfg.work_dir)
    resolve_resume(cfg, args)
    if cfg.get('load_from'):
        check_checkpoint_file(
            cfg.load_from,
            missing_hint='check load_from / the --resume path, or use '
            '--resume without a path to pick the latest checkpoint of the '
            'work directory')
    setup_cpu_distributed(cfg, args.launcher)
    if 'runner_type' not in cfg:
        runner = Runner.from_cfg(cfg)
    else:
        from mmengine.registry import RUNNERS
        runner = RUNNERS.build(cfg)
    runner.train()
    del runner  # the group is freed with it, before the interpreter exits
    destroy_distributed()


if __name__ == '__main__':
    main()
