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
checkpoints (``HistoryBuffer`` and the numpy array/scalar reconstructors).
``HistoryBuffer`` pickles its statistic methods as ``getattr(HistoryBuffer,
'mean')``; allowing ``getattr`` itself would let a pickle reach any
attribute (and so run code), so the name ``builtins.getattr`` is mapped to
:func:`history_buffer_getattr`, which returns only those registered
statistic methods and refuses everything else. No arbitrary callable is
allowed, so a malicious pickle still cannot run code. We deliberately do **not** set ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD``
or ``weights_only=False`` globally. A checkpoint that needs other classes
(e.g. a full pickled model) keeps failing with torch's own message, which
names the class to allow; load such a file only if you trust its source.
"""
import os.path as osp
import pickle
import zipfile
from typing import List

import numpy as np
import torch


def _numpy_globals() -> List[object]:
    """Numpy objects needed to unpickle arrays, dtypes and scalars."""
    try:  # numpy >= 2
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import _reconstruct, scalar
    objs = [np.ndarray, np.dtype, _reconstruct, scalar]
    # numpy >= 1.25 pickles dtypes as instances of ``np.dtypes.*DType``.
    dtypes_mod = getattr(np, 'dtypes', None)
    if dtypes_mod is not None:
        objs.extend(
            getattr(dtypes_mod, name) for name in dir(dtypes_mod)
            if name.endswith('DType'))
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


def check_checkpoint_file(path: str) -> None:
    """Fail early, with the fix, on a missing, truncated or non-torch file.

    Cheap: reads only the zip directory at the end of the file (torch >= 1.6
    saves zip archives), so a partly written or truncated download is caught
    before a run starts, and nothing in the work directory is touched.

    Args:
        path (str): A local checkpoint path (URLs are left to mmengine).
    """
    if '://' in path:
        return
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'Checkpoint {path!r} does not exist: check the path, or use '
            '`--resume` without a path to pick the latest checkpoint of '
            'the work directory.')
    if not zipfile.is_zipfile(path):
        raise RuntimeError(
            f'Checkpoint {path!r} is corrupt or truncated (not a complete '
            'torch zip archive). Re-download it, or resume from an earlier '
            'checkpoint (the runner keeps the last ones in the work dir).')
