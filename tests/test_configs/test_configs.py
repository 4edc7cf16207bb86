# Copyright (c) gala-mm contributors. All rights reserved.
"""Every config loads, builds its model; CIFAR configs train one step."""
import glob
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import PARAM_SCHEDULERS
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from modelindex.load_model_index import load

from ..conftest import REPO

CONFIGS = sorted(
    glob.glob(osp.join(REPO, 'configs/gala/*.py')) +
    glob.glob(osp.join(REPO, 'configs/baselines/*.py')))
#: the comparison's configs in the paper's setting (not in the model zoo)
BENCHMARKS = sorted(
    glob.glob(osp.join(REPO, 'configs/benchmarks/cifar100lt/*.py')))
SMALL = [c for c in CONFIGS if '_cifar' in c or 'fmnist' in c]


def build(cfg):
    model_cfg = cfg.model.copy()
    model_cfg.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
    return MODELS.build(model_cfg)


@pytest.mark.parametrize('path', CONFIGS + BENCHMARKS, ids=osp.basename)
def test_config_builds(path):
    cfg = Config.fromfile(path)
    assert cfg.custom_imports['imports'] == ['gala_mm']
    model = build(cfg)
    head = model.head
    assert head.num_classes == cfg.data_preprocessor.num_classes
    assert any(h['type'] == 'ClassCountHook' for h in cfg.custom_hooks)
    # Stacked batches even when the Runner is built without tools/train.py
    # (per-image tensors through shared memory cost ~10 % of a CPU step).
    for split in ('train', 'val', 'test'):
        assert cfg[f'{split}_dataloader'].collate_fn == dict(
            type='default_collate'), split


@pytest.mark.parametrize('path', SMALL, ids=osp.basename)
def test_cifar_config_trains_one_step(path):
    cfg = Config.fromfile(path)
    model = build(cfg).train()
    num_classes = model.head.num_classes
    counts = [50 - i % 40 for i in range(num_classes)]
    for module in model.modules():  # what ClassCountHook does
        if hasattr(module, 'set_class_counts'):
            module.set_class_counts(counts)
    data = dict(
        inputs=[torch.randint(0, 256, (3, 32, 32), dtype=torch.uint8)
                for _ in range(4)],
        data_samples=[DataSample().set_gt_label(i % num_classes)
                      for i in range(4)])
    data = model.data_preprocessor(data, True)
    losses = model(**data, mode='loss')
    loss = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(loss)
    loss.backward()
    assert model.head.fc.weight.grad.abs().sum() > 0


def lrs(cfg, epochs):
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=cfg.optim_wrapper.optimizer.lr)
    scheds = [PARAM_SCHEDULERS.build(dict(s, optimizer=opt))
              for s in cfg.param_scheduler]
    out = []
    for _ in range(epochs):
        out.append(opt.param_groups[0]['lr'])
        for s in scheds:
            s.step()
    return out


def test_cifar_schedule_is_the_official_one():
    """epoch 1: 0.05, epoch 2: 0.1, cosine to 0 at epoch 200 (spec 3.1)."""
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/gala/resnet32_cifar100lt.py'))
    t = cfg.train_cfg.max_epochs
    official = [0.05] + [
        0.1 * (1 + math.cos(math.pi * (e - 2) / (t - 2))) / 2
        for e in range(2, t + 1)
    ]
    assert lrs(cfg, t) == pytest.approx(official, abs=1e-12)
    assert cfg.train_dataloader.batch_size == 64
    assert cfg.optim_wrapper.optimizer.weight_decay == 5e-4


def test_gcl_stage2_schedule_is_the_official_one():
    """GCL's cifar_train_classifier.py: per epoch e of 30, the classifier's
    one parameter group at 0.1 * (0.1 * 0.2 * (1 + cos(pi e / 30)))."""
    cfg = Config.fromfile(osp.join(
        REPO, 'configs/baselines/resnet32_cifar100lt_gcl_stage2.py'))
    t = cfg.train_cfg.max_epochs
    assert t == 30
    official = [0.1 * (0.1 * 0.2 * (1 + math.cos(e / t * 3.1415926535)))
                for e in range(t)]
    assert lrs(cfg, t) == pytest.approx(official, abs=1e-9)
    assert cfg.optim_wrapper.optimizer.weight_decay == 2e-4
    assert cfg.train_dataloader.sampler.type == 'ClassBalancedSampler'


def test_model_zoo_files():
    index = load(osp.join(REPO, 'model-index.yml'))
    names = {m.name for m in index.models}
    for model in index.models:
        assert osp.isfile(osp.join(REPO, model.config)), model.config
        assert osp.basename(model.config)[:-3] == model.name
    # every GALA/baseline config is listed in the zoo
    for path in CONFIGS:
        assert osp.basename(path)[:-3] in names, path
    # every number in the zoo is the README's measured row of that config,
    # and a config without measured numbers has no weights
    readme = open(osp.join(REPO, 'configs/gala/README.md')).read()
    rows = {line.split(']')[0][3:]: line for line in readme.splitlines()
            if line.startswith('| [')}
    for model in index.models:
        metrics = {k: v for r in model.results for k, v in
                   (r.metrics or {}).items()}
        if not metrics:
            assert model.weights is None, model.name
            continue
        assert model.name in rows, model.name
        cells = rows[model.name]
        for name, value in metrics.items():
            assert f' {value:.2f}' in cells, (model.name, name, value)
