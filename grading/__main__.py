"""Command line: ``python -m grading {grade,generate,sandbox} ...`` (``python -m grading -h``)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grading", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    g = sub.add_parser("grade", help="autograde a folder of submissions (one notebook per student id)")
    g.add_argument("assignment", help="e.g. 03_self_attention (a folder of solutions/)")
    g.add_argument("submissions", type=Path, help="folder of <student>.ipynb files or <student>/ folders")
    g.add_argument("--student", action="append", metavar="ID",
                   help="re-grade only this student (repeatable); others keep their stored results")
    g.add_argument("--changed", action="store_true",
                   help="grade only submissions never graded or changed since (resume an interrupted run)")
    d = Settings()
    g.add_argument("--jobs", "-j", type=int, default=d.jobs, help=f"students graded at once (default {d.jobs})")
    g.add_argument("--cell-timeout", type=int, default=d.cell_timeout, help="seconds per cell (default %(default)s)")
    g.add_argument("--notebook-timeout", type=int, default=d.notebook_timeout,
                   help="seconds per notebook (default %(default)s)")
    g.add_argument("--work-dir", type=Path, default=d.work_dir,
                   help="gradebook and nbgrader folders (default $ATTNBOOK_GRADING_DIR or %(default)s)")
    g.add_argument("--grades-dir", type=Path, default=None, help="where the CSV and feedback go (default grades/)")
    g.add_argument("--sandbox", choices=["auto", "require", "off"], default=d.sandbox,
                   help="auto: bubblewrap when it works, else say so and run unsandboxed (default)")
    g.add_argument("--memory-limit-gb", type=float, default=d.memory_limit / 2**30,
                   help="address-space limit of each student's kernel, in GiB (default %(default)s per kernel; "
                        "0: none)")
    g.add_argument("--no-feedback", action="store_true", help="skip the feedback HTML")
    g.add_argument("--quiet", "-q", action="store_true")

    gen = sub.add_parser("generate", help="regenerate exercises/ from solutions/ (nbgrader generate_assignment)")
    gen.add_argument("assignments", nargs="*", help="default: all")
    gen.add_argument("--check", action="store_true", help="only report out-of-date exercises (exit 1)")

    sub.add_parser("sandbox", help="is a bubblewrap sandbox available here?")
    sub.add_parser("translations", help="merge the grader's messages into grading/locale/ko/LC_MESSAGES/grading.po")

    args = parser.parse_args(argv)
    if args.command == "sandbox":  # standard library only: works before the virtual environment exists
        from .sandbox import probe_bwrap

        probe = probe_bwrap()
        print("sandbox: bubblewrap works here" if probe.available else f"NO SANDBOX: {probe.reason}")
        return 0 if probe.available else 1

    if args.command == "translations":  # GNU gettext, no nbgrader needed
        from .messages import update_catalog

        print(update_catalog())
        return 0

    try:
        from .grade import GradingError, grade
    except ImportError as error:  # nbgrader, torch, ... live in the course's environment
        print(f"error: {error}. Run the command with the course's environment: `make grade ...`, or "
              "`.venv/bin/python -m grading ...` in the course folder (see book/instructors.md)", file=sys.stderr)
        return 2

    try:
        if args.command == "grade":
            settings = Settings(work_dir=args.work_dir, grades_dir=args.grades_dir, cell_timeout=args.cell_timeout,
                                notebook_timeout=args.notebook_timeout, jobs=args.jobs, sandbox=args.sandbox,
                                memory_limit=int(args.memory_limit_gb * 2**30), feedback=not args.no_feedback,
                                quiet=args.quiet)
            students = args.student if args.student else ([] if args.changed else None)
            path = grade(args.assignment, args.submissions, students, settings)
            print(path)
        elif args.command == "generate":
            from . import assignments
            from .generate import generate, stale_exercises

            names = args.assignments or assignments.assignment_ids()
            if args.check:
                stale = stale_exercises(names=names)
                for name in stale:
                    print(f"out of date: exercises/{name} (run `python -m grading generate {name}`)", file=sys.stderr)
                return 1 if stale else 0
            for name in names:
                print(generate(name, Path(Settings().course_root) / "exercises"))
    except GradingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: the students graded so far are kept; add --changed to the same command to grade "
              "the rest", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush(), sys.stderr.flush()
    # Every file and the gradebook are closed by now: skip the interpreter's tear-down of the ~2,000
    # modules that nbgrader imports (0.6-0.8 s of every command here).
    os._exit(code)
