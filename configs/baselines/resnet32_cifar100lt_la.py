# Baseline: logit-adjusted loss (Menon et al., ICLR 2021), tau = 1.
_base_ = ['./resnet32_cifar100lt_ce.py']
model = dict(
    head=dict(loss=dict(_delete_=True, type='LogitAdjustLoss',
                        num_classes=100, tau=1.0)))
