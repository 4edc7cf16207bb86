# The Fashion-MNIST-LT comparison (docs/benchmarks.md, section 3): ResNet-32
# on the CIFAR-10-LT profile (IF 100) of Fashion-MNIST, 1,000 images per
# class held out as a balanced validation split, the balanced 10,000-image
# test split; GALA's warm-up + cosine schedule over 64 epochs, batch 128,
# crop + flip. Every method config inherits this and changes the head.
#
# Seeds go in with --cfg-options (tools/benchmark/run_grid.py types them):
#   randomness.seed=S train_dataloader.dataset.seed=S
#   val_dataloader.dataset.seed=S test_dataloader.dataset.seed=S
# (the dataset seed draws the long-tailed subset and the hold-out).
# Validation metrics are the test loop on the held-out split:
#   tools/test.py CONFIG CKPT --cfg-options test_dataloader.dataset.split=val
_base_ = ['../../../gala/resnet32_fmnist_lt_demo.py']

max_epochs = 64
param_scheduler = [
    dict(type='LinearLR', start_factor=0.5, by_epoch=True, begin=0, end=2),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 2, eta_min=0.0,
         by_epoch=True, begin=1, end=max_epochs),
]
# No evaluation while training: validation and test come after it.
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs + 1)
lt_split = dict(imbalance_factor=100, seed=0, val_per_class=1000)
train_dataloader = dict(dataset=lt_split)
val_dataloader = dict(dataset=dict(split='val', **lt_split))
test_dataloader = dict(dataset=dict(split='test', **lt_split))
# The post-hoc grids: PRS (the GALA rows) and logit adjustment (the CE
# rows), tau = 0.25 ... 8 (tau 0 is the raw model).
taus = [0.25 * i for i in range(1, 33)]
val_evaluator = [
    dict(type='Accuracy', topk=(1, )),
    dict(type='LongTailAccuracy', many_thr=1500, few_thr=200,
         prs_taus=taus, la_taus=taus),
]
test_evaluator = val_evaluator
# Every epoch saved, the last one kept: an interrupted run resumes with
# --resume (run_grid.py does), the finished one is the model kept.
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=1))
# The demo's hooks (custom_hooks): one training per work dir, class counts,
# GALA's statistics (nothing to log for the other losses), exact resume,
# channels-last.
# The rows of the comparison this config's runs give
# (tools/analysis/compare_methods.py): row name -> post-hoc rule
# ('raw', 'prs' or 'la', tau chosen on validation).
comparison_rows = dict()
