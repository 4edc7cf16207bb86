# LDAM-DRW (Cao et al., NeurIPS 2019) as the official code: cosine
# classifier, margins 0.5 * n^-1/4 / max subtracted from the target cosine,
# then s = 30; effective-number re-weighting from 80 % of the epochs.
_base_ = ['./_base_/fmnist_lt_if100_64e.py']
model = dict(head=dict(_delete_=True, type='NormedLinearClsHead',
                       num_classes=10, in_channels=64,
                       loss=dict(type='LDAMLoss', num_classes=10,
                                 max_margin=0.5, scale=30.0)))
# the demo's hooks, then deferred re-weighting
custom_hooks = [
    dict(type='WorkDirLockHook'),
    dict(type='ClassCountHook'),
    dict(type='ExactResumeHook'),
    dict(type='ChannelsLastHook'),
    dict(type='DeferredReweightHook', start_epoch=51),  # int(0.8 * 64)
]
comparison_rows = {'LDAM-DRW': 'raw'}
