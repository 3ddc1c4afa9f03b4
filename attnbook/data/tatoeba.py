"""Tatoeba English->French: 5,000 sentence pairs, their splits and their references.

:func:`load_tatoeba` reads the pairs; :func:`split_by_source` makes train/valid/test splits
with no English sentence in two splits; :func:`group_references` collects all French
translations of each English sentence (the references for BLEU). The data is from Tatoeba
(tatoeba.org), CC-BY 2.0 FR (see :data:`TATOEBA_CREDIT`).
"""

from __future__ import annotations

import os
import pathlib
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from attnbook.data.download import TATOEBA_FILE, DataFileError, fetch

TATOEBA_CREDIT = "Tatoeba (tatoeba.org), CC-BY 2.0 FR"
"""Credit line that must appear wherever the book uses the Tatoeba data."""

@dataclass(frozen=True)
class TranslationPair:
    """One English sentence, one of its French translations, and the Tatoeba attribution."""

    source: str
    target: str
    attribution: str


def _parse_tatoeba_line(
    raw: bytes, path: pathlib.Path, line_number: int
) -> TranslationPair:
    """Decode and split one line ``english<TAB>french<TAB>attribution``.

    Raises:
        DataFileError: the bytes are not UTF-8, the line does not have exactly
            3 tab-separated fields, or a field is empty (or only whitespace).
    """
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DataFileError(
            f"{path}, line {line_number}: expected UTF-8 text but found undecodable bytes ({error})"
        ) from error
    fields = line.split("\t")
    if len(fields) != 3:
        raise DataFileError(
            f"{path}, line {line_number}: expected 3 tab-separated fields "
            f"(english, french, attribution) but found {len(fields)}: {line!r}"
        )
    for field_name, value in zip(("english", "french", "attribution"), fields):
        if not value.strip():
            raise DataFileError(
                f"{path}, line {line_number}: expected a non-empty {field_name} field "
                f"but it is empty: {line!r}"
            )
    source, target, attribution = fields
    return TranslationPair(source=source, target=target, attribution=attribution)


def load_tatoeba(path: str | os.PathLike[str] | None = None) -> list[TranslationPair]:
    """Read the Tatoeba English->French file.

    Each line is ``english<TAB>french<TAB>attribution`` in UTF-8. The same
    English sentence can appear on several lines with different French
    translations. Fields are kept exactly as written (no stripping).

    Args:
        path: the file to read; ``None`` (default) means
            ``fetch("tatoeba-eng-fra-5k.tsv")``.

    Returns:
        One :class:`TranslationPair` per line, in file order (5,000 for the
        default file).

    Raises:
        DataFileError: the file is empty, or a line is not valid UTF-8, does
            not have exactly 3 tab-separated fields, or has an empty field.
            The message names the file and the line number (from 1).
        (and whatever :func:`fetch` raises when ``path`` is ``None``)
    """
    file_path = fetch(TATOEBA_FILE) if path is None else pathlib.Path(path)
    raw_lines = file_path.read_bytes().splitlines()
    if not raw_lines:
        raise DataFileError(
            f"{file_path}: expected lines 'english<TAB>french<TAB>attribution' "
            "but the file is empty"
        )
    return [
        _parse_tatoeba_line(raw, file_path, line_number)
        for line_number, raw in enumerate(raw_lines, start=1)
    ]


SPLIT_NAMES = ("train", "valid", "test")
"""Names of the three splits, in order."""


def _check_fractions(fractions: Sequence[float]) -> None:
    """Raise ValueError unless ``fractions`` is 3 non-negative numbers summing to 1."""
    if len(fractions) != 3:
        raise ValueError(
            "fractions must have 3 values (train, valid, test), "
            f"got {len(fractions)}: {fractions!r}"
        )
    if any(f < 0 for f in fractions):
        raise ValueError(f"fractions must be non-negative, got {fractions!r}")
    if abs(sum(fractions) - 1.0) > 1e-9:
        raise ValueError(
            f"fractions must sum to 1, got {fractions!r} (sum {sum(fractions)})"
        )


def split_by_source(
    pairs: Sequence[TranslationPair],
    fractions: Sequence[float] = (0.8, 0.1, 0.1),
    seed: int = 0,
) -> dict[str, list[TranslationPair]]:
    """Split pairs into train/valid/test so that no English sentence is in two splits.

    The unique English sentences (compared as exact strings) are sorted, then
    shuffled with ``random.Random(seed)``, and cut into three parts of sizes
    given by ``fractions`` (rounded). Every pair goes to the split of its
    English sentence, so all translations of a sentence stay together and the
    model is never tested on a sentence it was trained on. Within a split,
    pairs keep their input order.

    Note that the fractions are fractions of *sentences*, not of pairs.

    Args:
        pairs: the pairs to split, e.g. from :func:`load_tatoeba`.
        fractions: (train, valid, test) fractions: 3 non-negative numbers that
            sum to 1 (within 1e-9).
        seed: seed of the shuffle. The same pairs and seed give the same splits,
            whatever the order of ``pairs``.

    Returns:
        ``{"train": [...], "valid": [...], "test": [...]}``; together they hold
        every input pair exactly once.

    Raises:
        ValueError: ``pairs`` is empty or ``fractions`` is invalid.
    """
    _check_fractions(fractions)
    if len(pairs) == 0:
        raise ValueError("cannot split an empty list of pairs")

    sentences = sorted({pair.source for pair in pairs})
    random.Random(seed).shuffle(sentences)

    n = len(sentences)
    end_train = round(fractions[0] * n)
    end_valid = min(round((fractions[0] + fractions[1]) * n), n)
    split_of_sentence: dict[str, str] = {}
    for index, sentence in enumerate(sentences):
        if index < end_train:
            split_of_sentence[sentence] = "train"
        elif index < end_valid:
            split_of_sentence[sentence] = "valid"
        else:
            split_of_sentence[sentence] = "test"

    splits: dict[str, list[TranslationPair]] = {name: [] for name in SPLIT_NAMES}
    for pair in pairs:
        splits[split_of_sentence[pair.source]].append(pair)
    return splits


def group_references(
    pairs: Iterable[TranslationPair],
) -> tuple[list[str], list[list[str]]]:
    """Group the French translations of each English sentence.

    Several French sentences can translate the same English sentence; for BLEU
    they are all valid references.

    Args:
        pairs: translation pairs.

    Returns:
        ``(sources, references)``: the unique English sentences in first-seen
        order, and for ``sources[i]`` the list ``references[i]`` of all its
        French translations in input order (duplicates kept).
    """
    references_of: dict[str, list[str]] = {}
    for pair in pairs:
        references_of.setdefault(pair.source, []).append(pair.target)
    sources = list(references_of)
    return sources, [references_of[source] for source in sources]
