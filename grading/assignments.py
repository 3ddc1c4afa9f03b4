"""Which assignment belongs to which chapter, what its questions are, and generating student versions.

Mapping (one rule, no table to keep up to date): the chapter ``notebooks/NN_name.ipynb`` listed in
``_toc.yml`` has the assignment ``NN_name``: instructor version
``solutions/NN_name/NN_name.ipynb``, student version ``exercises/NN_name/NN_name.ipynb``.

Questions: every graded or solution cell's nbgrader ``grade_id`` starts with its question, ``q<N>_`` (for
example ``q2_visible``, ``q2_hidden_mask``); a question's points are the sum of its cells' points.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from attnbook import _export

ROOT = Path(__file__).resolve().parent.parent
QUESTION = re.compile(r"^(q\d+)_[A-Za-z0-9_]+$")


def toc_chapters(root: Path = ROOT) -> list[str]:
    """Chapter notebooks listed in ``_toc.yml`` (``notebooks/NN_name``, without suffix), in order
    (read by the course's one reader of the table of contents, ``attnbook._export.toc_entries``)."""
    files = _export.toc_entries(root)
    return [f[: -len(".ipynb")] if f.endswith(".ipynb") else f for f in files if f.startswith("notebooks/")]


def assignment_for_chapter(chapter: str) -> str:
    """``notebooks/03_self_attention`` -> ``03_self_attention``."""
    return Path(chapter).name


def assignment_ids(root: Path = ROOT) -> list[str]:
    """Assignments that have an instructor version in ``solutions/``."""
    return sorted(p.name for p in (root / "solutions").iterdir() if (p / f"{p.name}.ipynb").is_file())


def source_notebook(assignment: str, root: Path = ROOT) -> Path:
    return root / "solutions" / assignment / f"{assignment}.ipynb"


def release_notebook(assignment: str, root: Path = ROOT) -> Path:
    return root / "exercises" / assignment / f"{assignment}.ipynb"


def questions(notebook: Path) -> dict[str, dict]:
    """``{question: {"points": max points, "cells": [grade_id, ...]}}`` in notebook order."""
    nb = nbformat.read(notebook, as_version=4)
    out: dict[str, dict] = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("grade_id") or not (meta.get("grade") or meta.get("solution")):
            continue  # locked set-up cells are not part of a question
        match = QUESTION.match(meta["grade_id"])
        if not match:
            raise ValueError(f"{notebook.name}: grade_id {meta['grade_id']!r} does not start with its question (q<N>_)")
        entry = out.setdefault(match.group(1), {"points": 0.0, "cells": []})
        entry["cells"].append(meta["grade_id"])
        if meta.get("grade"):
            entry["points"] += float(meta.get("points", 0))
    return out


def question_of(grade_id: str) -> str | None:
    match = QUESTION.match(grade_id)
    return match.group(1) if match else None


def comparable(notebook: Path) -> list[tuple]:
    """What must agree between a committed student version and a fresh one: cell types, sources and
    nbgrader metadata (checksums included), and the kernelspec. Outputs, ids and timestamps are ignored."""
    nb = nbformat.read(notebook, as_version=4)
    cells = [(c.cell_type, c.source, sorted(c.metadata.get("nbgrader", {}).items()),
              sorted(c.metadata.get("tags", []))) for c in nb.cells]
    return [("kernelspec", nb.metadata.get("kernelspec", {}).get("name"))] + cells
