# Copyright (c) gala-mm contributors. All rights reserved.
"""Channels-last (NHWC) memory format for training and evaluation."""
import torch
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from ...utils import suggest_typos
from .class_count_hook import unwrap_model


def _inputs_to_channels_last(module, args, output):
    """Forward hook of the data preprocessor: 4-D image batches leave it in
    channels-last layout (same values, other strides)."""
    inputs = output.get('inputs') if isinstance(output, dict) else None
    if isinstance(inputs, torch.Tensor) and inputs.dim() == 4:
        output['inputs'] = inputs.contiguous(
            memory_format=torch.channels_last)
    return output


@HOOKS.register_module()
@suggest_typos
class ChannelsLastHook(Hook):
    """Run convolutions in channels-last layout: the model's 4-D weights
    and the data preprocessor's image batches are converted once, when the
    first loop starts (after weight init and checkpoint loading, which
    would otherwise fill the weights in another order; before the first
    call of a step compiled by mmengine's ``compile=True``).

    Numbers are those of the default layout up to float rounding; what
    changes is the speed of oneDNN / cuDNN convolutions (measured in
    ``docs/benchmarks.md``). Checkpoints load into either layout.

    Usage: ``custom_hooks = [dict(type='ChannelsLastHook')]``.
    """
    priority = 'VERY_HIGH'

    def _convert(self, runner) -> None:
        model = unwrap_model(runner.model)
        if getattr(model, '_gala_channels_last', False):
            return
        model.to(memory_format=torch.channels_last)
        preprocessor = getattr(model, 'data_preprocessor', None)
        if preprocessor is not None:
            preprocessor.register_forward_hook(_inputs_to_channels_last)
        model._gala_channels_last = True

    def before_train(self, runner) -> None:
        self._convert(runner)

    def before_val(self, runner) -> None:
        self._convert(runner)

    def before_test(self, runner) -> None:
        self._convert(runner)


__all__ = ['ChannelsLastHook']
