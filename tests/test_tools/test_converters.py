# Copyright (c) gala-mm contributors. All rights reserved.
import json
import os.path as osp

import pytest
from gala_mm.datasets import parse_file_list
from ..conftest import REPO, run_tool

# End-to-end (subprocesses, training, several processes).
pytestmark = pytest.mark.slow


def test_inat_json_to_list(tmp_path):
    ann = dict(
        images=[dict(id=1, file_name='train_val2018/Plantae/7/a.jpg'),
                dict(id=2, file_name='train_val2018/Aves/3/b.jpg')],
        annotations=[dict(image_id=1, category_id=7),
                     dict(image_id=2, category_id=3)],
        categories=[])
    (tmp_path / 'train2018.json').write_text(json.dumps(ann))
    out = tmp_path / 'lists' / 'train.txt'
    run_tool([osp.join(REPO, 'tools/dataset_converters/inat_json_to_list.py'),
              str(tmp_path / 'train2018.json'), str(out)])
    assert parse_file_list(str(out), 8142) == [
        ('train_val2018/Plantae/7/a.jpg', 7),
        ('train_val2018/Aves/3/b.jpg', 3)]


def test_inat_json_errors(tmp_path):
    (tmp_path / 'bad.json').write_text(json.dumps(dict(images=[])))
    proc = run_tool([osp.join(REPO,
                              'tools/dataset_converters/inat_json_to_list.py'),
                     str(tmp_path / 'bad.json'), str(tmp_path / 'o.txt')],
                    check=False)
    assert proc.returncode != 0 and 'no "annotations" field' in proc.stderr
