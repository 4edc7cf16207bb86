# Copyright (c) gala-mm contributors. All rights reserved.
"""One training per work dir: a second one stops at once naming the first;
the lock goes with the process, SIGKILL included."""
import os
import os.path as osp
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest

from gala_mm.engine.hooks import WorkDirLockHook
from gala_mm.engine.hooks.work_dir_lock_hook import (LOCK_NAME,
                                                     hold_work_dir,
                                                     release_work_dir)

from ..conftest import REPO, tiny_config

TRAIN = osp.join(REPO, 'tools/train.py')
OTHER = ('from gala_mm.engine.hooks.work_dir_lock_hook import '
         'hold_work_dir; hold_work_dir({!r}); print("held")')


def other_process_holds(work_dir) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, '-c', OTHER.format(str(work_dir))],
                          capture_output=True, text=True, cwd=REPO,
                          env=dict(os.environ, PYTHONPATH=REPO))


@pytest.mark.slow  # a second interpreter
def test_second_holder_is_refused_with_the_first_named(tmp_path):
    hold_work_dir(str(tmp_path))
    try:
        assert hold_work_dir(str(tmp_path)) >= 0  # again here: a no-op
        proc = other_process_holds(tmp_path)
        assert proc.returncode != 0
        assert f'in use by another training (pid {os.getpid()} on' in \
            proc.stderr
        assert 'pass another --work-dir' in proc.stderr
    finally:
        release_work_dir(str(tmp_path))
    assert other_process_holds(tmp_path).stdout.strip() == 'held'


FORKS = ('import os, sys, time\n'
         'from gala_mm.engine.hooks.work_dir_lock_hook import hold_work_dir\n'
         'hold_work_dir({!r})\n'
         'if os.fork() == 0:\n'  # a DataLoader worker, outliving its parent
         '    time.sleep(60); os._exit(0)\n'
         'print("held", flush=True); time.sleep(60)\n')


@pytest.mark.slow  # two more interpreters
def test_forked_workers_do_not_keep_a_killed_trainers_work_dir(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, '-c', FORKS.format(str(tmp_path))], cwd=REPO,
        stdout=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONPATH=REPO), start_new_session=True)
    try:
        assert holder.stdout.readline().strip() == 'held'
        assert other_process_holds(tmp_path).returncode != 0
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        # the forked child still runs, holding the lock file open
        proc = other_process_holds(tmp_path)
        assert proc.stdout.strip() == 'held', proc.stderr[-2000:]
    finally:
        os.killpg(holder.pid, signal.SIGKILL)


def test_test_runs_are_not_held_back(tmp_path):
    runner = SimpleNamespace(_train_loop=dict(type='EpochBasedTrainLoop'),
                             rank=0, work_dir=str(tmp_path))
    WorkDirLockHook().before_run(runner)
    assert not (tmp_path / LOCK_NAME).exists()


@pytest.mark.slow
def test_two_trainings_one_work_dir_then_sigkill(tiny_fmnist, tmp_path):
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(tiny_config(tiny_fmnist, epochs=50))
    work = tmp_path / 'wd'
    first = subprocess.Popen([sys.executable, TRAIN, str(cfg), '--work-dir',
                              str(work)], cwd=REPO, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    lock = work / LOCK_NAME
    deadline = time.time() + 300
    while not (lock.exists() and lock.read_text().startswith('pid')):
        assert first.poll() is None and time.time() < deadline
        time.sleep(0.1)
    second = subprocess.run(
        [sys.executable, TRAIN, str(cfg), '--work-dir', str(work),
         '--resume'], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert second.returncode != 0
    out = second.stdout + second.stderr
    assert f'in use by another training (pid {first.pid} on' in out
    first.send_signal(signal.SIGKILL)
    first.wait()
    third = subprocess.run(
        [sys.executable, TRAIN, str(cfg), '--work-dir', str(work),
         '--resume', '--cfg-options', 'train_cfg.max_epochs=1'], cwd=REPO,
        capture_output=True, text=True, timeout=300)
    assert third.returncode == 0, third.stderr[-3000:]
