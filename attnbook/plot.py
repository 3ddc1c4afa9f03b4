"""Plotting helpers shared by the chapters (hand-written plumbing, not course material)."""

from __future__ import annotations

import io
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch


def _as_matrix(weights) -> np.ndarray:
    array = weights.detach().cpu().numpy() if isinstance(weights, torch.Tensor) else np.asarray(weights)
    if array.ndim != 2:
        raise ValueError(f"expected a 2-D weight matrix (T_q, T_k), got shape {tuple(array.shape)}")
    return array


def plot_attention(
    weights,
    key_labels: Sequence[str] | None = None,
    query_labels: Sequence[str] | None = None,
    ax: plt.Axes | None = None,
    title: str | None = None,
    cmap: str = "viridis",
    colorbar: bool = True,
    annotate: bool = False,
) -> plt.Axes:
    """Draw one attention matrix as a heatmap: one row per query, one column per key.

    Args:
        weights: tensor or array of shape ``(T_q, T_k)``, attention weights (each row sums to 1).
        key_labels: ``T_k`` tick labels for the columns (the tokens attended to).
        query_labels: ``T_q`` tick labels for the rows (the tokens doing the attending).
        ax: the axes to draw into; a new figure is made when ``None``.
        title: optional title.
        annotate: write each weight in its cell (for small matrices).

    Returns:
        The matplotlib axes.

    Raises:
        ValueError: if ``weights`` is not 2-D or a label list has the wrong length.
    """
    matrix = _as_matrix(weights)
    n_queries, n_keys = matrix.shape
    for name, labels, size in (("key_labels", key_labels, n_keys), ("query_labels", query_labels, n_queries)):
        if labels is not None and len(labels) != size:
            raise ValueError(f"{name} has {len(labels)} entries but the weights have {size} along that axis")
    if ax is None:
        _, ax = plt.subplots(figsize=(0.45 * n_keys + 2.0, 0.45 * n_queries + 1.2))
    image = ax.imshow(matrix, cmap=cmap, vmin=0.0, vmax=max(1e-9, float(matrix.max())), aspect="auto")
    ax.set_xticks(range(n_keys))
    ax.set_yticks(range(n_queries))
    if key_labels is not None:
        ax.set_xticklabels(key_labels, rotation=90)
    if query_labels is not None:
        ax.set_yticklabels(query_labels)
    ax.set_xlabel("key")
    ax.set_ylabel("query")
    if annotate:
        for i in range(n_queries):
            for j in range(n_keys):
                value = matrix[i, j]
                ax.text(j, i, f"{value:.2f}", ha="center", va="center",
                        color="black" if value > 0.6 * matrix.max() else "white", fontsize=8)
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return ax


