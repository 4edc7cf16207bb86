# LDAM-DRW as the official code
# (configs/baselines/resnet32_cifar100lt_ldam_drw.py): cosine classifier,
# margins 0.5 * n^-1/4 / max, s = 30; effective-number re-weighting from
# epoch 160 of 200.
_base_ = ['./_base_/cifar100lt_if100_200e.py']
model = dict(head=dict(_delete_=True, type='NormedLinearClsHead',
                       num_classes=100, in_channels=64,
                       loss=dict(type='LDAMLoss', num_classes=100,
                                 max_margin=0.5, scale=30.0, beta=0.9999)))
custom_hooks = [
    dict(type='WorkDirLockHook'),
    dict(type='ClassCountHook'),
    dict(type='ExactResumeHook'),
    dict(type='DeferredReweightHook', start_epoch=160),
]
comparison_rows = {'LDAM-DRW': 'raw'}
