# GALA + PRS on CIFAR-10-LT IF100 (same recipe as CIFAR-100-LT).
_base_ = [
    '../_base_/models/resnet32_cifar_gala.py',
    '../_base_/datasets/cifar10lt_bs64.py',
    '../_base_/schedules/cifar_lt_200e.py',
    '../_base_/gala_runtime.py',
]
model = dict(head=dict(num_classes=10))
