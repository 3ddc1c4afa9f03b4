"""Grade a folder of submissions with nbgrader: one command for a whole class.

``python -m grading grade ASSIGNMENT SUBMISSIONS/`` (``make grade``) does, in order:

1. loads ``nbgrader_config.py`` and brings the gradebook up to date with ``solutions/ASSIGNMENT``
   (nbgrader ``generate_assignment`` into the work folder: grade cells, points, checksums);
2. checks each student's notebook (``grading.submission``): a file that cannot be graded (not a
   notebook, another assignment's, edited nbgrader metadata, a bad or duplicate student id) fails
   for that student only; deleted test cells are put back; answer cells that try to disarm the
   tests are flagged. It is then copied into nbgrader's ``submitted/<student>/<assignment>/``;
3. grades the instructor's own solution first, in the same sandbox and kernel set-up (skipped
   while nothing it depends on has changed since it last passed; ``grading.install_check``): unless
   it gets full marks the installation is broken, and the command stops with exit status 2 before any
   student's result is written. It takes one of the ``--jobs`` slots: students graded meanwhile
   are staged, their results withheld until it has passed and thrown away if it fails;
4. runs nbgrader ``autograde`` for each student in its own forked process (``--jobs`` at a time),
   after clearing the student's earlier scores, its kernel sandboxed by bubblewrap
   (``grading.sandbox``: no other submission visible, wherever they are), with the limits and the
   test guard of ``grading.execute.GuardedExecute``, and a hard limit on the process itself;
5. writes nbgrader's feedback HTML per student (hidden tests' code left out) to
   ``grades/<assignment>/<student>.html``, or a page that says why the notebook was not graded;
6. writes ``grades/<assignment>.csv`` (UTF-8 with a byte-order mark, so that spreadsheets read
   non-Latin ids): one row per student and question (points, max_points, status) and a ``total``
   row per student, from the gradebook's scores.

Each student's outcome is stored as soon as it is known (the gradebook, plus
``status/<assignment>/<student>.json`` in the work folder), so a crash or a Ctrl-C loses nothing
already graded, and re-grading one student rewrites only that student's rows.

This module is the pipeline; its parts live beside it: ``grading.config`` (nbgrader's configuration
and the gradebook's sync, step 1), ``grading.submission`` (step 2), ``grading.install_check`` (step
3), ``grading.workers`` (the grading processes, step 4), ``grading.feedback`` (the pages, step 5),
``grading.report`` (the CSV, step 6) and ``grading.records`` (the run and what it stores).
"""

from __future__ import annotations

import os
import time
import unicodedata
from pathlib import Path

import nbformat

from . import assignments, report, sandbox, submission
from .config import autograde_config, load_config, sync_gradebook
from .feedback import not_graded_page, warm_feedback
from .install_check import Check, recover
from .messages import language_of
from .records import (
    ROOT,
    GradingError,
    Run,
    fail,
    forget_in_gradebook,
    gradebook_scores,
    make_logger,
    read_status,
    stage_submission,
)
from .settings import Settings
from .workers import run_workers

__all__ = ["ROOT", "GradingError", "Settings", "grade", "prepare"]


def prepare(assignment: str, settings: Settings, submissions: Path | None = None) -> Run:
    """Check the assignment and the sandbox, write the kernelspec, sync the gradebook."""
    log = make_logger(settings.quiet)
    source = assignments.source_notebook(assignment, settings.course_root)
    if not source.is_file():
        known = ", ".join(assignments.assignment_ids(settings.course_root))
        raise GradingError(f"unknown assignment {assignment!r}: no {source}; known: {known}")
    for sub in ("status", "logs", "jupyter"):
        (settings.work_dir / sub).mkdir(parents=True, exist_ok=True)

    if settings.sandbox == "off":
        sandboxed, note = False, "sandbox turned off (--sandbox off)"
    else:
        probe = sandbox.probe_bwrap()
        sandboxed, note = probe.available, probe.reason
        if not sandboxed and settings.sandbox == "require":
            raise GradingError(f"no sandbox available: {probe.reason}")
    if sandboxed:
        log.info("sandbox: bubblewrap (course folder read-only, own folder writable, no network)")
    else:
        log.warning("WARNING: NO SANDBOX: %s. Student code runs with YOUR permissions and network access; "
                    "grade only code you trust, or install bubblewrap.", note)

    import warnings

    from sqlalchemy.exc import SAWarning

    # nbgrader 0.9's gradebook code makes SQLAlchemy 2 warn about its session use; harmless noise.
    warnings.filterwarnings("ignore", category=SAWarning)
    # Import what every grading process needs once, before forking them.
    import nbclient  # noqa: F401
    import nbgrader.converters  # noqa: F401
    from IPython.core import inputtransformer2  # noqa: F401
    from nbconvert.exporters import HTMLExporter  # noqa: F401

    cfg = load_config(settings)
    autograded = Path(cfg.CourseDirectory.autograded_directory)
    others = [settings.grades_dir, settings.work_dir] + ([Path(submissions)] if submissions else [])
    if submissions and settings.course_root.resolve().is_relative_to(Path(submissions).resolve()):
        raise GradingError(f"the submissions folder {submissions} holds the course itself: give each class's "
                           "notebooks a folder of their own")
    hidden = sandbox.hidden_folders(settings.course_root, *others)
    sandbox.write_kernelspec(settings.work_dir / "jupyter", sandboxed=sandboxed, course_root=settings.course_root,
                             writable_root=autograded, memory_limit=settings.memory_limit, hidden=hidden,
                             preload=submission.test_imports(nbformat.read(source, as_version=4)))
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(settings.work_dir / "jupyter")] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p])
    release = sync_gradebook(assignment, cfg, settings)
    return Run(assignment, settings, autograde_config(cfg, settings), sandboxed, note, submission.sha256(source),
               assignments.questions(source), nbformat.read(release, as_version=4), log)


