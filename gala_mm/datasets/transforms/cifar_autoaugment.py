# Copyright (c) gala-mm contributors. All rights reserved.
"""AutoAugment with the CIFAR-10 policy (Cubuk et al., CVPR 2019)."""
from typing import List

from mmpretrain.datasets.transforms import AutoAugment
from mmpretrain.registry import TRANSFORMS

# (prob, op, level) pairs of the 25 CIFAR-10 sub-policies; level in 0..9.
_CIFAR10_SUB_POLICIES = [
    [(0.1, 'Invert', 7), (0.2, 'Contrast', 6)],
    [(0.7, 'Rotate', 2), (0.3, 'TranslateX', 9)],
    [(0.8, 'Sharpness', 1), (0.9, 'Sharpness', 3)],
    [(0.5, 'ShearY', 8), (0.7, 'TranslateY', 9)],
    [(0.5, 'AutoContrast', 8), (0.9, 'Equalize', 2)],
    [(0.2, 'ShearY', 7), (0.3, 'Posterize', 7)],
    [(0.4, 'Color', 3), (0.6, 'Brightness', 7)],
    [(0.3, 'Sharpness', 9), (0.7, 'Brightness', 9)],
    [(0.6, 'Equalize', 5), (0.5, 'Equalize', 1)],
    [(0.6, 'Contrast', 7), (0.6, 'Sharpness', 5)],
    [(0.7, 'Color', 7), (0.5, 'TranslateX', 8)],
    [(0.3, 'Equalize', 7), (0.4, 'AutoContrast', 8)],
    [(0.4, 'TranslateY', 3), (0.2, 'Sharpness', 6)],
    [(0.9, 'Brightness', 6), (0.2, 'Color', 8)],
    [(0.5, 'Solarize', 2), (0.0, 'Invert', 3)],
    [(0.2, 'Equalize', 0), (0.6, 'AutoContrast', 0)],
    [(0.2, 'Equalize', 8), (0.6, 'Equalize', 4)],
    [(0.9, 'Color', 9), (0.6, 'Equalize', 6)],
    [(0.8, 'AutoContrast', 4), (0.2, 'Solarize', 8)],
    [(0.1, 'Brightness', 3), (0.7, 'Color', 0)],
    [(0.4, 'Solarize', 5), (0.9, 'AutoContrast', 3)],
    [(0.9, 'TranslateY', 9), (0.7, 'TranslateY', 9)],
    [(0.9, 'AutoContrast', 2), (0.8, 'Solarize', 3)],
    [(0.8, 'Equalize', 8), (0.1, 'Invert', 3)],
    [(0.7, 'TranslateY', 9), (0.9, 'AutoContrast', 1)],
]


def _op(prob: float, name: str, level: int) -> dict:
    """One sub-policy op as an mmpretrain transform config.

    Magnitude ranges as in the AutoAugment paper: shear 0..0.3, translate
    0..150/331 of the image, rotate 0..30 degrees, colour/contrast/
    brightness/sharpness 0..0.9 (signed at random), posterize 8..4 bits,
    solarize threshold 256..0.
    """
    frac = level / 9
    signed = dict(prob=prob, random_negative_prob=0.5)
    if name in ('ShearX', 'ShearY'):
        return dict(type='Shear', magnitude=0.3 * frac,
                    direction='horizontal' if name == 'ShearX' else
                    'vertical', **signed)
    if name in ('TranslateX', 'TranslateY'):
        return dict(type='Translate', magnitude=150 / 331 * frac,
                    direction='horizontal' if name == 'TranslateX' else
                    'vertical', **signed)
    if name == 'Rotate':
        return dict(type='Rotate', angle=30 * frac, **signed)
    if name in ('Color', 'Contrast', 'Brightness', 'Sharpness'):
        kind = 'ColorTransform' if name == 'Color' else name
        return dict(type=kind, magnitude=0.9 * frac, **signed)
    if name == 'Posterize':
        return dict(type='Posterize', bits=int(round(8 - 4 * frac)),
                    prob=prob)
    if name == 'Solarize':
        return dict(type='Solarize', thr=256 * (1 - frac), prob=prob)
    return dict(type=name, prob=prob)  # AutoContrast, Equalize, Invert


def cifar10_policies() -> List[List[dict]]:
    """The CIFAR-10 AutoAugment policy as mmpretrain transform configs."""
    return [[_op(*op) for op in sub] for sub in _CIFAR10_SUB_POLICIES]


@TRANSFORMS.register_module()
class CIFAR10AutoAugment(AutoAugment):
    """mmpretrain's :class:`AutoAugment` with the CIFAR-10 policy, which
    mmpretrain does not ship (the GALA and LDAM recipes use it).

    Args:
        hparams (dict): Shared hyper-parameters, e.g. ``pad_val``.
            Defaults to ``dict(pad_val=128)``.
    """

    def __init__(self, hparams: dict = dict(pad_val=128)) -> None:
        super().__init__(policies=cifar10_policies(), hparams=hparams)
