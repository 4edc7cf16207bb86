# ImageNet-LT (Liu et al., 2019) from the official split lists:
# data/imagenet/{ImageNet_LT_train,ImageNet_LT_val,ImageNet_LT_test}.txt
# with paths like train/n01440764/n01440764_10026.JPEG. See docs/datasets.md.
_base_ = ['mmpretrain::_base_/datasets/imagenet_bs64.py']

data_root = 'data/imagenet'
lt_dataset = dict(type='ImageNetLT', data_root=data_root, data_prefix='')
# Stacked batches (tools/train.py's default), also for scripts that build
# the Runner directly.
train_dataloader = dict(
    batch_size=128,
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        _delete_=True,
        ann_file='ImageNet_LT_train.txt',
        pipeline={{_base_.train_pipeline}},
        **lt_dataset))
val_dataloader = dict(
    batch_size=128,
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        _delete_=True,
        ann_file='ImageNet_LT_test.txt',
        train_ann_file='ImageNet_LT_train.txt',
        test_mode=True,
        pipeline={{_base_.test_pipeline}},
        **lt_dataset))
val_evaluator = [
    dict(type='Accuracy', topk=(1, 5)),
    dict(type='LongTailAccuracy', prs_taus=1.7),
]
test_dataloader = val_dataloader
test_evaluator = val_evaluator
