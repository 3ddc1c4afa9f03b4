"""Execute the book's notebooks in parallel into its jupyter-cache, before the build.

``jupyter-book build`` (myst-nb, ``execute_notebooks: cache``) executes the notebooks
that miss the cache one after the other. This runs them ``--jobs`` at a time, longest
first, and stores each one that succeeds exactly as myst-nb would (same cache folder,
same hash, same kernel, working directory, timeout and ``allow_errors``), so that the
build that follows finds every notebook in the cache and executes none of them.
Each kernel starts with one line of its own that binds no name and is not in its history:
it skips a slow optional import of jsonschema's (:mod:`attnbook._fast_imports`).

Usage::

    python -m attnbook._execute [BOOK_ROOT] [--jobs N]

A notebook that fails is not cached: the book build executes it again and fails with
its traceback. Only the ``.ipynb`` pages of ``_toc.yml`` are handled (text notebooks are
left to the build), and only in ``cache`` execution mode (otherwise: nothing to do).
Exit status: 0 when every notebook is in the cache, 1 when one failed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import nullcontext
from pathlib import Path, PurePosixPath

from attnbook._fast_imports import kernel_arguments, skip_iri_parser

skip_iri_parser()  # before nbformat imports jsonschema (see attnbook/_fast_imports.py)

import nbformat  # noqa: E402

from attnbook._export import toc_notebooks  # noqa: E402


def book_config(root: Path):
    """Return the myst-nb configuration (``NbParserConfig``) that ``jupyter-book build``
    gives this book: ``_config.yml`` through jupyter-book's own mapping, myst-nb's
    defaults for the rest, the cache folder resolved as myst-nb resolves it."""
    from jupyter_book.config import get_final_config
    from myst_nb.core.config import NbParserConfig

    sphinx_config, _ = get_final_config(
        user_yaml=root / "_config.yml",
        cli_config={"latex_individualpages": False},
        sourcedir=root,
        validate=False,
    )
    values = {
        name: sphinx_config[f"nb_{name}"]
        for name, _, field in NbParserConfig().as_triple()
        if not field.metadata.get("sphinx_exclude") and f"nb_{name}" in sphinx_config
    }
    config = NbParserConfig(**values)
    # myst_nb.sphinx_ext.create_mystnb_config: empty means <outdir>/../.jupyter_cache,
    # where jupyter-book's outdir is <book>/_build/<builder>.
    cache_path = config.execution_cache_path or root / "_build" / ".jupyter_cache"
    return config.copy(execution_cache_path=str(Path(cache_path).resolve()))


def read_notebook(path: Path, config):
    """Return the notebook as myst-nb's parser hands it to the cache (the kernel name
    aliased by ``nb_kernel_rgx_aliases``: the kernelspec is part of the cache's hash),
    and its configuration after the notebook's own ``mystnb`` metadata."""
    notebook = nbformat.read(path, as_version=4)
    kernel_name = notebook.metadata.get("kernelspec", {}).get("name", None)
    if kernel_name is not None and config.kernel_rgx_aliases:
        for rgx, alias in config.kernel_rgx_aliases.items():
            if re.fullmatch(rgx, kernel_name):
                notebook.metadata["kernelspec"]["name"] = alias
                break
    if config.metadata_key in notebook.metadata:
        from myst_nb.core.nb_to_tokens import nb_node_to_dict

        overrides = nb_node_to_dict(notebook.metadata[config.metadata_key])
        overrides.pop("output_folder", None)
        config = config.copy(**overrides)
    return notebook, config


def excluded(path: Path, config) -> bool:
    """Whether myst-nb skips the notebook (``execute.exclude_patterns``)."""
    posix = PurePosixPath(path.as_posix())
    return any(posix.match(pattern) for pattern in config.execution_excludepatterns)


def previous_seconds(cache) -> dict[str, float]:
    """Return the last recorded execution time of every notebook the cache holds, by
    path (the record of an earlier version of a changed notebook counts)."""
    seconds = {}
    for record in sorted(cache.list_cache_records(), key=lambda r: r.created):
        if (record.data or {}).get("execution_seconds") is not None:
            seconds[record.uri] = float(record.data["execution_seconds"])
    return seconds


def code_size(path: Path) -> int:
    """The characters of the notebook's code cells (the guess for one never timed)."""
    notebook = nbformat.read(path, as_version=4)
    return sum(len(c.source) for c in notebook.cells if c.cell_type == "code")


def longest_first(
    paths: list[Path], seconds: dict[str, float], size=code_size
) -> list[Path]:
    """Order for the pool: notebooks never timed first (largest ``size`` first: they may
    be long), then the others by their last execution time, longest first."""

    def key(path: Path):
        known = seconds.get(str(path))
        return (0, -size(path)) if known is None else (1, -known)

    return sorted(paths, key=key)


