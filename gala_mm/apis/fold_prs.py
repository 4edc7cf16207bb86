# Copyright (c) gala-mm contributors. All rights reserved.
"""Fold stored-prior PRS into a stock linear classifier for deployment.

With a stored prior ``s``, PRS predicts ``argmax_j [z_j - tau * log s_j]``
with ``z = W x + b``: a per-class constant, so a ``LinearClsHead`` whose
bias is ``b - tau * log s`` gives the same logits, scores and labels, and
needs neither gala-mm's head nor its loss at inference (ONNX, mmdeploy,
plain mmpretrain).
"""
import copy
import inspect
from typing import Dict, List, Optional, Tuple

import torch
from mmengine.config import Config, ConfigDict
from mmpretrain.registry import DATASETS, HOOKS, METRICS, MODELS, TRANSFORMS

from ..datasets import LongTailDataset, LongTailPreset
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


#: What a deployment keeps of the training config besides the model and
#: the test part: the data preprocessor (mmengine's Runner and mmpretrain's
#: init_model merge it into the model) and mmpretrain's default runtime.
KEPT_KEYS = ('data_preprocessor', 'default_scope', 'env_cfg',
             'log_processor', 'log_level', 'visualizer', 'launcher',
             'randomness', 'test_cfg')
#: Registries whose entries a config names by ``type``.
REGISTRIES = (MODELS, DATASETS, TRANSFORMS, METRICS, HOOKS)


def plugin_types(cfg) -> List[str]:
    """The ``type`` names in ``cfg`` (nested dicts and lists) that gala-mm
    registers, in order of appearance.

    Args:
        cfg (dict | list): A config or part of one.
    """
    ours = {name for reg in REGISTRIES for name, obj in reg.module_dict.items()
            if obj.__module__.split('.')[0] == __name__.split('.')[0]}
    found: List[str] = []

    def walk(node):
        if isinstance(node, dict):
            if node.get('type') in ours and node['type'] not in found:
                found.append(node['type'])
            node = list(node.values())
        if isinstance(node, (list, tuple)):
            for item in node:
                walk(item)

    walk(cfg)
    return found


def plain_test_dataset(dataset: dict) -> dict:
    """The balanced test dataset a long-tail config tests on, as the stock
    mmpretrain dataset under it: a preset's source dataset (its test split),
    a ``LongTailDataset``'s wrapped dataset; any other dataset unchanged.

    Args:
        dataset (dict): ``test_dataloader.dataset`` of a config.
    """
    cls = DATASETS.get(dataset.get('type')) if isinstance(
        dataset.get('type'), str) else None
    if not (isinstance(cls, type) and issubclass(cls, LongTailDataset)):
        return copy.deepcopy(dataset)
    if not issubclass(cls, LongTailPreset):
        return copy.deepcopy(dataset['dataset'])
    own = set(inspect.signature(LongTailPreset.__init__).parameters)
    source_args = {k: v for k, v in dataset.items()
                   if k not in own and k != 'type'}
    return cls.source_config(dataset.get('data_root', ''), 'test',
                             **source_args)


def deploy_config(cfg: Config) -> Config:
    """A config for deployment and testing: the model with mmpretrain's
    ``LinearClsHead``, the plain balanced test set, mmpretrain's
    ``Accuracy`` (the folded bias already re-balances: no evaluator applies
    PRS again) and the default runtime; no training part, no gala-mm hooks.
    ``custom_imports`` stays only when a part that is left needs gala-mm
    (e.g. the ``CifarResNet`` backbone, ``CenterPad``).

    Args:
        cfg (Config): The GALA model's training config.
    """
    head = cfg.model.head
    topk = head.get('topk', (1, ))
    model = copy.deepcopy(cfg.model)
    # the folded checkpoint holds every weight: no stage-1 file to read
    if (model.backbone.get('init_cfg') or {}).get('type') == 'Pretrained':
        model.backbone.pop('init_cfg')
    model.head = ConfigDict(
        type='LinearClsHead', num_classes=head.num_classes,
        in_channels=head.in_channels,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0), topk=topk)
    loader = copy.deepcopy(cfg.test_dataloader)
    loader.dataset = plain_test_dataset(cfg.test_dataloader.dataset)
    out = dict(model=model, test_dataloader=loader,
               test_evaluator=dict(type='Accuracy', topk=topk),
               default_hooks=dict(
                   logger=dict(type='LoggerHook', interval=50),
                   checkpoint=dict(type='CheckpointHook', interval=1)))
    out.update({k: copy.deepcopy(cfg[k]) for k in KEPT_KEYS if k in cfg})
    if plugin_types(out):
        out['custom_imports'] = dict(imports=['gala_mm'],
                                     allow_failed_imports=False)
    return Config(out)


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
    return deploy_config(cfg), dict(state_dict=state, meta=keep)


__all__ = [
    'deploy_config', 'fold_prs', 'fold_prs_state_dict', 'plain_test_dataset',
    'plugin_types'
]
