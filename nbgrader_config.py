"""nbgrader configuration of the attnbook course (read by `nbgrader ...` run in this folder and by `python -m grading`).

Folders (see book/instructors.md):

- ``solutions/<assignment>/<assignment>.ipynb``: nbgrader's *source* (instructor) versions, with the
  solutions and the hidden tests. Never hand them to learners.
- ``exercises/<assignment>/<assignment>.ipynb``: the *release* (student) versions, generated from
  ``solutions/`` by ``python -m grading generate`` (``nbgrader generate_assignment``) and committed.
- Everything that holds student data lives OUTSIDE the repository, under the grading work folder
  (``$ATTNBOOK_GRADING_DIR``, default ``~/.local/share/attnbook-grading``): the gradebook
  (``gradebook.db``) and the ``submitted/``, ``autograded/`` and ``feedback/`` folders.
"""

import sys
from pathlib import Path

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

COURSE_ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(COURSE_ROOT))
from grading.settings import default_work_dir  # noqa: E402 ($ATTNBOOK_GRADING_DIR or ~/.local/share/...)

GRADING_DIR = default_work_dir()

c.CourseDirectory.course_id = "attnbook"
c.CourseDirectory.root = str(COURSE_ROOT)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
# Absolute folders: nbgrader joins them onto `root`, and an absolute path wins (they stay outside the repo).
c.CourseDirectory.submitted_directory = str(GRADING_DIR / "submitted")
c.CourseDirectory.autograded_directory = str(GRADING_DIR / "autograded")
c.CourseDirectory.feedback_directory = str(GRADING_DIR / "feedback")
c.CourseDirectory.solution_directory = str(GRADING_DIR / "solution")
# `timeout` lets parallel graders wait for each other's (short) writes instead of failing.
c.CourseDirectory.db_url = f"sqlite:///{GRADING_DIR / 'gradebook.db'}?timeout=60"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]

# The student version: what replaces a solution block.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Execution while autograding (python -m grading overrides these from its command line).
c.Execute.timeout = 30                 # seconds per cell; the kernel is interrupted after that
c.Execute.shutdown_kernel = "immediate"
c.LimitOutput.max_lines = 200
# nbgrader gives a test cell 0 points when anything reaches stderr. A warning raised by a learner's
# otherwise correct code costs nothing because every assignment's set-up cell sends warnings to
# stdout (attnbook.exercise.warnings_to_stdout): one rule in the notebook, which nbgrader's Validate
# button, `nbgrader validate`, a stock `nbgrader autograde` and `python -m grading` all read.
c.LimitOutput.max_traceback = 60
