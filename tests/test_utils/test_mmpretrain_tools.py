# Copyright (c) gala-mm contributors. All rights reserved.
"""The tools' plumbing (gala_mm/utils/mmpretrain_tools.py)."""
import warnings

from gala_mm.utils import ignore_known_warnings, mmpretrain_tool, parse_with


def test_known_warnings_hidden_only_when_a_tool_asks():
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter('always')
        warnings.warn('pkg_resources is deprecated as an API. See ...')
        ignore_known_warnings()
        warnings.warn('pkg_resources is deprecated as an API. See ...')
        warnings.warn('something else')
    assert [str(w.message)[:14] for w in seen] == [
        'pkg_resources ', 'something else']


def test_mmpretrain_train_tool_arguments():
    tool = mmpretrain_tool('train')
    args = parse_with(tool.parse_args, 'train.py',
                      ['cfg.py', '--amp', '--cfg-options', 'a=1'])
    assert args.config == 'cfg.py' and args.amp
    assert args.cfg_options == dict(a=1)
