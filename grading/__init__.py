"""Instructor tooling of the attnbook course: nbgrader-based grading (not part of the `attnbook` package).

- ``python -m grading grade ASSIGNMENT SUBMISSIONS/`` (``make grade``): autograde a class, write
  ``grades/<assignment>.csv`` and a feedback page per student (see :mod:`grading.grade`).
- ``python -m grading generate [ASSIGNMENT ...]``: regenerate ``exercises/`` from ``solutions/``
  with nbgrader ``generate_assignment``; ``--check`` only compares.
- ``python -m grading sandbox``: say whether student code can be sandboxed on this machine.

The instructor's guide is ``book/instructors.md``.
"""

# First, before anything imports nbformat: this process does without jsonschema's slow optional
# `rfc3987_syntax` import (about 1 s per grading process; see attnbook/_fast_imports.py).
from attnbook._fast_imports import skip_iri_parser

skip_iri_parser()
