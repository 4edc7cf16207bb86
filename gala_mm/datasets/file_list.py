# Copyright (c) gala-mm contributors. All rights reserved.
"""Datasets from ``<relative/path> <label>`` file lists (ImageNet-LT,
Places-LT, iNaturalist 2018)."""
import os.path as osp
import posixpath
import re
from typing import List, Optional, Tuple

import numpy as np
from mmengine.fileio import get_file_backend
from mmengine.logging import MMLogger
from mmpretrain.datasets import CustomDataset
from mmpretrain.datasets.categories import IMAGENET_CATEGORIES
from mmpretrain.registry import DATASETS

from ..long_tail import check_class_counts
from ..utils import suggest_typos


class FileListError(ValueError):
    """A malformed line, a missing image or a label out of range."""


#: How much of a bad line an error message quotes.
QUOTE_CHARS = 120


def _quote(line: str) -> str:
    """A line for an error message, cut to ``QUOTE_CHARS``."""
    if len(line) <= QUOTE_CHARS:
        return repr(line)
    return f'{line[:QUOTE_CHARS]!r}... ({len(line)} characters)'


def _list_lines(ann_file: str, backend):
    """The list's lines as bytes: streamed from a local file, read whole
    from a remote one (mmengine's backends have no line reader)."""
    if osp.isfile(ann_file):
        with open(ann_file, 'rb') as f:
            for chunk in f:  # split as bytes.splitlines does (\r too)
                yield from chunk.splitlines()
    else:
        yield from backend.get(ann_file).splitlines()


def parse_file_list(ann_file: str,
                    num_classes: int) -> List[Tuple[str, int]]:
    """Read and validate a ``<relative/path> <integer label>`` list.

    Blank lines are skipped and a UTF-8 byte-order mark is ignored. The
    path may contain spaces (the label is the last field); fields may be
    separated by spaces or tabs; it must stay inside ``data_prefix`` (no
    leading ``/``, no ``..`` out of it). Repeated lines are kept (a list may
    oversample on purpose) and counted in a warning. Read through mmengine's
    file backend, so remote lists work as in ``CustomDataset``.

    Args:
        ann_file (str): The list file.
        num_classes (int): Labels must lie in ``[0, num_classes)``.

    Returns:
        list[tuple[str, int]]: ``(relative path, label)`` pairs.
    """
    backend = get_file_backend(ann_file)
    if not backend.isfile(ann_file):
        raise FileNotFoundError(
            f'File list {ann_file!r} not found: download the official split '
            'lists (see docs/datasets.md) or make them with '
            'tools/dataset_converters/.')
    samples, seen, repeated = [], set(), 0
    for lineno, line_bytes in enumerate(_list_lines(ann_file, backend),
                                        start=1):
        if lineno == 1 and line_bytes.startswith(b'\xef\xbb\xbf'):
            line_bytes = line_bytes[3:]  # a UTF-8 byte-order mark
        sample = _parse_line(line_bytes, f'{ann_file}:{lineno}', num_classes)
        if sample is None:
            continue
        if sample in seen:
            repeated += 1
        seen.add(sample)
        samples.append(sample)
    if not samples:
        raise FileListError(f'{ann_file}: the file list is empty.')
    if repeated:
        MMLogger.get_current_instance().warning(
            f'{ann_file}: {repeated} of {len(samples)} lines repeat an '
            'earlier line (kept: those images count more than once, in '
            'training and in the class counts).')
    return samples


def _parse_line(line_bytes: bytes, where: str,
                num_classes: int) -> Optional[Tuple[str, int]]:
    """One ``<relative/path> <label>`` line; None for a blank one."""
    try:
        line = line_bytes.decode('utf-8').strip()
    except UnicodeDecodeError as e:
        raise FileListError(
            f'{where}: not UTF-8 (byte 0x{line_bytes[e.start]:02x} at '
            f'column {e.start + 1}): save the list as UTF-8, e.g. '
            f'iconv -f latin1 -t utf-8.') from None
    if not line:
        return None
    parts = line.rsplit(maxsplit=1)
    if len(parts) != 2 or not re.fullmatch(r'-?[0-9]+', parts[1]):
        raise FileListError(
            f'{where}: expected "<relative/path> <integer label>" (label '
            f'in ASCII digits), got {_quote(line)}. Fix or regenerate the '
            'list.')
    path = parts[0]
    if path.startswith('/'):
        raise FileListError(
            f'{where}: {_quote(path)} is an absolute path; the list holds '
            'paths relative to data_prefix: remove the leading "/" (and '
            'the folder part that data_prefix already gives).')
    if posixpath.normpath(path.replace('\\', '/')).split('/')[0] == '..':
        raise FileListError(
            f'{where}: {_quote(path)} leaves data_prefix (".." above it); '
            'the list holds paths inside data_prefix: fix the list or set '
            'data_prefix to the folder that holds the images.')
    label = int(parts[1])
    if not 0 <= label < num_classes:
        raise FileListError(
            f'{where}: label {label} is outside [0, {num_classes}); the '
            'list does not match num_classes (wrong list or wrong '
            'dataset type?).')
    return path, label


