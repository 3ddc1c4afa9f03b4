"""nbgrader's ``Execute`` preprocessor with a whole-notebook time limit and no lost grades.

nbgrader's own ``Execute`` already has the per-cell timeout (it interrupts the kernel and records a
``CellTimeoutError``). This subclass, used in place of it during ``autograde`` (see
``grading.config.autograde_config``), adds what a class of real submissions needs:

- a time limit for the whole notebook: each cell's timeout is cut to the time that is left, and once
  it is spent the remaining cells are not run (they get a ``NotRun`` error and no points);
- a kernel that dies (``os._exit``, a crash, out of memory) or that does not stop after the cell's
  timeout (it ignores the interrupt) no longer fails the whole submission: that cell gets a
  ``KernelDied`` / ``KernelUnresponsive`` error, the later cells ``NotRun``, and the earlier
  questions keep their points;
- a cap on the text a cell may print (a flood would otherwise fill the grader's memory);
- tests that the answers cannot disarm: before the first cell, ``grading/guard.py`` records the
  kernel's pristine state, and before every test cell it restores it and runs the set-up cell again
  (the set-up helpers, the references, the seed), out of reach of input transformers;
- a test passes or fails: a number a test cell displays never becomes partial credit (nbgrader
  would score a cell by a number it ends with; its ``execute_result`` is shown as plain output);
- ``while_kernel_starts``: work of the grading process (``grading.feedback.warm_feedback``) done in a
  thread during the seconds the new kernel spends importing torch.

Errors are recorded as ordinary error outputs, so nbgrader scores those cells 0 by its usual rule.
"""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from nbgrader.utils import is_grade, is_locked, is_solution
from traitlets import Callable, Integer

GUARD = (Path(__file__).with_name("guard.py")).read_text(encoding="utf-8")


def error_output(ename: str, evalue: str):
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class GuardedExecute(Execute):
    """``Execute`` with a notebook time limit, survival of dead or stuck kernels, and an output cap."""

    notebook_timeout = Integer(300, help="seconds for the whole notebook (0: no limit)").tag(config=True)
    max_output_chars = Integer(20_000, help="characters of stream output kept per cell").tag(config=True)
    while_kernel_starts = Callable(None, allow_none=True,
                                   help="run in a thread once the kernel is launched").tag(config=True)

    async def async_start_new_kernel(self, **kwargs):
        await super().async_start_new_kernel(**kwargs)
        if self.while_kernel_starts is not None:
            threading.Thread(target=self.while_kernel_starts, daemon=True).start()

    start_new_kernel = run_sync(async_start_new_kernel)

    def preprocess(self, nb, resources=None, km=None):
        self._cell_timeout = self.timeout
        self._started = time.monotonic()
        self._stopped = ""  # why the remaining cells are not run
        self._chars: dict[int, int] = {}
        self._setup = "\n\n".join(c.source for c in nb.cells if c.cell_type == "code" and is_locked(c)
                                   and not is_grade(c) and not is_solution(c))
        self._guard = ""  # '' until installed, then 'installed' or why it could not be
        try:
            return super().preprocess(nb, resources, km)
        finally:
            self.timeout = self._cell_timeout

    def _remaining(self) -> float:
        if not self.notebook_timeout:
            return math.inf
        return self.notebook_timeout - (time.monotonic() - self._started)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not cell.source.strip():
            return super().preprocess_cell(cell, resources, index)
        if not self._stopped and self._remaining() < 1:
            self._stopped = f"not run: the notebook time limit ({self.notebook_timeout} s) was used up"
        if self._stopped:
            cell.outputs = [error_output("NotRun", self._stopped)]
            return cell, self.resources
        limit = self._cell_timeout or math.inf
        if self._remaining() < limit:
            limit = max(1, math.floor(self._remaining()))
            reason = f"the notebook time limit ({self.notebook_timeout} s) was reached in this cell"
        else:
            reason = f"the cell ran longer than its time limit ({self._cell_timeout} s)"
        self.timeout = None if limit == math.inf else int(limit)
        self.error_on_timeout = {"ename": "CellTimeoutError", "evalue": reason,
                                 "traceback": [f"CellTimeoutError: {reason}; the kernel was interrupted"]}
        try:
            if not self._guard:  # before any student code
                self._guard = self._in_kernel(
                    f"(lambda ns: (exec({GUARD!r}, ns), ns['install']({self._setup!r}))[1])"
                    "({'__name__': '_attnbook_guard'})") or "installed"
            test = is_grade(cell) and not is_solution(cell)
            if test:
                problem = self._guard if self._guard != "installed" else \
                    self._in_kernel("__import__('sys').modules['_attnbook_guard'].rearm()")
                if problem:
                    message = f"the tests' set-up could not be restored: {problem}"
                    cell.outputs = [error_output("TestSetUpError", message)]
                    return cell, self.resources
            cell, resources = super().preprocess_cell(cell, resources, index)
            for output in cell.outputs if test else []:
                if output.output_type == "execute_result":  # shown, never scored (partial credit)
                    output.output_type = "display_data"
                    output.pop("execution_count", None)
            return cell, resources
        except DeadKernelError:
            self._stop(cell, "KernelDied", "the kernel died while running this cell "
                       "(os._exit, a crash or running out of memory)", f"the kernel died in cell {index}")
        except CellTimeoutError:
            self._stop(cell, "KernelUnresponsive", f"{reason}, and the kernel did not stop when interrupted "
                       "(does the code ignore SIGINT?)", f"the kernel stopped responding in cell {index}")
        return cell, self.resources

    def _in_kernel(self, expression: str) -> str:
        """Evaluate ``expression`` in the kernel as the user expression of an empty silent request;
        '' when it worked, else the error."""
        msg_id = self.kc.execute("", silent=True, store_history=False, allow_stdin=False,
                                 user_expressions={"guard": expression})
        reply = self.wait_for_reply(msg_id)
        content = (reply or {}).get("content", {})
        result = content.get("user_expressions", {}).get("guard", {})
        if content.get("status") != "ok":
            return f"{content.get('ename', 'no reply')}: {content.get('evalue', '')}".rstrip(": ")
        if result.get("status") != "ok":
            return f"{result.get('ename')}: {result.get('evalue')}"
        return ""

    def _stop(self, cell, ename: str, evalue: str, why_later_cells_do_not_run: str) -> None:
        self.log.warning("%s: %s", ename, evalue)
        cell.outputs.append(error_output(ename, evalue))
        self._stopped = f"not run: {why_later_cells_do_not_run}"
        self.shutdown_kernel = "immediate"

    def output(self, outs, msg, display_id, cell_index):
        """Keep at most ``max_output_chars`` characters of stream output per cell; drop the rest."""
        if msg["msg_type"] == "stream" and self.max_output_chars >= 0:
            used = self._chars.get(cell_index, 0)
            text = msg["content"].get("text", "")
            if used >= self.max_output_chars:
                return None
            if used + len(text) > self.max_output_chars:
                keep = self.max_output_chars - used
                msg["content"]["text"] = text[:keep] + f"\n... output cut at {self.max_output_chars} characters ...\n"
                self._chars[cell_index] = self.max_output_chars
            else:
                self._chars[cell_index] = used + len(text)
        return super().output(outs, msg, display_id, cell_index)


class ShortTracebacks(NbGraderPreprocessor):  # nbgrader's base: enabled by default
    """Feedback: a failing test cell shows only ``ErrorName: message``, not the traceback, whose
    context lines would reveal the hidden tests' code."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            for output in cell.outputs:
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources
