# Copyright (c) gala-mm contributors. All rights reserved.
"""Fashion-MNIST (idx files) to the CIFAR-10 python layout.

The result is a drop-in for ``cifar-10-batches-py``: 32x32x3 uint8 images
(the 28x28 grey images zero-padded by 2 pixels and repeated over the three
channels), five pickled training batches, a 10,000-image test batch and
``batches.meta`` with the real class names. By default all 6,000 training
images per class are kept: the configs hold 1,000 per class out as a
balanced validation split (``val_per_class=1000``) and draw the CIFAR-10-LT
profile (n_max = 5,000) from the other 5,000, exactly as for CIFAR-10.
"""
import gzip
import json
import os
import os.path as osp
import pickle
import struct
from typing import Tuple

import numpy as np

FASHION_MNIST_CLASSES = ('T-shirt/top', 'Trouser', 'Pullover', 'Dress',
                         'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag',
                         'Ankle boot')
DEBIAN_DIR = '/usr/share/datasets/fashion-mnist'
IDX_FILES = dict(
    train_images='train-images-idx3-ubyte.gz',
    train_labels='train-labels-idx1-ubyte.gz',
    test_images='t10k-images-idx3-ubyte.gz',
    test_labels='t10k-labels-idx1-ubyte.gz')
HOW_TO_GET = (
    'Install it with `apt-get install -y dataset-fashion-mnist` (Debian/'
    'Ubuntu; files land in /usr/share/datasets/fashion-mnist), or download '
    'the four *-ubyte.gz files from '
    'https://github.com/zalandoresearch/fashion-mnist and pass --src DIR.')


def read_idx(path: str) -> np.ndarray:
    """Read an idx file (optionally gzipped) into a uint8 array."""
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    if len(data) < 4:
        raise ValueError(f'{path}: not an idx file (too short).')
    zero, dtype, ndim = struct.unpack('>HBB', data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f'{path}: not a uint8 idx file (magic '
                         f'{data[:4].hex()}).')
    shape = struct.unpack(f'>{ndim}I', data[4:4 + 4 * ndim])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise ValueError(f'{path}: truncated ({body.size} of '
                         f'{int(np.prod(shape))} values).')
    return body.reshape(shape)


def to_cifar_images(images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) grey -> (N, 3072) CIFAR rows (CHW order, 32x32x3)."""
    padded = np.pad(images, ((0, 0), (2, 2), (2, 2)))
    rgb = np.repeat(padded[:, None], 3, axis=1)
    return rgb.reshape(len(images), -1)


def load_split(src: str, split: str) -> Tuple[np.ndarray, np.ndarray]:
    images = read_idx(osp.join(src, IDX_FILES[f'{split}_images']))
    labels = read_idx(osp.join(src, IDX_FILES[f'{split}_labels']))
    if len(images) != len(labels):
        raise ValueError(f'{src}: {len(images)} {split} images but '
                         f'{len(labels)} labels.')
    return images, labels.astype(np.int64)


def balanced_subset(labels: np.ndarray, per_class: int,
                    seed: int = 0) -> np.ndarray:
    """The first ``per_class`` images of every class, in a shuffled order."""
    keep = []
    for cls in np.unique(labels):
        idx = np.flatnonzero(labels == cls)
        if len(idx) < per_class:
            raise ValueError(f'class {cls} has only {len(idx)} images, '
                             f'{per_class} requested.')
        keep.append(idx[:per_class])
    keep = np.concatenate(keep)
    return keep[np.random.RandomState(seed).permutation(len(keep))]


def _dump(path: str, images: np.ndarray, labels: np.ndarray,
          name: str) -> None:
    with open(path, 'wb') as f:
        pickle.dump(
            dict(
                batch_label=name,
                labels=[int(x) for x in labels],
                data=images,
                filenames=[f'{name}_{i}.png' for i in range(len(labels))]),
            f)


def convert_to_cifar(src: str, out_root: str, per_class: int = 6000,
                     num_batches: int = 5, seed: int = 0) -> str:
    """Write Fashion-MNIST as ``<out_root>/cifar-10-batches-py``.

    Args:
        src (str): Folder with the four idx ``.gz`` files.
        out_root (str): The ``data_root`` of the CIFAR-10 config.
        per_class (int): Training images per class. Defaults to 6000.
        num_batches (int): Training batch files. Defaults to 5.
        seed (int): Order of the images in the batches. Defaults to 0.

    Returns:
        str: The written ``cifar-10-batches-py`` folder.
    """
    missing = [f for f in IDX_FILES.values()
               if not osp.isfile(osp.join(src, f))]
    if missing:
        raise FileNotFoundError(
            f'Fashion-MNIST not found in {src!r} (missing {missing}). '
            + HOW_TO_GET)
    folder = osp.join(out_root, 'cifar-10-batches-py')
    os.makedirs(folder, exist_ok=True)
    images, labels = load_split(src, 'train')
    keep = balanced_subset(labels, per_class, seed)
    rows, labels = to_cifar_images(images[keep]), labels[keep]
    for i, part in enumerate(np.array_split(np.arange(len(keep)),
                                            num_batches)):
        _dump(osp.join(folder, f'data_batch_{i + 1}'), rows[part],
              labels[part], f'training batch {i + 1} of {num_batches}')
    images, labels = load_split(src, 'test')
    _dump(osp.join(folder, 'test_batch'), to_cifar_images(images), labels,
          'testing batch 1 of 1')
    with open(osp.join(folder, 'batches.meta'), 'wb') as f:
        pickle.dump(
            dict(
                label_names=list(FASHION_MNIST_CLASSES),
                num_cases_per_batch=len(keep) // num_batches,
                num_vis=3072), f)
    with open(osp.join(folder, 'SOURCE.json'), 'w') as f:
        json.dump(
            dict(
                source='Fashion-MNIST (Zalando, MIT licence)',
                src=osp.abspath(src),
                per_class=per_class,
                seed=seed), f)
    return folder
