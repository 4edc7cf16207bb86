# Copyright (c) gala-mm contributors. All rights reserved.
"""The commands in README.md, docs/ and configs/gala/README.md cannot rot.

Every ``python tools/...`` and ``bash tools/...`` line of their shell
blocks is checked: the script exists, every config it names exists, and the
tool's own argument parser accepts the documented arguments. (The commands
themselves run for real in the other tests and in the demo.)
"""
import glob
import os.path as osp
import re
import shlex
import subprocess

import pytest

from .conftest import REPO, load_tool

DOCS = [osp.join(REPO, 'README.md'), osp.join(REPO, 'configs/gala/README.md')
        ] + sorted(glob.glob(osp.join(REPO, 'docs/*.md')))


def shell_commands():
    out = []
    for doc in DOCS:
        text = open(doc).read()
        for block in re.findall(r'```(?:bash|sh)\n(.*?)```', text, re.S):
            for line in block.splitlines():
                line = line.split('  #')[0].strip()
                if line.startswith('#'):
                    continue
                tokens = shlex.split(line) if line else []
                while tokens and re.match(r'^[A-Z_]+=', tokens[0]):
                    tokens.pop(0)  # NNODES=2 ... environment assignments
                if len(tokens) >= 2 and tokens[0] in ('python', 'bash') \
                        and tokens[1].startswith('tools/'):
                    out.append((osp.basename(doc), tokens))
    return out


COMMANDS = shell_commands()


def test_docs_have_commands():
    assert len(COMMANDS) > 25
    scripts = {t[1] for _, t in COMMANDS}
    for must in ('tools/run_demo.sh', 'tools/run_tests.sh', 'tools/train.py',
                 'tools/test.py', 'tools/dist_train.sh', 'tools/tune_tau.py'):
        assert must in scripts


@pytest.mark.parametrize('doc,tokens', COMMANDS,
                         ids=[' '.join(t)[:80] for _, t in COMMANDS])
def test_documented_command(doc, tokens):
    script = osp.join(REPO, tokens[1])
    assert osp.isfile(script), f'{doc}: {tokens[1]} does not exist'
    for tok in tokens[2:]:
        if tok.startswith('configs/') and tok.endswith('.py'):
            assert osp.isfile(osp.join(REPO, tok)), f'{doc}: {tok} missing'
    if tokens[0] == 'bash':
        assert subprocess.run(['bash', '-n', script]).returncode == 0
        return
    module = load_tool(script)
    parse = getattr(module, 'parse_args', None)
    if parse is None:
        return
    try:
        parse(tokens[2:])
    except SystemExit as e:
        pytest.fail(f'{doc}: `{" ".join(tokens)}` is rejected by the '
                    f'tool\'s argument parser ({e})')


def _package_modules():
    for path in sorted(glob.glob(osp.join(REPO, 'gala_mm', '**', '*.py'),
                                 recursive=True)):
        rel = osp.relpath(path, REPO)
        if osp.basename(path) not in ('__init__.py', 'version.py'):
            yield rel


def test_module_sizes_and_mirrored_tests():
    """docs/architecture.md: no module over 250 lines without a reason in
    its docstring; every sub-package has its tests/test_<package> folder."""
    too_long = []
    for rel in _package_modules():
        text = open(osp.join(REPO, rel)).read()
        if text.count('\n') > 250 and 'Longer than 250 lines' not in text:
            too_long.append(rel)
    assert not too_long, too_long
    packages = {rel.split(osp.sep)[1] for rel in _package_modules()
                if rel.count(osp.sep) >= 2}
    missing = [p for p in packages
               if not osp.isdir(osp.join(REPO, 'tests', f'test_{p}'))]
    assert not missing, missing


def test_architecture_names_what_exists():
    """Every file the architecture document names exists (a moved or
    renamed module cannot leave the map stale)."""
    text = open(osp.join(REPO, 'docs/architecture.md')).read()
    named = set(re.findall(r'`(gala_mm/[\w/]+\.py)`', text))
    assert named, 'no module named in docs/architecture.md'
    missing = [p for p in named if not osp.isfile(osp.join(REPO, p))]
    assert not missing, missing
    for package in {rel.split(osp.sep)[1] for rel in _package_modules()
                    if rel.count(osp.sep) >= 2}:
        assert f'gala_mm.{package}' in text, package
