# Copyright (c) gala-mm contributors. All rights reserved.
import numpy as np
import pytest
from mmengine.dataset import ClassBalancedDataset
from mmengine.registry import DefaultScope

from gala_mm.datasets import LongTailFashionMNIST
from gala_mm.engine import (ClassCountHook, dataset_class_counts,
                            summarize_log_theta)
from ..conftest import REPO, run_tool, tiny_config


def test_counts_of_wrapped_dataset_are_the_original(tiny_fmnist):
    cfg = dict(type='LongTailFashionMNIST', data_root=tiny_fmnist,
               imbalance_factor=10, max_per_class=60, download=False)
    ds = LongTailFashionMNIST(**{k: v for k, v in cfg.items() if k != 'type'})
    with DefaultScope.overwrite_default_scope('mmpretrain'):  # as a Runner
        wrapped = ClassBalancedDataset(cfg, oversample_thr=0.5)
    assert len(wrapped) > len(ds)  # it really resamples
    assert dataset_class_counts(wrapped).tolist() == \
        ds.metainfo['class_counts']
    with pytest.raises(ValueError, match='num_classes=5'):
        dataset_class_counts(ds, num_classes=5)
    # a ConcatDataset counts its parts together
    from mmengine.dataset import ConcatDataset
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        both = ConcatDataset([cfg, dict(type='ClassBalancedDataset',
                                        oversample_thr=0.5, dataset=cfg)])
    assert dataset_class_counts(both).tolist() == [
        2 * c for c in ds.metainfo['class_counts']]


@pytest.mark.slow
def test_class_balanced_and_sampler_keep_original_counts(tiny_fmnist,
                                                         tmp_path):
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(tiny_config(tiny_fmnist, epochs=1, extra='''
    train_dataloader['dataset'] = dict(
        type='ClassBalancedDataset', oversample_thr=0.5,
        dataset=train_dataloader['dataset'])
    train_dataloader['sampler'] = dict(type='RepeatAugSampler',
                                       shuffle=True, num_repeats=2)
    '''))
    proc = run_tool([f'{REPO}/tools/train.py', str(cfg), '--work-dir',
                     str(tmp_path / 'wd')])
    log = proc.stdout + proc.stderr
    assert 'ClassCountHook: 10 classes, 240 training images, max 60' in log


@pytest.mark.slow
def test_num_classes_mismatch_is_a_clear_error(tiny_fmnist, tmp_path):
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(tiny_config(tiny_fmnist, epochs=1) +
                   "\nmodel['head']['num_classes'] = 8\n")
    proc = run_tool([f'{REPO}/tools/train.py', str(cfg), '--work-dir',
                     str(tmp_path / 'wd')], check=False)
    assert proc.returncode != 0
    assert 'num_classes=8' in proc.stderr
    assert 'set model.head.num_classes' in proc.stderr


def test_hook_pushes_counts_from_checkpoint_meta():

    class Metric:
        counts = None

        def set_class_counts(self, counts):
            self.counts = counts

    class Loop:
        evaluator = type('E', (), {'metrics': [Metric()]})()

    class Runner:
        model = type('M', (), {'head': None})()
        test_loop = Loop()

    hook = ClassCountHook()
    hook.after_load_checkpoint(
        Runner, dict(meta=dict(dataset_meta=dict(class_counts=[5, 3, 1]))))
    hook.before_test(Runner)
    assert Runner.test_loop.evaluator.metrics[0].counts == [5, 3, 1]


def test_summarize_log_theta_groups():
    s = summarize_log_theta(np.array([3.0, 2.0, 1.0]), [200, 50, 5])
    assert s['log_theta_many'] == 3.0 and s['log_theta_few'] == 1.0
    s = summarize_log_theta(np.arange(9.0))
    assert s['log_theta_head'] == 1.0 and s['log_theta_tail'] == 7.0
