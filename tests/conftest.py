# Copyright (c) gala-mm contributors. All rights reserved.
"""Shared fixtures: tiny synthetic data in the Fashion-MNIST (idx) and
CIFAR python layouts."""
import gzip
import os
import os.path as osp
import pickle
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def class_images(labels, seed=0, signal=0.35, size=3072):
    """uint8 rows (3072: 32x32x3 CIFAR, 784: 28x28 grey): a fixed random
    prototype per class blended with noise, so a small network can learn it
    but not perfectly."""
    rng = np.random.RandomState(seed)
    num_classes = int(labels.max()) + 1
    protos = np.random.RandomState(1234).randint(
        0, 256, (num_classes, size)).astype(np.float32)
    noise = rng.randint(0, 256, (len(labels), size)).astype(np.float32)
    imgs = signal * protos[labels] + (1 - signal) * noise
    return imgs.astype(np.uint8)


def write_cifar10(root, train_per_class, test_per_class, num_classes=10,
                  seed=0, zeros=False):
    """Write ``<root>/cifar-10-batches-py`` (5 train batches + test)."""
    folder = osp.join(root, 'cifar-10-batches-py')
    os.makedirs(folder, exist_ok=True)

    def dump(name, per_class, seed):
        labels = np.repeat(np.arange(num_classes), per_class)
        labels = labels[np.random.RandomState(seed).permutation(len(labels))]
        data = (np.zeros((len(labels), 3072), np.uint8) if zeros else
                class_images(labels, seed))
        return labels, data

    labels, data = dump('train', train_per_class, seed)
    for i, part in enumerate(np.array_split(np.arange(len(labels)), 5)):
        with open(osp.join(folder, f'data_batch_{i + 1}'), 'wb') as f:
            pickle.dump(dict(data=data[part], labels=labels[part].tolist()),
                        f)
    labels, data = dump('test', test_per_class, seed + 1)
    with open(osp.join(folder, 'test_batch'), 'wb') as f:
        pickle.dump(dict(data=data, labels=labels.tolist()), f)
    with open(osp.join(folder, 'batches.meta'), 'wb') as f:
        pickle.dump(dict(label_names=[f'c{i}' for i in range(num_classes)]),
                    f)
    return root


def write_cifar100(root, train_per_class, test_per_class, zeros=True):
    folder = osp.join(root, 'cifar-100-python')
    os.makedirs(folder, exist_ok=True)
    for name, per_class in (('train', train_per_class),
                            ('test', test_per_class)):
        labels = np.repeat(np.arange(100), per_class)
        data = np.zeros((len(labels), 3072), np.uint8)
        with open(osp.join(folder, name), 'wb') as f:
            pickle.dump(dict(data=data, fine_labels=labels.tolist()), f)
    with open(osp.join(folder, 'meta'), 'wb') as f:
        pickle.dump(dict(fine_label_names=[f'c{i}' for i in range(100)]), f)
    return root


FASHION_MNIST_FILES = dict(
    train=('train-images-idx3-ubyte', 'train-labels-idx1-ubyte'),
    test=('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'))


def write_idx(path, array, compress=False):
    """Write a uint8 array as an idx file (gzipped if ``compress``)."""
    header = struct.pack('>HBB', 0, 0x08, array.ndim) + struct.pack(
        f'>{array.ndim}I', *array.shape)
    with (gzip.open if compress else open)(path, 'wb') as f:
        f.write(header + array.astype(np.uint8).tobytes())


def write_fashion_mnist(root, train_per_class, test_per_class, seed=0,
                        zeros=False, compress=False):
    """Write the four Fashion-MNIST idx files (10 classes, 28x28 grey,
    learnable unless ``zeros``) into ``root``, as mmpretrain reads them."""
    os.makedirs(root, exist_ok=True)
    for split, per_class, split_seed in (('train', train_per_class, seed),
                                         ('test', test_per_class, seed + 1)):
        labels = np.repeat(np.arange(10), per_class)
        labels = labels[np.random.RandomState(split_seed).permutation(
            len(labels))]
        images = (np.zeros((len(labels), 784), np.uint8) if zeros else
                  class_images(labels, split_seed, size=784))
        suffix = '.gz' if compress else ''
        names = FASHION_MNIST_FILES[split]
        write_idx(osp.join(root, names[0] + suffix),
                  images.reshape(-1, 28, 28), compress)
        write_idx(osp.join(root, names[1] + suffix), labels, compress)
    return root


@pytest.fixture(scope='session')
def tiny_fmnist(tmp_path_factory):
    """Fashion-MNIST layout, 60 train / 20 test images per class,
    learnable."""
    return write_fashion_mnist(str(tmp_path_factory.mktemp('fmnist')), 60,
                               20)


