"""nbgrader's configuration for the course: ``nbgrader_config.py`` loaded, the autograding
preprocessors and limits added, the gradebook synced with the assignment's source, and nbgrader's
log sent to a file."""

from __future__ import annotations

import copy
import logging
import os
import sqlite3
from contextlib import closing
from pathlib import Path

from . import assignments, sandbox, submission
from .feedback import warm_feedback
from .records import GradingError
from .settings import Settings


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
    from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        ClearHiddenTests,
        GetGrades,
        IgnorePattern,
        LimitOutput,
        SaveAutoGrades,
    )

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
