"""Tests for attnbook.plot: the plotting and widget helpers the chapters share."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from attnbook.plot import (  # noqa: E402
    figure_png,
    layer_head_pickers,
    plot_attention,
    plot_attention_grid,
    plot_scores_by_length,
)


def test_plot_attention_draws_the_matrix_with_its_labels():
    weights = torch.softmax(torch.randn(2, 3, generator=torch.Generator().manual_seed(0)), dim=-1)
    ax = plot_attention(weights, key_labels=["a", "b", "c"], query_labels=["x", "y"])
    np.testing.assert_allclose(ax.images[0].get_array(), weights.numpy())
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x", "y"]
    plt.close(ax.figure)


def test_plot_attention_rejects_bad_shapes_and_labels():
    with pytest.raises(ValueError, match=r"2-D weight matrix \(T_q, T_k\), got shape \(1, 2, 3\)"):
        plot_attention(torch.zeros(1, 2, 3))
    with pytest.raises(ValueError, match="key_labels has 2 entries but the weights have 3"):
        plot_attention(torch.zeros(2, 3), key_labels=["a", "b"])
    plt.close("all")


def test_plot_attention_grid_has_one_panel_per_layer_and_head():
    fig = plot_attention_grid(torch.rand(2, 3, 4, 4), col_titles=["h1", "h2", "h3"], row_titles=["l1", "l2"])
    assert len(fig.axes) == 6
    assert fig.axes[2].get_title() == "h3" and fig.axes[3].get_ylabel() == "l2"
    plt.close(fig)
    with pytest.raises(ValueError, match=r"\(rows, cols, T_q, T_k\), got shape \(3, 4, 4\)"):
        plot_attention_grid(torch.rand(3, 4, 4))


def test_plot_scores_by_length_refuses_models_with_different_buckets():
    a = ([("1-3", 10, 0.5), ("4+", 5, 0.7)], None)
    b = ([("1-2", 10, 0.5), ("3+", 5, 0.7)], None)
    with pytest.raises(ValueError, match="buckets"):
        plot_scores_by_length({"a": a, "b": b}, "length", "score")
    with pytest.raises(ValueError, match="empty"):
        plot_scores_by_length({}, "length", "score")
    ax = plot_scores_by_length({"a": a, "c": a}, "length", "score", scale=100)
    heights = sorted(round(p.get_height(), 6) for p in ax.patches)
    assert heights == [50.0, 50.0, 70.0, 70.0]
    plt.close(ax.figure)


def test_figure_png_returns_png_bytes_and_closes_the_figure():
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1], [1, 0])
    data = figure_png(fig, dpi=50)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert not plt.fignum_exists(fig.number)


def test_layer_head_pickers_show_one_based_names_and_hold_zero_based_indices():
    layer_picker, head_picker = layer_head_pickers(6, 12, layer=2, head=11)
    assert [label for label, _ in layer_picker.options] == [f"layer {i}" for i in range(1, 7)]
    assert [value for _, value in head_picker.options] == list(range(12))
    assert (layer_picker.value, head_picker.value, layer_picker.label) == (2, 11, "layer 3")


@pytest.mark.parametrize("kwargs, message", [
    (dict(num_layers=0, num_heads=4), "num_layers must be at least 1, got 0"),
    (dict(num_layers=2, num_heads=4, head=4), r"head must be in \[0, 4\), got 4"),
    (dict(num_layers=2, num_heads=4, layer=-1), r"layer must be in \[0, 2\), got -1"),
])
def test_layer_head_pickers_reject_bad_counts_and_selections(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layer_head_pickers(**kwargs)
