"""Tests for attnbook.plot: the plotting helpers and the kernel-free explorers the chapters
share."""

from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import sys
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from PIL import Image  # noqa: E402

from attnbook.fonts import hangul_font_files  # noqa: E402
from attnbook.plot import (  # noqa: E402
    COLUMN_PX,
    COURSE_STYLE,
    FIGURE_DPI,
    FONT_FAMILY,
    MIN_FONT_PT,
    TEXT_PX_KEY,
    StaticExplorer,
    attention_explorer,
    figure_png,
    figure_png_inline,
    plot_attention,
    plot_attention_grid,
    plot_scores_by_length,
    smallest_text_pt,
    static_explorer,
    use_course_style,
)

use_course_style()  # as the chapters do: the tests below draw in the course's style


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


# --------------------------------------------------------------------------- kernel-free explorers


def tiny_png(value: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (2, 2), value).save(buffer, format="PNG")
    return buffer.getvalue()


def test_static_explorer_html_holds_every_view_and_switches_by_itself():
    views = {(layer, head): tiny_png(10 * layer + head) for layer in range(2) for head in range(3)}
    controls = {"layer": ["layer 1", "layer 2"], "head": ["head 1", "head 2", "<head 3>"]}
    explorer = StaticExplorer(controls, views, initial=(1, 2))
    page = explorer._repr_html_()
    # the menus: one <select> per control, option values are the 0-based indices
    assert page.count("<select") == 2 and 'name="head"' in page
    assert re.findall(r'<option value="(\d)"', page) == ["0", "1", "0", "1", "2"]
    assert '<option value="1" selected>layer 2</option>' in page
    assert "&lt;head 3&gt;" in page and "<head 3>" not in page  # labels are escaped
    # the picture shown first is the initial view; the JSON holds all six views by "layer,head"
    shown = re.search(r'<img[^>]*data-view="1,2"[^>]*src="data:image/png;base64,([^"]+)"', page)
    assert shown and base64.b64decode(shown.group(1)) == views[(1, 2)]
    stored = json.loads(re.search(r'class="attnbook-views">(.*?)</script>', page).group(1))
    assert {key: base64.b64decode(data) for key, data in stored.items()} == {
        f"{layer},{head}": png for (layer, head), png in views.items()}
    # its own script, addressed to its own block; nothing loaded from anywhere
    assert f'getElementById("{explorer.element_id}")' in page
    assert f'id="{explorer.element_id}"' in page
    assert "src=\"http" not in page and "require(" not in page and "widget" not in page
    assert explorer._repr_png_() == views[(1, 2)]
    assert "2 layers x 3 heads = 6 pre-computed views" in repr(explorer)
    other = StaticExplorer(controls, views)
    assert other.element_id != explorer.element_id and other.initial == (0, 0)


@pytest.mark.parametrize("controls, views, initial, error, message", [
    ({}, {}, None, ValueError, "controls is empty"),
    ({"head": []}, {}, None, ValueError, r"controls without options: \['head'\]"),
    ({"head": ["a", "b"]}, {(0,): b"\x89PNG"}, None, ValueError, r"missing \[\(1,\)\]"),
    ({"head": ["a"]}, {(0,): b"\x89PNG", (1,): b"\x89PNG"}, None, ValueError,
     r"out of range \[\(1,\)\]"),
    ({"head": ["a"]}, {(0,): "not bytes"}, None, TypeError, r"views\[\(0,\)\] must be PNG bytes"),
    ({"head": ["a"]}, {(0,): b"GIF89a"}, None, TypeError, "must be PNG bytes"),
    ({"head": ["a"]}, {(0,): b"\x89PNG"}, (1,), ValueError, r"initial must be an index tuple"),
])
def test_static_explorer_refuses_incomplete_views(controls, views, initial, error, message):
    with pytest.raises(error, match=message):
        StaticExplorer(controls, views, initial=initial)


def test_static_explorer_renders_one_figure_per_combination():
    calls = []

    def render(row, column):
        calls.append((row, column))
        fig, ax = plt.subplots(figsize=(1, 1))
        ax.plot([row, column])
        return fig

    explorer = static_explorer(render, {"row": ["r1", "r2"], "column": ["c1", "c2", "c3"]}, dpi=20)
    assert sorted(calls) == [(r, c) for r in range(2) for c in range(3)]
    assert all(png.startswith(b"\x89PNG") for png in explorer.views.values())
    assert not plt.get_fignums()  # every figure was closed


def view_pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def test_attention_explorer_draws_each_heads_own_weights():
    weights = torch.zeros(2, 3, 4, 7)                     # (layers, heads, T_q, T_k), one-hot rows
    for layer in range(2):
        for head in range(3):
            for query in range(4):
                weights[layer, head, query, (query + 3 * layer + head) % 7] = 1.0
    explorer = attention_explorer(weights, list("abcdefg"), list("wxyz"), initial=(1, 2))
    assert explorer.controls == {"layer": ("layer 1", "layer 2"),
                                 "head": ("head 1", "head 2", "head 3")}
    assert explorer.initial == (1, 2) and len(explorer.views) == 6
    assert len(set(explorer.views.values())) == 6          # six different pictures
    # Find the heatmap (the pixels that differ between views), then check every view's cells:
    # the brightest colour exactly where that head's weight is 1.
    first = view_pixels(explorer.views[(0, 0)])
    changes = [(view_pixels(png) != first).any(axis=-1) for png in explorer.views.values()]
    changed = np.argwhere(np.any(changes, axis=0))         # the pixels of the heatmap's cells
    (top, left), (bottom, right) = changed.min(axis=0), changed.max(axis=0) + 1
    top_colour = np.array(matplotlib.colormaps["viridis"](1.0, bytes=True)[:3], dtype=int)
    for (layer, head), png in explorer.views.items():
        pixels = view_pixels(png)
        for query in range(4):
            for key in range(7):
                y = int(top + (query + 0.5) * (bottom - top) / 4)
                x = int(left + (key + 0.5) * (right - left) / 7)
                bright = np.abs(pixels[y, x] - top_colour).max() <= 3
                assert bright == (weights[layer, head, query, key] == 1.0), (layer, head, query, key)
    assert not plt.get_fignums()


def test_attention_explorer_takes_one_leading_axis_per_control():
    explorer = attention_explorer(torch.rand(4, 3, 3), controls=("head",))
    assert list(explorer.controls) == ["head"] and len(explorer.views) == 4
    with pytest.raises(ValueError, match=r"\(layer, head, T_q, T_k\).*got shape \(4, 3, 3\)"):
        attention_explorer(torch.rand(4, 3, 3))
    with pytest.raises(ValueError, match="key_labels has 2 entries"):
        attention_explorer(torch.rand(2, 3, 3), key_labels=["a", "b"], controls=("head",))
    plt.close("all")


# --------------------------------------------------------------------------- the course's figure style
def png_text_px(data: bytes) -> float:
    """The smallest-text record of a PNG made by attnbook.plot."""
    return float(Image.open(io.BytesIO(data)).text[TEXT_PX_KEY])


def test_importing_the_package_changes_no_matplotlib_setting():
    code = ("import matplotlib; before = dict(matplotlib.rcParams); import attnbook.plot; "
            "assert dict(matplotlib.rcParams) == before, 'importing attnbook.plot changed rcParams'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_use_course_style_applies_the_style_drawn_for_the_column():
    use_course_style()
    for key, value in COURSE_STYLE.items():
        assert plt.rcParams[key] == (list(value) if isinstance(value, tuple) else value), key
    width, _ = plt.rcParams["figure.figsize"]
    assert width * plt.rcParams["figure.dpi"] <= COLUMN_PX
    for key in ("font.size", "xtick.labelsize", "ytick.labelsize", "legend.fontsize"):
        assert matplotlib.font_manager.FontProperties(size=plt.rcParams[key]).get_size() >= MIN_FONT_PT


def _draw_text(text: str, **font) -> tuple[np.ndarray, list[str]]:
    """``text`` drawn on an Agg canvas: the ink (rows and columns with any), cropped, and
    the warnings drawing it raised."""
    fig = plt.figure(figsize=(4, 0.8), dpi=100)
    fig.text(0.02, 0.4, text, va="baseline", **font)  # the same baseline, whatever the font
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    gray = np.asarray(fig.canvas.buffer_rgba())[..., :3].min(axis=-1)
    plt.close(fig)
    rows, cols = np.flatnonzero((gray < 255).any(axis=1)), np.flatnonzero((gray < 255).any(axis=0))
    return gray[rows.min():rows.max() + 1, cols.min():cols.max() + 1], [str(w.message) for w in caught]


def test_hangul_is_drawn_with_the_hangul_font_and_latin_with_dejavu():
    files = hangul_font_files()
    assert files, "no Hangul font: `pip install -r requirements.txt` (koreanize-matplotlib)"
    assert plt.rcParams["font.family"] == FONT_FAMILY
    korean = "나는 개를 사랑한다"
    ink, warned = _draw_text(korean, fontsize=12)
    assert not [m for m in warned if "missing from font" in m], warned
    # the glyphs are the Hangul font's: the same ink as the Hangul font alone draws...
    nanum, _ = _draw_text(korean, fontproperties=FontProperties(fname=files[0], size=12))
    assert ink.shape == nanum.shape and np.array_equal(ink, nanum)
    # ...not matplotlib's own font, which has no Hangul (empty boxes, and a warning)
    boxes, box_warned = _draw_text(korean, family="DejaVu Sans", fontsize=12)
    assert any("missing from font(s) DejaVu Sans" in m for m in box_warned)
    assert not (boxes.shape == ink.shape and np.array_equal(boxes, ink))
    # Latin text keeps DejaVu Sans: the course's figures look as they did
    latin, _ = _draw_text("attention 0.25", fontsize=12)
    dejavu, _ = _draw_text("attention 0.25", family="DejaVu Sans", fontsize=12)
    assert np.array_equal(latin, dejavu)


def test_figure_pngs_record_their_smallest_text_in_pixels():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [1, 0])
    ax.set_title("small", fontsize=7.2)
    ax.text(0.5, 0.5, "   ")  # blank: not text the reader sees
    hidden = fig.add_axes((0.1, 0.1, 0.2, 0.2))
    hidden.set_title("hidden", fontsize=4)
    hidden.set_visible(False)
    assert smallest_text_pt(fig) == 7.2
    inline = base64.b64decode(figure_png_inline(fig))
    assert png_text_px(inline) == pytest.approx(7.2 * fig.dpi / 72, abs=0.01)
    small = figure_png(fig, dpi=50, colors=16, close=False)
    assert Image.open(io.BytesIO(small)).mode == "P" and plt.fignum_exists(fig.number)
    assert png_text_px(small) == pytest.approx(7.2 * 50 / 72, abs=0.01)
    assert png_text_px(figure_png(fig, dpi=50)) == pytest.approx(7.2 * 50 / 72, abs=0.01)
    assert figure_png_inline(plt.figure()) is None  # nothing drawn, nothing shown
    plt.close("all")


