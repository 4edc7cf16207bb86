# GCL stage 1 (Li et al., CVPR 2022): cosine classifier, Gaussian clouds
# |N(0, 1/3)| clamped to [-1, 1] times noise_mul (log n_max - log n_j) /
# max, s = 30. The comparison chooses noise_mul on validation:
#   --knob model.head.loss.noise_mul=0.25,0.5,1.0,2.0
_base_ = ['./_base_/fmnist_lt_if100_64e.py']
model = dict(head=dict(_delete_=True, type='NormedLinearClsHead',
                       num_classes=10, in_channels=64,
                       loss=dict(type='GCLLoss', num_classes=10,
                                 noise_mul=0.5, scale=30.0)))
comparison_rows = {'GCL': 'raw'}
