# Copyright (c) gala-mm contributors. All rights reserved.
"""Accuracy by shot group, with transductive PRS and post-hoc LA."""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from mmpretrain.registry import METRICS

from ...models.heads.prs_linear_head import raw_pred_score

from ...long_tail import (ShotGroups, check_class_counts, check_tau,
                          format_shot_table, per_class_accuracy, summarize,
                          tau_sweep)
from ...long_tail.shots import GROUPS
from ...utils import suggest_typos


def _as_taus(values: Union[float, Sequence[float]], old: Optional[object],
             name: str) -> List[float]:
    """A grid of strengths (0 entries dropped); ``old`` is the value given
    under the grid's former name (``prs_tau`` / ``la_tau``), still accepted."""
    if old is not None:
        if values not in ((), [], None):
            raise ValueError(f'LongTailAccuracy: give {name} only (it was '
                             f'called {name[:-1]}, which is still accepted).')
        values = old
    if values is None:
        return []
    if isinstance(values, (int, float)):
        values = [values]
    taus = [check_tau(v, name) for v in values]
    return [t for t in taus if t > 0]


@METRICS.register_module()
@suggest_typos
class LongTailAccuracy(BaseMetric):
    """Top-1, balanced and many/medium/few-shot accuracy.

    Class counts (training images per class) come, in this order, from
    ``class_counts``, from :class:`ClassCountHook` (training set or
    checkpoint) or from ``dataset_meta['class_counts']`` of the evaluated
    dataset. Without counts only ``top1`` and ``balanced`` are reported.

    Re-balanced predictions are computed over the *whole* evaluation set,
    after all ranks' results are collected:

    - ``prs_taus``: the Prediction Re-balancing Strategy (transductive),
      ``argmax_j p_ij / s_j^tau`` with ``s`` the mean predicted class
      distribution over the set; keys ``prs{tau}_top1`` etc.
    - ``la_taus``: post-hoc logit adjustment with the training prior;
      keys ``la{tau}_top1`` etc.

    (A grid of strengths, unlike the head's single ``prs_tau``; the former
    names ``prs_tau`` / ``la_tau`` are still accepted here.)

    Args:
        many_thr (int): Many-shot: more than this many images. Default 100.
        few_thr (int): Few-shot: fewer than this many images. Default 20.
        class_counts (list[int], optional): Training images per class.
        prs_taus (float | list[float]): PRS strengths; 0 entries are
            skipped. Defaults to ().
        la_taus (float | list[float]): Post-hoc LA strengths. Defaults to
            ().
        per_class_out (str, optional): Write per-class accuracies (raw and
            re-balanced) and counts to this JSON file. Defaults to None.
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): Defaults to ``'lt'``.
    """
    default_prefix = 'lt'

    def __init__(self,
                 many_thr: int = 100,
                 few_thr: int = 20,
                 class_counts: Optional[Sequence[int]] = None,
                 prs_taus: Union[float, Sequence[float]] = (),
                 la_taus: Union[float, Sequence[float]] = (),
                 per_class_out: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 prs_tau: Optional[Union[float, Sequence[float]]] = None,
                 la_tau: Optional[Union[float, Sequence[float]]] = None
                 ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if few_thr > many_thr:
            raise ValueError(f'few_thr={few_thr} must be <= many_thr='
                             f'{many_thr}.')
        self.many_thr = many_thr
        self.few_thr = few_thr
        self.class_counts = None if class_counts is None else list(
            class_counts)
        self.hook_class_counts = None
        self.prs_taus = _as_taus(prs_taus, prs_tau, 'prs_taus')
        self.la_taus = _as_taus(la_taus, la_tau, 'la_taus')
        self.per_class_out = per_class_out

    def set_class_counts(self, counts: Sequence[int]) -> None:
        """Counts handed over by :class:`ClassCountHook`."""
        self.hook_class_counts = [int(c) for c in counts]

    def _resolve_counts(self, num_classes: int) -> Optional[np.ndarray]:
        counts = self.class_counts or self.hook_class_counts or (
            self.dataset_meta or {}).get('class_counts')
        if counts is None:
            return None
        return check_class_counts(counts, num_classes,
                                  'LongTailAccuracy').numpy()

    @property
    def _needs_scores(self) -> bool:
        return bool(self.prs_taus or self.la_taus or self.per_class_out)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            result = dict(gt_label=int(sample['gt_label'].item()))
            raw = raw_pred_score(sample)
            result['pred_label'] = int(sample['pred_label'].item())
            result['raw_label'] = int(raw.argmax().item())
            # the head re-balanced pred_label with its stored prior
            result['head_prs'] = 'raw_pred_score' in sample
            if self._needs_scores:
                result['raw_score'] = raw.detach().float().cpu()
            self.results.append(result)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        gt = np.array([r['gt_label'] for r in results])
        pred = np.array([r['pred_label'] for r in results])
        num_classes = None
        if self._needs_scores:
            scores = torch.stack([r['raw_score'] for r in results])
            num_classes = scores.size(1)
        counts = self._resolve_counts(num_classes or self._num_classes(gt))
        num_classes = num_classes or (len(counts) if counts is not None else
                                      self._num_classes(gt))
        groups = None if counts is None else ShotGroups.from_counts(
            counts, self.many_thr, self.few_thr).indices
        metrics = summarize(pred, gt, num_classes, groups)
        per_class = dict(raw=per_class_accuracy(pred, gt, num_classes))
        if self.la_taus and counts is None:
            raise RuntimeError(
                'LongTailAccuracy: la_taus needs the training class counts; '
                "add dict(type='ClassCountHook') to custom_hooks.")
        for rule, taus in (('prs', self.prs_taus), ('la', self.la_taus)):
            rows = tau_sweep(scores, gt, taus, rule, counts, groups,
                             per_class=True) if taus else []
            for row in rows:
                tag = f'{rule}{row.pop("tau"):g}'
                per_class[tag] = row.pop('per_class')
                metrics.update({f'{tag}_{k}': v for k, v in row.items()})
        self._report(metrics, groups, 'stored PRS' if any(
            r.get('head_prs') for r in results) else 'raw')
        if self.per_class_out:
            self._dump_per_class(per_class, counts)
        return metrics

    def _num_classes(self, gt: np.ndarray) -> int:
        classes = (self.dataset_meta or {}).get('classes')
        return len(classes) if classes else int(gt.max()) + 1

    def _report(self, metrics: Dict[str, float],
                groups: Optional[Dict[str, np.ndarray]],
                raw_label: str = 'raw') -> None:
        logger = MMLogger.get_current_instance()
        if groups is None:
            logger.warning('LongTailAccuracy: no training class counts, so '
                           'no many/medium/few groups (add ClassCountHook '
                           'or pass class_counts).')
        else:
            for name in GROUPS:
                if not len(groups[name]):
                    logger.info(f'LongTailAccuracy: the {name}-shot group '
                                f'has no classes (many > {self.many_thr}, '
                                f'few < {self.few_thr} training images).')
        logger.info('Per-shot accuracy (%):\n' +
                    format_shot_table(metrics, groups, raw_label=raw_label))

    def _dump_per_class(self, per_class: Dict[str, np.ndarray],
                        counts: Optional[np.ndarray]) -> None:
        out_dir = osp.dirname(osp.abspath(self.per_class_out))
        os.makedirs(out_dir, exist_ok=True)
        payload = dict(
            class_counts=None if counts is None else counts.tolist(),
            many_thr=self.many_thr,
            few_thr=self.few_thr,
            accuracy={
                k: [None if np.isnan(x) else float(x) for x in v]
                for k, v in per_class.items()
            })
        with open(self.per_class_out, 'w') as f:
            json.dump(payload, f)
