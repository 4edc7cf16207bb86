# Copyright (c) gala-mm contributors. All rights reserved.
"""PRS folded into a stock LinearClsHead equals the GALA head with PRS."""
import os.path as osp

import numpy as np
import pytest
import torch

import gala_mm  # noqa: F401
from gala_mm.apis.fold_prs import fold_prs_state_dict

from ..conftest import REPO, run_tool

# End-to-end (subprocesses, training, several processes).
pytestmark = pytest.mark.slow

CONFIG = osp.join(REPO, 'configs/gala/resnet32_fmnist_lt_demo.py')
TOOL = osp.join(REPO, 'tools/deployment/fold_prs.py')


@pytest.fixture(scope='module')
def gala_checkpoint(tmp_path_factory):
    """A ResNet-32 + PRSLinearClsHead checkpoint with a long-tailed stored
    prior."""
    from mmpretrain.apis import get_model
    torch.manual_seed(0)
    model = get_model(CONFIG)
    with torch.no_grad():
        model.head.fc.bias.normal_(0, 0.5)
    prior = torch.tensor([0.4, 0.2, 0.1, 0.08, 0.06, 0.05, 0.04, 0.03,
                          0.02, 0.02], dtype=torch.float64)
    model.head.set_prs_prior(prior)
    path = tmp_path_factory.mktemp('fold') / 'gala_prior.pth'
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(dataset_meta=dict(classes=[str(i) for i in
                                                         range(10)]))), path)
    return str(path)


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
    run_tool([TOOL, CONFIG, gala_checkpoint, str(out_dir), '--tau', '1.5',
              '--onnx'])
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


def test_errors_name_the_fix(gala_checkpoint, tmp_path):
    proc = run_tool([TOOL, CONFIG, gala_checkpoint, str(tmp_path)],
                    check=False)
    assert proc.returncode != 0
    assert 'pass --tau' in proc.stderr
