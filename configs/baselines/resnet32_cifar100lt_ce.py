# Baseline: plain cross-entropy, same data/schedule as GALA. The metric also
# reports post-hoc logit adjustment (Menon et al., la_tau=1) and PRS.
_base_ = ['../gala/resnet32_cifar100lt.py']
model = dict(
    head=dict(
        _delete_=True,
        type='LinearClsHead',
        num_classes=100,
        in_channels=64,
        loss=dict(type='CrossEntropyLoss')))
val_evaluator = [
    dict(type='Accuracy', topk=(1, 5)),
    dict(type='LongTailAccuracy', prs_taus=1.0, la_taus=1.0),
]
test_evaluator = val_evaluator
