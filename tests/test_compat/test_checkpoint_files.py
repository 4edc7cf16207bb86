# Copyright (c) gala-mm contributors. All rights reserved.
import pytest
import torch

from gala_mm.compat import check_checkpoint_file


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
