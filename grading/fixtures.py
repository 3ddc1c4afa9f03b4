"""Build submissions for tests and benchmarks: the solution, the untouched student version, or the
student version with some answers replaced (the fixtures in ``tests/fixtures/grading/``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import assignments

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "grading"
CELL = re.compile(r"^# %% (\S+)\s*$")
MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


@dataclass
class Fixture:
    name: str
    description: str
    question: str | None            # the question the mistake is about: it must lose points
    also: list[str] = field(default_factory=list)  # questions that build on it: may lose points too
    cells: dict[str, str] = field(default_factory=dict)  # grade_id -> replacement source


def read_fixture(path: Path) -> Fixture:
    header: dict[str, str] = {}
    cells: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        match = CELL.match(line)
        if match:
            current = cells.setdefault(match.group(1), [])
        elif current is not None:
            current.append(line)
        elif line.startswith("# ") and ":" in line:
            key, _, value = line[2:].partition(":")
            header[key.strip()] = value.strip()
    if not cells:
        raise ValueError(f"{path}: no '# %% <grade_id>' cell")
    return Fixture(
        name=path.stem,
        description=next((header[k] for k in ("mistake", "nasty", "honest", "trick") if header.get(k)), ""),
        question=header.get("question"),
        also=header.get("also", "").split(),
        cells={gid: "\n".join(lines).strip("\n") for gid, lines in cells.items()},
    )


def fixtures(folder: str) -> list[Fixture]:
    return [read_fixture(p) for p in sorted((FIXTURES / folder).glob("*.py"))]


def solution_sources(assignment: str, root: Path = ROOT) -> dict[str, str]:
    """grade_id -> the instructor's answer, as a learner would type it (no solution markers)."""
    nb = nbformat.read(assignments.source_notebook(assignment, root), as_version=4)
    out = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            out[meta["grade_id"]] = "\n".join(line for line in cell.source.splitlines() if not MARKER.match(line))
    return out


def make_submission(assignment: str, replacements: dict[str, str] | None = None, *, blank: bool = False,
                    root: Path = ROOT, language: str = "en"):
    """The student version with every answer filled in (the solution), except ``replacements``;
    ``blank=True``: the untouched student version. ``language="ko"``: the Korean edition's
    student version (``ko/exercises/...``), the same cells in Korean prose."""
    if language not in ("en", "ko"):
        raise ValueError(f"language must be 'en' or 'ko', got {language!r}")
    release = assignments.release_notebook(assignment, root)
    if language == "ko":
        release = root / "ko" / release.relative_to(root)
    nb = nbformat.read(release, as_version=4)
    if blank:
        return nb
    solutions = solution_sources(assignment, root)
    unknown = set(replacements or {}) - set(solutions)
    if unknown:
        raise KeyError(f"{assignment} has no solution cell {sorted(unknown)}")
    answers = {**solutions, **(replacements or {})}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers and cell.metadata["nbgrader"].get("solution"):
            cell.source = answers[grade_id]
    return nb


def write(nb, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path
