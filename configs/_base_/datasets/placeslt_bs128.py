# Places-LT (Liu et al., 2019): 365 classes, lists Places_LT_{train,val,test}.txt
# relative to the Places365-Standard image root. See docs/datasets.md.
_base_ = ['./imagenetlt_bs128.py']

data_root = 'data/places365'
lt_dataset = dict(type='PlacesLT', data_root=data_root, data_prefix='')
data_preprocessor = dict(num_classes=365)
train_dataloader = dict(
    dataset=dict(ann_file='Places_LT_train.txt', **lt_dataset))
val_dataloader = dict(
    dataset=dict(
        ann_file='Places_LT_test.txt',
        train_ann_file='Places_LT_train.txt',
        **lt_dataset))
val_evaluator = [
    dict(type='Accuracy', topk=(1, 5)),
    dict(type='LongTailAccuracy', prs_taus=1.4),
]
test_dataloader = val_dataloader
test_evaluator = val_evaluator
