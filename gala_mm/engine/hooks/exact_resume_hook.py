# Copyright (c) gala-mm contributors. All rights reserved.
"""Bit-identical resume with random augmentation and persistent workers."""
import random
from typing import Optional

import numpy as np
import torch
from mmengine.dataset import InfiniteSampler
from mmengine.hooks import Hook
from mmengine.runner import BaseLoop
from mmpretrain.registry import HOOKS

from ...datasets.seeded_dataset import SeededDataset
from ...utils import suggest_typos


class _CountPasses:
    """The loader as ``IterBasedTrainLoop``'s endless iterator sees it:
    each new pass over the data gets the next epoch number in the seeding
    view before the loader hands out its first index."""

    def __init__(self, loader, seeded: SeededDataset) -> None:
        self.loader = loader
        self.seeded = seeded
        self.passes = 0

    @property
    def sampler(self):
        return self.loader.sampler

    @property
    def batch_sampler(self):
        return self.loader.batch_sampler

    def __iter__(self):
        self.seeded.epoch.value = self.passes
        self.passes += 1
        return iter(self.loader)


def _loader(loop) -> Optional[torch.utils.data.DataLoader]:
    if not isinstance(loop, BaseLoop):
        return None
    return getattr(loop, 'dataloader', None)


def _sampler(loader):
    """The sampler that orders the training data (inside the batch
    sampler, where torch's ``loader.sampler`` is a placeholder)."""
    return getattr(loader.batch_sampler, 'sampler', None) or loader.sampler


def _stop_workers(iterator) -> None:
    """End the worker processes of a multi-process loader iterator."""
    stop = getattr(iterator, '_shutdown_workers', None)
    if stop is not None:
        stop()


def _plain_numpy_state() -> list:
    name, keys, pos, has_gauss, gauss = np.random.get_state()
    return [name, keys.tolist(), int(pos), int(has_gauss), float(gauss)]


@HOOKS.register_module()
@suggest_typos
class ExactResumeHook(Hook):
    """Make ``--resume`` bit-identical to an uninterrupted run, with random
    augmentation and persistent loader workers (the shipped recipe), with
    ``EpochBasedTrainLoop`` or ``IterBasedTrainLoop`` and any of mmengine's
    dataset wrappers.

    - Seeds every training sample's augmentation from (seed, epoch, index
      asked for by the sampler) (:class:`SeededDataset`, put between the
      training loader and its dataset). With ``IterBasedTrainLoop`` the
      epoch is the pass over the data.
    - Gives each dataloader its own ``torch.Generator``, so creating a
      loader iterator (first epoch, first validation, or after a resume)
      never draws from the global random state.
    - Saves the global random states (``random``, numpy, torch, CUDA) and
      the sampler's seed in every checkpoint's ``meta`` and restores them on
      resume, so random layers and losses (e.g. ``GCLLoss``'s noise) and
      the sample order continue exactly, also with ``randomness.seed=None``
      or ``diff_rank_seed=True``.
    - Says once when a run is resumed with another batch size or number of
      processes than the checkpoint's (it continues, not bit-identically).

    ``InfiniteSampler`` is refused: its endless stream has no passes, so
    every sample would keep one augmentation for the whole run (mmengine's
    ``IterBasedTrainLoop`` restarts a ``DefaultSampler`` by itself).

    Args:
        seed (int, optional): Base seed; defaults to the runner's seed.
    """
    priority = 'VERY_HIGH'

    def __init__(self, seed: Optional[int] = None) -> None:
        self.seed = seed
        self.seeded = None

    def before_train(self, runner) -> None:
        base = self.seed if self.seed is not None else runner.seed
        for i, loop in enumerate((runner.train_loop, runner._val_loop,
                                  runner._test_loop)):
            loader = _loader(loop)
            if loader is not None:
                gen = torch.Generator()
                gen.manual_seed((int(base) + 7919 * (i + 1)) & 0xFFFFFFFF)
                loader.generator = gen
        loader = runner.train_dataloader
        if isinstance(_sampler(loader), InfiniteSampler):
            raise TypeError(
                'ExactResumeHook: the training sampler is InfiniteSampler, '
                'whose endless stream has no passes over the data, so each '
                'sample would keep one augmentation for the whole run. Use '
                "sampler=dict(type='DefaultSampler', shuffle=True) "
                '(IterBasedTrainLoop restarts it after each pass), or remove '
                'ExactResumeHook from custom_hooks.')
        dataset = loader.dataset
        if not isinstance(dataset, SeededDataset):
            dataset = SeededDataset(dataset, base)
            # DataLoader forbids setting ``dataset`` once built; its
            # iterators read it when they are created (after this hook)
            object.__setattr__(loader, 'dataset', dataset)
        self.seeded = dataset
        loop = runner.train_loop
        if hasattr(loop, 'dataloader_iterator'):
            self._restart_endless_iterator(loop, loader)

    def _restart_endless_iterator(self, loop, loader) -> None:
        """``IterBasedTrainLoop`` made its endless iterator (and forked its
        workers) when it was built, before this hook saw the loader: make a
        new one, of the same class, over the seeded view, counting passes."""
        stale = loop.dataloader_iterator
        _stop_workers(getattr(loader, '_iterator', None))  # persistent ones
        loader._iterator = None
        _stop_workers(getattr(stale, '_iterator', None))
        loop.dataloader_iterator = type(stale)(
            _CountPasses(loader, self.seeded))

    def before_train_epoch(self, runner) -> None:
        if self.seeded is not None and not hasattr(runner.train_loop,
                                                   'dataloader_iterator'):
            self.seeded.epoch.value = runner.epoch

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = dict(
            python=list(random.getstate()),
            numpy=_plain_numpy_state(),
            torch=torch.get_rng_state())
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            state['cuda'] = torch.cuda.get_rng_state_all()
        meta = checkpoint.setdefault('meta', {})
        meta['rng_state'] = state
        loader = runner.train_dataloader
        seed = getattr(_sampler(loader), 'seed', None)
        meta['data_order'] = dict(
            sampler_seed=None if seed is None else int(seed),
            batch_size=loader.batch_size, world_size=runner.world_size)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if not getattr(runner, '_resume', False):
            return  # load_from: a new run keeps its own randomness
        if 'meta' not in checkpoint:
            raise ValueError(
                "ExactResumeHook: the checkpoint has no 'meta' (epoch, "
                'iteration, random state): it holds weights only (a plain '
                'state_dict, e.g. a published model), so it cannot be '
                'resumed. Start a new run from its weights: --cfg-options '
                'load_from=CHECKPOINT (without --resume).')
        meta = checkpoint['meta'] or {}
        state = meta.get('rng_state')
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
        self._restore_data_order(runner, meta.get('data_order') or {})

    def _restore_data_order(self, runner, saved: dict) -> None:
        loader = runner.train_dataloader
        sampler = _sampler(loader)
        seed = saved.get('sampler_seed')
        if seed is not None and hasattr(sampler, 'seed'):
            sampler.seed = seed  # built from this run's seed, not the old
        was = (saved.get('batch_size'), saved.get('world_size'))
        now = (loader.batch_size, runner.world_size)
        if None not in was and was != now:
            runner.logger.warning(
                f'ExactResumeHook: the checkpoint was trained with batch '
                f'size {was[0]} on {was[1]} process(es), this run uses '
                f'{now[0]} on {now[1]}: it continues, but not '
                'bit-identically to an uninterrupted run (other batches, '
                "other per-step GALA statistics; the learning rate is "
                'rescaled only with auto_scale_lr).')
