"""The Korean notebooks: ``ko/notebooks`` and ``ko/exercises``, the English notebooks with each
markdown paragraph, heading, list item, caption or table cell replaced by its translation."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from attnbook._i18n.catalogs import Catalog, catalogs
from attnbook._i18n.settings import KO, ROOT, chapter_notebooks, exercise_notebooks

_PREFIX = r"(?P<prefix>^[ \t]*(?:>[ \t]*)*(?:(?:[-*+]|\d+[.)])[ \t]+|#{1,6}[ \t]+|:alt:[ \t]*)?)"


def _pattern(msgid: str) -> re.Pattern:
    words = [re.escape(w) for w in msgid.split()]
    return re.compile(_PREFIX + r"\s+".join(words) + r"[ \t]*$",
                      re.MULTILINE)


def translate_markdown(source: str, translated: dict[str, str], notebook: str = "") -> tuple[str, int]:
    """``source`` with every message of ``translated`` that fills whole lines of it (a
    paragraph, a heading, a list item, a caption, an ``:alt:``) replaced by its
    translation; return it and the number replaced. A glue reference to this notebook
    (``notebook::key``, as the translated site needs it) is written back as ``key`` (and
    ``notebook::key:s`` as ``key``)."""
    count = 0
    for msgid in sorted(translated, key=len, reverse=True):
        pattern = _pattern(msgid)
        if not pattern.search(source):
            continue
        msgstr = translated[msgid]
        if notebook:
            msgstr = re.sub(rf"`{re.escape(notebook)}::([^`:]+):s`", r"`\1`", msgstr)
            msgstr = msgstr.replace(f"`{notebook}::", "`")
        source, n = pattern.subn(lambda m, msgstr=msgstr: m.group("prefix") + msgstr, source)
        count += n
    return source, count


def _table_cells(line: str) -> list[str] | None:
    """The cells of a Markdown table row (``| a | b |``), split at the ``|`` that are not
    inside inline code or math; None for a line that is not a table row."""
    if not re.match(r"^[ \t]*\|.*\|[ \t]*$", line):
        return None
    cells, current, quote = [], "", None
    for char in line.strip()[1:-1]:
        if char in "`$":
            quote = None if quote == char else (quote or char)
        if char == "|" and quote is None:
            cells.append(current)
            current = ""
        else:
            current += char
    return cells + [current]


def translate_table_cells(source: str, translated: dict[str, str], notebook: str = "") -> tuple[str, int]:
    """``source`` with every Markdown table cell whose text is a translated message replaced
    by its translation (the site translates table cells one by one, so the catalogs hold
    them so); return it and the number replaced."""
    count, lines = 0, []
    for line in source.split("\n"):
        cells = _table_cells(line)
        if cells is None or all(set(c.strip()) <= set("-: ") for c in cells):
            lines.append(line)
            continue
        new = []
        for cell in cells:
            text = " ".join(cell.split())
            msgstr = translated.get(text)
            if msgstr and msgstr != text:
                if notebook:
                    msgstr = msgstr.replace(f"`{notebook}::", "`")
                cell, count = f" {msgstr} ", count + 1
            new.append(cell)
        indent = line[: len(line) - len(line.lstrip())]
        lines.append(indent + "|" + "|".join(new) + "|")
    return "\n".join(lines), count


def korean_notebook(path: Path, catalog: Catalog | None, notebook: str) -> tuple[nbformat.NotebookNode, int]:
    """The Korean version of the notebook at ``path``: markdown cells translated by
    ``catalog`` (untranslated and fuzzy messages stay English; a markdown cell locked by
    nbgrader stays as it is: its checksum covers its text), code cells untouched."""
    nb = nbformat.read(path, as_version=4)
    translated = catalog.translated if catalog else {}
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        if cell.get("metadata", {}).get("nbgrader", {}).get("locked"):
            continue
        cell.source, n = translate_markdown(cell.source, translated, notebook)
        cell.source, m = translate_table_cells(cell.source, translated, notebook)
        count += n + m
    nb.metadata["language_info"] = nb.metadata.get("language_info", {})
    nb.metadata["attnbook"] = {"language": "ko"}  # the grader answers a Korean hand-in in Korean
    return nb, count


def korean_notebook_pairs(root: Path = ROOT) -> list[tuple[Path, Path, str]]:
    """(English notebook, Korean notebook, page) for every chapter and assignment."""
    pairs = []
    for path in chapter_notebooks(root) + exercise_notebooks(root):
        rel = path.relative_to(root)
        pairs.append((path, root / KO / rel, rel.with_suffix("").as_posix()))
    return pairs


def korean_notebook_text(english: Path, page: str, cats: dict[str, Catalog]) -> str:
    nb, _ = korean_notebook(english, cats.get(page), english.name)
    return nbformat.writes(nb) + "\n"


def write_notebooks(root: Path = ROOT, log=print) -> list[Path]:
    """Write ``ko/notebooks`` and ``ko/exercises`` from the catalogs."""
    root = Path(root).resolve()
    cats = catalogs(root)
    written = []
    for english, korean, page in korean_notebook_pairs(root):
        text = korean_notebook_text(english, page, cats)
        korean.parent.mkdir(parents=True, exist_ok=True)
        if not korean.exists() or korean.read_text(encoding="utf-8") != text:
            korean.write_text(text, encoding="utf-8")
            log(f"{korean.relative_to(root)}: written")
        written.append(korean)
    return written
