# Copyright (c) gala-mm contributors. All rights reserved.
"""What GALA costs over plain cross-entropy, at any class count.

    python tools/benchmark/loss_cost.py [--quick] [--out loss_cost.json]

Measured side by side in one run (medians of repeats, interleaved so that
machine noise hits both alike), and reported as ratios:

- the loss alone and the classifier step (linear layer + loss), forward +
  backward, for C = 10, 100, 1000, 8142, batch 128 / 512, features 64 / 2048;
- a whole ResNet-32 training step (C = 100, batch 128, SGD);
- the memory held by GALA's statistics;
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

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import gala_mm  # noqa: E402,F401
from gala_mm.models.losses import GALALoss  # noqa: E402
from gala_mm.utils import ignore_known_warnings  # noqa: E402


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


def timed(fn, repeats: int) -> float:
    """Median seconds of ``fn()`` over ``repeats`` runs (after a warm-up);
    on a GPU the device is synchronised around each run."""
    fn()
    out = []
    for _ in range(repeats):
        _sync()
        start = time.perf_counter()
        fn()
        _sync()
        out.append(time.perf_counter() - start)
    return statistics.median(out)


def head_step(fc, loss_fn, x, y, with_fc: bool):

    def run():
        loss = loss_fn(fc(x) if with_fc else x, y)
        loss.backward()

    return run


def compare(c, batch, dim, repeats, with_fc, reference=False):
    gen = torch.Generator().manual_seed(0)
    fc = nn.Linear(dim, c).to(DEVICE) if with_fc else None
    if with_fc:
        x = torch.randn(batch, dim, generator=gen).to(DEVICE)
    else:
        x = torch.randn(batch, c, generator=gen).to(DEVICE).requires_grad_()
    y = torch.randint(0, c, (batch, ), generator=gen).to(DEVICE)
    ce = nn.CrossEntropyLoss()
    gala = GALALoss(c).train().to(DEVICE)
    fns = dict(ce=head_step(fc, ce, x, y, with_fc),
               gala=head_step(fc, gala, x, y, with_fc))
    if reference:
        fns['official_style'] = head_step(
            fc, OfficialStyleGALA(c).to(DEVICE), x, y, with_fc)
    times = {k: [] for k in fns}
    for _ in range(repeats):  # interleave: noise hits every variant alike
        for k, fn in fns.items():
            times[k].append(timed(fn, 1))
    med = {k: statistics.median(v) for k, v in times.items()}
    row = dict(C=c, batch=batch, dim=dim if with_fc else None,
               ce_ms=1e3 * med['ce'], gala_ms=1e3 * med['gala'],
               ratio=med['gala'] / med['ce'])
    if reference:
        row['official_style_ms'] = 1e3 * med['official_style']
        row['speedup_vs_official_style'] = med['official_style'] / med[
            'gala']
    return row


def resnet32_step(repeats: int, batch: int = 128) -> dict:
    from mmpretrain.registry import MODELS
    from mmpretrain.structures import DataSample
    gen = torch.Generator().manual_seed(0)
    imgs = torch.randn(batch, 3, 32, 32, generator=gen).to(DEVICE)
    labels = torch.randint(0, 100, (batch, ), generator=gen)
    samples = [
        DataSample().set_gt_label(int(v)).to(DEVICE) for v in labels
    ]
    models, opts = {}, {}
    for name, loss in (('ce', dict(type='CrossEntropyLoss')),
                       ('gala', dict(type='GALALoss', num_classes=100))):
        torch.manual_seed(0)
        models[name] = MODELS.build(
            dict(type='ImageClassifier',
                 backbone=dict(type='CifarResNet', depth=32),
                 neck=dict(type='GlobalAveragePooling'),
                 head=dict(type='LinearClsHead', num_classes=100,
                           in_channels=64, loss=loss))).train().to(DEVICE)
        opts[name] = torch.optim.SGD(models[name].parameters(), lr=0.01,
                                     momentum=0.9)

    def step(name):

        def run():
            opts[name].zero_grad()
            losses = models[name].loss(imgs, samples)
            losses['loss'].backward()
            opts[name].step()

        return run

    times = {k: [] for k in models}
    for _ in range(repeats):
        for k in models:
            times[k].append(timed(step(k), 1))
    med = {k: statistics.median(v) for k, v in times.items()}
    return dict(C=100, batch=batch, ce_ms=1e3 * med['ce'],
                gala_ms=1e3 * med['gala'], ratio=med['gala'] / med['ce'])


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
               resnet32=None, memory=[])
    print(res['machine'])
    print('\nloss only (forward + backward), ms, median of '
          f'{repeats}:')
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
    r = resnet32_step(3 if args.quick else 20)
    res['resnet32'] = r
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
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(res, f, indent=1)
    return res


if __name__ == '__main__':
    main()
