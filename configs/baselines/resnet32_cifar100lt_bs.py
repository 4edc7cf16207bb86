# Baseline: Balanced Softmax (Ren et al., NeurIPS 2020).
_base_ = ['./resnet32_cifar100lt_ce.py']
model = dict(
    head=dict(loss=dict(_delete_=True, type='BalancedSoftmaxLoss',
                        num_classes=100)))
