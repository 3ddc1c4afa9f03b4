"""Shared test set-up: find the offline data mirror when the Makefile has not named it; build the book
once for the whole run (the `book_build` fixture)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

ROOT = Path(__file__).resolve().parent.parent
_SHARED = ROOT.parent / "shared" / "data"

if "ATTNBOOK_DATA" not in os.environ and _SHARED.is_dir():
    os.environ["ATTNBOOK_DATA"] = str(_SHARED)


@pytest.fixture(scope="session")
def book_build(tmp_path_factory) -> Path:
    """A copy of the tracked sources with the book built in it from scratch (`jupyter-book build
    --all`, warnings as errors, a fresh execution cache in _build/.jupyter_cache): the site's tests
    (test_book.py) read its _build/html and the PDF's (test_pdf.py) print it from the same cache;
    the Korean site is built from it too, into _build/html/ko (its outcome in
    _build/korean-build.json).
    Built once per run: under pytest-xdist the first worker to ask builds, the others wait for it."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the folder that the workers of this run share
    work, outcome = shared / "book", shared / "book-build.json"
    with FileLock(str(shared / "book-build.lock")):
        if not outcome.exists():
            outcome.write_text(json.dumps(_build_book(work)), encoding="utf-8")
        result = json.loads(outcome.read_text(encoding="utf-8"))
    assert result["returncode"] == 0, f"book build failed (exit {result['returncode']}):\n{result['log']}"
    (work / "_build" / "korean-build.json").write_text(json.dumps(
        {"returncode": result["korean_returncode"], "log": result["korean_log"]}), encoding="utf-8")
    return work


def _build_book(work: Path) -> dict:
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        if (ROOT / name).is_file():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, work / name)
    if (ROOT / "node_modules").is_dir():  # the widget JavaScript installed by `make widgets-js`
        os.symlink(ROOT / "node_modules", work / "node_modules")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # The notebooks, executed into the book's jupyter-cache several at a time (the build
    # would run them one after the other); one that fails is not cached: the build
    # executes it again and fails with its traceback.
    pre = subprocess.run([sys.executable, "-m", "attnbook._execute", str(work)],
                         capture_output=True, text=True, env=env)
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jupyter_book), "build", str(work), "-W", "-n", "--keep-going", "--all"],
        capture_output=True, text=True, env=env,
    )
    pre_log = (pre.stdout + pre.stderr)[-2000:]
    # The Korean site, as `make book` builds it: from the same cache, warnings as errors
    # (a glued value a translation pastes empty is a warning), executing nothing.
    korean = subprocess.run([sys.executable, "-c", "import sys; from attnbook._i18n.site "
                             "import build_site; sys.exit(build_site(sys.argv[1]))", str(work)],
                            capture_output=True, text=True, env=env)
    return {"returncode": result.returncode,
            "log": pre_log + "\n" + (result.stdout + result.stderr)[-6000:],
            "korean_returncode": korean.returncode,
            "korean_log": (korean.stdout + korean.stderr)[-4000:]}


# The order in which the two workers of `make test` take the files (pytest-xdist's loadfile, run
# with --no-loadscope-reorder so that this order holds): the book build first; the grading
# beside it, whose kernels spend seconds waiting (a cell timeout, a student's sleep, a kernel's
# start) while the build keeps both cores busy; then the rest; the tests that read the built
# book last, so that no worker sits waiting for the build.
FIRST = ("test_book.py", "test_grading.py")
LAST = ("test_layout.py", "test_browser.py", "test_pdf.py")


def pytest_collection_modifyitems(items):
    """Order the files as FIRST, the others (as collected), LAST."""
    def rank(item) -> int:
        name = item.path.name
        if name in FIRST:
            return FIRST.index(name)
        return len(FIRST) + 1 + LAST.index(name) if name in LAST else len(FIRST)

    items.sort(key=rank)
