# Fashion-MNIST-LT: Fashion-MNIST in CIFAR-10 layout (made by
# tools/dataset_converters/fashion_mnist_to_cifar.py), long-tailed with the
# CIFAR-10-LT protocol. The offline demo and accuracy benchmark.
_base_ = ['./cifar10lt_bs64.py']

data_root = 'data/fashion_mnist'
metainfo = dict(classes=('T-shirt/top', 'Trouser', 'Pullover', 'Dress',
                         'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag',
                         'Ankle boot'))
data_preprocessor = dict(
    num_classes=10, mean=[72.94] * 3, std=[90.02] * 3, to_rgb=False)

# Grey clothing images: crop + flip, no colour policy.
train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
# The converter keeps 6,000 training images per class: 1,000 per class are
# held out as a balanced validation split (split='val', for choosing PRS's
# tau), the CIFAR-10-LT profile (5,000 -> 50) is drawn from the rest.
lt_dataset = dict(
    data_root=data_root,
    metainfo=metainfo,
    val_per_class=1000,
    verify_md5=False,
    download=False)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline, **lt_dataset))
val_dataloader = dict(dataset=lt_dataset)
test_dataloader = val_dataloader
# CIFAR-10-LT has no class with < 20 images, so the ImageNet-LT thresholds
# (100 / 20) leave the few-shot group empty; 1500 / 200 split the ten
# classes (5000 ... 50 images) 3 / 4 / 3.
val_evaluator = [
    dict(type='Accuracy', topk=(1, )),
    dict(type='LongTailAccuracy', many_thr=1500, few_thr=200, prs_tau=1.0),
]
test_evaluator = val_evaluator
