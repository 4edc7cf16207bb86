# CIFAR-10-LT (exponential profile).
_base_ = ['./cifar100lt_bs64.py']

dataset_type = 'LongTailCIFAR10'
data_root = 'data/cifar10'
data_preprocessor = dict(num_classes=10)
train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
val_evaluator = [
    dict(type='Accuracy', topk=(1, )),
    dict(type='LongTailAccuracy', prs_taus=1.0),
]
test_dataloader = val_dataloader
test_evaluator = val_evaluator
