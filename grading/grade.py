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
"""

from __future__ import annotations

import copy
import html
import json
import logging
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
import time
import unicodedata
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import assignments, report, sandbox, submission
from .report import first_line, question_statuses
from .launch_kernel import die_with_parent
from .settings import Settings

ROOT = Path(__file__).resolve().parent.parent


class GradingError(Exception):
    """A problem with the command itself (not with a submission): bad assignment, folder, sandbox."""


# ----------------------------------------------------------------------------------------------
# nbgrader configuration


def _alembic_head() -> str:
    """The gradebook schema's alembic head, read in this process."""
    import nbgrader
    from alembic.script import ScriptDirectory

    return ScriptDirectory(os.path.join(os.path.dirname(nbgrader.__file__), "alembic")).get_current_head()


def _new_gradebooks_in_process() -> None:
    """nbgrader creates a gradebook by running ``alembic heads`` in a subprocess: a new Python that
    imports alembic and SQLAlchemy (3-5 s here), and that fails when the course environment's
    ``bin/`` is not on ``PATH`` (``.venv/bin/python -m grading`` without activating it). Read the
    same head in this process instead: the one patch of nbgrader that grading makes."""
    import nbgrader.api

    nbgrader.api.get_alembic_version = _alembic_head


def load_config(settings: Settings):
    """nbgrader_config.py of the course, with the work folder of ``settings``."""
    from traitlets.config.loader import PyFileConfigLoader

    _new_gradebooks_in_process()
    os.environ["ATTNBOOK_GRADING_DIR"] = str(settings.work_dir)  # nbgrader_config.py reads it
    config_file = settings.course_root / "nbgrader_config.py"
    if not config_file.is_file():
        raise GradingError(f"no nbgrader_config.py in {settings.course_root}")
    cfg = PyFileConfigLoader(config_file.name, path=str(settings.course_root)).load_config()
    cfg.CourseDirectory.root = str(settings.course_root)
    return cfg


def autograde_config(cfg, settings: Settings):
    """Add to ``cfg`` what autograding needs: our Execute, the sandbox kernel, the limits."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearHiddenTests, GetGrades,
                                        IgnorePattern, LimitOutput, SaveAutoGrades)
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor

    from .execute import GuardedExecute, ShortTracebacks

    cfg = copy.deepcopy(cfg)
    # nbgrader's own list, with GuardedExecute in place of Execute
    cfg.Autograde.autograde_preprocessors = [GuardedExecute, IgnorePattern, ClearMetadataPreprocessor,
                                             LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
    cfg.GuardedExecute.timeout = settings.cell_timeout
    cfg.GuardedExecute.notebook_timeout = settings.notebook_timeout
    cfg.GuardedExecute.max_output_chars = settings.max_output_chars
    cfg.GuardedExecute.kernel_name = sandbox.KERNEL_NAME
    cfg.GuardedExecute.interrupt_on_timeout = True
    cfg.GuardedExecute.shutdown_kernel = "immediate"
    cfg.GuardedExecute.startup_timeout = 120
    cfg.GuardedExecute.while_kernel_starts = warm_feedback if settings.feedback else None
    cfg.KernelManager.transport = "ipc"  # unix sockets: they reach a kernel without network
    # Feedback shows the learner's code and each test's outcome (error name and message), never the
    # hidden tests' code (ClearHiddenTests) nor the traceback lines that would quote it.
    cfg.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, ShortTracebacks, CSSHTMLHeaderPreprocessor]
    cfg.ClearHiddenTests.enforce_metadata = False
    return cfg


# ----------------------------------------------------------------------------------------------
# The pipeline


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


def sync_gradebook(assignment: str, cfg, settings: Settings) -> Path:
    """nbgrader generate_assignment into the work folder: the gradebook learns the grade cells, and
    ``release/`` gets the student version. Skipped when both hold this exact version of the source.
    The gradebook is switched to SQLite's write-ahead log (it stays so) before nbgrader creates its
    tables: the parallel graders' readers and writers no longer block each other, and the ~30
    commits of a new gradebook cost one fsync each instead of three (0.9 s -> 0.35 s of a first run
    on a busy machine)."""
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory

    db_url = cfg.CourseDirectory.db_url
    stamp = settings.work_dir / "status" / f"{assignment}.synced"
    release = settings.work_dir / "release" / assignment / f"{assignment}.ipynb"
    key = f"{submission.sha256(assignments.source_notebook(assignment, settings.course_root))} {db_url}"
    db_file = Path(db_url.split("sqlite:///", 1)[-1].split("?", 1)[0])
    if stamp.is_file() and stamp.read_text() == key and db_file.is_file() and release.is_file():
        return release
    cfg = copy.deepcopy(cfg)
    cfg.CourseDirectory.release_directory = str(settings.work_dir / "release")
    coursedir = CourseDirectory(config=cfg)
    coursedir.assignment_id = assignment
    app = GenerateAssignment(coursedir=coursedir, config=cfg)
    app.force = True
    app.create_assignment = True
    with closing(sqlite3.connect(db_file)) as db:  # an empty file is a new gradebook to nbgrader
        db.execute("PRAGMA journal_mode=WAL")
    log_file = settings.work_dir / "logs" / f"{assignment}.generate.log"
    with captured_nbgrader_log(log_file):
        try:
            app.start()
        except Exception as error:
            raise GradingError(f"nbgrader generate_assignment {assignment} failed ({error}); see {log_file}") from error
    stamp.write_text(key)
    return release


class captured_nbgrader_log:
    """Send nbgrader's (traitlets') log to a file for the duration of a block."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        from traitlets.log import get_logger

        self.logger = get_logger()
        self.handler = logging.FileHandler(self.path, mode="w", encoding="utf-8")
        self.handler.setFormatter(logging.Formatter("%(asctime)s [%(levelname)s] %(message)s"))
        self.saved = (self.logger.handlers[:], self.logger.level, self.logger.propagate)
        self.logger.handlers = [self.handler]
        self.logger.setLevel(logging.INFO)
        self.logger.propagate = False
        return self

    def __exit__(self, *exc):
        self.handler.close()
        self.logger.handlers, level, self.logger.propagate = self.saved[0], self.saved[1], self.saved[2]
        self.logger.setLevel(level)
        return False


