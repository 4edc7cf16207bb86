# GALA + PRS on CIFAR-100-LT IF200.
_base_ = ['./resnet32_cifar100lt.py']
imbalance_factor = 200
train_dataloader = dict(dataset=dict(imbalance_factor=imbalance_factor))
val_dataloader = dict(dataset=dict(imbalance_factor=imbalance_factor))
test_dataloader = val_dataloader
