# Copyright (c) gala-mm contributors. All rights reserved.
"""Checkpoint files: integrity before loading, which one to resume from,
and the escape hatch for a trusted file the safe loader refuses."""
import os
import os.path as osp
import re
import zipfile
from collections import OrderedDict
from typing import Optional, Tuple

import numpy as np
import torch


LEGACY_MAGIC = (0x1950a86a20f9469cfc6c).to_bytes(10, 'little')


def _is_legacy_torch_file(path: str) -> bool:
    """A pre-1.6 (non-zip) torch file: a pickle stream that starts with
    torch's legacy magic number."""
    with open(path, 'rb') as f:
        head = f.read(64)
    return head[:1] == b'\x80' and LEGACY_MAGIC in head


def _check_records(archive: zipfile.ZipFile, path: str, fix: str) -> None:
    """Refuse records torch never writes before anything is allocated:
    compressed ones (a few MB can inflate to GBs) and ones whose stated
    size does not fit in the file (read from the central directory only)."""
    size = osp.getsize(path)
    for info in archive.infolist():
        if info.compress_type != zipfile.ZIP_STORED:
            raise RuntimeError(
                f'Checkpoint {path!r} has a compressed record '
                f'{info.filename!r} ({info.compress_size} bytes inflating '
                f'to {info.file_size}): torch never writes one, so it was '
                'crafted or rewritten by another tool; refused before '
                'loading. Save it again with torch.save.')
        if (info.file_size != info.compress_size
                or info.header_offset + info.compress_size > size):
            raise RuntimeError(
                f'Checkpoint {path!r} is corrupt: record {info.filename!r} '
                f'states {info.file_size} bytes, more than the file holds. '
                f'{fix}')


def check_checkpoint_file(path: str, verify_crc: bool = True,
                          missing_hint: str = 'check the path') -> None:
    """Fail early, with the fix, on a missing, truncated, bit-flipped or
    non-torch file.

    A torch zip archive is checked against the CRC-32 that torch stores for
    every record (``verify_crc``; it reads the whole file once: about
    0.1 s per 100 MB); a legacy (pre-1.6, non-zip) torch file is accepted
    as such (it carries no checksum). Nothing in the work directory is
    touched.

    Args:
        path (str): A local checkpoint path (URLs are left to mmengine).
        verify_crc (bool): Check every record's CRC. Defaults to True.
        missing_hint (str): How to fix a missing file, for the message.
    """
    if '://' in path:
        return
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'Checkpoint {path!r} does not exist: {missing_hint}.')
    fix = ('Re-download it, or resume from an earlier checkpoint (the '
           'runner keeps the last ones in the work dir).')
    if not zipfile.is_zipfile(path):
        if _is_legacy_torch_file(path):
            return
        raise RuntimeError(
            f'Checkpoint {path!r} is corrupt or truncated (not a complete '
            f'torch zip archive). {fix}')
    try:
        with zipfile.ZipFile(path) as archive:
            _check_records(archive, path, fix)
            bad = archive.testzip() if verify_crc else None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise RuntimeError(f'Checkpoint {path!r} is corrupt ({e}). '
                           f'{fix}') from None
    if bad is not None:
        raise RuntimeError(
            f'Checkpoint {path!r} is corrupt: record {bad!r} fails its CRC '
            f'check (a flipped bit or a partial write). {fix}')


def is_intact_checkpoint(path: str) -> bool:
    """Whether :func:`check_checkpoint_file` accepts ``path``."""
    try:
        check_checkpoint_file(path)
    except (OSError, RuntimeError):
        return False
    return True


def convert_trusted_checkpoint(src: str, dst: str) -> None:
    """The escape hatch for a checkpoint you trust that the safe loader
    refuses (e.g. numpy object arrays in its meta): load it once with
    ``weights_only=False`` (**this runs any code in the file**), turn numpy
    arrays and scalars into plain lists and numbers, save it to ``dst``.

    Args:
        src (str): The trusted file.
        dst (str): Where the plain-data copy goes (not ``src``).
    """
    if osp.abspath(src) == osp.abspath(dst):
        raise ValueError('Write the converted checkpoint to another path.')

    def plain(obj):
        if isinstance(obj, np.ndarray):
            return obj.tolist()
        if isinstance(obj, np.generic):
            return obj.item()
        if isinstance(obj, dict):  # OrderedDict state dicts stay ordered
            return type(obj)((k, plain(v)) for k, v in obj.items()) \
                if type(obj) in (dict, OrderedDict) else {
                    k: plain(v) for k, v in obj.items()}
        if type(obj) in (list, tuple):
            return type(obj)(plain(v) for v in obj)
        return obj

    ckpt = torch.load(src, map_location='cpu', weights_only=False)
    torch.save(plain(ckpt), dst)


def resume_checkpoint(work_dir: str) -> Tuple[Optional[str], Optional[str]]:
    """The checkpoint ``--resume`` (auto) should continue from.

    The latest one (``work_dir/last_checkpoint``, as mmengine) when it is
    intact; otherwise the newest intact ``epoch_*.pth`` / ``iter_*.pth``,
    with a warning text.

    Args:
        work_dir (str): The run's work directory.

    Returns:
        tuple[str | None, str | None]: ``(checkpoint, warning)``; the
        checkpoint is None when the run has none yet.

    Raises:
        RuntimeError: Checkpoints exist but none is intact.
    """
    record = osp.join(work_dir, 'last_checkpoint')
    latest = None
    if osp.isfile(record):
        with open(record) as f:
            latest = f.read().strip() or None
    found = []
    if osp.isdir(work_dir):
        for name in os.listdir(work_dir):
            m = re.fullmatch(r'(epoch|iter)_(\d+)\.pth', name)
            if m:
                found.append((int(m.group(2)), osp.join(work_dir, name)))
    if latest is None and not found:
        return None, None
    if latest is not None and is_intact_checkpoint(latest):
        return latest, None
    for _, path in sorted(found, reverse=True):
        if is_intact_checkpoint(path):
            return path, (f'The latest checkpoint {latest} is missing or '
                          f'damaged; resuming from {path}, the newest '
                          'intact one.')
    raise RuntimeError(
        f'No intact checkpoint in {work_dir} (latest: {latest}): resume '
        'from a copy with --resume PATH, or start afresh in another '
        '--work-dir.')


__all__ = [
    'check_checkpoint_file', 'is_intact_checkpoint',
    'convert_trusted_checkpoint', 'resume_checkpoint'
]
