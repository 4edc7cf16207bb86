# Baseline: mmpretrain's focal loss (Lin et al., 2017), gamma 2.
_base_ = ['./resnet32_cifar100lt_ce.py']
model = dict(
    head=dict(loss=dict(_delete_=True, type='FocalLoss', gamma=2.0)))
