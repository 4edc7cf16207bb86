# Copyright (c) gala-mm contributors. All rights reserved.
"""A work directory that can be written before training starts."""
import os
import os.path as osp


def check_work_dir_writable(work_dir: str) -> None:
    """Fail before training, with the fix, when the work directory cannot
    be created or written (read-only file system, no space, a file in the
    way). Remote (``s3://``...) work dirs are left to mmengine.

    Args:
        work_dir (str): The run's work directory.
    """
    if '://' in str(work_dir):
        return
    probe = osp.join(work_dir, '.gala_mm_write_test')
    try:
        os.makedirs(work_dir, exist_ok=True)
        with open(probe, 'wb') as f:
            f.write(b'0' * 4096)
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        kept = ''
        if osp.isdir(work_dir):
            names = sorted(n for n in os.listdir(work_dir)
                           if n.endswith('.pth'))
            if names:
                kept = (f' The checkpoints already there ({", ".join(names)}'
                        ') are untouched: --resume continues from them once '
                        'the directory is writable.')
        raise OSError(
            e.errno, f'Cannot write to the work directory {work_dir!r} '
            f'({e.strerror or e}): free space there, make it writable, or '
            f'pass another --work-dir.{kept}') from e
    finally:
        if osp.exists(probe):
            try:
                os.remove(probe)
            except OSError:
                pass


__all__ = ['check_work_dir_writable']
