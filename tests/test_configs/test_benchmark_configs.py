# Copyright (c) gala-mm contributors. All rights reserved.
"""configs/benchmarks/cifar100lt/: each method is the published config's
recipe (configs/gala, configs/baselines) on the comparison's split."""
import os.path as osp

import pytest
from mmengine.config import Config
from mmpretrain.datasets import CIFAR10
from mmpretrain.registry import DATASETS

from ..conftest import REPO, write_cifar100

BENCH = osp.join(REPO, 'configs/benchmarks/cifar100lt')
#: benchmark config -> the published config it runs
RECIPES = {
    'ce.py': 'baselines/resnet32_cifar100lt_ce.py',
    'bs.py': 'baselines/resnet32_cifar100lt_bs.py',
    'ldam_drw.py': 'baselines/resnet32_cifar100lt_ldam_drw.py',
    'gcl.py': 'baselines/resnet32_cifar100lt_gcl.py',
    'gcl_stage2.py': 'baselines/resnet32_cifar100lt_gcl_stage2.py',
    'gala.py': 'gala/resnet32_cifar100lt.py',
}


def without_checkpoint(model: dict) -> dict:
    model = model.to_dict()
    model.get('init_cfg', {}).pop('checkpoint', None)
    return model


@pytest.mark.parametrize('name', RECIPES)
def test_benchmark_config_is_the_published_recipe(name):
    cfg = Config.fromfile(osp.join(BENCH, name))
    pub = Config.fromfile(osp.join(REPO, 'configs', RECIPES[name]))
    assert without_checkpoint(cfg.model) == without_checkpoint(pub.model)
    for key in ('optim_wrapper', 'param_scheduler', 'custom_hooks',
                'randomness'):
        assert cfg[key] == pub[key], key
    assert cfg.train_cfg.max_epochs == pub.train_cfg.max_epochs
    train, pub_train = cfg.train_dataloader, pub.train_dataloader
    assert train.sampler == pub_train.sampler
    assert train.batch_size == pub_train.batch_size
    assert train.dataset.pipeline == pub_train.dataset.pipeline
    # the comparison's protocol: no evaluation while training, the
    # held-out split for validation, the post-hoc grids, its rows
    assert cfg.train_cfg.val_interval > cfg.train_cfg.max_epochs
    assert cfg.val_dataloader.dataset.split == 'val'
    assert cfg.test_dataloader.dataset.split == 'test'
    lt = cfg.test_evaluator[1]
    assert len(lt.prs_taus) == len(lt.la_taus) == 32
    assert cfg.comparison_rows and all(
        v in ('raw', 'prs', 'la') for v in cfg.comparison_rows.values())


def test_benchmark_splits_on_cifar100(tmp_path, monkeypatch):
    """The three splits of one seed: the long-tailed training split
    (480 -> 4 per class), 20 held-out images per class, the test split;
    training and validation images never overlap."""
    monkeypatch.setattr(CIFAR10, '_check_integrity', lambda self: True)
    root = write_cifar100(str(tmp_path / 'cifar100'), 500, 2)
    cfg = Config.fromfile(osp.join(BENCH, 'gala.py'))
    splits = {}
    for split in ('train', 'val', 'test'):
        ds_cfg = cfg[f'{split}_dataloader'].dataset.to_dict()
        ds_cfg.update(data_root=root, download=False, seed=3, pipeline=[])
        splits[split] = DATASETS.build(ds_cfg)
    counts = splits['train'].metainfo['class_counts']
    assert (counts[0], counts[-1]) == (480, 4)
    assert len(splits['train']) == sum(counts)
    assert len(splits['val']) == 2000
    assert len(splits['test']) == 200
    assert splits['val'].metainfo['class_counts'] == counts
    assert not (set(splits['train'].indices) & set(splits['val'].indices))
