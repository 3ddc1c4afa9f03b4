"""The grading pipeline, end to end, with the real command (`python -m grading grade`).

- Per assignment, ONE batch: the solution gets full marks, the untouched student version zero (and
  does not crash the batch), and every classic-mistake fixture (tests/fixtures/grading/<assignment>/)
  loses points on its question while the questions that do not build on it keep full marks
  (fixtures that touch disjoint questions share a submission, to keep the test fast).
- One batch of nasty submissions (tests/fixtures/grading/nasty/, graded against a throw-away copy of
  the course so that nothing real can be deleted, with the submissions folder inside that course):
  raise, loop forever, ignore SIGINT, os._exit, delete files, flood stdout, write to stderr, warn,
  import a missing module, unreadable JSON; cheats (redefined helpers, an input transformer, a
  swapped reference, patched torch functions); deleted hidden cells, a fresh notebook, an extra
  notebook, edited metadata, another assignment's notebook, Korean, spaced and duplicate ids.
  Every honest student is graded correctly, each failure and flag is named in that student's
  status column, and re-grading one student (or a re-submission) or the whole batch gives the
  same CSV.

Per-cell timeout: $ATTNBOOK_TEST_CELL_TIMEOUT seconds (default 20: the grading kernel imports torch
while it starts, so no cell of a correct submission comes near it on an idle machine, and a machine
shared with other work (load average 10 on 2 cores here) does not push a slow cell over it).
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
import unicodedata
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grading import assignments, fixtures  # noqa: E402
from grading.sandbox import probe_bwrap  # noqa: E402

CELL_TIMEOUT = int(os.environ.get("ATTNBOOK_TEST_CELL_TIMEOUT", "20"))
SANDBOX = probe_bwrap()


def grade(assignment: str, submissions: Path, work: Path, *extra: str, cwd: Path = ROOT, env: dict | None = None,
          check: bool = True) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "grading", "grade", assignment, str(submissions), "--work-dir", str(work / "work"),
           "--grades-dir", str(work / "grades"), "--cell-timeout", str(CELL_TIMEOUT), "--notebook-timeout", "120",
           "--jobs", "3", *extra]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", **(env or {})}
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if check:
        assert result.returncode == 0, \
            f"grading failed ({result.returncode}):\n{result.stdout}\n{result.stderr[-4000:]}"
    return result


def read_csv(path: Path) -> dict[tuple[str, str], dict[str, str]]:
    assert path.read_bytes().startswith(b"\xef\xbb\xbf"), "the CSV starts with a UTF-8 byte-order mark"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and list(rows[0]) == ["student", "question", "points", "max_points", "status"]
    return {(row["student"], row["question"]): row for row in rows}


def points(rows, student, question) -> tuple[float, float]:
    row = rows[(student, question)]
    return float(row["points"]), float(row["max_points"])


# ---------------------------------------------------------------------------------------------
# Flags (no kernel)


def test_flags_name_what_an_answer_cell_does_to_the_tests_set_up():
    from grading import submission

    release = nbformat.read(assignments.release_notebook(NASTY_ASSIGNMENT), as_version=4)
    cheat = """
import torch.nn as nn                      # the same module as the set-up's: fine
from torch import Tensor
def check_close(*args, **kwargs):
    return None
F = None
torch.equal = lambda *args: True
setattr(nn, "MultiheadAttention", object)
import sys
sys.modules["torch"] = None
%timeit 1
exec("print(1)")
def helper():
    global SDPA_FORBIDDEN
    SDPA_FORBIDDEN = ()
"""
    honest = """
import math
import torch
def helper(x):
    nn = 3                                 # a local name: fine
    for F in range(2):
        pass
    return x
class Box:
    def __init__(self):
        self.torch = 1
