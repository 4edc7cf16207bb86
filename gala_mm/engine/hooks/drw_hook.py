# Copyright (c) gala-mm contributors. All rights reserved.
"""Deferred re-weighting (DRW) switch for LDAM-DRW."""
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from .class_count_hook import unwrap_model


@HOOKS.register_module()
class DeferredReweightHook(Hook):
    """Turn on class-balanced re-weighting from ``start_epoch`` (0-based).

    Stateless, so a resumed run switches at the same epoch. Every module
    with a ``reweight`` attribute (``LDAMLoss``) is switched.

    Args:
        start_epoch (int): First epoch with re-weighting. Defaults to 160
            (of 200, as in LDAM-DRW).
    """

    def __init__(self, start_epoch: int = 160) -> None:
        self.start_epoch = start_epoch

    def before_train_epoch(self, runner) -> None:
        on = runner.epoch >= self.start_epoch
        for module in unwrap_model(runner.model).modules():
            if hasattr(module, 'reweight') and module.reweight != on:
                module.reweight = on
                runner.logger.info(
                    f'DeferredReweightHook: re-weighting {"on" if on else "off"}'
                    f' for {type(module).__name__} at epoch {runner.epoch}.')
