# Copyright (c) gala-mm contributors. All rights reserved.
"""Fold stored-prior PRS into a stock LinearClsHead (deployment at zero
cost).

    python tools/estimate_prior.py CONFIG CKPT --out CKPT_WITH_PRIOR
    python tools/deployment/fold_prs.py CONFIG CKPT_WITH_PRIOR OUT_DIR \
        [--tau 1.0]

writes ``OUT_DIR/config.py`` (the model with mmpretrain's
``LinearClsHead``, the plain test set, ``Accuracy``, no training part) and
``OUT_DIR/model.pth`` (bias ``b - tau * log s``), which
``mmpretrain.apis.init_model`` and mmpretrain's ``tools/test.py`` load and
which predicts exactly what the GALA head with PRS predicts. The config
imports gala-mm only if a part of it is gala-mm's (the tool names them;
ResNet-32's ``CifarResNet`` is); ``--onnx`` also exports
``OUT_DIR/model.onnx`` (logits of the re-balanced classifier), which needs
neither.
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402

import gala_mm  # noqa: E402,F401
from gala_mm.apis.fold_prs import fold_prs, plugin_types  # noqa: E402
from gala_mm.compat import load_checkpoint_file  # noqa: E402
from gala_mm.utils import ignore_known_warnings  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='the GALA model config')
    parser.add_argument('checkpoint',
                        help='a checkpoint with a stored PRS prior '
                        '(tools/estimate_prior.py)')
    parser.add_argument('out_dir', help='where config.py and model.pth go')
    parser.add_argument('--tau', type=float,
                        help='PRS strength (default: model.head.prs_tau of '
                        'the config)')
    parser.add_argument('--onnx', action='store_true',
                        help='also export OUT_DIR/model.onnx')
    parser.add_argument('--input-shape', type=int, nargs=3,
                        default=[3, 32, 32], metavar=('C', 'H', 'W'),
                        help='input of the ONNX export')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def export_onnx(config: str, checkpoint: str, path: str, shape) -> None:
    """ONNX export of the folded model: images -> re-balanced logits."""
    from mmpretrain.apis import init_model
    model = init_model(config, checkpoint, device='cpu')

    class Logits(torch.nn.Module):

        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, x):
            return self.model(x, mode='tensor')

    dummy = torch.zeros(1, *shape)
    torch.onnx.export(Logits(model).eval(), (dummy, ), path,
                      input_names=['input'], output_names=['logits'],
                      dynamic_axes=dict(input={0: 'batch'},
                                        logits={0: 'batch'}),
                      dynamo=False)


def main(argv=None):
    ignore_known_warnings()
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    ckpt = load_checkpoint_file(args.checkpoint)
    folded_cfg, folded = fold_prs(cfg, ckpt, args.tau)
    os.makedirs(args.out_dir, exist_ok=True)
    cfg_path = osp.join(args.out_dir, 'config.py')
    ckpt_path = osp.join(args.out_dir, 'model.pth')
    folded_cfg.dump(cfg_path)
    torch.save(folded, ckpt_path)
    print(f'PRS (tau={folded["meta"]["prs_tau"]:g}) folded into the bias of '
          f'a LinearClsHead: wrote {cfg_path} and {ckpt_path}')
    needs = plugin_types(folded_cfg.to_dict())
    if needs:
        print(f'{cfg_path} still imports gala_mm for {", ".join(needs)} '
              '(not in mmpretrain); the --onnx model needs neither.')
    if args.onnx:
        onnx_path = osp.join(args.out_dir, 'model.onnx')
        export_onnx(cfg_path, ckpt_path, onnx_path, args.input_shape)
        print(f'wrote {onnx_path}')
    return cfg_path, ckpt_path


if __name__ == '__main__':
    main()
