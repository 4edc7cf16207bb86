# Copyright (c) gala-mm contributors. All rights reserved.
"""Collect the predictions of a checkpoint on a split (the validation
split that is not the test set, or any dataloader), and store a PRS prior."""
import copy
import os
import os.path as osp
import tempfile
from typing import Optional, Sequence, Tuple

import mmengine
import torch
from mmengine.config import Config
from mmengine.evaluator import DumpResults
from mmengine.runner import Runner

from ..compat import check_checkpoint_file, load_checkpoint_file
from ..datasets import unwrap_dataset
from ..long_tail import class_prior
from ..models.heads import raw_pred_score


def offline_config(config: str,
                   cfg_options: Optional[dict] = None,
                   work_dir: Optional[str] = None) -> Config:
    """A config read as ``tools/test.py`` reads it, for one process.

    Args:
        config (str): Config file.
        cfg_options (dict, optional): Overrides, as ``--cfg-options``.
        work_dir (str, optional): Logs go there; defaults to
            ``./work_dirs/<config name>``, as ``tools/test.py``.
    """
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    cfg.work_dir = work_dir or osp.join(
        './work_dirs', osp.splitext(osp.basename(config))[0])
    cfg.launcher = 'none'
    return cfg


def scores_from_dump(samples: Sequence[dict]
                     ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Plain softmax scores ``(N, C)`` (``raw_pred_score`` when the head
    re-balanced, so always those of the plain logits) and labels ``(N,)``
    of a prediction dump (``tools/test.py --out``, mmengine's
    ``DumpResults``)."""
    if not samples:
        raise ValueError('The split has no predictions (it holds no '
                         'images): check its file list / val_per_class.')
    if 'pred_score' not in samples[0]:
        raise ValueError('Not a prediction dump of tools/test.py --out (no '
                         'pred_score).')
    scores = torch.stack(
        [torch.as_tensor(raw_pred_score(s)).float() for s in samples])
    labels = torch.tensor(
        [int(torch.as_tensor(s['gt_label']).reshape(-1)[0]) for s in samples])
    return scores, labels


def predict_scores(cfg: Config, checkpoint: str, dataloader_cfg: dict
                   ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Plain softmax scores and labels of every image of a split.

    mmpretrain's idiom for "scores now, metrics later": ``runner.test()``
    on the split with the config's test evaluator plus mmengine's
    ``DumpResults`` (what ``tools/test.py CONFIG CKPT --out preds.pkl``
    does), then the dump read back (:func:`scores_from_dump`).

    Args:
        cfg (Config): The run's config (:func:`offline_config`).
        checkpoint (str): The checkpoint to evaluate.
        dataloader_cfg (dict): The split (e.g. :func:`validation_dataloader`
            or ``cfg.test_dataloader``).

    Returns:
        tuple[torch.Tensor, torch.Tensor]: ``(N, C)`` float32 scores and
        ``(N,)`` labels.
    """
    check_checkpoint_file(checkpoint)
    cfg = copy.deepcopy(cfg)
    cfg.test_dataloader = copy.deepcopy(dataloader_cfg)
    cfg.load_from, cfg.resume = checkpoint, False
    os.makedirs(cfg.work_dir, exist_ok=True)
    fd, dump = tempfile.mkstemp(suffix='.pkl', prefix='predictions_',
                                dir=cfg.work_dir)
    os.close(fd)
    try:
        runner = Runner.from_cfg(cfg)
        runner.test_evaluator.metrics.append(DumpResults(out_file_path=dump))
        runner.test()
        return scores_from_dump(mmengine.load(dump))
    finally:
        os.remove(dump)


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
    # the long-tailed split itself, not the wrappers around it (a
    # validation pass neither repeats nor re-balances)
    train_ds = unwrap_dataset(copy.deepcopy(cfg.train_dataloader.dataset),
                              lambda d: 'val_per_class' in d)
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
    'offline_config', 'scores_from_dump', 'predict_scores',
    'validation_dataloader',
    'check_prior_output', 'write_checkpoint_with_prior'
]
