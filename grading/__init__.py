"""Instructor tooling of the attnbook course: nbgrader-based grading (not part of the `attnbook` package).

- ``python -m grading grade ASSIGNMENT SUBMISSIONS/`` (``make grade``): autograde a class, write
  ``grades/<assignment>.csv`` and a feedback page per student (see :mod:`grading.grade`).
- ``python -m grading generate [ASSIGNMENT ...]``: regenerate ``exercises/`` from ``solutions/``
  with nbgrader ``generate_assignment``; ``--check`` only compares.
- ``python -m grading sandbox``: say whether student code can be sandboxed on this machine.

The instructor's guide is ``book/instructors.md``.
"""

# Imported first: the course package opts this process out of jsonschema's slow optional
# `rfc3987_syntax` import (2-3 s per grading process; see attnbook/__init__.py).
import attnbook  # noqa: F401
