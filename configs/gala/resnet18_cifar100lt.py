# GALA in another mmpretrain classifier: mmpretrain's ResNet-18 (CIFAR stem,
# 512-d features) with the GALA head, everything else as the ResNet-32 run.
_base_ = ['./resnet32_cifar100lt.py']
model = dict(
    backbone=dict(_delete_=True, type='ResNet_CIFAR', depth=18),
    head=dict(in_channels=512))
