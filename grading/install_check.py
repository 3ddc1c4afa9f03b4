"""The installation check (the instructor's own solution, graded as a student's would be), and the
students graded while it runs.

Unless the model answer (the answers of ``solutions/`` typed into the student version) gets full
marks in the same sandbox and kernel set-up as the students, the installation is broken (a kernel
that cannot import ``attnbook``, a missing reference library, a sandbox that hides the environment)
and ``grade`` stops with a GradingError (exit status 2) before any student's result is written. A
pass is remembered in the work folder until what it depends on changes (``installation_key``).

The check takes one of the ``--jobs`` slots, and the other slots grade students meanwhile, *staged*
(``stage``): such a student is autograded against a private copy of the gradebook, its status
record and feedback pages are written into ``staging/<assignment>/<student>/`` in the work folder,
and its earlier autograded folder is set aside there. Nothing of it is reported. Once the check
passes, ``commit`` puts the result in place (the gradebook rows in one transaction, the status record
last); if the check fails, or grading is interrupted, ``discard`` throws it away and puts the earlier
autograded folder back, so the student's earlier result stands untouched. With ``--jobs 1`` the check
runs alone, before any student. The model answer is staged too, and always discarded: it never
reaches the gradebook.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import importlib.util
import json
import os
import shutil
import sqlite3
import sys
import time
from contextlib import closing
from pathlib import Path

from . import report, sandbox
from .records import ROOT, GradingError, Run, gradebook_scores, read_status, stage_submission

MODEL = "_instructor_solution"  # not a valid student id (they start with a letter or digit): no clash


# ----------------------------------------------------------------------------------------------
# Staged grading: a student's result kept aside until the check has passed


def staging_root(run: Run) -> Path:
    return run.settings.work_dir / "staging" / run.assignment


def remove(run: Run, folder: Path) -> None:
    """Remove a student's staging folder, and the staging folders above it once they are empty."""
    shutil.rmtree(folder, ignore_errors=True)
    for parent in (staging_root(run), staging_root(run).parent):
        try:
            parent.rmdir()
        except OSError:  # not empty, or gone
            break


def gradebook_file(run: Run) -> Path:
    return Path(run.cfg.CourseDirectory.db_url.split("sqlite:///", 1)[-1].split("?", 1)[0])


def autograded_folder(run: Run, sid: str) -> Path:
    return Path(run.cfg.CourseDirectory.autograded_directory) / sid / run.assignment


def stage(run: Run, sid: str) -> Run:
    """A Run for grading ``sid`` that writes nothing of the student's result where it counts: a copy
    of the gradebook, the status record, the feedback pages, all in the student's staging folder.
    The autograded folder stays where the sandbox lets the kernel write; the earlier one is set aside."""
    folder = staging_root(run) / sid
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if autograded_folder(run, sid).exists():
        shutil.move(autograded_folder(run, sid), folder / "autograded.previous")
    with closing(sqlite3.connect(gradebook_file(run), timeout=60)) as src, \
            closing(sqlite3.connect(folder / "gradebook.db")) as dst:
        src.backup(dst)
    cfg = copy.deepcopy(run.cfg)
    cfg.CourseDirectory.db_url = f"sqlite:///{folder / 'gradebook.db'}?timeout=60"
    cfg.CourseDirectory.feedback_directory = str(folder / "feedback")
    return dataclasses.replace(run, cfg=cfg, staging=folder)


def commit(run: Run, staged: Run, sid: str) -> None:
    """The check passed: put a staged student's result in place. The earlier status record goes first
    and the new one comes last, so that a command killed half-way leaves the student not graded (the
    next command grades the student again; ``recover`` puts the staging folder away)."""
    run.status_file(sid).unlink(missing_ok=True)
    merge_gradebook(run, staged, sid)
    feedback = Path(staged.cfg.CourseDirectory.feedback_directory) / sid / run.assignment
    if feedback.is_dir():
        target = Path(run.cfg.CourseDirectory.feedback_directory) / sid / run.assignment
        shutil.rmtree(target, ignore_errors=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(feedback, target)
    if staged.page_file(sid).is_file():
        run.page_file(sid).parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged.page_file(sid), run.page_file(sid))
    record = run.status_file(sid).with_suffix(".tmp")
    os.replace(staged.status_file(sid), record)
    remove(run, staged.staging)  # the earlier autograded folder with it
    os.replace(record, run.status_file(sid))