def skip_cifar_md5(monkeypatch):
    """Synthetic CIFAR files have no official md5: skip mmpretrain's check
    in this process."""
    from mmpretrain.datasets import CIFAR10
    monkeypatch.setattr(CIFAR10, '_check_integrity', lambda self: True)


def skip_cifar_md5_env(tmp_path):
    """Environment for a tool subprocess that skips mmpretrain's CIFAR md5
    check (a ``sitecustomize`` on its PYTHONPATH)."""
    folder = tmp_path / 'skip_md5'
    folder.mkdir(exist_ok=True)
    (folder / 'sitecustomize.py').write_text(
        'from mmpretrain.datasets import CIFAR10\n'
        'CIFAR10._check_integrity = lambda self: True\n')
    return dict(PYTHONPATH=f'{folder}{os.pathsep}{REPO}')


def free_port():
    """A free TCP port on localhost (a gloo process group's)."""
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


#: ResNet-20's first stage only (3 of its 9 blocks, 16-d features): what
#: ``tiny_config(one_stage=True)`` adds, for runs that compile the model.
ONE_STAGE = """
model['backbone'].update(num_stages=1, strides=(1, ), dilations=(1, ),
                         out_indices=(0, ))
model['head']['in_channels'] = 16
"""


def tiny_config(data_root, work_dir=None, head='gala', epochs=2,
                extra='', val_per_class=0, imbalance_factor=10,
                max_per_class=60, one_stage=False):
    """Text of a tiny training config on ``tiny_fmnist``-like data
    (``one_stage``: the backbone's first stage only, which compiles
    faster)."""
    head_cfg = dict(
        gala="dict(type='PRSLinearClsHead', num_classes=10, in_channels=64)",
        ce="dict(type='LinearClsHead', num_classes=10, in_channels=64, "
        "loss=dict(type='CrossEntropyLoss'))")[head]
    return textwrap.dedent(f"""
    _base_ = ['{REPO}/configs/_base_/gala_runtime.py']
    model = dict(
        type='ImageClassifier',
        backbone=dict(type='CifarResNet', depth=20),
        neck=dict(type='GlobalAveragePooling'),
        head={head_cfg})
    data_preprocessor = dict(num_classes=10, mean=[127.5] * 3,
                             std=[64.0] * 3, to_rgb=False)
    ds = dict(type='LongTailFashionMNIST', data_root='{data_root}',
              imbalance_factor={imbalance_factor},
              max_per_class={max_per_class - val_per_class},
              val_per_class={val_per_class}, download=False)
    train_dataloader = dict(
        batch_size=32, num_workers=0,
        dataset=dict(split='train', pipeline=[dict(type='PackInputs')],
                     **ds),
        sampler=dict(type='DefaultSampler', shuffle=True))
    val_dataloader = dict(
        batch_size=100, num_workers=0,
        dataset=dict(split='test', pipeline=[dict(type='PackInputs')],
                     **ds),
        sampler=dict(type='DefaultSampler', shuffle=False))
    val_evaluator = [dict(type='LongTailAccuracy', many_thr=40, few_thr=15,
                          prs_taus=1.0)]
    test_dataloader = val_dataloader
    test_evaluator = val_evaluator
    optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9,
                                        weight_decay=5e-4))
    param_scheduler = []
    train_cfg = dict(by_epoch=True, max_epochs={epochs}, val_interval={epochs})
    val_cfg = dict()
    test_cfg = dict()
    default_hooks = dict(logger=dict(type='LoggerHook', interval=5),
                         checkpoint=dict(interval=1))
    """) + (ONE_STAGE if one_stage else '') + textwrap.dedent(extra)


def load_tool(path):
    """A tool script (``tools/...py``) imported as a module."""
    from gala_mm.utils import load_script
    return load_script(path)


def run_tool(args, cwd=REPO, timeout=600, env=None, check=True):
    """Run a repo script with this interpreter; return the completed proc."""
    full_env = dict(os.environ, PYTHONPATH=REPO)
    full_env.update(env or {})
    proc = subprocess.run([sys.executable] + list(args), cwd=cwd,
                          capture_output=True, text=True, timeout=timeout,
                          env=full_env)
    if check and proc.returncode != 0:
        raise AssertionError(f'{args} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}')
    return proc


@pytest.fixture(scope='session')
def trained_gala(tiny_fmnist, tmp_path_factory):
    """A tiny GALA run (3 epochs) with 10 images/class held out as 'val'.

    Returns (config path, checkpoint path, work dir).
    """
    work = tmp_path_factory.mktemp('gala_run')
    cfg = work / 'cfg.py'
    cfg.write_text(tiny_config(tiny_fmnist, epochs=3, val_per_class=10))
    run_tool([osp.join(REPO, 'tools/train.py'), str(cfg), '--work-dir',
              str(work / 'wd')])
    return str(cfg), str(work / 'wd' / 'epoch_3.pth'), work