def grade(assignment: str, submissions: Path, students: list[str] | None = None,
          settings: Settings | None = None) -> Path:
    """Grade ``submissions`` (a folder named by student id) for ``assignment``; return the CSV's path.

    ``students``: re-grade only these (students never graded, or whose notebook or the assignment's
    source changed since, are graded too; ``[]``: only those). ``None``: every submission again."""
    settings = settings or Settings()
    started = time.monotonic()
    run = prepare(assignment, settings, Path(submissions))
    run.status_dir.mkdir(parents=True, exist_ok=True)
    if not Path(submissions).is_dir():
        raise GradingError(f"submissions folder {submissions} does not exist")
    found = submission.find_submissions(Path(submissions), assignment)
    if not found:
        raise GradingError(f"no submissions in {submissions} (expected <student>.ipynb or <student>/ folders)")
    students = None if students is None else [unicodedata.normalize("NFC", s) for s in students]
    unknown = sorted(set(students or []) - set(found))
    if unknown:
        raise GradingError(f"not in {submissions}: {', '.join(unknown)}")

    recover(run)
    todo: list[tuple[str, str, dict]] = []
    refused: list[tuple[str, str, str, str]] = []  # written once the installation check has passed
    for sid, path in found.items():
        if isinstance(path, str):
            refused.append((sid, "", path, "en"))
            continue
        sub_sha = submission.sha256(path)
        if students is not None and sid not in students and run.status_file(sid).exists():
            old = read_status(run, sid)
            if (old.get("submission_sha256"), old.get("source_sha256")) == (sub_sha, run.source_sha) \
                    and old["outcome"] != "error":
                continue  # keep the stored result
        nb, problem = submission.read_notebook(path)
        problem = problem or submission.refusal(nb, run.release, assignment, settings.course_root)
        if problem:
            refused.append((sid, sub_sha, problem, language_of(nb)))
            continue
        todo.append((sid, sub_sha, stage_submission(run, sid, nb)))

    check = Check.start(run) if todo else None  # the instructor's solution, before any student's result
    run.log.info("grading %d of %d submissions of %s, %d at a time%s", len(todo), len(found), assignment,
                 settings.jobs, ", the instructor's solution first" if check else "")
    if settings.feedback and len(todo) > settings.jobs:
        warm_feedback()
    run_workers(run, todo, check)
    for sid, sub_sha, problem, language in refused:
        fail(run, sid, sub_sha, problem, language)
    records = {sid: read_status(run, sid) for sid in found}
    for sid, record in records.items():
        if record["outcome"] in ("failed", "error"):  # a page saying why, never a stale page from earlier
            not_graded_page(run, sid, record)
            if record["outcome"] == "failed":
                forget_in_gradebook(run, sid)
    path = report.write_csv(run.settings.grades_dir / f"{run.assignment}.csv", run.questions, records,
                            gradebook_scores(run, list(found)))
    errors = sorted(sid for sid, r in records.items() if r["outcome"] == "error")
    pages = sum((run.feedback_dir / f"{sid}.html").is_file() for sid in found)
    run.log.info("wrote %s and %d feedback pages in %s (%.1f s)%s", path, pages, run.feedback_dir,
                 time.monotonic() - started, "" if run.sandboxed else "  [NOT SANDBOXED]")
    if errors:
        raise GradingError(f"the grader failed on {len(errors)} submission(s): {', '.join(errors)}; their rows "
                           f"say 'error' (see the logs in {settings.work_dir / 'logs' / assignment}); fix and "
                           "re-grade them")
    return path
