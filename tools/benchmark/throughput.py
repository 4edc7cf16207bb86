# Copyright (c) gala-mm contributors. All rights reserved.
"""Training throughput: mmengine's Runner (as tools/train.py builds it) vs
a minimal plain-PyTorch loop, same ResNet-32 + GALA, data and batch.

    python tools/benchmark/throughput.py [--quick] [--data-root DIR]

Both read the same long-tailed dataset through the same mmpretrain pipeline
and data preprocessor; the plain loop is what one would write by hand
(DataLoader, forward, backward, SGD step). Images/s are measured after a
warm-up, in fp32 and bf16 autocast, alternating the two loops.
"""
import argparse
import copy
import os
import os.path as osp
import platform
import sys
import tempfile
import time

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.hooks import Hook  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

import gala_mm  # noqa: E402,F401

CONFIG = osp.join(ROOT, 'configs/gala/resnet32_fmnist_lt_demo.py')


class IterTimer(Hook):
    """Wall time of iterations ``warmup`` .. end."""

    def __init__(self, warmup: int):
        self.warmup, self.start, self.end, self.images = warmup, None, None, 0

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter == self.warmup:
            self.start = time.perf_counter()

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter >= self.warmup:
            self.images += len(data_batch['inputs'])
            self.end = time.perf_counter()


def make_cfg(data_root: str, iters: int, amp: bool,
             small: bool = False) -> Config:
    cfg = Config.fromfile(CONFIG)
    cfg.train_dataloader.dataset.data_root = data_root
    if small:  # --quick: needs only 500 training images per class
        cfg.train_dataloader.dataset.update(max_per_class=400,
                                            val_per_class=100)
    cfg.train_dataloader.num_workers = 2
    cfg.train_dataloader.persistent_workers = True
    cfg.train_dataloader.sampler = dict(type='InfiniteSampler', shuffle=True)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = None
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=10000)
    cfg.custom_hooks = [dict(type='ClassCountHook')]
    cfg.log_level = 'WARNING'
    if amp:
        cfg.optim_wrapper.type = 'AnyDeviceAmpOptimWrapper'
    cfg.work_dir = tempfile.mkdtemp(prefix='gala_tp_')
    return cfg


def runner_images_per_s(data_root, iters, warmup, amp, small) -> float:
    cfg = make_cfg(data_root, iters, amp, small)
    runner = Runner.from_cfg(cfg)
    timer = IterTimer(warmup)
    runner.register_hook(timer, priority='VERY_LOW')
    runner.train()
    return timer.images / (timer.end - timer.start)


def plain_images_per_s(data_root, iters, warmup, amp, small) -> float:
    """The hand-written loop on the same dataset, pipeline and model."""
    from mmengine.dataset import default_collate
    from mmpretrain.registry import DATASETS, MODELS
    cfg = make_cfg(data_root, iters, amp, small)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=cfg.train_dataloader.batch_size, shuffle=True,
        num_workers=2, collate_fn=default_collate, drop_last=True,
        persistent_workers=True)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.data_preprocessor = cfg.data_preprocessor
    model = MODELS.build(model_cfg).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9,
                          weight_decay=5e-4)
    it, images, start = 0, 0, None
    while it < iters:
        for batch in loader:
            if it == warmup:
                start = time.perf_counter()
            data = model.data_preprocessor(batch, True)
            with torch.autocast('cpu', dtype=torch.bfloat16, enabled=amp):
                losses = model(**data, mode='loss')
            opt.zero_grad()
            losses['loss'].backward()
            opt.step()
            if it >= warmup:
                images += len(batch['inputs'])
            it += 1
            if it == iters:
                break
    return images / (time.perf_counter() - start)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data-root', default='data/fashion_mnist')
    parser.add_argument('--quick', action='store_true')
    parser.add_argument('--iters', type=int, default=60)
    parser.add_argument('--repeats', type=int, default=2)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    iters, warmup, repeats = (8, 3, 1) if args.quick else (args.iters, 10,
                                                            args.repeats)
    data_root = osp.abspath(args.data_root)
    print(f'{platform.machine()}, {os.cpu_count()} cores, torch '
          f'{torch.__version__}, {torch.get_num_threads()} threads; '
          f'ResNet-32 + GALA, batch 128, {iters - warmup} timed iterations')
    results = {}
    for amp in (False, True):
        runner, plain = [], []
        for _ in range(repeats):  # alternate, so noise hits both
            plain.append(
                plain_images_per_s(data_root, iters, warmup, amp, args.quick))
            runner.append(
                runner_images_per_s(data_root, iters, warmup, amp,
                                    args.quick))
        name = 'bf16' if amp else 'fp32'
        r, p = max(runner), max(plain)  # best of repeats for each
        results[name] = dict(runner=r, plain=p, ratio=r / p)
        print(f'{name}: runner {r:7.1f} img/s   plain loop {p:7.1f} img/s   '
              f'ratio {r / p:.3f}')
    return results


if __name__ == '__main__':
    main()
