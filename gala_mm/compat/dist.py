# Copyright (c) gala-mm contributors. All rights reserved.
"""CPU (gloo) support for mmengine's ``--launcher pytorch``.

mmengine 0.10.7's ``init_dist('pytorch')`` calls ``torch.cuda.set_device``
and ``Runner.wrap_model`` passes ``device_ids=[LOCAL_RANK]`` to DDP; both
fail on a machine without CUDA. The Runner skips ``init_dist`` when a
process group already exists, and builds the wrapper from
``model_wrapper_cfg`` when it is set, so the fix needs no patching:
initialise gloo ourselves and give the wrapper ``device_ids=None``.
"""
import gc
import os

import torch
import torch.distributed as torch_dist
from mmengine.config import Config


def setup_cpu_distributed(cfg: Config, launcher: str) -> bool:
    """Prepare a CPU-only multi-process run of mmengine's Runner.

    Does nothing when CUDA is available (mmengine's own path then works) or
    when ``launcher`` is ``'none'``.

    Args:
        cfg (Config): The config; ``env_cfg.dist_cfg.backend`` and
            ``model_wrapper_cfg`` are set in place.
        launcher (str): The ``--launcher`` value.

    Returns:
        bool: Whether a gloo process group was initialised.
    """
    if launcher != 'pytorch' or torch.cuda.is_available():
        return False
    missing = [k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')
               if k not in os.environ]
    if missing:
        raise RuntimeError(
            f'--launcher pytorch needs the environment variables {missing}; '
            'start the script with torchrun (tools/dist_train.sh) instead '
            'of python.')
    env_cfg = cfg.setdefault('env_cfg', {})
    dist_cfg = env_cfg.setdefault('dist_cfg', {})
    dist_cfg['backend'] = 'gloo'
    if not torch_dist.is_initialized():
        timeout = dist_cfg.get('timeout')
        kwargs = {}
        if timeout is not None:
            from datetime import timedelta
            kwargs['timeout'] = timedelta(seconds=timeout)
        torch_dist.init_process_group(backend='gloo', **kwargs)
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    return True


def destroy_distributed() -> None:
    """Shut the default process group down at the end of a finished run.

    mmengine leaves the group alive until the interpreter exits; gloo's
    worker threads can then outlive Python's finalisation and abort the
    process (``terminate called without an active exception``, SIGABRT)
    after a run that succeeded. All ranks meet at a barrier first, so no
    rank tears its connections down while another still talks to it.
    Then the garbage collector runs: a dropped Runner holds its DDP wrapper
    (and through it the group) in reference cycles, which would otherwise
    be freed only during finalisation. Call it after the last reference to
    the Runner is gone. Does nothing without a process group.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()
        gc.collect()
