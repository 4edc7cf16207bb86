# Balanced Softmax: logits + log prior in the training loss.
_base_ = ['./ce.py']
model = dict(head=dict(loss=dict(_delete_=True, type='BalancedSoftmaxLoss',
                                 num_classes=100)))
comparison_rows = {'_delete_': True, 'Balanced Softmax': 'raw'}
