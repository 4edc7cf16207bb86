# Copyright (c) gala-mm contributors. All rights reserved.
"""A linear classification head with a stored PRS prior (GALA's head)."""
import copy
import inspect
from typing import List, Optional

import torch
import torch.nn.functional as F
from mmpretrain.models.heads import LinearClsHead
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ...long_tail import check_tau, class_prior, rebalance
from ...utils import suggest_typos


def _with_num_classes(loss: dict, num_classes: int) -> dict:
    """Fill in (or check) ``num_classes`` of a loss config that takes it."""
    loss = copy.deepcopy(loss)
    if 'num_classes' in loss:
        if loss['num_classes'] != num_classes:
            raise ValueError(
                f'PRSLinearClsHead: num_classes={num_classes} but the loss '
                f'has num_classes={loss["num_classes"]}; set both to the '
                'number of classes of the dataset.')
        return loss
    loss_cls = MODELS.get(loss['type'])
    if loss_cls is not None and 'num_classes' in inspect.signature(
            loss_cls.__init__).parameters:
        loss['num_classes'] = num_classes
    return loss


def raw_pred_score(data_sample) -> torch.Tensor:
    """The softmax of the plain logits of a prediction: ``raw_pred_score``
    when a head re-balanced it (``PRSLinearClsHead`` with ``prs_tau > 0``),
    else ``pred_score``. Works on ``DataSample`` objects and on their dumps
    (dicts, ``tools/test.py --out``)."""
    get = data_sample.get
    raw = get('raw_pred_score', None)
    return get('pred_score') if raw is None else raw


@MODELS.register_module(name=['PRSLinearClsHead', 'GALAHead'])
@suggest_typos
class PRSLinearClsHead(LinearClsHead):
    """Linear head with a stored PRS prior, trained with :class:`GALALoss`
    by default (registered also as ``GALAHead``).

    Training uses the GALA-adjusted loss; prediction uses the plain logits
    ``w_j . x + b_j``. Re-balancing (the Prediction Re-balancing Strategy)
    comes in two forms:

    - transductive, over a whole test run, as the paper reports it: use the
      ``LongTailAccuracy`` metric with ``prs_tau`` (``prs_tau`` here stays 0);
    - with a stored prior: ``prs_prior`` (a persistent buffer, saved in the
      checkpoint) is estimated on a validation split by
      ``tools/estimate_prior.py``; with ``prs_tau > 0`` every prediction,
      single images included, is ``argmax_j [z_j - prs_tau * log s_j]``.
      ``pred_score`` is then the softmax of the re-balanced logits and
      ``raw_pred_score`` keeps the plain softmax.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Feature channels.
        loss (dict): The loss config. ``num_classes`` is filled in when
            missing. Defaults to ``dict(type='GALALoss')``.
        prs_tau (float): Strength of the stored-prior re-balancing; 0 turns
            it off. Defaults to 0.
        init_cfg (dict, optional): As :class:`LinearClsHead`.
        **kwargs: ``topk``, ``cal_acc`` as :class:`ClsHead`.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 loss: dict = dict(type='GALALoss'),
                 prs_tau: float = 0.0,
                 init_cfg: Optional[dict] = dict(
                     type='Normal', layer='Linear', std=0.01),
                 **kwargs) -> None:
        if isinstance(loss, dict):
            loss = _with_num_classes(loss, num_classes)
        super().__init__(
            num_classes=num_classes,
            in_channels=in_channels,
            loss=loss,
            init_cfg=init_cfg,
            **kwargs)
        self.prs_tau = check_tau(prs_tau, 'prs_tau')
        self.register_buffer('prs_prior',
                             torch.zeros(num_classes, dtype=torch.float64))

    @property
    def has_prs_prior(self) -> bool:
        """Whether a prior has been stored (by a tool or a checkpoint)."""
        return bool((self.prs_prior > 0).all())

    def set_prs_prior(self, prior: torch.Tensor) -> None:
        """Store the mean predicted class distribution for PRS.

        Args:
            prior (torch.Tensor): Positive values, shape ``(C,)``;
                normalised to sum 1.
        """
        prior = torch.as_tensor(prior, dtype=torch.float64).flatten()
        if prior.numel() != self.num_classes:
            raise ValueError(f'prior has {prior.numel()} classes, the head '
                             f'has num_classes={self.num_classes}.')
        self.prs_prior.copy_(class_prior(prior))

    def _get_predictions(self, cls_score: torch.Tensor,
                         data_samples: Optional[List[DataSample]]
                         ) -> List[DataSample]:
        if self.prs_tau == 0:
            return super()._get_predictions(cls_score, data_samples)
        if not self.has_prs_prior:
            raise RuntimeError(
                f'PRSLinearClsHead: prs_tau={self.prs_tau} needs a stored PRS '
                'prior. Estimate it with tools/estimate_prior.py on a '
                'validation split, or set model.head.prs_tau=0 and use the '
                "LongTailAccuracy metric's transductive prs_tau.")
        raw_scores = F.softmax(cls_score.float(), dim=1)
        logits = rebalance(
            cls_score.float(), self.prs_prior, self.prs_tau, log_space=True)
        scores = F.softmax(logits, dim=1).to(raw_scores.dtype)
        labels = scores.argmax(dim=1, keepdim=True).detach()
        if data_samples is None:
            data_samples = [DataSample() for _ in range(cls_score.size(0))]
        for ds, score, raw, label in zip(data_samples, scores, raw_scores,
                                         labels):
            ds.set_pred_score(score).set_pred_label(label)
            ds.set_field(raw, 'raw_pred_score')
        return data_samples
