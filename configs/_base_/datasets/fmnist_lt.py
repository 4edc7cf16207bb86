# Fashion-MNIST-LT: mmpretrain's FashionMNIST (the idx files in data_root,
# see tools/dataset_converters/prepare_fashion_mnist.py) long-tailed with the
# CIFAR-10-LT protocol. The offline demo and accuracy benchmark.
_base_ = ['./cifar10lt_bs64.py']

dataset_type = 'LongTailFashionMNIST'
data_root = 'data/fashion_mnist'
# 28x28 grey images: one channel, which the three equal means broadcast to
# the three channels of ResNet-32.
data_preprocessor = dict(
    num_classes=10, mean=[72.94] * 3, std=[90.02] * 3, to_rgb=False)

# Centred to 32x32, then the CIFAR recipe without the colour policy.
train_pipeline = [
    dict(type='CenterPad', size=32),
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='CenterPad', size=32), dict(type='PackInputs')]
# Fashion-MNIST has 6,000 training images per class: 1,000 per class are
# held out as a balanced validation split (split='val', for choosing PRS's
# tau), the CIFAR-10-LT profile (5,000 -> 50) is drawn from the rest.
lt_dataset = dict(
    type=dataset_type, data_root=data_root, val_per_class=1000,
    download=False)
train_dataloader = dict(
    dataset=dict(pipeline=train_pipeline, **lt_dataset))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline, **lt_dataset))
test_dataloader = val_dataloader
# CIFAR-10-LT has no class with < 20 images, so the ImageNet-LT thresholds
# (100 / 20) leave the few-shot group empty; 1500 / 200 split the ten
# classes (5000 ... 50 images) 3 / 4 / 3.
val_evaluator = [
    dict(type='Accuracy', topk=(1, )),
    dict(type='LongTailAccuracy', many_thr=1500, few_thr=200, prs_taus=1.0),
]
test_evaluator = val_evaluator
