"""Shared test set-up: find the offline data mirror when the Makefile has not named it; build the book
once for the whole run (the `book_build` fixture), started as the run starts when it runs the book's
tests (`pytest_configure`), so that the build uses the CPU while the workers collect.

Run as a script (``python tests/conftest.py BASETEMP``) it builds the book of the run whose shared
temporary folder is BASETEMP, unless a build of that run already did."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
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
    (test_book.py) read its _build/html and the PDF's (test_pdf.py) print it from the same cache.
    Built once per run: by the build that `pytest_configure` started, or else by the first worker
    to ask; the others wait for it."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the folder that the workers of this run share
    result = build_once(shared)
    assert result["returncode"] == 0, f"book build failed (exit {result['returncode']}):\n{result['log']}"
    return shared / "book"


def build_once(shared: Path, started: Path | None = None) -> dict:
    """Build the book into ``shared/book`` unless this run's build already did; return its outcome.
    The run's processes take turns through a lock file; ``started`` is created once the lock is held."""
    outcome = shared / "book-build.json"
    with FileLock(str(shared / "book-build.lock")):
        if started is not None:
            started.touch()
        if not outcome.exists():
            outcome.write_text(json.dumps(_build_book(shared / "book")), encoding="utf-8")
        return json.loads(outcome.read_text(encoding="utf-8"))


BOOK_TESTS = {"test_book.py", "test_pdf.py", "test_browser.py"}


def _runs_the_book_tests(config) -> bool:
    """Whether the command line names the book's tests (or a folder that holds them) and does not
    select among them (-k, -m, --lf: the book may not be needed)."""
    if config.option.keyword or config.option.markexpr or getattr(config.option, "lf", False):
        return False
    for arg in config.args:
        path = (config.invocation_params.dir / arg.split("::")[0]).resolve()
        if path in (ROOT, ROOT / "tests") or path.name in BOOK_TESTS:
            return True
    return False


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    """Start the book build in the background when the run includes the book's tests: under
    pytest-xdist the workers spend their first tens of seconds collecting, mostly waiting for
    the disk, and the build's notebooks use that time. The `book_build` fixture then waits for
    this build (through the lock) instead of starting one. Not in the workers, not for
    --collect-only; a build still running when the run ends is stopped."""
    if hasattr(config, "workerinput") or config.option.collectonly or not _runs_the_book_tests(config):
        return
    shared = config._tmp_path_factory.getbasetemp()
    started = shared / "book-build.started"
    process = subprocess.Popen([sys.executable, __file__, str(shared)], start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not started.exists() and process.poll() is None:  # it holds the lock before any worker asks
        time.sleep(0.05)
    config.stash[_BUILD] = process


def pytest_unconfigure(config):
    process = config.stash.get(_BUILD, None)
    if process is not None and process.poll() is None:  # the run did not need it, or was interrupted
        os.killpg(process.pid, signal.SIGKILL)  # the notebook runners catch SIGTERM
        process.wait(timeout=60)


_BUILD = pytest.StashKey[subprocess.Popen]()


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
    return {"returncode": result.returncode,
            "log": pre_log + "\n" + (result.stdout + result.stderr)[-6000:]}


def pytest_collection_modifyitems(items):
    """The PDF's tests go last (the others keep their order): they print the book that the site's
    tests build, so under pytest-xdist their worker does not sit idle waiting for that build."""
    items.sort(key=lambda item: item.path.name == "test_pdf.py")


if __name__ == "__main__":
    folder = Path(sys.argv[1])
    build_once(folder, started=folder / "book-build.started")
