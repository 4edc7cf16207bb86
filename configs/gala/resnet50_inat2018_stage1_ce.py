# iNaturalist 2018 stage 1: ResNet-50 with cross-entropy, 100 epochs cosine.
_base_ = [
    'mmpretrain::_base_/models/resnet50.py',
    '../_base_/datasets/inat2018_bs128.py',
    'mmpretrain::_base_/schedules/imagenet_bs256_coslr.py',
    '../_base_/gala_runtime.py',
]
model = dict(head=dict(num_classes=8142))
