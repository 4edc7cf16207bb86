# Copyright (c) gala-mm contributors. All rights reserved.
"""The end of a distributed run: every rank leaves its process group."""
import os
import weakref

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from gala_mm.compat import destroy_distributed

from ..conftest import free_port


class Holder:
    """A Runner-like owner of a DDP model, caught in a reference cycle."""

    def __init__(self):
        self.model = torch.nn.parallel.DistributedDataParallel(
            torch.nn.Linear(2, 2))
        self.me = self


def worker(rank, world, port, out_dir):
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                            rank=rank, world_size=world)
    holder = Holder()
    alive = weakref.ref(holder)
    del holder
    destroy_distributed()
    with open(os.path.join(out_dir, f'{rank}.txt'), 'w') as f:
        f.write(f'{dist.is_initialized()} {alive() is not None}')


@pytest.mark.slow
def test_every_rank_leaves_its_process_group(tmp_path):
    """Every rank leaves the group, and a dropped owner of a DDP wrapper
    (held only by a reference cycle, as a Runner is) is freed then, not
    during interpreter finalisation, where gloo's threads can abort."""
    mp.spawn(worker, args=(2, free_port(), str(tmp_path)), nprocs=2)
    for rank in (0, 1):
        assert (tmp_path / f'{rank}.txt').read_text() == 'False False'


def test_nothing_to_do_without_a_process_group():
    assert not dist.is_initialized()
    destroy_distributed()
    assert not dist.is_initialized()
