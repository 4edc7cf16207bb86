# Copyright (c) gala-mm contributors. All rights reserved.
"""Publish a checkpoint: mmpretrain's ``publish_model.py`` (optimizer state
stripped, saved as ``<out>_<date>-<sha256[:8]>.pth``), reading mmengine's
checkpoints through the plugin's safe loading (torch >= 2.6 refuses them
with a plain ``torch.load``), and the run's training log copied beside it.

    python tools/model_converters/publish_model.py \\
        work_dirs/resnet32_fmnist_lt_demo/epoch_8.pth \\
        weights/resnet32_fmnist_lt_demo.pth \\
        --log work_dirs/resnet32_fmnist_lt_demo/20261202_174323/*.log
"""
import argparse
import glob
import os.path as osp
import shutil
import sys
import types

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

import torch  # noqa: E402

import gala_mm  # noqa: E402,F401
from gala_mm.compat import load_checkpoint_file  # noqa: E402
from gala_mm.utils import ignore_known_warnings, mmpretrain_tool  # noqa

MM_PUBLISH = mmpretrain_tool('model_converters/publish_model')


def publish(in_file: str, out_file: str, log: str = None) -> str:
    """Write the published checkpoint (and ``.log`` beside it); its path."""
    before = set(glob.glob(out_file[:-4] + '_*-*.pth'))
    # mmpretrain's tool, with mmengine-safe loading in place of torch.load
    MM_PUBLISH.torch = types.SimpleNamespace(
        load=lambda path, map_location=None: load_checkpoint_file(path),
        save=torch.save)
    MM_PUBLISH.process_checkpoint(
        in_file, out_file, argparse.Namespace(no_ema=False,
                                              dataset_type=None))
    (final, ) = set(glob.glob(out_file[:-4] + '_*-*.pth')) - before
    if log:
        shutil.copyfile(log, final[:-4] + '.log')
    return final


def main(argv=None):
    ignore_known_warnings()
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('in_file', help='the checkpoint (epoch_N.pth)')
    p.add_argument('out_file', help='<dir>/<config name>.pth')
    p.add_argument('--log', help="the run's training log, kept beside it")
    args = p.parse_args(argv)
    if not args.out_file.endswith('.pth'):
        p.error('out_file must end in .pth')
    return publish(args.in_file, args.out_file, args.log)


if __name__ == '__main__':
    main()
