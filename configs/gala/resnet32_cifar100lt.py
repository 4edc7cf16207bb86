# GALA + PRS on CIFAR-100-LT IF100: ResNet-32, batch 64, SGD, 200 epochs,
# cosine with warm-up, AutoAugment + Cutout, lambda 1.2 / 0.9, PRS tau 1.
_base_ = [
    '../_base_/models/resnet32_cifar_gala.py',
    '../_base_/datasets/cifar100lt_bs64.py',
    '../_base_/schedules/cifar_lt_200e.py',
    '../_base_/gala_runtime.py',
]
