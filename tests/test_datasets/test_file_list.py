# Copyright (c) gala-mm contributors. All rights reserved.
import os

import numpy as np
import pytest
from mmpretrain.registry import DATASETS

from gala_mm.datasets import FileListError, parse_file_list


def make_tree(root, entries):
    for rel, _ in entries:
        path = os.path.join(root, 'images', rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, 'wb').close()


def write_list(path, lines):
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


@pytest.fixture
def lt_tree(tmp_path):
    train = [(f'train/c{c}/{i}.jpg', c) for c in range(4)
             for i in range(8 >> c)]
    test = [(f'val/c{c}/{i}.jpg', c) for c in range(4) for i in range(2)]
    make_tree(tmp_path, train + test)
    write_list(tmp_path / 'train.txt', [f'{p} {c}' for p, c in train])
    write_list(tmp_path / 'test.txt', [f'{p} {c}' for p, c in test])
    return tmp_path


def test_train_and_test_lists(lt_tree):
    kw = dict(type='LongTailFileList', num_classes=4, data_root=str(lt_tree),
              data_prefix='images')
    train = DATASETS.build(dict(ann_file='train.txt', **kw))
    assert len(train) == 15
    assert train.metainfo['class_counts'] == [8, 4, 2, 1]
    test = DATASETS.build(
        dict(ann_file='test.txt', test_mode=True, **kw))
    assert 'class_counts' not in test.metainfo
    test = DATASETS.build(
        dict(ann_file='test.txt', test_mode=True, train_ann_file='train.txt',
             **kw))
    assert test.metainfo['class_counts'] == [8, 4, 2, 1]
    assert np.bincount(test.get_gt_labels()).tolist() == [2, 2, 2, 2]


def test_paths_with_spaces_and_tabs(tmp_path):
    write_list(tmp_path / 'l.txt', ['a b/c d.jpg 3', 'x.jpg\t1', ''])
    assert parse_file_list(str(tmp_path / 'l.txt'), 5) == [('a b/c d.jpg', 3),
                                                           ('x.jpg', 1)]


@pytest.mark.parametrize('line,match', [
    ('just_a_path.jpg', r'l.txt:2: expected'),
    ('img.jpg cat', r'l.txt:2: expected'),
    ('img.jpg 9', r'l.txt:2: label 9 is outside \[0, 4\)'),
    ('img.jpg -1', r'l.txt:2: label -1'),
    ('img.jpg \u0663', r'l.txt:2: expected .*ASCII digits'),  # Arabic 3
    ('img.jpg \u00b3', r'l.txt:2: expected .*ASCII digits'),  # superscript
    ('/abs/img.jpg 1', r'l.txt:2: .*absolute path.*leading "/"'),
    ('../../../../etc/hostname 1', r'l.txt:2: .*leaves data_prefix'),
    ('a/../../b.jpg 1', r'l.txt:2: .*leaves data_prefix'),
    ('x' * 10**6 + ' cat', r"l.txt:2: expected .*got 'x{120}'\.\.\. "
     r'\(1000004 characters\)\. Fix'),
])
def test_malformed_lines(tmp_path, line, match):
    write_list(tmp_path / 'l.txt', ['ok.jpg 0', line])
    with pytest.raises(FileListError, match=match):
        parse_file_list(str(tmp_path / 'l.txt'), 4)


def test_missing_image_and_files(lt_tree):
    write_list(lt_tree / 'bad.txt', ['train/c0/0.jpg 0', 'nope/x.jpg 1'])
    with pytest.raises(FileListError, match='nope/x.jpg.*does not exist'):
        DATASETS.build(dict(type='LongTailFileList', ann_file='bad.txt',
                            num_classes=4, data_root=str(lt_tree),
                            data_prefix='images', test_mode=True))
    with pytest.raises(FileNotFoundError, match='not found'):
        parse_file_list(str(lt_tree / 'absent.txt'), 4)
    with pytest.raises(FileNotFoundError, match='data_root'):
        DATASETS.build(dict(type='ImageNetLT', ann_file='t.txt',
                            data_root=str(lt_tree / 'missing')))


def test_empty_class_in_training_list(lt_tree):
    with pytest.raises(ValueError, match=r'classes \[4\] have no training'):
        DATASETS.build(dict(type='LongTailFileList', ann_file='train.txt',
                            num_classes=5, data_root=str(lt_tree),
                            data_prefix='images'))


def test_registered_large_scale_types(lt_tree):
    ds = DATASETS.build(dict(type='INaturalist2018', ann_file='train.txt',
                             data_root=str(lt_tree), data_prefix='images',
                             test_mode=True))
    assert ds.num_classes == 8142 and len(ds) == 15


def test_bom_is_ignored_and_latin1_named(tmp_path):
    (tmp_path / 'bom.txt').write_bytes(b'\xef\xbb\xbfa.jpg 1\nb.jpg 0\n')
    assert parse_file_list(str(tmp_path / 'bom.txt'), 2) == [
        ('a.jpg', 1), ('b.jpg', 0)]
    (tmp_path / 'latin.txt').write_bytes(b'a.jpg 1\ncaf\xe9.jpg 0\n')
    with pytest.raises(FileListError,
                       match=r'latin.txt:2: not UTF-8 \(byte 0xe9 at column '
                       r'4\).*iconv'):
        parse_file_list(str(tmp_path / 'latin.txt'), 2)


def test_inner_dot_dot_and_repeats_are_counted(tmp_path):
    from mmengine.logging import MMLogger
    write_list(tmp_path / 'l.txt', ['a/../b.jpg 0', 'c.jpg 1', 'c.jpg 1',
                                    'c.jpg 1', 'd.jpg 2'])
    logger = MMLogger.get_instance('file_list_test')
    records = []
    logger.warning = records.append
    samples = parse_file_list(str(tmp_path / 'l.txt'), 4)
    assert [s[0] for s in samples] == ['a/../b.jpg', 'c.jpg', 'c.jpg',
                                       'c.jpg', 'd.jpg']
    assert records == [f'{tmp_path}/l.txt: 2 of 5 lines repeat an earlier '
                       'line (kept: those images count more than once, in '
                       'training and in the class counts).']


def test_carriage_return_line_ends(tmp_path):
    """\\r\\n and bare \\r end lines, as when the whole list was read."""
    (tmp_path / 'l.txt').write_bytes(b'a.jpg 0\r\nb.jpg 1\rc.jpg 2\n\nd.jpg 3')
    assert parse_file_list(str(tmp_path / 'l.txt'), 4) == [
        ('a.jpg', 0), ('b.jpg', 1), ('c.jpg', 2), ('d.jpg', 3)]
