"""Every chapter has an assignment; assignments are well formed; exercises/ is generated from solutions/.

Mapping (grading/assignments.py): chapter ``notebooks/NN_name.ipynb`` <-> assignment ``NN_name``:
``solutions/NN_name/NN_name.ipynb`` (instructor version, nbgrader source) and
``exercises/NN_name/NN_name.ipynb`` (student version, generated, committed).
Grading itself is tested in test_grading.py; nbval runs every solution notebook.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grading import assignments  # noqa: E402
from grading.generate import stale_exercises  # noqa: E402

CHAPTERS = assignments.toc_chapters()
ASSIGNMENTS = assignments.assignment_ids()
COLAB = "https://colab.research.google.com/github/attnbook/attnbook/blob/main/exercises/{a}/{a}.ipynb"


def cells(path: Path):
    return nbformat.read(path, as_version=4).cells


def nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_has_an_assignment(chapter):
    name = assignments.assignment_for_chapter(chapter)
    assert assignments.source_notebook(name).is_file(), \
        f"{chapter} has no assignment: write solutions/{name}/{name}.ipynb (see book/instructors.md)"
    assert assignments.release_notebook(name).is_file(), \
        f"exercises/{name}/{name}.ipynb is missing: run `python -m grading generate {name}`"


def test_every_assignment_belongs_to_a_chapter():
    orphans = set(ASSIGNMENTS) - {assignments.assignment_for_chapter(c) for c in CHAPTERS}
    assert not orphans, f"assignments without a chapter in _toc.yml: {sorted(orphans)}"
    extra = {p.name for p in (ROOT / "exercises").iterdir() if p.is_dir()} - set(ASSIGNMENTS)
    assert not extra, f"exercises/ without solutions/: {sorted(extra)}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_page_links_to_its_exercise(chapter):
    name = assignments.assignment_for_chapter(chapter)
    text = (ROOT / f"{chapter}.ipynb").read_text(encoding="utf-8")
    assert COLAB.format(a=name) in text, \
        f"{chapter} should link to its exercise with a Colab button: {COLAB.format(a=name)} (book/instructors.md)"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_assignment_has_3_to_6_questions_and_at_least_10_points(assignment):
    source = assignments.source_notebook(assignment)
    questions = assignments.questions(source)
    assert 3 <= len(questions) <= 6, f"{assignment}: {len(questions)} questions"
    assert sum(q["points"] for q in questions.values()) >= 10
    by_id = {nbgrader(c)["grade_id"]: c for c in cells(source) if nbgrader(c).get("grade_id")}
    for q, info in questions.items():
        tests = [by_id[g] for g in info["cells"] if nbgrader(by_id[g]).get("grade")]
        visible = [c for c in tests if "### BEGIN HIDDEN TESTS" not in c.source]
        hidden = [c for c in tests if "### BEGIN HIDDEN TESTS" in c.source]
        assert visible, f"{assignment} {q}: no visible test cell"
        assert all("_visible" in nbgrader(c)["grade_id"] for c in visible)
        hidden_points = sum(float(nbgrader(c)["points"]) for c in hidden)
        assert hidden_points > info["points"] / 2, f"{assignment} {q}: hidden tests must be worth most of the points"
        for cell in hidden:  # the student version keeps a line saying what the hidden tests check
            first = cell.source.splitlines()[0]
            assert first.startswith("# Hidden tests:"), \
                f"{nbgrader(cell)['grade_id']}: start with '# Hidden tests: ...'"
        assert re.search(rf"## Question {q[1:]} \({info['points']:g} points?\)",
                         "\n".join(c.source for c in cells(source) if c.cell_type == "markdown")), \
            f"{assignment}: the heading of {q} must say its points ({info['points']:g})"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_exercise_is_a_clean_student_version(assignment):
    nb = nbformat.read(assignments.release_notebook(assignment), as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    first_markdown = next(c for c in nb.cells if c.cell_type == "markdown")
    assert re.match(rf"# Exercises {int(assignment[:2])}: ", first_markdown.source)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert "import attnbook" in first_code.source and "%pip install" in first_code.source, \
        "the first code cell installs attnbook where it is missing (Colab), as in the chapters"
    for cell in nb.cells:
        assert "BEGIN SOLUTION" not in cell.source and "BEGIN HIDDEN TESTS" not in cell.source
        if nbgrader(cell).get("solution"):
            assert "raise NotImplementedError()" in cell.source
        if nbgrader(cell).get("grade") or nbgrader(cell).get("grade_id") == "setup":
            assert nbgrader(cell)["locked"], f"{nbgrader(cell)['grade_id']} must be read-only"


def test_exercises_are_generated_from_solutions():
    stale = stale_exercises()
    assert not stale, f"exercises/ is out of date for {stale}: run `python -m grading generate`"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_set_up_takes_the_shared_checks_from_the_package(assignment):
    """check_close & co. live once, in attnbook/exercise.py (importable wherever attnbook is, Colab too)."""
    setup = next(c.source for c in cells(assignments.source_notebook(assignment))
                 if nbgrader(c).get("grade_id") == "setup")
    assert "from attnbook.exercise import" in setup, f"{assignment}: import the checks from attnbook.exercise"
    for name in ("check_close", "check_written_here", "expect_value_error"):
        assert f"def {name}(" not in setup, f"{assignment}: {name} is pasted into the set-up; import it instead"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_solution_raises_no_grading_flag_and_the_promise_holds(assignment):
    """Flags (grading/submission.py) are for answers that try to disarm the tests, never for the model
    answer; and the student version's promise that deleted test cells are restored is what grading does."""
    from grading import fixtures, submission

    release = nbformat.read(assignments.release_notebook(assignment), as_version=4)
    assert submission.flags(fixtures.make_submission(assignment), release) == {}
    assert "(they are restored anyway)" in release.cells[0].source


