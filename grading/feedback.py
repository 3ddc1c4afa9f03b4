"""The feedback pages in ``grades/<assignment>/``: nbgrader's HTML (made in ``workers``), or a page
with one message when a notebook was not graded; and the head start that makes the first page faster."""

from __future__ import annotations

import html
import threading

from .records import Run

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
