# Copyright (c) gala-mm contributors. All rights reserved.
import numpy as np

from gala_mm.datasets import ClassBalancedSampler


class Labels:

    def __init__(self, labels):
        self.labels = np.asarray(labels)

    def get_gt_labels(self):
        return self.labels

    def __len__(self):
        return len(self.labels)


def test_every_class_drawn_equally_often_and_deterministic():
    labels = [0] * 900 + [1] * 90 + [2] * 10  # IF 90
    sampler = ClassBalancedSampler(Labels(labels), seed=0)
    assert len(sampler) == 1000
    drawn = []
    for epoch in range(20):
        sampler.set_epoch(epoch)
        drawn += [labels[i] for i in sampler]
    share = np.bincount(drawn) / len(drawn)
    assert np.allclose(share, 1 / 3, atol=0.02), share
    sampler.set_epoch(3)
    first = list(sampler)
    sampler.set_epoch(4)
    assert list(sampler) != first
    sampler.set_epoch(3)
    assert list(sampler) == first


def test_ranks_take_slices_of_one_draw():
    labels = [0] * 50 + [1] * 5
    full = ClassBalancedSampler(Labels(labels), seed=1)
    parts = []
    for rank in range(2):
        s = ClassBalancedSampler(Labels(labels), seed=1)
        s.rank, s.world_size = rank, 2
        s.num_samples = 28
        s.total_size = 56
        parts.append(list(s))
    assert len(parts[0]) == len(parts[1]) == 28
    assert all(0 <= i < 55 for p in parts for i in p)
    import torch
    gen = torch.Generator()
    gen.manual_seed(1)
    draw = torch.multinomial(full.weights, 56, replacement=True,
                             generator=gen).tolist()
    assert parts[0] == draw[0::2] and parts[1] == draw[1::2]
