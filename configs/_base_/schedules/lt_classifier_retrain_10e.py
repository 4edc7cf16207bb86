# Stage 2 of the large-scale protocol: classifier re-training on a frozen
# backbone, cosine to 0 (lr 0.12 for a total batch of 512, as the authors'
# leftover ImageNet-LT config).
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.12, momentum=0.9, weight_decay=5e-4))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=10, by_epoch=True, begin=0, end=10)
]
train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=512)
