# The official GALA CIFAR-LT schedule: SGD (momentum 0.9, wd 5e-4, batch
# 64), epoch 1 at lr 0.05, epoch 2 at the peak 0.1, then per-epoch cosine
# down to 0 at the last epoch (tests/test_configs checks it against the
# official formula). mmengine's schedulers chain, so the warm-up runs over
# epochs 0-1 and the cosine starts at epoch 1 with period max_epochs - 2.
max_epochs = 200
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.5, by_epoch=True, begin=0, end=2),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - 2,
        eta_min=0.0,
        by_epoch=True,
        begin=1,
        end=max_epochs),
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=64)