def test_axes_turned_off_have_no_tick_labels_to_read():
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.imshow(np.eye(3))
    ax.tick_params(labelsize=5)
    ax.axis("off")
    ax.set_title("title", fontsize=10)
    assert smallest_text_pt(fig) == 10
    plt.close(fig)


def test_log_axes_label_ticks_with_plain_numbers():
    fig, (narrow, wide, tiny) = plt.subplots(1, 3)
    narrow.semilogy([1, 2, 3], [2.5, 2.8, 3.1])  # less than a decade: labels between decades
    wide.loglog([8, 1024], [20, 3e4])
    wide.set_xscale("log", base=2)
    tiny.semilogy([1, 2], [1e-9, 1e-6])
    fig.draw_without_rendering()

    def labels(axis):
        return [label.get_text() for label in axis.get_ticklabels(which="both") if label.get_text()]

    assert "$\\mathdefault{2.8}$" in labels(narrow.yaxis), labels(narrow.yaxis)
    powers_of_2 = {f"$\\mathdefault{{{2**k}}}$" for k in range(13)}
    assert labels(wide.xaxis) and set(labels(wide.xaxis)) <= powers_of_2, labels(wide.xaxis)
    assert "$\\mathdefault{1000}$" in labels(wide.yaxis), labels(wide.yaxis)
    plain = labels(narrow.yaxis) + labels(wide.xaxis)
    assert not [label for label in plain if "times" in label or "^" in label], plain
    assert "$\\mathdefault{10^{-9}}$" in labels(tiny.yaxis), labels(tiny.yaxis)  # powers beyond
    plt.close(fig)


def test_the_shared_plots_fit_the_column_with_readable_text():
    weights = torch.softmax(torch.randn(2, 12, 9, 9), dim=-1)
    figures = [
        plot_attention_grid(weights, key_labels=list("abcdefghi"), query_labels=list("abcdefghi"),
                            col_titles=[f"head {h}" for h in range(12)]),
        plot_attention(weights[0, 0], annotate=True).figure,
        plot_attention(torch.rand(30, 30)).figure,
        plot_scores_by_length({"a": ([("1-3", 10, 0.5), ("4+", 5, 0.7)], None)}, "length", "score").figure,
    ]
    for fig in figures:
        data = figure_png(fig, dpi=FIGURE_DPI)
        width = Image.open(io.BytesIO(data)).size[0]
        assert width <= COLUMN_PX, width
        assert png_text_px(data) >= MIN_FONT_PT * FIGURE_DPI / 72 - 1e-6


def test_a_figure_png_carries_a_text_alternative_from_its_titles_and_labels():
    from attnbook.plot.style import ALT_KEY, describe_figure

    fig, (left, right) = plt.subplots(1, 2, figsize=(4, 2))
    left.set(title="loss", xlabel="step", ylabel="nats")
    right.imshow(np.eye(2))
    right.set_title("weights")
    fig.suptitle("training")
    assert describe_figure(fig) == "Figure: training. loss (x: step; y: nats). weights"
    alt = Image.open(io.BytesIO(figure_png(fig))).text[ALT_KEY]
    assert alt == "Figure: training. loss (x: step; y: nats). weights"
    bare, ax = plt.subplots(figsize=(2, 2))
    ax.axis("off")
    assert describe_figure(bare) == "" and ALT_KEY not in Image.open(io.BytesIO(figure_png(bare))).text


def test_a_colour_bar_is_labelled_at_its_top():
    """A scale up to 0.97 ends at a labelled 0.97, not at an unlabelled stretch above 0.8;
    a scale up to 1 keeps its own ticks."""
    from attnbook.plot.explorers import _label_the_top

    for vmax, top in ((0.97, "0.97"), (1.0, "1.0")):
        fig, ax = plt.subplots()
        image = ax.imshow(np.linspace(0, vmax, 16).reshape(4, 4), vmin=0, vmax=vmax)
        colorbar = fig.colorbar(image)
        _label_the_top(colorbar, vmax)
        fig.canvas.draw()
        labels = [label.get_text() for label in colorbar.ax.get_yticklabels()]
        assert labels[-1] == top and abs(colorbar.get_ticks()[-1] - vmax) < 1e-9, labels
        plt.close(fig)
