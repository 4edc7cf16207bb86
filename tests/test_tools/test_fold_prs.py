# Copyright (c) gala-mm contributors. All rights reserved.
"""PRS folded into a stock LinearClsHead equals the GALA head with PRS."""
import os.path as osp

import numpy as np
import pytest
import torch

import gala_mm  # noqa: F401
from gala_mm.apis.fold_prs import fold_prs_state_dict, plugin_types

from ..conftest import REPO, run_tool

# End-to-end (subprocesses, training, several processes).
pytestmark = pytest.mark.slow

CONFIG = osp.join(REPO, 'configs/gala/resnet32_fmnist_lt_demo.py')
# mmpretrain's own ResNet-18 (CIFAR stem) with the GALA head
STOCK_BACKBONE = osp.join(REPO, 'configs/gala/resnet18_cifar100lt.py')
TOOL = osp.join(REPO, 'tools/deployment/fold_prs.py')
# run in an interpreter where ``import gala_mm`` fails
WITHOUT_GALA = """
import sys
sys.modules['gala_mm'] = None
sys.path = [p for p in sys.path if p not in ('', {repo!r})]
import numpy as np
imgs = list(np.load({imgs!r}))
"""


def prior_checkpoint(config: str, path) -> str:
    """A random GALA model with a long-tailed stored PRS prior."""
    from mmpretrain.apis import get_model
    torch.manual_seed(0)
    model = get_model(config)
    num_classes = model.head.num_classes
    with torch.no_grad():
        model.head.fc.bias.normal_(0, 0.5)
    prior = torch.logspace(0, -2, num_classes, dtype=torch.float64)
    model.head.set_prs_prior(prior / prior.sum())
    classes = [str(i) for i in range(num_classes)]
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(dataset_meta=dict(classes=classes))), path)
    return str(path)


@pytest.fixture(scope='module')
def gala_checkpoint(tmp_path_factory):
    """A ResNet-32 + PRSLinearClsHead checkpoint with a stored prior."""
    return prior_checkpoint(
        CONFIG, tmp_path_factory.mktemp('fold') / 'gala_prior.pth')


def without_gala(script: str, imgs, tmp_path) -> np.ndarray:
    """Run ``script`` (which saves ``out.npy``) where gala_mm cannot be
    imported; returns what it saved."""
    path = tmp_path / 'imgs.npy'
    np.save(path, np.stack(imgs))
    code = WITHOUT_GALA.format(repo=REPO, imgs=str(path)) + script
    run_tool(['-c', code], cwd=str(tmp_path))
    return np.load(tmp_path / 'out.npy')


def images(n=16):
    rng = np.random.RandomState(0)
    return [(rng.rand(32, 32, 3) * 255).astype('uint8') for _ in range(n)]


def test_bias_hand_written():
    """bias 0.5, prior 0.25, tau 2: 0.5 - 2 * log(0.25) = 3.272589."""
    state = {'head.fc.weight': torch.zeros(2, 3),
             'head.fc.bias': torch.tensor([0.5, 0.0]),
             'head.prs_prior': torch.tensor([0.25, 0.75],
                                            dtype=torch.float64),
             'head.loss_module.theta_pos': torch.ones(2),
             'backbone.w': torch.ones(1)}
    out = fold_prs_state_dict(state, 2.0)
    assert out['head.fc.bias'].tolist() == pytest.approx(
        [3.272589, 0.575364], abs=1e-6)
    assert set(out) == {'head.fc.weight', 'head.fc.bias', 'backbone.w'}
    state['head.prs_prior'] = torch.zeros(2, dtype=torch.float64)
    with pytest.raises(ValueError, match='estimate_prior'):
        fold_prs_state_dict(state, 1.0)


