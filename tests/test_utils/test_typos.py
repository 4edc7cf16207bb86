# Copyright (c) gala-mm contributors. All rights reserved.
"""Config typos get the nearest valid name."""
import pytest
from mmpretrain.registry import DATASETS, HOOKS, METRICS, MODELS

import gala_mm  # noqa: F401


@pytest.mark.parametrize('registry,cfg,typo,fix', [
    (MODELS, dict(type='GALALoss', num_classes=10, lamda_pos=1.0),
     'lamda_pos', 'lambda_pos'),
    (MODELS, dict(type='PRSLinearClsHead', num_classes=10, in_channels=64,
                  prs_taus=1.0), 'prs_taus', 'prs_tau'),
    (DATASETS, dict(type='LongTailCIFAR10', data_root='x',
                    imbalence_factor=10), 'imbalence_factor',
     'imbalance_factor'),
    (METRICS, dict(type='LongTailAccuracy', many_thres=100), 'many_thres',
     'many_thr'),
    (HOOKS, dict(type='DeferredReweightHook', start_epochs=3),
     'start_epochs', 'start_epoch'),
    (MODELS, dict(type='LDAMLoss', num_classes=3, max_margn=0.5),
     'max_margn', 'max_margin'),
])
def test_typo_names_the_nearest_argument(registry, cfg, typo, fix):
    with pytest.raises(TypeError,
                       match=f"unknown argument '{typo}': did you mean "
                       f"'{fix}'"):
        registry.build(cfg)


def test_arguments_of_parents_are_known():
    # PRSLinearClsHead forwards topk / cal_acc to mmpretrain's ClsHead
    head = MODELS.build(dict(type='PRSLinearClsHead', num_classes=3,
                             in_channels=4,
                             topk=(1, ), cal_acc=False))
    assert head.num_classes == 3
    with pytest.raises(TypeError, match='valid ones: '):
        MODELS.build(dict(type='GALALoss', num_classes=3, zzzzzz=1))
