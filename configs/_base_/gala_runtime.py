# mmpretrain's runtime + what every gala-mm config needs.
_base_ = ['mmpretrain::_base_/default_runtime.py']

custom_imports = dict(imports=['gala_mm'], allow_failed_imports=False)
custom_hooks = [
    # one training per work dir (a second one stops, naming the first)
    dict(type='WorkDirLockHook'),
    dict(type='ClassCountHook'),
    dict(type='GALAStatsHook', interval=1),
    # --resume is bit-identical with augmentation and persistent workers
    dict(type='ExactResumeHook'),
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    # atomic saves; old checkpoints deleted only after the new one is whole
    checkpoint=dict(type='SafeCheckpointHook', interval=10,
                    max_keep_ckpts=3),
    # tools/test.py --show-dir: images drawn with a short edge of 224 px
    # (32x32 CIFAR / Fashion-MNIST images are unreadable as they are)
    visualization=dict(type='VisualizationHook', enable=False, resize=224))
randomness = dict(seed=0, deterministic=False)
