# Copyright (c) gala-mm contributors. All rights reserved.
"""Publish a checkpoint: mmpretrain's ``publish_model.py`` (optimizer state
stripped, saved as ``<out>_<date>-<sha256[:8]>.pth``), reading mmengine's
checkpoints through the plugin's safe loading (torch >= 2.6 refuses them
with a plain ``torch.load``), and the run's training log copied beside it.
``--fp16`` stores the convolution and linear weights (floating tensors of
two or more dimensions) in float16, halving a ResNet-32 file; biases and
normalisation statistics stay float32, and loading casts back to the
model's dtype. Measure a released file's metrics with that file.

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


def half_weights(checkpoint: dict) -> dict:
    """``checkpoint`` with the floating ``state_dict`` tensors of two or more
    dimensions (conv / linear weights) in float16, the rest unchanged."""
    checkpoint['state_dict'] = {
        k: v.half() if v.is_floating_point() and v.dim() >= 2 else v
        for k, v in checkpoint['state_dict'].items()}
    return checkpoint


def publish(in_file: str, out_file: str, log: str = None,
            fp16: bool = False) -> str:
    """Write the published checkpoint (and ``.log`` beside it); its path."""
    before = set(glob.glob(out_file[:-4] + '_*-*.pth'))

    def load(path, map_location=None):  # mmengine-safe, for torch.load
        checkpoint = load_checkpoint_file(path)
        return half_weights(checkpoint) if fp16 else checkpoint

    MM_PUBLISH.torch = types.SimpleNamespace(load=load, save=torch.save)
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
    p.add_argument('--fp16', action='store_true',
                   help='conv / linear weights in float16 (half the size)')
    args = p.parse_args(argv)
    if not args.out_file.endswith('.pth'):
        p.error('out_file must end in .pth')
    return publish(args.in_file, args.out_file, args.log, args.fp16)


if __name__ == '__main__':
    main()
