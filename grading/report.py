"""What the grades file says: why a cell lost its points, and the CSV.

Status vocabulary (book/instructors.md): a question is ``ok`` or a ``' | '``-joined list of its
cells' problems (``q2_hidden_values: AssertionError: ...``), ``restored: <cells>`` (test cells put
back into the submission) and ``flagged: <what>`` (an answer cell that tried to disarm the tests,
or points above the maximum; the points are kept). A ``total`` is ``ok``, ``graded``,
``stopped: <why>``, ``flagged: <questions>``, ``failed: <why>`` (the submission cannot be graded,
0 points) or ``error: <why>`` (the grader failed; the command exits with an error).
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import nbformat

from . import assignments

CSV_HEADER = ["student", "question", "points", "max_points", "status"]


def first_line(text: str, limit: int = 160) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", text or "")
    text = re.sub(r"0x[0-9a-fA-F]{6,}", "0x...", text)
    line = next((row.strip() for row in text.splitlines() if row.strip()), "")
    return line if len(line) <= limit else line[: limit - 3] + "..."


def cell_problem(cell) -> str:
    """Why a graded cell lost its points, in a few words ('' when it did not)."""
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    names = [e.get("ename", "") for e in errors]
    if "NotRun" in names:
        return first_line(errors[names.index("NotRun")].get("evalue", ""))
    for special in ("KernelDied", "KernelUnresponsive", "CellTimeoutError"):
        if special in names:
            return f"{special}: {first_line(errors[names.index(special)].get('evalue', ''))}"
    if errors:
        error = errors[-1]
        if error.get("ename") == "NotImplementedError":
            return "not attempted (NotImplementedError)"
        return f"{error.get('ename')}: {first_line(error.get('evalue', ''))}".rstrip(": ")
    if any(o.get("output_type") == "stream" and o.get("name") == "stderr" for o in cell.get("outputs", [])):
        return "wrote to stderr (nbgrader gives 0 points to a test cell that does)"
    return ""


STOPS = ("KernelDied", "KernelUnresponsive", "not run: the notebook time limit")


def question_statuses(autograded: Path, source_questions: dict) -> tuple[dict[str, str], str]:
    """Per question its cells' problems (``grade_ids: problem``, in notebook order; '' for none); and why
    the notebook stopped early ('' when every cell ran)."""
    nb = nbformat.read(autograded, as_version=4)
    problems: dict[str, dict[str, list[str]]] = {q: {} for q in source_questions}
    stopped = ""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        problem = cell_problem(cell)
        if problem.startswith(STOPS) and not stopped:
            stopped = problem
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        question = assignments.question_of(grade_id)
        if question in problems and problem:
            problems[question].setdefault(problem, []).append(grade_id)
    statuses = {q: " | ".join(f"{', '.join(ids)}: {p}" for p, ids in found.items()) for q, found in problems.items()}
    return statuses, stopped


def fmt(x: float) -> str:
    return f"{x:g}"


def question_status(problem: str, notes: dict, question: str, points: float, max_points: float) -> str:
    """``ok``, or ' | '-joined: the cells' problems, ``restored: <cells>``, ``flagged: <what>``."""
    parts = [problem] if problem else []
    restored = [gid for gid in notes.get("restored", []) if assignments.question_of(gid) == question]
    if restored:
        parts.append(f"restored: {', '.join(restored)}")
    what = list(notes.get("flags", {}).get(question, []))
    if points > max_points:
        what.append(f"points above the maximum ({fmt(points)} > {fmt(max_points)})")
    if what:
        parts.append(f"flagged: {', '.join(what)}")
    return " | ".join(parts) or "ok"


def write_csv(path: Path, questions: dict, records: dict[str, dict], scores: dict[str, dict[str, float]]) -> Path:
    """``grades/<assignment>.csv``: per student, one row per question and a total row (UTF-8 with a
    BOM, so that a spreadsheet reads non-Latin ids). ``records``: the students' status records."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        total_max = sum(q["points"] for q in questions.values())
        for sid, record in sorted(records.items()):
            graded = record["outcome"] in ("graded", "stopped")  # else: failed (the submission) or error (the grader)
            notes = record.get("notes", {}) if graded else {}
            total, flagged = 0.0, []
            for q, info in questions.items():
                points = sum(scores.get(sid, {}).get(cell, 0.0) for cell in info["cells"]) if graded else 0.0
                total += points
                status = question_status(record["questions"].get(q, "not graded"), notes, q, points, info["points"])
                flagged += [q] if "flagged: " in status else []
                writer.writerow([sid, q, fmt(points), fmt(info["points"]), status])
            if not graded:
                status = f"{record['outcome']}: {record['message']}"
            else:
                status = f"stopped: {record['message']}" if record["outcome"] == "stopped" else \
                    ("ok" if total == total_max else "graded")
                flagged += ["the total is above the maximum"] if total > total_max else []
                if flagged:
                    status = ((status + " | " if record["outcome"] == "stopped" else "")
                              + f"flagged: {', '.join(flagged)}")
            writer.writerow([sid, "total", fmt(total), fmt(total_max), status])
    os.replace(tmp, path)
    return path
