# Copyright (c) gala-mm contributors. All rights reserved.
"""SIGKILL mid-epoch, then --resume: bit-identical to an uninterrupted run
with the shipped recipe (random crop + flip, 2 persistent workers)."""
import os.path as osp
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from gala_mm.compat import load_checkpoint_file
from gala_mm.datasets import sample_seed

from ..conftest import REPO, tiny_config

# End-to-end (subprocesses, training, several processes).
pytestmark = pytest.mark.slow

TRAIN = osp.join(REPO, 'tools/train.py')
RECIPE = """
pipeline = [dict(type='RandomCrop', crop_size=32, padding=4),
            dict(type='RandomFlip', prob=0.5, direction='horizontal'),
            dict(type='PackInputs')]
train_dataloader.update(num_workers=2, batch_size=16)
train_dataloader['dataset']['pipeline'] = pipeline
"""


def test_sample_seeds_differ_by_epoch_and_index():
    seeds = {sample_seed(0, e, i) for e in range(3) for i in range(50)}
    assert len(seeds) == 150
    assert sample_seed(0, 1, 2) == sample_seed(0, 1, 2)
    assert sample_seed(1, 1, 2) != sample_seed(0, 1, 2)


def train(cfg, work_dir, resume=False, kill_after=None):
    cmd = [sys.executable, TRAIN, str(cfg), '--work-dir', str(work_dir)]
    if resume:
        cmd.append('--resume')
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    if kill_after is None:
        out, _ = proc.communicate(timeout=900)
        assert proc.returncode == 0, out[-3000:]
        return out
    # SIGKILL in the middle of epoch 2: once epoch_1.pth exists and a few
    # iterations of epoch 2 have run
    deadline = time.time() + 600
    while not osp.exists(osp.join(work_dir, 'epoch_1.pth')):
        assert proc.poll() is None, proc.stdout.read()[-3000:]
        assert time.time() < deadline
        time.sleep(0.05)
    time.sleep(kill_after)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not osp.exists(osp.join(work_dir, 'epoch_3.pth'))
    return None


def test_sigkill_mid_epoch_then_resume_is_bit_identical(tiny_fmnist,
                                                        tmp_path):
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(tiny_config(tiny_fmnist, epochs=3, extra=RECIPE))
    train(cfg, tmp_path / 'full')
    train(cfg, tmp_path / 'killed', kill_after=1.0)
    log = train(cfg, tmp_path / 'killed', resume=True)
    assert 'Resumed' in log or 'resumed' in log.lower()
    a = load_checkpoint_file(str(tmp_path / 'full' / 'epoch_3.pth'))
    b = load_checkpoint_file(str(tmp_path / 'killed' / 'epoch_3.pth'))
    for k, v in a['state_dict'].items():
        assert torch.equal(v, b['state_dict'][k]), k
    sa, sb = a['optimizer']['state'], b['optimizer']['state']
    assert sa.keys() == sb.keys()
    for k in sa:
        assert torch.equal(sa[k]['momentum_buffer'],
                           sb[k]['momentum_buffer']), k
    theta = a['state_dict']['head.loss_module.theta']
    assert theta.abs().sum() > 0


ITER_BASED = """
train_cfg = dict(type='IterBasedTrainLoop', max_iters=40,
                 val_interval=40)
log_processor = dict(by_epoch=False)
default_hooks = dict(logger=dict(interval=5),
                     checkpoint=dict(interval=10, by_epoch=False))
"""