def discard(run: Run, staged: Run, sid: str) -> None:
    """The check failed, or grading stopped first: throw a staged result away, and put the student's
    earlier autograded folder back."""
    own = autograded_folder(run, sid)
    shutil.rmtree(own, ignore_errors=True)
    previous = staged.staging / "autograded.previous"
    if previous.exists():
        shutil.move(previous, own)
    elif own.parent.is_dir() and not any(own.parent.iterdir()):
        own.parent.rmdir()
    remove(run, staged.staging)


def recover(run: Run) -> None:
    """Staging folders that a killed command left behind: their results were never committed (or
    half-way, and the student, with no status record, is graded again)."""
    for folder in sorted(staging_root(run).glob("*")) if staging_root(run).is_dir() else []:
        discard(run, dataclasses.replace(run, staging=folder), folder.name)


# The rows of one submission: the student's submitted_assignment, its submitted_notebooks, and their
# grade and comment rows (nbgrader's schema; ``{db}`` is main or staged).
SUBMISSION = ("SELECT s.id FROM {db}.submitted_assignment s JOIN {db}.assignment a ON s.assignment_id = a.id "
              "WHERE a.name = :assignment AND s.student_id = :sid")
NOTEBOOKS = f"SELECT id FROM {{db}}.submitted_notebook WHERE assignment_id IN ({SUBMISSION})"
ROWS = {"grade": f"notebook_id IN ({NOTEBOOKS})", "comment": f"notebook_id IN ({NOTEBOOKS})",
        "submitted_notebook": f"id IN ({NOTEBOOKS})", "submitted_assignment": f"id IN ({SUBMISSION})"}


def merge_gradebook(run: Run, staged: Run, sid: str) -> None:
    """Replace the student's submission in the gradebook by the one in the staged copy, in one
    transaction. The copy was taken after the gradebook was synced, so the assignment, notebook and
    cell rows it refers to are the gradebook's own."""
    args = {"assignment": run.assignment, "sid": sid}
    with closing(sqlite3.connect(gradebook_file(run), timeout=60, isolation_level=None)) as db:
        db.execute("ATTACH DATABASE ? AS staged", (str(gradebook_file(staged)),))
        db.execute("BEGIN IMMEDIATE")
        try:
            same = "SELECT id FROM {db}.assignment WHERE name = :assignment"
            if len({tuple(db.execute(same.format(db=name), args).fetchall()) for name in ("main", "staged")}) > 1:
                raise GradingError(f"the gradebook's {run.assignment} changed while {sid} was graded: grade again")
            for table, where in ROWS.items():  # children first
                db.execute(f"DELETE FROM main.{table} WHERE {where.format(db='main')}", args)
            db.execute("INSERT OR IGNORE INTO main.student SELECT * FROM staged.student WHERE id = :sid", args)
            for table, where in reversed(ROWS.items()):  # parents first
                db.execute(f"INSERT INTO main.{table} SELECT * FROM staged.{table} WHERE {where.format(db='staged')}",
                           args)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


# ----------------------------------------------------------------------------------------------
# The check


def model_answer(run: Run):
    """The student version with the instructor's answers typed in (solution markers left out)."""
    from .fixtures import solution_sources

    nb = copy.deepcopy(run.release)
    answers = solution_sources(run.assignment, run.settings.course_root)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and meta.get("grade_id") in answers:
            cell.source = answers[meta["grade_id"]]
    return nb


