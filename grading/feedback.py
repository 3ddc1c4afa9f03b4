"""The feedback pages in ``grades/<assignment>/``: nbgrader's HTML (made in ``workers``), or a page
with one message when a notebook was not graded; and the head start that makes the first page faster."""

from __future__ import annotations

import html
import threading

from .messages import N_, say, say_again
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


def write_page(run: Run, sid: str, message: str, language: str = "en") -> None:
    """A feedback page with one message (a notebook that was not graded, or whose page failed), in
    ``language`` (the notebook's: :func:`grading.messages.language_of`)."""
    run.page_file(sid).parent.mkdir(parents=True, exist_ok=True)
    student = say(N_("Student: {sid}"), language, sid=sid)
    run.page_file(sid).write_text(
        f"<!DOCTYPE html><html lang='{language}'><head><meta charset='utf-8'><title>"
        f"{html.escape(run.assignment)}: {html.escape(sid)}</title></head><body><h1>{html.escape(run.assignment)}"
        f"</h1><p>{html.escape(student)}</p><p>{html.escape(message)}</p></body></html>", encoding="utf-8")


def not_graded_page(run: Run, sid: str, record: dict) -> None:
    """The page of a notebook that was not graded, in its language (the record's notes keep it)."""
    language = (record.get("notes") or {}).get("language", "en")
    if record["outcome"] == "failed":
        reason = say_again(record["message"], record.get("message_i18n"), language)
        write_page(run, sid, say(N_("Your notebook could not be graded: {reason}. Score: 0. Fix the problem and "
                                    "submit again, or ask your instructor."), language, reason=reason), language)
    else:
        write_page(run, sid, say(N_("Your notebook has not been graded yet: the grading tool failed on it (not "
                                    "because of your work). Your instructor will grade it again."), language),
                   language)
