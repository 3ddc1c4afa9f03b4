"""Plotting helpers shared by the chapters (hand-written plumbing, not course material).

- :mod:`~attnbook.plot.style` -- the course's figure style (:data:`COURSE_STYLE`,
  :func:`use_course_style`) and figures as PNGs that record the size of their smallest text
  (:func:`figure_png`, :func:`figure_png_inline`, :data:`TEXT_PX_KEY`);
- :mod:`~attnbook.plot.heatmaps` -- heatmaps of attention weights (:func:`plot_attention`,
  :func:`plot_attention_grid`);
- :mod:`~attnbook.plot.scores` -- a bar chart of scores by input length
  (:func:`plot_scores_by_length`);
- :mod:`~attnbook.plot.explorers` -- the kernel-free explorers of chapters 4 and 6
  (:func:`attention_explorer`, :func:`static_explorer`, :class:`StaticExplorer`).

Every public name is importable from ``attnbook.plot``.

Importing this package changes nothing global. The chapters call :func:`use_course_style` once,
in their first cell: it updates ``matplotlib.rcParams`` with :data:`COURSE_STYLE` (figures drawn for
the book's column, about :data:`COLUMN_PX` CSS pixels wide at 1280 px, so that the page shows them
at their natural size with text of at least 9 px), sets the font family to :data:`FONT_FAMILY`
(Hangul drawn from a Hangul font after the Latin one, :mod:`attnbook.fonts`) where that font is
installed, registers the ``"log"`` scale with plain-number labels, and, in a Jupyter kernel with
the inline backend, replaces the PNG formatter of figures by one that records in each PNG the size
of its smallest text (:data:`TEXT_PX_KEY`: tests/test_layout.py reads it in the built book).
"""

from attnbook.plot.explorers import (  # noqa: F401
    StaticExplorer,
    attention_explorer,
    static_explorer,
)
from attnbook.plot.heatmaps import (  # noqa: F401
    plot_attention,
    plot_attention_grid,
)
from attnbook.plot.scores import (  # noqa: F401
    plot_scores_by_length,
)
from attnbook.plot.style import (  # noqa: F401
    COLUMN_PX,
    COURSE_STYLE,
    FIGURE_DPI,
    FONT_FAMILY,
    MAX_FIGURE_WIDTH_IN,
    MIN_FONT_PT,
    TEXT_PX_KEY,
    PlainLogFormatter,
    figure_png,
    figure_png_inline,
    smallest_text_pt,
    use_course_style,
)
