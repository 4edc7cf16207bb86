# Copyright (c) gala-mm contributors. All rights reserved.
"""Host synchronisations of one training step, GALA vs cross-entropy.

    python tools/benchmark/host_syncs.py            # needs a CUDA GPU

Runs ResNet-32 training steps (C = 100, batch 128, fp16 autocast) under
``torch.cuda.set_sync_debug_mode('warn')`` and counts the synchronising
calls of one step of each loss. Without a GPU it says so and exits 0 (the
CPU tests count the loss's host reads instead:
``tests/test_models/test_losses/test_gala_loss.py``).
"""
import argparse
import os.path as osp
import sys
import warnings

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

import torch  # noqa: E402

import gala_mm  # noqa: E402,F401
from gala_mm.utils import ignore_known_warnings  # noqa: E402


def count_syncs(loss_cfg: dict, device: torch.device) -> int:
    from mmpretrain.registry import MODELS
    from mmpretrain.structures import DataSample
    torch.manual_seed(0)
    model = MODELS.build(
        dict(type='ImageClassifier',
             backbone=dict(type='CifarResNet', depth=32),
             neck=dict(type='GlobalAveragePooling'),
             head=dict(type='LinearClsHead', num_classes=100,
                       in_channels=64, loss=loss_cfg))).train().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    imgs = torch.randn(128, 3, 32, 32, device=device)
    samples = [DataSample().set_gt_label(i % 100).to(device)
               for i in range(128)]

    def step():
        with torch.autocast('cuda', dtype=torch.float16):
            loss = model.loss(imgs, samples)['loss']
        opt.zero_grad()
        loss.backward()
        opt.step()

    step()  # warm-up (cuDNN autotuning, allocations)
    torch.cuda.synchronize(device)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        torch.cuda.set_sync_debug_mode('warn')
        try:
            step()
        finally:
            torch.cuda.set_sync_debug_mode('default')
    return sum('synchroniz' in str(w.message) for w in caught)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', default='cuda')
    return parser.parse_args(argv)


def main(argv=None):
    ignore_known_warnings()
    args = parse_args(argv)
    if not torch.cuda.is_available():
        print('host syncs: no CUDA GPU here, not measured')
        return None
    device = torch.device(args.device)
    ce = count_syncs(dict(type='CrossEntropyLoss'), device)
    gala = count_syncs(dict(type='GALALoss', num_classes=100), device)
    print(f'host syncs per training step ({torch.cuda.get_device_name()}): '
          f'CE {ce}, GALA {gala} (GALA - CE = {gala - ce})')
    return dict(ce=ce, gala=gala)


if __name__ == '__main__':
    main()
