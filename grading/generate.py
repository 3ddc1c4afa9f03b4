"""Student versions: ``exercises/<a>/<a>.ipynb`` generated from ``solutions/<a>/<a>.ipynb`` by nbgrader."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path

from . import assignments
from .config import captured_nbgrader_log, load_config
from .records import GradingError
from .settings import Settings


def generate(assignment: str, release_root: Path, settings: Settings | None = None,
             scratch: Path | None = None) -> Path:
    """Run nbgrader ``generate_assignment`` for ``assignment`` into ``release_root/<assignment>/``.

    Uses a throw-away gradebook in ``scratch`` (a temporary folder by default): the instructor's
    gradebook is only touched by grading."""
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory

    settings = settings or Settings()
    with tempfile.TemporaryDirectory(prefix="attnbook-generate-") as own:
        tmp = Path(scratch or own)
        cfg = copy.deepcopy(load_config(settings))
        cfg.CourseDirectory.release_directory = str(Path(release_root).resolve())
        cfg.CourseDirectory.db_url = f"sqlite:///{tmp}/gradebook.db"
        coursedir = CourseDirectory(config=cfg)
        coursedir.assignment_id = assignment
        app = GenerateAssignment(coursedir=coursedir, config=cfg)
        app.force = True
        app.create_assignment = True
        with captured_nbgrader_log(Path(tmp) / "generate.log"):
            try:
                app.start()
            except Exception as error:
                log = (Path(tmp) / "generate.log").read_text(encoding="utf-8")
                raise GradingError(f"nbgrader generate_assignment {assignment} failed: {error}\n{log}") from error
    out = Path(release_root) / assignment / f"{assignment}.ipynb"
    out.chmod(0o644)
    return out


def stale_exercises(settings: Settings | None = None, names: list[str] | None = None) -> list[str]:
    """Assignments whose committed student version differs from a fresh one (empty: all up to date)."""
    settings = settings or Settings()
    root = settings.course_root
    stale = []
    with tempfile.TemporaryDirectory(prefix="attnbook-exercises-") as tmp:
        for name in names or assignments.assignment_ids(root):
            fresh = generate(name, Path(tmp) / "release", settings, scratch=Path(tmp))
            committed = assignments.release_notebook(name, root)
            if not committed.is_file() or assignments.comparable(committed) != assignments.comparable(fresh):
                stale.append(name)
    return stale
