# Copyright (c) gala-mm contributors. All rights reserved.
"""One training per work dir."""
import errno
import fcntl
import os
import os.path as osp
import socket
import time
from typing import Dict

from mmengine.hooks import Hook
from mmengine.runner import BaseLoop
from mmpretrain.registry import HOOKS

from ...utils import suggest_typos

#: The lock file in a work dir.
LOCK_NAME = '.train.lock'
#: Work dirs this process holds: real path -> file descriptor.
_HELD: Dict[str, int] = {}


def hold_work_dir(work_dir: str) -> int:
    """Take ``work_dir`` for this process: an exclusive POSIX record lock
    (``lockf``), which the kernel releases when the process exits, SIGKILL
    included. Unlike ``flock``, it is not shared with forked children, so
    DataLoader workers that outlive a killed trainer for a few seconds do
    not keep the work dir from ``--resume``. Taking it again in the same
    process is a no-op.

    Returns:
        int: The lock file's descriptor.

    Raises:
        RuntimeError: Another process holds it; the message names it.
    """
    path = osp.realpath(osp.join(work_dir, LOCK_NAME))
    if path in _HELD:
        return _HELD[path]
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno not in (errno.EACCES, errno.EAGAIN):
            os.close(fd)
            raise
        holder = os.read(fd, 200).decode(errors='replace').strip()
        os.close(fd)
        raise RuntimeError(
            f'The work dir {work_dir} is in use by another training '
            f'({holder or "a process that has not written its name yet"}): '
            'one training per work dir (two would overwrite each other\'s '
            'checkpoints and logs). Wait for it or stop it, or pass another '
            '--work-dir.') from None
    os.ftruncate(fd, 0)
    os.write(fd, f'pid {os.getpid()} on {socket.gethostname()}, since '
             f'{time.strftime("%Y-%m-%d %H:%M:%S")}\n'.encode())
    _HELD[path] = fd
    return fd


def release_work_dir(work_dir: str) -> None:
    """Give ``work_dir`` back (nothing if this process does not hold it)."""
    fd = _HELD.pop(osp.realpath(osp.join(work_dir, LOCK_NAME)), None)
    if fd is not None:
        os.close(fd)


@HOOKS.register_module()
@suggest_typos
class WorkDirLockHook(Hook):
    """Hold the work dir for the whole training run, from before anything
    is resumed or written: a second training started in the same work dir
    stops at once with one error naming the first (its pid and host),
    instead of both writing the same checkpoints and statistics files.
    Test runs (``tools/test.py``) are not held back. The lock is released
    when the run ends, or by the kernel when the process dies.

    In a distributed run the main process holds it for all ranks. A run
    that fails inside a long-lived process (a notebook) keeps the work dir
    until that process exits, or until :func:`release_work_dir`.
    """
    priority = 'HIGHEST'

    def before_run(self, runner) -> None:
        if isinstance(runner._train_loop, BaseLoop) and runner.rank == 0:
            hold_work_dir(runner.work_dir)

    def after_run(self, runner) -> None:
        release_work_dir(runner.work_dir)
