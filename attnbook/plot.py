"""Plotting helpers shared by the chapters (hand-written plumbing, not course material).

Heatmaps of attention weights (:func:`plot_attention`, :func:`plot_attention_grid`), a
bar chart of scores by input length, and the kernel-free explorers of chapters 4 and 6
(:func:`attention_explorer`, :func:`static_explorer`, :class:`StaticExplorer`).

Importing the module applies the course's figure style (:data:`COURSE_STYLE`, see
:func:`use_course_style`): figures drawn for the book's column, which is about
:data:`COLUMN_PX` CSS pixels wide at 1280 px, so that the page shows them at their
natural size with text of at least 9 px, and Hangul drawn from a Hangul font after the
Latin one (:data:`FONT_FAMILY`, :mod:`attnbook.fonts`), on the build machine and on Colab. In a Jupyter kernel with the inline backend it
also records, in each figure's PNG, the size of its smallest text
(:data:`TEXT_PX_KEY`): tests/test_layout.py reads it in the built book.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import json
from typing import Callable, Sequence

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.scale
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import LogFormatterSciNotation
from PIL import Image, PngImagePlugin

from attnbook.fonts import HANGUL_FAMILY, register_hangul_font

# ------------------------------------------------------------------------------------------
# The course's figure style: figures drawn for the column
# ------------------------------------------------------------------------------------------
#: Width of the book's text column in CSS pixels at a 1280 px wide window (book/_static/
#: attnbook.css). A figure wider than this is shrunk to fit, and its text with it.
COLUMN_PX = 760
#: Resolution of the chapters' figures: one figure inch is 100 CSS pixels on the page, so a
#: figure at most ``COLUMN_PX / 100`` = 7.6 inches wide is shown at its natural size, and
#: a 9-point label is 12.5 px tall.
FIGURE_DPI = 100
#: Applied when :mod:`attnbook.plot` is imported (:func:`use_course_style`).
COURSE_STYLE = {
    "figure.figsize": (6.4, 3.6),  # 640 x 360 px: the column's width, a third of a screen
    "figure.dpi": FIGURE_DPI,
    "savefig.dpi": "figure",
    "font.size": 10.0,
    "axes.titlesize": 11.0,
    "axes.labelsize": 10.0,
    "xtick.labelsize": 9.0,
    "ytick.labelsize": 9.0,
    "legend.fontsize": 9.0,
    "legend.title_fontsize": 9.0,
    "figure.titlesize": 11.0,
}
#: The font families of the course's figures: matplotlib's sans-serif (DejaVu Sans) first,
#: then the Hangul font, from which matplotlib takes only the glyphs DejaVu Sans lacks
#: (Korean labels, "개를 사랑한다"); set by :func:`use_course_style` where the Hangul font
#: is installed (koreanize-matplotlib, in requirements.txt and in the package's dependencies).
FONT_FAMILY = ["sans-serif", HANGUL_FAMILY]
#: The widest figure, in inches, that the column shows at its natural size.
MAX_FIGURE_WIDTH_IN = COLUMN_PX / FIGURE_DPI
#: The smallest text a figure may have: 9 points, 12.5 px at :data:`FIGURE_DPI`.
MIN_FONT_PT = 9.0
#: PNG text chunk holding the font size of a figure's smallest text, in pixels of the
#: image (tests/test_layout.py scales it by the size the page shows the image at).
TEXT_PX_KEY = "attnbook:smallest-text-px"


def use_course_style() -> None:
    """Apply :data:`COURSE_STYLE` to matplotlib, label log axes with plain numbers
    (:class:`PlainLogFormatter`), and, in a Jupyter kernel with the inline backend, show
    figures as PNGs that record the size of their smallest text
    (:func:`figure_png_inline`), and draw Hangul with the Hangul font (:data:`FONT_FAMILY`;
    without the font, matplotlib's own family is kept). Called when :mod:`attnbook.plot`
    is imported; a chapter's own ``figsize=``, ``fontsize=`` or tick formatter still wins."""
    matplotlib.rcParams.update(COURSE_STYLE)
    if register_hangul_font() is not None:
        matplotlib.rcParams["font.family"] = list(FONT_FAMILY)
    matplotlib.scale.register_scale(_CourseLogScale)
    _register_inline_png()


class PlainLogFormatter(LogFormatterSciNotation):
    """Tick labels of a log axis as plain numbers from 0.0001 to 99999 ("30", "2.8",
    "1024"), in any base, and as powers beyond ("10⁵"): not "3×10¹" or "2.8×10⁰",
    matplotlib's labels of the ticks between decades, nor "2⁶" beside "16". Which ticks
    get a label is matplotlib's choice, as with its own formatter."""

    def __call__(self, x, pos=None):
        label = super().__call__(x, pos)
        if not label or not 1e-4 <= abs(x) < 1e5:
            return label
        return rf"$\mathdefault{{{x:.6g}}}$"


class _CourseLogScale(matplotlib.scale.LogScale):
    """matplotlib's log scale (``"log"``: ``loglog``, ``semilogy``, ``set_xscale("log")``)
    with :class:`PlainLogFormatter` labels; registered by :func:`use_course_style`."""

    def __init__(self, *, base=10, subs=None, nonpositive="clip"):
        super().__init__(base=base, subs=subs, nonpositive=nonpositive)

    def set_default_locators_and_formatters(self, axis):
        super().set_default_locators_and_formatters(axis)
        axis.set_major_formatter(PlainLogFormatter(self.base))
        axis.set_minor_formatter(
            PlainLogFormatter(self.base, labelOnlyBase=self.subs is not None)
        )


def smallest_text_pt(fig: Figure) -> float | None:
    """Font size in points of the smallest text that ``fig`` draws (tick labels, titles,
    legends, annotations, colour bars), once laid out; ``None`` if it draws none."""
    fig.draw_without_rendering()  # the layout and tick labels, without drawing pixels
    sizes = [text.get_fontsize() for text in _drawn_texts(fig)]
    return min(sizes) if sizes else None


def _drawn_texts(artist):
    """The visible, non-empty texts under ``artist``: not those of a hidden artist, nor
    the tick labels of axes turned off (``ax.axis("off")``)."""
    if not artist.get_visible():
        return
    if isinstance(artist, Text) and artist.get_text().strip():
        yield artist
    children = artist.get_children()
    if isinstance(artist, Axes) and not artist.axison:
        children = [child for child in children if not isinstance(child, Axis)]
    for child in children:
        yield from _drawn_texts(child)


def _text_metadata(fig: Figure, dpi: float) -> dict[str, str]:
    size = smallest_text_pt(fig)
    return {} if size is None else {TEXT_PX_KEY: f"{size * dpi / 72:.2f}"}


def figure_png_inline(fig: Figure, base64_encoded: bool = True):
    """The inline backend's PNG of ``fig`` (as IPython's ``print_figure``: the figure's
    dpi, its face and edge colours, cropped to what is drawn), with the size of its
    smallest text in the PNG's text chunk :data:`TEXT_PX_KEY`. ``None`` for a figure
    without axes (nothing to show)."""
    if not fig.axes and not fig.lines:
        return None
    buffer = io.BytesIO()
    fig.savefig(
        buffer,
        format="png",
        dpi=fig.dpi,
        facecolor=fig.get_facecolor(),
        edgecolor=fig.get_edgecolor(),
        bbox_inches="tight",
        metadata=_text_metadata(fig, fig.dpi),
    )
    data = buffer.getvalue()
    return base64.b64encode(data).decode("ascii") if base64_encoded else data


def _register_inline_png() -> None:
    """Make :func:`figure_png_inline` the PNG formatter of figures in an IPython kernel
    whose backend is the inline one (Jupyter, Colab, the book's build); elsewhere,
    nothing. The backend module is imported first: on import it registers its own
    formatter, which this one then replaces."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return
    backend = str(matplotlib.rcParams._get("backend")).lower()
    if "inline" not in backend:
        return
    import matplotlib_inline.backend_inline  # noqa: F401 (registers its formatters once)

    formatter = shell.display_formatter.formatters["image/png"]
    formatter.for_type(Figure, figure_png_inline)


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


def figure_png(fig, dpi: int = 80, colors: int | None = None, close: bool = True) -> bytes:
    """Return the PNG bytes of a matplotlib figure and close the figure.

    :func:`static_explorer` turns the figures of its views into such bytes. The PNG
    records the size of the figure's smallest text (:data:`TEXT_PX_KEY`).

    Args:
        fig: a ``matplotlib.figure.Figure``.
        dpi: resolution in dots per inch.
        colors: if given, the PNG has a palette of that many colours (a smaller page).
        close: close the figure (``False`` to draw it again, e.g. one view per call).
    """
    metadata = _text_metadata(fig, dpi)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata=metadata)
    if close:
        plt.close(fig)
    if colors is None:
        return buffer.getvalue()
    info = PngImagePlugin.PngInfo()
    for key, value in metadata.items():
        info.add_text(key, value)
    small = io.BytesIO()
    Image.open(buffer).quantize(colors=colors).save(
        small, format="PNG", optimize=True, pnginfo=info
    )
    return small.getvalue()


# --------------------------------------------------------------------------------------
# Kernel-free explorers: every view pre-computed, switched in the page by its own script
# --------------------------------------------------------------------------------------
_EXPLORER_SCRIPT = """(function () {
  var root = document.getElementById("%(id)s");
  if (!root || root.getAttribute("data-ready")) { return; }
  root.setAttribute("data-ready", "1");
  var views = JSON.parse(root.querySelector("script.attnbook-views").textContent);
  var picture = root.querySelector("img.attnbook-view");
  var caption = root.querySelector(".attnbook-caption");
  var menus = Array.prototype.slice.call(root.querySelectorAll("select"));
  function show() {
    var key = menus.map(function (menu) { return menu.value; }).join(",");
    var words = menus.map(function (menu) {
      return menu.options[menu.selectedIndex].text; }).join(", ");
    picture.src = "data:image/png;base64," + views[key];
    picture.alt = %(alt)s + words;
    picture.setAttribute("data-view", key);
    caption.textContent = words;
  }
  menus.forEach(function (menu) { menu.addEventListener("change", show); });
})();"""


class StaticExplorer:
    """A picture explorer that needs no kernel: one picture per choice of the menus.

    Every view is a PNG made in Python beforehand. The object displays
    (``_repr_html_``) as one self-contained HTML block: a ``<select>`` menu per
    control, an ``<img>`` with the current view, a caption naming it ("layer 2,
    head 3"), and a few lines of inline JavaScript that swap the image's ``src`` when
    a menu changes. No ipywidgets, no kernel, no CDN, no file to serve: the PNGs
    travel inside the page as ``data:`` URIs. It works the same in the static Jupyter
    Book page, offline, and in Jupyter (Lab, Notebook 7, VS Code, Colab) once the cell
    has run in the session. Where scripts do not run (an untrusted notebook, a PDF)
    the first view shows; ``_repr_png_`` gives that view to front ends without HTML.

    Build one with :func:`attention_explorer` (attention heatmaps) or
    :func:`static_explorer` (any picture); call the class directly only when you
    already have the PNG bytes.

    In the page: ``div.attnbook-explorer`` holds one ``select`` per control (its
    ``name`` is the control's name, its option values the 0-based indices),
    ``img.attnbook-view`` (its ``data-view`` attribute is the current index tuple,
    e.g. ``"1,2"``) and ``span.attnbook-caption``.

    Args:
        controls: ``{control name: option labels}`` in display order, e.g.
            ``{"layer": ["layer 1", "layer 2"], "head": ["head 1", "head 2"]}``.
        views: ``{index tuple: PNG bytes}``, one entry for every combination of
            0-based option indices: ``views[(1, 0)]`` is "layer 2, head 1".
        initial: the index tuple shown first (default: all zeros).
        alt: alt text of the picture; the current choice ("layer 2, head 1") is
            appended.

    Attributes:
        controls, views, initial, alt: as given (option labels as tuples of str).
        element_id: the ``id`` of the HTML block (unique in the page).

    Raises:
        ValueError: no controls, a control without options, ``views`` missing a
            combination or holding one out of range, or ``initial`` out of range.
        TypeError: a view is not PNG bytes.
    """

    _count = 0

    def __init__(
        self,
        controls: dict[str, Sequence[str]],
        views: dict[tuple, bytes],
        initial: tuple | None = None,
        alt: str = "attention weights, ",
    ):
        if not controls:
            raise ValueError(
                "controls is empty: expected {control name: option labels}"
            )
        self.controls = {name: tuple(map(str, opts)) for name, opts in controls.items()}
        empty = [name for name, options in self.controls.items() if not options]
        if empty:
            raise ValueError(f"controls without options: {empty}")
        sizes = tuple(len(options) for options in self.controls.values())
        expected = set(itertools.product(*map(range, sizes)))
        self.views = {tuple(int(i) for i in key): data for key, data in views.items()}
        if set(self.views) != expected:
            missing = sorted(expected - set(self.views))
            extra = sorted(set(self.views) - expected)
            raise ValueError(
                f"views must hold one PNG per combination of {sizes} options; "
                f"missing {missing[:5]}, out of range {extra[:5]}"
            )
        for key, data in self.views.items():
            if not isinstance(data, bytes) or not data.startswith(b"\x89PNG"):
                got = type(data).__name__
                raise TypeError(
                    f"views[{key}] must be PNG bytes (see figure_png), got {got}"
                )
        self.initial = (0,) * len(sizes) if initial is None else tuple(initial)
        if self.initial not in expected:
            raise ValueError(
                f"initial must be an index tuple for {sizes} options, got {initial}"
            )
        self.alt = alt
        digest = hashlib.sha1(b"".join(self.views[key] for key in sorted(self.views)))
        StaticExplorer._count += 1
        self.element_id = f"attnbook-explorer-{digest.hexdigest()[:10]}-{self._count}"

    def __repr__(self) -> str:
        shape = " x ".join(f"{len(o)} {name}s" for name, o in self.controls.items())
        return f"<StaticExplorer: {shape} = {len(self.views)} pre-computed views>"

    def _repr_png_(self) -> bytes:
        return self.views[self.initial]

    def _repr_html_(self) -> str:
        def data_uri(data: bytes) -> str:
            return "data:image/png;base64," + base64.b64encode(data).decode("ascii")

        menus = []
        for (name, options), chosen in zip(self.controls.items(), self.initial):
            items = "".join(
                f'<option value="{i}"{" selected" if i == chosen else ""}>'
                f"{html.escape(option)}</option>"
                for i, option in enumerate(options)
            )
            menus.append(
                f'<label style="margin-right:1em">{html.escape(name)} '
                f'<select name="{html.escape(name)}">{items}</select></label>'
            )
        chosen = zip(self.controls.values(), self.initial)
        words = html.escape(", ".join(options[i] for options, i in chosen))
        views = json.dumps({
            ",".join(map(str, key)): base64.b64encode(data).decode("ascii")
            for key, data in self.views.items()
        })
        script = _EXPLORER_SCRIPT % {"id": self.element_id, "alt": json.dumps(self.alt)}
        return (
            f'<div class="attnbook-explorer" id="{self.element_id}">'
            f'<div class="attnbook-menus">{"".join(menus)}'
            f'<span class="attnbook-caption" aria-live="polite">{words}</span></div>'
            f'<img class="attnbook-view" style="max-width:100%"'
            f' data-view="{",".join(map(str, self.initial))}"'
            f' alt="{html.escape(self.alt)}{words}"'
            f' src="{data_uri(self.views[self.initial])}">'
            f'<script type="application/json" class="attnbook-views">{views}</script>'
            f"<script>{script}</script></div>"
        )


def static_explorer(
    render: Callable[..., plt.Figure | bytes],
    controls: dict[str, Sequence[str]],
    initial: tuple | None = None,
    dpi: int = 100,
    alt: str = "attention weights, ",
) -> StaticExplorer:
    """A kernel-free explorer of any pictures (see :class:`StaticExplorer`):
    ``render(*indices)`` draws the view of each combination of the menus' indices.

    Example, a menu of query positions for one head's weights ``w`` ``(T_q, T_k)``::

        def one_query(q):
            fig, ax = plt.subplots(figsize=(5, 2))
            ax.bar(range(w.shape[1]), w[q])
            return fig

        static_explorer(one_query, {"query": tokens})

    Each figure costs one ``savefig`` (about 0.1-0.3 s); for heatmaps,
    :func:`attention_explorer` is much faster.

    Args:
        render: called once per combination with one index per control, in the order of
            ``controls``; returns a matplotlib figure (saved, then closed) or PNG bytes.
        controls: ``{control name: option labels}``.
        initial: the index tuple shown first (default: all zeros).
        dpi: resolution of the PNGs made from figures (100, as inline figures).
        alt: alt text of the picture, before the current choice.

    Returns:
        A :class:`StaticExplorer`: display it (the last expression of a cell).

    Raises:
        ValueError, TypeError: as :class:`StaticExplorer`.
    """
    views = {}
    sizes = [len(options) for options in controls.values()]
    for key in itertools.product(*map(range, sizes)):
        picture = render(*key)
        views[key] = picture if isinstance(picture, bytes) else figure_png(picture, dpi)
    return StaticExplorer(controls, views, initial=initial, alt=alt)


def attention_explorer(
    weights,
    key_labels: Sequence[str] | None = None,
    query_labels: Sequence[str] | None = None,
    controls: Sequence[str] = ("layer", "head"),
    initial: tuple | None = None,
    figsize: tuple[float, float] | None = None,
    dpi: int = 100,
    cmap: str = "viridis",
) -> StaticExplorer:
    """A kernel-free explorer of attention heatmaps, one view per layer and head (or
    per index of any leading axes), each drawn as :func:`plot_attention` draws, with a
    colour bar.

    The explorer of chapters 4 and 6::

        attention_explorer(weights[0], tokens, tokens)  # weights[0]: (6, 12, T, T)
        attention_explorer(w, tokens, tokens, controls=("head",))  # w: (heads, T, T)

    The menus read "layer 1", "head 1", ... (1-based); the caption names the view.
    All views share one colour scale, from 0 to the largest weight of any view, so
    that equal colours mean equal weights in every head. 72 views of 14 tokens take a
    second or two and 0.8 MB of page.

    Args:
        weights: tensor or array ``(*leading, T_q, T_k)``, one leading axis per control.
        key_labels, query_labels: the ``T_k`` column and ``T_q`` row tick labels.
        controls: the names of the leading axes, e.g. ``("layer", "head")``.
        initial: the 0-based index tuple shown first (default: all zeros).
        figsize: size of one view in inches (default: grows with the number of tokens).
        dpi: resolution of the PNGs (100, as the notebook's inline figures: the book
            shows them at that size, so the 11-point tick labels are 15 px tall, the
            size of the page's small text).
        cmap: the matplotlib colour map.

    Returns:
        A :class:`StaticExplorer` with one view per index of the leading axes.

    Raises:
        ValueError: ``weights`` does not have ``len(controls) + 2`` dimensions, a label
            list has the wrong length, or ``initial`` is out of range.
    """
    array = _as_array(weights)
    controls = tuple(controls)
    if array.ndim != len(controls) + 2:
        raise ValueError(
            f"weights must have shape ({', '.join(controls)}, T_q, T_k) for controls "
            f"{controls}, got shape {tuple(array.shape)}"
        )
    leading, (n_queries, n_keys) = array.shape[:-2], array.shape[-2:]
    if figsize is None:
        figsize = (min(7.5, 0.32 * n_keys + 2.6), min(7.0, 0.32 * n_queries + 1.6))
    vmax = max(1e-9, float(array.max()))
    with plt.rc_context({"font.size": 11}):  # labels as large as the small text
        fig, ax = plt.subplots(figsize=figsize, dpi=dpi)
        zeros = np.zeros((n_queries, n_keys))
        plot_attention(zeros, key_labels, query_labels, ax=ax, cmap=cmap)
        ax.images[0].set_clim(0.0, vmax)
        fig.tight_layout()
        frame = _HeatmapFrame(fig, ax, cmap)
    plt.close(fig)
    labels = {name: [f"{name} {i + 1}" for i in range(n)]
              for name, n in zip(controls, leading)}
    return static_explorer(
        lambda *key: frame.png(array[key] / vmax), labels, initial=initial, dpi=dpi
    )


class _HeatmapFrame:
    """A drawn heatmap figure that is cheap to re-colour: matplotlib draws the axes,
    tick labels and colour bar once; each new matrix only replaces the pixels inside
    the axes (a ``savefig`` per view takes about 0.25 s, 20 s for 72 heads; this takes
    milliseconds).

    The PNGs share one palette, 128 levels of the colour map and 128 greys for the
    text, so they stay small (about 9 kB for a 14-token heatmap)."""

    LEVELS = 128

    def __init__(self, fig: plt.Figure, ax: plt.Axes, cmap: str):
        fig.canvas.draw()
        background = np.asarray(fig.canvas.buffer_rgba())[..., :3]  # (H, W, 3)
        height, width = background.shape[:2]
        box = ax.get_window_extent()  # in pixels, origin at the bottom left
        n_queries, n_keys = ax.images[0].get_array().shape
        # The pixels strictly inside the axes (its frame stays), and the cell of each.
        self.x0, self.x1 = int(np.ceil(box.x0)) + 1, int(np.floor(box.x1)) - 1
        self.y0 = height - int(np.floor(box.y1)) + 1
        self.y1 = height - int(np.ceil(box.y0)) - 1
        rows = (np.arange(self.y0, self.y1) + 0.5 - (height - box.y1)) / box.height
        cols = (np.arange(self.x0, self.x1) + 0.5 - box.x0) / box.width
        self.rows = np.clip((rows * n_queries).astype(int), 0, n_queries - 1)
        self.cols = np.clip((cols * n_keys).astype(int), 0, n_keys - 1)
        greys = np.linspace(0, 255, 256 - self.LEVELS).round().astype(np.uint8)
        palette = np.concatenate([
            plt.get_cmap(cmap)(np.linspace(0.0, 1.0, self.LEVELS), bytes=True)[:, :3],
            np.repeat(greys[:, None], 3, axis=1),
        ])  # (256, 3)
        self.palette = palette.flatten().tolist()
        palette_image = Image.new("P", (1, 1))
        palette_image.putpalette(self.palette)
        quantized = Image.fromarray(np.ascontiguousarray(background)).quantize(
            palette=palette_image, dither=Image.Dither.NONE
        )
        self.size = (width, height)
        self.info = PngImagePlugin.PngInfo()  # the smallest text's size, as figure_png
        for key, value in _text_metadata(fig, fig.dpi).items():
            self.info.add_text(key, value)
        self.base = np.asarray(quantized)  # (H, W) palette indices

    def png(self, matrix: np.ndarray) -> bytes:
        """PNG bytes of the heatmap of ``matrix`` ``(T_q, T_k)``, values in [0, 1]."""
        cells = np.clip(matrix, 0.0, 1.0) * (self.LEVELS - 1)
        cells = np.round(cells).astype(np.uint8)  # (T_q, T_k) palette indices
        picture = self.base.copy()  # (H, W)
        picture[self.y0 : self.y1, self.x0 : self.x1] = cells[self.rows][:, self.cols]
        image = Image.frombytes("P", self.size, picture.tobytes())
        image.putpalette(self.palette)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", pnginfo=self.info)
        return buffer.getvalue()


use_course_style()
