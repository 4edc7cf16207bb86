# ImageNet-LT stage 2: re-train the classifier with GALA on the frozen stage-1
# backbone (10 epochs), PRS tau 1.7. Point the backbone at your stage-1
# checkpoint: --cfg-options model.backbone.init_cfg.checkpoint=PATH
_base_ = [
    'mmpretrain::_base_/models/resnet50.py',
    '../_base_/datasets/imagenetlt_bs128.py',
    '../_base_/schedules/lt_classifier_retrain_10e.py',
    '../_base_/gala_runtime.py',
]
model = dict(
    backbone=dict(
        frozen_stages=4,
        norm_eval=True,  # frozen BN statistics too (the official code let
        # them drift)
        init_cfg=dict(
            type='Pretrained',
            checkpoint='work_dirs/resnet50_imagenetlt_stage1_ce/epoch_100.pth',
            prefix='backbone')),
    head=dict(
        _delete_=True,
        type='GALAHead',
        num_classes=1000,
        in_channels=2048,
        loss=dict(type='GALALoss', lambda_pos=1.2, lambda_neg=0.9),
        topk=(1, 5)))