"""
    nb = fixtures.make_submission(NASTY_ASSIGNMENT, {"q2_solution": cheat, "q4_solution": honest})
    nb.cells.insert(3, nbformat.v4.new_code_cell("torch.allclose = None"))  # a cell of its own, before q1
    assert submission.flags(nb, release) == {
        "q1": ["assigns torch.allclose"],
        "q2": ["redefines check_close", "reassigns F", "assigns torch.equal", "setattr() on nn", "sys.modules",
               "get_ipython()", "exec()", "reassigns SDPA_FORBIDDEN"]}


def test_the_sandbox_does_not_open_the_folder_the_grader_was_started_from(tmp_path, monkeypatch):
    """`python -m grading` started from the instructor's home puts it first on sys.path: the
    sandboxed kernel must not get it (its files could be printed into a student's feedback)."""
    from grading.sandbox import read_only_folders

    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    monkeypatch.chdir(home)
    monkeypatch.setattr(sys, "path", [str(home), *sys.path])
    monkeypatch.delenv("PYTHONPATH", raising=False)
    folders = read_only_folders(ROOT)
    assert str(home) not in folders and str(home.resolve()) not in folders
    assert str(ROOT) in folders and str(Path(sys.prefix).absolute()) in folders


def test_the_grading_process_does_not_import_torch(tmp_path):
    """Only the students' kernels need torch (3 s to import here): the grading process gets an
    assignment ready (gradebook, kernelspec with the modules each kernel preloads) without it."""
    script = ("import json, sys\nfrom grading.grade import Settings, prepare\n"
              f"prepare({NASTY_ASSIGNMENT!r}, Settings(work_dir={str(tmp_path)!r}, quiet=True))\n"
              "print(json.dumps('torch' in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    assert result.stdout.split()[-1] == "false"
    spec = json.loads((tmp_path / "jupyter" / "kernels" / "attnbook-grading" / "kernel.json").read_text())
    assert spec["env"]["ATTNBOOK_SANDBOX_PRELOAD"] == "torch,math,torch.nn.functional,attnbook.exercise"


def test_points_above_the_maximum_are_flagged(tmp_path):
    """Scores come from the gradebook, where a manual override can exceed a cell's points."""
    from grading import report

    questions = {"q1": {"points": 2.0, "cells": ["q1_a"]}, "q2": {"points": 3.0, "cells": ["q2_a"]}}
    record = {"outcome": "graded", "message": "", "questions": {"q1": "", "q2": ""}, "notes": {}}
    path = report.write_csv(tmp_path / "a.csv", questions, {"over": record, "fine": record},
                            {"over": {"q1_a": 5.0, "q2_a": 3.0}, "fine": {"q1_a": 2.0, "q2_a": 3.0}})
    rows = read_csv(path)
    assert rows[("over", "q1")]["status"] == "flagged: points above the maximum (5 > 2)"
    assert rows[("over", "total")]["points"] == "8"
    assert rows[("over", "total")]["status"] == "flagged: q1, the total is above the maximum"
    assert rows[("fine", "total")]["status"] == "ok"


# ---------------------------------------------------------------------------------------------
# One batch per assignment: solution, blank, classic mistakes


def pack(mistakes: list[fixtures.Fixture]) -> list[list[fixtures.Fixture]]:
    """Group fixtures into as few submissions as possible: fixtures in one submission replace
    different cells and touch disjoint questions (their question and the ones that build on it), so
    each question's score still answers for one fixture. Saves most of the kernels of the test."""
    groups: list[list[fixtures.Fixture]] = []
    for mistake in mistakes:
        touched = {mistake.question, *mistake.also}
        for group in groups:
            if all(not touched & {m.question, *m.also} and not set(mistake.cells) & set(m.cells) for m in group):
                group.append(mistake)
                break
        else:
            groups.append([mistake])
    return groups


@pytest.fixture(scope="module")
def classic(tmp_path_factory):
    """Every assignment's batch (solution, blank, its classic mistakes packed into submissions), graded
    in one process (the Python API of the command: one start-up instead of one per assignment)."""
    base = tmp_path_factory.mktemp("classic")
    packs = {}
    for assignment in assignments.assignment_ids():
        subs = base / assignment
        # No "solution" student: the grader grades the instructor's solution itself before anyone.
        fixtures.write(fixtures.make_submission(assignment, blank=True), subs / "blank.ipynb")
        for variant in fixtures.fixtures(f"honest/{assignment}"):
            fixtures.write(fixtures.make_submission(assignment, variant.cells), subs / f"honest_{variant.name}.ipynb")
        packs[assignment] = pack(fixtures.fixtures(assignment))
        for i, group in enumerate(packs[assignment]):
            cells = {gid: src for mistake in group for gid, src in mistake.cells.items()}
            fixtures.write(fixtures.make_submission(assignment, cells), subs / f"mistakes{i}.ipynb")
        if assignment == KOREAN_ASSIGNMENT:  # the Korean edition's hand-ins, right and wrong
            fixtures.write(fixtures.make_submission(assignment, language="ko"), subs / "ko_solution.ipynb")
            cells = {gid: src for mistake in packs[assignment][0] for gid, src in mistake.cells.items()}
            fixtures.write(fixtures.make_submission(assignment, cells, language="ko"),
                           subs / "ko_mistakes0.ipynb")
    script = (
        "from grading.grade import Settings, grade\n"
        "from grading.assignments import assignment_ids\n"
        f"settings = Settings(work_dir={str(base / 'work')!r}, grades_dir={str(base / 'grades')!r}, "
        f"cell_timeout={CELL_TIMEOUT}, notebook_timeout=120, jobs=2, feedback=False)\n"
        f"for a in assignment_ids():\n    grade(a, {str(base)!r} + '/' + a, settings=settings)\n"
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=1200)
    assert result.returncode == 0, f"grading failed:\n{result.stdout}\n{result.stderr[-4000:]}"
    return base / "grades", packs, base


def test_a_korean_hand_in_is_graded_as_the_english_one(classic):
    """The Korean edition's notebook (ko/exercises: the same code cells, Korean prose) with every
    answer right gets full marks; with the first pack of classic mistakes it loses exactly the
    points the English hand-in with the same mistakes loses, question by question."""
    grades, packs, base = classic
    rows = read_csv(grades / f"{KOREAN_ASSIGNMENT}.csv")
    questions = assignments.questions(assignments.source_notebook(KOREAN_ASSIGNMENT))
    korean = fixtures.make_submission(KOREAN_ASSIGNMENT, language="ko")
    assert any("\uac00" <= char <= "\ud7a3" for cell in korean.cells if cell.cell_type == "markdown"
               for char in cell.source), "the Korean hand-in is the Korean edition"
    for q in (*questions, "total"):
        assert rows[("ko_solution", q)]["status"] == "ok", rows[("ko_solution", q)]
    for q in questions:
        assert points(rows, "ko_solution", q)[0] == questions[q]["points"]
        assert points(rows, "ko_mistakes0", q) == points(rows, "mistakes0", q), q
    assert points(rows, "ko_mistakes0", "total") == points(rows, "mistakes0", "total")
    assert points(rows, "ko_mistakes0", "total")[0] < points(rows, "ko_solution", "total")[0]


@pytest.mark.parametrize("assignment", assignments.assignment_ids())
def test_solution_blank_and_classic_mistakes(assignment, classic):
    grades, packs, base = classic
    mistakes = fixtures.fixtures(assignment)
    questions = assignments.questions(assignments.source_notebook(assignment))
    for q in questions:
        assert any(m.question == q for m in mistakes), f"{assignment}: no classic-mistake fixture for {q}"
    rows = read_csv(grades / f"{assignment}.csv")

    total = sum(q["points"] for q in questions.values())
    model = json.loads((base / "work" / "status" / f"{assignment}.installation.json").read_text())
    assert model["points"] == total, "the instructor's solution got full marks before the students"
    assert not any(student.startswith("_") for student, _ in rows), "the model answer is no student"
    for variant in fixtures.fixtures(f"honest/{assignment}"):
        student = f"honest_{variant.name}"
        assert [rows[(student, q)]["status"] for q in (*questions, "total")] == ["ok"] * (len(questions) + 1), \
            f"{variant.name} ({variant.description}) is correct: full marks, nothing flagged"
    for q in questions:
        assert points(rows, "blank", q)[0] == 0, rows[("blank", q)]
        assert "not attempted" in rows[("blank", q)]["status"], rows[("blank", q)]
    assert rows[("blank", "total")]["status"] == "graded" and float(rows[("blank", "total")]["points"]) == 0

    for i, group in enumerate(packs[assignment]):
        student = f"mistakes{i}"
        for mistake in group:
            assert mistake.question in questions, f"{mistake.name}: unknown question {mistake.question}"
            got, best = points(rows, student, mistake.question)
            assert got < best, f"{mistake.name} ({mistake.description}) keeps all points of {mistake.question}"
            assert rows[(student, mistake.question)]["status"] != "ok"
        touched = {q for mistake in group for q in (mistake.question, *mistake.also)}
        for q in set(questions) - touched:
            assert points(rows, student, q)[0] == questions[q]["points"], \
                f"{[m.name for m in group]} should not cost points on {q}: {rows[(student, q)]}"


# ---------------------------------------------------------------------------------------------
# The nasty batch

NASTY_ASSIGNMENT = "03_self_attention"
KOREAN_ASSIGNMENT = "03_self_attention"
QUESTIONS = ("q1", "q2", "q3", "q4")
KOREAN, KOREAN_NFD = "학생01", unicodedata.normalize("NFD", "학생02")
CHEATS = {"cheat_redefines_helpers": "redefines check_close", "cheat_input_transformer": "get_ipython()",
          "cheat_swapped_reference":
              "assigns nn.MultiheadAttention, uses nn.MultiheadAttention (the exercise forbids it)",
          "cheat_patches_torch": "assigns torch.allclose, assigns torch.equal, assigns torch.Tensor.item"}
METADATA_REFUSED = ("failed: the nbgrader metadata of cell q2_solution was changed (it must stay as handed out): "
                    "copy your answers into a fresh copy of the exercise and hand that in")


def course_copy(target: Path) -> Path:
    """What grading needs, copied: a failure of the sandbox could only damage this copy."""
    for name in ("nbgrader_config.py",):
        shutil.copy2(ROOT / name, target / name)
    for folder in ("grading", "attnbook", f"solutions/{NASTY_ASSIGNMENT}", "solutions/04_multi_head_attention"):
        shutil.copytree(ROOT / folder, target / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def without_hidden_tests(nb):
    nb.cells = [c for c in nb.cells if "_hidden" not in c.metadata.get("nbgrader", {}).get("grade_id", "")]
    return nb


@pytest.fixture(scope="module")
def nasty(tmp_path_factory):
    """Grade the nasty batch once (against a copy of the course); return what the tests need."""
    base = tmp_path_factory.mktemp("nasty")
    course = base / "course"
    course.mkdir()
    course_copy(course)
    subs = course / "submissions"  # inside the course: the sandbox must hide it all the same
    solution = fixtures.make_submission(NASTY_ASSIGNMENT)
    # The well-behaved student hands in nbgrader's collect layout: <student>/<assignment>/<assignment>.ipynb
    fixtures.write(solution, subs / "good" / NASTY_ASSIGNMENT / f"{NASTY_ASSIGNMENT}.ipynb")
    for fixture in fixtures.fixtures("nasty"):
        if fixture.name == "tampers" and not SANDBOX.available:
            continue  # without a sandbox it would really delete (the copy's) files
        nb = fixtures.make_submission(NASTY_ASSIGNMENT, fixture.cells)
        if fixture.name == "writes_a_notebook":  # a folder with other files: only <assignment>.ipynb counts
            fixtures.write(nb, subs / fixture.name / f"{NASTY_ASSIGNMENT}.ipynb")
            fixtures.write(solution, subs / fixture.name / "draft.ipynb")
            (subs / fixture.name / "notes.txt").write_text("my notes", encoding="utf-8")
        else:
            fixtures.write(nb, subs / f"{fixture.name}.ipynb")
    (subs / "not_json.ipynb").write_text("{ this is not a notebook", encoding="utf-8")
    (subs / "two_notebooks").mkdir()
    for name in ("a.ipynb", "b.ipynb"):
        fixtures.write(solution, subs / "two_notebooks" / name)
    fixtures.write(without_hidden_tests(fixtures.make_submission(NASTY_ASSIGNMENT)), subs / "deleted_hidden.ipynb")
    sources = ["import math\nimport torch\nfrom torch import Tensor",
               *fixtures.solution_sources(NASTY_ASSIGNMENT).values()]
    fresh = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in sources])
    fixtures.write(fresh, subs / "fresh_notebook.ipynb")
    tampered = fixtures.make_submission(NASTY_ASSIGNMENT)
    for cell in tampered.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "q2_solution":
            cell.metadata.nbgrader.update(grade=True, points=100)
    fixtures.write(tampered, subs / "graded_metadata.ipynb")
    fixtures.write(fixtures.make_submission("04_multi_head_attention"), subs / "wrong_assignment.ipynb")
    for name in (KOREAN, KOREAN_NFD, "alice smith", "dup", "resubmits"):
        fixtures.write(solution, subs / f"{name}.ipynb")
    fixtures.write(solution, subs / "dup" / "dup.ipynb")
    sandbox = "require" if SANDBOX.available else "off"
    env = {"PYTHONPATH": str(course)}  # the kernels import attnbook from the copy
    result = grade(NASTY_ASSIGNMENT, subs, base, "--sandbox", sandbox, cwd=course, env=env)
    csv_path = base / "grades" / f"{NASTY_ASSIGNMENT}.csv"
    return {"base": base, "course": course, "subs": subs, "env": env, "sandbox": sandbox, "result": result,
            "csv": csv_path, "first_csv": csv_path.read_text(encoding="utf-8"), "rows": read_csv(csv_path)}


def status(nasty, student, question="total"):
    return nasty["rows"][(student, question)]["status"]


def full_marks(nasty, student, questions):
    return all(points(nasty["rows"], student, q)[0] == points(nasty["rows"], student, q)[1] for q in questions)


def row(nasty, student, question="total") -> tuple[float, str]:
    return points(nasty["rows"], student, question)[0], status(nasty, student, question)


def assert_honest_student_untouched(nasty):
    assert [row(nasty, "good", q) for q in (*QUESTIONS, "total")] == \
        [(2, "ok"), (4, "ok"), (4, "ok"), (2, "ok"), (12, "ok")]


def test_nasty_batch_grades_good_students_correctly(nasty):
    assert status(nasty, "good") == "ok" and points(nasty["rows"], "good", "total") == (12, 12)
    assert status(nasty, "noisy_output") == "ok", "stdout and Python warnings must not cost points"
    autograded = nasty["base"] / "work" / "autograded" / "noisy_output" / NASTY_ASSIGNMENT / f"{NASTY_ASSIGNMENT}.ipynb"
    assert autograded.stat().st_size < 1_000_000, "the flood should have been cut"


def test_nasty_failures_are_reported_per_question(nasty):
    assert "ValueError: I gave up on this one" in status(nasty, "raises", "q2")
    assert full_marks(nasty, "raises", ["q1"])
    assert "CellTimeoutError" in status(nasty, "infinite_loop", "q4")
    assert full_marks(nasty, "infinite_loop", ["q1", "q2", "q3"]), "questions before the loop keep their points"
    assert "KernelUnresponsive" in status(nasty, "ignores_sigint", "q4")
    assert status(nasty, "ignores_sigint").startswith("stopped: KernelUnresponsive")
    assert full_marks(nasty, "ignores_sigint", ["q1", "q2", "q3"])
    assert "KernelDied" in status(nasty, "os_exit", "q4") and status(nasty, "os_exit").startswith("stopped: KernelDied")
    assert full_marks(nasty, "os_exit", ["q1", "q2", "q3"])
    assert "wrote to stderr" in status(nasty, "writes_stderr", "q2")
    assert points(nasty["rows"], "writes_stderr", "q2")[0] == 0 and full_marks(nasty, "writes_stderr", ["q1"])
    assert "ModuleNotFoundError: No module named 'attention_is_all_you_need_helpers'" in \
        status(nasty, "missing_import", "q4")
    assert full_marks(nasty, "missing_import", ["q1", "q2", "q3"])
    assert status(nasty, "not_json").startswith("failed: the notebook cannot be read")
    assert status(nasty, "two_notebooks").startswith("failed: 2 notebooks")
    for student in ("not_json", "two_notebooks"):
        assert points(nasty["rows"], student, "total")[0] == 0


def test_csv_has_a_row_per_student_and_question_plus_totals(nasty):
    students = {s for s, _ in nasty["rows"]}
    expected = {unicodedata.normalize("NFC", p.stem if p.is_file() else p.name) for p in nasty["subs"].iterdir()}
    assert students == expected
    for student in students:
        assert [q for s, q in nasty["rows"] if s == student] == ["q1", "q2", "q3", "q4", "total"]
        total = sum(points(nasty["rows"], student, q)[0] for q in ("q1", "q2", "q3", "q4"))
        assert points(nasty["rows"], student, "total") == (total, 12)


def test_feedback_page_per_student_without_hidden_tests(nasty):
    pages = nasty["base"] / "grades" / NASTY_ASSIGNMENT
    for student in {s for s, _ in nasty["rows"]}:
        page = (pages / f"{student}.html").read_text(encoding="utf-8")
        assert student in page or "Score" in page
        assert "BEGIN HIDDEN TESTS" not in page and "generate_square_subsequent_mask" not in page
    assert "could not be graded" in (pages / "not_json.html").read_text(encoding="utf-8")


def test_sandbox_protects_the_course_and_blocks_the_network(nasty):
    if not SANDBOX.available:
        # Grading itself refuses `--sandbox require` on such a machine (next test); CI and graders install it.
        pytest.skip(f"no sandbox on this machine ({SANDBOX.reason}): install bubblewrap (`make sandbox`)")
    assert "sandbox: bubblewrap" in nasty["result"].stderr
    course = nasty["course"]
    assert (course / "attnbook" / "__init__.py").is_file() and (course / "nbgrader_config.py").is_file()
    assert (course / "solutions" / NASTY_ASSIGNMENT / f"{NASTY_ASSIGNMENT}.ipynb").is_file()
    assert status(nasty, "tampers") == "ok", "its attempts fail, its answers are right"
    autograded = nasty["base"] / "work" / "autograded" / "tampers" / NASTY_ASSIGNMENT / f"{NASTY_ASSIGNMENT}.ipynb"
    nb = nbformat.read(autograded, as_version=4)
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "could not read 03_self_attention.ipynb FileNotFoundError" in printed  # solutions/ is hidden
    assert ("could not read 03_self_attention.ipynb PermissionError" in printed  # its own notebook is hidden
            or "read 03_self_attention.ipynb 0 characters" in printed)
    assert "generate_square_subsequent_mask" not in printed and "HIDDEN TESTS" not in printed
    assert "could not delete attnbook OSError" in printed  # read-only file system
    assert "network: unreachable" in printed
    assert "other submissions visible: 0" in printed  # the submissions folder lies inside the course


@pytest.mark.parametrize("cheat", sorted(CHEATS))
def test_cheats_do_not_disarm_the_hidden_tests_and_are_flagged(nasty, cheat):
    """A wrong q4 with a cheat: q4 scores 0, and is flagged. Run without the guard (a plain nbclient
    run of the instructor's notebook), each cheat passes q4's hidden tests (the first two its visible
    test too): 1.5 or 2 points instead of 0."""
    assert [row(nasty, cheat, q)[0] for q in QUESTIONS] == [2, 4, 4, 0]
    assert row(nasty, cheat, "q4")[1].startswith("q4_visible: ")
    assert row(nasty, cheat, "q4")[1].endswith(f" | flagged: {CHEATS[cheat]}")
    assert [row(nasty, cheat, q)[1] for q in ("q1", "q2", "q3")] == ["ok"] * 3
    assert row(nasty, cheat) == (10, "flagged: q4")
    assert_honest_student_untouched(nasty)


def test_deleted_tests_and_fresh_notebooks_are_graded_with_the_tests_restored(nasty):
    assert [row(nasty, "deleted_hidden", q) for q in (*QUESTIONS, "total")] == [
        (2, "restored: q1_hidden"), (4, "restored: q2_hidden_values, q2_hidden_axis"),
        (4, "restored: q3_hidden_padding, q3_hidden_fully_masked"), (2, "restored: q4_hidden"), (12, "ok")]
    assert [row(nasty, "fresh_notebook", q) for q in (*QUESTIONS, "total")] == [
        (2, "restored: q1_visible, q1_hidden"), (4, "restored: q2_visible, q2_hidden_values, q2_hidden_axis"),
        (4, "restored: q3_visible, q3_hidden_padding, q3_hidden_fully_masked"),
        (2, "restored: q4_visible, q4_hidden"), (12, "ok")]
    assert_honest_student_untouched(nasty)


def test_an_extra_notebook_or_file_in_a_students_folder_is_ignored(nasty):
    assert [row(nasty, "writes_a_notebook", q) for q in (*QUESTIONS, "total")] == \
        [(2, "ok"), (4, "ok"), (4, "ok"), (2, "ok"), (12, "ok")]
    page = (nasty["base"] / "grades" / NASTY_ASSIGNMENT / "writes_a_notebook.html").read_text(encoding="utf-8")
    assert "could not be graded" not in page and "causal_mask" in page  # nbgrader's page, with the code
    assert_honest_student_untouched(nasty)


@pytest.mark.parametrize("student, message", [
    ("graded_metadata", METADATA_REFUSED),
    ("wrong_assignment", "failed: this is the notebook of assignment 04_multi_head_attention, not 03_self_attention"),
    ("alice smith", "failed: the student id 'alice smith' (from alice smith.ipynb) must be letters and digits, "
                    "then letters, digits and . _ @ + - (at most 64, no spaces): rename the file and grade it again"),
    ("dup", "failed: two submissions for dup: dup/ and dup.ipynb"),
])
def test_a_file_that_cannot_be_graded_fails_that_student_only(nasty, student, message):
    assert row(nasty, student) == (0, message)
    assert all(row(nasty, student, q) == (0, "not graded: " + message[len("failed: "):]) for q in QUESTIONS)
    page = (nasty["base"] / "grades" / NASTY_ASSIGNMENT / f"{student}.html").read_text(encoding="utf-8")
    assert "could not be graded" in page and html.escape(message[len("failed: "):]) in page
    assert nasty["result"].returncode == 0
    assert_honest_student_untouched(nasty)


def test_unicode_ids_are_accepted_and_nfc_normalised(nasty):
    for student in (KOREAN, unicodedata.normalize("NFC", KOREAN_NFD)):
        assert row(nasty, student) == (12, "ok")
        assert (nasty["base"] / "grades" / NASTY_ASSIGNMENT / f"{student}.html").is_file()
    assert KOREAN_NFD not in {s for s, _ in nasty["rows"]}
    assert_honest_student_untouched(nasty)


def test_a_resubmission_is_graded_from_scratch(nasty):
    """Graded 12/12, then handed in again as the stubs without any hidden-test cell: 0, not 9."""
    assert row(nasty, "resubmits") == (12, "ok")
    fixtures.write(without_hidden_tests(fixtures.make_submission(NASTY_ASSIGNMENT, blank=True)),
                   nasty["subs"] / "resubmits.ipynb")
    try:
        grade(NASTY_ASSIGNMENT, nasty["subs"], nasty["base"], "--sandbox", nasty["sandbox"], "--student", "resubmits",
              "--no-feedback", cwd=nasty["course"], env=nasty["env"])
        rows = read_csv(nasty["csv"])
        assert [float(rows[("resubmits", q)]["points"]) for q in (*QUESTIONS, "total")] == [0] * 5
        assert rows[("resubmits", "q1")]["status"].endswith(" | restored: q1_hidden")
        assert rows[("resubmits", "total")]["status"] == "graded"
        assert rows[("good", "total")]["points"] == "12"
    finally:
        fixtures.write(fixtures.make_submission(NASTY_ASSIGNMENT), nasty["subs"] / "resubmits.ipynb")


def test_regrading_one_student_or_the_whole_batch_gives_the_same_csv(nasty):
    extra = ("--sandbox", nasty["sandbox"])
    grade(NASTY_ASSIGNMENT, nasty["subs"], nasty["base"], *extra, "--student", "os_exit",
          cwd=nasty["course"], env=nasty["env"])
    assert nasty["csv"].read_text(encoding="utf-8") == nasty["first_csv"]
    grade(NASTY_ASSIGNMENT, nasty["subs"], nasty["base"], *extra, "--no-feedback", cwd=nasty["course"],
          env=nasty["env"])
    assert nasty["csv"].read_text(encoding="utf-8") == nasty["first_csv"]


# ---------------------------------------------------------------------------------------------
# Without a sandbox


def test_without_a_sandbox_the_command_says_so(tmp_path):
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "bwrap").write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    (fake / "bwrap").chmod(0o755)
    env = {"PATH": f"{fake}{os.pathsep}{os.environ['PATH']}"}
    subs = tmp_path / "submissions"
    fixtures.write(fixtures.make_submission(NASTY_ASSIGNMENT), subs / "good.ipynb")
    refused = grade(NASTY_ASSIGNMENT, subs, tmp_path, "--sandbox", "require", env=env, check=False)
    assert refused.returncode == 2 and "no sandbox available" in refused.stderr
    assert "No permissions to create new namespace" in refused.stderr
    result = grade(NASTY_ASSIGNMENT, subs, tmp_path, "--no-feedback", env=env)
    assert "NO SANDBOX" in result.stderr and "No permissions to create new namespace" in result.stderr
    assert read_csv(tmp_path / "grades" / f"{NASTY_ASSIGNMENT}.csv")[("good", "total")]["status"] == "ok"


