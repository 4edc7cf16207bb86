# Copyright (c) gala-mm contributors. All rights reserved.
"""Saves that never lose the last good checkpoint; resume that skips a
damaged one."""
import errno
import os
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

import gala_mm  # noqa: F401
from gala_mm.compat import (is_intact_checkpoint, load_checkpoint_file,
                            resume_checkpoint)
from gala_mm.engine.hooks.work_dir_lock_hook import release_work_dir

from ..conftest import REPO, run_tool, tiny_config

# End-to-end (subprocesses, training, several processes).
pytestmark = pytest.mark.slow

TRAIN = osp.join(REPO, 'tools/train.py')


def build_runner(data_root, work_dir, epochs=2, keep=1, **checkpoint):
    os.makedirs(str(work_dir), exist_ok=True)
    path = osp.join(str(work_dir), 'cfg.py')
    with open(path, 'w') as f:
        f.write(tiny_config(data_root, epochs=epochs))
    cfg = Config.fromfile(path)
    cfg.work_dir = str(work_dir)
    cfg.default_hooks.checkpoint.max_keep_ckpts = keep
    if checkpoint:  # e.g. save_best: validate after every epoch
        cfg.default_hooks.checkpoint.update(checkpoint)
        cfg.train_cfg.val_interval = 1
    cfg.log_level = 'WARNING'
    return Runner.from_cfg(cfg), path


def fail_second_save(runner, exc):
    """The 2nd save writes half a file, then fails with ``exc``."""
    save = runner.save_checkpoint
    calls = []

    def faulty(out_dir, filename, *args, **kwargs):
        calls.append(filename)
        if len(calls) == 2:
            with open(osp.join(out_dir, filename), 'wb') as f:
                f.write(b'PK\x03\x04 half a checkpoint')
            raise exc
        return save(out_dir, filename, *args, **kwargs)

    runner.save_checkpoint = faulty
    return calls


def test_default_runtime_uses_the_safe_hook():
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/gala/resnet32_cifar100lt.py'))
    assert cfg.default_hooks.checkpoint.type == 'SafeCheckpointHook'


def test_disk_full_keeps_the_previous_checkpoint(tiny_fmnist, tmp_path):
    runner, _ = build_runner(tiny_fmnist, tmp_path)
    calls = fail_second_save(runner, OSError(errno.ENOSPC,
                                             'No space left on device'))
    with pytest.raises(OSError) as info:
        runner.train()
    msg = str(info.value)
    assert 'No space left on device' in msg and str(tmp_path) in msg
    assert 'epoch_1.pth is intact' in msg and '--resume' in msg
    assert calls == ['epoch_1.pth.part', 'epoch_2.pth.part']
    assert is_intact_checkpoint(str(tmp_path / 'epoch_1.pth'))
    assert not (tmp_path / 'epoch_2.pth').exists()
    assert not (tmp_path / 'epoch_2.pth.part').exists()


def test_kill_during_save_with_max_keep_1_keeps_the_old_one(
        tiny_fmnist, tmp_path):
    runner, cfg = build_runner(tiny_fmnist, tmp_path / 'wd', epochs=3)

    class Killed(BaseException):
        """Stands for SIGKILL: nothing after it runs."""

    fail_second_save(runner, Killed())
    with pytest.raises(Killed):
        runner.train()
    wd = tmp_path / 'wd'
    release_work_dir(str(wd))  # what the kernel does when SIGKILL ends us
    assert is_intact_checkpoint(str(wd / 'epoch_1.pth'))  # not deleted
    assert not (wd / 'epoch_2.pth').exists()
    ckpt, warning = resume_checkpoint(str(wd))
    assert ckpt == str(wd / 'epoch_1.pth') and warning is None
    # and the run resumes and finishes, pruning only after each full save
    proc = run_tool([TRAIN, cfg, '--work-dir', str(wd), '--resume',
                     '--cfg-options', 'default_hooks.checkpoint.'
                     'max_keep_ckpts=1'])
    assert 'Resumed' in proc.stdout + proc.stderr or (wd / 'epoch_3.pth'
                                                      ).exists()
    assert sorted(p.name for p in wd.glob('*.pth')) == ['epoch_3.pth']


