# Copyright (c) gala-mm contributors. All rights reserved.
"""Ranks that disagree are caught before the first step (2 gloo ranks)."""
import json
import os

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from gala_mm.engine.hooks import GALAStatsHook
from gala_mm.engine.hooks.gala_stats_hook import check_ranks_consistent

from ..conftest import free_port

# End-to-end (subprocesses, training, several processes).
pytestmark = pytest.mark.slow


def worker(rank, world, port, out_dir, case):
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                            rank=rank, world_size=world)
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 3)
    iters = 10
    if case == 'iters' and rank == 1:
        iters = 9
    if case == 'weights' and rank == 1:
        with torch.no_grad():
            model.bias[0] += 1e-6
    try:
        check_ranks_consistent(model, iters)
        result = 'ok'
    except RuntimeError as e:
        result = str(e)
    with open(os.path.join(out_dir, f'{rank}.txt'), 'w') as f:
        f.write(result)
    dist.destroy_process_group()


@pytest.mark.parametrize('case,expected', [
    ('same', 'ok'),
    ('iters', 'different numbers of iterations per epoch ([10, 9])'),
    ('weights', 'Ranks [1] start training from other weights'),
])
def test_ranks_checked_before_training(tmp_path, case, expected):
    mp.spawn(worker, args=(2, free_port(), str(tmp_path), case), nprocs=2)
    for rank in (0, 1):  # every rank raises the same error
        assert expected in (tmp_path / f'{rank}.txt').read_text()


def test_interval_must_be_positive():
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match='interval=.*>= 1'):
            GALAStatsHook(interval=bad)


def test_resume_drops_records_trained_again(tmp_path):
    from types import SimpleNamespace
    path = tmp_path / 'gala_stats.jsonl'
    path.write_text(''.join(json.dumps(dict(epoch=e)) + '\n'
                            for e in (1, 2, 3, 3)))
    logs = []
    runner = SimpleNamespace(
        model=torch.nn.Linear(2, 2), train_dataloader=[0] * 5, epoch=2,
        work_dir=str(tmp_path),
        logger=SimpleNamespace(info=logs.append))
    GALAStatsHook().before_train(runner)
    epochs = [json.loads(x)['epoch'] for x in path.read_text().splitlines()]
    assert epochs == [1, 2]
    assert 'dropped 2 record(s)' in logs[0]


def test_resume_with_a_truncated_last_record(tmp_path):
    """A full disk cut the last append short: --resume drops it with a
    warning instead of a raw JSONDecodeError."""
    from types import SimpleNamespace
    path = tmp_path / 'gala_stats.jsonl'
    path.write_text(json.dumps(dict(epoch=1)) + '\n' +
                    json.dumps(dict(epoch=2))[:7])
    logs, warnings = [], []
    runner = SimpleNamespace(
        model=torch.nn.Linear(2, 2), train_dataloader=[0] * 5, epoch=1,
        work_dir=str(tmp_path),
        logger=SimpleNamespace(info=logs.append, warning=warnings.append))
    GALAStatsHook().before_train(runner)
    assert path.read_text() == json.dumps(dict(epoch=1)) + '\n'
    assert '1 unreadable record(s)' in warnings[0]
