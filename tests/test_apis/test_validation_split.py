# Copyright (c) gala-mm contributors. All rights reserved.
from mmengine.config import Config

from gala_mm.apis import validation_dataloader


def test_validation_split_of_presets_and_of_the_wrapper():
    """The held-out split gets the test pipeline, flat or wrapped."""
    test_pipeline = [dict(type='CenterPad', size=32), dict(type='PackInputs')]
    train_pipeline = [dict(type='RandomFlip', prob=0.5)] + test_pipeline
    preset = Config(dict(
        train_dataloader=dict(dataset=dict(
            type='LongTailFashionMNIST', val_per_class=10,
            pipeline=train_pipeline)),
        test_dataloader=dict(dataset=dict(
            type='LongTailFashionMNIST', split='test',
            pipeline=test_pipeline))))
    val = validation_dataloader(preset).dataset
    assert val.split == 'val' and val.pipeline == test_pipeline
    wrapped = Config(dict(
        train_dataloader=dict(dataset=dict(
            type='LongTailDataset', val_per_class=10,
            dataset=dict(type='CustomDataset', pipeline=train_pipeline))),
        test_dataloader=dict(dataset=dict(type='CustomDataset',
                                          pipeline=test_pipeline))))
    val = validation_dataloader(wrapped).dataset
    assert val.split == 'val' and 'pipeline' not in val
    assert val.dataset.pipeline == test_pipeline
    assert preset.train_dataloader.dataset.pipeline == train_pipeline


def test_validation_split_under_several_wrappers():
    """Under RepeatDataset / ClassBalancedDataset the validation split is
    the long-tailed dataset's own (not repeated, not re-balanced), with the
    test pipeline on the dataset that holds the pipeline."""
    test_pipeline = [dict(type='PackInputs')]
    cfg = Config(dict(
        train_dataloader=dict(dataset=dict(
            type='RepeatDataset', times=2, dataset=dict(
                type='ClassBalancedDataset', oversample_thr=0.5,
                dataset=dict(type='LongTailDataset', val_per_class=5,
                             dataset=dict(type='CustomDataset', pipeline=[
                                 dict(type='RandomFlip')]))))),
        test_dataloader=dict(dataset=dict(type='CustomDataset',
                                          pipeline=test_pipeline))))
    val = validation_dataloader(cfg).dataset
    assert val.type == 'LongTailDataset' and val.split == 'val'
    assert val.dataset.pipeline == test_pipeline


def test_empty_validation_list_is_one_clear_error(tmp_path):
    """tune_tau / estimate_prior with --val-ann-file pointing at an empty
    list stop when the split is built, naming the file."""
    import pytest
    from mmpretrain.registry import DATASETS
    (tmp_path / 'val.txt').write_text('')
    cfg = Config(dict(
        train_dataloader=dict(dataset=dict(type='LongTailFileList')),
        test_dataloader=dict(dataset=dict(
            type='LongTailFileList', num_classes=4, data_root=str(tmp_path),
            ann_file='test.txt', test_mode=True, pipeline=[]))))
    loader = validation_dataloader(cfg, val_ann_file='val.txt')
    assert loader.dataset.ann_file == 'val.txt'
    with pytest.raises(ValueError, match='val.txt: the file list is empty'):
        DATASETS.build(loader.dataset)


def test_an_empty_prediction_dump_names_the_cause():
    import pytest
    from gala_mm.apis import scores_from_dump
    with pytest.raises(ValueError, match='no predictions'):
        scores_from_dump([])
    with pytest.raises(ValueError, match='no pred_score'):
        scores_from_dump([dict(gt_label=1)])
