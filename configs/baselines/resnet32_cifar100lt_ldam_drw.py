# Baseline: LDAM with deferred re-weighting from epoch 160 (Cao et al.,
# NeurIPS 2019). mmpretrain's head is linear (not cosine), so the logits are
# used unscaled (scale=1) with margin 0.5.
_base_ = ['./resnet32_cifar100lt_ce.py']
model = dict(
    head=dict(loss=dict(_delete_=True, type='LDAMLoss', num_classes=100,
                        max_margin=0.5, scale=1.0)))
custom_hooks = [
    dict(type='ClassCountHook'),
    dict(type='DeferredReweightHook', start_epoch=160),
]
