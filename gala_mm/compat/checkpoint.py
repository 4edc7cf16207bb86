# Copyright (c) gala-mm contributors. All rights reserved.
"""Load mmengine 0.10.x checkpoints on torch >= 2.6.

torch 2.6 switched ``torch.load`` to ``weights_only=True``. mmengine 0.10.7
calls ``torch.load(filename, map_location=...)`` without that argument, and
the checkpoints its Runner writes hold more than tensors: the message hub
(``HistoryBuffer`` objects with numpy arrays), numpy scalars in the
metainfo and the optimizer / scheduler states. ``--resume``, ``load_from``
and ``tools/test.py <ckpt>`` therefore fail with ``UnpicklingError``.

Trust decision: we keep torch's safe ``weights_only`` unpickler and only
allow-list the few extra *classes* that mmengine itself puts into its
checkpoints: ``HistoryBuffer``, and numpy arrays and scalars through
checked stand-ins that accept plain numeric dtypes only (numpy's own
reconstructors would let a file build an object array from raw bytes, i.e.
forge pointers, and crash the interpreter).
``HistoryBuffer`` pickles its statistic methods as ``getattr(HistoryBuffer,
'mean')``; allowing ``getattr`` itself would let a pickle reach any
attribute (and so run code), so the name ``builtins.getattr`` is mapped to
:func:`history_buffer_getattr`, which returns only those registered
statistic methods and refuses everything else. No arbitrary callable is
allowed, so a malicious pickle still cannot run code. We deliberately do
**not** set ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` or ``weights_only=False``
globally. A checkpoint that needs other classes
(e.g. a full pickled model) keeps failing with torch's own message, which
names the class to allow; load such a file only if you trust its source.
"""
import os
import os.path as osp
import pickle
import re
import zipfile
from collections import OrderedDict
from typing import List, Optional, Tuple

import numpy as np
import torch


# Plain numeric numpy data only: booleans, integers, floats, complex.
PLAIN_DTYPE_KINDS = frozenset('biufc')


def _checked_dtype(dtype: object) -> np.dtype:
    """The dtype if it is plain numeric (no objects, fields or sub-arrays);
    otherwise an ``UnpicklingError``: an object dtype filled from raw bytes
    would turn those bytes into pointers."""
    if (not isinstance(dtype, np.dtype) or dtype.hasobject
            or dtype.kind not in PLAIN_DTYPE_KINDS or dtype.fields
            or dtype.subdtype is not None):
        raise pickle.UnpicklingError(
            f'Refusing numpy dtype {dtype!r} in a checkpoint: only plain '
            'numeric arrays (bool, int, float, complex) are loaded. If you '
            'trust the file, convert it once with gala_mm.compat.'
            'convert_trusted_checkpoint(src, dst).')
    return dtype


def safe_numpy_dtype(obj: object, align: bool = False,
                     copy: bool = False) -> np.dtype:
    """``numpy.dtype`` for the unpickler: plain numeric dtypes only."""
    if not isinstance(obj, str):
        raise pickle.UnpicklingError(
            f'Refusing numpy dtype spec {obj!r} in a checkpoint.')
    return _checked_dtype(np.dtype(obj, bool(align), bool(copy)))


def safe_numpy_scalar(dtype: object, data: object = None) -> object:
    """numpy's scalar reconstructor for plain numeric dtypes only (an
    object scalar would read a pointer out of ``data``)."""
    dtype = _checked_dtype(dtype)
    if not isinstance(data, bytes) or len(data) != dtype.itemsize:
        raise pickle.UnpicklingError(
            f'Malformed numpy scalar of dtype {dtype} in a checkpoint.')
    return np.frombuffer(data, dtype=dtype)[0]


class _NdarrayName:
    """What the name ``numpy.ndarray`` resolves to while unpickling: an
    argument of :func:`safe_numpy_reconstruct`, never callable (calling the
    real class can build an object array from raw bytes)."""

    def __init__(self, *args, **kwargs) -> None:
        raise pickle.UnpicklingError(
            'Refusing to call numpy.ndarray from a checkpoint.')


