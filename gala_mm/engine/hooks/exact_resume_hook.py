# Copyright (c) gala-mm contributors. All rights reserved.
"""Bit-identical resume with random augmentation and persistent workers."""
import multiprocessing
import random
from typing import Optional

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.runner import BaseLoop
from mmpretrain.registry import HOOKS

from ...utils import suggest_typos


def sample_seed(base: int, epoch: int, index: int) -> int:
    """The random seed of one training sample in one epoch (63 bits)."""
    mixed = np.random.SeedSequence([base & 0xFFFFFFFF, epoch, index])
    return int(mixed.generate_state(2, np.uint32).view(np.uint64)[0] >> 1)


class SeedPerSample:
    """A pipeline step, first in the training pipeline: seeds ``random``,
    numpy and torch from (run seed, epoch, sample index) before the
    augmentations run. A sample's augmentation then depends on nothing else
    (not on which worker loads it, nor on what that worker loaded before),
    so a run resumed with fresh (or persistent) workers draws exactly what
    the uninterrupted run drew.

    The epoch lives in shared memory, set by :class:`ExactResumeHook` in the
    main process and read by the loader workers.
    """

    def __init__(self, base_seed: int) -> None:
        self.base_seed = int(base_seed)
        self.epoch = multiprocessing.get_context().Value('q', 0, lock=False)

    def __call__(self, results: dict) -> dict:
        index = results.get('sample_idx')
        if index is None:
            raise KeyError('ExactResumeHook needs the sample index '
                           "(results['sample_idx']) that mmengine's "
                           'BaseDataset sets; this dataset does not.')
        seed = sample_seed(self.base_seed, int(self.epoch.value), int(index))
        random.seed(seed)
        np.random.seed(seed & 0xFFFFFFFF)
        torch.manual_seed(seed)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(base_seed={self.base_seed})'


def _loader(loop) -> Optional[torch.utils.data.DataLoader]:
    if not isinstance(loop, BaseLoop):
        return None
    return getattr(loop, 'dataloader', None)


def _innermost_pipeline(dataset):
    while not hasattr(dataset, 'pipeline') and hasattr(dataset, 'dataset'):
        dataset = dataset.dataset
    return getattr(dataset, 'pipeline', None)


def _plain_numpy_state() -> list:
    name, keys, pos, has_gauss, gauss = np.random.get_state()
    return [name, keys.tolist(), int(pos), int(has_gauss), float(gauss)]


@HOOKS.register_module()
@suggest_typos
class ExactResumeHook(Hook):
    """Make ``--resume`` bit-identical to an uninterrupted run, with random
    augmentation and persistent loader workers (the shipped recipe).

    - Seeds every training sample's augmentation from (seed, epoch, index)
      (:class:`SeedPerSample`, put first in the training pipeline).
    - Gives each dataloader its own ``torch.Generator``, so creating a
      loader iterator (first epoch, first validation, or after a resume)
      never draws from the global random state.
    - Saves the global random states (``random``, numpy, torch, CUDA) in
      every checkpoint's ``meta`` and restores them on resume, so random
      layers and losses (e.g. ``GCLLoss``'s noise) continue exactly.

    Args:
        seed (int, optional): Base seed; defaults to the runner's seed.
    """
    priority = 'VERY_HIGH'

    def __init__(self, seed: Optional[int] = None) -> None:
        self.seed = seed
        self.seeder = None

    def before_train(self, runner) -> None:
        base = self.seed if self.seed is not None else runner.seed
        for i, loop in enumerate((runner.train_loop, runner._val_loop,
                                  runner._test_loop)):
            loader = _loader(loop)
            if loader is not None:
                gen = torch.Generator()
                gen.manual_seed((int(base) + 7919 * (i + 1)) & 0xFFFFFFFF)
                loader.generator = gen
        pipeline = _innermost_pipeline(runner.train_dataloader.dataset)
        transforms = getattr(pipeline, 'transforms', None)
        if transforms is None:
            raise TypeError('ExactResumeHook: the training dataset has no '
                            'mmengine pipeline to seed per sample.')
        if not any(isinstance(t, SeedPerSample) for t in transforms):
            self.seeder = SeedPerSample(base)
            transforms.insert(0, self.seeder)
        else:
            self.seeder = next(t for t in transforms
                               if isinstance(t, SeedPerSample))

    def before_train_epoch(self, runner) -> None:
        if self.seeder is not None:
            self.seeder.epoch.value = runner.epoch

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = dict(
            python=list(random.getstate()),
            numpy=_plain_numpy_state(),
            torch=torch.get_rng_state())
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            state['cuda'] = torch.cuda.get_rng_state_all()
        checkpoint.setdefault('meta', {})['rng_state'] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if not getattr(runner, '_resume', False):
            return  # load_from: a new run keeps its own randomness
        state = (checkpoint.get('meta') or {}).get('rng_state')
        if state is None:
            runner.logger.warning(
                'ExactResumeHook: the checkpoint holds no random state '
                '(written without this hook); the resumed run continues '
                'with fresh random numbers, not bit-identically.')
            return
        version, internal, gauss = state['python']
        random.setstate((version, tuple(internal), gauss))
        name, keys, pos, has_gauss, cached = state['numpy']
        np.random.set_state((name, np.asarray(keys, dtype=np.uint32), pos,
                             has_gauss, cached))
        torch.set_rng_state(torch.as_tensor(state['torch'],
                                            dtype=torch.uint8))
        if 'cuda' in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state['cuda'])
