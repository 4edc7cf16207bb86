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
No arbitrary callable is allowed, so a malicious pickle still cannot run
code. We deliberately do **not** set ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD``
or ``weights_only=False`` globally. A checkpoint that needs other classes
(e.g. a full pickled model) keeps failing with torch's own message, which
names the class to allow; load such a file only if you trust its source.
"""
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


def mmengine_safe_globals() -> List[object]:
    """The classes mmengine's Runner stores in its checkpoints."""
    from mmengine.logging import HistoryBuffer
    return [HistoryBuffer] + _numpy_globals()


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
