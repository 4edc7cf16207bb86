# Copyright (c) gala-mm contributors. All rights reserved.
from .cifar_resnet import CifarResNet, PadShortcut

__all__ = ['CifarResNet', 'PadShortcut']
