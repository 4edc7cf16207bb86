# Copyright (c) gala-mm contributors. All rights reserved.
"""The one tau sweep and the choice of tau (gala_mm/long_tail/tau_sweep.py)."""
import numpy as np
import pytest
import torch

from gala_mm.long_tail import (best_tau, parse_taus, shot_groups,
                               tau_at_grid_top, tau_sweep)


def scores_and_labels(n=120, c=5, seed=0):
    gen = torch.Generator().manual_seed(seed)
    logits = torch.randn(n, c, generator=gen) + torch.linspace(2, 0, c)
    return logits.softmax(1), torch.arange(n) % c


def test_parse_taus():
    assert parse_taus('0:1:0.25') == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert parse_taus('0.5,1.5') == [0.5, 1.5]


def test_prs_sweep_by_hand():
    """Row tau: argmax_j p_ij / s_j^tau with s the mean prediction; top1,
    balanced (mean per-class recall) and groups computed by hand."""
    scores, labels = scores_and_labels()
    counts = [300, 120, 60, 15, 5]
    groups = shot_groups(counts, 100, 20)
    rows = tau_sweep(scores, labels, [0.0, 1.5], groups=groups,
                     per_class=True)
    for row in rows:
        s = scores.double().mean(0)
        pred = (scores.double() / s**row['tau']).argmax(1)
        recall = [100.0 * (pred[labels == k] == k).double().mean().item()
                  for k in range(5)]
        assert row['top1'] == pytest.approx(
            100.0 * (pred == labels).double().mean().item())
        assert row['balanced'] == pytest.approx(np.mean(recall))
        assert row['few'] == pytest.approx(np.mean(recall[3:]))
        np.testing.assert_allclose(row['per_class'], recall)
    assert rows[0]['balanced'] != rows[1]['balanced']


def test_la_sweep_needs_counts_and_uses_the_prior():
    scores, labels = scores_and_labels()
    counts = [300, 120, 60, 15, 5]
    with pytest.raises(ValueError, match='class counts'):
        tau_sweep(scores, labels, [1.0], rule='la')
    row, = tau_sweep(scores, labels, [1.0], rule='la', class_counts=counts)
    prior = torch.tensor(counts, dtype=torch.float64) / sum(counts)
    pred = (scores.double().log() - prior.log()).argmax(1)
    assert row['top1'] == pytest.approx(
        100.0 * (pred == labels).double().mean().item())
    with pytest.raises(ValueError, match='rule='):
        tau_sweep(scores, labels, [1.0], rule='prs2')


def test_best_tau_ties_and_criterion():
    rows = [dict(tau=0.0, balanced=50.0), dict(tau=0.5, balanced=60.0),
            dict(tau=1.0, balanced=60.0 + 1e-12)]  # equal to 8 decimals
    assert best_tau(rows)['tau'] == 0.5  # ties -> smaller tau
    nested = [dict(tau=t, val=dict(balanced=b), test=dict(balanced=-b))
              for t, b in ((0.0, 1.0), (1.0, 3.0), (2.0, 2.0))]
    assert best_tau(nested, score=lambda r: r['val']['balanced'])['tau'] == 1
    assert best_tau(nested, score=lambda r: r['test']['balanced'])['tau'] == 0


def test_tau_at_grid_top():
    assert tau_at_grid_top(dict(tau=2.0), [0.0, 1.0, 2.0])
    assert not tau_at_grid_top(dict(tau=1.0), [0.0, 1.0, 2.0])
    assert not tau_at_grid_top(dict(tau=1.0), [1.0])  # no grid to widen
