# Copyright (c) gala-mm contributors. All rights reserved.
"""Load mmengine 0.10.x checkpoints on torch >= 2.6, safely and in scope.

torch 2.6 made ``torch.load`` weights-only. mmengine 0.10.7 calls
``torch.load(filename, map_location=...)``, and the checkpoints its Runner
writes hold more than tensors (``HistoryBuffer`` objects with numpy arrays,
numpy scalars in the meta), so ``--resume``, ``load_from`` and
``tools/test.py <ckpt>`` fail with ``UnpicklingError``.

Trust decision: torch's safe unpickler stays; only what mmengine writes is
allowed: ``HistoryBuffer``, numpy arrays / scalars through checked
stand-ins for plain numeric dtypes (numpy's own reconstructors would let a
file forge pointers in an object array), and ``builtins.getattr`` mapped
to :func:`history_buffer_getattr` (``HistoryBuffer`` pickles its statistic
methods that way), which resolves those methods only. Other classes keep
failing with torch's message (a trusted file: ``convert_trusted_checkpoint``).

Scope: the allow-list is active only while a checkpoint loads through
mmengine's ``CheckpointLoader`` (``Runner.resume``, ``load_from``,
``load_checkpoint``, mmpretrain's ``init_model`` / ``get_model``; every
registered scheme is wrapped by :func:`register_checkpoint_loaders`) or
:func:`load_checkpoint_file`. A ``torch.load`` elsewhere in the process sees
torch's allow-list unchanged (torch's ``safe_globals`` context is
process-wide while it lasts, so scoped loads take turns across threads).
Arrays come back as plain ``numpy.ndarray``. (Longer than 250 lines: the
trust decision, its checked stand-ins and its scope are one idea.)
"""
import functools
import pickle
import threading
from contextlib import nullcontext
from typing import Callable, List

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader

from .checkpoint_files import check_checkpoint_file

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
    """An ``ndarray`` whose unpickling state is checked first (a plain
    numeric dtype, exactly ``prod(shape) * itemsize`` raw bytes); turned
    into a plain ``ndarray`` by :func:`plain_arrays` after loading."""

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
    return [HistoryBuffer, (history_buffer_getattr, 'builtins.getattr')
            ] + _numpy_globals()


def safe_globals_scope():
    """A context in which ``torch.load(weights_only=True)`` accepts
    :func:`mmengine_safe_globals` (a no-op context on torch < 2.5, whose
    ``torch.load`` was not weights-only by default)."""
    scope = getattr(torch.serialization, 'safe_globals', None)
    return nullcontext() if scope is None else scope(mmengine_safe_globals())


def plain_arrays(obj: object) -> object:
    """``obj`` with every :class:`SafeNdarray` in it (nested in dicts,
    lists, tuples and ``HistoryBuffer`` objects) turned into a plain
    ``numpy.ndarray`` view (no copy)."""
    if isinstance(obj, SafeNdarray):
        return obj.view(np.ndarray)
    if isinstance(obj, dict):
        for key, value in obj.items():
            obj[key] = plain_arrays(value)
    elif isinstance(obj, list):
        obj[:] = [plain_arrays(v) for v in obj]
    elif type(obj) is tuple:
        return tuple(plain_arrays(v) for v in obj)
    elif isinstance(obj, HistoryBuffer):
        plain_arrays(vars(obj))
    return obj


#: Scoped loads of all threads take turns (re-entrant).
_SCOPE_LOCK = threading.RLock()


def scoped_loader(loader: Callable) -> Callable:
    """A ``CheckpointLoader`` scheme that loads inside
    :func:`safe_globals_scope` and returns plain arrays."""
    if getattr(loader, 'gala_mm_scoped', False):
        return loader

    @functools.wraps(loader)
    def load(*args, **kwargs):
        # torch's safe_globals is one process-wide list: loads take turns
        with _SCOPE_LOCK, safe_globals_scope():
            return plain_arrays(loader(*args, **kwargs))

    load.gala_mm_scoped = True
    return load


def register_checkpoint_loaders() -> None:
    """Scope the allow-list to mmengine's checkpoint loading: every scheme
    registered in ``CheckpointLoader`` (local files, http, s3...) is
    re-registered as :func:`scoped_loader` of itself. Idempotent."""
    # mmengine keeps the schemes in a class attribute; re-registering with
    # its public register_scheme(force=True) keeps their order.
    for prefix, loader in list(CheckpointLoader._schemes.items()):
        CheckpointLoader.register_scheme(prefix, scoped_loader(loader),
                                         force=True)


def load_checkpoint_file(filename: str, map_location: str = 'cpu') -> dict:
    """The one way the plugin reads a checkpoint: integrity check first
    (:func:`check_checkpoint_file`), then mmengine's ``CheckpointLoader``
    (any scheme: local path, URL...) with the scoped allow-list.

    Args:
        filename (str): Path or URL.
        map_location (str): As ``torch.load``. Defaults to ``'cpu'``.

    Returns:
        dict: The checkpoint, numpy arrays as plain ``ndarray``.
    """
    check_checkpoint_file(filename)
    return CheckpointLoader.load_checkpoint(filename, map_location,
                                            logger='silent')


__all__ = [
    'mmengine_safe_globals', 'safe_globals_scope', 'plain_arrays',
    'register_checkpoint_loaders', 'load_checkpoint_file'
]