@DATASETS.register_module()
@suggest_typos
class LongTailFileList(CustomDataset):
    """A classification split given by a file list, validated.

    Each line is ``<path relative to data_prefix> <label>``. Errors name the
    file and line. ``metainfo['class_counts']`` holds the *training* class
    counts: those of this list when it is a training list
    (``test_mode=False``), or of ``train_ann_file`` when given.

    Args:
        ann_file (str): The list file.
        num_classes (int): Number of classes.
        data_root (str): Root prepended to ``ann_file`` and
            ``data_prefix``.
        data_prefix (str | dict): Image folder.
        train_ann_file (str, optional): The training list, to expose its
            class counts on a val/test split. Defaults to None.
        check_files (bool): Check that every image exists (a stat per
            file). Defaults to True.
        **kwargs: Other arguments of :class:`CustomDataset`.
    """

    def __init__(self,
                 ann_file: str,
                 num_classes: int,
                 data_root: str = '',
                 data_prefix='',
                 train_ann_file: Optional[str] = None,
                 check_files: bool = True,
                 **kwargs) -> None:
        if not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f'num_classes={num_classes!r} must be a positive'
                             ' integer.')
        self.num_classes = num_classes
        self.train_ann_file = train_ann_file
        self.check_files = check_files
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            data_prefix=data_prefix,
            **kwargs)

    def _join_root(self, path: str) -> str:
        if self.data_root and not osp.isabs(path):
            return osp.join(self.data_root, path)
        return path

    def load_data_list(self) -> List[dict]:
        if (self.data_root and '://' not in self.data_root
                and not osp.isdir(self.data_root)):
            raise FileNotFoundError(
                f'data_root {self.data_root!r} does not exist: set data_root '
                'to the folder holding the images and lists.')
        samples = parse_file_list(self.ann_file, self.num_classes)
        data_list = []
        backend = get_file_backend(self.img_prefix or self.ann_file)
        for lineno, (rel_path, label) in enumerate(samples, start=1):
            img_path = backend.join_path(self.img_prefix, rel_path)
            if self.check_files and not backend.isfile(img_path):
                raise FileListError(
                    f'{self.ann_file}: image {img_path!r} (entry {lineno}) '
                    'does not exist; check data_root/data_prefix or pass '
                    'check_files=False to skip this check.')
            data_list.append(dict(img_path=img_path, gt_label=label))
        labels = np.array([label for _, label in samples])
        if self.train_ann_file:
            train = parse_file_list(
                self._join_root(self.train_ann_file), self.num_classes)
            labels = np.array([label for _, label in train])
        if self.train_ann_file or not self.test_mode:
            counts = np.bincount(labels, minlength=self.num_classes)
            check_class_counts(counts, self.num_classes,
                               f'{type(self).__name__} ({self.ann_file})')
            self._metainfo['class_counts'] = counts.tolist()
        return data_list


@DATASETS.register_module()
@suggest_typos
class ImageNetLT(LongTailFileList):
    """ImageNet-LT (Liu et al., 2019): 1000 classes, 1280 -> 5 per class."""
    METAINFO = {'classes': IMAGENET_CATEGORIES}

    def __init__(self, ann_file: str, num_classes: int = 1000, **kwargs):
        super().__init__(ann_file, num_classes=num_classes, **kwargs)


@DATASETS.register_module()
@suggest_typos
class PlacesLT(LongTailFileList):
    """Places-LT (Liu et al., 2019): 365 classes, 4980 -> 5 per class."""

    def __init__(self, ann_file: str, num_classes: int = 365, **kwargs):
        super().__init__(ann_file, num_classes=num_classes, **kwargs)


@DATASETS.register_module()
@suggest_typos
class INaturalist2018(LongTailFileList):
    """iNaturalist 2018: 8142 classes, naturally long-tailed."""

    def __init__(self, ann_file: str, num_classes: int = 8142, **kwargs):
        super().__init__(ann_file, num_classes=num_classes, **kwargs)
