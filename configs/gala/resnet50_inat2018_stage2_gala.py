# iNaturalist 2018 stage 2: GALA classifier re-training for 30 epochs (lr 0.2,
# wd 1e-4 as the authors' leftover iNat config), PRS tau 1.5.
# --cfg-options model.backbone.init_cfg.checkpoint=STAGE1.pth
_base_ = [
    '../_base_/models/resnet50_gala_stage2.py',
    '../_base_/datasets/inat2018_bs128.py',
    '../_base_/schedules/lt_classifier_retrain_10e.py',
    '../_base_/gala_runtime.py',
]
model = dict(
    backbone=dict(init_cfg=dict(
        checkpoint='work_dirs/resnet50_inat2018_stage1_ce/epoch_100.pth')),
    head=dict(num_classes=8142))
optim_wrapper = dict(optimizer=dict(lr=0.2, weight_decay=1e-4))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=30, by_epoch=True, begin=0, end=30)
]
train_cfg = dict(max_epochs=30)
