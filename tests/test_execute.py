"""attnbook._execute: the notebooks it executes into the jupyter-cache are the ones that
the book build then reads from it (none executed twice); a failing one is left to the
build, which executes it again and fails with its traceback."""

import re
import subprocess
import sys
from pathlib import Path

import nbformat
from jupyter_cache import get_cache

from attnbook import _execute

ROOT = Path(__file__).resolve().parent.parent
KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}
CONFIG = """title: tiny
only_build_toc_files: true
execute:
  execute_notebooks: cache
  timeout: {timeout}
  allow_errors: false
sphinx:
  config:
    nb_execution_raise_on_error: true
"""


def _book(root: Path, notebooks: dict[str, str], timeout: int = 60) -> Path:
    """A book: one Markdown page, one notebook per ``name: code`` in chapters/."""
    (root / "chapters").mkdir(parents=True)
    (root / "intro.md").write_text("# Intro\n", encoding="utf-8")
    (root / "_config.yml").write_text(CONFIG.format(timeout=timeout), encoding="utf-8")
    toc = "format: jb-book\nroot: intro\nchapters:\n"
    for name, code in notebooks.items():
        nb = nbformat.v4.new_notebook(metadata={"kernelspec": KERNEL})
        nb.cells = [nbformat.v4.new_markdown_cell(f"# {name}"),
                    nbformat.v4.new_code_cell(code)]
        nbformat.write(nb, root / "chapters" / f"{name}.ipynb")
        toc += f"  - file: chapters/{name}\n"
    (root / "_toc.yml").write_text(toc, encoding="utf-8")
    return root


def _records(root: Path):
    cache = get_cache(str(root / "_build" / ".jupyter_cache"))
    return cache, cache.list_cache_records()


def test_config_is_the_books():
    """This book's settings, read from _config.yml as jupyter-book maps them."""
    config = _execute.book_config(ROOT)
    assert config.execution_mode == "cache"
    assert config.execution_timeout == 300
    assert config.execution_allow_errors is False
    assert config.execution_in_temp is False
    assert Path(config.execution_cache_path) == ROOT / "_build" / ".jupyter_cache"


def test_longest_first():
    """Never-timed notebooks first (largest first), then by last execution time."""
    paths = [Path(f"/b/{n}.ipynb") for n in "abcd"]
    seconds = {"/b/a.ipynb": 5.0, "/b/b.ipynb": 50.0}
    sizes = {Path("/b/c.ipynb"): 10, Path("/b/d.ipynb"): 20}
    order = _execute.longest_first(paths, seconds, size=sizes.get)
    assert [p.stem for p in order] == ["d", "c", "b", "a"]


def test_timeout_comes_from_config(tmp_path, capsys):
    """A cell slower than _config.yml's timeout fails: the book's timeout is used."""
    root = _book(tmp_path / "book", {"slow": "import time\ntime.sleep(60)"}, timeout=2)
    status = _execute.execute_book(root, jobs=1)
    assert status == {"chapters/slow.ipynb": "failed"}
    assert "chapters/slow.ipynb:" in capsys.readouterr().out
    assert _records(root)[1] == []


def test_build_reads_the_cache_and_reruns_a_failure(tmp_path):
    """After the pre-execution, `jupyter-book build` takes the notebook that succeeded
    from the cache (same hash, no new execution, no new record) and executes the failed
    one again, failing with its traceback (read after the good one: the failure stops
    the build). The notebook ran in its own folder."""
    root = _book(tmp_path / "book", {
        "a_good": "import os\nprint('cwd', os.path.basename(os.getcwd()))",
        "b_bad": "raise ValueError('boom from the notebook')",
    })
    pre = subprocess.run(
        [sys.executable, "-m", "attnbook._execute", str(root), "--jobs", "2"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert pre.returncode == 1, pre.stdout + pre.stderr
    assert "chapters/a_good.ipynb:" in pre.stdout and " s ok" in pre.stdout
    assert "ValueError: boom from the notebook" in pre.stdout
    cache, records = _records(root)
    (record,) = records
    assert record.uri == str(root / "chapters" / "a_good.ipynb")
    (cell,) = cache.get_cache_bundle(record.pk).nb.cells  # the cache keeps code cells
    assert cell.outputs[0]["text"] == "cwd chapters\n"
    before = [(r.pk, r.hashkey, r.created, r.data) for r in records]

    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    build = subprocess.run([str(jupyter_book), "build", str(root), "--keep-going"],
                           capture_output=True, text=True)
    log = re.sub(r"\x1b\[[0-9;]*m", "", build.stdout + build.stderr)  # no colours
    assert build.returncode != 0, log
    assert f"a_good.ipynb: Using cached notebook: ID={record.pk}" in log
    assert log.count("Executing notebook using") == 1, log  # b_bad.ipynb only
    assert "ValueError: boom from the notebook" in log
    after = [(r.pk, r.hashkey, r.created, r.data) for r in _records(root)[1]]
    assert after == before
