"""A grading run (:class:`Run`) and what it stores for each student: the copy of the notebook that
nbgrader grades, the status record (``status/<assignment>/<student>.json`` in the work folder) and the
gradebook's rows. The ground every other part of grading stands on (``grade``, ``workers``,
``install_check``): it imports none of them."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import submission
from .messages import Message, language_of
from .settings import Settings

ROOT = Path(__file__).resolve().parent.parent



class GradingError(Exception):
    """A problem with the command itself (not with a submission): bad assignment, folder, sandbox."""


@dataclass
class Run:
    assignment: str
    settings: Settings
    cfg: object
    sandboxed: bool
    sandbox_note: str
    source_sha: str
    questions: dict
    release: object  # the student version, as nbgrader generated it
    log: logging.Logger
    staging: Path | None = None  # a staged student's own folder (grading.install_check.stage)

    @property
    def status_dir(self) -> Path:
        return self.settings.work_dir / "status" / self.assignment

    @property
    def feedback_dir(self) -> Path:
        return self.settings.grades_dir / self.assignment

    def status_file(self, sid: str) -> Path:
        return self.staging / "status.json" if self.staging else self.status_dir / f"{sid}.json"

    def page_file(self, sid: str) -> Path:
        """The student's feedback page."""
        return self.staging / "feedback.html" if self.staging else self.feedback_dir / f"{sid}.html"

    def log_file(self, sid: str) -> Path:
        """nbgrader's log for one student; beside it .out (the grading process's output), .kernel.log."""
        return self.settings.work_dir / "logs" / self.assignment / f"{sid}.log"


def make_logger(quiet: bool) -> logging.Logger:
    log = logging.getLogger("attnbook.grading")
    log.handlers.clear()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[grade] %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.WARNING if quiet else logging.INFO)
    log.propagate = False
    return log


def stage_submission(run: Run, sid: str, nb) -> dict:
    """Put back deleted test cells, flag what tries to disarm the tests, and write the notebook to
    nbgrader's submitted/<student>/<assignment>/<assignment>.ipynb. Returns the notes for the CSV."""
    notes = {"flags": submission.flags(nb, run.release), "restored": submission.restore_missing(nb, run.release),
             "language": language_of(nb)}
    target = Path(run.cfg.CourseDirectory.submitted_directory) / sid / run.assignment
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    nbformat.write(nb, target / f"{run.assignment}.ipynb")
    return notes


def write_status(run: Run, sid: str, outcome: str, message: str, questions: dict[str, str], sub_sha: str,
                 notes: dict | None = None) -> None:
    record = {"student": sid, "assignment": run.assignment, "outcome": outcome, "message": message,
              "message_i18n": message.record() if isinstance(message, Message) else None,
              "questions": questions, "notes": notes or {}, "submission_sha256": sub_sha,
              "source_sha256": run.source_sha, "sandboxed": run.sandboxed}
    tmp = run.status_file(sid).with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, run.status_file(sid))


def fail(run: Run, sid: str, sub_sha: str, message: str, language: str = "en") -> None:
    """The submission itself cannot be graded (unreadable, ambiguous, or it outran the hard limit): 0.
    ``language``: the notebook's (:func:`grading.messages.language_of`), for the feedback page."""
    write_status(run, sid, "failed", message, {q: "not graded: " + message for q in run.questions}, sub_sha,
                 {"language": language})


def read_status(run: Run, sid: str) -> dict:
    try:
        return json.loads(run.status_file(sid).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"outcome": "error", "message": "not graded yet (the grading run was interrupted)", "questions": {}}


def forget_in_gradebook(run: Run, sid: str) -> None:
    """Remove the student's earlier scores: a grade is computed from this submission only."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(run.cfg.CourseDirectory.db_url, run.cfg.CourseDirectory.course_id) as gb:
        try:
            gb.remove_submission(run.assignment, sid)
        except MissingEntry:
            pass


def gradebook_scores(run: Run, students: list[str]) -> dict[str, dict[str, float]]:
    """``{student: {grade_id: score}}`` from nbgrader's gradebook (manual scores override automatic ones)."""
    from nbgrader.api import Gradebook, MissingEntry

    out: dict[str, dict[str, float]] = {}
    with Gradebook(run.cfg.CourseDirectory.db_url, run.cfg.CourseDirectory.course_id) as gb:
        for sid in students:
            try:
                found = gb.find_submission(run.assignment, sid)
            except MissingEntry:
                continue
            out[sid] = {g.name: float(g.score or 0) for nb in found.notebooks for g in nb.grades}
    return out
