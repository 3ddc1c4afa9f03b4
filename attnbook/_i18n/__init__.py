"""The Korean edition: catalogs, Korean notebooks, the Korean site and the translation report.

The standard tools, no format of our own:

- Sphinx's ``gettext`` builder writes one ``.pot`` per page from the English sources
  (jupyter-book's own ``build_sphinx``, the function behind ``jupyter-book build --builder
  custom --custom-builder gettext``, with notebook execution off: it never executes a
  notebook). The assignments (``exercises/NN_name/NN_name.ipynb``) get theirs from the same
  build: they are added to its table of contents in a part without a caption.
- GNU ``msgmerge --previous`` merges each ``.pot`` into ``locale/ko/LC_MESSAGES/<page>.po``
  (``msginit`` creates a missing one): a changed English paragraph becomes *fuzzy*, its old
  English kept beside it (``#| msgid``) for the translator.
- The Korean site is the same book built by Sphinx's own i18n (``language: ko``,
  ``locale_dirs: [locale]``) into ``_build/html/ko/``, reading the notebooks' outputs from the
  English build's execution cache (``nb_execution_cache_path``): it executes no notebook
  (``build`` counts myst-nb's "Executing" lines in its log and fails on one).
- ``ko/notebooks/NN_name.ipynb`` and ``ko/exercises/NN_name/NN_name.ipynb`` are the English
  notebooks with each markdown paragraph, heading, list item or caption replaced by its
  translation where the catalog has one that is not fuzzy (else it stays English); code cells
  are copied as they are.

Usage::

    python -m attnbook._i18n update      # .pot from the English, msgmerge into the .po
    python -m attnbook._i18n notebooks   # write ko/notebooks and ko/exercises from the .po
    python -m attnbook._i18n report [--strict] [PAGE ...]
    python -m attnbook._i18n build       # the Korean site, _build/html/ko (after the English)
    python -m attnbook._i18n build --builder singlehtml   # the page the Korean PDF prints

``report --strict`` exits 1 when a page marked complete (``COMPLETE``) has a fuzzy or an
untranslated message, or a translation breaks a role, link, glue key, math or inline code of
its English (``check_message``).

The package, one module per step: :mod:`~attnbook._i18n.settings` (paths, ``COMPLETE``),
:mod:`~attnbook._i18n.sphinx` (Sphinx run as jupyter-book runs it),
:mod:`~attnbook._i18n.catalogs` (``.pot``, ``msgmerge``, reading the ``.po``),
:mod:`~attnbook._i18n.messages` (``check_message``), :mod:`~attnbook._i18n.notebooks`,
:mod:`~attnbook._i18n.report`, :mod:`~attnbook._i18n.site` and :mod:`~attnbook._i18n.cli` (the
commands, run by ``__main__``); every public name but ``main`` is importable from
``attnbook._i18n``.
"""

# First, before nbformat is imported: this build process does without jsonschema's slow
# optional import (attnbook/_fast_imports.py).
from attnbook._fast_imports import skip_iri_parser

skip_iri_parser()

from attnbook._i18n.catalogs import (  # noqa: E402
    GETTEXT_OVERRIDES,
    Catalog,
    catalogs,
    make_pot,
    merge_catalogs,
    read_catalog,
    read_pot_ids,
)
from attnbook._i18n.messages import check_message, glue_particles, placeholders  # noqa: E402
from attnbook._i18n.notebooks import (  # noqa: E402
    korean_notebook,
    korean_notebook_pairs,
    korean_notebook_text,
    translate_markdown,
    write_notebooks,
)
from attnbook._i18n.report import report  # noqa: E402
from attnbook._i18n.settings import (  # noqa: E402
    COMPLETE,
    KO,
    LANGUAGE,
    LOCALE,
    ROOT,
    THEME_CATALOGS,
    catalog_dir,
    chapter_notebooks,
    exercise_notebooks,
)
from attnbook._i18n.site import build_site, korean_overrides  # noqa: E402
from attnbook._i18n.sphinx import run_sphinx  # noqa: E402

__all__ = [
    "COMPLETE", "GETTEXT_OVERRIDES", "KO", "LANGUAGE", "LOCALE", "ROOT", "THEME_CATALOGS",
    "Catalog", "build_site", "catalog_dir", "catalogs", "chapter_notebooks", "check_message",
    "exercise_notebooks", "glue_particles", "korean_notebook", "korean_notebook_pairs",
    "korean_notebook_text", "korean_overrides", "make_pot", "merge_catalogs", "placeholders",
    "read_catalog", "read_pot_ids", "report", "run_sphinx", "translate_markdown",
    "write_notebooks",
]
