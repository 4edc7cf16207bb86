# Copyright (c) gala-mm contributors. All rights reserved.
"""Checkpoints that survive a kill or a full disk."""
import os
import os.path as osp
from typing import List

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook
from mmpretrain.registry import HOOKS
from ...utils import suggest_typos


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@HOOKS.register_module()
@suggest_typos
class SafeCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` with saves that cannot lose the last
    good checkpoint.

    - Atomic: the runner writes ``NAME.part``, which is fsynced and renamed
      to ``NAME``; a kill mid-save leaves the previous files as they were.
    - Old checkpoints (``max_keep_ckpts``) are deleted only **after** the
      new one is complete (mmengine deletes them first, so a kill during a
      save with ``max_keep_ckpts=1`` leaves none).
    - A failed write (disk full, read-only directory) raises one error
      naming the directory and the checkpoint that was kept.
    - The best checkpoint (``save_best``) is saved the same way, and the
      previous best survives a failed save (mmengine removes it first).

    Same arguments as :class:`mmengine.hooks.CheckpointHook`.
    """

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        to_remove: List[int] = []
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                to_remove.append(self.keep_ckpt_ids.popleft())
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))
        kept = getattr(self, 'last_ckpt', None)
        keep, self.max_keep_ckpts = self.max_keep_ckpts, -1
        save = runner.save_checkpoint
        runner.save_checkpoint = self._atomic(save, kept)
        try:
            super()._save_checkpoint_with_step(runner, step, meta)
        finally:
            self.max_keep_ckpts = keep
            runner.save_checkpoint = save
        if is_main_process():
            for old in to_remove:
                path = self.file_backend.join_path(
                    self.out_dir, self.filename_tmpl.format(old))
                if self.file_backend.isfile(path):
                    self.file_backend.remove(path)
                elif self.file_backend.isdir(path):
                    self.file_backend.rmtree(path)

    def _save_best_checkpoint(self, runner, metrics) -> None:
        backups = self._back_up_best() if is_main_process() else {}
        save = runner.save_checkpoint
        runner.save_checkpoint = self._atomic(
            save, getattr(self, 'last_ckpt', None))
        try:
            super()._save_best_checkpoint(runner, metrics)
        except OSError:
            for path, backup in backups.items():
                if not osp.exists(path):
                    os.replace(backup, path)
            raise
        finally:
            runner.save_checkpoint = save
            for backup in backups.values():
                if osp.exists(backup):
                    os.remove(backup)

    def _back_up_best(self) -> dict:
        """A second name (hard link) for each local best checkpoint, so
        mmengine's removal before the new save keeps its data."""
        paths = [getattr(self, 'best_ckpt_path', None)]
        paths += list((getattr(self, 'best_ckpt_path_dict', None)
                       or {}).values())
        backups = {}
        for path in paths:
            if path and '://' not in str(path) and osp.isfile(path):
                backup = f'{path}.prev'
                try:
                    if osp.exists(backup):
                        os.remove(backup)
                    os.link(path, backup)
                except OSError:
                    continue  # no hard links here: mmengine's behaviour
                backups[path] = backup
        return backups

    def _atomic(self, save, kept):

        def atomic_save(out_dir, filename, *args, **kwargs):
            if '://' in str(out_dir) or not is_main_process():
                return save(out_dir, filename, *args, **kwargs)
            final = osp.join(out_dir, filename)
            part = final + '.part'
            try:
                save(out_dir, filename + '.part', *args, **kwargs)
                with open(part, 'rb+') as f:
                    os.fsync(f.fileno())
                os.replace(part, final)
                _fsync_dir(out_dir)
            except OSError as e:
                if osp.exists(part):
                    os.remove(part)
                what = (f'the previous checkpoint {kept} is intact: resume '
                        'from it with --resume' if kept else
                        'no earlier checkpoint exists')
                raise OSError(
                    e.errno, f'Could not write checkpoint {final} '
                    f'({e.strerror or e}): free space in {out_dir} or make '
                    f'it writable, or pass another --work-dir; {what}.'
                ) from e

        return atomic_save
