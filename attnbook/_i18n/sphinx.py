"""Running Sphinx the way jupyter-book does (its own ``build_sphinx``), its output sent to a log."""

from __future__ import annotations

import contextlib
from pathlib import Path


@contextlib.contextmanager
def quiet_output(log_path: Path | None):
    """Send Sphinx's status and warnings (it writes to sys.stdout / sys.stderr) to a file."""
    if log_path is None:
        yield
        return
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w", encoding="utf-8") as log, \
            contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        yield


def run_sphinx(root: Path, outdir: Path, builder: str, overrides: dict, doctrees: Path,
           log_path: Path | None = None, warnings_are_errors: bool = False,
           fresh: bool = False) -> int:
    from jupyter_book.sphinx import build_sphinx

    with quiet_output(log_path):
        result = build_sphinx(
            root, outdir, path_config=str(root / "_config.yml"), noconfig=True,
            confoverrides={"latex_individualpages": False, **overrides},
            doctreedir=doctrees, builder=builder, freshenv=fresh,
            warningiserror=warnings_are_errors, keep_going=True,
        )
    if isinstance(result, Exception):
        raise result
    return int(result)