def installation_key(run: Run) -> str:
    """What the model answer's result depends on besides the learners: the kernelspec (Python, the
    folders the sandbox opens, the preloaded modules), the assignment, the sandbox, the grader's and
    the course package's files, and the folders Python imports from (a package installed or removed
    changes their time stamps)."""
    spec = run.settings.work_dir / "jupyter" / "kernels" / sandbox.KERNEL_NAME / "kernel.json"
    parts = [spec.read_text(encoding="utf-8"), run.source_sha, sys.executable, str(run.sandboxed),
             str(run.settings.memory_limit), str(run.settings.cell_timeout), str(run.settings.notebook_timeout)]
    folders = [p for p in sys.path if p and os.path.isdir(p)]
    files = sorted(ROOT.joinpath("grading").glob("*.py"))
    spec_attnbook = importlib.util.find_spec("attnbook")
    if spec_attnbook and spec_attnbook.submodule_search_locations:
        files += sorted(Path(list(spec_attnbook.submodule_search_locations)[0]).glob("*.py"))
    for path in [*folders, *map(str, files)]:
        try:
            parts.append(f"{path} {os.stat(path).st_mtime_ns}")
        except OSError:
            parts.append(f"{path} missing")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def stamp_file(run: Run) -> Path:
    return run.status_dir.parent / f"{run.assignment}.installation.json"


@dataclasses.dataclass
class Check:
    """The model answer, staged and ready to be graded in the first slot (``task``)."""

    run: Run       # the model's staged run (no feedback pages)
    key: str       # installation_key, remembered once it passes
    task: tuple    # (MODEL, "", notes): what run_workers grades
    started: float

    @classmethod
    def start(cls, run: Run) -> Check | None:
        """The check to run, or None while a pass with the same installation_key is remembered."""
        key = installation_key(run)
        try:
            if json.loads(stamp_file(run).read_text(encoding="utf-8")).get("key") == key:
                return None
        except (OSError, ValueError):
            pass
        model = stage(dataclasses.replace(run, settings=dataclasses.replace(run.settings, feedback=False)), MODEL)
        return cls(model, key, (MODEL, "", stage_submission(model, MODEL, model_answer(model))), time.monotonic())

    def judge(self) -> None:
        """After the model answer was graded: return if it got full marks (and remember that), else
        raise the GradingError that stops grading. Its traces are removed either way (not the logs)."""
        run = self.run
        record = read_status(run, MODEL)
        scores = gradebook_scores(run, [MODEL]).get(MODEL, {})
        missing, reasons = [], []
        for q, info in run.questions.items():
            got = sum(scores.get(cell, 0.0) for cell in info["cells"])
            if got < info["points"]:
                missing.append(f"{q} {report.fmt(got)}/{report.fmt(info['points'])}")
                said = record.get("questions", {}).get(q) or record.get("message") or "no points recorded"
                for part in said.split(" | "):
                    why = part.split(": ", 1)[-1] if part.split(": ", 1)[0].startswith(q) else part
                    reasons += [why] if why not in reasons else []
        outcome = record.get("outcome")
        self.close()
        if outcome != "graded" or missing:
            detail = (f"{', '.join(missing)}: {'; '.join(reasons[:3])}" if missing
                      else f"{outcome}: {record.get('message')}")
            raise GradingError(
                f"the instructor's own solution of {run.assignment} does not get full marks in the grading kernel "
                f"({detail}). The installation is broken, not the students' work: no student was graded. Fix it "
                f"(does the kernel import attnbook and what the set-up cell imports? see "
                f"{run.log_file(MODEL).with_suffix('.out')} and {run.log_file(MODEL)}), then grade again")
        seconds = time.monotonic() - self.started
        points = sum(q["points"] for q in run.questions.values())
        stamp_file(run).write_text(json.dumps({"key": self.key, "seconds": round(seconds, 1), "points": points}),
                                   encoding="utf-8")
        run.log.info("the instructor's solution gets full marks in the grading kernel (%.1f s)", seconds)

    def close(self) -> None:
        """Remove the model answer's submission, autograded notebook and staging folder."""
        discard(self.run, self.run, MODEL)
        shutil.rmtree(Path(self.run.cfg.CourseDirectory.submitted_directory) / MODEL, ignore_errors=True)
        shutil.rmtree(Path(self.run.cfg.CourseDirectory.autograded_directory) / MODEL, ignore_errors=True)
