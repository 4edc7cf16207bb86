# Copyright (c) gala-mm contributors. All rights reserved.
"""gala-mm: GALA (Gradient-Aware Logit Adjustment) for mmpretrain.

Importing this package registers its loss, head, backbone, datasets,
metric, hooks and optimizer wrapper in mmpretrain's registries and its
configs in mmpretrain's model zoo (``list_models``, ``get_model``), and makes
``torch.load`` accept the checkpoints mmengine writes (see
:mod:`gala_mm.compat.checkpoint`).
"""
import warnings

# mmcv-lite has no compiled ops; mmcv warns about one that classification
# never uses. Silence that single message only.
warnings.filterwarnings(
    'ignore', message='Fail to import ``MultiScaleDeformableAttention``')
# mmengine 0.10.7 resolves ``mmpretrain::`` bases with pkg_resources (hence
# the setuptools<81 pin); its deprecation notice is not actionable for users.
warnings.filterwarnings(
    'ignore', message='pkg_resources is deprecated as an API')

from .compat import register_checkpoint_safe_globals  # noqa: E402
from .version import __version__, version_info  # noqa: E402

register_checkpoint_safe_globals()

from . import datasets, engine, evaluation, models  # noqa: E402,F401
from .apis.model_zoo import register_models  # noqa: E402

# mmpretrain.apis.list_models / get_model / inference_model know our names.
register_models()

__all__ = ['__version__', 'version_info']