def stage_submission(run: Run, sid: str, nb) -> dict:
    """Put back deleted test cells, flag what tries to disarm the tests, and write the notebook to
    nbgrader's submitted/<student>/<assignment>/<assignment>.ipynb. Returns the notes for the CSV."""
    notes = {"flags": submission.flags(nb, run.release), "restored": submission.restore_missing(nb, run.release)}
    target = Path(run.cfg.CourseDirectory.submitted_directory) / sid / run.assignment
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    nbformat.write(nb, target / f"{run.assignment}.ipynb")
    return notes


def write_status(run: Run, sid: str, outcome: str, message: str, questions: dict[str, str], sub_sha: str,
                 notes: dict | None = None) -> None:
    record = {"student": sid, "assignment": run.assignment, "outcome": outcome, "message": message,
              "questions": questions, "notes": notes or {}, "submission_sha256": sub_sha,
              "source_sha256": run.source_sha, "sandboxed": run.sandboxed}
    tmp = run.status_file(sid).with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, run.status_file(sid))


def forget_in_gradebook(run: Run, sid: str) -> None:
    """Remove the student's earlier scores: a grade is computed from this submission only."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(run.cfg.CourseDirectory.db_url, run.cfg.CourseDirectory.course_id) as gb:
        try:
            gb.remove_submission(run.assignment, sid)
        except MissingEntry:
            pass


WARMING = threading.Lock()  # held by warm_feedback, then by the feedback page: never both at once
warmed = False


def warm_feedback() -> None:
    """Turn a two-cell notebook into HTML, once per process: what nbconvert compiles for its first page
    (regular expressions, CSS selectors: 0.4 s) is then ready for the feedback page. A grading process
    does it in a thread while its kernel starts; ``grade`` does it before forking a batch of more
    students than ``jobs``, and every grading process inherits it."""
    from nbconvert.exporters import HTMLExporter
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    global warmed
    with WARMING:
        try:
            if not warmed:
                HTMLExporter().from_notebook_node(new_notebook(cells=[new_markdown_cell("*a*"), new_code_cell("a")]))
        except Exception:  # noqa: BLE001 (a head start only)
            pass
        warmed = True


def autograde_one(run: Run, sid: str, sub_sha: str, notes: dict) -> None:
    """Runs in a forked child: autograde one student, write feedback and the status record."""
    from nbgrader.converters import Autograde, GenerateFeedback
    from nbgrader.coursedir import CourseDirectory

    runtime = tempfile.mkdtemp(prefix="ag-", dir="/tmp")  # short: unix socket paths are limited to 107 bytes
    try:
        os.environ["JUPYTER_RUNTIME_DIR"] = runtime
        os.environ["ATTNBOOK_SANDBOX_RUNTIME"] = runtime
        home = "/tmp" if run.sandboxed else os.path.join(runtime, "home")
        os.makedirs(os.path.join(runtime, "home"), exist_ok=True)
        os.environ["ATTNBOOK_SANDBOX_ENV"] = json.dumps(sandbox.kernel_env(home))
        os.environ["ATTNBOOK_SANDBOX_LOG"] = str(run.log_file(sid).with_suffix(".kernel.log"))
        cfg = copy.deepcopy(run.cfg)
        cfg.KernelManager.ip = os.path.join(runtime, "k")
        cfg.KernelManager.connection_file = os.path.join(runtime, "kernel.json")
        coursedir = CourseDirectory(config=cfg)
        coursedir.assignment_id, coursedir.student_id = run.assignment, sid
        log_file = run.log_file(sid)
        log_file.parent.mkdir(parents=True, exist_ok=True)
        run.log_file(sid).with_suffix(".kernel.log").unlink(missing_ok=True)
        forget_in_gradebook(run, sid)
        with captured_nbgrader_log(log_file):
            app = Autograde(coursedir=coursedir, config=cfg)
            app.force, app.create_student = True, True
            try:
                app.start()
                error = ""
            except Exception as exc:  # nbgrader logged the details
                error = f"nbgrader autograde failed: {first_line(str(exc))} (log: {log_file})"
        folder = Path(coursedir.format_path(coursedir.autograded_directory, sid, run.assignment))
        autograded = folder / f"{run.assignment}.ipynb"
        if error or not autograded.is_file():  # not the learner's code (GuardedExecute handles that): the grader's
            error = error or "nbgrader wrote no autograded notebook"
            write_status(run, sid, "error", error, {q: "not graded: " + error for q in run.questions}, sub_sha)
            return
        for extra in folder.glob("*.ipynb"):  # notebooks the learner's code wrote: not part of the grade
            if extra != autograded:
                extra.unlink()
        statuses, stopped = question_statuses(autograded, run.questions)
        outcome, message = ("stopped", stopped) if stopped else ("graded", "")
        if run.settings.feedback:
            with WARMING, captured_nbgrader_log(log_file.with_suffix(".feedback.log")):
                feedback = GenerateFeedback(coursedir=coursedir, config=cfg)
                feedback.force = True
                try:
                    feedback.start()
                    html_file = Path(coursedir.format_path(coursedir.feedback_directory, sid, run.assignment)) / \
                        f"{run.assignment}.html"
                    run.page_file(sid).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(html_file, run.page_file(sid))
                except Exception as exc:  # noqa: BLE001 (feedback is a by-product: never lose the grade)
                    write_page(run, sid, f"Your notebook was graded, but its feedback page could not be made "
                               f"({first_line(str(exc))}): ask your instructor for your points.")
        write_status(run, sid, outcome, message, statuses, sub_sha, notes)
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


def write_page(run: Run, sid: str, message: str) -> None:
    """A feedback page with one message (a notebook that was not graded, or whose page failed)."""
    run.page_file(sid).parent.mkdir(parents=True, exist_ok=True)
    run.page_file(sid).write_text(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(run.assignment)}: {html.escape(sid)}"
        f"</title></head><body><h1>{html.escape(run.assignment)}</h1><p>Student: {html.escape(sid)}</p>"
        f"<p>{html.escape(message)}</p></body></html>", encoding="utf-8")


def not_graded_page(run: Run, sid: str, record: dict) -> None:
    if record["outcome"] == "failed":
        write_page(run, sid, f"Your notebook could not be graded: {record['message']}. Score: 0. Fix the problem "
                   "and submit again, or ask your instructor.")
    else:
        write_page(run, sid, "Your notebook has not been graded yet: the grading tool failed on it (not because "
                   "of your work). Your instructor will grade it again.")


def kill_tree(pid: int) -> None:
    """SIGKILL a grading process and everything it started (kernels included)."""
    import psutil

    try:
        parent = psutil.Process(pid)
        family = parent.children(recursive=True) + [parent]
    except psutil.NoSuchProcess:
        return
    for proc in family:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(family, timeout=10)


def reap(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:  # already reaped (psutil.wait_procs does it)
        pass


def run_workers(run: Run, todo: list[tuple[str, str, dict]], check=None) -> dict[str, float]:
    """Fork one grading process per student, ``jobs`` at a time; enforce the hard time limit.

    ``check``: the installation check still to be passed (``install_check.Check``). Its model answer
    is graded first, in one of the slots; the students started before it has passed are staged, and
    each one's result is withheld until it has (``install_check.commit``). If it fails, every staged
    student is stopped and thrown away (``install_check.discard``) and its GradingError is raised."""
    from . import install_check

    settings = run.settings
    hard_limit = settings.notebook_timeout + settings.hard_margin if settings.notebook_timeout else None
    pending = ([check.task] if check else []) + list(todo)
    running: dict[int, tuple[Run, str, str, float]] = {}  # pid: the student's Run (staged or not), ...
    withheld: list[tuple[Run, str, float]] = []  # staged students graded before the check passed
    seconds: dict[str, float] = {}
    sys.stdout.flush(), sys.stderr.flush()

    def stop(signum, frame):  # SIGTERM / SIGHUP: clean up as for Ctrl-C
        raise KeyboardInterrupt(f"stopped by signal {signum}")

    def report_one(sid: str, elapsed: float) -> None:
        seconds[sid] = elapsed
        record = read_status(run, sid)
        run.log.info("%-20s %-8s %5.1f s %s", sid, record["outcome"], elapsed, record["message"])

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        while pending or running:
            while pending and len(running) < max(1, settings.jobs):
                sid, sub_sha, notes = pending.pop(0)
                if check and sid == install_check.MODEL:
                    own = check.run
                elif check:
                    own = install_check.stage(run, sid)
                else:
                    own = run
                    run.status_file(sid).unlink(missing_ok=True)
                pid = os.fork()
                if pid == 0:  # the child
                    code = 0
                    try:
                        os.setsid()  # a Ctrl-C in the terminal reaches the parent, which cleans up
                        for sig, handler in previous.items():
                            signal.signal(sig, handler)
                        signal.signal(signal.SIGINT, signal.SIG_DFL)
                        die_with_parent()
                        log_file = run.log_file(sid)
                        log_file.parent.mkdir(parents=True, exist_ok=True)
                        fd = os.open(log_file.with_suffix(".out"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                        os.dup2(fd, 1), os.dup2(fd, 2), os.close(fd)  # keep the terminal for the summary
                        autograde_one(own, sid, sub_sha, notes)
                    except BaseException:  # noqa: BLE001
                        import traceback
                        traceback.print_exc()
                        code = 1
                    finally:
                        sys.stdout.flush(), sys.stderr.flush()
                        os._exit(code)
                running[pid] = (own, sid, sub_sha, time.monotonic())
            time.sleep(0.05)
            for pid, (own, sid, sub_sha, start) in list(running.items()):
                done, status = os.waitpid(pid, os.WNOHANG)
                elapsed = time.monotonic() - start
                if done == 0 and hard_limit and elapsed > hard_limit:
                    kill_tree(pid)
                    reap(pid)
                    fail(own, sid, sub_sha, f"grading process killed after {hard_limit} s (hard limit)")
                elif done == 0:
                    continue
                elif not own.status_file(sid).exists():
                    kill_tree(pid)
                    message = f"the grading process failed (exit status {status}; see {run.log_file(sid).with_suffix('.out')})"
                    write_status(own, sid, "error", message, {q: "not graded: " + message for q in run.questions},
                                 sub_sha)
                del running[pid]
                if check and own is check.run:
                    check.judge()  # raises if the installation is broken: the handler below discards the staged
                    check = None
                    while withheld:  # popped first: a student once committed is never discarded
                        staged, staged_sid, staged_seconds = withheld.pop(0)
                        install_check.commit(run, staged, staged_sid)
                        report_one(staged_sid, staged_seconds)
                elif check:
                    withheld.append((own, sid, elapsed))
                else:
                    if own.staging:
                        install_check.commit(run, own, sid)
                    report_one(sid, elapsed)
    except BaseException:  # Ctrl-C or a bug: stop every grading process and its kernel, keep what is stored
        for pid in running:
            kill_tree(pid)
            reap(pid)
        for own, sid, *_ in [*running.values(), *withheld]:
            if own.staging and sid != install_check.MODEL:
                install_check.discard(run, own, sid)
        if check:
            check.close()
        raise
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return seconds


def fail(run: Run, sid: str, sub_sha: str, message: str) -> None:
    """The submission itself cannot be graded (unreadable, ambiguous, or it outran the hard limit): 0."""
    write_status(run, sid, "failed", message, {q: "not graded: " + message for q in run.questions}, sub_sha)


def read_status(run: Run, sid: str) -> dict:
    try:
        return json.loads(run.status_file(sid).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"outcome": "error", "message": "not graded yet (the grading run was interrupted)", "questions": {}}


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

    from .install_check import Check, recover

    recover(run)
    todo: list[tuple[str, str, dict]] = []
    refused: list[tuple[str, str, str]] = []  # written once the installation check has passed
    for sid, path in found.items():
        if isinstance(path, str):
            refused.append((sid, "", path))
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
            refused.append((sid, sub_sha, problem))
            continue
        todo.append((sid, sub_sha, stage_submission(run, sid, nb)))

    check = Check.start(run) if todo else None  # the instructor's solution, before any student's result
    run.log.info("grading %d of %d submissions of %s, %d at a time%s", len(todo), len(found), assignment,
                 settings.jobs, ", the instructor's solution first" if check else "")
    if settings.feedback and len(todo) > settings.jobs:
        warm_feedback()
    run_workers(run, todo, check)
    for sid, sub_sha, problem in refused:
        fail(run, sid, sub_sha, problem)
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
        raise GradingError(f"the grader failed on {len(errors)} submission(s): {', '.join(errors)}; their rows say "
                           f"'error' (see the logs in {settings.work_dir / 'logs' / assignment}); fix and re-grade them")
    return path
