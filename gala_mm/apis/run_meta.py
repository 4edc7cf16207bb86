# Copyright (c) gala-mm contributors. All rights reserved.
"""What the tools need to know of a training run: class names, training
class counts and shot thresholds, from its checkpoint or its config."""
from typing import List, Optional, Union

from mmengine.config import Config
from mmpretrain.registry import DATASETS

from ..compat import load_checkpoint_file
from ..datasets import LongTailPreset
from ..engine import shot_thresholds


def config_class_names(cfg: Config) -> Optional[List[str]]:
    """Class names of a config's training set without building it: the
    ``metainfo`` a config sets, else those of the dataset class (a preset's
    source dataset), through any wrappers.

    Args:
        cfg (Config): A training config.
    """
    dataset = cfg.train_dataloader.dataset
    while isinstance(dataset, dict):
        classes = (dataset.get('metainfo') or {}).get('classes')
        if classes:
            return list(classes)
        cls = DATASETS.get(dataset.get('type')) if isinstance(
            dataset.get('type'), str) else None
        if isinstance(cls, type) and issubclass(cls, LongTailPreset):
            cls = DATASETS.get(cls.source_type)
        classes = (getattr(cls, 'METAINFO', None) or {}).get('classes')
        if classes:
            return list(classes)
        dataset = dataset.get('dataset')
    return None


def run_meta(config: Union[str, Config, None] = None,
             checkpoint: Optional[str] = None) -> dict:
    """``classes``, ``class_counts`` and ``shot_thresholds`` of a run: the
    checkpoint's ``meta.dataset_meta`` (``ClassCountHook`` writes the counts
    and thresholds there), completed from the config (its
    ``LongTailAccuracy`` thresholds, its dataset's class names). Keys that
    neither has are missing.

    Args:
        config (str | Config, optional): The run's config.
        checkpoint (str, optional): Its checkpoint.
    """
    meta = {}
    if checkpoint:
        ckpt_meta = load_checkpoint_file(checkpoint).get('meta') or {}
        meta = dict(ckpt_meta.get('dataset_meta') or {})
    if config is not None:
        cfg = Config.fromfile(config) if isinstance(config, str) else config
        meta.setdefault('shot_thresholds', list(shot_thresholds(cfg)))
        if not meta.get('classes'):
            classes = config_class_names(cfg)
            if classes:
                meta['classes'] = classes
    return meta


def run_thresholds(meta: dict, many_thr: Optional[int] = None,
                   few_thr: Optional[int] = None) -> tuple:
    """``(many_thr, few_thr)``: those given, else the run's (``meta`` from
    :func:`run_meta`), else Liu et al.'s 100 / 20."""
    many, few = meta.get('shot_thresholds') or shot_thresholds({})
    return (many if many_thr is None else many_thr,
            few if few_thr is None else few_thr)


__all__ = ['config_class_names', 'run_meta', 'run_thresholds']