def test_sigkill_iter_based_repeat_dataset_seed_none(tiny_fmnist, tmp_path):
    """IterBasedTrainLoop, RepeatDataset, 2 persistent workers and
    randomness.seed=None: killed after iteration 20 and resumed, the run
    ends as one trained uninterrupted with the seed the killed run drew."""
    extra = RECIPE + ITER_BASED + """
train_dataloader['dataset'] = dict(type='RepeatDataset', times=2,
                                   dataset=train_dataloader['dataset'])
train_dataloader['persistent_workers'] = True
randomness = dict(seed=None)
"""
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(tiny_config(tiny_fmnist, extra=extra))
    killed = tmp_path / 'killed'
    proc = subprocess.Popen(
        [sys.executable, TRAIN, str(cfg), '--work-dir', str(killed)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 600
    while not osp.exists(killed / 'iter_20.pth'):
        assert proc.poll() is None and time.time() < deadline
        time.sleep(0.05)
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not osp.exists(killed / 'iter_40.pth')
    log = train(cfg, killed, resume=True)
    assert 'Advance dataloader 20 steps' in log or 'resumed' in log.lower()
    seed = load_checkpoint_file(str(killed / 'iter_40.pth'))['meta']['seed']
    full = tmp_path / 'full'
    subprocess.run([sys.executable, TRAIN, str(cfg), '--work-dir', str(full),
                    '--cfg-options', f'randomness.seed={seed}'], cwd=REPO,
                   check=True, capture_output=True, timeout=900)
    a = load_checkpoint_file(str(full / 'iter_40.pth'))['state_dict']
    b = load_checkpoint_file(str(killed / 'iter_40.pth'))['state_dict']
    for k, v in a.items():
        assert torch.equal(v, b[k]), k


def _runner(tiny_fmnist, tmp_path, extra, workers=0):
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg_path = tmp_path / 'cfg.py'
    cfg_path.write_text(tiny_config(tiny_fmnist, epochs=1,
                                    extra=RECIPE + extra))
    cfg = Config.fromfile(str(cfg_path))
    cfg.work_dir = str(tmp_path / 'wd')
    cfg.train_dataloader.num_workers = workers
    cfg.train_dataloader.persistent_workers = workers > 0
    runner = Runner.from_cfg(cfg)
    runner._train_loop = runner.build_train_loop(runner._train_loop)
    return runner


def _images(batches) -> dict:
    """{(pass, sample_idx): [image, ...]} of the loaded batches."""
    views = {}
    for n, batch in batches:
        for img, sample in zip(batch['inputs'], batch['data_samples']):
            views.setdefault((n, sample.sample_idx), []).append(img.numpy())
    return views


@pytest.mark.parametrize('wrapper', [
    "dict(type='RepeatDataset', times=3, dataset=train_dataloader['dataset'])",
    "dict(type='ClassBalancedDataset', oversample_thr=0.5, "
    "dataset=train_dataloader['dataset'])",
    "dict(type='ConcatDataset', datasets=[train_dataloader['dataset']] * 2)",
])
def test_repeats_of_an_image_draw_their_own_augmentation(
        tiny_fmnist, tmp_path, wrapper):
    from gala_mm.engine.hooks import ExactResumeHook
    runner = _runner(tiny_fmnist, tmp_path,
                     f"train_dataloader['dataset'] = {wrapper}\n")
    hook = ExactResumeHook()
    hook.before_train(runner)
    views = _images((0, b) for b in runner.train_dataloader)
    repeated = [v for v in views.values() if len(v) > 1]
    assert repeated  # tail images under ClassBalancedDataset, all in Repeat
    # crop offset x flip: ~160 views, so two repeats may meet by chance;
    # with the inner index as the seed every repeat would be identical
    same = sum(all(np.array_equal(v[0], w) for w in v[1:]) for v in repeated)
    assert same < len(repeated) / 4, (same, len(repeated))
    # and the same (epoch, index) draws the same augmentation again
    again = _images((0, b) for b in runner.train_dataloader)
    for key, v in views.items():
        assert sorted(x.tobytes() for x in v) == sorted(
            x.tobytes() for x in again[key])


@pytest.mark.parametrize('workers', [0, 2])
def test_iter_based_passes_draw_new_augmentation(tiny_fmnist, tmp_path,
                                                 workers):
    """IterBasedTrainLoop: each pass over the data is a new epoch for the
    seeds, also with workers forked (persistent) before the hook ran."""
    from gala_mm.engine.hooks import ExactResumeHook
    runner = _runner(tiny_fmnist, tmp_path, ITER_BASED, workers)
    hook = ExactResumeHook()
    hook.before_train(runner)
    iterator = runner.train_loop.dataloader_iterator
    per_pass = len(runner.train_dataloader)
    views = _images((i // per_pass, next(iterator))
                    for i in range(2 * per_pass))
    first = {k[1]: v[0] for k, v in views.items() if k[0] == 0}
    second = {k[1]: v[0] for k, v in views.items() if k[0] == 1}
    assert first.keys() == second.keys()
    same = sum(np.array_equal(first[k], second[k]) for k in first)
    assert same < len(first) / 4, (same, len(first))


def test_infinite_sampler_is_refused(tiny_fmnist, tmp_path):
    from gala_mm.engine.hooks import ExactResumeHook
    runner = _runner(tiny_fmnist, tmp_path, ITER_BASED + (
        "train_dataloader['sampler'] = dict(type='InfiniteSampler')\n"))
    with pytest.raises(TypeError, match='InfiniteSampler.*DefaultSampler'):
        ExactResumeHook().before_train(runner)


def test_loading_leaves_the_training_random_state_alone(tiny_fmnist,
                                                        tmp_path):
    """num_workers=0: samples load in the main process; dropout or GCL's
    noise draw what they would have drawn without the loading."""
    import random
    from gala_mm.engine.hooks import ExactResumeHook
    runner = _runner(tiny_fmnist, tmp_path, '')
    ExactResumeHook().before_train(runner)
    torch.manual_seed(3)
    np.random.seed(3)
    random.seed(3)
    next(iter(runner.train_dataloader))
    after = (torch.rand(1), np.random.rand(), random.random())
    torch.manual_seed(3)
    np.random.seed(3)
    random.seed(3)
    assert after == (torch.rand(1), np.random.rand(), random.random())


def test_augmentation_actually_varies(tiny_fmnist, tmp_path):
    """The per-sample seeds keep augmentation random across samples and
    epochs (not one fixed crop)."""
    from gala_mm.engine.hooks import ExactResumeHook
    runner = _runner(tiny_fmnist, tmp_path, '')
    hook = ExactResumeHook()
    hook.before_train(runner)
    dataset = runner.train_dataloader.dataset
    views = []
    for epoch in (0, 1):
        hook.seeded.epoch.value = epoch
        views.append(np.stack([dataset[i]['inputs'].numpy()
                               for i in range(8)]))
    assert not np.array_equal(views[0], views[1])
    assert not np.array_equal(views[0][0], views[0][1])
    hook.seeded.epoch.value = 0
    again = np.stack([dataset[i]['inputs'].numpy() for i in range(8)])
    assert np.array_equal(views[0], again)


def test_resume_from_weights_only_names_load_from():
    """A plain state_dict (e.g. a published model) has no 'meta': one error
    naming load_from instead of mmengine's KeyError: 'meta'."""
    from types import SimpleNamespace
    from gala_mm.engine.hooks import ExactResumeHook
    with pytest.raises(ValueError, match=r"no 'meta'.*cannot be resumed.*"
                       'load_from=CHECKPOINT'):
        ExactResumeHook().after_load_checkpoint(
            SimpleNamespace(_resume=True), {'state_dict': {}})
    # load_from (no resume) takes weights only, as before
    ExactResumeHook().after_load_checkpoint(
        SimpleNamespace(_resume=False), {'state_dict': {}})
