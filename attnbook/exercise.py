"""Checks that the tests of the exercise notebooks call (``exercises/NN_name/``).

Each exercise's set-up cell imports them:
``from attnbook.exercise import check_close, ...``. They need only PyTorch and the
standard library, so they work wherever the course package is installed (Colab
installs it in the exercise's first cell). When an exercise is graded, the grader
runs the set-up cell again before every test cell, so a test always calls these.

The set-up cell also calls :func:`warnings_to_stdout`: nbgrader scores a test cell 0
when anything reaches stderr, and Python prints warnings there. With warnings on
stdout, a correct answer that raises one passes everywhere alike: the learner's own
run, nbgrader's Validate button, a stock ``nbgrader autograde`` and the course's
grader.
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
import warnings
from typing import Callable

import torch

__all__ = ["check_close", "check_written_here", "expect_value_error", "warnings_to_stdout"]


def check_close(actual, expected, name: str, atol: float = 1e-5) -> None:
    """Assert that tensor ``actual`` has the shape, dtype and values of ``expected``.

    ``actual`` must be a ``torch.Tensor`` (or a parameter), not a subclass of one.

    Values agree when the largest absolute difference is at most ``atol``; NaN
    never agrees.

    Raises:
        AssertionError: naming ``name`` and what differs (type, shape, dtype, NaN
            or values).
    """
    got = type(actual).__name__
    # Exactly a tensor: a subclass could redefine what every comparison below answers.
    assert type(actual) in (torch.Tensor, torch.nn.Parameter), \
        f"{name}: expected a torch.Tensor, got {got}"
    want, shape = tuple(expected.shape), tuple(actual.shape)
    assert shape == want, f"{name}: expected shape {want}, got {shape}"
    assert actual.dtype == expected.dtype, \
        f"{name}: expected dtype {expected.dtype}, got {actual.dtype}"
    assert not torch.isnan(actual).any(), f"{name}: contains NaN"
    error = (actual.detach() - expected).abs().max().item() if actual.numel() else 0.0
    assert error <= atol, (f"{name}: values differ from the reference "
                           f"(max abs error {error:.3g} > {atol:g})")


def check_written_here(fn: Callable, forbidden: tuple[str, ...]) -> None:
    """Assert that ``fn`` is defined in the notebook and uses no ``forbidden`` name.

    Raises:
        AssertionError: ``fn`` comes from a module, or its source names a forbidden
            function.
    """
    assert getattr(fn, "__module__", None) == "__main__", \
        f"{fn.__qualname__} must be defined in this notebook"
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    nodes = list(ast.walk(tree))
    used = {node.attr for node in nodes
            if isinstance(node, ast.Attribute) and node.attr in forbidden}
    used |= {node.id for node in nodes if isinstance(node, ast.Name)
             and node.id in forbidden and node.id != fn.__name__}
    assert not used, (f"{fn.__qualname__} must be written with tensor operations, "
                      f"not with {sorted(used)}")


def expect_value_error(call: Callable[[], object], must_mention: str,
                       name: str) -> None:
    """Assert that ``call()`` raises a ValueError whose message has ``must_mention``.

    Raises:
        AssertionError: nothing was raised, or the message does not name
            ``must_mention``.
    """
    try:
        call()
    except ValueError as error:
        assert must_mention in str(error), \
            f"{name}: the ValueError should name {must_mention!r}, got {error}"
    else:
        raise AssertionError(f"{name}: expected a ValueError, nothing was raised")


def _show_on_stdout(message, category, filename, lineno, file=None, line=None) -> None:
    text = warnings.formatwarning(message, category, filename, lineno, line)
    print(text, end="", file=sys.stdout)


def warnings_to_stdout() -> None:
    """Show Python warnings on stdout instead of stderr, from now on in this process.

    A warning is shown, never scored: nbgrader gives 0 points to a test cell that
    writes to stderr (``print(..., file=sys.stderr)`` still does), and every nbgrader
    tool reads the same notebook, so they agree on a warning.
    """
    warnings.showwarning = _show_on_stdout
