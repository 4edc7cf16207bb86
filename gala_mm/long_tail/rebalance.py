# Copyright (c) gala-mm contributors. All rights reserved.
"""Prediction Re-balancing Strategy (PRS) and post-hoc logit adjustment.

PRS re-weights every prediction by the model's own mean predicted class
distribution ``s`` over the evaluation set:
``argmax_j p_ij / s_j^tau == argmax_j [z_ij - tau * log s_j]``. Post-hoc
logit adjustment (Menon et al.) is the same rule with the training class
frequencies as the prior.
"""
import warnings

import torch

from .counts import Counts, check_tau, class_prior


def mean_class_distribution(scores: torch.Tensor) -> torch.Tensor:
    """Mean of the predicted class probabilities over a set, in float64.

    Args:
        scores (torch.Tensor): Softmax scores, shape ``(N, C)``.

    Returns:
        torch.Tensor: Shape ``(C,)``, sums to 1.
    """
    if scores.dim() != 2 or scores.size(0) == 0:
        raise ValueError('PRS needs a non-empty (N, C) score matrix, got '
                         f'shape {tuple(scores.shape)}.')
    return scores.double().mean(dim=0)


def rebalance(scores_or_logits: torch.Tensor,
              prior: torch.Tensor,
              tau: float,
              log_space: bool = False) -> torch.Tensor:
    """Re-balanced log-scores ``log p - tau * log prior`` (or logits).

    The argmax is the re-balanced prediction. Probabilities and logits give
    the same argmax (they differ by a per-row constant).

    Args:
        scores_or_logits (torch.Tensor): Softmax scores (``log_space=False``)
            or logits / log-probabilities (``log_space=True``), ``(N, C)``.
        prior (torch.Tensor): Positive class prior, shape ``(C,)``.
        tau (float): Strength (>= 0; 0 returns the input's log-scores).
        log_space (bool): Whether the input is already in log space.

    Returns:
        torch.Tensor: float64 re-balanced log-scores, shape ``(N, C)``.
    """
    tau = check_tau(tau)
    if prior.shape != scores_or_logits.shape[-1:]:
        raise ValueError(f'prior of shape {tuple(prior.shape)} does not '
                         f'match scores of shape '
                         f'{tuple(scores_or_logits.shape)}.')
    x = scores_or_logits.double()
    if not log_space:
        x = x.clamp_min(torch.finfo(torch.float64).tiny).log()
    if tau == 0:
        return x
    log_prior = prior.double().to(x.device).clamp_min(
        torch.finfo(torch.float64).tiny).log()
    return x - tau * log_prior


def prs_predict(scores: torch.Tensor, tau: float) -> torch.Tensor:
    """Transductive PRS labels for a whole evaluation set.

    Args:
        scores (torch.Tensor): Softmax scores of the plain logits ``(N, C)``.
        tau (float): PRS strength.

    Returns:
        torch.Tensor: Predicted labels, shape ``(N,)``.
    """
    prior = mean_class_distribution(scores)
    _warn_if_never_predicted(prior, tau)
    return rebalance(scores, prior, tau).argmax(dim=1)


#: Below this mean predicted probability a class counts as never predicted
#: (a float32 softmax underflows to it).
NEVER_PREDICTED = 1e-30


def _warn_if_never_predicted(prior: torch.Tensor, tau: float) -> None:
    """PRS divides by ``s_j^tau``: a class the model never predicts
    (``s_j`` ~ 0) can take every prediction once tau is large enough."""
    never = (prior < NEVER_PREDICTED).nonzero().flatten().tolist()
    if never and tau > 0:
        warnings.warn(
            f'PRS (tau={tau:g}): the model gives class(es) {never[:10]} a '
            'mean predicted probability of ~0 over the evaluation set; '
            'dividing by it can send many predictions to these classes. '
            'Choose tau on a validation split and look at the per-class '
            'accuracy.', stacklevel=3)


def la_predict(scores: torch.Tensor, class_counts: Counts,
               tau: float) -> torch.Tensor:
    """Post-hoc logit adjustment labels: the training-count prior.

    Args:
        scores (torch.Tensor): Softmax scores ``(N, C)``.
        class_counts: Training images per class ``(C,)``.
        tau (float): Strength.

    Returns:
        torch.Tensor: Predicted labels, shape ``(N,)``.
    """
    return rebalance(scores, class_prior(class_counts), tau).argmax(dim=1)
