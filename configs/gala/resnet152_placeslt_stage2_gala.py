# Places-LT stage 2: GALA classifier re-training (10 epochs), PRS tau 1.4.
# --cfg-options model.backbone.init_cfg.checkpoint=STAGE1.pth
_base_ = [
    '../_base_/models/resnet50_gala_stage2.py',
    '../_base_/datasets/placeslt_bs128.py',
    '../_base_/schedules/lt_classifier_retrain_10e.py',
    '../_base_/gala_runtime.py',
]
model = dict(
    backbone=dict(
        depth=152,
        init_cfg=dict(
            checkpoint='work_dirs/resnet152_placeslt_stage1_ce/epoch_30.pth')),
    head=dict(num_classes=365))
