"""Repository rules: generated modules match the notebooks, notebooks carry no outputs,
the table of contents and the pins are consistent, later chapters import rather than redefine."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import nbformat
import pytest
import yaml

from attnbook import _export

ROOT = Path(__file__).resolve().parent.parent


def tracked_notebooks() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True, text=True, check=True)
    files = [ROOT / line for line in out.stdout.split()]
    # Untracked notebooks in the chapter folders count too (a test run before `git add`).
    for folder in ("notebooks", "exercises", "solutions"):
        files += [p for p in (ROOT / folder).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
    return sorted(set(files))


def test_generated_modules_match_notebooks():
    expected = _export.render_modules()
    assert expected, "no notebook exports anything"
    for module, text in expected.items():
        path = ROOT / "attnbook" / f"{module}.py"
        assert path.exists(), f"{path} is missing: run `make export`"
        assert path.read_text(encoding="utf-8") == text, f"{path} differs from the notebooks: run `make export`"
    for path in _export.generated_files():
        assert path.stem in expected, f"{path} is generated but no notebook exports into it any more"


def test_export_check_command_agrees():
    result = subprocess.run(["python", "-m", "attnbook._export", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_exporter_rejects_malformed_directive(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("#| export\nx = 1"))
    path = tmp_path / "bad.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(ValueError, match="expected '#\\| export <module>'"):
        _export.exported_cells(path)


@pytest.mark.parametrize("path", tracked_notebooks(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.outputs, f"cell {index} of {path.name} has outputs: clear them before committing"
            assert cell.execution_count is None, f"cell {index} of {path.name} has an execution count"


def toc_files() -> list[str]:
    return _export.toc_entries(ROOT)


WEB_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?((?:https?:)?//[^)\s>]+)"  # ![alt](https://...)
                       r"|<img[^>]*\ssrc=[\"']((?:https?:)?//[^\"']+)")  # <img src="https://...">


@pytest.mark.parametrize("path", tracked_notebooks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_markdown_shows_no_image_from_the_web(path):
    """A picture in a notebook's text is the book's own (the Colab badge is
    book/_static/colab-badge.svg): one from the web is a broken image offline and in the PDF."""
    nb = nbformat.read(path, as_version=4)
    found = [m.group(1) or m.group(2) for cell in nb.cells if cell.cell_type == "markdown"
             for m in WEB_IMAGE.finditer(cell.source)]
    assert not found, f"{path.relative_to(ROOT)}: images from the web: {found}"


def test_toc_and_notebooks_agree():
    listed = {f for f in toc_files() if f.startswith("notebooks/")}
    present = {p.relative_to(ROOT).with_suffix("").as_posix() for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert listed == present, f"only in _toc.yml: {sorted(listed - present)}; only on disk: {sorted(present - listed)}"
    for name in toc_files():
        assert (ROOT / f"{name}.md").exists() or (ROOT / f"{name}.ipynb").exists(), name


CHAPTERS = [ROOT / f"{name}.ipynb" for name in toc_files() if name.startswith("notebooks/")]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_starts_with_colab_install_cell(path):
    nb = nbformat.read(path, as_version=4)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert "import attnbook" in first_code.source and "pip install" in first_code.source
    assert "remove-cell" in first_code.metadata.get("tags", [])
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


def defined_names(source: str) -> set[str]:
    """Top-level functions and classes a cell defines (IPython magics become ``pass`` first)."""
    cleaned = "\n".join(
        line[: len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!")) else line
        for line in source.splitlines()
    )
    tree = ast.parse(cleaned)
    return {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def test_later_chapters_import_rather_than_redefine():
    exported_so_far: dict[str, str] = {}
    for path in CHAPTERS:
        nb = nbformat.read(path, as_version=4)
        mine: dict[str, str] = {}
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            names = defined_names(cell.source)
            clash = {n: exported_so_far[n] for n in names if n in exported_so_far}
            assert not clash, f"{path.name} redefines {clash} (name: chapter that exported it); import it instead"
            if _export.DIRECTIVE.match(cell.source.partition("\n")[0].strip()):
                mine.update(dict.fromkeys(names, path.name))
        exported_so_far.update(mine)


def test_requirements_are_pinned_and_torch_is_2_13():
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    pins = [line for line in lines if line and not line.startswith("#")]
    unpinned = [pin for pin in pins if not re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[A-Za-z0-9_.+\-]+", pin)]
    assert not unpinned, f"unpinned requirements: {unpinned}"
    assert "torch==2.13.0" in pins
    assert not any("+cu" in pin for pin in pins), "a CUDA build of torch must never be pinned"


def test_environment_yml_uses_the_same_pins():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-r requirements.txt" in pip_section
    assert any(item.startswith("--extra-index-url") and "whl/cpu" in item for item in pip_section)
