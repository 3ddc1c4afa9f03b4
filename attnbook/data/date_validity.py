"""Chapter 5's task, **is this date valid?** (hand-written plumbing, not course material).

A date is written as a person would write it in some locale and format
(CLDR data, through :func:`attnbook.data.render_date`), for example ``"30 février 2023"``,
``"Feb 29, 2024"`` or ``"2023年4月31日"``, and the model must say whether that calendar day
exists. Deciding needs the day number, the month, and for 29 February the year: three pieces
of the string whose positions depend on the locale and the format, so the task needs attention
across positions and needs to know where each character is.

Days that do not exist cannot be made with :class:`datetime.date`, so
:func:`render_calendar_day` renders them through a ``datetime.date`` subclass that reports the
requested (year, month, day) to babel.
"""

from __future__ import annotations

import calendar
import datetime
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

import babel.dates

from attnbook.data.dates import DATE_FORMATS, DATE_LOCALES, DATE_MAX, DATE_MIN, render_date

__all__ = [
    "CATEGORIES",
    "ROLES",
    "YEARS",
    "DateValidityExample",
    "render_calendar_day",
    "make_date_validity_examples",
    "date_validity_tokens",
    "character_roles",
]

YEARS = tuple(range(DATE_MIN.year, DATE_MAX.year + 1))
"""The years of the task, 1950 .. 2049 (the range of :func:`attnbook.data.render_date`)."""


class _CalendarDay(datetime.date):
    """A ``datetime.date`` whose ``year``, ``month`` and ``day`` may name a day that does not exist.

    babel formats a date from its ``year``, ``month``, ``day`` and ``weekday()`` only. The real date
    underneath is ``day - 1`` days after the first of the month, so the weekday continues the
    month's count (30 February 2023 is "the Thursday after 28 February").
    """

    def __new__(cls, year: int, month: int, day: int) -> _CalendarDay:
        real = datetime.date(year, month, 1) + datetime.timedelta(days=day - 1)
        self = super().__new__(cls, real.year, real.month, real.day)
        self._ymd = (year, month, day)
        return self

    @property
    def year(self) -> int:  # type: ignore[override]
        return self._ymd[0]

    @property
    def month(self) -> int:  # type: ignore[override]
        return self._ymd[1]

    @property
    def day(self) -> int:  # type: ignore[override]
        return self._ymd[2]


def render_calendar_day(year: int, month: int, day: int, locale: str, format: str) -> str:
    """Write the calendar day (year, month, day) like :func:`attnbook.data.render_date`, even if it does not exist.

    For a day that exists the text is exactly ``render_date(datetime.date(year, month, day), ...)``.
    For one that does not (30 February, 31 April, 29 February 2023) it is the text babel would
    write for it: ``render_calendar_day(2023, 2, 30, "en_US", "long") == "February 30, 2023"``.
    In the ``full`` format the weekday continues the month's count (see :class:`_CalendarDay`).

    Args:
        year: 1950 .. 2049.
        month: 1 .. 12.
        day: 1 .. 31.
        locale: one of :data:`attnbook.data.DATE_LOCALES`.
        format: one of :data:`attnbook.data.DATE_FORMATS`.

    Returns:
        The text.

    Raises:
        ValueError: year, month or day out of range, or an unknown locale or format.
    """
    if year not in YEARS:
        raise ValueError(f"year must be in {YEARS[0]} .. {YEARS[-1]}, got {year}")
    if not 1 <= month <= 12:
        raise ValueError(f"month must be in 1 .. 12, got {month}")
    if not 1 <= day <= 31:
        raise ValueError(f"day must be in 1 .. 31, got {day}")
    if day <= calendar.monthrange(year, month)[1]:
        return render_date(datetime.date(year, month, day), locale, format)
    return render_date(_CalendarDay(year, month, day), locale, format)


CATEGORIES = {
    "valid: any day": True,
    "valid: 28th to 31st": True,
    "valid: 29 February, leap year": True,
    "invalid: 31st of a 30-day month": False,
    "invalid: 30 or 31 February": False,
    "invalid: 29 February, not a leap year": False,
}
"""The six kinds of example, each 1/6 of the data (so half the examples are valid), -> validity.

Valid dates near the end of a month are over-represented on purpose: with uniformly drawn dates
the hard cases (the 29th, 30th and 31st) would be too rare to learn or to measure.
"""


@dataclass(frozen=True)
class DateValidityExample:
    """One example of the date-validity task.

    Attributes:
        text: the date as written, e.g. ``"February 30, 2023"``.
        locale: one of :data:`attnbook.data.DATE_LOCALES`.
        format: one of :data:`attnbook.data.DATE_FORMATS`.
        year, month, day: the calendar day the text names (it may not exist).
        valid: whether that day exists.
        category: the key of :data:`CATEGORIES` it was drawn from.
    """

    text: str
    locale: str
    format: str
    year: int
    month: int
    day: int
    valid: bool
    category: str


def _draw_day(category: str, years: Sequence[int], rng: random.Random) -> tuple[int, int, int]:
    """Draw (year, month, day) uniformly among the days of ``category`` in ``years``."""
    leap = [y for y in years if calendar.isleap(y)]
    common = [y for y in years if not calendar.isleap(y)]
    if category == "valid: any day":
        year, month = rng.choice(years), rng.randint(1, 12)
        return year, month, rng.randint(1, calendar.monthrange(year, month)[1])
    if category == "valid: 28th to 31st":
        year, month = rng.choice(years), rng.randint(1, 12)
        return year, month, rng.randint(28, calendar.monthrange(year, month)[1])
    if category == "valid: 29 February, leap year":
        return rng.choice(leap), 2, 29
    if category == "invalid: 31st of a 30-day month":
        return rng.choice(years), rng.choice((4, 6, 9, 11)), 31
    if category == "invalid: 30 or 31 February":
        return rng.choice(years), 2, rng.choice((30, 31))
    if category == "invalid: 29 February, not a leap year":
        return rng.choice(common), 2, 29
    raise ValueError(f"unknown category {category!r}; expected one of {list(CATEGORIES)}")


