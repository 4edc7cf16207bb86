# Cross-entropy, and post-hoc logit adjustment of the same model (tau
# chosen on validation); the head of
# configs/baselines/resnet32_cifar100lt_ce.py.
_base_ = ['./_base_/cifar100lt_if100_200e.py']
model = dict(head=dict(_delete_=True, type='LinearClsHead', num_classes=100,
                       in_channels=64, loss=dict(type='CrossEntropyLoss')))
comparison_rows = {'CE': 'raw', 'LA post-hoc': 'la'}
