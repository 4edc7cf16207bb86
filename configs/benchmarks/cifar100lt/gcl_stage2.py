# Two-stage GCL: stage 2 of configs/baselines/resnet32_cifar100lt_gcl_stage2.py
# (backbone frozen, class-balanced sampling, the official stage-2 loss and
# schedule, 30 epochs) on each seed's stage-1 model (gcl.py), as
# configs/benchmarks/fmnist_lt/gcl_stage2.py:
#   run_grid.py configs/benchmarks/cifar100lt/gcl_stage2.py --seeds 0 \
#     --cfg-options 'model.init_cfg.checkpoint={work_root}/\
#     gcl_noise_mul1.0_s{seed}/epoch_200.pth' (one word, without the \)
_base_ = ['./gcl.py']
model = dict(
    init_cfg=dict(
        type='Pretrained',
        checkpoint='work_dirs/cifar100lt/gcl_noise_mul1.0_s0/epoch_200.pth'),
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
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs + 1)
comparison_rows = {'_delete_': True, 'GCL (two stages)': 'raw'}