def make_date_validity_examples(
    n: int,
    seed: int = 0,
    years: Sequence[int] = YEARS,
    locales: Sequence[str] = DATE_LOCALES,
    formats: Sequence[str] = DATE_FORMATS,
) -> list[DateValidityExample]:
    """Draw ``n`` examples of the date-validity task, balanced over :data:`CATEGORIES`.

    Example ``i`` has category ``i % 6`` (so the six kinds are equally frequent and exactly half
    the examples are valid when ``n`` is a multiple of 6); its calendar day is drawn uniformly
    within the category and the given years, and its locale and format uniformly, all with
    ``random.Random(seed)``. The list is then shuffled with the same generator. Pass disjoint
    ``years`` to make a training set and a test set that share no calendar day.

    Args:
        n: number of examples (>= 0).
        seed: the same arguments always give the same examples.
        years: the years to draw from (a subset of 1950 .. 2049); must contain at least one leap
            year and one common year.
        locales: a subset of :data:`attnbook.data.DATE_LOCALES`.
        formats: a subset of :data:`attnbook.data.DATE_FORMATS`.

    Returns:
        A list of ``n`` :class:`DateValidityExample`.

    Raises:
        ValueError: ``n`` < 0; a year out of range; ``years`` without a leap or a common year;
            empty or unknown ``locales`` / ``formats``.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    years = list(years)
    bad = [y for y in years if y not in YEARS]
    if bad:
        raise ValueError(f"years must be in {YEARS[0]} .. {YEARS[-1]}, got {bad}")
    if not any(calendar.isleap(y) for y in years) or all(calendar.isleap(y) for y in years):
        raise ValueError(f"years must contain at least one leap year and one common year, got {years}")
    for values, allowed, what in ((locales, DATE_LOCALES, "locales"), (formats, DATE_FORMATS, "formats")):
        if len(values) == 0 or any(v not in allowed for v in values):
            raise ValueError(f"{what} must be a non-empty subset of {allowed}, got {tuple(values)}")
    rng = random.Random(seed)
    names = list(CATEGORIES)
    examples = []
    for i in range(n):
        category = names[i % len(names)]
        year, month, day = _draw_day(category, years, rng)
        locale, date_format = rng.choice(list(locales)), rng.choice(list(formats))
        text = render_calendar_day(year, month, day, locale, date_format)
        examples.append(DateValidityExample(text, locale, date_format, year, month, day,
                                            CATEGORIES[category], category))
    rng.shuffle(examples)
    return examples


def date_validity_tokens(example: DateValidityExample, cls_token: str = "<cls>") -> list[str]:
    """Model input: a classification token, then one token per character of the text.

    ``"Feb 30, 2023"`` -> ``["<cls>", "F", "e", "b", " ", "3", "0", ",", " ", "2", "0", "2", "3"]``.
    The locale is not given: the text alone decides validity (a day that can be invalid is
    29 .. 31, which can never be read as a month).
    """
    return [cls_token] + list(example.text)


ROLES = ("day", "month", "year", "other")
"""The roles :func:`character_roles` gives to the characters of a date."""


def character_roles(example: DateValidityExample) -> list[str]:
    """Say which field of the date each character of ``example.text`` belongs to.

    Returns one of :data:`ROLES` per character: ``"day"``, ``"month"`` (digits, or the letters of
    the month's name), ``"year"``, or ``"other"`` (weekday, spaces, punctuation, literal words such
    as Spanish "de"). The fields are found from the locale's CLDR pattern (e.g. ``"d MMM y"``): its
    numeric fields appear in the text, in order, as the runs of digits; a month written as a word is
    found by its babel name.

    Example: ``"Feb 30, 2023"`` -> month x3, other, day x2, other x2, year x4.

    Raises:
        ValueError: the text does not match its pattern (never for examples made by this module).
    """
    pattern = babel.dates.get_date_format(example.format, locale=example.locale).pattern
    fields = [f for f in re.findall(r"'[^']*'|(y+|M+|L+|d+)", pattern) if f]   # y / M / d fields, in order
    names = {"y": "year", "M": "month", "L": "month", "d": "day"}
    run_roles, month_names = [], []
    for field in fields:
        if field[0] in "ML" and len(field) >= 3:   # month as a word, e.g. "février", "Feb." or "2월"
            width = "wide" if len(field) == 4 else "abbreviated"
            name = babel.dates.get_month_names(width, "format", example.locale)[example.month]
            month_names.append(name)
            run_roles += ["month"] * len(re.findall(r"\d+", name))
        else:
            run_roles.append(names[field[0]])
    runs = list(re.finditer(r"\d+", example.text))
    if len(runs) != len(run_roles):
        raise ValueError(f"{example.text!r} has {len(runs)} runs of digits but its pattern {pattern!r} "
                         f"gives {len(run_roles)}")
    roles = ["other"] * len(example.text)
    for role, run in zip(run_roles, runs):
        roles[run.start():run.end()] = [role] * (run.end() - run.start())
    for name in month_names:
        start = example.text.find(name)
        if start < 0:
            raise ValueError(f"month name {name!r} not found in {example.text!r}")
        roles[start:start + len(name)] = ["month"] * len(name)
    return roles
