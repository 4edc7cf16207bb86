# Copyright (c) gala-mm contributors. All rights reserved.
"""gala-mm's configs through mmpretrain's own model-zoo API."""
import os
import os.path as osp
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from modelindex.load_model_index import load

import gala_mm
from gala_mm.apis import model_index_path

from ..conftest import REPO


def _names():
    index = load(osp.join(REPO, 'model-index.yml'))
    return sorted(m.name for m in index.models)


def test_every_metafile_name_is_listed():
    from mmpretrain.apis import list_models
    listed = set(list_models())
    assert set(_names()) <= listed
    assert 'resnet32_cifar100lt' in list_models('*lt*')
    # every entry names its task, so inference_model can pick an inferencer
    assert set(_names()) <= set(list_models(task='Image Classification'))


def test_get_model_and_inference_by_name(tmp_path):
    from mmpretrain.apis import (ImageClassificationInferencer, get_model,
                                 inference_model)
    model = get_model('resnet32_cifar100lt')
    assert type(model.head).__name__ == 'PRSLinearClsHead'
    assert model.head.num_classes == 100
    ckpt = tmp_path / 'w.pth'
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    loaded = get_model('resnet32_cifar100lt', pretrained=str(ckpt))
    for k, v in model.state_dict().items():
        assert torch.equal(v, loaded.state_dict()[k]), k
    img = (np.random.RandomState(0).rand(32, 32, 3) * 255).astype('uint8')
    result = inference_model('resnet32_cifar100lt', img,
                             pretrained=str(ckpt))
    assert 0 <= result['pred_label'] < 100
    inferencer = ImageClassificationInferencer('resnet32_cifar100lt_gcl',
                                               pretrained=str(ckpt))
    assert inferencer(img)[0]['pred_scores'].shape == (100, )


def test_index_ships_inside_the_package():
    assert osp.isfile(model_index_path())
    assert osp.dirname(model_index_path()).startswith(
        osp.dirname(gala_mm.__file__))


@pytest.mark.slow
def test_from_installed_wheel(tmp_path):
    """Build the wheel, install it (--no-deps) into a folder put ahead of
    everything on ``PYTHONPATH``, and use the zoo from outside the checkout
    with the dependencies of whatever environment runs the tests (a venv
    made from it would see the base Python's packages, not this one's)."""
    wheels = tmp_path / 'wheels'
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', REPO, '--no-deps',
                    '--no-build-isolation', '-q', '-w', str(wheels)],
                   check=True, cwd=str(tmp_path))
    wheel = next(wheels.glob('gala_mm-*.whl'))
    site = tmp_path / 'site'
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--no-deps',
                    '-q', '--target', str(site), str(wheel)], check=True)
    index = load(osp.join(REPO, 'model-index.yml'))
    index.build_models_with_collections()
    released = [(m.name, osp.join(REPO, m.weights)) for m in index.models
                if m.weights]
    assert len(released) >= 2
    script = textwrap.dedent(f"""
        import os, numpy as np, torch
        import gala_mm
        assert gala_mm.__file__.startswith({str(site)!r}), gala_mm.__file__
        from mmpretrain.apis import get_model, inference_model, list_models
        names = list_models('*lt*')
        assert 'resnet32_cifar100lt' in names, names
        model = get_model('resnet32_cifar10lt')
        torch.save(dict(state_dict=model.state_dict()), 'w.pth')
        img = (np.random.rand(32, 32, 3) * 255).astype('uint8')
        out = inference_model('resnet32_cifar10lt', img, pretrained='w.pth')
        # released weights load offline from the wheel
        from mmpretrain.apis import ModelHub
        weights = ModelHub.get('resnet32_fmnist_lt_demo').weights
        assert weights.startswith({str(site)!r}), weights
        demo = get_model('resnet32_fmnist_lt_demo', pretrained=True)
        assert demo.head.fc.weight.abs().sum() > 0
        # every released model: the weights of the file whose accuracy
        # test_publish_model reproduces, with the wheel's config
        from gala_mm.compat import load_checkpoint_file
        for name, path in {released!r}:
            state = load_checkpoint_file(path)['state_dict']
            net = get_model(name, pretrained=True).state_dict()
            assert all(torch.equal(v, state[k]) for k, v in net.items()), name
        # the tools travel with the package: python -m gala_mm TOOL
        import subprocess, sys
        tools = os.path.join(os.path.dirname(gala_mm.__file__), '.mim',
                             'tools')
        assert os.path.isfile(os.path.join(tools, 'tune_tau.py'))
        run = subprocess.run([sys.executable, '-m', 'gala_mm',
                              'compare_methods', '--help'],
                             capture_output=True, text=True)
        assert run.returncode == 0 and '--margin' in run.stdout, run.stderr
        print('OK', len(names), out['pred_label'])
        """)
    env = dict(os.environ, PYTHONPATH=str(site))
    proc = subprocess.run([sys.executable, '-c', script], cwd=str(tmp_path),
                          env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r'OK (\d+) (\d+)\s*$', proc.stdout), proc.stdout


def test_missing_index_warns_instead_of_failing(monkeypatch, tmp_path):
    """A package installed without its configs still imports (the
    registries work); only the model names are missing, and it says so."""
    from gala_mm.apis import model_zoo
    monkeypatch.setattr(model_zoo, '_registered', False)
    monkeypatch.setattr(model_zoo, 'MIM_ROOT', str(tmp_path))
    with pytest.warns(UserWarning, match='installed without its configs'):
        model_zoo.register_models()
    assert model_zoo._registered is False
