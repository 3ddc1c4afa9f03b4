"""The reading path: what a learner sees in each chapter stays readable (issue "The page a learner
reads"). Computed from the committed notebooks; cells tagged ``remove-cell`` or ``remove-input``
are not on the page and do not count."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from attnbook import _export

ROOT = Path(__file__).resolve().parent.parent
HIDDEN = {"remove-cell", "remove-input"}
MAX_CELL_LINES = 50
MAX_LINE_CHARS = 88
MAX_CODE_SHARE = 0.60
MAX_EXPORTED_SHARE = 0.20


def reading_path(path: Path) -> dict:
    """Non-blank line counts of a chapter: markdown, visible code, exported code; the visible cells."""
    nb = nbformat.read(path, as_version=4)
    counts = {"markdown": 0, "code": 0, "exported": 0}
    visible = []
    for index, cell in enumerate(nb.cells):
        lines = [line for line in cell.source.splitlines() if line.strip()]
        if cell.cell_type == "markdown":
            counts["markdown"] += len(lines)
        elif cell.cell_type == "code" and not HIDDEN & set(cell.metadata.get("tags", [])):
            counts["code"] += len(lines)
            if lines and _export.DIRECTIVE.match(lines[0].strip()):
                counts["exported"] += len(lines)
            visible.append((index, cell.source.splitlines()))
    return {**counts, "visible": visible}


CHAPTERS = _export.toc_notebooks(ROOT)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_visible_code_cells_fit_the_page(path):
    for index, lines in reading_path(path)["visible"]:
        non_blank = [line for line in lines if line.strip()]
        assert len(non_blank) <= MAX_CELL_LINES, (
            f"{path.name} cell {index}: {len(non_blank)} visible code lines (at most {MAX_CELL_LINES}); "
            f"move validation or plumbing into the package")
        wide = [(n + 1, len(line)) for n, line in enumerate(lines) if len(line) > MAX_LINE_CHARS]
        assert not wide, (f"{path.name} cell {index}: lines wider than {MAX_LINE_CHARS} characters "
                          f"(line, width): {wide}")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_prose_leads_and_exported_code_is_the_algorithm(path):
    counts = reading_path(path)
    total = counts["markdown"] + counts["code"]
    assert total > 0, f"{path.name} is empty"
    code_share, exported_share = counts["code"] / total, counts["exported"] / total
    assert code_share <= MAX_CODE_SHARE, (
        f"{path.name}: visible code is {code_share:.0%} of the chapter's lines (at most {MAX_CODE_SHARE:.0%})")
    assert exported_share <= MAX_EXPORTED_SHARE, (
        f"{path.name}: exported package code is {exported_share:.0%} of the chapter's lines "
        f"(at most {MAX_EXPORTED_SHARE:.0%})")


def test_reading_path_counts_what_is_seen(tmp_path):
    """The measure itself: hidden cells and blank lines do not count, exported cells do."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title\n\nOne line of prose."),
        nbformat.v4.new_code_cell("#| export rnn\nx = 1\n\ny = 2"),
        nbformat.v4.new_code_cell("glue('x', 1)", metadata={"tags": ["remove-cell"]}),
        nbformat.v4.new_code_cell("print(x)"),
    ]
    path = tmp_path / "chapter.ipynb"
    nbformat.write(nb, path)
    counts = reading_path(path)
    assert (counts["markdown"], counts["code"], counts["exported"]) == (2, 4, 3)
    assert [index for index, _ in counts["visible"]] == [1, 3]
