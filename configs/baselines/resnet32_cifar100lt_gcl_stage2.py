# Baseline: GCL stage 2 (Li et al., CVPR 2022), classifier re-balancing as
# the official CIFAR script (cifar_train_classifier.py): the stage-1 GCL
# model with its backbone frozen (weights and BN statistics), the cosine
# classifier re-trained for 30 epochs with class-balanced sampling and
# GCLLoss(margin 0.1, s = 20, noise_mul 0.5, focal gamma 1), SGD (momentum
# 0.9, wd 2e-4) on the classifier's one parameter group at
# 0.1 * (0.1 * 0.2 * (1 + cos(pi * epoch / 30))): 0.004 at epoch 0, cosine
# to 0 per epoch, i.e. CosineAnnealingLR from lr 0.004 (the script's
# --lr 0.2 is never used as such). What differs: the official script also
# mixes up the inputs (mixup, alpha 1) in this stage; GCLLoss here takes
# hard labels, so there is no mixup. The stage-1 model comes in whole
# through model.init_cfg (so that --resume continues stage 2; with
# load_from, --resume would resume the finished stage 1); another one:
#   --cfg-options model.init_cfg.checkpoint=PATH
_base_ = ['./resnet32_cifar100lt_gcl.py']
model = dict(
    init_cfg=dict(type='Pretrained',
                  checkpoint='work_dirs/resnet32_cifar100lt_gcl/epoch_200.pth'),
    backbone=dict(frozen_stages=3, norm_eval=True),
    head=dict(
        loss=dict(noise_mul=0.5, margin=0.1, scale=20.0, focal_gamma=1.0)))
train_dataloader = dict(sampler=dict(_delete_=True,
                                     type='ClassBalancedSampler'))
max_epochs = 30
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.004, momentum=0.9, weight_decay=2e-4))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=0.0,
         by_epoch=True, begin=0, end=max_epochs),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
default_hooks = dict(checkpoint=dict(interval=5))
