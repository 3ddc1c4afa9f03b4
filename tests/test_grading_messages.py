"""The grader answers a Korean hand-in in Korean: its messages, their catalog, and the pages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from babel.messages.pofile import read_po

from grading import messages, submission
from grading.feedback import not_graded_page
from grading.messages import Message, language_of, say, say_again, templates

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "grading" / "locale" / "ko" / "LC_MESSAGES" / "grading.po"


def test_every_message_of_the_grader_has_its_korean_and_the_catalog_no_other():
    with open(CATALOG, "rb") as handle:
        catalog = read_po(handle)
    ids = {m.id for m in catalog if m.id}
    assert ids == templates(), "run `python -m grading translations` and translate what is new"
    missing = sorted(m.id for m in catalog if m.id and (not m.string or m.fuzzy))
    assert missing == [], missing
    for m in catalog:  # a translation keeps every placeholder of its template
        if m.id:
            names = lambda text: sorted(part.split("}")[0] for part in text.split("{")[1:])  # noqa: E731
            assert names(m.string) == names(m.id), m.id


def test_say_fills_a_template_in_either_language():
    template = "this is the notebook of assignment {other}, not {assignment}"
    assert say(template, other="03_x", assignment="02_y") == "this is the notebook of assignment 03_x, not 02_y"
    korean = say(template, "ko", other="03_x", assignment="02_y")
    assert "03_x" in korean and "02_y" in korean and "과제" in korean
    with pytest.raises(ValueError, match="language must be one of"):
        say(template, "fr", other="a", assignment="b")
    message = Message(template, other="03_x", assignment="02_y")
    assert message == say(template, other="03_x", assignment="02_y")      # still the English text
    assert say_again(message, message.record(), "ko") == korean
    assert say_again("an old English message", None, "ko") == "an old English message"


def test_the_korean_exercises_say_they_are_korean_and_the_english_do_not():
    for korean in sorted((ROOT / "ko" / "exercises").glob("*/*.ipynb")):
        assert language_of(nbformat.read(korean, as_version=4)) == "ko", korean
        english = ROOT / "exercises" / korean.parent.name / korean.name
        assert language_of(nbformat.read(english, as_version=4)) == "en", english
    assert language_of(None) == "en"


class _Run:
    """What the feedback pages need of a grading run."""

    def __init__(self, folder: Path, assignment: str):
        self.folder, self.assignment = folder, assignment

    def page_file(self, sid: str) -> Path:
        return self.folder / f"{sid}.html"


def test_a_korean_notebook_of_another_assignment_gets_its_page_in_korean(tmp_path):
    names = sorted(p.name for p in (ROOT / "exercises").iterdir() if p.is_dir())
    mine, other = names[1], names[2]
    handed_in = nbformat.read(ROOT / "ko" / "exercises" / other / f"{other}.ipynb", as_version=4)
    release = nbformat.read(ROOT / "exercises" / mine / f"{mine}.ipynb", as_version=4)
    reason = submission.refusal(handed_in, release, mine)
    assert isinstance(reason, Message) and other in reason and mine in reason
    run = _Run(tmp_path, mine)
    record = {"outcome": "failed", "message": str(reason), "message_i18n": reason.record(),
              "notes": {"language": language_of(handed_in)}}
    record = json.loads(json.dumps(record))  # as the status file stores it
    not_graded_page(run, "학생1", record)
    page = run.page_file("학생1").read_text(encoding="utf-8")
    assert "lang='ko'" in page and "채점할 수 없습니다" in page and "학생: 학생1" in page
    assert f"{mine} 과제가 아니라 {other} 과제의 노트북입니다" in page
    assert "could not be graded" not in page
    record["notes"] = {"language": "en"}   # the same refusal, from an English notebook
    not_graded_page(run, "student2", record)
    page = run.page_file("student2").read_text(encoding="utf-8")
    assert "Your notebook could not be graded: this is the notebook of assignment" in page


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext")
def test_the_catalog_update_keeps_the_translations(tmp_path, monkeypatch):
    folder = tmp_path / "ko" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copy(CATALOG, folder / "grading.po")
    monkeypatch.setattr(messages, "CATALOGS", tmp_path)
    path = messages.update_catalog()
    with open(path, "rb") as handle:
        catalog = read_po(handle)
    assert {m.id for m in catalog if m.id and m.string and not m.fuzzy} == templates()
    messages.translations.cache_clear()
