# Copyright (c) gala-mm contributors. All rights reserved.
"""Fashion-MNIST-LT: mmpretrain's FashionMNIST readers under the long-tail
preset, prepared offline by tools/dataset_converters/prepare_fashion_mnist.py.
"""
import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmpretrain.registry import DATASETS, MODELS, TRANSFORMS

from gala_mm.datasets import LongTailFashionMNIST
from ..conftest import REPO, run_tool, write_fashion_mnist

PREPARE = osp.join(REPO, 'tools/dataset_converters/prepare_fashion_mnist.py')
DEMO = osp.join(REPO, 'configs/gala/resnet32_fmnist_lt_demo.py')


def load_prepare():
    spec = importlib.util.spec_from_file_location('prepare', PREPARE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def prepared(tmp_path):
    src = write_fashion_mnist(str(tmp_path / 'gz'), 12, 3, compress=True)
    out = str(tmp_path / 'data')
    assert len(load_prepare().prepare(src, out)) == 4
    return out


def test_prepare_decompresses_and_is_idempotent(prepared, tmp_path):
    prepare = load_prepare()
    assert prepare.prepare(str(tmp_path / 'gz'), prepared) == []
    images = osp.join(prepared, 'train-images-idx3-ubyte')
    assert prepare.check_idx(images) == (120, 28, 28)
    with open(images, 'r+b') as f:  # a cut file is redone, not kept
        f.truncate(1000)
    with pytest.raises(ValueError, match='truncated'):
        prepare.check_idx(images)
    assert prepare.prepare(str(tmp_path / 'gz'), prepared) == [images]


def test_preset_reads_through_mmpretrain(prepared):
    train = LongTailFashionMNIST(data_root=prepared, imbalance_factor=5,
                                 max_per_class=10, download=False)
    assert train.metainfo['class_counts'] == [10, 8, 6, 5, 4, 4, 3, 2, 2, 2]
    assert np.bincount(train.get_gt_labels()).tolist() == \
        train.metainfo['class_counts']
    assert train.metainfo['classes'][0] == 'T-shirt/top'
    img = train.get_data_info(0)['img']
    assert img.shape == (28, 28) and img.dtype == np.uint8
    test = LongTailFashionMNIST(data_root=prepared, split='test',
                                imbalance_factor=5, max_per_class=10,
                                download=False)
    # the t10k files (mmpretrain's reader needs test_mode for them)
    assert len(test) == 30
    assert test.metainfo['class_counts'] == train.metainfo['class_counts']
    # tools that swap the pipeline (mmpretrain's browse_dataset.py) reach
    # the wrapped dataset's
    assert train.pipeline is train.dataset.pipeline
    train.pipeline = lambda results: dict(results, seen=True)
    assert train[0]['seen']
    assert train[0]['gt_label'] == train.get_gt_labels()[0]


def test_demo_pipeline_equals_the_padded_rgb_image(prepared):
    """The demo's pipeline on 28x28 grey, broadcast by the preprocessor,
    equals the CIFAR recipe on the image zero-padded to 32x32 and repeated
    over three channels: same pixels for the same random state."""
    cfg = Config.fromfile(DEMO)
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.update(data_root=prepared, max_per_class=10, val_per_class=2,
                  imbalance_factor=5)
    train = DATASETS.build(ds_cfg)
    pre = MODELS.build(dict(type='ClsDataPreprocessor',
                            **cfg.data_preprocessor))
    rgb_recipe = Compose([
        TRANSFORMS.build(t) for t in (
            dict(type='RandomCrop', crop_size=32, padding=4),
            dict(type='RandomFlip', prob=0.5, direction='horizontal'),
            dict(type='PackInputs'))
    ])

    def normalised(sample):
        return pre(dict(inputs=[sample['inputs']],
                        data_samples=[sample['data_samples']]))['inputs']

    for idx in range(6):
        np.random.seed(idx)
        ours = normalised(train[idx])
        grey = np.pad(train.get_data_info(idx)['img'], 2)
        np.random.seed(idx)
        ref = normalised(rgb_recipe(dict(img=np.repeat(grey[..., None], 3,
                                                       axis=2), gt_label=0)))
        assert ours.shape == (1, 3, 32, 32)
        assert torch.equal(ours, ref)
    cfg.test_dataloader.dataset.update(data_root=prepared, max_per_class=10,
                                       imbalance_factor=5)
    test = DATASETS.build(cfg.test_dataloader.dataset)
    centred = test[0]['inputs'][0]
    assert torch.equal(centred[2:30, 2:30],
                       torch.from_numpy(test.get_data_info(0)['img']))
    assert centred[:2].sum() == 0 and centred[:, 30:].sum() == 0


@pytest.mark.slow
def test_prepare_cli_missing_source(tmp_path):
    proc = run_tool([PREPARE, '--src', str(tmp_path / 'none'), '--out',
                     str(tmp_path / 'o')], check=False)
    assert proc.returncode == 1
    assert 'apt-get install -y dataset-fashion-mnist' in proc.stderr
    assert 'Traceback' not in proc.stderr


def test_offline_download_names_the_fix(tmp_path, monkeypatch):
    import urllib.error

    import mmpretrain.datasets.mnist as mm_mnist

    def offline(*args, **kwargs):
        raise urllib.error.URLError('[Errno -3] Temporary failure in name '
                                    'resolution')

    monkeypatch.setattr(mm_mnist, 'download_and_extract_archive', offline)
    with pytest.raises(RuntimeError,
                       match='download=False.*prepare_fashion_mnist'):
        LongTailFashionMNIST(data_root=str(tmp_path), download=True)


def test_center_pad():
    from gala_mm.datasets import CenterPad
    img = np.arange(28 * 27, dtype=np.uint8).reshape(28, 27)
    out = CenterPad(32)(dict(img=img))
    assert out['img'].shape == (32, 32) and out['img_shape'] == (32, 32)
    assert np.array_equal(out['img'][2:30, 2:29], img)  # odd: extra right
    assert out['img'][:2].sum() == out['img'][:, 29:].sum() == 0
    big = np.ones((40, 32, 3), np.uint8)
    assert CenterPad((32, 32))(dict(img=big))['img'] is big
    with pytest.raises(ValueError, match='CenterPad'):
        CenterPad((0, 32))