def test_the_shared_checks_fail_with_a_message_that_says_what_differs():
    import torch

    from attnbook.exercise import check_close, check_written_here, expect_value_error

    check_close(torch.ones(2), torch.ones(2), "x")
    check_close(torch.nn.Parameter(torch.ones(2)), torch.ones(2), "x")

    class Agreeable(torch.Tensor):  # a subclass can answer every comparison as it likes
        pass

    for actual, message in [([1.0], "expected a torch.Tensor"), (torch.ones(3), "expected shape (2,)"),
                            (torch.zeros(2).as_subclass(Agreeable), "expected a torch.Tensor, got Agreeable"),
                            (torch.ones(2, dtype=torch.float64), "expected dtype"),
                            (torch.tensor([1.0, float("nan")]), "contains NaN"), (torch.zeros(2), "max abs error 1")]:
        with pytest.raises(AssertionError, match=re.escape(message)):
            check_close(actual, torch.ones(2), "x")
    with pytest.raises(AssertionError, match="must be defined in this notebook"):
        check_written_here(torch.softmax, ("softmax",))
    expect_value_error(lambda: int("x"), "invalid literal", "int")
    with pytest.raises(AssertionError, match="expected a ValueError"):
        expect_value_error(lambda: None, "x", "nothing")


# ---------------------------------------------------------------------------------------------
# Flags (grading/submission.py): every trick is named, no honest answer is


def trick_fixtures():
    folder = ROOT / "tests" / "fixtures" / "grading" / "tricks"
    return sorted(folder.glob("*/*.py"))


@pytest.mark.parametrize("path", trick_fixtures(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_trick_is_flagged_as_its_fixture_says(path):
    """Tricks that run while a test cell runs (outside the guard's reach) are flagged from the
    answer's code: the CSV says `flagged: <what>` on the question (book/instructors.md)."""
    from grading import fixtures, submission

    assignment = path.parent.name
    trick = fixtures.read_fixture(path)
    expected = [line[len("# flagged: "):] for line in path.read_text(encoding="utf-8").splitlines()
                if line.startswith("# flagged: ")]
    assert trick.question and expected, f"{path.name}: a header with '# question:' and '# flagged:' lines"
    release = nbformat.read(assignments.release_notebook(assignment), as_version=4)
    found = submission.flags(fixtures.make_submission(assignment, trick.cells), release)
    assert set(found) == {trick.question} and sorted(found[trick.question]) == sorted(expected), found


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_honest_answer_is_flagged(assignment):
    """The model answer, every classic mistake and every honest variant (tests/fixtures/grading/):
    wrong or right, none of them tampers, so none is flagged."""
    from grading import fixtures, submission

    release = nbformat.read(assignments.release_notebook(assignment), as_version=4)
    answers = fixtures.fixtures(assignment) + fixtures.fixtures(f"honest/{assignment}")
    assert answers, f"{assignment}: no fixtures"
    for answer in answers:
        assert submission.flags(fixtures.make_submission(assignment, answer.cells), release) == {}, answer.name
