# Copyright (c) gala-mm contributors. All rights reserved.
"""The plugin's heads and losses under ``torch.compile`` of the whole
``train_step`` (what mmengine's ``compile=True`` does): GALA, and the
cosine heads of the LDAM-DRW and GCL baselines."""
import pytest
import torch
from mmengine.optim import OptimWrapper
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import gala_mm  # noqa: F401

# Compiling takes about a minute on 2 CPU cores.
pytestmark = pytest.mark.slow


COUNTS = [500, 300, 180, 100, 60, 40, 25, 15, 10, 5]
GALA = dict(type='PRSLinearClsHead', num_classes=10, in_channels=64)
COSINE = dict(type='NormedLinearClsHead', num_classes=10, in_channels=64)


def train(compiled: bool, steps: int = 3, head: dict = GALA):
    torch.manual_seed(0)
    model = MODELS.build(
        dict(type='ImageClassifier',
             backbone=dict(type='CifarResNet', depth=20),
             neck=dict(type='GlobalAveragePooling'), head=head,
             data_preprocessor=dict(type='ClsDataPreprocessor'))).train()
    if hasattr(model.head.loss_module, 'set_class_counts'):
        model.head.loss_module.set_class_counts(COUNTS)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    step = torch.compile(model.train_step) if compiled else model.train_step
    gen = torch.Generator().manual_seed(1)
    losses = []
    for _ in range(steps):
        # batch 32 and 10 classes: the sizes at which the partitioner chose
        # to recompute the offsets from theta in the backward (the crash)
        images = torch.randint(0, 255, (32, 3, 16, 16), generator=gen)
        labels = torch.randint(0, 10, (32, ), generator=gen)
        data = dict(inputs=images.float(), data_samples=[
            DataSample().set_gt_label(int(v)) for v in labels])
        losses.append(float(step(data, wrapper)['loss']))
    loss = model.head.loss_module
    if not hasattr(loss, 'theta'):
        return losses
    return losses, loss.theta.clone(), int(loss.num_updates)


def test_compiled_train_step_matches_eager():
    """Before the offsets were computed outside the graph, the first
    backward failed: 'DoubleTensor [10] is at version 1' (the statistics
    are updated in place after the forward). Compiled and eager losses and
    statistics agree to float32 precision over three steps."""
    eager, compiled = train(False), train(True)
    assert compiled[2] == eager[2] == 3
    torch.testing.assert_close(torch.tensor(compiled[0]),
                               torch.tensor(eager[0]), rtol=1e-3, atol=0)
    torch.testing.assert_close(compiled[1], eager[1], rtol=1e-3, atol=0)


@pytest.mark.parametrize('loss', [
    dict(type='LDAMLoss', num_classes=10, max_margin=0.5, scale=30.0),
    dict(type='GCLLoss', num_classes=10, noise_mul=0.5, scale=30.0),
], ids=['ldam', 'gcl'])
def test_cosine_heads_compile(loss):
    """LDAM-DRW's and GCL's cosine heads: compiled losses equal eager ones
    (GCL's Gaussian noise drawn by the same generator: inductor's
    ``fallback_random``) to 0.5 %: the scale s = 30 amplifies the float
    rounding of the fused kernels (seen: 0.2 % at the third step; a noise
    drawn otherwise differs by far more from the first step on)."""
    import torch._inductor.config as inductor
    head = dict(COSINE, loss=loss)
    with inductor.patch(fallback_random=True):
        eager, compiled = train(False, head=head), train(True, head=head)
    torch.testing.assert_close(torch.tensor(compiled), torch.tensor(eager),
                               rtol=5e-3, atol=0)


