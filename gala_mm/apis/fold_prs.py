# Copyright (c) gala-mm contributors. All rights reserved.
"""Fold stored-prior PRS into a stock linear classifier for deployment.

With a stored prior ``s``, PRS predicts ``argmax_j [z_j - tau * log s_j]``
with ``z = W x + b``: a per-class constant, so a ``LinearClsHead`` whose
bias is ``b - tau * log s`` gives the same logits, scores and labels, and
needs neither gala-mm's head nor its loss at inference (ONNX, mmdeploy,
plain mmpretrain).
"""
import copy
from typing import Dict, Optional, Tuple

import torch
from mmengine.config import Config, ConfigDict
from mmpretrain.registry import MODELS

from ..long_tail import check_tau, rebalance
from ..models.heads import PRSLinearClsHead

HEAD_PREFIX = 'head.'


def fold_prs_state_dict(state_dict: Dict[str, torch.Tensor],
                        tau: float) -> Dict[str, torch.Tensor]:
    """A ``LinearClsHead`` state dict with PRS folded into the bias.

    Args:
        state_dict (dict): A ``PRSLinearClsHead`` model's state dict, with
            ``head.prs_prior`` stored (``tools/estimate_prior.py``).
        tau (float): PRS strength (> 0).

    Returns:
        dict: The same weights, ``head.fc.bias`` replaced by
        ``b - tau * log s`` (float32 of the float64 sum), without the prior
        and the loss's training statistics.
    """
    tau = check_tau(tau, 'tau')
    prior = state_dict.get(HEAD_PREFIX + 'prs_prior')
    if prior is None:
        raise KeyError('The checkpoint has no head.prs_prior: it was not '
                       'trained with PRSLinearClsHead.')
    if not (prior > 0).all():
        raise ValueError('The checkpoint has no stored PRS prior yet: run '
                         'tools/estimate_prior.py CONFIG CHECKPOINT --out '
                         'CKPT_WITH_PRIOR first and fold that checkpoint.')
    weight = state_dict[HEAD_PREFIX + 'fc.weight']
    bias = state_dict.get(HEAD_PREFIX + 'fc.bias')
    if bias is None:
        bias = torch.zeros(weight.size(0), dtype=weight.dtype)
    folded = rebalance(bias.double()[None], prior.double(), tau,
                       log_space=True)[0].to(weight.dtype)
    out = {
        k: v
        for k, v in state_dict.items()
        if not k.startswith(HEAD_PREFIX) or k.startswith(HEAD_PREFIX + 'fc.')
    }
    out[HEAD_PREFIX + 'fc.bias'] = folded
    return out


def folded_config(cfg: Config) -> Config:
    """The config with a stock ``LinearClsHead`` in place of the head."""
    cfg = copy.deepcopy(cfg)
    head = cfg.model.head
    topk = head.get('topk', (1, ))
    cfg.model.head = ConfigDict(
        type='LinearClsHead',
        num_classes=head.num_classes,
        in_channels=head.in_channels,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=topk)
    cfg.pop('load_from', None)
    cfg.pop('resume', None)
    return cfg


def fold_prs(cfg: Config, checkpoint: dict,
             tau: Optional[float] = None) -> Tuple[Config, dict]:
    """Fold PRS of a ``PRSLinearClsHead`` checkpoint into a ``LinearClsHead``.

    Args:
        cfg (Config): The model's config (a ``PRSLinearClsHead``).
        checkpoint (dict): The loaded checkpoint (``state_dict``, ``meta``).
        tau (float, optional): PRS strength; defaults to the config's
            ``model.head.prs_tau``.

    Returns:
        tuple[Config, dict]: The folded config and checkpoint
        (``state_dict`` and the dataset part of ``meta``).
    """
    head_type = cfg.model.head.get('type')
    head_cls = MODELS.get(head_type) if isinstance(head_type, str) else None
    if head_cls is None or not issubclass(head_cls, PRSLinearClsHead):
        raise ValueError(f'model.head.type is {head_type!r}: only '
                         'PRSLinearClsHead has a stored PRS prior to fold.')
    if tau is None:
        tau = cfg.model.head.get('prs_tau', 0.0)
    if check_tau(tau, 'tau') == 0:
        raise ValueError('tau is 0 (the config has model.head.prs_tau=0): '
                         'pass --tau, e.g. the one tools/tune_tau.py chose.')
    state = fold_prs_state_dict(checkpoint['state_dict'], tau)
    meta = checkpoint.get('meta') or {}
    keep = dict(dataset_meta=meta.get('dataset_meta', {}), prs_tau=tau)
    return folded_config(cfg), dict(state_dict=state, meta=keep)


__all__ = ['fold_prs', 'fold_prs_state_dict', 'folded_config']
