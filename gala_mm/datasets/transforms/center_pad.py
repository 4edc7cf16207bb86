# Copyright (c) gala-mm contributors. All rights reserved.
"""Zero-padding that keeps the image centred."""
from typing import Sequence, Union

import mmcv
from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS


@TRANSFORMS.register_module()
class CenterPad(BaseTransform):
    """Pad an image equally on every side up to ``size`` (no-op when it is
    already as large); e.g. Fashion-MNIST's 28x28 to CIFAR's 32x32.

    mmcv's ``Pad`` pads at the bottom and right only; mmpretrain's
    ``RandomCrop(padding=)`` picks a random offset for any input larger than
    its crop.

    Required keys: ``img`` (H, W) or (H, W, C). Modified keys: ``img``,
    ``img_shape``.

    Args:
        size (int | Sequence[int]): The least (height, width) of the output.
        pad_val (int): Value of the padded pixels. Defaults to 0.
    """

    def __init__(self, size: Union[int, Sequence[int]],
                 pad_val: int = 0) -> None:
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        if len(self.size) != 2 or min(self.size) < 1:
            raise ValueError(f'CenterPad: size={size!r}, expected an int '
                             'or (height, width) > 0.')
        self.pad_val = pad_val

    def transform(self, results: dict) -> dict:
        img = results['img']
        extra_h = max(self.size[0] - img.shape[0], 0)
        extra_w = max(self.size[1] - img.shape[1], 0)
        if extra_h or extra_w:
            top, left = extra_h // 2, extra_w // 2
            img = mmcv.impad(
                img,
                padding=(left, top, extra_w - left, extra_h - top),
                pad_val=self.pad_val)
            results['img'] = img
            results['img_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(size={self.size}, ' \
            f'pad_val={self.pad_val})'
