# Copyright (c) gala-mm contributors. All rights reserved.
"""Figures a long-tail researcher looks at after training."""
from typing import Dict, List, Optional, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..long_tail import ShotGroups

GROUP_COLORS = dict(many='#dbe9f6', medium='#fdf0d5', few='#f9dcdc')


def _bins(order: np.ndarray, max_points: int,
          bin_from: int = 50) -> List[np.ndarray]:
    """One point per class below ``bin_from`` classes; from there on,
    classes (sorted by frequency) averaged into ``max_points`` bins."""
    if len(order) < bin_from or len(order) <= max_points:
        return [order[i:i + 1] for i in range(len(order))]
    return np.array_split(order, max_points)


def _name_classes(ax, order: np.ndarray,
                  class_names: Optional[Sequence[str]],
                  max_named: int = 50) -> None:
    """Write the class names (in plotting ``order``) under the x axis, one
    per point, up to ``max_named`` classes."""
    if class_names is not None and len(order) <= max_named:
        ax.set_xticks(np.arange(len(order)))
        ax.set_xticklabels([str(class_names[i]) for i in order],
                           rotation=40, ha='right', fontsize=8)


def _shade_groups(ax, counts_sorted: np.ndarray, many_thr: int,
                  few_thr: int, bin_edges: List[int]) -> None:
    """Shade many/medium/few bands along the x axis (x = bin index)."""
    groups = ShotGroups.from_counts(counts_sorted, many_thr, few_thr)
    for name, idx in groups.indices.items():
        if not len(idx):
            continue
        lo = np.searchsorted(bin_edges, idx[0], side='right') - 1
        hi = np.searchsorted(bin_edges, idx[-1], side='right') - 1
        ax.axvspan(lo - 0.5, hi + 0.5, color=GROUP_COLORS[name], zorder=0,
                   alpha=0.6, label=f'{name}-shot')


