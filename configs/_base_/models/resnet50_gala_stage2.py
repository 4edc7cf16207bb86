# Stage 2 of the large-scale protocol: the stage-1 backbone frozen (BN
# statistics too; the official code let them drift) and a GALA classifier
# re-trained on it. Leaves set the stage-1 checkpoint
# (model.backbone.init_cfg.checkpoint), num_classes and, for ResNet-152,
# the depth.
_base_ = ['mmpretrain::_base_/models/resnet50.py']
model = dict(
    backbone=dict(
        frozen_stages=4,
        norm_eval=True,
        init_cfg=dict(type='Pretrained', prefix='backbone')),
    head=dict(
        _delete_=True,
        type='PRSLinearClsHead',
        num_classes=1000,
        in_channels=2048,
        loss=dict(type='GALALoss', lambda_pos=1.2, lambda_neg=0.9),
        topk=(1, 5)))
