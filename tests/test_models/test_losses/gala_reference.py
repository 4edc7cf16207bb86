# Copyright (c) gala-mm contributors. All rights reserved.
"""A slow, obviously-correct GALA written from the spec (not from our code).

Per-sample Python loop, float64, and the official code's explicit C x C
accumulators: column k of the per-step matrix collects |dL/dz_hat| of the
samples labelled k; the positive part is its diagonal, the negative part
the rest. theta = row sums of the positive outer accumulator, phi = column
sums of the negative one (computed separately, never assumed equal).
"""
import torch


class ReferenceGALA:

    def __init__(self, num_classes, lambda_pos, lambda_neg, eps=1e-3,
                 adjust='official', accumulation='double'):
        c = num_classes
        self.c = c
        self.lambda_pos, self.lambda_neg = lambda_pos, lambda_neg
        self.eps = eps
        self.adjust, self.accumulation = adjust, accumulation
        self.inner = torch.zeros(c, c, dtype=torch.float64)
        self.pos_outer = torch.zeros(c, c, dtype=torch.float64)
        self.neg_outer = torch.zeros(c, c, dtype=torch.float64)

    @property
    def theta(self):
        return self.pos_outer.sum(dim=1)

    @property
    def phi(self):
        return self.neg_outer.sum(dim=0)

    def adjusted_logits(self, z, label):
        """Spec 1.2 / 1.3: the adjusted logit row of one sample."""
        theta, phi = self.theta, self.phi
        row = []
        for j in range(self.c):
            if self.adjust == 'official':
                # every column: + l1 log(theta_j + eps) - l2 log(phi_y + eps)
                v = z[j] + self.lambda_pos * torch.log(theta[j] + self.eps) \
                    - self.lambda_neg * torch.log(phi[label] + self.eps)
            elif j == label:
                v = z[j]
            else:
                v = z[j] + self.lambda_pos * torch.log(theta[j] + self.eps) \
                    - self.lambda_neg * torch.log(phi[label] + self.eps)
            row.append(v)
        return torch.stack(row)

    def step(self, logits, targets, update=True):
        """One training step.

        Args:
            logits: (B, C) float64 leaf requiring grad.
            targets: (B, C) float64 label distributions (one-hot for hard).

        Returns:
            The mean loss (differentiable w.r.t. ``logits``).
        """
        b = logits.size(0)
        total = logits.new_zeros(())
        grad_matrix = torch.zeros(self.c, self.c, dtype=torch.float64)
        for i in range(b):
            for k in range(self.c):
                q = float(targets[i, k])
                if q == 0.0:
                    continue
                z_hat = self.adjusted_logits(logits[i], k)
                log_p = torch.log_softmax(z_hat, dim=0)
                total = total + q * (-log_p[k])
                p = log_p.detach().exp()
                onehot = torch.zeros(self.c, dtype=torch.float64)
                onehot[k] = 1.0
                # |d(q * CE / B) / d z_hat|, put in column k
                grad_matrix[:, k] += q * (p - onehot).abs() / b
        if update:
            self.inner += grad_matrix
            inner_diag = torch.diag(torch.diag(self.inner))
            if self.accumulation == 'double':
                self.pos_outer += inner_diag
                self.neg_outer += self.inner - inner_diag
            else:
                self.pos_outer = inner_diag.clone()
                self.neg_outer = self.inner - inner_diag
        return total / b
