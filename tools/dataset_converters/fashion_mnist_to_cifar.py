# Copyright (c) gala-mm contributors. All rights reserved.
"""Convert Fashion-MNIST to the CIFAR-10 python layout (offline demo data).

    python tools/dataset_converters/fashion_mnist_to_cifar.py \
        --out data/fashion_mnist

then ``LongTailCIFAR10(data_root='data/fashion_mnist', verify_md5=False)``
reads it like CIFAR-10 (see configs/_base_/datasets/fmnist_lt.py).
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

from gala_mm.datasets.fashion_mnist import DEBIAN_DIR, convert_to_cifar  # noqa


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--src', default=DEBIAN_DIR,
                        help='folder with the idx .gz files')
    parser.add_argument('--out', default='data/fashion_mnist',
                        help='data_root to write cifar-10-batches-py into')
    parser.add_argument('--per-class', type=int, default=6000)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--force', action='store_true',
                        help='convert again even if the output exists')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    marker = osp.join(args.out, 'cifar-10-batches-py', 'SOURCE.json')
    if osp.isfile(marker) and not args.force:
        with open(marker) as f:
            done = json.load(f)
        if done.get('per_class') == args.per_class and done.get(
                'seed') == args.seed:
            print(f'{osp.dirname(marker)} already converted '
                  '(use --force to redo).')
            return 0
    try:
        folder = convert_to_cifar(args.src, args.out, args.per_class,
                                  seed=args.seed)
    except FileNotFoundError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    print(f'wrote {folder}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
