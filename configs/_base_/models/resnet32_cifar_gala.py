# ResNet-32 (CIFAR, 64-d features) + GALA head.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='CifarResNet', depth=32),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='PRSLinearClsHead',
        num_classes=100,
        in_channels=64,
        loss=dict(
            type='GALALoss',
            lambda_pos=1.2,
            lambda_neg=0.9,
            adjust='official',
            accumulation='double'),
        topk=(1, ),
        # The official classifier is nn.Linear with PyTorch's default init.
        init_cfg=dict(type='Kaiming', layer='Linear', a=5**0.5,
                      distribution='uniform', mode='fan_in')))
