# Copyright (c) gala-mm contributors. All rights reserved.
"""What GALA costs over plain cross-entropy, at any class count.

    python tools/benchmark/loss_cost.py [--quick] [--out loss_cost.json]

Measured side by side in one run (medians of repeats, interleaved so that
machine noise hits both alike), and reported as ratios (the median of the
per-repeat GALA / CE ratios):

- the loss alone and the classifier step (linear layer + loss), forward +
  backward, for C = 10, 100, 1000, 8142, batch 128 / 512, features 64 / 2048;
- a whole ResNet-32 training step (C = 100, batch 128, SGD);
- the memory held by GALA's statistics;
- on a CUDA GPU, the host synchronisations of one ResNet-32 step (fp16
  autocast, counted under ``torch.cuda.set_sync_debug_mode('warn')``);
- REFERENCE ONLY: a straightforward implementation like the official code
  (per-sample Python loop, five C x C accumulators), to show the speed-up
  and memory ratio of the O(C) implementation.
"""
import argparse
import json
import os
import os.path as osp
import platform
import statistics
import sys
import time
import warnings
from typing import Callable, Dict

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import gala_mm  # noqa: E402,F401
from gala_mm.models.losses import GALALoss  # noqa: E402
from gala_mm.utils import ignore_known_warnings  # noqa: E402

LOSSES = dict(ce=dict(type='CrossEntropyLoss'),
              gala=dict(type='GALALoss', num_classes=100))


class OfficialStyleGALA(nn.Module):
    """REFERENCE ONLY, for the cost comparison: how the official code keeps
    its statistics (per-sample loop, C x C float32 matrices)."""

    def __init__(self, num_classes: int, lambda_pos: float = 1.2):
        super().__init__()
        c = num_classes
        self.lambda_pos = lambda_pos
        for name in ('fine', 'pos_fine', 'neg_fine', 'sample_pos',
                     'sample_neg'):
            self.register_buffer(name, torch.zeros(c, c))

    def forward(self, logits, labels):
        theta = self.pos_fine.sum(1)
        z = logits + self.lambda_pos * torch.log(theta + 1e-3)
        z.retain_grad()
        loss = F.cross_entropy(z, labels)
        p = z.detach().softmax(1)
        grad = (p - F.one_hot(labels, p.size(1))).abs() / len(labels)
        step = torch.zeros_like(self.fine)
        for i in range(len(labels)):  # the official per-sample loop
            step[:, labels[i]] += grad[i]
        self.fine += step
        eye = torch.eye(self.fine.size(0), device=self.fine.device)
        self.pos_fine += self.fine * eye
        self.neg_fine += self.fine * (1 - eye)
        self.sample_pos += self.fine * eye
        self.sample_neg += self.fine * (1 - eye)
        return loss


DEVICE = torch.device('cpu')


def _sync() -> None:
    if DEVICE.type == 'cuda':
        torch.cuda.synchronize(DEVICE)


def timings_ms(fns: Dict[str, Callable], repeats: int) -> Dict[str, list]:
    """Milliseconds of each ``fns[k]()`` per repeat, the variants
    interleaved and their order reversed every other repeat (noise and
    drift hit all alike), each timed run right after a warm-up run; on a
    GPU the device is synchronised around it."""
    times = {k: [] for k in fns}
    for i in range(repeats):
        for k in (list(fns) if i % 2 == 0 else list(fns)[::-1]):
            fns[k]()
            _sync()
            start = time.perf_counter()
            fns[k]()
            _sync()
            times[k].append(1e3 * (time.perf_counter() - start))
    return times


def ratio_row(times: Dict[str, list], **keys) -> dict:
    """One result row: ``keys``, each variant's median ms, and GALA / CE as
    the median of the per-repeat ratios (each pair timed back to back, so a
    burst of load elsewhere on the machine does not skew it)."""
    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = statistics.median(g / c for g, c in zip(times['gala'],
                                                    times['ce']))
    row = dict(keys, ce_ms=med['ce'], gala_ms=med['gala'], ratio=ratio)
    if 'official_style' in med:
        row['official_style_ms'] = med['official_style']
        row['speedup_vs_official_style'] = (med['official_style'] /
                                            med['gala'])
    return row


def compare(c, batch, dim, repeats, with_fc, reference=False):
    """Loss (``with_fc=False``) or linear layer + loss, forward + backward,
    of CE, GALA (and the official-style reference) on ``(batch, c)``."""
    gen = torch.Generator().manual_seed(0)
    fc = nn.Linear(dim, c).to(DEVICE) if with_fc else nn.Identity()
    x = torch.randn(batch, dim if with_fc else c, generator=gen).to(DEVICE)
    x.requires_grad_(not with_fc)
    y = torch.randint(0, c, (batch, ), generator=gen).to(DEVICE)
    losses = dict(ce=nn.CrossEntropyLoss(), gala=GALALoss(c).train())
    if reference:
        losses['official_style'] = OfficialStyleGALA(c)
    fns = {k: (lambda f=f.to(DEVICE): f(fc(x), y).backward())
           for k, f in losses.items()}
    return ratio_row(timings_ms(fns, repeats), C=c, batch=batch,
                     dim=dim if with_fc else None)


