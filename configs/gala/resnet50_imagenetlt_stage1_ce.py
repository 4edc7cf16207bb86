# ImageNet-LT stage 1: ResNet-50 with plain cross-entropy (instance-balanced
# sampling), mmpretrain's 100-epoch cosine schedule. 4 GPUs x 128 images.
_base_ = [
    'mmpretrain::_base_/models/resnet50.py',
    '../_base_/datasets/imagenetlt_bs128.py',
    'mmpretrain::_base_/schedules/imagenet_bs256_coslr.py',
    '../_base_/gala_runtime.py',
]
