# LDAM-DRW on Fashion-MNIST-LT IF100 as trained in the comparison
# (docs/benchmarks.md; tools/train.py CONFIG --amp). Released weights: seed 0.
_base_ = ['../benchmarks/fmnist_lt/ldam_drw.py']
