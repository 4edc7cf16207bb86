# Copyright (c) gala-mm contributors. All rights reserved.
"""Training throughput: mmengine's Runner (as tools/train.py builds it) vs
a minimal plain-PyTorch loop, same ResNet-32 + GALA, data and batch.

    python tools/benchmark/throughput.py [--quick] [--data-root DIR]

Both loops read the same dataset through the same pipeline, collate and
data preprocessor. Images/s after a warm-up (timed apart: compilation) for
each ``--variants`` recipe (fp32 / bf16, NCHW / channels-last, eager /
``torch.compile``), the two loops alternating; the ratio is the median of
the paired repeats. Also each loop's share of iteration time outside
``model.train_step`` (hooks, logging, waiting for data), which unlike
images/s hardly depends on how busy the machine is.
"""
import argparse
import copy
import os
import os.path as osp
import platform
import sys
import tempfile
import time
from statistics import median
from typing import NamedTuple, Tuple

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.hooks import Hook  # noqa: E402
from mmengine.registry import DefaultScope  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

import gala_mm  # noqa: E402,F401
from gala_mm.compat import cpu_has_native_bf16  # noqa: E402
from gala_mm.utils import ignore_known_warnings, load_script  # noqa: E402

CONFIG = osp.join(ROOT, 'configs/gala/resnet32_fmnist_lt_demo.py')
#: tools/train.py's argument handling builds the runner's config as the
#: command line does (collate, pin_memory, persistent workers, --amp's
#: optimizer wrapper).
TRAIN_TOOL = load_script(osp.join(ROOT, 'tools/train.py'))


class IterTimer(Hook):
    """Wall time of the warm-up iterations (compilation included), of
    iterations ``warmup`` .. end, and the part of the latter spent in
    ``model.train_step`` (forward, backward, optimizer step); the rest is
    the Runner's own work (hooks, logging, loop) and waiting for data."""

    def __init__(self, warmup: int):
        self.warmup, self.start, self.end, self.images = warmup, None, None, 0
        self.step_time, self.first = 0.0, None

    def before_train(self, runner) -> None:
        """Wrap ``model.train_step`` (as compiled by ``compile=True``, which
        happens before this hook) to add its wall time to ``step_time``
        once the timed iterations have started."""
        model = runner.model
        train_step = model.train_step

        def timed_train_step(*args, **kwargs):
            if self.start is None:
                return train_step(*args, **kwargs)
            tic = time.perf_counter()
            outputs = train_step(*args, **kwargs)
            self.step_time += time.perf_counter() - tic
            return outputs

        model.train_step = timed_train_step
        self.first = time.perf_counter()

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter == self.warmup:
            self.start = time.perf_counter()

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter >= self.warmup:
            self.images += len(data_batch['inputs'])
            self.end = time.perf_counter()


class Variant(NamedTuple):
    """A training-step recipe: precision, memory layout, compilation."""
    name: str
    amp: bool
    channels_last: bool
    compiled: bool


def parse_variant(name: str) -> Variant:
    """``fp32``, ``bf16+cl``, ``fp32+cl+compile``..."""
    parts = name.split('+')
    if parts[0] not in ('fp32', 'bf16') or not set(parts[1:]) <= {
            'cl', 'compile'}:
        raise ValueError(f'--variants: {name!r}, expected fp32|bf16 '
                         'followed by +cl and/or +compile.')
    return Variant(name, parts[0] == 'bf16', 'cl' in parts,
                   'compile' in parts)


def make_cfg(data_root: str, iters: int, variant: Variant,
             small: bool = False) -> Config:
    """The config ``tools/train.py CONFIG --no-validate [--amp]`` would run,
    as an iteration-based loop of ``iters`` steps without checkpoints."""
    cfg = Config.fromfile(CONFIG)
    cfg.train_dataloader.dataset.data_root = data_root
    if small:  # --quick: needs only 500 training images per class
        cfg.train_dataloader.dataset.update(max_per_class=400,
                                            val_per_class=100)
    cfg.train_dataloader.num_workers = 2
    cfg.train_dataloader.sampler = dict(type='InfiniteSampler', shuffle=True)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters)
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = None
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=10000)
    cfg.custom_hooks = [dict(type='ClassCountHook')] + (
        [dict(type='ChannelsLastHook')] if variant.channels_last else [])
    if variant.compiled:
        cfg.compile = True
    cfg.log_level = 'WARNING'
    argv = [CONFIG, '--no-validate', '--work-dir',
            tempfile.mkdtemp(prefix='gala_tp_')]
    argv += ['--amp'] if variant.amp else []
    return TRAIN_TOOL.merge_args(cfg, TRAIN_TOOL.parse_args(argv))


def runner_images_per_s(data_root, iters, warmup, variant,
                        small) -> Tuple[float, float, float]:
    """Images/s of the Runner, the share of its iteration time spent
    outside ``model.train_step`` (the same training step as the plain
    loop's: preprocessing, forward, backward, optimizer step) and the
    warm-up's seconds."""
    cfg = make_cfg(data_root, iters, variant, small)
    runner = Runner.from_cfg(cfg)
    timer = IterTimer(warmup)
    runner.register_hook(timer, priority='VERY_LOW')
    runner.train()
    wall = timer.end - timer.start
    return (timer.images / wall, 1 - timer.step_time / wall,
            timer.start - timer.first)


