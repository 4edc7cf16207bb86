# Copyright (c) gala-mm contributors. All rights reserved.
"""GALA statistics under torch.distributed (2 gloo processes on CPU)."""
import os

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from gala_mm.models.losses import GALALoss

from ...conftest import free_port

# End-to-end (subprocesses, training, several processes).
pytestmark = pytest.mark.slow

C, B, STEPS = 6, 8, 20


def global_batches():
    gen = torch.Generator().manual_seed(0)
    out = []
    for _ in range(STEPS):
        labels = torch.multinomial(
            torch.tensor([2.0**-i for i in range(C)]), B, True,
            generator=gen)
        out.append((torch.randn(B, C, generator=gen, dtype=torch.float64),
                    labels))
    return out


def worker(rank, world, port, out_dir, adjust):
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                            rank=rank, world_size=world)
    loss = GALALoss(C, adjust=adjust).train()
    thetas = []
    per = B // world
    for logits, labels in global_batches():
        sl = slice(rank * per, (rank + 1) * per)
        loss(logits[sl].clone().requires_grad_(), labels[sl])
        thetas.append(loss.theta.clone())
    torch.save(torch.stack(thetas), os.path.join(out_dir, f'{rank}.pt'))
    dist.destroy_process_group()


@pytest.mark.parametrize('adjust', ['official', 'paper'])
def test_ranks_agree_with_single_process(tmp_path, adjust):
    mp.spawn(worker, args=(2, free_port(), str(tmp_path), adjust), nprocs=2)
    r0 = torch.load(tmp_path / '0.pt')
    r1 = torch.load(tmp_path / '1.pt')
    assert torch.equal(r0, r1)  # identical on every rank after every step
    single = GALALoss(C, adjust=adjust).train()
    for step, (logits, labels) in enumerate(global_batches()):
        single(logits.clone().requires_grad_(), labels)
        torch.testing.assert_close(r0[step], single.theta, rtol=1e-12,
                                   atol=0)


def nan_worker(rank, world, port, out_dir):
    """Rank 1 gets a NaN logit at step 3; both ranks must raise there."""
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                            rank=rank, world_size=world)
    loss = GALALoss(C).train()
    per = B // world
    result = 'no error'
    for step, (logits, labels) in enumerate(global_batches()):
        sl = slice(rank * per, (rank + 1) * per)
        local = logits[sl].clone()
        if rank == 1 and step == 3:
            local[0, 2] = float('nan')
        before = loss.theta.clone()
        try:
            loss(local.requires_grad_(), labels[sl])
        except FloatingPointError as e:
            unchanged = torch.equal(before, loss.theta)
            result = f'step {step}: {e} | unchanged={unchanged}'
            break
    with open(os.path.join(out_dir, f'{rank}.txt'), 'w') as f:
        f.write(result)
    dist.destroy_process_group()


def test_nonfinite_on_one_rank_stops_every_rank_in_the_same_step(tmp_path):
    mp.spawn(nan_worker, args=(2, free_port(), str(tmp_path)), nprocs=2,
             join=True)
    r0 = (tmp_path / '0.txt').read_text()
    r1 = (tmp_path / '1.txt').read_text()
    for text in (r0, r1):
        assert text.startswith('step 3: GALALoss received non-finite logits '
                               'on 1 of 2 processes'), text
        assert text.endswith('unchanged=True')
    assert '(1 NaN, 0 Inf on this process)' in r1
    assert '(0 NaN, 0 Inf on this process)' in r0
