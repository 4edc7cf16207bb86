# Two-stage GCL on Fashion-MNIST-LT IF100 (the row the GALA paper compares
# with): stage 2 of configs/benchmarks/fmnist_lt/gcl_stage2.py on the model
# of resnet32_fmnist_lt_gcl.py, i.e. after
#   tools/train.py configs/baselines/resnet32_fmnist_lt_gcl.py --amp
# (its default work dir). Released weights: seed 0.
_base_ = ['../benchmarks/fmnist_lt/gcl_stage2.py']
model = dict(init_cfg=dict(
    checkpoint='work_dirs/resnet32_fmnist_lt_gcl/epoch_64.pth'))
