# Offline demo (README command 1): ResNet-32 + GALA on Fashion-MNIST-LT IF100
# (12,406 training images), a few epochs on the CPU, PRS tau=1 at test.
# The CPU recipe: channels-last layout (ChannelsLastHook) and, where the CPU
# computes bf16 natively, --amp (tools/run_demo.sh chooses); torch.compile
# (compile=True) does not pay off at this length on 2 cores (measured:
# docs/benchmarks.md, section 2).
_base_ = [
    '../_base_/models/resnet32_cifar_gala.py',
    '../_base_/datasets/fmnist_lt.py',
    '../_base_/schedules/cifar_lt_200e.py',
    '../_base_/gala_runtime.py',
]
model = dict(head=dict(num_classes=10))
max_epochs = 8
param_scheduler = [
    dict(type='LinearLR', start_factor=0.5, by_epoch=True, begin=0, end=2),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 2, by_epoch=True,
         begin=1, end=max_epochs),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
train_dataloader = dict(batch_size=128)
auto_scale_lr = dict(base_batch_size=128)
default_hooks = dict(checkpoint=dict(interval=max_epochs))
custom_hooks = [
    dict(type='WorkDirLockHook'),
    dict(type='ClassCountHook'),
    dict(type='GALAStatsHook', interval=1),
    dict(type='ExactResumeHook'),
    # NHWC weights and batches: 1.15x (fp32) / 1.2x (bf16) faster training
    # on the 2-core CPU, the same numbers up to float rounding
    dict(type='ChannelsLastHook'),
]
