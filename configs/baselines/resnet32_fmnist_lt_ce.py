# Cross-entropy on Fashion-MNIST-LT IF100 as trained in the comparison
# (docs/benchmarks.md: 64 epochs, crop + flip, batch 128; tools/train.py
# CONFIG --amp, bf16 + channels-last on the CPU). Its metric also reports
# post-hoc logit adjustment (tau on validation). Released weights: seed 0.
_base_ = ['../benchmarks/fmnist_lt/ce.py']
