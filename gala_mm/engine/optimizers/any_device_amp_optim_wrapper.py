# Copyright (c) gala-mm contributors. All rights reserved.
"""Mixed precision on any device for mmengine's optimizer wrapper."""
from contextlib import contextmanager
from typing import Optional, Union

import torch
import torch.nn as nn
from mmengine.device import (is_cuda_available, is_mlu_available,
                             is_musa_available, is_npu_available)
from mmengine.logging import MMLogger
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmpretrain.registry import OPTIM_WRAPPERS

from ...compat.cpu import cpu_has_native_bf16


def _accelerator_available() -> bool:
    return (is_cuda_available() or is_npu_available() or is_mlu_available()
            or is_musa_available())


@OPTIM_WRAPPERS.register_module()
class AnyDeviceAmpOptimWrapper(AmpOptimWrapper):
    """``AmpOptimWrapper`` that also trains on the CPU.

    mmengine's :class:`AmpOptimWrapper` asserts that a GPU/NPU/MLU is
    present. On such devices this class behaves exactly like it (fp16 by
    default, dynamic loss scaling). On the CPU it autocasts to bfloat16
    (the only low-precision type CPU autocast supports well) and, since
    bfloat16 has the exponent range of float32, uses no loss scaler.
    ``tools/train.py --amp`` selects this wrapper.

    Args:
        loss_scale (float | str | dict): Loss scaling, as in
            :class:`AmpOptimWrapper`. Ignored on the CPU.
            Defaults to ``'dynamic'``.
        dtype (str | torch.dtype, optional): Autocast dtype. Defaults to
            None: float16 on accelerators, bfloat16 on the CPU.
        use_fsdp (bool): Use ``ShardedGradScaler``. Defaults to False.
        **kwargs: Passed to :class:`OptimWrapper`.
    """

    def __init__(self,
                 loss_scale: Union[str, float, dict] = 'dynamic',
                 dtype: Optional[Union[str, torch.dtype]] = None,
                 use_fsdp: bool = False,
                 **kwargs):
        self.device_type = 'cuda' if _accelerator_available() else 'cpu'
        if self.device_type != 'cpu':
            super().__init__(
                loss_scale=loss_scale, dtype=dtype, use_fsdp=use_fsdp,
                **kwargs)
            return
        OptimWrapper.__init__(self, **kwargs)
        if isinstance(dtype, str):
            if dtype not in self.valid_dtypes:
                raise ValueError(f'dtype should be one of {self.valid_dtypes}'
                                 f', got {dtype!r}')
            dtype = getattr(torch, dtype)
        dtype = torch.bfloat16 if dtype is None else dtype
        if dtype == torch.float16:
            raise ValueError(
                'float16 autocast is not supported on the CPU; use '
                "dtype='bfloat16' (the default on CPU) or train on a GPU.")
        self.cast_dtype = dtype
        self.loss_scaler = None
        self._scale_update_param = None
        if dtype == torch.bfloat16 and not cpu_has_native_bf16():
            MMLogger.get_current_instance().warning(
                'AnyDeviceAmpOptimWrapper: this CPU has no native bfloat16 '
                '(no AMX / AVX512-BF16 in /proc/cpuinfo), so bf16 autocast '
                'is emulated and about 40x slower than float32: train '
                'without --amp here.')

    def backward(self, loss: torch.Tensor, **kwargs) -> None:
        if self.loss_scaler is None:
            return OptimWrapper.backward(self, loss, **kwargs)
        return super().backward(loss, **kwargs)

    def step(self, **kwargs) -> None:
        if self.loss_scaler is None:
            return OptimWrapper.step(self, **kwargs)
        return super().step(**kwargs)

    def state_dict(self) -> dict:
        if self.loss_scaler is None:
            return OptimWrapper.state_dict(self)
        return super().state_dict()

    def load_state_dict(self, state_dict: dict) -> None:
        if self.loss_scaler is None:
            # A checkpoint written on a GPU carries a scaler state that a
            # bfloat16 CPU run does not need.
            state_dict = dict(state_dict)
            state_dict.pop('loss_scaler', None)
            if 'base_param_settings' in state_dict:
                self.base_param_settings = state_dict.pop(
                    'base_param_settings')
            self.optimizer.load_state_dict(state_dict)
            return
        super().load_state_dict(state_dict)

    @contextmanager
    def optim_context(self, model: nn.Module):
        if self.loss_scaler is not None:
            with super().optim_context(model):
                yield
            return
        with OptimWrapper.optim_context(self, model), torch.autocast(
                device_type='cpu', dtype=self.cast_dtype):
            yield


__all__ = ['AnyDeviceAmpOptimWrapper']
