# Copyright (c) gala-mm contributors. All rights reserved.
import numpy as np
import pytest
from mmpretrain.registry import DATASETS

from gala_mm.datasets import (LongTailCIFAR10, LongTailCIFAR100,
                              exponential_profile)
from ..conftest import skip_cifar_md5, write_cifar10, write_cifar100


@pytest.mark.parametrize('num_classes,n_max,factor,total', [
    (100, 500, 100, 10847), (100, 500, 10, 19573), (100, 500, 50, 12608),
    (100, 500, 200, 9502), (10, 5000, 100, 12406), (10, 5000, 10, 20431)
])
def test_profile_totals(num_classes, n_max, factor, total):
    counts = exponential_profile(n_max, num_classes, factor)
    assert sum(counts) == total
    assert counts[0] == n_max and counts == sorted(counts, reverse=True)
    assert counts[-1] == int(n_max / factor)


@pytest.fixture(autouse=True)
def _synthetic_cifar(monkeypatch):
    skip_cifar_md5(monkeypatch)


@pytest.fixture(scope='module')
def full_size_cifar100(tmp_path_factory):
    # the real number of images (500 per class); zero pixels keep it cheap
    return write_cifar100(str(tmp_path_factory.mktemp('c100')), 500, 2)


@pytest.mark.parametrize('factor,total', [(100, 10847), (10, 19573),
                                          (50, 12608), (200, 9502)])
def test_cifar100_lt_split_sizes(full_size_cifar100, factor, total):
    ds = LongTailCIFAR100(
        data_root=full_size_cifar100, imbalance_factor=factor,
        download=False)
    assert len(ds) == total
    labels = ds.get_gt_labels()
    assert np.bincount(labels, minlength=100).tolist() == \
        ds.metainfo['class_counts']
    test = LongTailCIFAR100(
        data_root=full_size_cifar100, split='test', imbalance_factor=factor,
        download=False)
    assert len(test) == 200  # test split stays balanced
    assert test.metainfo['class_counts'] == ds.metainfo['class_counts']


def test_cifar10_lt_size_and_seed(tmp_path):
    root = write_cifar10(str(tmp_path), 5000, 1, zeros=True)
    kw = dict(data_root=root, download=False)
    ds = DATASETS.build(dict(type='LongTailCIFAR10', **kw))
    assert len(ds) == 12406
    # same seed -> same images; another seed -> other images, same counts
    again = LongTailCIFAR10(**kw)
    other = LongTailCIFAR10(seed=1, **kw)
    assert len(again) == len(other) == 12406
    assert ds.metainfo['class_counts'] == other.metainfo['class_counts']
    # selection differs between seeds: compare the kept index sets
    from gala_mm.datasets import sample_per_class
    labels = np.repeat(np.arange(10), 5000)
    counts = ds.metainfo['class_counts']
    a = sample_per_class(labels, counts, 0)
    assert np.array_equal(a, sample_per_class(labels, counts, 0))
    assert not np.array_equal(a, sample_per_class(labels, counts, 1))


@pytest.mark.parametrize('factor', [1, 0.5, -3, 'abc', float('nan')])
def test_bad_imbalance_factor(tmp_path, factor):
    with pytest.raises(ValueError, match='imbalance_factor'):
        LongTailCIFAR10(data_root=str(tmp_path), imbalance_factor=factor,
                        download=False)


@pytest.mark.parametrize('kwargs,match', [
    (dict(val_per_class=-2), r'val_per_class=-2 must be a whole number >= 0'),
    (dict(val_per_class=2.5), r'val_per_class=2.5 must be a whole number'),
    (dict(max_per_class=-5), r'max_per_class=-5 must be a whole number >= 1 '
     'or None'),
    (dict(max_per_class=0), r'max_per_class=0 must'),
    (dict(seed=-1), r'seed=-1 must be a whole number >= 0'),
    (dict(seed=2**32 - 1), r'seed=4294967295 is out of range: .* 0 \.\. '
     r'4294959376'),
    (dict(seed=True), r'seed=True must be a whole number'),
])
def test_bad_split_arguments_name_the_rule(tmp_path, kwargs, match):
    """Refused before any data is read (no raw numpy error, no hold-out of
    all but two images)."""
    with pytest.raises(ValueError, match=match):
        LongTailCIFAR10(data_root=str(tmp_path), download=False, **kwargs)


def test_largest_seed_works():
    from gala_mm.datasets.long_tail import MAX_SEED, hold_out_per_class
    labels = np.repeat(np.arange(3), 5)
    held, pool = hold_out_per_class(labels, 1, MAX_SEED)
    assert len(held) == 3 and len(pool) == 12


