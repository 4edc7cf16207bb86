# Copyright (c) gala-mm contributors. All rights reserved.
"""gala-mm's configs in mmpretrain's model zoo (``list_models``,
``get_model``, ``inference_model``, ``ImageClassificationInferencer``)."""
import os.path as osp
import warnings

from mmpretrain.apis import ModelHub

MIM_ROOT = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), '.mim')
_registered = False


def model_index_path() -> str:
    """The model index shipped with the package (``gala_mm/.mim``: links to
    the source tree's files in a checkout, copies in a wheel)."""
    return osp.join(MIM_ROOT, 'model-index.yml')


def register_models() -> None:
    """Add gala-mm's models to mmpretrain's ``ModelHub`` (once). Warns, and
    registers nothing, when the package was installed without its configs
    (the registries still work; only the names are missing)."""
    global _registered
    if _registered:
        return
    path = model_index_path()
    if not osp.isfile(path):
        warnings.warn(
            f'{path} is missing: gala-mm was installed without its configs '
            'and model index, so get_model / list_models do not know its '
            'names. Reinstall it with pip from the source tree or the wheel '
            "('pip install .', 'pip install gala_mm-*.whl').",
            stacklevel=2)
        return
    ModelHub.register_model_index(path, config_prefix=MIM_ROOT)
    _locate_weights()
    _registered = True


def _locate_weights() -> None:
    """Released weights ship inside the package (``gala_mm/.mim/weights``):
    a metafile's relative ``Weights`` path of one of our models (their
    configs were expanded under ``MIM_ROOT``) is made absolute there, so
    ``get_model(name, pretrained=True)`` loads it offline, from a checkout
    or a wheel."""
    for model in ModelHub._models_dict.values():
        weights = model.weights
        if (weights and '://' not in weights and not osp.isabs(weights)
                and str(model.config).startswith(MIM_ROOT)):
            model.weights = osp.join(MIM_ROOT, weights)


__all__ = ['register_models', 'model_index_path']
