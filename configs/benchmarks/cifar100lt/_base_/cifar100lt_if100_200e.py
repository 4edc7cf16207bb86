# The comparison of configs/benchmarks/fmnist_lt/ in the paper's setting
# (docs/benchmarks.md, section 4): ResNet-32 on CIFAR-100-LT IF 100, the
# GALA recipe of configs/gala/resnet32_cifar100lt.py (batch 64, 200 epochs,
# warm-up + cosine, AutoAugment + Cutout). What differs from the paper's
# split: 20 images per class are held out of CIFAR-100's training split as
# a balanced validation split (2,000 images) to choose every knob and tau
# on, so the long-tailed profile starts at 480 instead of 500 images.
# Every method config inherits this and changes the head.
#
# Seeds go in with --cfg-options (tools/benchmark/run_grid.py types them):
#   randomness.seed=S train_dataloader.dataset.seed=S
#   val_dataloader.dataset.seed=S test_dataloader.dataset.seed=S
# Validation metrics are the test loop on the held-out split:
#   tools/test.py CONFIG CKPT --cfg-options test_dataloader.dataset.split=val
_base_ = ['../../../gala/resnet32_cifar100lt.py']

# No evaluation while training: validation and test come after it.
train_cfg = dict(val_interval=201)
lt_split = dict(imbalance_factor=100, seed=0, val_per_class=20,
                max_per_class=480)
train_dataloader = dict(dataset=lt_split)
val_dataloader = dict(dataset=dict(split='val', **lt_split))
test_dataloader = dict(dataset=dict(split='test', **lt_split))
# The post-hoc grids: PRS (the GALA rows) and logit adjustment (the CE
# rows), tau = 0.25 ... 8 (tau 0 is the raw model); CIFAR-100-LT's
# many / few thresholds (> 100, < 20 training images) are the metric's
# defaults.
taus = [0.25 * i for i in range(1, 33)]
val_evaluator = [
    dict(type='Accuracy', topk=(1, 5)),
    dict(type='LongTailAccuracy', prs_taus=taus, la_taus=taus),
]
test_evaluator = val_evaluator
# Every epoch saved, the last one kept: an interrupted run resumes with
# --resume (run_grid.py does), the finished one is the model kept.
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=1))
# The rows of the comparison this config's runs give
# (tools/analysis/compare_methods.py): row name -> post-hoc rule
# ('raw', 'prs' or 'la', tau chosen on validation).
comparison_rows = dict()