def test_auto_resume_skips_a_damaged_latest(tiny_fmnist, tmp_path):
    wd = tmp_path / 'wd'
    runner, cfg = build_runner(tiny_fmnist, wd, epochs=2, keep=-1)
    runner.train()
    latest = wd / 'epoch_2.pth'
    raw = latest.read_bytes()
    latest.write_bytes(raw[:len(raw) // 3])  # truncated
    ckpt, warning = resume_checkpoint(str(wd))
    assert ckpt == str(wd / 'epoch_1.pth')
    assert 'damaged' in warning and 'epoch_1.pth' in warning
    proc = run_tool([TRAIN, cfg, '--work-dir', str(wd), '--resume'])
    log = proc.stdout + proc.stderr
    assert 'newest intact one' in log
    assert load_checkpoint_file(str(wd / 'epoch_2.pth'))['meta']['epoch'] == 2
    (wd / 'epoch_1.pth').write_bytes(b'junk')
    (wd / 'epoch_2.pth').write_bytes(b'junk')
    with pytest.raises(RuntimeError, match='No intact checkpoint'):
        resume_checkpoint(str(wd))


def test_missing_checkpoint_hints(tmp_path, tiny_fmnist):
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(tiny_config(tiny_fmnist))
    proc = run_tool([osp.join(REPO, 'tools/test.py'), str(cfg),
                     str(tmp_path / 'nope.pth')], check=False)
    assert proc.returncode != 0
    assert 'check the CHECKPOINT argument' in proc.stderr
    assert '--resume' not in proc.stderr.splitlines()[-1]


def test_unwritable_work_dir_is_named(tiny_fmnist, tmp_path):
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(tiny_config(tiny_fmnist))
    blocker = tmp_path / 'a_file'
    blocker.write_text('not a directory')
    proc = run_tool([TRAIN, str(cfg), '--work-dir', str(blocker / 'wd')],
                    check=False)
    assert proc.returncode != 0
    assert 'Cannot write to the work directory' in proc.stderr
    assert 'pass another --work-dir' in proc.stderr


def test_disk_full_keeps_the_previous_best(tiny_fmnist, tmp_path,
                                           monkeypatch):
    """save_best: mmengine removes the old best before saving the new
    one; on a full disk the old best stays, whole, and no damaged file is
    left."""
    runner, _ = build_runner(tiny_fmnist, tmp_path, epochs=2, keep=3,
                             save_best='lt/top1', rule='greater')
    # scores that always improve: each validation saves a new best
    from gala_mm.evaluation import LongTailAccuracy
    scores = iter([10.0, 20.0])
    compute = LongTailAccuracy.compute_metrics
    monkeypatch.setattr(
        LongTailAccuracy, 'compute_metrics',
        lambda self, results: dict(compute(self, results), top1=next(scores)))
    save = runner.save_checkpoint
    best = []

    def faulty(out_dir, filename, *args, **kwargs):
        if filename.startswith('best_'):
            best.append(filename)
            if len(best) == 2:
                with open(osp.join(out_dir, filename), 'wb') as f:
                    f.write(b'PK\x03\x04 half a checkpoint')
                raise OSError(errno.ENOSPC, 'No space left on device')
        return save(out_dir, filename, *args, **kwargs)

    runner.save_checkpoint = faulty
    with pytest.raises(OSError, match='No space left on device'):
        runner.train()
    assert best == ['best_lt_top1_epoch_1.pth.part',
                    'best_lt_top1_epoch_2.pth.part']
    assert is_intact_checkpoint(str(tmp_path / 'best_lt_top1_epoch_1.pth'))
    assert not list(tmp_path.glob('best_lt_top1_epoch_2.pth*'))
    assert not list(tmp_path.glob('*.prev'))
