# Copyright (c) gala-mm contributors. All rights reserved.
"""Print the per-shot table of a metrics file written by
``tools/test.py ... --out metrics.json --out-item metrics``."""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

import mmengine  # noqa: E402

from gala_mm.long_tail import format_shot_table  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('metrics', help='metrics .json/.yaml/.pkl')
    parser.add_argument('--prefix', default='lt/')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    metrics = mmengine.load(args.metrics)
    rows = {k[len(args.prefix):]: v for k, v in metrics.items()
            if k.startswith(args.prefix)}
    if not rows:
        print(f'No {args.prefix}* metrics in {args.metrics}: was the '
              'LongTailAccuracy metric in test_evaluator?', file=sys.stderr)
        return 1
    print('Per-shot accuracy (%) on the test set '
          '(raw = plain prediction, prsT = PRS with tau T):')
    print(format_shot_table(rows))
    return 0


if __name__ == '__main__':
    sys.exit(main())
