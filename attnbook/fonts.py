"""Hangul in matplotlib (hand-written plumbing, not course material).

matplotlib's own font, DejaVu Sans, has no Hangul: a Korean label comes out as empty boxes
and a "Glyph ... missing from font(s) DejaVu Sans" warning. The course does not ship a font
of its own: the pinned package ``koreanize-matplotlib`` bundles NanumGothic (SIL Open Font
License), on the build machine and on Colab alike. Its files are registered with matplotlib's
font manager and :data:`HANGUL_FAMILY` is put *after* the Latin font in a family list
(``["sans-serif", "NanumGothic"]``): matplotlib (3.6 and later) takes each glyph from the
first font that has it, so Latin text, digits and symbols keep DejaVu Sans and only Hangul
comes from NanumGothic.

The package is not imported: importing ``koreanize_matplotlib`` sets ``font.family`` to
NanumGothic for everything (and ``axes.unicode_minus`` off). Only its font files are used.

Used by :func:`attnbook.plot.use_course_style` (the chapters' figures) and by
``book/diagrams/make_diagrams.py`` (the Korean diagrams). No torch, no pyplot: cheap to import.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

#: The family name of the Hangul font, as matplotlib's font manager knows it.
HANGUL_FAMILY = "NanumGothic"
#: The package that ships the font files (pinned in requirements.txt).
FONT_PACKAGE = "koreanize_matplotlib"
# Regular (400), Bold (600) and ExtraBold (700: what fontweight="bold" asks for).
_FILES = ("NanumGothic.ttf", "NanumGothicBold.ttf", "NanumGothicExtraBold.ttf")


def hangul_font_files() -> list[Path]:
    """The NanumGothic files that ``koreanize-matplotlib`` installed (found without
    importing the package); empty where it is not installed."""
    importlib.invalidate_caches()  # installed by this kernel's own install cell (Colab)
    spec = importlib.util.find_spec(FONT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return []
    folder = Path(list(spec.submodule_search_locations)[0]) / "fonts"
    return [folder / name for name in _FILES if (folder / name).is_file()]


def register_hangul_font() -> str | None:
    """Add the Hangul font files to matplotlib's font manager (once); return
    :data:`HANGUL_FAMILY`, or ``None`` (and register nothing) when the files are missing."""
    files = hangul_font_files()
    if not files:
        return None
    from matplotlib import font_manager

    known = {entry.fname for entry in font_manager.fontManager.ttflist}
    for path in files:
        if str(path) not in known:
            font_manager.fontManager.addfont(str(path))
    return HANGUL_FAMILY
