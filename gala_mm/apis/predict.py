# Copyright (c) gala-mm contributors. All rights reserved.
"""Collect the predictions of a checkpoint on a split (the validation
split that is not the test set, or any dataloader), and store a PRS prior."""
import copy
import os
import os.path as osp
from typing import Optional, Tuple

import torch
from mmengine.config import Config
from mmengine.runner import Runner, TestLoop

from ..compat import check_checkpoint_file, load_checkpoint_file
from ..datasets import unwrap_dataset
from ..long_tail import class_prior


def init_runner(config: str,
                checkpoint: str,
                cfg_options: Optional[dict] = None,
                work_dir: Optional[str] = None) -> Runner:
    """A Runner with the checkpoint loaded, for offline evaluation.

    Args:
        config (str): Config file.
        checkpoint (str): Checkpoint file.
        cfg_options (dict, optional): Overrides, as ``--cfg-options``.
        work_dir (str, optional): Logs go there; defaults to
            ``./work_dirs/<config name>``, as ``tools/test.py``.

    Returns:
        Runner: ``runner.model`` holds the checkpoint's weights.
    """
    check_checkpoint_file(checkpoint)
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    cfg.work_dir = work_dir or osp.join(
        './work_dirs', osp.splitext(osp.basename(config))[0])
    cfg.load_from = None
    cfg.launcher = 'none'
    runner = Runner.from_cfg(cfg)
    runner.load_checkpoint(checkpoint)
    return runner


def predict_scores(runner: Runner,
                   dataloader_cfg: dict) -> Tuple[torch.Tensor, torch.Tensor]:
    """Plain softmax scores and labels of every image of a split.

    Runs mmengine's ``TestLoop`` (hooks, progress log, DDP result
    collection) with the ``LongTailAccuracy`` metric and the config's shot
    thresholds, the same evaluation path as ``tools/test.py``, and takes
    the scores the metric collected
    (``raw_pred_score`` when the head re-balances, so always those of the
    plain logits).

    Returns:
        tuple[torch.Tensor, torch.Tensor]: ``(N, C)`` float32 scores and
        ``(N,)`` labels (on rank 0; ``(None, None)`` on other ranks).
    """
    from ..engine import shot_thresholds
    many_thr, few_thr = shot_thresholds(runner.cfg)
    metric = dict(type='LongTailAccuracy', keep_scores=True,
                  many_thr=many_thr, few_thr=few_thr)
    loop = TestLoop(runner, copy.deepcopy(dataloader_cfg), [metric])
    if not getattr(runner, '_gala_run_started', False):
        runner.call_hook('before_run')  # as Runner.test() (log files...)
        runner._gala_run_started = True
    loop.run()
    kept = loop.evaluator.metrics[0].kept_scores
    return kept if kept is not None else (None, None)


def _holds_pipeline(cfg: dict) -> bool:
    return 'pipeline' in cfg


def validation_dataloader(cfg: Config,
                          val_ann_file: Optional[str] = None) -> dict:
    """A dataloader config for a balanced validation split that is not the
    test set.

    Either the ``split='val'`` held out of the training split by
    ``LongTailDataset`` or one of its presets (``val_per_class > 0``), with
    the test pipeline, or, for file-list datasets, the test dataset with
    ``ann_file=val_ann_file`` (e.g. ``ImageNet_LT_val.txt``).
    """
    loader = copy.deepcopy(cfg.test_dataloader)
    if val_ann_file is not None:
        loader.dataset.ann_file = val_ann_file
        return loader
    train_ds = copy.deepcopy(cfg.train_dataloader.dataset)
    if not train_ds.get('val_per_class'):
        raise ValueError(
            'The training dataset holds out no validation split: set '
            'train_dataloader.dataset.val_per_class=K (and retrain so the '
            'model never saw those images), or pass a validation list '
            '(--val-ann-file) for file-list datasets.')
    train_ds.split = 'val'
    unwrap_dataset(train_ds, _holds_pipeline).pipeline = unwrap_dataset(
        loader.dataset, _holds_pipeline).get('pipeline', [])
    loader.dataset = train_ds
    return loader


def check_prior_output(checkpoint: str, out: str) -> None:
    """Before any evaluation: ``out`` is not the input checkpoint (also
    through a link) and its folder exists and is writable."""
    if osp.realpath(out) == osp.realpath(checkpoint):
        raise ValueError(f'--out {out} is the input checkpoint '
                         f'{checkpoint} (the same file): refusing to '
                         'overwrite it; choose another --out.')
    folder = osp.dirname(osp.abspath(out))
    if not osp.isdir(folder):
        raise FileNotFoundError(f'--out {out}: the folder {folder} does not '
                                'exist; create it or choose another --out.')
    if not os.access(folder, os.W_OK):
        raise PermissionError(f'--out {out}: the folder {folder} is not '
                              'writable; choose another --out.')


def write_checkpoint_with_prior(checkpoint: str, prior: torch.Tensor,
                                out: str) -> None:
    """Copy a checkpoint with ``head.prs_prior`` set (no other change)."""
    check_prior_output(checkpoint, out)
    ckpt = load_checkpoint_file(checkpoint)
    state = ckpt['state_dict']
    if 'head.prs_prior' not in state:
        raise KeyError('The checkpoint has no head.prs_prior: it was not '
                       'trained with PRSLinearClsHead.')
    state['head.prs_prior'] = class_prior(prior)
    torch.save(ckpt, out)


__all__ = [
    'init_runner', 'predict_scores', 'validation_dataloader',
    'check_prior_output', 'write_checkpoint_with_prior'
]