def test_runner_compile_true_with_the_plugins_hooks(tiny_fmnist, tmp_path):
    """tools/train.py with mmengine's ``compile=True`` and every hook of the
    demo recipe (work-dir lock, class counts, GALA statistics, exact
    resume, channels-last): the run finishes, its GALA statistics are those
    of the eager run to float32 precision, and a compiled run resumed after
    its first epoch ends where the uninterrupted one does."""
    import json
    import os.path as osp

    from ...conftest import REPO, run_tool, tiny_config
    extra = """
    custom_hooks = [dict(type='WorkDirLockHook'), dict(type='ClassCountHook'),
                    dict(type='GALAStatsHook', interval=1),
                    dict(type='ExactResumeHook'),
                    dict(type='ChannelsLastHook')]
    """
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(tiny_config(tiny_fmnist, epochs=2, extra=extra,
                               one_stage=True))

    def train(name, *options):
        work = tmp_path / name
        run_tool([osp.join(REPO, 'tools/train.py'), str(cfg), '--work-dir',
                  str(work), *options], timeout=900)
        return work

    def theta(work):
        records = [json.loads(line) for line in
                   open(work / 'gala_stats.jsonl')]
        assert [r['epoch'] for r in records] == [1, 2]
        return torch.tensor(records[-1]['theta'])

    eager = train('eager')
    compiled = train('compiled', '--cfg-options', 'compile=True')
    for work, expected in ((eager, False), (compiled, True)):
        (log, ) = work.glob('*/*.log')
        assert ('Model has been "compiled"' in log.read_text()) == expected
    torch.testing.assert_close(theta(compiled), theta(eager), rtol=1e-3,
                               atol=0)
    # compiled, stopped after epoch 1, resumed compiled: the statistics of
    # the uninterrupted compiled run
    resumed = train('resumed', '--cfg-options', 'compile=True',
                    'train_cfg.max_epochs=1')
    train('resumed', '--resume', '--cfg-options', 'compile=True')
    torch.testing.assert_close(theta(resumed), theta(compiled), rtol=1e-5,
                               atol=0)


def test_runner_compile_true_in_combination(tiny_fmnist, tmp_path):
    """compile=True with the parts a user combines it with: an
    IterBasedTrainLoop over a RepeatDataset, Mixup / CutMix batch augments
    (soft targets) and bf16 autocast (--amp; emulated where the CPU has no
    native bf16): the compiled run trains GALA as the eager one does (its
    statistics and weights within the rounding of bf16 kernels)."""
    import os.path as osp

    from gala_mm.compat import load_checkpoint_file

    from ...conftest import REPO, run_tool, tiny_config
    extra = """
    model['train_cfg'] = dict(augments=[dict(type='Mixup', alpha=0.8),
                                        dict(type='CutMix', alpha=1.0)])
    train_dataloader['dataset'] = dict(type='RepeatDataset', times=2,
                                       dataset=train_dataloader['dataset'])
    train_cfg = dict(type='IterBasedTrainLoop', max_iters=12,
                     val_interval=100)
    log_processor = dict(by_epoch=False)
    default_hooks = dict(checkpoint=dict(interval=12, by_epoch=False))
    """
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(tiny_config(tiny_fmnist, extra=extra, one_stage=True))

    def train(name, *options):
        work = tmp_path / name
        run_tool([osp.join(REPO, 'tools/train.py'), str(cfg), '--work-dir',
                  str(work), '--amp', *options], timeout=900)
        (log, ) = work.glob('*/*.log')
        assert ('Model has been "compiled"' in log.read_text()) == bool(
            options)
        return load_checkpoint_file(str(work / 'iter_12.pth'))['state_dict']

    eager = train('eager')
    compiled = train('compiled', '--cfg-options', 'compile=True')
    theta = 'head.loss_module.theta'
    assert eager[theta].abs().sum() > 0
    torch.testing.assert_close(compiled[theta], eager[theta], rtol=2e-2,
                               atol=1e-3)
    torch.testing.assert_close(compiled['head.fc.weight'],
                               eager['head.fc.weight'], rtol=5e-2, atol=5e-3)
