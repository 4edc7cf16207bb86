# Copyright (c) gala-mm contributors. All rights reserved.
"""The end of a distributed run: every rank leaves its process group."""
import os

import pytest
import torch.distributed as dist
import torch.multiprocessing as mp

from gala_mm.compat import destroy_distributed

from ..conftest import free_port


def worker(rank, world, port, out_dir):
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                            rank=rank, world_size=world)
    destroy_distributed()
    with open(os.path.join(out_dir, f'{rank}.txt'), 'w') as f:
        f.write(str(dist.is_initialized()))


@pytest.mark.slow
def test_every_rank_leaves_its_process_group(tmp_path):
    mp.spawn(worker, args=(2, free_port(), str(tmp_path)), nprocs=2)
    for rank in (0, 1):
        assert (tmp_path / f'{rank}.txt').read_text() == 'False'


def test_nothing_to_do_without_a_process_group():
    assert not dist.is_initialized()
    destroy_distributed()
    assert not dist.is_initialized()