def _execute_one(notebook, path: str, timeout: int, allow_errors: bool, in_temp: bool):
    """Execute one notebook as ``myst_nb.core.execute.cache`` does; return the executed
    notebook (``None`` when a cell failed), the seconds, and a one-line error."""
    from jupyter_cache.executors.utils import single_nb_execution

    folder = str(Path(path).parent)
    cwd_context = tempfile.TemporaryDirectory() if in_temp else nullcontext(folder)
    with cwd_context as cwd:
        result = single_nb_execution(
            notebook,
            cwd=os.path.abspath(cwd),
            allow_errors=allow_errors,
            timeout=timeout,
            meta_override=True,
            extra_arguments=kernel_arguments(),  # the kernel skips a slow optional import
        )
    err = result.err
    if err is not None:
        if getattr(err, "ename", None):  # CellExecutionError: the cell's exception
            line = f"{err.ename}: {err.evalue}"
        else:  # CellTimeoutError
            line = f"{type(err).__name__}: {(str(err).strip() or '?').splitlines()[0]}"
        return None, result.time, line[:300]
    return result.nb, result.time, None


def _pool_context():
    """Fork on Linux: the workers start at once with the modules imported here (a
    spawned worker spends seconds importing nbclient and jupyter-cache again). They
    touch no database: only this process writes to the cache."""
    from jupyter_cache.executors import utils  # noqa: F401  (imported before the fork)

    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def default_jobs() -> int:
    """The number of CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def execute_book(root: Path, jobs: int | None = None, log=print) -> dict[str, str]:
    """Execute every ``.ipynb`` page of ``root/_toc.yml`` that misses the cache,
    ``jobs`` at a time; cache the ones that succeed. Return ``{page: "cached" | "ok" |
    "failed" | "skipped"}`` (pages relative to ``root``)."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    root = Path(root).resolve()
    config = book_config(root)
    status: dict[str, str] = {}
    if config.execution_mode != "cache":
        log(f"execute_notebooks: {config.execution_mode}, not cache: nothing to do")
        return status
    cache = get_cache(config.execution_cache_path)
    todo = {}
    for path in toc_notebooks(root):
        name = path.relative_to(root).as_posix()
        try:
            notebook, nb_config = read_notebook(path, config)
        except Exception as exc:  # unreadable: the book build reports it
            status[name] = "failed"
            log(f"{name}: failed to read ({type(exc).__name__}: {exc})"[:300])
            continue
        if nb_config.execution_mode != "cache" or excluded(path, nb_config):
            status[name] = "skipped"
            log(f"{name}: skipped (not executed in cache mode)")
        elif (record := _match(cache, notebook)) is not None:
            status[name] = "cached"
            log(f"{name}: cached (ID={record.pk})")
        else:
            todo[path] = (notebook, nb_config)
    order = longest_first(list(todo), previous_seconds(cache))
    jobs = max(1, min(jobs or default_jobs(), len(order) or 1))
    log(f"jupyter-cache {config.execution_cache_path}: executing {len(order)} "
        f"notebook(s), {jobs} at a time")
    cache.db.dispose()  # no open database connection across the fork
    start, serial = time.perf_counter(), 0.0
    context = _pool_context()
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = {}
        for path in order:
            notebook, nb_config = todo[path]
            futures[pool.submit(
                _execute_one, notebook, str(path), nb_config.execution_timeout,
                nb_config.execution_allow_errors, nb_config.execution_in_temp,
            )] = path
        for future in as_completed(futures):
            path = futures[future]
            name = path.relative_to(root).as_posix()
            try:
                executed, seconds, error = future.result()
            except Exception as exc:  # the worker itself broke: leave it to the build
                executed, seconds, error = None, 0.0, f"{type(exc).__name__}: {exc}"
            serial += seconds
            if executed is None:
                status[name] = "failed"
                log(f"{name}: {seconds:.1f} s failed ({error}); not cached, the book "
                    "build executes it again")
                continue
            try:  # as myst_nb.core.execute.cache stores it
                cache.cache_notebook_bundle(
                    CacheBundleIn(executed, str(path.absolute()),
                                  data={"execution_seconds": seconds}),
                    check_validity=False,
                    overwrite=True,
                )
            except Exception as exc:
                status[name] = "failed"
                log(f"{name}: {seconds:.1f} s ok, not cached ({type(exc).__name__}: "
                    f"{exc})"[:300])
                continue
            status[name] = "ok"
            log(f"{name}: {seconds:.1f} s ok")
    if order:
        wall = time.perf_counter() - start
        log(f"executed {len(order)} notebook(s) in {wall:.1f} s wall "
            f"(the sum of their times: {serial:.1f} s)")
    return status


def _match(cache, notebook):
    """The cache record that myst-nb's ``cache`` mode would use, or ``None``."""
    try:
        return cache.match_cache_notebook(notebook)
    except KeyError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=".", type=Path,
                        help="the book's folder, with _config.yml and _toc.yml")
    parser.add_argument("--jobs", "-j", type=int, default=None,
                        help="notebooks executed at a time (default: the CPUs)")
    args = parser.parse_args(argv)
    # One thread per kernel: several kernels share the CPUs, and threads that spin-wait for
    # a descheduled sibling make a chapter many times slower (the chapters' budgets are
    # measured on one thread). An explicit setting in the environment wins.
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    status = execute_book(args.root, args.jobs,
                          log=lambda line: print(line, flush=True))
    return 1 if "failed" in status.values() else 0


if __name__ == "__main__":
    sys.exit(main())
