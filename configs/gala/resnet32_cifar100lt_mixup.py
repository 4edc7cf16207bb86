# GALA with mmpretrain's Mixup / CutMix batch augments: the head receives
# soft targets (gt_score), which GALALoss treats as label mixtures.
_base_ = ['./resnet32_cifar100lt.py']
model = dict(
    train_cfg=dict(augments=[
        dict(type='Mixup', alpha=0.8),
        dict(type='CutMix', alpha=1.0),
    ]))
