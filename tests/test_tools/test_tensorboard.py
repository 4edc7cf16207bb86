# Copyright (c) gala-mm contributors. All rights reserved.
"""TensorBoard from a --cfg-options switch (docs/getting_started.md)."""
import os.path as osp

import pytest

from ..conftest import REPO, run_tool, tiny_config

# End-to-end (subprocesses, training, several processes).
pytestmark = pytest.mark.slow


def test_tensorboard_switch(tiny_fmnist, tmp_path):
    pytest.importorskip('tensorboard')  # optional extra: gala-mm[tensorboard]
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(tiny_config(tiny_fmnist, epochs=1))
    wd = tmp_path / 'wd'
    run_tool([osp.join(REPO, 'tools/train.py'), str(cfg), '--work-dir',
              str(wd), '--cfg-options',
              'visualizer.vis_backends.0.type=TensorboardVisBackend'])
    events = list(wd.glob('*/vis_data/events.out.tfevents.*'))
    assert events and events[0].stat().st_size > 0
    from tensorboard.backend.event_processing.event_accumulator import \
        EventAccumulator
    acc = EventAccumulator(str(events[0].parent))
    acc.Reload()
    tags = acc.Tags()['scalars']
    assert 'gala/log_theta_min' in tags, tags  # GALAStatsHook's scalars
    assert 'train/loss' in tags or 'loss' in tags, tags
