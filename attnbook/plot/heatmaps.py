"""Heatmaps of attention weights: :func:`plot_attention` (one matrix) and
:func:`plot_attention_grid` (one per head or layer)."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from attnbook.plot.style import MAX_FIGURE_WIDTH_IN, MIN_FONT_PT


def _as_array(weights) -> np.ndarray:
    """A tensor (any device, with or without grad) or array-like as a numpy array."""
    if isinstance(weights, torch.Tensor):
        return weights.detach().cpu().numpy()
    return np.asarray(weights)


def _as_matrix(weights) -> np.ndarray:
    array = _as_array(weights)
    if array.ndim != 2:
        raise ValueError(
            f"expected a 2-D weight matrix (T_q, T_k), got shape {tuple(array.shape)}"
        )
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
        weights: tensor or array of shape ``(T_q, T_k)``, attention weights (each row
            sums to 1).
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
    for name, labels, size in (
        ("key_labels", key_labels, n_keys),
        ("query_labels", query_labels, n_queries),
    ):
        if labels is not None and len(labels) != size:
            raise ValueError(
                f"{name} has {len(labels)} entries but the weights have {size} "
                "along that axis"
            )
    if ax is None:  # 0.45 in a cell, at most the column's width
        width = min(0.45 * n_keys + 2.0, MAX_FIGURE_WIDTH_IN)
        _, ax = plt.subplots(figsize=(width, min(0.45 * n_queries + 1.2, 7.0)))
    image = ax.imshow(
        matrix, cmap=cmap, vmin=0.0, vmax=max(1e-9, float(matrix.max())), aspect="auto"
    )
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
                ax.text(
                    j,
                    i,
                    f"{value:.2f}",
                    ha="center",
                    va="center",
                    color="black" if value > 0.6 * matrix.max() else "white",
                    fontsize=MIN_FONT_PT,
                )
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
        key_labels, query_labels: tick labels shared by every panel (shown on the outer
            panels).
        row_titles, col_titles: labels for the rows (e.g. "layer 1") and columns (e.g.
            "head 3").
        cell_size: size of one panel in inches, made smaller where the columns
            would be wider than the book's column (:data:`MAX_FIGURE_WIDTH_IN`).

    Returns:
        The matplotlib figure.

    Raises:
        ValueError: if ``weights`` is not 4-D.
    """
    array = (
        weights.detach().cpu().numpy()
        if isinstance(weights, torch.Tensor)
        else np.asarray(weights)
    )
    if array.ndim != 4:
        raise ValueError(
            "expected weights of shape (rows, cols, T_q, T_k), "
            f"got shape {tuple(array.shape)}"
        )
    n_rows, n_cols = array.shape[:2]
    labels_in = 0.8 if query_labels is not None or row_titles is not None else 0.2
    cell_size = min(cell_size, (MAX_FIGURE_WIDTH_IN - labels_in) / n_cols)
    fig, axes = plt.subplots(
        n_rows,
        n_cols,
        figsize=(cell_size * n_cols + labels_in, cell_size * n_rows + 0.4),
        squeeze=False,
    )
    for r in range(n_rows):
        for c in range(n_cols):
            ax = axes[r][c]
            plot_attention(array[r, c], ax=ax, cmap=cmap, colorbar=False)
            ax.set_xlabel("")
            ax.set_ylabel("")
            if key_labels is not None and r == n_rows - 1:
                ax.set_xticklabels(key_labels, rotation=90, fontsize=MIN_FONT_PT)
            else:
                ax.set_xticks([])
            if query_labels is not None and c == 0:
                ax.set_yticklabels(query_labels, fontsize=MIN_FONT_PT)
            else:
                ax.set_yticks([])
            if r == 0 and col_titles is not None:
                ax.set_title(col_titles[c], fontsize=9)
            if c == 0 and row_titles is not None:
                ax.set_ylabel(row_titles[r], fontsize=9)
    fig.tight_layout()
    return fig
