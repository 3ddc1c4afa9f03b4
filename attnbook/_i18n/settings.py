"""Where the Korean edition's files are, and which pages are complete."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
LANGUAGE = "ko"
LOCALE = "locale"
KO = "ko"  # the Korean notebooks' folder
# Catalogs of locale/ko/LC_MESSAGES that are no page's: the Korean of the templates' strings,
# "sphinx" (pydata-sphinx-theme's, read by Sphinx before its own) and "booktheme"
# (sphinx-book-theme's, read by book/_ext/attnbook_i18n.py). Written by hand, not merged.
THEME_CATALOGS = ("sphinx", "booktheme")
# The pages whose translation is finished: `report --strict` (and tests/test_i18n.py) hold
# them to 0 fuzzy and 0 untranslated messages. Add a page here when its translation is done.
_CHAPTERS = ("01_rnn_lstm", "02_seq2seq_attention", "03_self_attention",
             "04_multi_head_attention", "05_transformer_encoder", "06_pretrained_encoder",
             "07_transformer_decoder", "08_decoder_only")
COMPLETE = (
    "book/intro",
    "book/setup",
    "book/data",
    "book/glossary",
    "book/references",
    "book/instructors",
    *(f"notebooks/{name}" for name in _CHAPTERS),
    *(f"exercises/{name}/{name}" for name in _CHAPTERS),
)


def catalog_dir(root: Path = ROOT) -> Path:
    return root / LOCALE / LANGUAGE / "LC_MESSAGES"


def book_config(root: Path) -> dict:
    return yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))


def book_toc(root: Path) -> dict:
    return yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))


def exercise_notebooks(root: Path = ROOT) -> list[Path]:
    """The assignments given to students, ``exercises/NN_name/NN_name.ipynb``."""
    return sorted(p for p in (root / "exercises").glob("*/*.ipynb")
                  if p.stem == p.parent.name)


def chapter_notebooks(root: Path = ROOT) -> list[Path]:
    from attnbook._export import toc_notebooks

    return [p for p in toc_notebooks(root) if p.suffix == ".ipynb"]