# ---------------------------------------------------------------------------------------------
# The instructor's solution first: a broken installation stops grading; a linked .venv works


def test_a_broken_installation_stops_grading_before_any_student_is_scored(tmp_path):
    """The kernel cannot import what the set-up cell needs (here attnbook.exercise raises): every
    test would fail, and the students would get 0. The instructor's solution is graded first and
    fails, so the command stops with exit status 2 and scores no one."""
    course = tmp_path / "course"
    course.mkdir()
    course_copy(course)
    broken = course / "attnbook" / "exercise.py"
    broken.write_text(broken.read_text(encoding="utf-8") + '\nraise ImportError("simulated broken installation")\n',
                      encoding="utf-8")
    subs = tmp_path / "submissions"
    fixtures.write(fixtures.make_submission(NASTY_ASSIGNMENT), subs / "alice.ipynb")
    sandbox = "require" if SANDBOX.available else "off"
    result = grade(NASTY_ASSIGNMENT, subs, tmp_path, "--sandbox", sandbox, cwd=course,
                   env={"PYTHONPATH": str(course)}, check=False)
    assert result.returncode == 2, result.stderr[-3000:]
    assert "the instructor's own solution of 03_self_attention does not get full marks" in result.stderr
    assert "simulated broken installation" in result.stderr and "no student was graded" in result.stderr
    assert not (tmp_path / "grades" / f"{NASTY_ASSIGNMENT}.csv").exists()
    assert not (tmp_path / "work" / "status" / NASTY_ASSIGNMENT / "alice.json").exists()
    assert not (tmp_path / "work" / "autograded" / "alice").exists()


