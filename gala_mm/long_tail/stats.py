# Copyright (c) gala-mm contributors. All rights reserved.
"""Statistics of a paired comparison of two methods over seeds.

Pure functions on the per-seed results of two methods trained on the same
splits (seed ``s`` of method A against seed ``s`` of method B):

- :func:`paired_t`: the paired t-test with the confidence interval of the
  mean difference (what ``scipy.stats.ttest_rel`` computes);
- :func:`tost`: the equivalence test (two one-sided t-tests) for a margin;
- :func:`paired_bootstrap`: a bootstrap over seeds *and* test images (the
  same resampled images for both methods), so that the noise of a finite
  test set counts too;
- :func:`holm`: Holm's step-down correction for several comparisons;
- :func:`verdict`: the words a report may use, "level with" only where
  equivalence is shown.
"""
from typing import Dict, Optional, Sequence

import numpy as np
from scipy import stats


def _diffs(diffs: Sequence[float]) -> np.ndarray:
    d = np.asarray(diffs, dtype=np.float64).ravel()
    if d.size < 2:
        raise ValueError(f'a paired comparison needs >= 2 seeds, got '
                         f'{d.size}.')
    if not np.isfinite(d).all():
        raise ValueError(f'differences must be finite, got {d.tolist()}.')
    return d


def paired_t(diffs: Sequence[float], level: float = 0.95) -> Dict[str, float]:
    """Paired t-test of per-seed differences ``a_s - b_s`` against 0.

    Args:
        diffs (Sequence[float]): Per-seed differences ``(S,)``, S >= 2.
        level (float): Confidence level of the interval. Defaults to 0.95.

    Returns:
        dict: ``mean``, ``low`` / ``high`` (the two-sided interval of the
        mean difference), ``t``, ``p`` (two-sided) and ``n``. All equal
        differences give a zero-width interval and ``p`` 0 (1 when they
        are 0).
    """
    d = _diffs(diffs)
    n, mean = d.size, float(d.mean())
    se = float(d.std(ddof=1)) / np.sqrt(n)
    if se == 0:
        t = 0.0 if mean == 0 else float(np.copysign(np.inf, mean))
        return dict(mean=mean, low=mean, high=mean, t=t,
                    p=1.0 if mean == 0 else 0.0, n=n)
    t = mean / se
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * se
    return dict(mean=mean, low=mean - half, high=mean + half, t=t,
                p=float(2 * stats.t.sf(abs(t), n - 1)), n=n)


def tost(diffs: Sequence[float], margin: float) -> float:
    """Two one-sided t-tests of equivalence: the p-value of "the mean
    difference lies outside ``[-margin, margin]``".

    Equivalence is shown at level ``alpha`` when the result is < alpha,
    i.e. when the ``1 - 2 alpha`` t-interval lies inside the margin.

    Args:
        diffs (Sequence[float]): Per-seed differences ``(S,)``, S >= 2.
        margin (float): The equivalence margin (> 0, in the units of
            ``diffs``, e.g. points of accuracy).
    """
    if not margin > 0:
        raise ValueError(f'margin must be > 0, got {margin}.')
    d = _diffs(diffs)
    n, mean = d.size, float(d.mean())
    se = float(d.std(ddof=1)) / np.sqrt(n)
    if se == 0:
        return 0.0 if abs(mean) < margin else 1.0
    p_low = stats.t.sf((mean + margin) / se, n - 1)  # H0: mean <= -margin
    p_high = stats.t.cdf((mean - margin) / se, n - 1)  # H0: mean >= margin
    return float(max(p_low, p_high))


def class_weights(labels: Sequence[int]) -> np.ndarray:
    """Per-image weights ``(N,)`` that turn a mean into balanced accuracy:
    ``1 / (C n_c)`` for an image of class ``c`` (C the classes present)."""
    labels = np.asarray(labels).ravel()
    classes, inverse, counts = np.unique(
        labels, return_inverse=True, return_counts=True)
    return 1.0 / (len(classes) * counts[inverse])


