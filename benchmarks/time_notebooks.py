"""Time every chapter notebook in a fresh kernel, as `make test` runs it (one thread per kernel).

Usage: python benchmarks/time_notebooks.py [--threads N] [notebook ...]

Prints one line per notebook with its wall time against the 90-second budget. The figures are
reported (in issues and release notes), not asserted: timing tests are flaky by nature.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = 90.0


def time_notebook(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--threads", type=int, default=1, help="OMP_NUM_THREADS for the kernels (default 1)")
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(args.threads)
    shared = ROOT.parent / "shared" / "data"
    if "ATTNBOOK_DATA" not in os.environ and shared.is_dir():
        os.environ["ATTNBOOK_DATA"] = str(shared)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    print(f"{'notebook':40s} {'seconds':>8s}  budget {BUDGET_S:.0f} s  "
          f"(OMP_NUM_THREADS={args.threads}, {os.cpu_count()} CPUs)")
    for path in paths:
        seconds = time_notebook(path)
        flag = "ok" if seconds <= BUDGET_S else "OVER"
        print(f"{path.name:40s} {seconds:8.1f}  {flag}", flush=True)


if __name__ == "__main__":
    main()
