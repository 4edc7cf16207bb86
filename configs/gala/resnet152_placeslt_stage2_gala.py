# Places-LT stage 2: GALA classifier re-training (10 epochs), PRS tau 1.4.
# --cfg-options model.backbone.init_cfg.checkpoint=STAGE1.pth
_base_ = [
    'mmpretrain::_base_/models/resnet152.py',
    '../_base_/datasets/placeslt_bs128.py',
    '../_base_/schedules/lt_classifier_retrain_10e.py',
    '../_base_/gala_runtime.py',
]
model = dict(
    backbone=dict(
        frozen_stages=4,
        norm_eval=True,
        init_cfg=dict(
            type='Pretrained',
            checkpoint='work_dirs/resnet152_placeslt_stage1_ce/epoch_30.pth',
            prefix='backbone')),
    head=dict(
        _delete_=True,
        type='GALAHead',
        num_classes=365,
        in_channels=2048,
        loss=dict(type='GALALoss', lambda_pos=1.2, lambda_neg=0.9),
        topk=(1, 5)))