def paired_bootstrap(correct_a: np.ndarray,
                     correct_b: np.ndarray,
                     labels: Sequence[int],
                     num_samples: int = 2000,
                     level: float = 0.95,
                     seed: int = 0,
                     chunk: int = 250) -> Dict[str, float]:
    """Bootstrap of the mean per-seed difference of balanced accuracy,
    resampling seeds and test images.

    Each bootstrap sample draws the test images again within each class
    (the same images for both methods and for every seed: they were tested
    on one test set) and the seeds again (the same seeds for both methods:
    seed ``s`` of A is paired with seed ``s`` of B).

    Args:
        correct_a (np.ndarray): ``(S, N)`` booleans, image ``i`` right in
            seed ``s`` of method A.
        correct_b (np.ndarray): ``(S, N)``, the same images for method B.
        labels (Sequence[int]): True labels ``(N,)``.
        num_samples (int): Bootstrap samples. Defaults to 2000.
        level (float): Level of the percentile interval. Defaults to 0.95.
        seed (int): Seed of the resampling. Defaults to 0.
        chunk (int): Samples drawn at once (memory: chunk x N floats).

    Returns:
        dict: ``mean`` (the observed mean difference, in points),
        ``low`` / ``high`` (percentile interval) and ``p`` (two-sided:
        twice the smaller share of samples on either side of 0).
    """
    a, b = (np.asarray(x, dtype=np.float64) for x in (correct_a, correct_b))
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f'correct_a and correct_b must both be (seeds, '
                         f'images), got {a.shape} and {b.shape}.')
    labels = np.asarray(labels).ravel()
    if labels.size != a.shape[1]:
        raise ValueError(f'{labels.size} labels for {a.shape[1]} images.')
    diff = 100.0 * (a - b)  # (S, N), points
    rng = np.random.default_rng(seed)
    by_class = [np.flatnonzero(labels == c) for c in np.unique(labels)]
    n_seeds, out = a.shape[0], []
    for start in range(0, num_samples, chunk):
        size = min(chunk, num_samples - start)
        weights = np.zeros((size, labels.size))
        for idx in by_class:  # images drawn again within their class
            draws = rng.multinomial(idx.size, np.full(idx.size, 1 / idx.size),
                                    size)
            weights[:, idx] = draws / (len(by_class) * idx.size)
        per_seed = diff @ weights.T  # (S, size)
        seeds = rng.integers(0, n_seeds, (size, n_seeds))
        out.append(per_seed[seeds, np.arange(size)[:, None]].mean(1))
    samples = np.concatenate(out)
    observed = float((diff @ class_weights(labels)).mean())
    tail = (1 - level) / 2
    low, high = np.quantile(samples, [tail, 1 - tail])
    p = 2 * min((samples <= 0).mean(), (samples >= 0).mean())
    return dict(mean=observed, low=float(low), high=float(high),
                p=float(min(1.0, p)))


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjusted p-values ``(K,)``: reject comparison k at
    level alpha (family-wise) when its adjusted p-value is < alpha."""
    p = np.asarray(pvalues, dtype=np.float64).ravel()
    order = np.argsort(p, kind='stable')
    scaled = (p.size - np.arange(p.size)) * p[order]
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(1.0, np.maximum.accumulate(scaled))
    return adjusted


def verdict(low: float, high: float, p: float, tost_p: Optional[float],
            margin: float, alpha: float = 0.05) -> str:
    """The words for a comparison of A against B.

    Args:
        low (float): Lower end of the interval of ``A - B``.
        high (float): Upper end.
        p (float): (Holm-adjusted) p-value of "no difference".
        tost_p (float, optional): (Holm-adjusted) p-value of the
            equivalence test; None if it was not run.
        margin (float): The equivalence margin (points).
        alpha (float): Level. Defaults to 0.05.

    Returns:
        str: ``'better (CI [a, b])'``, ``'worse ...'``, ``'level with
        (equivalent within ±m, CI [a, b])'`` or ``'not distinguishable
        (CI [a, b])'``.
    """
    ci = f'CI [{low:+.2f}, {high:+.2f}]'
    if p < alpha and low > 0:
        return f'better ({ci})'
    if p < alpha and high < 0:
        return f'worse ({ci})'
    if tost_p is not None and tost_p < alpha:
        return f'level with (equivalent within ±{margin:g}, {ci})'
    return f'not distinguishable ({ci})'
