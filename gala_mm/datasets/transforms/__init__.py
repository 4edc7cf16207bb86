# Copyright (c) gala-mm contributors. All rights reserved.
from .center_pad import CenterPad
from .cifar_autoaugment import CIFAR10AutoAugment, cifar10_policies

__all__ = ['CIFAR10AutoAugment', 'cifar10_policies', 'CenterPad']