def test_folded_model_equals_prs_head(gala_checkpoint, tmp_path):
    from mmpretrain.apis import ImageClassificationInferencer, init_model
    out_dir = tmp_path / 'folded'
    proc = run_tool([TOOL, CONFIG, gala_checkpoint, str(out_dir), '--tau',
                     '1.5', '--onnx'])
    # ResNet-32 and the 28 -> 32 padding are gala-mm's: said, and imported
    assert 'still imports gala_mm for CifarResNet, CenterPad' in proc.stdout
    from mmengine.config import Config
    deployed = Config.fromfile(str(out_dir / 'config.py'))
    assert plugin_types(deployed.to_dict()) == ['CifarResNet', 'CenterPad']
    assert deployed.test_evaluator == dict(type='Accuracy', topk=(1, ))
    assert deployed.test_dataloader.dataset.type == 'FashionMNIST'
    assert 'train_dataloader' not in deployed and \
        'custom_hooks' not in deployed
    # stock mmpretrain loads it; the head is mmpretrain's own
    folded = init_model(str(out_dir / 'config.py'),
                        str(out_dir / 'model.pth'))
    assert type(folded.head).__name__ == 'LinearClsHead'
    assert type(folded.head).__module__.startswith('mmpretrain.')
    assert not any('loss_module' in k for k in folded.state_dict())
    gala = init_model(CONFIG, gala_checkpoint)
    gala.head.prs_tau = 1.5
    imgs = images()
    a = ImageClassificationInferencer(gala)(imgs, batch_size=8)
    b = ImageClassificationInferencer(folded)(imgs, batch_size=8)
    sa = np.stack([r['pred_scores'] for r in a])
    sb = np.stack([r['pred_scores'] for r in b])
    np.testing.assert_allclose(sa, sb, atol=1e-6)
    assert [r['pred_label'] for r in a] == [r['pred_label'] for r in b]
    # PRS changed some predictions (the fold is not a no-op)
    gala.head.prs_tau = 0.0
    raw = ImageClassificationInferencer(gala)(imgs, batch_size=8)
    assert [r['pred_label'] for r in raw] != [r['pred_label'] for r in a]
    # ONNX Runtime gives the same logits as PyTorch
    import onnxruntime as ort
    data = folded.data_preprocessor(
        dict(inputs=[torch.from_numpy(i).permute(2, 0, 1) for i in imgs]),
        False)['inputs']
    with torch.no_grad():
        logits = folded(data, mode='tensor').numpy()
    sess = ort.InferenceSession(str(out_dir / 'model.onnx'),
                                providers=['CPUExecutionProvider'])
    onnx_logits = sess.run(None, {'input': data.numpy()})[0]
    np.testing.assert_allclose(onnx_logits, logits, atol=1e-4, rtol=1e-4)
    assert (onnx_logits.argmax(1) == np.array(
        [r['pred_label'] for r in a])).all()
    # ... and runs where gala_mm cannot be imported
    np.save(tmp_path / 'data.npy', data.numpy())
    no_gala = without_gala(
        'import onnxruntime as ort\n'
        f'sess = ort.InferenceSession({str(out_dir / "model.onnx")!r})\n'
        f'data = np.load({str(tmp_path / "data.npy")!r})\n'
        'np.save("out.npy", sess.run(None, {"input": data})[0])\n',
        imgs, tmp_path)
    np.testing.assert_array_equal(no_gala, onnx_logits)


def test_stock_backbone_deploys_without_gala_mm(tmp_path):
    """mmpretrain's ResNet-18 + GALA head: the folded config and checkpoint
    load and predict in an interpreter that cannot import gala_mm, equal to
    the GALA head with PRS."""
    from mmpretrain.apis import ImageClassificationInferencer, init_model
    ckpt = prior_checkpoint(STOCK_BACKBONE, tmp_path / 'gala_prior.pth')
    out_dir = tmp_path / 'folded'
    proc = run_tool([TOOL, STOCK_BACKBONE, ckpt, str(out_dir), '--tau', '1'])
    assert 'still imports' not in proc.stdout
    text = (out_dir / 'config.py').read_text()
    assert 'gala_mm' not in text and 'custom_imports' not in text
    imgs = images(6)
    scores = without_gala(
        'from mmpretrain.apis import ImageClassificationInferencer\n'
        f'inf = ImageClassificationInferencer({str(out_dir / "config.py")!r},'
        f' pretrained={str(out_dir / "model.pth")!r}, device="cpu")\n'
        'np.save("out.npy", np.stack([r["pred_scores"] for r in '
        'inf(imgs, batch_size=3)]))\n', imgs, tmp_path)
    gala = init_model(STOCK_BACKBONE, ckpt)
    gala.head.prs_tau = 1.0
    expected = np.stack([r['pred_scores'] for r in
                         ImageClassificationInferencer(gala)(imgs)])
    np.testing.assert_allclose(scores, expected, atol=1e-6)
    assert (scores.argmax(1) == expected.argmax(1)).all()


def test_errors_name_the_fix(gala_checkpoint, tmp_path):
    proc = run_tool([TOOL, CONFIG, gala_checkpoint, str(tmp_path)],
                    check=False)
    assert proc.returncode != 0
    assert 'pass --tau' in proc.stderr
