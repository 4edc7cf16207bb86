# iNaturalist 2018: 8142 classes; lists iNaturalist18_{train,val}.txt (the val
# split is the reported test set), made from the official JSON annotations by
# tools/dataset_converters/inat_json_to_list.py. See docs/datasets.md.
_base_ = ['./imagenetlt_bs128.py']

data_root = 'data/inat2018'
lt_dataset = dict(type='INaturalist2018', data_root=data_root,
                  data_prefix='')
data_preprocessor = dict(num_classes=8142)
train_dataloader = dict(
    dataset=dict(ann_file='iNaturalist18_train.txt', **lt_dataset))
val_dataloader = dict(
    dataset=dict(
        ann_file='iNaturalist18_val.txt',
        train_ann_file='iNaturalist18_train.txt',
        **lt_dataset))
val_evaluator = [
    dict(type='Accuracy', topk=(1, 5)),
    dict(type='LongTailAccuracy', prs_taus=1.5),
]
test_dataloader = val_dataloader
test_evaluator = val_evaluator
