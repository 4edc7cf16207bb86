# Copyright (c) gala-mm contributors. All rights reserved.
"""Put Fashion-MNIST where mmpretrain's ``FashionMNIST`` reads it (offline).

    python tools/dataset_converters/prepare_fashion_mnist.py \
        --src /usr/share/datasets/fashion-mnist --out data/fashion_mnist

decompresses the four idx files (55 MB) into ``--out``; then
``LongTailFashionMNIST(data_root='data/fashion_mnist')`` (or mmpretrain's
``FashionMNIST``) reads them. With internet, mmpretrain downloads them
itself (``download=True``) and this step is not needed.
"""
import argparse
import gzip
import os
import os.path as osp
import shutil
import struct
import sys

IDX_FILES = ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte',
             't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte')
DEBIAN_DIR = '/usr/share/datasets/fashion-mnist'
HOW_TO_GET = (
    'Install it with `apt-get install -y dataset-fashion-mnist` (Debian/'
    'Ubuntu; files land in /usr/share/datasets/fashion-mnist), or download '
    'the four *-ubyte.gz files from '
    'https://github.com/zalandoresearch/fashion-mnist and pass --src DIR.')


def check_idx(path: str) -> tuple:
    """Shape of a uint8 idx file; ValueError if it is not one or is cut."""
    with open(path, 'rb') as f:
        head = f.read(4)
        if len(head) < 4 or head[:3] != b'\x00\x00\x08':
            raise ValueError(f'{path}: not a uint8 idx file.')
        ndim = head[3]
        shape = struct.unpack(f'>{ndim}I', f.read(4 * ndim))
    size = osp.getsize(path) - 4 - 4 * ndim
    expected = 1
    for dim in shape:
        expected *= dim
    if size != expected:
        raise ValueError(f'{path}: {size} of {expected} values (truncated '
                         'or corrupt download).')
    return shape


def find_source(src: str, name: str) -> str:
    for candidate in (osp.join(src, name + '.gz'), osp.join(src, name)):
        if osp.isfile(candidate):
            return candidate
    raise FileNotFoundError(
        f'Fashion-MNIST not found in {src!r} (no {name}[.gz]). ' + HOW_TO_GET)


def prepare(src: str, out: str) -> list:
    """Decompress (or copy) the idx files of ``src`` into ``out``.

    Args:
        src (str): Folder with the four idx files, gzipped or not.
        out (str): ``data_root`` of the Fashion-MNIST configs.

    Returns:
        list[str]: The files written (already valid ones are kept).
    """
    sources = [find_source(src, name) for name in IDX_FILES]
    os.makedirs(out, exist_ok=True)
    written, shapes = [], []
    for name, source in zip(IDX_FILES, sources):
        target = osp.join(out, name)
        if osp.isfile(target):
            try:
                shapes.append(check_idx(target))
                continue
            except ValueError:
                pass
        opener = gzip.open if source.endswith('.gz') else open
        with opener(source, 'rb') as fin, open(target + '.part', 'wb') as f:
            shutil.copyfileobj(fin, f)
        shapes.append(check_idx(target + '.part'))
        os.replace(target + '.part', target)
        written.append(target)
    if shapes[0][0] != shapes[1][0] or shapes[2][0] != shapes[3][0]:
        raise ValueError(f'{out}: image and label counts differ ({shapes}).')
    return written


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--src', default=DEBIAN_DIR,
                        help='folder with the idx files (.gz or not)')
    parser.add_argument('--out', default='data/fashion_mnist',
                        help='data_root of the Fashion-MNIST configs')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        written = prepare(args.src, args.out)
    except (FileNotFoundError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    print(f'{args.out}: ' + (f'wrote {len(written)} idx files' if written
                             else 'already prepared'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