def gradebook_rows(work: Path) -> list[tuple]:
    """Every student and every score in the gradebook."""
    import sqlite3

    with sqlite3.connect(work / "gradebook.db") as db:
        students = db.execute("SELECT id, NULL, NULL, NULL, NULL FROM student").fetchall()
        scores = db.execute(
            "SELECT sa.student_id, a.name, c.name, g.auto_score, g.manual_score FROM grade g "
            "JOIN submitted_notebook n ON g.notebook_id = n.id JOIN submitted_assignment sa ON n.assignment_id = sa.id "
            "JOIN assignment a ON sa.assignment_id = a.id JOIN base_cell c ON g.cell_id = c.id").fetchall()
    return sorted(students + scores, key=repr)


def test_students_graded_beside_a_failing_check_leave_no_trace(tmp_path):
    """The instructor's solution and the students are graded at the same time (--jobs 3: the
    solution and two students). Here the installation is broken in the solution's kernel only, and
    slowly (8 s), so the students are graded in full before it fails. Their results were withheld:
    exit status 2, and everything stays as the earlier, good run left it: the CSV, bob's status,
    scores, feedback page and autograded notebook; nothing at all of alice, nor of carol's refused
    file. Once the installation is fixed, both are graded."""
    course = tmp_path / "course"
    course.mkdir()
    course_copy(course)
    subs = tmp_path / "submissions"
    work, grades = tmp_path / "work", tmp_path / "grades" / NASTY_ASSIGNMENT
    fixtures.write(fixtures.make_submission(NASTY_ASSIGNMENT), subs / "bob.ipynb")
    sandbox = ["--sandbox", "require" if SANDBOX.available else "off"]
    env = {"PYTHONPATH": str(course)}
    grade(NASTY_ASSIGNMENT, subs, tmp_path, *sandbox, cwd=course, env=env)
    csv_file = tmp_path / "grades" / f"{NASTY_ASSIGNMENT}.csv"
    kept = [csv_file, work / "status" / NASTY_ASSIGNMENT / "bob.json", grades / "bob.html",
            work / "autograded" / "bob" / NASTY_ASSIGNMENT / f"{NASTY_ASSIGNMENT}.ipynb"]
    before = [path.read_bytes() for path in kept]
    scores = gradebook_rows(work)
    assert read_csv(csv_file)[("bob", "total")]["status"] == "ok" and ("bob", None, None, None, None) in scores

    exercise = course / "attnbook" / "exercise.py"
    good = exercise.read_text(encoding="utf-8")
    exercise.write_text(good + textwrap.dedent("""
        import os as _os, time as _time
        if _os.path.basename(_os.path.dirname(_os.getcwd())) == "_instructor_solution":  # its kernel's folder
            if not _os.path.exists("slept"):
                open("slept", "w").close()
                _time.sleep(8)
            raise ImportError("simulated broken installation")
        """), encoding="utf-8")
    fixtures.write(fixtures.make_submission(NASTY_ASSIGNMENT), subs / "alice.ipynb")
    (subs / "carol.ipynb").write_text("not a notebook", encoding="utf-8")
    started = time.time()
    result = grade(NASTY_ASSIGNMENT, subs, tmp_path, *sandbox, cwd=course, env=env, check=False)
    assert result.returncode == 2, result.stderr[-3000:]
    assert "the instructor's own solution of 03_self_attention does not get full marks" in result.stderr
    assert "simulated broken installation" in result.stderr and "no student was graded" in result.stderr
    for student in ("alice", "bob"):  # graded beside the solution, not after it
        log = work / "logs" / NASTY_ASSIGNMENT / f"{student}.log"
        assert log.stat().st_mtime >= started - 1 and "Autograding" in log.read_text(encoding="utf-8"), student
    assert [path.read_bytes() for path in kept] == before, "the earlier results are untouched"
    assert gradebook_rows(work) == scores, "no score and no student added, none removed"
    for student in ("alice", "carol"):
        assert not (work / "status" / NASTY_ASSIGNMENT / f"{student}.json").exists()
        assert not (grades / f"{student}.html").exists()
        assert not (work / "autograded" / student).exists()
        assert not (work / "feedback" / student).exists()
    assert not any((work / "staging").rglob("*.*")), "nothing staged is left behind"
    assert "alice" not in result.stderr.replace(str(tmp_path), ""), "no student's result is reported"

    exercise.write_text(good, encoding="utf-8")
    grade(NASTY_ASSIGNMENT, subs, tmp_path, *sandbox, cwd=course, env=env)
    rows = read_csv(csv_file)
    assert [rows[(s, "total")]["status"] for s in ("alice", "bob")] == ["ok", "ok"]
    assert rows[("carol", "total")]["status"].startswith("failed: ")
    assert {row[0] for row in gradebook_rows(work)} == {"alice", "bob"}