def plot_per_class_accuracy(runs: Dict[str, np.ndarray],
                            class_counts: Sequence[int],
                            many_thr: int = 100,
                            few_thr: int = 20,
                            max_points: int = 25,
                            title: Optional[str] = None,
                            class_names: Optional[Sequence[str]] = None,
                            bin_from: int = 50):
    """Per-class accuracy against training frequency.

    Args:
        runs (dict[str, np.ndarray]): Label -> per-class accuracy in percent
            (NaN for classes absent from the evaluation set), shape ``(C,)``.
        class_counts (Sequence[int]): Training images per class.
        many_thr, few_thr (int): Shot-group thresholds.
        max_points (int): From ``bin_from`` classes on, classes (sorted by
            frequency) are averaged into this many bins, so CIFAR-100 and
            C = 8142 stay readable. Defaults to 25.
        title (str, optional): Figure title.
        class_names (Sequence[str], optional): Written under the x axis
            when every class has its own point.
        bin_from (int): Binning starts at this many classes. Defaults
            to 50.

    Returns:
        matplotlib.figure.Figure: The figure (x: classes by frequency, left
        y: accuracy %, right y: training images, log scale).
    """
    counts = np.asarray(class_counts)
    order = np.argsort(-counts, kind='stable')
    bins = _bins(order, max_points, bin_from)
    edges = np.cumsum([0] + [len(b) for b in bins])[:-1].tolist()
    x = np.arange(len(bins))
    fig = Figure(figsize=(11, 4.8))
    ax = fig.subplots()
    _shade_groups(ax, counts[order], many_thr, few_thr, edges)
    for label, acc in runs.items():
        acc = np.asarray(acc, dtype=float)
        y = [np.nanmean(acc[b]) if np.isfinite(acc[b]).any() else np.nan
             for b in bins]
        ax.plot(x, y, marker='o' if len(bins) <= 30 else None, ms=3,
                lw=1.5, label=label)
    ax.set_ylim(0, 100)
    ax.set_xlim(-0.5, len(bins) - 0.5)
    per_bin = '' if len(bins) == len(order) else (
        f' ({len(order)} classes in {len(bins)} bins)')
    ax.set_xlabel('classes sorted by training frequency' + per_bin)
    ax.set_ylabel('accuracy (%)')
    if len(bins) == len(order):
        _name_classes(ax, order, class_names, max_named=len(order))
    ax2 = ax.twinx()
    ax2.bar(x, [counts[b].mean() for b in bins], color='grey', alpha=0.35,
            width=0.8, label='training images')
    ax2.set_yscale('log')
    ax2.set_ylabel('training images per class')
    ax.set_zorder(ax2.get_zorder() + 1)
    ax.patch.set_visible(False)
    handles, labels = ax.get_legend_handles_labels()
    bars, bar_labels = ax2.get_legend_handles_labels()
    # outside the data: right of the second y axis
    ax.legend(handles + bars, labels + bar_labels, loc='upper left',
              bbox_to_anchor=(1.09, 1.0), fontsize=8, frameon=False)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_gala_statistics(records: List[dict],
                         epochs: Optional[Sequence[int]] = None,
                         many_thr: int = 100,
                         few_thr: int = 20,
                         class_names: Optional[Sequence[str]] = None):
    """GALA's ``log(theta + eps)`` over training.

    Args:
        records (list[dict]): Lines of ``gala_stats.jsonl`` (one loss).
        epochs (Sequence[int], optional): Epochs for the per-class panel.
            Defaults to the first, middle and last recorded epochs.
        many_thr, few_thr (int): Shot-group thresholds.
        class_names (Sequence[str], optional): Written under the per-class
            panel's x axis (up to 50 classes).

    Returns:
        matplotlib.figure.Figure: Left: per-class log theta (classes by
        frequency) at the chosen epochs; right: group means over epochs.
    """
    if not records:
        raise ValueError('No GALA statistics to plot (empty file?).')
    counts = records[-1].get('class_counts')
    num_classes = len(records[-1]['log_theta'])
    order = (np.argsort(-np.asarray(counts), kind='stable')
             if counts else np.arange(num_classes))
    by_epoch = {r['epoch']: np.asarray(r['log_theta']) for r in records}
    all_epochs = sorted(by_epoch)
    if epochs is None:
        epochs = sorted({all_epochs[0], all_epochs[len(all_epochs) // 2],
                         all_epochs[-1]})
    fig = Figure(figsize=(12, 4.5))
    left, right = fig.subplots(1, 2)
    for ep in epochs:
        if ep not in by_epoch:
            raise ValueError(f'epoch {ep} not recorded; have {all_epochs}.')
        left.plot(by_epoch[ep][order], lw=1.2, label=f'epoch {ep}')
    left.set_xlabel('classes sorted by training frequency'
                    if counts else 'class index')
    left.set_ylabel('log(theta + eps)')
    _name_classes(left, order, class_names)
    left.legend(fontsize=8)
    groups = ShotGroups.from_counts(counts, many_thr, few_thr,
                                    num_classes=num_classes).indices
    for name, idx in groups.items():
        if len(idx):
            right.plot(all_epochs,
                       [by_epoch[e][idx].mean() for e in all_epochs],
                       marker='o', ms=3, label=f'{name} ({len(idx)} cls)')
    right.set_xlabel('epoch')
    right.xaxis.set_major_locator(MaxNLocator(integer=True))
    right.set_ylabel('mean log(theta + eps)')
    right.legend(fontsize=8)
    fig.suptitle('GALA accumulated positive gradients')
    fig.tight_layout()
    return fig


def plot_class_histogram(class_counts: Sequence[int],
                         many_thr: int = 100,
                         few_thr: int = 20,
                         title: Optional[str] = None,
                         class_names: Optional[Sequence[str]] = None):
    """Sorted training-image counts (log scale) with shot bands; the class
    names under the x axis (up to 50 classes)."""
    counts = np.asarray(class_counts)
    order = np.argsort(-counts, kind='stable')
    fig = Figure(figsize=(9, 4))
    ax = fig.subplots()
    _shade_groups(ax, counts[order], many_thr, few_thr,
                  list(range(len(counts))))
    ax.bar(np.arange(len(counts)), counts[order], width=1.0,
           color='#4c72b0')
    ax.set_yscale('log')
    ax.set_xlim(-0.5, len(counts) - 0.5)
    ax.set_xlabel('classes sorted by training frequency')
    ax.set_ylabel('training images')
    _name_classes(ax, order, class_names)
    ax.legend(fontsize=8)
    ax.set_title(title or f'{len(counts)} classes, {int(counts.sum())} '
                 f'images, imbalance {counts.max() / counts.min():.0f}')
    fig.tight_layout()
    return fig


def plot_method_comparison(per_seed: Dict[str, Dict[int, float]],
                           metric: str = 'balanced test accuracy (%)'):
    """One column per table row: its per-seed values (dots) and their mean
    (bar), e.g. the balanced test accuracy of every method of a comparison.

    Args:
        per_seed (dict): Row name -> {seed: value}.
        metric (str): The y-axis label.
    """
    fig = Figure(figsize=(1.2 * len(per_seed) + 2, 4))
    ax = fig.subplots()
    names = list(per_seed)
    for i, name in enumerate(names):
        values = np.asarray(list(per_seed[name].values()), dtype=float)
        ax.bar(i, values.mean(), width=0.6, color='#c6d7eb')
        ax.plot(np.full(values.size, i), values, 'o', color='#4c72b0',
                markersize=4)
    lows = [min(v.values()) for v in per_seed.values()]
    highs = [max(v.values()) for v in per_seed.values()]
    pad = max(0.5, 0.2 * (max(highs) - min(lows)))
    ax.set_ylim(min(lows) - pad, max(highs) + pad)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=30, ha='right', fontsize=8)
    ax.set_ylabel(metric)
    ax.set_title('bars: mean over seeds; dots: seeds')
    fig.tight_layout()
    return fig
