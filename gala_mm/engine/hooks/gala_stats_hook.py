# Copyright (c) gala-mm contributors. All rights reserved.
"""Log and dump GALA's gradient statistics during training."""
import json
import os.path as osp
from typing import Dict, List, Optional

import numpy as np
import torch
from mmengine.dist import all_gather, get_world_size, is_main_process
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from ...long_tail import ShotGroups
from ...models.losses import GALALoss
from ...utils import suggest_typos
from .class_count_hook import shot_thresholds, unwrap_model


def gala_losses(model) -> List[GALALoss]:
    return [m for m in unwrap_model(model).modules()
            if isinstance(m, GALALoss)]


def summarize_log_theta(log_theta: np.ndarray,
                        class_counts: Optional[List[int]] = None,
                        many_thr: int = 100,
                        few_thr: int = 20) -> Dict[str, float]:
    """Mean ``log(theta + eps)`` of head / medium / tail classes.

    With class counts the groups are many/medium/few shot; without, the
    first / middle / last third of the class indices (CIFAR-LT classes are
    sorted by frequency).
    """
    groups = ShotGroups.from_counts(class_counts, many_thr, few_thr,
                                    num_classes=len(log_theta))
    out = {
        f'log_theta_{name}': float(log_theta[idx].mean())
        for name, idx in groups.indices.items() if len(idx)
    }
    out['log_theta_min'] = float(log_theta.min())
    out['log_theta_max'] = float(log_theta.max())
    return out


def _parse_record(line: str) -> Optional[dict]:
    """One line of ``gala_stats.jsonl``; None if it is not a whole record."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _state_checksum(model) -> torch.Tensor:
    """float64 ``[sum, sum of squares]`` over all parameters and buffers:
    equal on ranks that hold the same weights."""
    total = torch.zeros(2, dtype=torch.float64)
    for t in list(model.parameters()) + list(model.buffers()):
        if not t.is_complex():
            v = t.detach().double().cpu()
            total += torch.stack([v.sum(), (v * v).sum()])
    return total


def check_ranks_consistent(model, iters_per_epoch: int) -> None:
    """Raise before training when ranks disagree on the number of
    iterations per epoch (they would hang in a collective) or start from
    different weights / statistics (e.g. another checkpoint per rank).

    Args:
        model: The (possibly DDP-wrapped) model.
        iters_per_epoch (int): ``len(train_dataloader)`` of this rank.
    """
    world = get_world_size()
    if world == 1:
        return
    local = torch.cat([
        torch.tensor([float(iters_per_epoch)], dtype=torch.float64),
        _state_checksum(unwrap_model(model))
    ])
    gathered = [t.cpu() for t in all_gather(local)]
    iters = [int(t[0]) for t in gathered]
    if len(set(iters)) > 1:
        raise RuntimeError(
            f'The {world} ranks have different numbers of iterations per '
            f'epoch ({iters}): every rank needs the same dataset and a '
            'DefaultSampler (drop_last as in the config) so that their '
            'collectives match.')
    differ = [r for r, t in enumerate(gathered)
              if not torch.equal(t[1:], gathered[0][1:])]
    if differ:
        raise RuntimeError(
            f'Ranks {differ} start training from other weights or GALA '
            'statistics than rank 0: load the same checkpoint on every rank '
            '(the same --resume / load_from path on shared storage).')


@HOOKS.register_module()
@suggest_typos
class GALAStatsHook(Hook):
    """Every ``interval`` epochs: log a summary of GALA's ``log theta``,
    send it to the visualizer backends (e.g. TensorBoard) and append the
    full per-class statistics to ``<work_dir>/gala_stats.jsonl`` (read by
    ``tools/analysis/plot_gala_stats.py``).

    In a distributed run it also checks that every rank holds bit-identical
    statistics (they are all-reduced every step) and raises if not.

    Args:
        interval (int): Epoch interval. Defaults to 1.
        dump (bool): Write the JSON-lines file. Defaults to True.
    """
    priority = 'LOW'

    def __init__(self, interval: int = 1, dump: bool = True) -> None:
        if isinstance(interval, bool) or not isinstance(
                interval, int) or interval < 1:
            raise ValueError(
                f'GALAStatsHook: interval={interval!r} must be an integer '
                '>= 1 (epochs between two logs and rank checks); remove the '
                'hook from custom_hooks to turn it off.')
        self.interval = interval
        self.dump = dump

    def before_train(self, runner) -> None:
        """Before the first step: every rank has the same number of
        iterations per epoch and starts from the same weights and GALA
        statistics; after a resume, records of epochs that are trained
        again are dropped from ``gala_stats.jsonl``."""
        check_ranks_consistent(runner.model, len(runner.train_dataloader))
        path = osp.join(runner.work_dir, 'gala_stats.jsonl')
        if self.dump and is_main_process() and osp.isfile(path):
            with open(path) as f:
                lines = [x for x in f if x.strip()]
            records = [_parse_record(x) for x in lines]
            broken = sum(r is None for r in records)
            if broken:
                runner.logger.warning(
                    f'GALAStatsHook: {broken} unreadable record(s) in {path} '
                    '(a write cut short, e.g. by a full disk) are dropped.')
            keep = [x if x.endswith('\n') else x + '\n'
                    for x, r in zip(lines, records)
                    if r is not None and r.get('epoch', 0) <= runner.epoch]
            if len(keep) < len(lines):
                with open(path, 'w') as f:
                    f.writelines(keep)
                runner.logger.info(
                    f'GALAStatsHook: dropped {len(lines) - len(keep)} '
                    f'record(s) after epoch {runner.epoch} from {path} '
                    '(they are trained again after the resume).')

    def after_train_epoch(self, runner) -> None:
        if not self.every_n_epochs(runner, self.interval):
            return
        counts = runner.message_hub.get_info('class_counts')
        for i, loss in enumerate(gala_losses(runner.model)):
            self._check_ranks_agree(loss, runner)
            log_theta = loss.log_theta().cpu().numpy()
            many, few = shot_thresholds(runner.cfg)
            summary = summarize_log_theta(log_theta, counts, many, few)
            tag = 'gala' if i == 0 else f'gala{i}'
            runner.logger.info(f'{tag} statistics after epoch '
                               f'{runner.epoch + 1}: ' + ', '.join(
                                   f'{k}={v:.3f}'
                                   for k, v in summary.items()))
            runner.visualizer.add_scalars(
                {f'{tag}/{k}': v
                 for k, v in summary.items()}, step=runner.epoch + 1)
            if self.dump and is_main_process():
                record = dict(
                    loss=tag,
                    epoch=runner.epoch + 1,
                    iter=runner.iter,
                    num_updates=int(loss.num_updates),
                    theta=loss.theta.cpu().tolist(),
                    log_theta=log_theta.tolist(),
                    class_counts=counts)
                path = osp.join(runner.work_dir, 'gala_stats.jsonl')
                with open(path, 'a') as f:
                    f.write(json.dumps(record) + '\n')

    @staticmethod
    def _check_ranks_agree(loss: GALALoss, runner) -> None:
        if get_world_size() == 1:
            return
        thetas = all_gather(loss.theta)
        spread = max(float((t - thetas[0]).abs().max()) for t in thetas)
        if spread > 0:
            raise RuntimeError(
                f'GALA statistics differ across {len(thetas)} ranks (max '
                f'difference {spread:.3e}); they must be all-reduced every '
                'step. Is a rank skipping the training forward?')
        runner.logger.info(f'GALA statistics identical on {len(thetas)} '
                           'ranks.')
