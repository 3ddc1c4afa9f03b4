"""Numbers read aloud: lists of numbers written in words by num2words (English, French,
Korean) -> their digits (:func:`make_number_lists`)."""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence
from dataclasses import dataclass

from attnbook.checks import check_choices
from attnbook.data.vocab import word_tokenize

NUMBER_LANGUAGES = ("en", "fr", "ko")
"""Languages in which number lists are written (num2words language codes)."""

NUMBER_CREDIT = "number words rendered by num2words (LGPL-2.1), https://github.com/savoirfairelinux/num2words"


@dataclass(frozen=True)
class NumberListExample:
    """One example of the number-list task: numbers read aloud, to be written in digits.

    Attributes:
        numbers: the numbers, e.g. ``(42, 7, 310)``.
        language: one of :data:`NUMBER_LANGUAGES`.
        text: the numbers in words, joined by ``", "``, e.g. ``"forty-two, seven, three
            hundred and ten"`` (en), ``"quarante-deux, sept, trois cent dix"`` (fr),
            ``"사십이, 칠, 삼백십"`` (ko).
        digits: the answer, e.g. ``"42 7 310"``.
    """

    numbers: tuple[int, ...]
    language: str
    text: str
    digits: str

    @property
    def source(self) -> list[str]:
        """The model's input tokens, :func:`number_source_tokens` of this example."""
        return number_source_tokens(self.text, self.language)

    @property
    def target(self) -> list[str]:
        """The model's output tokens: one per character of :attr:`digits` (``" "`` included)."""
        return list(self.digits)


def render_number(number: int, language: str) -> str:
    """Write a non-negative integer in words with num2words (``(21, "fr")`` -> ``"vingt et un"``).

    Raises:
        ValueError: ``number`` is not a non-negative ``int``, or ``language`` is not in
            :data:`NUMBER_LANGUAGES`.
    """
    if isinstance(number, bool) or not isinstance(number, int) or number < 0:
        raise ValueError(f"number must be a non-negative int, got {number!r}")
    if language not in NUMBER_LANGUAGES:
        raise ValueError(
            f"unknown language {language!r}; expected one of {NUMBER_LANGUAGES}"
        )
    return _num2words(number, language)


@functools.lru_cache(maxsize=None)
def _num2words(number: int, language: str) -> str:
    """num2words, remembered: the task renders the same few hundred numbers many times."""
    from num2words import num2words

    return num2words(number, lang=language)


def number_source_tokens(text: str, language: str) -> list[str]:
    """Model input for a number list: a language token, then words (en, fr) or syllables (ko).

    English and French are split into words with :func:`word_tokenize`, hyphens dropped
    (``"forty-two"`` is ``["forty", "two"]``: the commas already separate the numbers, so a
    hyphen adds nothing but length); Korean numerals are written without spaces inside a group of
    ten thousand (``"사십이"`` = 4·10 + 2), so each syllable is a token and spaces are dropped.
    The commas between numbers are tokens in every language.

    ``number_source_tokens("사십이, 칠", "ko")`` -> ``["<ko>", "사", "십", "이", ",", "칠"]``.
    """
    if language not in NUMBER_LANGUAGES:
        raise ValueError(
            f"unknown language {language!r}; expected one of {NUMBER_LANGUAGES}"
        )
    if language == "ko":
        return [f"<{language}>"] + [
            character for character in text if not character.isspace()
        ]
    return [f"<{language}>"] + word_tokenize(text.replace("-", " "))


def make_number_lists(
    n: int,
    min_count: int = 1,
    max_count: int = 8,
    max_value: int = 999,
    languages: Sequence[str] = NUMBER_LANGUAGES,
    seed: int = 0,
) -> list[NumberListExample]:
    """Make ``n`` number lists with ``n`` different tuples of numbers.

    For each example, ``random.Random(seed)`` draws a count uniformly in
    ``min_count .. max_count``, that many numbers uniformly in ``0 .. max_value``, and a
    language; tuples already drawn are drawn again, so no two examples share their numbers
    (in any language).

    Raises:
        ValueError: ``n`` < 0; ``min_count`` < 1 or ``max_count`` < ``min_count``;
            ``max_value`` < 1; ``languages`` empty or unknown; or more examples asked for
            than there are distinct tuples.
    """
    check_choices("languages", languages, NUMBER_LANGUAGES)
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a non-negative int, got {n!r}")
    if (
        not (isinstance(min_count, int) and isinstance(max_count, int))
        or not 1 <= min_count <= max_count
    ):
        raise ValueError(
            f"expected 1 <= min_count <= max_count, got min_count={min_count!r}, max_count={max_count!r}"
        )
    if isinstance(max_value, bool) or not isinstance(max_value, int) or max_value < 1:
        raise ValueError(f"max_value must be an int >= 1, got {max_value!r}")
    available = sum(
        (max_value + 1) ** count for count in range(min_count, max_count + 1)
    )
    if n > available // 2:
        raise ValueError(
            f"n={n} is more than half of the {available} distinct lists of {min_count}..{max_count} "
            f"numbers in 0..{max_value}; ask for fewer or allow longer lists"
        )
    rng = random.Random(seed)
    seen: set[tuple[int, ...]] = set()
    examples = []
    while len(examples) < n:
        count = rng.randint(min_count, max_count)
        numbers = tuple(rng.randint(0, max_value) for _ in range(count))
        language = rng.choice(list(languages))
        if numbers in seen:
            continue
        seen.add(numbers)
        text = ", ".join(render_number(number, language) for number in numbers)
        digits = " ".join(str(number) for number in numbers)
        examples.append(NumberListExample(numbers, language, text, digits))
    return examples
