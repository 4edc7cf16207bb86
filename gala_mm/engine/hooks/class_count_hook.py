# Copyright (c) gala-mm contributors. All rights reserved.
"""Hand the training set's class counts to the model and the metrics."""
from typing import Optional

import numpy as np
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS

from ...datasets.wrappers import unwrap_dataset
from ...long_tail import ShotGroups, check_class_counts
from ...utils import suggest_typos


def dataset_class_counts(dataset, num_classes: Optional[int] = None):
    """Training images per class of a (possibly wrapped) dataset; a
    ``ConcatDataset`` counts its parts together."""
    dataset = unwrap_dataset(dataset)
    parts = getattr(dataset, 'datasets', None)
    if parts is not None and not hasattr(dataset, 'get_gt_labels'):
        counts = [dataset_class_counts(part, num_classes) for part in parts]
        width = max(len(c) for c in counts)
        return sum(np.pad(c, (0, width - len(c))) for c in counts)
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


#: What ``ClassCountHook`` adds to every checkpoint's ``meta.dataset_meta``.
ADDED_META = ('class_counts', 'shot_thresholds')


def _short(counts: list, edge: int = 4) -> str:
    """A list of class counts for a message, its middle elided."""
    if len(counts) <= 2 * edge:
        return str(counts)
    return (f'[{", ".join(map(str, counts[:edge]))}, ... '
            f'{", ".join(map(str, counts[-edge:]))}] ({len(counts)} classes)')


def unwrap_model(model):
    return model.module if is_model_wrapper(model) else model


def long_tail_metric(cfg) -> dict:
    """The first ``LongTailAccuracy`` metric of a config (test, then val
    evaluator; ``{}`` without one): the one place a config sets its shot
    thresholds and tau grids."""
    for key in ('test_evaluator', 'val_evaluator'):
        evaluator = (cfg or {}).get(key) or []
        if isinstance(evaluator, dict):
            evaluator = evaluator.get('metrics', [evaluator])
        for metric in evaluator:
            if metric.get('type') == 'LongTailAccuracy':
                return metric
    return {}


def shot_thresholds(cfg, default=(100, 20)) -> tuple:
    """``(many_thr, few_thr)`` of a config: those of its
    :func:`long_tail_metric`; ``default`` (Liu et al.'s 100 / 20) without
    one."""
    metric = long_tail_metric(cfg)
    return (metric.get('many_thr', default[0]),
            metric.get('few_thr', default[1]))


def _checkpoint_num_classes(checkpoint: dict) -> Optional[int]:
    state = checkpoint.get('state_dict') or {}
    for key in ('head.fc.weight', 'module.head.fc.weight'):
        if key in state and hasattr(state[key], 'shape'):
            return int(state[key].shape[0])
    meta = (checkpoint.get('meta') or {}).get('dataset_meta') or {}
    counts = meta.get('class_counts')
    return len(counts) if counts is not None else None


