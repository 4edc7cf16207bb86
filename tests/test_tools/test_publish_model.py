# Copyright (c) gala-mm contributors. All rights reserved.
"""Released weights: tools/model_converters/publish_model.py (mmpretrain's
publish step), the files named in the metafiles, and the published
accuracy reproduced by the released file."""
import glob
import hashlib
import json
import os
import os.path as osp
import re

import pytest
import torch
from modelindex.load_model_index import load

from gala_mm.compat import load_checkpoint_file

from ..conftest import REPO, run_tool

PUBLISH = osp.join(REPO, 'tools/model_converters/publish_model.py')
FMNIST = os.environ.get('FMNIST_DIR', '/usr/share/datasets/fashion-mnist')


def released():
    """(metafile entry, weights path) of every model with weights."""
    index = load(osp.join(REPO, 'model-index.yml'))
    index.build_models_with_collections()
    return [(m, osp.join(REPO, m.weights)) for m in index.models
            if m.weights]


def sha_prefix(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()[:8]


def test_publish_strips_training_state_and_names_by_hash(trained_gala,
                                                         tmp_path):
    _, ckpt, work = trained_gala
    (log, ) = glob.glob(osp.join(work, 'wd', '*', '*.log'))
    proc = run_tool([PUBLISH, ckpt, str(tmp_path / 'tiny.pth'), '--log', log])
    (final, ) = glob.glob(str(tmp_path / 'tiny_*-*.pth'))
    assert re.fullmatch(r'tiny_\d{8}-[0-9a-f]{8}\.pth', osp.basename(final))
    assert osp.basename(final)[-12:-4] == sha_prefix(final)
    assert final in proc.stdout
    published, original = load_checkpoint_file(final), \
        load_checkpoint_file(ckpt)
    assert not {'optimizer', 'message_hub', 'param_schedulers'} & set(
        published)
    assert published['meta']['dataset_meta']['class_counts'] == \
        original['meta']['dataset_meta']['class_counts']
    for key, value in original['state_dict'].items():
        assert torch.equal(published['state_dict'][key], value), key
    assert open(final[:-4] + '.log').read() == open(log).read()
    assert osp.getsize(final) < osp.getsize(ckpt)


def test_publish_fp16_halves_weights_and_loads_back(trained_gala, tmp_path):
    """--fp16: conv / linear weights in float16, biases and BN statistics
    untouched; mmengine's loading casts them back into a float32 model."""
    from mmengine.runner import load_checkpoint
    from mmpretrain.apis import get_model
    cfg, ckpt, _ = trained_gala
    run_tool([PUBLISH, ckpt, str(tmp_path / 'full.pth')])
    run_tool([PUBLISH, ckpt, str(tmp_path / 'half.pth'), '--fp16'])
    (full, ) = glob.glob(str(tmp_path / 'full_*-*.pth'))
    (half, ) = glob.glob(str(tmp_path / 'half_*-*.pth'))
    original = load_checkpoint_file(ckpt)['state_dict']
    state = load_checkpoint_file(half)['state_dict']
    halved = {k for k, v in state.items() if v.dtype == torch.float16}
    assert halved == {k for k, v in original.items()
                      if v.is_floating_point() and v.dim() >= 2}
    for key, value in original.items():
        want = value.half() if key in halved else value
        assert torch.equal(state[key], want), key
    assert osp.getsize(half) < 0.6 * osp.getsize(full)
    net = get_model(cfg)
    load_checkpoint(net, half, map_location='cpu')
    for key, value in net.state_dict().items():
        assert value.dtype == original[key].dtype, key
        assert torch.equal(value, state[key].to(value.dtype)), key


def test_released_files_are_named_by_their_hash_and_small():
    models = released()
    assert models, 'no released weights in any metafile'
    total = 0
    for model, path in models:
        assert osp.isfile(path), path
        assert osp.basename(path)[-12:-4] == sha_prefix(path), path
        assert osp.isfile(path[:-4] + '.log'), 'training log beside it'
        total += osp.getsize(path)
    assert total <= 10 * 2**20


def test_get_model_pretrained_loads_the_released_file():
    from mmpretrain.apis import get_model
    for model, path in released():
        net = get_model(model.name, pretrained=True)
        state = load_checkpoint_file(path)['state_dict']
        for key, value in net.state_dict().items():
            # a --fp16 file's weights are cast to the model's float32
            assert torch.equal(value, state[key].to(value.dtype)), (
                model.name, key)


@pytest.mark.slow
@pytest.mark.skipif(not osp.isfile(osp.join(FMNIST, 't10k-images-idx3-'
                                            'ubyte.gz')),
                    reason='needs Fashion-MNIST (apt-get install '
                    'dataset-fashion-mnist; .ci/run installs it)')
@pytest.mark.parametrize('name', [m.name for m, _ in released()])
def test_released_model_reproduces_its_published_accuracy(name, tmp_path):
    """The released file, tested as the README says, gives the metafile's
    numbers (to 0.05 points: another CPU's float kernels may flip an image
    or two of the 10,000)."""
    model, path = [m for m in released() if m[0].name == name][0]
    data = tmp_path / 'fashion_mnist'
    run_tool([osp.join(REPO, 'tools/dataset_converters/'
                       'prepare_fashion_mnist.py'), '--src', FMNIST, '--out',
              str(data)])
    out = tmp_path / 'metrics.json'
    run_tool([osp.join(REPO, 'tools/test.py'), osp.join(REPO, model.config),
              path, '--work-dir', str(tmp_path / 'work'), '--out', str(out),
              '--out-item', 'metrics', '--cfg-options',
              f'test_dataloader.dataset.data_root={data}'], timeout=600)
    metrics = json.loads(out.read_text())
    expected = model.results[0].metrics
    keys = {'Top 1 Accuracy': 'accuracy/top1',
            'Balanced Accuracy': 'lt/balanced',
            'Many-shot Accuracy': 'lt/many',
            'Medium-shot Accuracy': 'lt/medium',
            'Few-shot Accuracy': 'lt/few'}
    for name, value in expected.items():
        prs = re.fullmatch(r'Top 1 Accuracy \(PRS tau=([\d.]+)\)', name)
        key = f'lt/prs{float(prs.group(1)):g}_top1' if prs else keys[name]
        assert metrics[key] == pytest.approx(value, abs=0.05), name