def test_a_course_whose_venv_is_a_link_grades_in_the_sandbox(tmp_path):
    """`.venv -> /elsewhere/venv`, graded with `.venv/bin/python -m grading`: the sandbox opens the
    folder the link points to (bubblewrap cannot make a link where the course's bind already has
    one). The submission is correct and raises a warning: full marks, as nbgrader validate and a
    stock autograde give it (test_stock_nbgrader_*)."""
    if not SANDBOX.available:
        pytest.skip(f"no sandbox on this machine ({SANDBOX.reason})")
    course = tmp_path / "course"
    course.mkdir()
    course_copy(course)
    (course / ".venv").symlink_to(Path(sys.prefix).resolve(), target_is_directory=True)
    subs = tmp_path / "submissions"
    warns = fixtures.read_fixture(fixtures.FIXTURES / "honest" / NASTY_ASSIGNMENT / "copies_lengths_with_a_warning.py")
    fixtures.write(fixtures.make_submission(NASTY_ASSIGNMENT, warns.cells), subs / "warns.ipynb")
    cmd = [str(course / ".venv" / "bin" / "python"), "-m", "grading", "grade", NASTY_ASSIGNMENT, str(subs),
           "--work-dir", str(tmp_path / "work"), "--grades-dir", str(tmp_path / "grades"), "--sandbox", "require",
           "--cell-timeout", str(CELL_TIMEOUT), "--no-feedback"]
    env = {**os.environ, "PYTHONPATH": str(course), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    result = subprocess.run(cmd, cwd=course, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = read_csv(tmp_path / "grades" / f"{NASTY_ASSIGNMENT}.csv")
    assert [row for (student, _), row in rows.items()] and \
        [rows[("warns", q)]["status"] for q in (*QUESTIONS, "total")] == ["ok"] * 5
    assert rows[("warns", "total")]["points"] == "12"


# ---------------------------------------------------------------------------------------------
# A stock nbgrader course, configured as the instructors' guide says


def guide_snippet() -> str:
    text = (ROOT / "book" / "instructors.md").read_text(encoding="utf-8")
    match = re.search(r"```python\n(\s*# nbgrader_config.py of an existing nbgrader course.*?)```", text, re.S)
    assert match, "book/instructors.md has the stock nbgrader configuration snippet"
    return textwrap.dedent(match.group(1))


def hidden_test_lines(assignment: str) -> list[str]:
    """The hidden tests' lines that the student version does not have too (a visible test may share one)."""
    release = nbformat.read(assignments.release_notebook(assignment), as_version=4)
    visible = {line.strip() for cell in release.cells for line in cell.source.splitlines()}
    lines, inside = [], False
    for cell in nbformat.read(assignments.source_notebook(assignment), as_version=4).cells:
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line or "END HIDDEN TESTS" in line:
                inside = "BEGIN" in line
            elif inside and len(line.strip()) > 25 and line.strip() not in visible:
                lines.append(line.strip())
    return lines


@pytest.fixture(scope="module")
def stock(classic, tmp_path_factory):
    """The fixtures of 03_self_attention that the classic batch grades, graded again by stock nbgrader
    (its command line, the guide's nbgrader_config.py, a course made from solutions/), and the
    warning-raising submission checked by `nbgrader validate` as a learner's Validate button does."""
    _, _, classic_base = classic
    base = tmp_path_factory.mktemp("stock")
    course = base / "course"
    (course / "source" / NASTY_ASSIGNMENT).mkdir(parents=True)
    shutil.copy2(assignments.source_notebook(NASTY_ASSIGNMENT), course / "source" / NASTY_ASSIGNMENT)
    (course / "nbgrader_config.py").write_text(guide_snippet(), encoding="utf-8")
    students = sorted(p.stem for p in (classic_base / NASTY_ASSIGNMENT).glob("*.ipynb") if p.stem != "blank")
    for student in students:
        target = course / "submitted" / student / NASTY_ASSIGNMENT
        target.mkdir(parents=True)
        shutil.copy2(classic_base / NASTY_ASSIGNMENT / f"{student}.ipynb", target / f"{NASTY_ASSIGNMENT}.ipynb")
    bin_dir = Path(sys.executable).parent  # the guide: nbgrader from the activated environment (alembic)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(ROOT),
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    for command in ("generate_assignment", "autograde", "generate_feedback"):
        done = subprocess.run([str(bin_dir / "nbgrader"), command, NASTY_ASSIGNMENT, "--force"], cwd=course,
                              env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, f"nbgrader {command} failed:\n{done.stdout}\n{done.stderr[-4000:]}"
    learner = base / "learner"  # no nbgrader_config.py here: nbgrader's defaults, as on a learner's machine
    learner.mkdir()
    warns = "honest_copies_lengths_with_a_warning"
    shutil.copy2(classic_base / NASTY_ASSIGNMENT / f"{warns}.ipynb", learner / "mine.ipynb")
    validate = subprocess.run([str(bin_dir / "nbgrader"), "validate", "mine.ipynb"], cwd=learner, env=env,
                              capture_output=True, text=True, timeout=600)
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "attention-course") as gb:
        for student in students:
            found = gb.find_submission(NASTY_ASSIGNMENT, student)
            scores[student] = {g.name: float(g.score or 0) for nb in found.notebooks for g in nb.grades}
    return {"course": course, "students": students, "scores": scores, "validate": validate,
            "csv": read_csv(classic[0] / f"{NASTY_ASSIGNMENT}.csv"), "warns": warns}


def test_stock_nbgrader_validate_accepts_a_correct_answer_that_warns(stock):
    out = stock["validate"].stdout + stock["validate"].stderr
    assert "Success! Your notebook passes all the tests." in out and "VALIDATION FAILED" not in out, out[-3000:]


def test_stock_nbgrader_autograde_gives_the_course_graders_points(stock):
    questions = assignments.questions(assignments.source_notebook(NASTY_ASSIGNMENT))
    assert stock["warns"] in stock["students"] and len(stock["students"]) >= 3
    for student in stock["students"]:
        for q, info in questions.items():
            got = sum(stock["scores"][student].get(cell, 0.0) for cell in info["cells"])
            assert got == float(stock["csv"][(student, q)]["points"]), (student, q, got, stock["csv"][(student, q)])
    assert sum(stock["scores"][stock["warns"]].values()) == 12


def test_stock_nbgrader_feedback_with_the_guides_config_has_no_hidden_test_code(stock):
    hidden = hidden_test_lines(NASTY_ASSIGNMENT)
    assert len(hidden) > 10
    for student in stock["students"]:
        page = (stock["course"] / "feedback" / student / NASTY_ASSIGNMENT / f"{NASTY_ASSIGNMENT}.html")
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
        assert "def scaled_dot_product_attention" in text, "the page shows the learner's code"
        quoted = [line for line in hidden if line in text]
        assert not quoted, f"{student}'s feedback quotes the hidden tests: {quoted[:3]}"
