# Copyright (c) gala-mm contributors. All rights reserved.
"""A view of a dataset whose every sample draws its augmentation from its
own seed (run seed, epoch, index): what makes resume bit-identical."""
import multiprocessing
import random

import numpy as np
import torch


def sample_seed(base: int, epoch: int, index: int) -> int:
    """The random seed of one training sample in one epoch (63 bits)."""
    mixed = np.random.SeedSequence([base & 0xFFFFFFFF, epoch, index])
    return int(mixed.generate_state(2, np.uint32).view(np.uint64)[0] >> 1)


class SeededDataset:
    """The training loader's dataset, seen through a view that seeds
    ``random``, numpy and torch's CPU generator from (run seed, epoch,
    index) before each sample is loaded, and gives the process its own
    random state back afterwards.

    The index is the one the sampler asked for, i.e. the position in the
    outermost dataset: every repeat of an image under ``RepeatDataset`` or
    ``ClassBalancedDataset`` (and every part of a ``ConcatDataset``) draws
    its own augmentation. A sample's augmentation depends on nothing else
    (not on which worker loads it, nor on what that worker loaded before),
    so a resumed run draws exactly what the uninterrupted run drew; and
    loading in the main process (``num_workers=0``) leaves the training's
    random numbers (dropout, GCL's noise) untouched.

    The epoch lives in shared memory, set in the main process and read by
    the loader workers. Other attributes are those of the wrapped dataset.

    Args:
        dataset: The dataset the loader was built with.
        base_seed (int): The run's seed.
    """

    def __init__(self, dataset, base_seed: int) -> None:
        self.dataset = dataset
        self.base_seed = int(base_seed)
        self.epoch = multiprocessing.get_context().Value('q', 0, lock=False)

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int):
        seed = sample_seed(self.base_seed, int(self.epoch.value), int(index))
        saved = (random.getstate(), np.random.get_state(),
                 torch.get_rng_state())
        random.seed(seed)
        np.random.seed(seed & 0xFFFFFFFF)
        torch.default_generator.manual_seed(seed)
        try:
            return self.dataset[index]
        finally:
            random.setstate(saved[0])
            np.random.set_state(saved[1])
            torch.set_rng_state(saved[2])

    def __getattr__(self, name: str):
        if name == 'dataset':  # not set yet (while unpickling in a worker)
            raise AttributeError(name)
        return getattr(self.dataset, name)

    def __repr__(self) -> str:
        return f'{type(self).__name__}({self.dataset!r})'


__all__ = ['SeededDataset', 'sample_seed']
