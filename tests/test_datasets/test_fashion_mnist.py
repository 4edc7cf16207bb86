# Copyright (c) gala-mm contributors. All rights reserved.
import gzip
import os.path as osp
import pickle
import struct

import numpy as np
import pytest

from gala_mm.datasets import LongTailCIFAR10
from gala_mm.datasets.fashion_mnist import (FASHION_MNIST_CLASSES, IDX_FILES,
                                            convert_to_cifar, read_idx)
from ..conftest import REPO, run_tool


def write_idx(path, array):
    header = struct.pack('>HBB', 0, 0x08, array.ndim) + struct.pack(
        f'>{array.ndim}I', *array.shape)
    with gzip.open(path, 'wb') as f:
        f.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def tiny_idx(tmp_path):
    rng = np.random.RandomState(0)
    for split, per_class in (('train', 12), ('test', 3)):
        labels = np.repeat(np.arange(10), per_class)
        images = rng.randint(0, 256, (len(labels), 28, 28))
        write_idx(tmp_path / IDX_FILES[f'{split}_images'], images)
        write_idx(tmp_path / IDX_FILES[f'{split}_labels'], labels)
    return tmp_path


def test_read_idx_round_trip_and_errors(tmp_path):
    arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / 'a.gz', arr)
    assert np.array_equal(read_idx(str(tmp_path / 'a.gz')), arr)
    with gzip.open(tmp_path / 'b.gz', 'wb') as f:
        f.write(struct.pack('>HBB', 0, 0x08, 1) + struct.pack('>I', 10) +
                b'abc')
    with pytest.raises(ValueError, match='truncated'):
        read_idx(str(tmp_path / 'b.gz'))


def test_converter_writes_cifar_layout(tiny_idx, tmp_path):
    out = tmp_path / 'out'
    folder = convert_to_cifar(str(tiny_idx), str(out), per_class=10)
    with open(osp.join(folder, 'batches.meta'), 'rb') as f:
        assert pickle.load(f)['label_names'] == list(FASHION_MNIST_CLASSES)
    ds = LongTailCIFAR10(data_root=str(out), imbalance_factor=5,
                         max_per_class=10, verify_md5=False, download=False,
                         metainfo=dict(classes=FASHION_MNIST_CLASSES))
    assert ds.metainfo['class_counts'] == [10, 8, 6, 5, 4, 4, 3, 2, 2, 2]
    img = ds.get_data_info(0)['img']
    assert img.shape == (32, 32, 3) and img.dtype == np.uint8
    assert (img[:2] == 0).all()  # 2-pixel zero border around 28x28
    assert (img[..., 0] == img[..., 2]).all()  # grey in all channels
    test = LongTailCIFAR10(data_root=str(out), split='test',
                           imbalance_factor=5, max_per_class=10,
                           verify_md5=False, download=False)
    assert len(test) == 30


@pytest.mark.slow
def test_converter_cli_missing_source(tmp_path):
    proc = run_tool([osp.join(REPO, 'tools/dataset_converters/'
                              'fashion_mnist_to_cifar.py'),
                     '--src', str(tmp_path / 'none'), '--out',
                     str(tmp_path / 'o')], check=False)
    assert proc.returncode == 1
    assert 'apt-get install -y dataset-fashion-mnist' in proc.stderr
    assert 'Traceback' not in proc.stderr
