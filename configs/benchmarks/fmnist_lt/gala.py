# GALA (this repository's method), and GALA + PRS (tau chosen on
# validation). The comparison chooses lambda_pos on validation:
#   --knob model.head.loss.lambda_pos=0.3,0.6,0.9,1.2,1.5
# The head is the one of the published comparison: PRSLinearClsHead with
# its default init (normal, std 0.01), as every linear head here.
_base_ = ['./_base_/fmnist_lt_if100_64e.py']
model = dict(head=dict(_delete_=True, type='PRSLinearClsHead', num_classes=10,
                       in_channels=64,
                       loss=dict(type='GALALoss', lambda_pos=1.2,
                                 lambda_neg=0.9)))
comparison_rows = {'GALA': 'raw', 'GALA + PRS': 'prs'}
