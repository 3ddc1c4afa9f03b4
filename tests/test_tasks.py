"""attnbook.data.date_validity: the date-validity task (chapter 5 imports it as attnbook.tasks)."""

from __future__ import annotations

import calendar
import datetime
from collections import Counter

import pytest

from attnbook import tasks
from attnbook.data import DATE_FORMATS, DATE_LOCALES, date_validity, render_date
from attnbook.data.date_validity import (
    CATEGORIES,
    ROLES,
    DateValidityExample,
    character_roles,
    date_validity_tokens,
    make_date_validity_examples,
    render_calendar_day,
)


def test_chapter_5_imports_the_task_from_attnbook_tasks():
    assert tasks.__all__ == date_validity.__all__
    for name in date_validity.__all__:
        assert getattr(tasks, name) is getattr(date_validity, name), name


@pytest.mark.parametrize("locale", DATE_LOCALES)
@pytest.mark.parametrize("date_format", DATE_FORMATS)
def test_existing_days_render_exactly_like_render_date(locale, date_format):
    for day in (datetime.date(2024, 2, 29), datetime.date(1950, 1, 1), datetime.date(2049, 12, 31),
                datetime.date(1987, 11, 30)):
        assert render_calendar_day(day.year, day.month, day.day, locale, date_format) == \
            render_date(day, locale, date_format)


@pytest.mark.parametrize("locale, date_format, expected", [
    ("en_US", "long", "February 30, 2023"),
    ("en_US", "short", "2/30/23"),
    ("fr_FR", "long", "30 février 2023"),
    ("de_DE", "medium", "30.02.2023"),
    ("ja_JP", "long", "2023年2月30日"),
    ("ko_KR", "long", "2023년 2월 30일"),
    ("es_ES", "short", "30/2/23"),
])
def test_days_that_do_not_exist_are_rendered_with_their_numbers(locale, date_format, expected):
    assert render_calendar_day(2023, 2, 30, locale, date_format) == expected


def test_full_format_weekday_continues_the_month():
    # 28 February 2023 is a Tuesday, so "30 February 2023" is a Thursday
    assert render_calendar_day(2023, 2, 30, "en_US", "full") == "Thursday, February 30, 2023"
    assert render_calendar_day(2049, 11, 31, "en_GB", "full") == "Wednesday, 31 November 2049"


@pytest.mark.parametrize("args, match", [
    ((1949, 1, 1), "year"), ((2050, 1, 1), "year"), ((2000, 13, 1), "month"), ((2000, 2, 32), "day"),
    ((2000, 2, 0), "day"),
])
def test_render_calendar_day_rejects_out_of_range(args, match):
    with pytest.raises(ValueError, match=match):
        render_calendar_day(*args, "en_US", "long")


def test_render_calendar_day_rejects_unknown_locale():
    with pytest.raises(ValueError, match="unknown locale"):
        render_calendar_day(2023, 2, 30, "xx_XX", "long")


def test_examples_are_balanced_labelled_correctly_and_reproducible():
    examples = make_date_validity_examples(600, seed=3)
    assert examples == make_date_validity_examples(600, seed=3)
    assert examples != make_date_validity_examples(600, seed=4)
    assert Counter(e.category for e in examples) == {c: 100 for c in CATEGORIES}
    assert sum(e.valid for e in examples) == 300
    for e in examples:
        exists = e.day <= calendar.monthrange(e.year, e.month)[1]
        assert e.valid == exists == CATEGORIES[e.category]
        assert e.text == render_calendar_day(e.year, e.month, e.day, e.locale, e.format)
        if e.category == "valid: 28th to 31st":
            assert e.day >= 28
        if "29 February" in e.category:
            assert (e.month, e.day) == (2, 29) and calendar.isleap(e.year) == e.valid


def test_examples_respect_years_locales_and_formats():
    examples = make_date_validity_examples(120, years=[2000, 2001], locales=["fr_FR"], formats=["short"])
    assert {e.year for e in examples} <= {2000, 2001}
    assert {e.locale for e in examples} == {"fr_FR"} and {e.format for e in examples} == {"short"}


@pytest.mark.parametrize("kwargs, match", [
    ({"n": -1}, "n must be"),
    ({"n": 6, "years": [1900, 2000]}, "years must be in"),
    ({"n": 6, "years": [2000, 2004]}, "leap year and one common year"),
    ({"n": 6, "locales": []}, "locales"),
    ({"n": 6, "formats": ["tiny"]}, "formats"),
])
def test_make_examples_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_date_validity_examples(**kwargs)


def test_tokens():
    example = DateValidityExample("Feb 30, 2023", "en_US", "medium", 2023, 2, 30, False, "invalid: 30 or 31 February")
    assert date_validity_tokens(example) == ["<cls>"] + list("Feb 30, 2023")


@pytest.mark.parametrize("text, locale, date_format, ymd, expected", [
    ("Feb 30, 2023", "en_US", "medium", (2023, 2, 30), "mmmoddooyyyy"),
    ("29. 2. 29.", "ko_KR", "short", (2029, 2, 29), "yyoomooddo"),
    ("2035년 2월 31일", "ko_KR", "long", (2035, 2, 31), "yyyyoommoddo"),
    ("31 de abril de 2042", "es_ES", "long", (2042, 4, 31), "ddoooommmmmooooyyyy"),
    ("11/31/61", "en_US", "short", (1961, 11, 31), "mmoddoyy"),
])
def test_character_roles(text, locale, date_format, ymd, expected):
    example = DateValidityExample(text, locale, date_format, *ymd, False, "invalid: 30 or 31 February")
    assert "".join(role[0] for role in character_roles(example)) == expected


def test_character_roles_cover_every_generated_example():
    for e in make_date_validity_examples(1200, seed=5):
        roles = character_roles(e)
        assert len(roles) == len(e.text) and set(roles) <= set(ROLES)
        assert {"day", "month", "year"} <= set(roles)
        day_digits = "".join(c for c, r in zip(e.text, roles) if r == "day")
        assert int(day_digits) == e.day