def plot_attention_grid(
    weights,
    key_labels: Sequence[str] | None = None,
    query_labels: Sequence[str] | None = None,
    row_titles: Sequence[str] | None = None,
    col_titles: Sequence[str] | None = None,
    cell_size: float = 2.2,
    cmap: str = "viridis",
) -> plt.Figure:
    """Draw a grid of attention matrices, for example every (layer, head) of a model.

    Args:
        weights: tensor or array of shape ``(rows, cols, T_q, T_k)``.
        key_labels, query_labels: tick labels shared by every panel (shown on the outer panels).
        row_titles, col_titles: labels for the rows (e.g. "layer 1") and columns (e.g. "head 3").
        cell_size: size of one panel in inches.

    Returns:
        The matplotlib figure.

    Raises:
        ValueError: if ``weights`` is not 4-D.
    """
    array = weights.detach().cpu().numpy() if isinstance(weights, torch.Tensor) else np.asarray(weights)
    if array.ndim != 4:
        raise ValueError(f"expected weights of shape (rows, cols, T_q, T_k), got shape {tuple(array.shape)}")
    n_rows, n_cols = array.shape[:2]
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(cell_size * n_cols, cell_size * n_rows), squeeze=False)
    for r in range(n_rows):
        for c in range(n_cols):
            ax = axes[r][c]
            plot_attention(array[r, c], ax=ax, cmap=cmap, colorbar=False)
            ax.set_xlabel("")
            ax.set_ylabel("")
            if key_labels is not None and r == n_rows - 1:
                ax.set_xticklabels(key_labels, rotation=90, fontsize=7)
            else:
                ax.set_xticks([])
            if query_labels is not None and c == 0:
                ax.set_yticklabels(query_labels, fontsize=7)
            else:
                ax.set_yticks([])
            if r == 0 and col_titles is not None:
                ax.set_title(col_titles[c], fontsize=9)
            if c == 0 and row_titles is not None:
                ax.set_ylabel(row_titles[r], fontsize=9)
    fig.tight_layout()
    return fig


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
            ``(bucket label, count, score)`` returned by ``attnbook.seq2seq.scores_by_length`` and
            ``intervals`` a list of ``(low, high)`` per bucket (for example from
            ``attnbook.seq2seq.bootstrap_by_length``) or ``None`` for no error bars.
            Every model must use the same buckets.
        xlabel, ylabel, title: axis labels and title.
        scale: factor applied to scores and intervals (100 to show a fraction as a percentage).
        ymax: upper limit of the y axis (default: a little above the highest bar or interval).
        ax: the axes to draw into; a new figure is made when ``None``.

    Returns:
        The matplotlib axes. The number of test examples in each bucket is written under its label.

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
            raise ValueError(f"{name!r} has buckets {other}, but {names[0]!r} has {labels}")
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
            low, high = (np.array(bounds, dtype=float) * scale for bounds in zip(*intervals))
            error = [scores - low, high - scores]
            top = max(top, float(np.nanmax(high)))
        top = max(top, float(np.nanmax(scores)))
        ax.bar(x, scores, width=width * 0.95, label=name, yerr=error, capsize=3,
               error_kw={"elinewidth": 1, "ecolor": "0.3"})
    ax.set_xticks(positions)
    ax.set_xticklabels([f"{label}\nn = {count}" for label, count in zip(labels, counts)])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, ymax if ymax is not None else 1.15 * top)
    if title:
        ax.set_title(title, fontsize=10)
    ax.grid(True, axis="y", alpha=0.3)
    if len(names) > 1:
        ax.legend(loc="lower right", fontsize=9)
    return ax


def figure_png(fig, dpi: int = 80) -> bytes:
    """Return the PNG bytes of a matplotlib figure and close the figure.

    The chapters' attention explorers show such bytes in an ``ipywidgets.Image`` and replace them
    when a menu changes.

    Args:
        fig: a ``matplotlib.figure.Figure``.
        dpi: resolution in dots per inch.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()


def layer_head_pickers(num_layers: int, num_heads: int, layer: int = 0, head: int = 0):
    """Two ``ipywidgets.Dropdown`` menus for an attention explorer: one for the layer, one for the head.

    They read "layer 1", "head 1", ... but their ``value`` is the 0-based index, ready to index a
    weight tensor ``(num_layers, num_heads, T_q, T_k)``.

    Args:
        num_layers, num_heads: how many layers and heads there are (>= 1).
        layer, head: the 0-based indices selected at first.

    Returns:
        ``(layer_picker, head_picker)``.

    Raises:
        ValueError: a count below 1, or a first selection outside ``[0, count)``.
    """
    import ipywidgets as widgets

    for name, count, first in (("layer", num_layers, layer), ("head", num_heads, head)):
        if count < 1:
            raise ValueError(f"num_{name}s must be at least 1, got {count}")
        if not 0 <= first < count:
            raise ValueError(f"{name} must be in [0, {count}), got {first}")
    layer_picker = widgets.Dropdown(options=[(f"layer {i + 1}", i) for i in range(num_layers)], value=layer,
                                    description="layer")
    head_picker = widgets.Dropdown(options=[(f"head {i + 1}", i) for i in range(num_heads)], value=head,
                                   description="head")
    return layer_picker, head_picker
