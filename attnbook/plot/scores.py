"""A bar chart of scores by input length (:func:`plot_scores_by_length`): one bar per model
and bucket."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def plot_scores_by_length(
    series: dict,
    xlabel: str,
    ylabel: str,
    title: str | None = None,
    scale: float = 1.0,
    ymax: float | None = None,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Grouped bar chart of a score per input-length bucket, one colour per model.

    Args:
        series: ``{model name: (results, intervals)}`` where ``results`` is the list of
            ``(bucket label, count, score)`` returned by
            ``attnbook.seq2seq.scores_by_length`` and
            ``intervals`` a list of ``(low, high)`` per bucket (for example from
            ``attnbook.seq2seq.bootstrap_by_length``) or ``None`` for no error bars.
            Every model must use the same buckets.
        xlabel, ylabel, title: axis labels and title.
        scale: factor applied to scores and intervals (100 to show a fraction as a
            percentage).
        ymax: upper limit of the y axis (default: a little above the highest bar or
            interval).
        ax: the axes to draw into; a new figure is made when ``None``.

    Returns:
        The matplotlib axes. The number of test examples in each bucket is written under
        its label.

    Raises:
        ValueError: if ``series`` is empty or the models' buckets differ.
    """
    if not series:
        raise ValueError("series is empty: expected {model name: (results, intervals)}")
    names = list(series)
    first_results = series[names[0]][0]
    labels = [label for label, _, _ in first_results]
    counts = [count for _, count, _ in first_results]
    for name in names[1:]:
        other = [label for label, _, _ in series[name][0]]
        if other != labels:
            raise ValueError(
                f"{name!r} has buckets {other}, but {names[0]!r} has {labels}"
            )
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.6))
    width = 0.8 / len(names)
    positions = np.arange(len(labels))
    top = 0.0
    for k, name in enumerate(names):
        results, intervals = series[name]
        scores = np.array([score for _, _, score in results], dtype=float) * scale
        x = positions - 0.4 + width * (k + 0.5)
        error = None
        if intervals is not None:
            low, high = (
                np.array(bounds, dtype=float) * scale for bounds in zip(*intervals)
            )
            error = [scores - low, high - scores]
            top = max(top, float(np.nanmax(high)))
        top = max(top, float(np.nanmax(scores)))
        ax.bar(
            x,
            scores,
            width=width * 0.95,
            label=name,
            yerr=error,
            capsize=3,
            error_kw={"elinewidth": 1, "ecolor": "0.3"},
        )
    ax.set_xticks(positions)
    ax.set_xticklabels(
        [f"{label}\nn = {count}" for label, count in zip(labels, counts)]
    )
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, ymax if ymax is not None else 1.15 * top)
    if title:
        ax.set_title(title, fontsize=10)
    ax.grid(True, axis="y", alpha=0.3)
    if len(names) > 1:
        ax.legend(loc="lower right", fontsize=9)
    return ax
