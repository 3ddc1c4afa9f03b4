"""For the course's own build and grading processes only: skip jsonschema's slow optional import.

jsonschema, which nbformat imports (jupyter-book, myst-nb, nbclient and nbgrader all read
notebooks with it, and so does ``myst_nb.glue`` in a chapter's kernel), imports the optional
``rfc3987_syntax`` when it is installed; that module builds a parser for IRIs at import time,
about 1 s of every such process (0.9 s measured on the course's 2-core build machine, 2-3 s on
slower ones). The course validates no IRIs: without the module jsonschema only skips its "iri"
format checks.

The learner's package does not do this: importing ``attnbook`` changes nothing global
(tests/test_package.py). The entry points that start the build and the grading call
:func:`skip_iri_parser` before they import nbformat (``attnbook._execute``, ``attnbook._i18n``,
``grading``), and ``attnbook._execute`` starts the chapter kernels with
:func:`kernel_arguments`.
"""

from __future__ import annotations

import sys

MODULE = "rfc3987_syntax"
"""The optional module that jsonschema imports and the course does without."""

KERNEL_LINE = f"__import__('sys').modules.setdefault({MODULE!r}, None)"
"""The same, as a line for a kernel to run before the notebook: it binds no name."""


def skip_iri_parser() -> None:
    """Make ``import rfc3987_syntax`` fail in this process (a ``None`` in ``sys.modules``), so
    that jsonschema skips it; nothing when the module was imported already."""
    sys.modules.setdefault(MODULE, None)


def kernel_arguments() -> list[str]:
    """Command-line arguments for an IPython kernel (nbclient's ``extra_arguments``) that make
    it run :data:`KERNEL_LINE` when it starts, before the notebook's first cell; the line is
    not in the kernel's history and its execution count is not used."""
    return [f"--IPKernelApp.exec_lines={KERNEL_LINE}"]
