# GCL stage 1 (configs/baselines/resnet32_cifar100lt_gcl.py). The
# comparison chooses noise_mul on validation:
#   --knob model.head.loss.noise_mul=0.25,0.5,1.0,2.0
_base_ = ['./_base_/cifar100lt_if100_200e.py']
model = dict(head=dict(_delete_=True, type='NormedLinearClsHead',
                       num_classes=100, in_channels=64,
                       loss=dict(type='GCLLoss', num_classes=100,
                                 noise_mul=0.5, margin=0.0, scale=30.0)))
comparison_rows = {'GCL': 'raw'}