def _sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def plain_images_per_s(data_root, iters, warmup, variant, small,
                       device=torch.device('cpu')
                       ) -> Tuple[float, float, float]:
    """Images/s of the hand-written loop on the same dataset, pipeline and
    model, the share of its iteration time spent outside the training
    step (data preprocessing, forward, backward, optimizer step) and the
    warm-up's seconds."""
    from mmpretrain.registry import MODELS
    cfg = make_cfg(data_root, iters, variant, small)
    amp, layout = variant.amp, torch.channels_last
    # the Runner's own data loader: same sampler, workers and collate
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.data_preprocessor = cfg.data_preprocessor
    model = MODELS.build(model_cfg).train().to(device)
    if variant.channels_last:
        model.to(memory_format=layout)
    forward = torch.compile(model) if variant.compiled else model
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9,
                          weight_decay=5e-4)
    # --amp: bf16 on the CPU, fp16 + loss scaling on a GPU (as the Runner)
    dtype = torch.float16 if device.type == 'cuda' else torch.bfloat16
    scaler = torch.amp.GradScaler(device.type,
                                  enabled=amp and device.type == 'cuda')
    images, start, step_time = 0, None, 0.0
    first = time.perf_counter()
    for it, batch in zip(range(iters), loader):  # InfiniteSampler
        if it == warmup:
            _sync(device)
            start = time.perf_counter()
        tic = time.perf_counter()
        data = model.data_preprocessor(batch, True)
        if variant.channels_last:
            data['inputs'] = data['inputs'].contiguous(memory_format=layout)
        with torch.autocast(device.type, dtype=dtype, enabled=amp):
            losses = forward(**data, mode='loss')
        opt.zero_grad()
        scaler.scale(losses['loss']).backward()
        scaler.step(opt)
        scaler.update()
        float(losses['loss'])  # what the Runner logs every step
        if it >= warmup:
            step_time += time.perf_counter() - tic
            images += len(batch['inputs'])
    _sync(device)
    wall = time.perf_counter() - start
    return images / wall, 1 - step_time / wall, start - first


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data-root', default='data/fashion_mnist')
    parser.add_argument('--quick', action='store_true')
    parser.add_argument('--iters', type=int, default=60)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument(
        '--variants', help='comma-separated recipes to measure, e.g. '
        "'fp32,fp32+cl,fp32+cl+compile,bf16+cl+compile' (default: fp32 and "
        'bf16; bf16 is skipped on a CPU without native bf16)')
    parser.add_argument('--device', default='cpu',
                        help="'cpu' or 'cuda': the plain loop's device (the "
                        'Runner picks the GPU by itself when there is one)')
    return parser.parse_args(argv)


def main(argv=None):
    ignore_known_warnings()
    args = parse_args(argv)
    iters, warmup, repeats = ((8, 3, 1) if args.quick else
                              (args.iters, 10, args.repeats))
    data_root = osp.abspath(args.data_root)
    print(f'{platform.machine()}, {os.cpu_count()} cores, torch '
          f'{torch.__version__}, {torch.get_num_threads()} threads; '
          f'ResNet-32 + GALA, batch 128, {iters - warmup} timed iterations, '
          f'median of {repeats} paired repeats')
    names = (args.variants.split(',') if args.variants else
             ['fp32', 'bf16'])
    results = {}
    for variant in map(parse_variant, names):
        if variant.amp and args.device == 'cpu' and \
                not cpu_has_native_bf16():
            print(f'{variant.name}: skipped (this CPU has no native '
                  'bfloat16, no AMX / AVX512-BF16: emulated bf16 is ~40x '
                  'slower than fp32)')
            continue
        runs = dict(runner=[], plain=[])
        for _ in range(repeats):  # alternate, so noise hits both
            runs['plain'].append(
                plain_images_per_s(data_root, iters, warmup, variant,
                                   args.quick, torch.device(args.device)))
            runs['runner'].append(
                runner_images_per_s(data_root, iters, warmup, variant,
                                    args.quick))
        name = variant.name
        if variant.amp and args.device.startswith('cuda'):
            name = name.replace('bf16', 'fp16')
        results[name] = summarize(name, runs)
    return results


def summarize(name: str, runs: dict) -> dict:
    """Print and return the medians over the repeats of ``runs[loop] =
    [(img/s, outside share, warm-up s)]``.

    ``ratio`` is the median of the paired runner/plain ratios;
    ``step_ratio`` compares the loops' time outside the training step
    (``(1 - runner share) / (1 - plain share)``), which does not depend on
    how fast the machine computed the steps in each run.
    """
    res = {}
    for loop in ('runner', 'plain'):
        for i, key in enumerate(('', '_outside_step', '_warmup_s')):
            res[loop + key] = median(r[i] for r in runs[loop])
    res['ratios'] = [r[0] / p[0] for r, p in zip(runs['runner'],
                                                 runs['plain'])]
    res['ratio'] = median(res['ratios'])
    res['step_ratio'] = ((1 - res['runner_outside_step']) /
                         (1 - res['plain_outside_step']))
    what = 'compilation included' if 'compile' in name else 'first steps'
    print(f'{name}: runner {res["runner"]:7.1f} img/s   plain loop '
          f'{res["plain"]:7.1f} img/s   ratio {res["ratio"]:.3f} (repeats: '
          + ', '.join(f'{r:.3f}' for r in res['ratios']) + ')\n'
          f'      time outside the training step: runner '
          f'{res["runner_outside_step"]:.1%}, plain loop '
          f'{res["plain_outside_step"]:.1%} -> ratio at equal step time '
          f'{res["step_ratio"]:.3f}\n'
          f'      warm-up ({what}): runner {res["runner_warmup_s"]:.1f} s, '
          f'plain loop {res["plain_warmup_s"]:.1f} s')
    return res


if __name__ == '__main__':
    main()
