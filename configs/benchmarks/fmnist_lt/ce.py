# Cross-entropy, and post-hoc logit adjustment of the same model (Menon et
# al., ICLR 2021: logits - tau log prior, tau chosen on validation).
_base_ = ['./_base_/fmnist_lt_if100_64e.py']
model = dict(head=dict(_delete_=True, type='LinearClsHead', num_classes=10,
                       in_channels=64, loss=dict(type='CrossEntropyLoss')))
comparison_rows = {'CE': 'raw', 'LA post-hoc': 'la'}
