# CIFAR-100-LT (exponential profile), the GALA / LDAM-DRW recipe.
_base_ = ['mmpretrain::_base_/datasets/cifar100_bs16.py']

dataset_type = 'LongTailCIFAR100'
imbalance_factor = 100
data_root = 'data/cifar100'
data_preprocessor = dict(
    num_classes=100,
    # (0.4914, 0.4822, 0.4465) / (0.2023, 0.1994, 0.2010) x 255, as the
    # official GALA code.
    mean=[125.307, 122.961, 113.8575],
    std=[51.5865, 50.847, 51.255],
    to_rgb=False)

train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='CIFAR10AutoAugment'),
    dict(type='Cutout', shape=16, pad_val=0, prob=1.0),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]

# default_collate stacks each batch in the loader workers (tools/train.py's
# default too): one shared tensor per batch instead of one per image, also
# for scripts that build the Runner directly (tune_tau.py, the APIs).
train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        imbalance_factor=imbalance_factor,
        seed=0,
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True))

val_dataloader = dict(
    batch_size=256,
    num_workers=2,
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        imbalance_factor=imbalance_factor,
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = [
    dict(type='Accuracy', topk=(1, 5)),
    dict(type='LongTailAccuracy', prs_taus=1.0),
]
test_dataloader = val_dataloader
test_evaluator = val_evaluator
