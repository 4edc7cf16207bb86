# Copyright (c) gala-mm contributors. All rights reserved.
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

from gala_mm.compat import load_checkpoint_file
from gala_mm.compat.safe_loading import history_buffer_getattr


def round_trip(obj, tmp_path):
    """Saved, then loaded the way the plugin and mmengine load (through
    mmengine's CheckpointLoader, torch's weights-only unpickler)."""
    path = tmp_path / 'round_trip.pth'
    torch.save(obj, path)
    return load_checkpoint_file(str(path))


def test_message_hub_and_numpy_load_weights_only(tmp_path):
    hub = MessageHub.get_instance('gala_test')
    hub.update_scalar('train/loss', 1.5)
    obj = dict(message_hub=hub.state_dict(), meta=dict(
        seed=np.int64(3), arr=np.arange(3, dtype=np.float32)))
    out = round_trip(obj, tmp_path)
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
        load_checkpoint_file(str(path))


def test_loaded_arrays_are_plain_numpy(tmp_path):
    import json
    arrays = round_trip({'a': np.arange(4.0), 'b': np.ones((2, 3))}, tmp_path)
    a, b = arrays['a'], arrays['b']
    assert type(a) is np.ndarray and type(b) is np.ndarray
    assert type(a.reshape(2, 2)) is np.ndarray and hash(a.tobytes())
    assert json.dumps(a.sum()) == '6.0' and hash(a.sum()) == hash(6.0)
    for value in (a + 1, a[1:], b[0], np.sqrt(a), a * b[0, :1]):
        assert type(value) is np.ndarray, type(value)
    assert type(a.mean()) is np.float64 and {a[1]: 1}[1.0] == 1


def test_history_buffers_arrays_are_plain_after_loading(tmp_path):
    hub = MessageHub.get_instance('gala_plain')
    hub.update_scalar('train/loss', 0.5)
    out = round_trip(dict(message_hub=hub.state_dict()), tmp_path)
    buf = out['message_hub']['log_scalars']['train/loss']
    assert type(buf._log_history) is np.ndarray


#: Run in a fresh interpreter: what mmpretrain itself sets at import is
#: taken first, then ``import gala_mm`` must change none of it.
IMPORT_LEAVES_PROCESS_AS_IT_WAS = r"""
import sys, pickle, warnings
import matplotlib, torch, numpy as np
import mmengine.runner, mmpretrain.apis, mmpretrain.models  # noqa
from mmengine.logging import MessageHub
path = sys.argv[1]
hub = MessageHub.get_instance('probe')
hub.update_scalar('train/loss', 1.0)
torch.save(dict(message_hub=hub.state_dict(), meta=dict(a=np.arange(3))),
           path)

def plain_load():
    try:
        torch.load(path, weights_only=True)
        return 'loaded'
    except pickle.UnpicklingError as e:
        return 'refused'

before = (list(warnings.filters), matplotlib.get_backend(),
          set(torch.serialization.get_safe_globals()), plain_load())
import gala_mm  # noqa
after = (list(warnings.filters), matplotlib.get_backend(),
         set(torch.serialization.get_safe_globals()), plain_load())
assert before == after, (before, after)
assert before[3] == 'refused'
# mmengine's own loading path accepts it, and leaves nothing behind
ckpt = mmengine.runner.CheckpointLoader.load_checkpoint(path, 'cpu')
assert type(ckpt['meta']['a']) is np.ndarray
assert set(torch.serialization.get_safe_globals()) == before[2]
assert plain_load() == 'refused'
print('UNCHANGED')
"""


def test_import_changes_nothing_outside_the_plugin(tmp_path):
    """``import gala_mm`` leaves ``torch.load(weights_only=True)``, the
    warning filters and matplotlib's backend of the process as they were;
    only mmengine's checkpoint loading gains the scoped allow-list."""
    proc = subprocess.run(
        [sys.executable, '-c', IMPORT_LEAVES_PROCESS_AS_IT_WAS,
         str(tmp_path / 'probe.pth')], capture_output=True, text=True,
        timeout=300)
    assert proc.returncode == 0 and 'UNCHANGED' in proc.stdout, \
        proc.stdout[-2000:] + proc.stderr[-3000:]


def test_scoped_loads_in_parallel_threads(tmp_path):
    """Two threads loading mmengine checkpoints at once (run_grid.py's
    parallel jobs): torch's safe_globals scope is process-wide, so one
    thread's scope ending must not cut the other's load short."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np
    from mmengine.logging import HistoryBuffer

    from gala_mm.compat import load_checkpoint_file
    path = tmp_path / 'ckpt.pth'
    buffer = HistoryBuffer()
    buffer.update(1.0)
    torch.save(dict(meta=dict(hub=buffer, arr=np.arange(3)),
                    state_dict={f'w{i}': torch.zeros(64, 64)
                                for i in range(50)}), path)

    def load(_):
        return load_checkpoint_file(str(path))['meta']['arr'].sum()

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(load, range(40))) == [3] * 40
