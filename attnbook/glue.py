"""``glue``: a chapter's numbers, stored for the book's text, or shown where the book is not built.

The book (Jupyter Book, myst-nb) reads numbers that a cell computed into the prose with the
``{glue:text}`` role; the cell stores them with ``myst_nb.glue``. A learner who opens a chapter in
Colab or Jupyter has no myst-nb (it is a book-building tool, not one of the package's
dependencies): there ``glue`` shows the value, or nothing when ``display=False``, and the chapter
runs on.

A glued *sentence* (a verdict written by the code) would appear in English on the Korean pages,
whose code is the English code: ``glue(name, text, ko=korean_text)`` also stores the Korean
sentence under ``name + "_ko"``, which the Korean catalogs use instead of ``name``.
"""

from __future__ import annotations

from html import escape
from typing import Any


def glue(name: str, value: Any, display: bool = True, ko: str | None = None) -> None:
    """Store ``value`` under ``name`` for the book's ``{glue:...}`` roles (``myst_nb.glue``).

    Args:
        name: the key the book's text refers to (a string: ``"dates_acc"``).
        value: any object a notebook can display (a number, a figure, a table).
        display: also show the value in the notebook's output.
        ko: the same words in Korean, for a value that is a sentence or a phrase; stored under
            ``name + "_ko"`` (never displayed).

    Raises:
        TypeError: if ``name`` is not a string, or ``ko`` is given and is not a string.

    Without myst-nb installed the value is shown (``IPython.display.display``) when ``display``
    is true and otherwise dropped: there is no book to read it.
    """
    if not isinstance(name, str):
        raise TypeError(f"glue: name must be a string, got {type(name).__name__}")
    if ko is not None and not isinstance(ko, str):
        raise TypeError(f"glue: ko must be the Korean text (a string), got {type(ko).__name__}")
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        if display:
            from IPython.display import display as show

            show(value)
        return
    myst_glue(name, value, display=display)
    if ko is not None:
        myst_glue(f"{name}_ko", ko, display=False)


class Code:
    """Words shown as inline code where the book pastes them: ``glue("key", Code("je t' aime"))``.

    The English text pastes it with ``{glue:md}`key``` (its Markdown, ```je t' aime```); a
    Korean page cannot (myst-nb pastes Markdown only from the page's own notebook, and a
    translated paragraph names the notebook, ``{glue}`01_rnn_lstm.ipynb::key```), so it
    pastes the HTML form, ``<code>``, instead. Several texts are joined by ``sep``, each as code.

    Raises:
        TypeError: if a text is not a string.
    """

    def __init__(self, *texts: str, sep: str = " / ") -> None:
        if not texts or not all(isinstance(text, str) for text in texts):
            raise TypeError(f"Code: expected one or more strings, got {texts!r}")
        self.texts, self.sep = texts, sep

    def __repr__(self) -> str:
        return self.sep.join(self.texts)

    def _repr_markdown_(self) -> str:
        return self.sep.join(f"`{text}`" for text in self.texts)

    def _repr_html_(self) -> str:
        return self.sep.join(f'<code class="docutils literal notranslate">{escape(text)}</code>'
                             for text in self.texts)
