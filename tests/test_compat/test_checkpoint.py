# Copyright (c) gala-mm contributors. All rights reserved.
import io
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

from gala_mm.compat.checkpoint import (check_checkpoint_file,
                                       history_buffer_getattr)


def round_trip(obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return torch.load(buf)  # torch >= 2.6 default: weights_only=True


def test_message_hub_and_numpy_load_weights_only():
    hub = MessageHub.get_instance('gala_test')
    hub.update_scalar('train/loss', 1.5)
    obj = dict(message_hub=hub.state_dict(), meta=dict(
        seed=np.int64(3), arr=np.arange(3, dtype=np.float32)))
    out = round_trip(obj)
    buf = out['message_hub']['log_scalars']['train/loss']
    assert isinstance(buf, HistoryBuffer) and buf.current() == 1.5
    assert out['meta']['arr'].tolist() == [0.0, 1.0, 2.0]


def test_restricted_getattr_refuses_anything_else():
    assert history_buffer_getattr(HistoryBuffer, 'mean') is HistoryBuffer.mean
    for obj, name in ((HistoryBuffer, '__init__'), (HistoryBuffer,
                                                    '__class__'),
                      (dict, 'get'), (pickle, 'loads')):
        with pytest.raises(pickle.UnpicklingError):
            history_buffer_getattr(obj, name)


def test_malicious_pickle_still_rejected(tmp_path):

    class Evil:

        def __reduce__(self):
            import os
            return (os.system, ('echo pwned',))

    path = tmp_path / 'evil.pth'
    torch.save({'x': Evil()}, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)


def test_check_checkpoint_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        check_checkpoint_file(str(tmp_path / 'none.pth'))
    (tmp_path / 'junk.pth').write_bytes(b'not a zip')
    with pytest.raises(RuntimeError, match='corrupt or truncated'):
        check_checkpoint_file(str(tmp_path / 'junk.pth'))
    torch.save({'a': 1}, tmp_path / 'ok.pth')
    check_checkpoint_file(str(tmp_path / 'ok.pth'))


def test_compressed_record_refused_before_anything_is_allocated(tmp_path):
    """A deflated record (torch never writes one) that inflates 1000x: one
    error from the central directory, without inflating it."""
    import resource
    import zipfile
    torch.save({'w': torch.zeros(4)}, tmp_path / 'ok.pth')
    bomb = tmp_path / 'bomb.pth'
    with zipfile.ZipFile(tmp_path / 'ok.pth') as src, zipfile.ZipFile(
            bomb, 'w') as dst:
        for info in src.infolist():
            data, kind = src.read(info), zipfile.ZIP_STORED
            if info.filename.endswith('/data/0'):
                data = bytes(200 * 2**20)  # 200 MB of zeros -> ~200 KB
                kind = zipfile.ZIP_DEFLATED
            dst.writestr(info.filename, data, kind)
    assert bomb.stat().st_size < 2**20
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(RuntimeError, match=r"compressed record '.*data/0' "
                       r'\(\d+ bytes inflating to 209715200\).*torch.save'):
        check_checkpoint_file(str(bomb))
    with pytest.raises(RuntimeError, match='compressed record'):
        check_checkpoint_file(str(bomb), verify_crc=False)
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 50 * 1024, grown_kb


def test_loaded_arrays_compute_plain_numpy_values():
    import json
    arrays = round_trip({'a': np.arange(4.0), 'b': np.ones((2, 3))})
    a, b = arrays['a'], arrays['b']
    assert isinstance(a, np.ndarray)
    assert json.dumps(a.sum()) == '6.0' and hash(a.sum()) == hash(6.0)
    for value in (a + 1, a[1:], b[0], np.sqrt(a), a * b[0, :1]):
        assert type(value) is np.ndarray, type(value)
    assert type(a.mean()) is np.float64 and {a[1]: 1}[1.0] == 1