class SafeNdarray(np.ndarray):
    """An ``ndarray`` whose unpickling state is checked first: a plain
    numeric dtype and exactly ``prod(shape) * itemsize`` raw bytes.

    Behaves as an ``ndarray``; pickles as a plain ``numpy.ndarray``.
    """

    def __new__(cls, *args, **kwargs):
        raise pickle.UnpicklingError(
            'Refusing to build arrays from a checkpoint except through '
            "numpy's own reconstructor.")

    def __setstate__(self, state) -> None:
        if not isinstance(state, tuple) or len(state) not in (4, 5):
            raise pickle.UnpicklingError('Malformed numpy array state.')
        shape, dtype, _, raw = state[-4:]
        dtype = _checked_dtype(dtype)
        if (not isinstance(shape, tuple) or not all(
                isinstance(d, int) and d >= 0 for d in shape)):
            raise pickle.UnpicklingError('Malformed numpy array shape.')
        if (not isinstance(raw, bytes)
                or len(raw) != int(np.prod(shape)) * dtype.itemsize):
            raise pickle.UnpicklingError(
                'Malformed numpy array data in a checkpoint.')
        super().__setstate__(state)

    def __reduce__(self):
        return np.asarray(self).view(np.ndarray).__reduce__()

    # What a user computes from a loaded array is a plain ndarray / numpy
    # scalar (json-serialisable, hashable), not this class.
    def __array_wrap__(self, array, context=None, return_scalar=False):
        array = np.asarray(array).view(np.ndarray)
        return array[()] if return_scalar else array

    def __getitem__(self, key):
        return np.asarray(self)[key]


def safe_numpy_reconstruct(cls: object, shape: object,
                           code: object) -> SafeNdarray:
    """``numpy..._reconstruct`` for the unpickler: only plain arrays, whose
    state :class:`SafeNdarray` checks before numpy sees it."""
    if cls not in (_NdarrayName, np.ndarray):
        raise pickle.UnpicklingError(
            f'Refusing to rebuild {cls!r} from a checkpoint.')
    return np.ndarray.__new__(SafeNdarray, (0, ), np.uint8)


def _numpy_globals() -> List[object]:
    """Checked stand-ins for the numpy names in mmengine's checkpoints
    (``HistoryBuffer`` arrays, numpy scalars in the meta)."""
    objs: List[object] = [(_NdarrayName, 'numpy.ndarray'),
                          (safe_numpy_dtype, 'numpy.dtype'), SafeNdarray]
    for mod in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        objs += [(safe_numpy_reconstruct, f'{mod}._reconstruct'),
                 (safe_numpy_scalar, f'{mod}.scalar')]
    # numpy >= 1.25: dtype instances are of ``np.dtypes.*DType`` classes,
    # which the unpickler must know to restore a dtype's state. Numeric
    # ones only (no ObjectDType, VoidDType, StrDType...).
    dtypes_mod = getattr(np, 'dtypes', None)
    if dtypes_mod is not None:
        for name in dir(dtypes_mod):
            cls = getattr(dtypes_mod, name)
            if name.endswith('DType') and isinstance(cls, type):
                try:
                    kind = np.dtype(cls.type).kind
                except (TypeError, AttributeError):
                    continue
                if kind in PLAIN_DTYPE_KINDS:
                    objs.append(cls)
    return objs


def history_buffer_getattr(obj: object, name: str) -> object:
    """A ``getattr`` that only resolves ``HistoryBuffer`` statistic methods.

    Args:
        obj (object): Must be the ``HistoryBuffer`` class.
        name (str): A registered statistic method (``mean``, ``max``...).

    Returns:
        object: ``getattr(HistoryBuffer, name)``.
    """
    from mmengine.logging import HistoryBuffer
    # The built-in four are registered lazily (on the first instance), so
    # they are allowed explicitly; custom ones once registered.
    allowed = {'min', 'max', 'current', 'mean'}
    allowed.update(HistoryBuffer._statistics_methods)
    if obj is HistoryBuffer and name in allowed:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'getattr({obj!r}, {name!r}) is not allowed in a checkpoint loaded '
        'with weights_only=True.')


def mmengine_safe_globals() -> List[object]:
    """The classes mmengine's Runner stores in its checkpoints."""
    from mmengine.logging import HistoryBuffer
    return [HistoryBuffer, (history_buffer_getattr, 'builtins.getattr')
            ] + _numpy_globals()


def register_checkpoint_safe_globals() -> bool:
    """Allow-list mmengine's checkpoint classes for ``torch.load``.

    Idempotent. Does nothing on torch versions without
    ``torch.serialization.add_safe_globals`` (< 2.4), where ``torch.load``
    was not weights-only by default anyway.

    Returns:
        bool: Whether the allow-list was (or already is) registered.
    """
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is None:
        return False
    add_safe_globals(mmengine_safe_globals())
    return True


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
