# Copyright (c) gala-mm contributors. All rights reserved.
import numpy as np
import pytest
from PIL import Image

from gala_mm.visualization import (plot_class_histogram,
                                   plot_gala_statistics,
                                   plot_per_class_accuracy)


@pytest.mark.parametrize('num_classes,points', [(10, 10), (49, 49),
                                                (100, 25), (8142, 25)])
def test_per_class_plot_any_class_count(tmp_path, num_classes, points):
    counts = np.maximum(
        (1000 * 0.01**(np.arange(num_classes) / (num_classes - 1))).astype(
            int), 2)
    rng = np.random.RandomState(0)
    runs = {'CE': rng.rand(num_classes) * 100,
            'GALA + PRS': rng.rand(num_classes) * 100}
    names = [f'class {i}' for i in range(num_classes)]
    fig = plot_per_class_accuracy(runs, counts, class_names=names)
    ax = fig.axes[0]
    assert ax.get_ylabel() == 'accuracy (%)'
    assert 'training frequency' in ax.get_xlabel()
    assert len(ax.get_lines()) == 2
    n_points = len(ax.get_lines()[0].get_xdata())
    assert n_points == points  # binned from 50 classes on
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    if num_classes < 50:  # class names, sorted by frequency
        assert ticks[:2] == ['class 0', 'class 1']
    else:
        assert 'class 0' not in ticks
    legend = ax.get_legend()
    assert legend is not None
    # the legend sits right of the axes (outside the data)
    fig.canvas.draw()
    box = legend.get_window_extent()
    assert box.x0 > ax.get_window_extent().x1
    out = tmp_path / 'p.png'
    fig.savefig(out)
    w, h = Image.open(out).size
    assert w > 300 and h > 200


def test_gala_stats_plot():
    records = [dict(epoch=e, log_theta=list(np.linspace(5, 1, 10) + e),
                    class_counts=list(range(100, 0, -10)))
               for e in range(1, 6)]
    names = [f'c{i}' for i in range(10)]
    fig = plot_gala_statistics(records, class_names=names)
    left, right = fig.axes
    assert len(left.get_lines()) == 3  # first / middle / last epoch
    assert [t.get_text() for t in left.get_xticklabels()] == names
    assert right.get_xlabel() == 'epoch'
    with pytest.raises(ValueError, match='not recorded'):
        plot_gala_statistics(records, epochs=[9])


def test_class_histogram():
    fig = plot_class_histogram([10, 120, 500, 30, 60, 5],
                               class_names=list('abcdef'))
    ax = fig.axes[0]
    # sorted by count, named
    assert [t.get_text() for t in ax.get_xticklabels()] == list('cbedaf')
    assert ax.get_yscale() == 'log'
    assert len(ax.patches) >= 6