@HOOKS.register_module()
@suggest_typos
class ClassCountHook(Hook):
    """Give every module and metric that wants class counts the counts of
    the original (un-resampled) training split.

    Any submodule or metric with a ``set_class_counts(counts)`` method gets
    them (``LogitAdjustLoss``, ``LDAMLoss``, ``LongTailAccuracy``...). In a
    training run the counts come from the training dataset (in
    ``before_train``, i.e. after a resume, and without touching GALA's
    running statistics) and are written into every checkpoint's
    ``meta.dataset_meta.class_counts``; in a test run they come from there,
    so any mmpretrain dataset (e.g. ``CustomDataset``) works. Works when the
    model is wrapped by DDP.

    Args:
        many_thr (int, optional): Many-shot threshold of the log line.
            Defaults to the config's ``LongTailAccuracy`` one.
        few_thr (int, optional): Few-shot threshold, likewise.
    """
    priority = 'ABOVE_NORMAL'

    def __init__(self, many_thr: Optional[int] = None,
                 few_thr: Optional[int] = None) -> None:
        self.many_thr = many_thr
        self.few_thr = few_thr
        self.class_counts = None
        self._checkpoint_counts = None
        self._mismatch = None

    def _model_num_classes(self, runner) -> Optional[int]:
        head = getattr(unwrap_model(runner.model), 'head', None)
        return getattr(head, 'num_classes', None)

    def _push_to_model(self, runner) -> None:
        for module in unwrap_model(runner.model).modules():
            if hasattr(module, 'set_class_counts'):
                module.set_class_counts(self.class_counts)

    def _push_to_metrics(self, runner, loop) -> None:
        if loop is None:
            return
        counts = self.class_counts or self._checkpoint_counts
        if counts is None:
            return
        if self.class_counts is None:  # from the checkpoint: check it fits
            num_classes = self._model_num_classes(runner)
            check_class_counts(
                counts, num_classes or len(counts),
                'ClassCountHook (class counts in the checkpoint\'s meta vs '
                'model.head.num_classes: evaluate with the config the '
                'checkpoint was trained with)')
        for metric in getattr(loop.evaluator, 'metrics', []):
            if hasattr(metric, 'set_class_counts'):
                metric.set_class_counts(counts)

    def before_train(self, runner) -> None:
        self._mismatch = None  # fine-tuning: the new head is trained here
        dataset = runner.train_dataloader.dataset
        num_classes = self._model_num_classes(runner)
        counts = dataset_class_counts(dataset, num_classes)
        counts = check_class_counts(
            counts, num_classes or len(counts),
            'ClassCountHook (training set vs model.head.num_classes)')
        self.class_counts = [int(c) for c in counts.tolist()]
        # the run's one copy, for every other hook
        runner.message_hub.update_info('class_counts', self.class_counts)
        self._push_to_model(runner)
        many, few = self._thresholds(runner)
        c = np.asarray(self.class_counts)
        groups = ShotGroups.from_counts(c, many, few)
        runner.logger.info(
            f'ClassCountHook: {len(c)} classes, {int(c.sum())} training '
            f'images, max {int(c.max())}, min {int(c.min())}, imbalance '
            f'{c.max() / c.min():.1f}; {groups.describe()}.')

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        meta = (checkpoint.get('meta') or {}).get('dataset_meta') or {}
        counts = meta.get('class_counts')
        if counts is not None:
            self._checkpoint_counts = [int(c) for c in counts]
        trained_on = _checkpoint_num_classes(checkpoint)
        num_classes = self._model_num_classes(runner)
        if (trained_on is not None and num_classes
                and trained_on != num_classes):
            self._checkpoint_counts = None
            runner.logger.warning(
                f'ClassCountHook: the checkpoint was trained on '
                f'{trained_on} classes, the model has '
                f'num_classes={num_classes}: its classifier and GALA '
                'statistics are not loaded (the head starts afresh, the '
                'statistics at zero). Expected when fine-tuning on another '
                'dataset; to evaluate, use the config the checkpoint was '
                'trained with.')
            self._mismatch = (trained_on, num_classes)
        elif getattr(runner, '_resume', False):
            self._check_resumed_data(runner, meta)

    def _check_resumed_data(self, runner, dataset_meta: dict) -> None:
        """``--resume`` continues the same run: refuse a training set with
        other class counts (GALA's statistics, the schedule and the epoch
        belong to the old one), and give mmengine's metainfo comparison the
        checkpoint's metainfo as the dataset had it, without the keys this
        hook added, so that it warns only about a real difference."""
        dataset = runner.train_dataloader.dataset
        if self._checkpoint_counts is not None:
            counts = dataset_class_counts(dataset,
                                          self._model_num_classes(runner))
            now = [int(c) for c in counts.tolist()]
            if now != self._checkpoint_counts:
                raise ValueError(
                    'ClassCountHook: --resume on a training set with other '
                    f'class counts than the checkpoint\'s run (was '
                    f'{_short(self._checkpoint_counts)}, now {_short(now)}): '
                    'its GALA statistics, schedule and epoch belong to the '
                    'old data. Resume with the data it was trained on, or '
                    'fine-tune on the new data from its weights in a new '
                    'run: --cfg-options load_from=CHECKPOINT (without '
                    '--resume).')
        current = getattr(dataset, 'metainfo', None) or {}
        for key in ADDED_META:
            if key in current:
                dataset_meta[key] = current[key]
            else:
                dataset_meta.pop(key, None)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """The training class counts and the config's shot thresholds go
        into ``meta.dataset_meta`` (plain lists), for test runs and tools."""
        if self.class_counts is None:
            return
        meta = checkpoint.setdefault('meta', {})
        dataset_meta = dict(meta.get('dataset_meta') or {})
        dataset_meta['class_counts'] = list(self.class_counts)
        dataset_meta['shot_thresholds'] = list(self._thresholds(runner))
        meta['dataset_meta'] = dataset_meta

    def _thresholds(self, runner) -> tuple:
        many, few = shot_thresholds(runner.cfg)
        return (self.many_thr if self.many_thr is not None else many,
                self.few_thr if self.few_thr is not None else few)

    def before_val(self, runner) -> None:
        self._push_to_metrics(runner, runner.val_loop)

    def before_test(self, runner) -> None:
        if self._mismatch is not None:
            trained_on, num_classes = self._mismatch
            raise ValueError(
                f'The checkpoint was trained on {trained_on} classes but '
                f'the model has num_classes={num_classes}: evaluate it with '
                'the config it was trained with (its head would be random '
                'here).')
        self._push_to_metrics(runner, runner.test_loop)
