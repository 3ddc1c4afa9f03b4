"""Kernel-free explorers (chapters 4 and 6): every view pre-computed, switched in the page by
its own script (:class:`StaticExplorer`, :func:`static_explorer`, :func:`attention_explorer`)."""

from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import json
from typing import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image, PngImagePlugin

from attnbook.plot.heatmaps import _as_array, plot_attention
from attnbook.plot.style import _text_metadata, figure_png

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
        _label_the_top(ax.images[0].colorbar, vmax)
        fig.tight_layout()
        frame = _HeatmapFrame(fig, ax, cmap)
    plt.close(fig)
    labels = {name: [f"{name} {i + 1}" for i in range(n)]
              for name, n in zip(controls, leading)}
    return static_explorer(
        lambda *key: frame.png(array[key] / vmax), labels, initial=initial, dpi=dpi
    )


def _label_the_top(colorbar, vmax: float) -> None:
    """Give the colour bar a tick at its top, ``vmax``, when its own ticks stop well below
    it (a scale up to 0.97 would otherwise end at an unlabelled 0.8)."""
    if colorbar is None:
        return
    ticks = [tick for tick in colorbar.get_ticks() if 0.0 <= tick <= vmax * (1 + 1e-9)]
    if not ticks or vmax - ticks[-1] > 0.1 * vmax:
        ticks.append(vmax)
        colorbar.set_ticks(ticks, labels=[f"{tick:.2g}" for tick in ticks])


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
