"""Instructor tooling of the attnbook course: nbgrader-based grading (not part of the `attnbook` package).

- ``python -m grading grade ASSIGNMENT SUBMISSIONS/`` (``make grade``): autograde a class, write
  ``grades/<assignment>.csv`` and a feedback page per student (see :mod:`grading.grade`).
- ``python -m grading generate [ASSIGNMENT ...]``: regenerate ``exercises/`` from ``solutions/``
  with nbgrader ``generate_assignment``; ``--check`` only compares.
- ``python -m grading sandbox``: say whether student code can be sandboxed on this machine.

The instructor's guide is ``book/instructors.md``.
"""

import sys as _sys

# jsonschema (imported by nbformat) imports the optional `rfc3987_syntax` when it is installed (nbgrader's
# dependencies install it), which builds a parser at import time: about 2-3 s per grading process on a
# 2-core machine. Notebooks never need its IRI format checks, so this process goes without it.
_sys.modules.setdefault("rfc3987_syntax", None)