def resnet32_step(loss_cfg: dict, batch: int = 128,
                  amp: bool = False) -> Callable[[], None]:
    """One SGD training step (ResNet-32, C = 100, random images) of a
    model with ``loss_cfg``, optionally under fp16 autocast."""
    from mmpretrain.registry import MODELS
    from mmpretrain.structures import DataSample
    torch.manual_seed(0)
    model = MODELS.build(
        dict(type='ImageClassifier',
             backbone=dict(type='CifarResNet', depth=32),
             neck=dict(type='GlobalAveragePooling'),
             head=dict(type='LinearClsHead', num_classes=100,
                       in_channels=64, loss=loss_cfg))).train().to(DEVICE)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    imgs = torch.randn(batch, 3, 32, 32).to(DEVICE)
    samples = [DataSample().set_gt_label(i % 100).to(DEVICE)
               for i in range(batch)]

    def step():
        with torch.autocast(DEVICE.type, torch.float16, enabled=amp):
            loss = model.loss(imgs, samples)['loss']
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def host_syncs() -> Dict[str, int]:
    """Synchronising calls of one fp16 ResNet-32 step (after a warm-up
    step) per loss, as ``torch.cuda.set_sync_debug_mode('warn')`` sees."""
    counts = {}
    for name, loss_cfg in LOSSES.items():
        step = resnet32_step(loss_cfg, amp=True)
        step()  # cuDNN autotuning, allocations
        _sync()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            torch.cuda.set_sync_debug_mode('warn')
            try:
                step()
            finally:
                torch.cuda.set_sync_debug_mode('default')
        counts[name] = sum('synchroniz' in str(w.message) for w in caught)
    return counts


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true')
    parser.add_argument('--repeats', type=int, default=15)
    parser.add_argument('--out', help='write the results (JSON)')
    parser.add_argument('--device', default='cpu',
                        help="'cpu' or 'cuda' (default cpu)")
    parser.add_argument('--classes', type=int, nargs='+',
                        help='class counts (default 10 100 1000 8142)')
    return parser.parse_args(argv)


def main(argv=None):
    ignore_known_warnings()
    args = parse_args(argv)
    global DEVICE
    DEVICE = torch.device(args.device)
    classes = args.classes or ([10, 100] if args.quick else
                               [10, 100, 1000, 8142])
    batches = [128] if args.quick else [128, 512]
    dims = [64] if args.quick else [64, 2048]
    repeats = 3 if args.quick else args.repeats
    gpu = (f', {torch.cuda.get_device_name(DEVICE)}'
           if DEVICE.type == 'cuda' else '')
    res = dict(machine=f'{platform.machine()}, {os.cpu_count()} cores, '
               f'torch {torch.__version__}, {torch.get_num_threads()} '
               f'threads, device {DEVICE}{gpu}',
               date=time.strftime('%Y-%m-%d'), loss_only=[], head=[],
               resnet32=None, memory=[], host_syncs=None)
    print(res['machine'])
    print(f'\nloss only (forward + backward), ms, median of {repeats}:')
    for c in classes:
        for b in batches:
            ref = c <= 1000 or b == 128
            r = compare(c, b, None, repeats if c < 8142 else
                        max(3, repeats // 3), False, reference=ref)
            res['loss_only'].append(r)
            print(f'  C={c:<5} B={b:<4} CE {r["ce_ms"]:8.3f}  GALA '
                  f'{r["gala_ms"]:8.3f}  ratio {r["ratio"]:5.2f}' +
                  (f'  official-style {r["official_style_ms"]:9.1f} '
                   f'(x{r["speedup_vs_official_style"]:.0f} slower)'
                   if ref else ''))
    print('\nclassifier step: linear layer + loss, forward + backward, ms:')
    for c in classes:
        for b in batches:
            for d in dims:
                r = compare(c, b, d, repeats if c < 8142 else
                            max(3, repeats // 3), True)
                res['head'].append(r)
                print(f'  C={c:<5} B={b:<4} D={d:<5} CE {r["ce_ms"]:8.3f}  '
                      f'GALA {r["gala_ms"]:8.3f}  ratio {r["ratio"]:5.3f}')
    steps = {k: resnet32_step(v) for k, v in LOSSES.items()}
    r = res['resnet32'] = ratio_row(
        timings_ms(steps, 5 if args.quick else 20), C=100, batch=128)
    print(f'\nResNet-32 training step (C=100, B=128): CE {r["ce_ms"]:.1f} '
          f'ms, GALA {r["gala_ms"]:.1f} ms, ratio {r["ratio"]:.3f}')
    print('\nmemory held by the statistics (bytes):')
    for c in classes:
        ours = sum(b.numel() * b.element_size()
                   for b in GALALoss(c).buffers())
        official = 5 * c * c * 4
        res['memory'].append(dict(C=c, gala=ours, official_style=official,
                                  ratio=official / ours))
        print(f'  C={c:<5} GALA {ours:>10,}  official-style (5 x C x C '
              f'float32) {official:>13,}  x{official / ours:,.0f}')
    if DEVICE.type == 'cuda':
        s = res['host_syncs'] = host_syncs()
        print(f'\nhost syncs per training step: CE {s["ce"]}, GALA '
              f'{s["gala"]} (GALA - CE = {s["gala"] - s["ce"]})')
    else:
        print('\nhost syncs: no CUDA GPU here, not measured')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(res, f, indent=1)
    return res


if __name__ == '__main__':
    main()
