# Copyright (c) gala-mm contributors. All rights reserved.
"""tools/train.py and tools/test.py end to end on tiny synthetic data."""
import os
import os.path as osp
import pickle

import pytest
import torch
from PIL import Image

from ..conftest import REPO, run_tool, tiny_config

from gala_mm.compat import load_checkpoint_file

# End-to-end (subprocesses, training, several processes).
pytestmark = pytest.mark.slow

TRAIN = osp.join(REPO, 'tools/train.py')
# tiny_config: IF10 of 60 images/class -> 240 images, batch 32 -> 8 iters
ITERS = -(-sum(int(60 * 0.1**(i / 9)) for i in range(10)) // 32)
TEST = osp.join(REPO, 'tools/test.py')


def load(path):
    # the plugin's load path: torch's weights-only unpickler, scoped
    return load_checkpoint_file(str(path))


@pytest.fixture(scope='module')
def trained(tiny_fmnist, tmp_path_factory):
    work = tmp_path_factory.mktemp('run')
    cfg = work / 'cfg.py'
    cfg.write_text(tiny_config(tiny_fmnist, epochs=2))
    proc = run_tool([TRAIN, str(cfg), '--work-dir', str(work / 'wd')])
    return work, cfg, proc


def test_train_writes_checkpoints_and_logs(trained):
    work, _, proc = trained
    ckpt = load(str(work / 'wd' / 'epoch_2.pth'))
    state = ckpt['state_dict']
    assert int(state['head.loss_module.num_updates']) == 2 * ITERS
    assert state['head.loss_module.theta'].dtype == torch.float64
    assert ckpt['meta']['dataset_meta']['class_counts'][0] == 60
    log = proc.stdout + proc.stderr
    assert 'ClassCountHook: 10 classes' in log
    assert 'gala statistics after epoch 2' in log
    stats = (work / 'wd' / 'gala_stats.jsonl').read_text().splitlines()
    assert len(stats) == 2


def test_test_tool_reports_shots_and_dumps(trained):
    work, cfg, _ = trained
    out = work / 'preds.pkl'
    proc = run_tool([TEST, str(cfg), str(work / 'wd' / 'epoch_2.pth'),
                     '--work-dir', str(work / 'test'), '--out', str(out)])
    log = proc.stdout + proc.stderr
    assert 'Per-shot accuracy' in log and 'lt/prs1_balanced' in log
    preds = pickle.load(open(out, 'rb'))
    assert len(preds) == 200 and 'pred_score' in preds[0]


def test_corrupt_checkpoint_is_a_clear_error(trained, tmp_path):
    work, cfg, _ = trained
    good = (work / 'wd' / 'epoch_2.pth').read_bytes()
    bad = tmp_path / 'truncated.pth'
    bad.write_bytes(good[:len(good) // 2])
    before = sorted(os.listdir(work / 'wd'))
    proc = run_tool([TEST, str(cfg), str(bad)], check=False)
    assert proc.returncode != 0
    assert 'corrupt or truncated' in proc.stderr
    proc = run_tool([TRAIN, str(cfg), '--work-dir', str(work / 'wd'),
                     '--resume', str(bad)], check=False)
    assert proc.returncode != 0 and 'corrupt or truncated' in proc.stderr
    assert sorted(os.listdir(work / 'wd')) == before  # nothing touched


def test_amp_bf16_on_cpu(tiny_fmnist, tmp_path):
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(tiny_config(tiny_fmnist, epochs=1))
    proc = run_tool([TRAIN, str(cfg), '--work-dir', str(tmp_path / 'wd'),
                     '--amp'])
    assert 'AnyDeviceAmpOptimWrapper' in (proc.stdout + proc.stderr)
    state = load(str(tmp_path / 'wd' / 'epoch_1.pth'))['state_dict']
    theta = state['head.loss_module.theta']
    assert theta.dtype == torch.float64 and torch.isfinite(theta).all()
    assert theta.sum() > 0


def test_exact_resume(tiny_fmnist, tmp_path):
    """k epochs + --resume to N == N epochs uninterrupted, bit for bit."""
    full, part = tmp_path / 'full', tmp_path / 'part'
    cfg3 = tmp_path / 'cfg3.py'
    cfg3.write_text(tiny_config(tiny_fmnist, epochs=3))
    cfg1 = tmp_path / 'cfg1.py'
    cfg1.write_text(tiny_config(tiny_fmnist, epochs=1))
    run_tool([TRAIN, str(cfg3), '--work-dir', str(full)])
    run_tool([TRAIN, str(cfg1), '--work-dir', str(part)])
    run_tool([TRAIN, str(cfg3), '--work-dir', str(part), '--resume'])
    a = load(str(full / 'epoch_3.pth'))['state_dict']
    b = load(str(part / 'epoch_3.pth'))['state_dict']
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    assert int(b['head.loss_module.num_updates']) == 3 * ITERS


def test_load_from_plain_linear_head_and_back(trained, tiny_fmnist,
                                              tmp_path):
    work, _, _ = trained
    ce_cfg = tmp_path / 'ce.py'
    ce_cfg.write_text(tiny_config(tiny_fmnist, head='ce', epochs=1))
    run_tool([TRAIN, str(ce_cfg), '--work-dir', str(tmp_path / 'ce')])
    ce_ckpt = str(tmp_path / 'ce' / 'epoch_1.pth')
    gala_cfg = tmp_path / 'gala.py'
    gala_cfg.write_text(tiny_config(tiny_fmnist, epochs=1))
    # CE checkpoint -> GALA head (fine-tuning): statistics start at zero
    run_tool([TRAIN, str(gala_cfg), '--work-dir', str(tmp_path / 'ft'),
              '--cfg-options', f'load_from={ce_ckpt}'])
    ft = load(str(tmp_path / 'ft' / 'epoch_1.pth'))['state_dict']
    assert int(ft['head.loss_module.num_updates']) == ITERS
    # GALA checkpoint -> plain LinearClsHead (deployment): evaluates
    proc = run_tool([TEST, str(ce_cfg), str(work / 'wd' / 'epoch_2.pth'),
                     '--work-dir', str(tmp_path / 'dep')])
    assert 'lt/top1' in proc.stdout + proc.stderr


def test_tools_take_every_mmpretrain_argument():
    """Our tools parse with mmpretrain 1.2's own parsers."""
    import importlib.util

    def load(path):
        spec = importlib.util.spec_from_file_location('t', path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    test_tool = load(TEST)
    args = test_tool.parse_args([
        'c.py', 'x.pth', '--show-dir', 'vis', '--show', '--interval', '3',
        '--wait-time', '0.5', '--tta', '--amp', '--no-pin-memory',
        '--out', 'p.pkl', '--out-item', 'pred', '--launcher', 'pytorch'])
    assert args.show_dir == 'vis' and args.tta and args.interval == 3
    train_tool = load(TRAIN)
    args = train_tool.parse_args([
        'c.py', '--resume', '--amp', '--no-validate', '--auto-scale-lr',
        '--no-pin-memory', '--no-persistent-workers', '--cfg-options',
        'a=1', '--launcher', 'slurm', '--local-rank', '1'])
    assert args.resume == 'auto' and args.auto_scale_lr


def test_test_tool_tta_and_show_dir(trained, tmp_path):
    work, cfg, _ = trained
    cfg2 = tmp_path / 'cfg.py'
    cfg2.write_text(open(cfg).read())
    ckpt = str(work / 'wd' / 'epoch_2.pth')
    proc = run_tool([TEST, str(cfg2), ckpt, '--work-dir',
                     str(tmp_path / 't'), '--tta'])
    assert 'lt/balanced' in proc.stdout + proc.stderr
    # (mmpretrain's VisualizationHook cannot draw TTA batches: separately)
    run_tool([TEST, str(cfg2), ckpt, '--work-dir', str(tmp_path / 's'),
              '--show-dir', str(tmp_path / 'vis'), '--interval', '50'])
    drawn = list((tmp_path / 'vis').rglob('*.png'))
    assert drawn
    # readable: the 32x32 inputs drawn at 224 px (gala_runtime's resize)
    assert min(Image.open(drawn[0]).size) >= 224
