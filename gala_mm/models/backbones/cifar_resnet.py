# Copyright (c) gala-mm contributors. All rights reserved.
"""The 6n+2 CIFAR ResNets of He et al. (ResNet-20/32/44/56/110)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.backbones import ResNet_CIFAR
from mmpretrain.models.backbones.resnet import BasicBlock, ResLayer
from mmpretrain.registry import MODELS
from ...utils import suggest_typos


class PadShortcut(nn.Module):
    """Parameter-free "option A" shortcut: subsample and zero-pad channels.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels (>= ``in_channels``).
        stride (int): Spatial subsampling.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 stride: int) -> None:
        super().__init__()
        self.stride = stride
        self.pad = out_channels - in_channels
        if self.pad < 0:
            raise ValueError('PadShortcut cannot reduce channels.')

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x[:, :, ::self.stride, ::self.stride]
        half = self.pad // 2
        return F.pad(x, (0, 0, 0, 0, half, self.pad - half))


@MODELS.register_module()
@suggest_typos
class CifarResNet(ResNet_CIFAR):
    """CIFAR ResNet with 3 stages of 16/32/64 channels (64-d features).

    mmpretrain's ``ResNet_CIFAR`` only has the ImageNet depths. This adds the
    depths of the CIFAR ResNets (He et al., 2016), built from mmpretrain's
    ``BasicBlock``/``ResLayer``: ResNet-32 is 3 stages of 5 blocks,
    about 0.46 M parameters, as in the long-tail literature (LDAM-DRW,
    GALA).

    Args:
        depth (int): One of 20, 32, 44, 56, 110. Defaults to 32.
        shortcut (str): ``'A'`` (default, the paper's parameter-free
            zero-padding shortcut) or ``'B'`` (mmpretrain's 1x1 conv + BN
            projection, ~3 k more parameters).
        **kwargs: Other arguments of :class:`ResNet_CIFAR`.
    """

    arch_settings = {
        20: (BasicBlock, (3, 3, 3)),
        32: (BasicBlock, (5, 5, 5)),
        44: (BasicBlock, (7, 7, 7)),
        56: (BasicBlock, (9, 9, 9)),
        110: (BasicBlock, (18, 18, 18)),
    }

    def __init__(self,
                 depth: int = 32,
                 shortcut: str = 'A',
                 stem_channels: int = 16,
                 base_channels: int = 16,
                 num_stages: int = 3,
                 strides: tuple = (1, 2, 2),
                 dilations: tuple = (1, 1, 1),
                 out_indices: tuple = (2, ),
                 **kwargs) -> None:
        if shortcut not in ('A', 'B'):
            raise ValueError(f"shortcut={shortcut!r}, expected 'A' or 'B'.")
        self.shortcut = shortcut
        super().__init__(
            depth,
            stem_channels=stem_channels,
            base_channels=base_channels,
            num_stages=num_stages,
            strides=strides,
            dilations=dilations,
            out_indices=out_indices,
            **kwargs)

    def make_res_layer(self, **kwargs) -> ResLayer:
        layer = ResLayer(**kwargs)
        first = layer[0]
        if self.shortcut == 'A' and first.downsample is not None:
            first.downsample = PadShortcut(kwargs['in_channels'],
                                           kwargs['out_channels'],
                                           kwargs.get('stride', 1))
        return layer
