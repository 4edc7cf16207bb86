# Copyright (c) gala-mm contributors. All rights reserved.
"""Hand the training set's class counts to the model and the metrics."""
from typing import Optional

import numpy as np
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS

from gala_mm.models.utils import check_class_counts


def unwrap_dataset(dataset):
    """The original dataset under mmengine's wrappers (ClassBalanced,
    Repeat...), so counts are those of the long-tailed split itself."""
    while hasattr(dataset, 'dataset') and not hasattr(dataset,
                                                      'get_gt_labels'):
        dataset = dataset.dataset
    return dataset


def dataset_class_counts(dataset, num_classes: Optional[int] = None):
    """Training images per class of a (possibly wrapped) dataset."""
    dataset = unwrap_dataset(dataset)
    if not hasattr(dataset, 'get_gt_labels'):
        counts = dataset.metainfo.get('class_counts')
        if counts is None:
            raise TypeError(f'Cannot count classes of {type(dataset)}: it '
                            'has neither get_gt_labels nor class_counts.')
        return np.asarray(counts)
    labels = np.asarray(dataset.get_gt_labels())
    if num_classes is not None and labels.size and labels.max(
    ) >= num_classes:
        raise ValueError(
            f'The training set has label {int(labels.max())} but the model '
            f'has num_classes={num_classes}: set model.head.num_classes to '
            'the number of classes of the dataset.')
    if num_classes is None:
        num_classes = len(dataset.metainfo.get('classes') or []) or int(
            labels.max()) + 1
    return np.bincount(labels, minlength=num_classes)


def unwrap_model(model):
    return model.module if is_model_wrapper(model) else model


@HOOKS.register_module()
class ClassCountHook(Hook):
    """Give every module and metric that wants class counts the counts of
    the original (un-resampled) training split.

    Any submodule or metric with a ``set_class_counts(counts)`` method gets
    them (``LogitAdjustLoss``, ``LDAMLoss``, ``LongTailAccuracy``...). In a
    training run the counts come from the training dataset (in
    ``before_train``, i.e. after a resume, and without touching GALA's
    running statistics); in a test run from the checkpoint's
    ``meta.dataset_meta.class_counts``. Works when the model is wrapped by
    DDP.
    """
    priority = 'ABOVE_NORMAL'

    def __init__(self) -> None:
        self.class_counts = None

    def _model_num_classes(self, runner) -> Optional[int]:
        head = getattr(unwrap_model(runner.model), 'head', None)
        return getattr(head, 'num_classes', None)

    def _set(self, counts, runner) -> None:
        num_classes = self._model_num_classes(runner)
        counts = check_class_counts(
            counts, num_classes or len(counts),
            'ClassCountHook (training set vs model.head.num_classes)')
        self.class_counts = [int(c) for c in counts.tolist()]

    def _push_to_model(self, runner) -> None:
        for module in unwrap_model(runner.model).modules():
            if hasattr(module, 'set_class_counts'):
                module.set_class_counts(self.class_counts)

    def _push_to_metrics(self, loop) -> None:
        if self.class_counts is None or loop is None:
            return
        for metric in getattr(loop.evaluator, 'metrics', []):
            if hasattr(metric, 'set_class_counts'):
                metric.set_class_counts(self.class_counts)

    def before_train(self, runner) -> None:
        dataset = runner.train_dataloader.dataset
        counts = dataset_class_counts(dataset,
                                      self._model_num_classes(runner))
        self._set(counts, runner)
        self._push_to_model(runner)
        c = np.asarray(self.class_counts)
        runner.logger.info(
            f'ClassCountHook: {len(c)} classes, {int(c.sum())} training '
            f'images, max {int(c.max())}, min {int(c.min())}, imbalance '
            f'{c.max() / c.min():.1f}; many(>100)={(c > 100).sum()}, '
            f'medium={((c >= 20) & (c <= 100)).sum()}, '
            f'few(<20)={(c < 20).sum()}.')

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        meta = (checkpoint.get('meta') or {}).get('dataset_meta') or {}
        if self.class_counts is None and meta.get('class_counts'):
            self._set(meta['class_counts'], runner)

    def before_val(self, runner) -> None:
        self._push_to_metrics(runner.val_loop)

    def before_test(self, runner) -> None:
        self._push_to_metrics(runner.test_loop)
