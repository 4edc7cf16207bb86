# ImageNet-LT stage 2: re-train the classifier with GALA on the frozen stage-1
# backbone (10 epochs), PRS tau 1.7. Point the backbone at your stage-1
# checkpoint: --cfg-options model.backbone.init_cfg.checkpoint=PATH
_base_ = [
    '../_base_/models/resnet50_gala_stage2.py',
    '../_base_/datasets/imagenetlt_bs128.py',
    '../_base_/schedules/lt_classifier_retrain_10e.py',
    '../_base_/gala_runtime.py',
]
model = dict(
    backbone=dict(init_cfg=dict(
        checkpoint='work_dirs/resnet50_imagenetlt_stage1_ce/epoch_100.pth')),
    head=dict(num_classes=1000))
