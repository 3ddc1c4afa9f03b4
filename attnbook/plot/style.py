"""The course's figure style, and figures as PNGs that record the size of their smallest text.

Figures are drawn for the book's column, which is about :data:`COLUMN_PX` CSS pixels wide at
1280 px, so that the page shows them at their natural size with text of at least 9 px
(:data:`COURSE_STYLE`), and Hangul is drawn from a Hangul font after the Latin one
(:data:`FONT_FAMILY`, :mod:`attnbook.fonts`). :func:`use_course_style` applies it (the chapters
call it in their first cell; importing changes nothing). In a Jupyter kernel with the inline
backend each figure's PNG also records the size of its smallest text (:data:`TEXT_PX_KEY`):
tests/test_layout.py reads it in the built book.
"""

from __future__ import annotations

import base64
import io

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.scale
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import LogFormatterSciNotation
from PIL import Image, PngImagePlugin

from attnbook.fonts import HANGUL_FAMILY, register_hangul_font

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
ALT_KEY = "attnbook:alt"  # a text alternative (titles, axis labels): the book's alt text


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


def describe_figure(fig: Figure) -> str:
    """A short text alternative of ``fig`` from what it says of itself: its title, then each
    panel's title and axis labels ("" when the figure has none)."""
    parts = []
    if fig._suptitle is not None and fig._suptitle.get_text():
        parts.append(fig._suptitle.get_text())
    for ax in fig.axes:
        if not ax.get_visible() or not ax.axison and not ax.get_title():
            continue
        labels = [f"{name}: {text}" for name, text in (("x", ax.get_xlabel()), ("y", ax.get_ylabel()))
                  if text]
        panel = ax.get_title() + (f" ({'; '.join(labels)})" if labels else "")
        if panel.strip() and panel not in parts:
            parts.append(panel.strip())
    text = "Figure: " + ". ".join(parts) if parts else ""
    return " ".join(text.split())[:400]


def _text_metadata(fig: Figure, dpi: float) -> dict[str, str]:
    size = smallest_text_pt(fig)
    metadata = {} if size is None else {TEXT_PX_KEY: f"{size * dpi / 72:.2f}"}
    alt = describe_figure(fig)
    if alt:
        metadata[ALT_KEY] = alt
    return metadata


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
