# Copyright (c) gala-mm contributors. All rights reserved.
"""Deferred re-weighting (DRW) switch for LDAM-DRW."""
from typing import Optional

from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from .class_count_hook import unwrap_model
from ...utils import suggest_typos


@HOOKS.register_module()
@suggest_typos
class DeferredReweightHook(Hook):
    """Turn on class-balanced re-weighting from a given epoch or iteration.

    Every module with a ``reweight`` attribute (``LDAMLoss``) is switched.
    Stateless: a resumed run switches at the same point. Give exactly one
    of ``start_epoch`` (epoch-based loops: checked before each epoch) and
    ``start_iter`` (any loop, iteration-based included: checked before
    each iteration).

    Args:
        start_epoch (int, optional): First epoch (0-based) with
            re-weighting. Defaults to 160 (of 200, as in LDAM-DRW) when
            ``start_iter`` is not given.
        start_iter (int, optional): First iteration (0-based) with
            re-weighting.
    """

    def __init__(self,
                 start_epoch: Optional[int] = None,
                 start_iter: Optional[int] = None) -> None:
        if start_epoch is not None and start_iter is not None:
            raise ValueError('DeferredReweightHook: give start_epoch or '
                             'start_iter, not both.')
        if start_epoch is None and start_iter is None:
            start_epoch = 160
        for name, value in (('start_epoch', start_epoch),
                            ('start_iter', start_iter)):
            if value is not None and (not isinstance(value, int)
                                      or value < 0):
                raise ValueError(f'DeferredReweightHook: {name}={value!r} '
                                 'must be an integer >= 0.')
        self.start_epoch = start_epoch
        self.start_iter = start_iter

    def _switch(self, runner, on: bool) -> None:
        for module in unwrap_model(runner.model).modules():
            if hasattr(module, 'reweight') and module.reweight != on:
                module.reweight = on
                state = 'on' if on else 'off'
                runner.logger.info(
                    f'DeferredReweightHook: re-weighting {state}'
                    f' for {type(module).__name__} at epoch {runner.epoch}, '
                    f'iteration {runner.iter}.')

    def before_train_epoch(self, runner) -> None:
        if self.start_epoch is not None:
            self._switch(runner, runner.epoch >= self.start_epoch)

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        if self.start_iter is not None:
            self._switch(runner, runner.iter >= self.start_iter)
