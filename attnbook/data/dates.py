"""Dates: a synthetic translation task, human-readable date -> ISO date.

:func:`render_date` writes a date as a person would in a locale (babel, CLDR data);
:func:`make_dates` and :func:`make_date_splits` draw the examples.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence
from dataclasses import dataclass

import babel.dates

from attnbook.checks import check_choices

DATE_LOCALES = ("en_US", "en_GB", "fr_FR", "de_DE", "es_ES", "ko_KR", "ja_JP")
"""Locales in which dates are written."""

DATE_FORMATS = ("full", "long", "medium", "short")
"""Babel (CLDR) date format names."""

DATE_MIN = datetime.date(1950, 1, 1)
"""First date of the task."""

DATE_MAX = datetime.date(2049, 12, 31)
"""Last date of the task."""


@dataclass(frozen=True)
class DateExample:
    """One example of the date task.

    Attributes:
        text: the date as a person writes it, e.g. ``"Monday, May 2, 2022"``.
        locale: one of :data:`DATE_LOCALES`, e.g. ``"en_US"``.
        format: one of :data:`DATE_FORMATS`, e.g. ``"full"``.
        iso: the answer in ISO 8601, e.g. ``"2022-05-02"``.
    """

    text: str
    locale: str
    format: str
    iso: str


def date_source_tokens(example: DateExample) -> list[str]:
    """Model input for a date: a locale token then one token per character.

    ``DateExample("5/2/22", "en_US", "short", "2022-05-02")`` ->
    ``["<en_US>", "5", "/", "2", "/", "2", "2"]``.
    """
    return [f"<{example.locale}>"] + list(example.text)


def date_target_tokens(example: DateExample) -> list[str]:
    """Model output for a date: one token per character of the ISO date.

    ``"2022-05-02"`` -> ``["2", "0", "2", "2", "-", "0", "5", "-", "0", "2"]``.
    """
    return list(example.iso)


def render_date(date: datetime.date, locale: str, format: str) -> str:
    """Write ``date`` as a person would in ``locale``, with ``babel.dates.format_date``.

    Example: 2022-05-02 is ``"Monday, May 2, 2022"`` (en_US, full),
    ``"2 mai 2022"`` (fr_FR, long), ``"2022년 5월 2일 월요일"`` (ko_KR, full),
    ``"5/2/22"`` (en_US, short) and ``"2/5/22"`` (es_ES, short).

    Two things would make the text ambiguous, and the task avoids both:

    * Some short formats have 2-digit years (en_US, de_DE, es_ES, ko_KR).
      Dates are restricted to :data:`DATE_MIN` .. :data:`DATE_MAX`
      (1950-2049), so ``00``-``49`` always means 20xx and ``50``-``99`` 19xx.
    * Day and month order depend on the locale (en_US ``5/2/22`` is May 2,
      es_ES ``2/5/22`` is also May 2). The model is told the locale by a first
      token such as ``"<en_US>"`` (see :func:`date_source_tokens`).

    With these two rules, (locale, text) determines the date.

    Args:
        date: a date in ``DATE_MIN .. DATE_MAX``.
        locale: one of :data:`DATE_LOCALES`.
        format: one of :data:`DATE_FORMATS`.

    Returns:
        The formatted date (babel 2.18 / CLDR data; other babel versions may
        differ slightly).

    Raises:
        ValueError: unknown locale or format (the message lists the allowed
            values), or a date outside the range.
        TypeError: ``date`` is not a ``datetime.date``.
    """
    if locale not in DATE_LOCALES:
        raise ValueError(f"unknown locale {locale!r}; expected one of {DATE_LOCALES}")
    if format not in DATE_FORMATS:
        raise ValueError(f"unknown format {format!r}; expected one of {DATE_FORMATS}")
    if not isinstance(date, datetime.date) or isinstance(date, datetime.datetime):
        raise TypeError(
            f"render_date expected a datetime.date, got {type(date).__name__}"
        )
    if not DATE_MIN <= date <= DATE_MAX:
        raise ValueError(f"date {date} is outside the range {DATE_MIN} .. {DATE_MAX}")
    return babel.dates.format_date(date, format=format, locale=locale)


def make_dates(
    n: int,
    seed: int = 0,
    locales: Sequence[str] = DATE_LOCALES,
    formats: Sequence[str] = DATE_FORMATS,
    exclude: set[datetime.date] | None = None,
) -> list[DateExample]:
    """Make ``n`` date examples with ``n`` different calendar dates.

    The dates are drawn uniformly without replacement from
    ``DATE_MIN .. DATE_MAX`` (minus ``exclude``) with ``random.Random(seed)``;
    each is written in a random locale and format (see :func:`render_date`).

    Args:
        n: number of examples (>= 0).
        seed: random seed; the same arguments always give the same examples.
        locales: locales to choose from (a subset of :data:`DATE_LOCALES`).
        formats: formats to choose from (a subset of :data:`DATE_FORMATS`).
        exclude: dates that must not be used (e.g. the training dates).

    Returns:
        A list of ``n`` :class:`DateExample`, in random order, with distinct
        ``iso`` values.

    Raises:
        ValueError: ``n`` < 0 or larger than the number of available dates;
            ``locales`` or ``formats`` is empty or has unknown values.
    """
    check_choices("locales", locales, DATE_LOCALES)
    check_choices("formats", formats, DATE_FORMATS)
    excluded = exclude if exclude is not None else set()
    candidates = [
        datetime.date.fromordinal(ordinal)
        for ordinal in range(DATE_MIN.toordinal(), DATE_MAX.toordinal() + 1)
    ]
    candidates = [date for date in candidates if date not in excluded]
    if not 0 <= n <= len(candidates):
        raise ValueError(
            f"n must be between 0 and the number of available dates ({len(candidates)}), got {n}"
        )

    rng = random.Random(seed)
    examples = []
    for date in rng.sample(candidates, n):
        locale = rng.choice(locales)
        date_format = rng.choice(formats)
        text = render_date(date, locale, date_format)
        examples.append(
            DateExample(
                text=text, locale=locale, format=date_format, iso=date.isoformat()
            )
        )
    return examples


def make_date_splits(
    n_train: int = 10000,
    n_valid: int = 1000,
    n_test: int = 1000,
    seed: int = 0,
) -> dict[str, list[DateExample]]:
    """Make train/valid/test date examples whose calendar dates do not overlap.

    All ``n_train + n_valid + n_test`` examples come from one call to
    :func:`make_dates` (so all dates are distinct) and are cut into three
    parts: a date in the valid or test split is never seen in training, in any
    locale or format.

    Args:
        n_train, n_valid, n_test: sizes of the splits (>= 0).
        seed: random seed; the same arguments always give the same splits.

    Returns:
        ``{"train": [...], "valid": [...], "test": [...]}``.

    Raises:
        ValueError: a size is negative, or the sizes add up to more than the
            36,525 dates in the range.
    """
    sizes = {"train": n_train, "valid": n_valid, "test": n_test}
    for name, size in sizes.items():
        if size < 0:
            raise ValueError(f"n_{name} must be >= 0, got {size}")
    examples = make_dates(n_train + n_valid + n_test, seed=seed)
    return {
        "train": examples[:n_train],
        "valid": examples[n_train : n_train + n_valid],
        "test": examples[n_train + n_valid :],
    }
