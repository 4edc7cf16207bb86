# Baseline: Gaussian clouded logit loss, stage 1 (Li et al., CVPR 2022), as
# the official CIFAR setting: cosine classifier, noise_mul 0.5, no margin,
# scale s = 30. Same data and schedule as GALA (no Mixup, like every
# method compared here).
_base_ = ['./resnet32_cifar100lt_ce.py']
model = dict(
    head=dict(
        _delete_=True,
        type='NormedLinearClsHead',
        num_classes=100,
        in_channels=64,
        loss=dict(type='GCLLoss', num_classes=100, noise_mul=0.5,
                  margin=0.0, scale=30.0)))
