# Places-LT stage 1: ResNet-152 pre-trained on ImageNet-1k (mmpretrain model
# zoo), fine-tuned with cross-entropy for 30 epochs.
_base_ = [
    'mmpretrain::_base_/models/resnet152.py',
    '../_base_/datasets/placeslt_bs128.py',
    'mmpretrain::_base_/schedules/imagenet_bs256_coslr.py',
    '../_base_/gala_runtime.py',
]
model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.openmmlab.com/mmclassification/v0/'
            'resnet/resnet152_8xb32_in1k_20210901-4d7582fa.pth',
            prefix='backbone')),
    head=dict(num_classes=365))
optim_wrapper = dict(optimizer=dict(lr=0.01))
param_scheduler = dict(T_max=30, end=30)
train_cfg = dict(max_epochs=30)
