# Copyright (c) gala-mm contributors. All rights reserved.
"""Make ``path label`` lists from iNaturalist 2018's JSON annotations.

    python tools/dataset_converters/inat_json_to_list.py \
        data/inat2018/train2018.json data/inat2018/iNaturalist18_train.txt
    python tools/dataset_converters/inat_json_to_list.py \
        data/inat2018/val2018.json data/inat2018/iNaturalist18_val.txt

Each output line is ``<file_name> <category_id>`` (file names such as
``train_val2018/Plantae/7477/x.jpg`` are relative to the image root).
"""
import argparse
import os.path as osp
import sys

import mmengine


def convert(ann_file: str, out_file: str) -> int:
    """Write the list; return the number of images.

    Args:
        ann_file (str): ``train2018.json`` / ``val2018.json``.
        out_file (str): The list to write.
    """
    data = mmengine.load(ann_file)
    for key in ('images', 'annotations'):
        if key not in data:
            raise ValueError(f'{ann_file}: no "{key}" field; is this an '
                             'iNaturalist JSON annotation file?')
    labels = {a['image_id']: a['category_id'] for a in data['annotations']}
    lines = []
    for img in data['images']:
        if img['id'] not in labels:
            raise ValueError(f'{ann_file}: image {img["id"]} '
                             f'({img["file_name"]}) has no annotation.')
        lines.append(f'{img["file_name"]} {labels[img["id"]]}')
    mmengine.mkdir_or_exist(osp.dirname(osp.abspath(out_file)))
    with open(out_file, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return len(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('ann_file')
    parser.add_argument('out_file')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    n = convert(args.ann_file, args.out_file)
    print(f'wrote {n} lines to {args.out_file}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
