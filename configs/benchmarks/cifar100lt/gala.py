# GALA and GALA + PRS with the head of configs/gala/resnet32_cifar100lt.py
# (the official code's). The comparison chooses lambda_pos on validation:
#   --knob model.head.loss.lambda_pos=0.3,0.6,0.9,1.2,1.5
_base_ = ['./_base_/cifar100lt_if100_200e.py']
comparison_rows = {'GALA': 'raw', 'GALA + PRS': 'prs'}
