# GCL stage 1 on Fashion-MNIST-LT IF100 as trained in the comparison
# (docs/benchmarks.md; tools/train.py CONFIG --amp), with noise_mul 1.0,
# the choice on seed 0's validation split. Released weights: seed 0.
_base_ = ['../benchmarks/fmnist_lt/gcl.py']
model = dict(head=dict(loss=dict(noise_mul=1.0)))