def test_one_class_is_refused():
    with pytest.raises(ValueError, match='at least 2 classes; the dataset '
                       'has 1'):
        exponential_profile(50, 1, 10)


def test_imbalance_factor_that_empties_classes(tmp_path):
    with pytest.raises(ValueError, match='no image'):
        exponential_profile(50, 10, 100)


def test_missing_data_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.undo()  # mmpretrain's own integrity check
    with pytest.raises(RuntimeError, match='download=True'):
        LongTailCIFAR10(data_root=str(tmp_path / 'nothing'), download=False)


def test_not_enough_images_for_profile(tmp_path):
    root = write_cifar10(str(tmp_path), 30, 1, zeros=True)
    with pytest.raises(ValueError, match='not the full balanced'):
        LongTailCIFAR10(data_root=root, max_per_class=60, imbalance_factor=10,
                        download=False)


def test_validation_split_is_held_out_and_balanced(tmp_path):
    root = write_cifar10(str(tmp_path), 70, 1)
    kw = dict(data_root=root, imbalance_factor=10, max_per_class=60,
              val_per_class=10, download=False)
    train = LongTailCIFAR10(**kw)
    val = LongTailCIFAR10(split='val', **kw)
    assert np.bincount(val.get_gt_labels()).tolist() == [10] * 10
    assert np.bincount(train.get_gt_labels()).tolist() == \
        train.metainfo['class_counts']
    key = lambda ds: {ds.get_data_info(i)['img'].tobytes()  # noqa: E731
                      for i in range(len(ds))}
    assert not key(train) & key(val)  # disjoint
    assert key(val) == key(LongTailCIFAR10(split='val', **kw))  # seeded
    with pytest.raises(ValueError, match='val_per_class > 0'):
        LongTailCIFAR10(split='val', **dict(kw, val_per_class=0))
    with pytest.raises(ValueError, match="split='nope'"):
        LongTailCIFAR10(split='nope', **kw)


def test_download_without_internet_names_the_fix(tmp_path, monkeypatch):
    import urllib.error

    import mmpretrain.datasets.cifar as mm_cifar

    def offline(*args, **kwargs):
        raise urllib.error.URLError('[Errno -3] Temporary failure in name '
                                    'resolution')

    monkeypatch.undo()  # no files: mmpretrain tries to download
    monkeypatch.setattr(mm_cifar, 'download_and_extract_archive', offline)
    with pytest.raises(RuntimeError, match=r"downloading CIFAR100 into .* "
                       r"failed .*download=False.*data_root=DIR"):
        LongTailCIFAR100(data_root=str(tmp_path), imbalance_factor=100,
                         download=True)


def test_presets_are_the_wrapper_over_mmpretrain_datasets(tmp_path):
    """LongTailCIFAR10 == LongTailDataset over mmpretrain's CIFAR10."""
    from gala_mm.datasets import LongTailDataset

    root = write_cifar10(str(tmp_path), 60, 5, zeros=False)
    for seed, val in ((0, 0), (3, 10)):
        preset = LongTailCIFAR10(data_root=root, imbalance_factor=10,
                                 seed=seed, max_per_class=60 - val,
                                 val_per_class=val, download=False)
        wrapped = LongTailDataset(
            dataset=dict(type='CIFAR10', data_root=root, split='train',
                         download=False),
            imbalance_factor=10, seed=seed, val_per_class=val)
        assert isinstance(preset, LongTailDataset)
        assert wrapped.class_counts == preset.class_counts
        a = [preset.get_data_info(i)['img'].tobytes()
             for i in range(len(preset))]
        b = [wrapped.get_data_info(i)['img'].tobytes()
             for i in range(len(wrapped))]
        assert a == b
    assert wrapped[0]['gt_label'] == wrapped.get_gt_labels()[0]
    with pytest.raises(ValueError, match="split='test' needs max_per_class"):
        LongTailDataset(dataset=dict(type='CIFAR10', data_root=root,
                                     split='test', download=False),
                        split='test')


def test_unknown_argument_names_the_valid_ones(tmp_path):
    root = write_cifar10(str(tmp_path), 60, 5, zeros=True)
    with pytest.raises(TypeError, match="'pipelin': did you mean 'pipeline'"):
        LongTailCIFAR10(data_root=root, pipelin=[], download=False)
    with pytest.raises(TypeError, match="unknown argument 'verify_md5'"):
        LongTailCIFAR10(data_root=root, verify_md5=False, download=False)
