# Copyright (c) gala-mm contributors. All rights reserved.
from .cifar_autoaugment import CIFAR10AutoAugment, cifar10_policies

__all__ = ['CIFAR10AutoAugment', 'cifar10_policies']
