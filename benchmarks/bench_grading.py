"""Grading speed: one correct submission, and a class of 30, with the instructor's command.

    python benchmarks/bench_grading.py [--assignment 05_transformer_encoder] [--students 30] [--jobs N]

Runs ``python -m grading grade`` (sandboxed when bubblewrap works, feedback pages included) in
fresh work folders under a temporary directory and prints wall-clock times, with the machine's
load average (other work on the machine slows every kernel). Goals (issues 4 and 12): one correct
submission <= 10 s, a batch of 30 <= 5 min on 2 cores, with every grading safeguard on (the test
guard before each test cell, flags, restored cells). Figures are reported, not asserted.

The batch is a realistic mix: about two thirds correct solutions, the rest the classic mistakes of
tests/fixtures/grading/<assignment>/ and untouched (blank) notebooks.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grading import fixtures  # noqa: E402
from grading.sandbox import probe_bwrap  # noqa: E402


def run_grade(assignment: str, submissions: Path, base: Path, jobs: int, *extra: str) -> float:
    cmd = [sys.executable, "-m", "grading", "grade", assignment, str(submissions), "--work-dir", str(base / "work"),
           "--grades-dir", str(base / "grades"), "--jobs", str(jobs), "--quiet", *extra]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"grading failed:\n{result.stdout}\n{result.stderr}")
    return seconds


def class_of(assignment: str, students: int, folder: Path) -> None:
    mistakes = fixtures.fixtures(assignment)
    for i in range(students):
        if i % 3 != 2:
            nb = fixtures.make_submission(assignment)
        elif (i // 3) % 4 == 3:
            nb = fixtures.make_submission(assignment, blank=True)
        else:
            nb = fixtures.make_submission(assignment, mistakes[(i // 3) % len(mistakes)].cells)
        fixtures.write(nb, folder / f"student{i:02d}.ipynb")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="05_transformer_encoder")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    probe = probe_bwrap()
    sandbox = "bubblewrap" if probe.available else f"NONE ({probe.reason})"
    print(f"machine: {os.cpu_count()} CPUs; sandbox: {sandbox}")
    print(f"assignment: {args.assignment}; jobs: {args.jobs}; load average before: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        tmp = Path(tmp)
        one = tmp / "one"
        fixtures.write(fixtures.make_submission(args.assignment), one / "alice.ipynb")
        cold = run_grade(args.assignment, one, tmp / "run1", args.jobs)
        warm = run_grade(args.assignment, one, tmp / "run1", args.jobs)
        many = tmp / "class"
        class_of(args.assignment, args.students, many)
        batch = run_grade(args.assignment, many, tmp / "run2", args.jobs)
        again = run_grade(args.assignment, many, tmp / "run2", args.jobs, "--student", "student00")
    print(f"{'what':58s} {'seconds':>8s}  goal")
    print(f"{'one correct submission, new gradebook (first run)':58s} {cold:8.1f}  <= 10")
    print(f"{'one correct submission, gradebook already set up':58s} {warm:8.1f}  <= 10")
    print(f"{f'a class of {args.students} (feedback pages included)':58s} {batch:8.1f}  <= 300")
    print(f"{'   per student':58s} {batch / args.students:8.2f}")
    print(f"{'re-grade one student of that class':58s} {again:8.1f}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
