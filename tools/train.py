# Copyright (c) gala-mm contributors. All rights reserved.
"""Train a model with mmpretrain's Runner (same arguments as mmpretrain)."""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import gala_mm  # noqa: E402,F401  registers the plugin and the compat fixes
from gala_mm.compat import (check_checkpoint_file,  # noqa: E402
                            resume_checkpoint, setup_cpu_distributed)
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.runner import Runner  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a classifier')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='If specify checkpoint path, resume from it, while if not '
        'specify, try to auto resume from the latest checkpoint '
        'in the work directory.')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='enable automatic-mixed-precision training (fp16 on GPUs, '
        'bf16 on the CPU)')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='whether not to evaluate the checkpoint during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='whether to auto scale the learning rate according to the '
        'actual batch size and the original batch size.')
    parser.add_argument(
        '--no-pin-memory',
        action='store_true',
        help='whether to disable the pin_memory option in dataloaders.')
    parser.add_argument(
        '--no-persistent-workers',
        action='store_true',
        help='whether to disable the persistent_workers option in '
        'dataloaders.')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file.')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg: Config, args) -> Config:
    """Merge the command-line arguments into the config."""
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None

    cfg.launcher = args.launcher

    # work_dir: CLI > config > ./work_dirs/<config name>
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])

    if args.amp:
        # mmengine's AmpOptimWrapper refuses the CPU; ours falls back to it
        # on GPUs and trains in bf16 on the CPU.
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        assert optim_wrapper in ('OptimWrapper', 'AmpOptimWrapper',
                                 'AnyDeviceAmpOptimWrapper'), \
            '`--amp` is not supported by the custom optimizer wrapper ' \
            f'`{optim_wrapper}`.'
        cfg.optim_wrapper.type = 'AnyDeviceAmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True

    # --cfg-options before the dataloader defaults, so that e.g.
    # train_dataloader.num_workers=0 also turns persistent_workers off.
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)

    def set_default_dataloader_cfg(cfg, field):
        if cfg.get(field, None) is None:
            return
        dataloader_cfg = cfg[field]
        dataloader_cfg.setdefault('pin_memory', not args.no_pin_memory)
        dataloader_cfg.setdefault('persistent_workers',
                                  not args.no_persistent_workers)
        if dataloader_cfg.get('num_workers', 0) == 0:
            dataloader_cfg['persistent_workers'] = False
        dataloader_cfg.setdefault('collate_fn', dict(type='default_collate'))

    for field in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        set_default_dataloader_cfg(cfg, field)

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
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    cfg = merge_args(cfg, args)
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


if __name__ == '__main__':
    main()
