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
