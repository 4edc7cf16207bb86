# Copyright (c) gala-mm contributors. All rights reserved.
"""Crafted checkpoint files: one clear error each, never a crash.

Every load runs in a fresh interpreter that imports gala_mm, so a forged
pointer that crashes it shows up as a negative exit code, not as a crash of
the test run."""
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch

from gala_mm.compat import (check_checkpoint_file, convert_trusted_checkpoint,
                            load_checkpoint_file)

# End-to-end (subprocesses, training, several processes).
pytestmark = pytest.mark.slow

try:  # numpy >= 2
    from numpy._core.multiarray import _reconstruct, scalar
except ImportError:  # pragma: no cover
    from numpy.core.multiarray import _reconstruct, scalar

# The plugin's one load path: integrity check, then mmengine's
# CheckpointLoader with the scoped allow-list.
LOAD = ('import sys, gala_mm\n'
        'from gala_mm.compat import load_checkpoint_file\n'
        'ckpt = load_checkpoint_file(sys.argv[1])\n'
        'print("LOADED", repr(ckpt)[:200])\n')


def load_in_subprocess(path):
    proc = subprocess.run([sys.executable, '-c', LOAD, str(path)],
                          capture_output=True, text=True, timeout=120)
    return proc.returncode, proc.stdout + proc.stderr


class ForgedObjectArray:
    """An object array whose 'pointers' are raw bytes 0x41414141..."""

    def __reduce__(self):
        return (_reconstruct, (np.ndarray, (0, ), b'b'),
                (1, (2, ), np.dtype('O'), False, b'\x41' * 16))


class ForgedObjectScalar:

    def __reduce__(self):
        return (scalar, (np.dtype('O'), b'\x41' * 8))


class DirectNdarrayCall:
    """numpy.ndarray(shape, 'O', buffer=raw bytes): also an object array."""

    def __reduce__(self):
        return (np.ndarray, ((2, ), 'O', b'\x41' * 16))


class CodeRunner:

    def __reduce__(self):
        return (os.system, ('echo pwned',))


def meta_with(obj):
    return dict(state_dict=dict(w=torch.ones(2)),
                meta=dict(dataset_meta=dict(class_counts=obj)))


@pytest.mark.parametrize('payload,where', [
    (ForgedObjectArray(), 'class_counts'),
    (ForgedObjectArray(), 'unused'),
    (ForgedObjectScalar(), 'class_counts'),
    (DirectNdarrayCall(), 'class_counts'),
    (CodeRunner(), 'class_counts'),
])
def test_crafted_pickles_refused_without_crash(tmp_path, payload, where):
    ckpt = meta_with([1, 2])
    if where == 'unused':
        ckpt['meta']['anything'] = payload
    else:
        ckpt['meta']['dataset_meta']['class_counts'] = payload
    path = tmp_path / 'crafted.pth'
    torch.save(ckpt, path)
    code, out = load_in_subprocess(path)
    assert code == 1, f'exit {code}: {out[-2000:]}'  # < 0 would be a crash
    assert 'UnpicklingError' in out
    assert 'LOADED' not in out and 'pwned' not in out


def test_dtype_state_with_object_flags_refused(tmp_path):
    """A float64 dtype whose pickled state claims object flags."""

    class FlaggedDtypeArray:

        def __reduce__(self):
            dt = np.dtype('f8')
            return (_reconstruct, (np.ndarray, (0, ), b'b'),
                    (1, (1, ), dt, False, b'\x41' * 8))

    data = pickle.dumps(meta_with(FlaggedDtypeArray()), protocol=2)
    # the dtype's state tuple ends with its flags (0): claim 'has objects'
    assert data.count(b'J\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t') == 1
    data = data.replace(b'J\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t',
                        b'J\xff\xff\xff\xffJ\xff\xff\xff\xffK?t')
    path = tmp_path / 'flags.pth'
    buf_path = tmp_path / 'plain.pth'
    torch.save(meta_with([1]), buf_path)
    # a torch zip archive with the crafted pickle as its data.pkl
    import zipfile
    with zipfile.ZipFile(buf_path) as src, zipfile.ZipFile(
            path, 'w', zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename.endswith('data.pkl'):
                content = data
            dst.writestr(info, content)
    code, out = load_in_subprocess(path)
    assert code == 1, f'exit {code}: {out[-2000:]}'
    assert 'LOADED' not in out


def test_plain_numpy_and_mmengine_state_still_load(tmp_path):
    from mmengine.logging import MessageHub
    hub = MessageHub.get_instance('crafted_ok')
    hub.update_scalar('train/loss', 2.0)
    path = tmp_path / 'ok.pth'
    torch.save(dict(message_hub=hub.state_dict(),
                    meta=dict(seed=np.int64(3), a=np.arange(4.0),
                              b=np.array([[1, 2]], dtype=np.int32),
                              c=np.bool_(True), z=np.complex64(1j))), path)
    code, out = load_in_subprocess(path)
    assert code == 0 and 'LOADED' in out, out[-2000:]
    ckpt = load_checkpoint_file(str(path))
    assert ckpt['meta']['a'].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert ckpt['meta']['seed'] == 3
    # re-saved as plain numpy (loadable without gala_mm's stand-ins' names)
    torch.save(ckpt, tmp_path / 'again.pth')
    assert b'SafeNdarray' not in (tmp_path / 'again.pth').read_bytes()


def test_truncated_bitflipped_and_legacy_files(tmp_path):
    ok = tmp_path / 'ok.pth'
    torch.save(dict(state_dict=dict(w=torch.arange(4096.0))), ok)
    raw = ok.read_bytes()
    (tmp_path / 'cut.pth').write_bytes(raw[:len(raw) // 2])
    with pytest.raises(RuntimeError, match='corrupt or truncated'):
        check_checkpoint_file(str(tmp_path / 'cut.pth'))
    # flip one bit inside the tensor's data record
    at = raw.index(np.float32(1000.0).tobytes())
    flipped = bytearray(raw)
    flipped[at] ^= 0x01
    (tmp_path / 'flip.pth').write_bytes(bytes(flipped))
    with pytest.raises(RuntimeError, match='fails its CRC check'):
        check_checkpoint_file(str(tmp_path / 'flip.pth'))
    code, out = load_in_subprocess(tmp_path / 'flip.pth')
    assert code == 1 and 'CRC' in out
    legacy = tmp_path / 'legacy.pth'
    torch.save(dict(w=torch.ones(2)), legacy,
               _use_new_zipfile_serialization=False)
    check_checkpoint_file(str(legacy))  # valid, just old
    loaded = load_checkpoint_file(str(legacy))
    assert torch.equal(loaded['w'], torch.ones(2))


def test_trusted_escape_hatch(tmp_path):
    src, dst = tmp_path / 'trusted.pth', tmp_path / 'plain.pth'
    torch.save(meta_with(np.array([5, 3, 1], dtype=object)), src)
    with pytest.raises(pickle.UnpicklingError):
        load_checkpoint_file(str(src))
    convert_trusted_checkpoint(str(src), str(dst))
    meta = load_checkpoint_file(str(dst))['meta']
    assert meta['dataset_meta']['class_counts'] == [5, 3, 1]
