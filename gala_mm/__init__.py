# Copyright (c) gala-mm contributors. All rights reserved.
"""gala-mm: GALA (Gradient-Aware Logit Adjustment) for mmpretrain.

Importing this package registers its loss, heads, backbone, datasets,
metric, hooks and optimizer wrapper in mmpretrain's registries, its configs
in mmpretrain's model zoo (``list_models``, ``get_model``), and scopes the
safe loading of mmengine's checkpoints to mmengine's ``CheckpointLoader``
(see :mod:`gala_mm.compat.safe_loading`). Nothing else in the process
changes: ``torch.load``, the warning filters and matplotlib's backend stay
as they were.
"""
from . import datasets, engine, evaluation, models  # noqa: F401
from .apis.model_zoo import register_models
from .compat import register_checkpoint_loaders
from .version import __version__, version_info

register_checkpoint_loaders()
# mmpretrain.apis.list_models / get_model / inference_model know our names.
register_models()

__all__ = ['__version__', 'version_info']
