# Baseline: LDAM-DRW (Cao et al., NeurIPS 2019) as the official code: a
# cosine classifier (NormedLinear), margins 0.5 * n^-1/4 subtracted from the
# target cosine, then scale s = 30; class-balanced re-weighting (beta =
# 0.9999) from epoch 160 of 200. Same data and schedule as GALA.
_base_ = ['./resnet32_cifar100lt_ce.py']
model = dict(
    head=dict(
        _delete_=True,
        type='NormedLinearClsHead',
        num_classes=100,
        in_channels=64,
        loss=dict(type='LDAMLoss', num_classes=100, max_margin=0.5,
                  scale=30.0, beta=0.9999)))
custom_hooks = [
    dict(type='WorkDirLockHook'),
    dict(type='ClassCountHook'),
    dict(type='ExactResumeHook'),
    dict(type='DeferredReweightHook', start_epoch=160),
]
