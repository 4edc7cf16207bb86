# Balanced Softmax (Ren et al., NeurIPS 2020): logits + log prior in the
# training loss.
_base_ = ['./_base_/fmnist_lt_if100_64e.py']
model = dict(head=dict(_delete_=True, type='LinearClsHead', num_classes=10,
                       in_channels=64,
                       loss=dict(type='BalancedSoftmaxLoss', num_classes=10)))
comparison_rows = {'Balanced Softmax': 'raw'}
