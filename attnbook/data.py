"""Data for the course: files, datasets, tokenization, vocabularies and batches.

This module holds the plumbing that every chapter needs before any attention
happens:

1. **Files** -- :func:`fetch` finds a known data file, either in a local folder
   named by the ``ATTNBOOK_DATA`` environment variable or by downloading it
   with `pooch <https://www.fatiando.org/pooch/>`_, always checking its
   SHA-256 hash.
2. **Tatoeba English->French** -- :func:`load_tatoeba` reads 5,000 sentence
   pairs; :func:`split_by_source` makes train/valid/test splits with no
   English sentence in two splits; :func:`group_references` collects all
   French translations of each English sentence (the references for BLEU).
   The data is from Tatoeba (tatoeba.org), CC-BY 2.0 FR (see
   :data:`TATOEBA_CREDIT`).
3. **Tokens** -- :func:`word_tokenize`, :func:`detokenize` and :class:`Vocab`.
4. **Dates** -- a synthetic translation task, human-readable date -> ISO date
   (:func:`make_dates`, :func:`make_date_splits`).
5. **Batches** -- :func:`pad_sequences`, :func:`make_batch`, :func:`batches`
   turn token lists into padded ``int64`` tensors for teacher forcing.
6. **Numbers read aloud** -- lists of numbers written in words by num2words
   (English, French, Korean) -> their digits (:func:`make_number_lists`).
7. **Tasks** -- :class:`TaskData` and :func:`date_task`, :func:`tatoeba_task`,
   :func:`bottleneck_task`: splits, token pairs, vocabularies and lengths, ready
   to train on (re-exported by :mod:`attnbook.seq2seq`).
"""

from __future__ import annotations

import datetime
import functools
import os
import pathlib
import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import babel.dates
import pooch
import torch
from tokenizers import normalizers, pre_tokenizers

# ---------------------------------------------------------------------------
# 1. Files and download
# ---------------------------------------------------------------------------

DATA_ENV_VAR = "ATTNBOOK_DATA"
"""Environment variable naming a folder that :func:`fetch` looks in first."""

CACHE_ENV_VAR = "ATTNBOOK_CACHE"
"""Environment variable naming the download cache folder (overrides pooch's default)."""


class DataFileError(RuntimeError):
    """A data file is missing, corrupted, could not be downloaded or could not be parsed."""


@dataclass(frozen=True)
class RemoteFile:
    """Where a known data file is downloaded from and its expected SHA-256 hash (hex)."""

    url: str
    sha256: str


TATOEBA_FILE = "tatoeba-eng-fra-5k.tsv"
"""Name of the Tatoeba English->French file (5,000 lines, 562,864 bytes)."""

TATOEBA_CREDIT = "Tatoeba (tatoeba.org), CC-BY 2.0 FR"
"""Credit line that must appear wherever the book uses the Tatoeba data."""

SHAKESPEARE_FILE = "tinyshakespeare.txt"
"""Name of the Tiny Shakespeare file (40,000 lines, 1,115,394 bytes of plain text)."""

SHAKESPEARE_CREDIT = "Tiny Shakespeare, from Andrej Karpathy's char-rnn"
"""Credit line for the Tiny Shakespeare text (public domain; char-rnn is MIT-licensed)."""

DATA_FILES: dict[str, RemoteFile] = {
    TATOEBA_FILE: RemoteFile(
        url=(
            "https://raw.githubusercontent.com/NJUxlj/seq2seq-attention-translation/"
            "7aa6f6bdf644b3efb0678e2510ff1f7b52b59501/data/eng-fra.txt"
        ),
        sha256="d952b56a181da5270b7bb4ded3f3bbe61e67a9b1de0e0fbc1d46438c71fb55a7",
    ),
    SHAKESPEARE_FILE: RemoteFile(
        url=(
            "https://raw.githubusercontent.com/karpathy/char-rnn/"
            "6f9487a6fe5b420b7ca9afb0d7c078e37c1d1b4e/data/tinyshakespeare/input.txt"
        ),
        sha256="86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
    ),
}
"""Registry of the files :func:`fetch` knows: file name -> :class:`RemoteFile`."""


def cache_dir() -> pathlib.Path:
    """Return the folder where downloaded files are cached.

    This is ``$ATTNBOOK_CACHE`` when that variable is set (and not empty),
    otherwise the operating system's cache folder for ``attnbook`` as given by
    ``pooch.os_cache("attnbook")`` (for example ``~/.cache/attnbook`` on Linux).
    The folder is not created here; :func:`fetch` creates it when downloading.
    """
    override = os.environ.get(CACHE_ENV_VAR, "")
    if override:
        return pathlib.Path(override)
    return pathlib.Path(pooch.os_cache("attnbook"))


def _check_local_file(path: pathlib.Path, expected_sha256: str) -> None:
    """Raise :class:`DataFileError` if the SHA-256 hash of ``path`` is not ``expected_sha256``."""
    actual = pooch.file_hash(str(path), alg="sha256")
    if actual != expected_sha256:
        raise DataFileError(
            f"The file {path} is corrupted or is not the expected file: its SHA-256 hash is "
            f"{actual} but {expected_sha256} was expected. Delete it and download it again "
            f"(or copy a correct version into {path.parent})."
        )


def fetch(name: str) -> pathlib.Path:
    """Return the local path of the known data file ``name``, downloading it if needed.

    Lookup order:

    1. If the environment variable ``ATTNBOOK_DATA`` names a folder that holds
       ``name``, that file is used after checking its SHA-256 hash. This is how
       the course runs offline (CI, machines without internet).
    2. Otherwise (variable unset or empty, or file not in that folder) the
       file is downloaded with ``pooch.retrieve`` into
       :func:`cache_dir` (only once: later calls find it in the cache) and its
       hash is checked by pooch.

    Args:
        name: a key of :data:`DATA_FILES`, e.g. ``"tatoeba-eng-fra-5k.tsv"``.

    Returns:
        The path of a file whose SHA-256 hash matches the registry.

    Raises:
        KeyError: ``name`` is not a known file; the message lists the known names.
        DataFileError: ``ATTNBOOK_DATA`` is set but is not a folder; the local
            file has the wrong hash; the download failed (for example there is
            no network); or the downloaded file has the wrong hash.
    """
    if name not in DATA_FILES:
        raise KeyError(f"unknown data file {name!r}; known files: {sorted(DATA_FILES)}")
    remote = DATA_FILES[name]

    data_dir = os.environ.get(DATA_ENV_VAR, "")
    if data_dir:
        if not pathlib.Path(data_dir).is_dir():
            raise DataFileError(
                f"{DATA_ENV_VAR} is set to {data_dir!r}, which is not a folder. "
                f"Point it to the folder that holds {name!r}, or unset it to download the file."
            )
        local_path = pathlib.Path(data_dir) / name
        if local_path.exists():
            _check_local_file(local_path, remote.sha256)
            return local_path

    try:
        downloaded = pooch.retrieve(
            remote.url,
            known_hash=f"sha256:{remote.sha256}",
            fname=name,
            path=cache_dir(),
        )
    except ValueError as error:
        # pooch raises ValueError when the downloaded file's hash does not match.
        raise DataFileError(
            f"The file {name!r} downloaded from {remote.url} does not have the expected "
            f"SHA-256 hash {remote.sha256}, so it was not used. The file on the server may "
            f"have changed or the download was corrupted. Details: {error}"
        ) from error
    except OSError as error:
        # requests' network errors are subclasses of OSError, as are disk errors.
        raise DataFileError(
            f"The file {name!r} could not be downloaded from {remote.url} ({error}). "
            f"To work offline, put the file {name!r} in a folder and set the environment "
            f"variable {DATA_ENV_VAR} to that folder."
        ) from error
    return pathlib.Path(downloaded)


# ---------------------------------------------------------------------------
# 2. Tatoeba English->French
# ---------------------------------------------------------------------------


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


def load_shakespeare(path: str | os.PathLike[str] | None = None) -> str:
    """Read Tiny Shakespeare (chapter 8's character-level corpus) as one string.

    Args:
        path: the file to read; ``None`` (default) means ``fetch("tinyshakespeare.txt")``
            (see :data:`SHAKESPEARE_CREDIT` for its origin).

    Returns:
        The whole text, 1,115,394 characters for the default file.

    Raises:
        DataFileError: the file is empty or not valid UTF-8 (the message names the file).
        (and whatever :func:`fetch` raises when ``path`` is ``None``)
    """
    file_path = fetch(SHAKESPEARE_FILE) if path is None else pathlib.Path(path)
    try:
        text = file_path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise DataFileError(f"{file_path}: expected UTF-8 text ({error})") from error
    if not text:
        raise DataFileError(
            f"{file_path}: expected Shakespeare's text but the file is empty"
        )
    return text


# ---------------------------------------------------------------------------
# 3. Tokenization and vocabulary
# ---------------------------------------------------------------------------

_NORMALIZER = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
_PRE_TOKENIZER = pre_tokenizers.BertPreTokenizer()


def word_tokenize(text: str) -> list[str]:
    """Split text into lower-cased words and punctuation marks.

    The text is Unicode-normalized (NFKC) and lower-cased, then split on
    whitespace and around every punctuation character, using the Hugging Face
    ``tokenizers`` library (``BertPreTokenizer``).

    Examples:
        >>> word_tokenize("Je t'aime.")
        ['je', 't', "'", 'aime', '.']
        >>> word_tokenize("I love you.")
        ['i', 'love', 'you', '.']

    Args:
        text: the text to split.

    Returns:
        The list of tokens (empty for an empty or all-whitespace text).

    Raises:
        TypeError: ``text`` is not a ``str``.
    """
    if not isinstance(text, str):
        raise TypeError(f"word_tokenize expected a str, got {type(text).__name__}")
    normalized = _NORMALIZER.normalize_str(text)
    return [token for token, _span in _PRE_TOKENIZER.pre_tokenize_str(normalized)]


def detokenize(tokens: Sequence[str]) -> str:
    """Join tokens with single spaces: ``["je", "t", "'", "aime", "."]`` -> ``"je t ' aime ."``.

    This does not restore the original spelling or casing. In this course BLEU
    is computed on this tokenized, lower-cased text, for both the model output
    and the references (so scores are not comparable with published BLEU on
    detokenized text).

    Raises:
        TypeError: ``tokens`` is a single ``str`` instead of a list of tokens.
    """
    if isinstance(tokens, str):
        raise TypeError("detokenize expected a list of tokens, got a str")
    return " ".join(tokens)


PAD = "<pad>"
BOS = "<bos>"
EOS = "<eos>"
UNK = "<unk>"
SPECIALS = (PAD, BOS, EOS, UNK)
"""The special tokens, in the order of their ids 0, 1, 2, 3 in a default :class:`Vocab`."""


def _check_token_list(tokens: object, what: str) -> None:
    """Raise TypeError if ``tokens`` is a str (a common mistake) instead of a list of tokens."""
    if isinstance(tokens, str):
        raise TypeError(
            f"{what} expected a list of tokens, got the str {tokens!r}; "
            "tokenize it first, e.g. with word_tokenize"
        )


class Vocab:
    """A mapping between tokens (``str``) and ids (``int``).

    Ids ``0 .. len(specials) - 1`` are the special tokens in the given order
    (by default ``<pad>`` = 0, ``<bos>`` = 1, ``<eos>`` = 2, ``<unk>`` = 3).
    The other tokens follow, sorted by descending frequency, ties broken
    alphabetically, so the same data always gives the same ids. Tokens seen
    fewer than ``min_freq`` times are left out of the vocabulary: they are
    encoded as ``<unk>``.

    Example:
        >>> v = Vocab([["a", "b", "a"]])
        >>> v.itos
        ['<pad>', '<bos>', '<eos>', '<unk>', 'a', 'b']
        >>> v.encode(["a", "zzz"], add_eos=True)
        [4, 3, 2]

    Args:
        token_lists: an iterable of token lists, e.g. one per sentence.
        min_freq: minimum count for a token to get its own id (>= 1).
        specials: the special tokens; must contain ``<pad>``, ``<bos>``,
            ``<eos>`` and ``<unk>`` and no duplicates.

    Attributes:
        itos: list of tokens; ``itos[i]`` is the token with id ``i``.
        stoi: dict token -> id (the inverse of ``itos``).
        counts: how many times each data token was seen (before ``min_freq``).

    Raises:
        ValueError: ``min_freq`` < 1; ``specials`` lacks one of the four
            required tokens or has duplicates; a data token equals a special
            token.
        TypeError: an element of ``token_lists`` is a ``str`` (pass lists of
            tokens, not sentences).
    """

    def __init__(
        self,
        token_lists: Iterable[Sequence[str]],
        min_freq: int = 1,
        specials: Sequence[str] = SPECIALS,
    ) -> None:
        if min_freq < 1:
            raise ValueError(f"min_freq must be >= 1, got {min_freq}")
        missing = [token for token in SPECIALS if token not in specials]
        if missing:
            raise ValueError(
                f"specials must contain {list(SPECIALS)}, missing {missing}"
            )
        if len(set(specials)) != len(specials):
            raise ValueError(f"specials must not repeat a token, got {list(specials)}")

        counts: Counter[str] = Counter()
        for tokens in token_lists:
            _check_token_list(tokens, "Vocab")
            counts.update(tokens)
        clashes = sorted(token for token in counts if token in specials)
        if clashes:
            raise ValueError(
                f"the data contains the special tokens {clashes}; "
                "build the vocabulary from tokens without specials"
            )

        kept = [token for token, count in counts.items() if count >= min_freq]
        kept.sort(key=lambda token: (-counts[token], token))
        self.itos: list[str] = list(specials) + kept
        self.stoi: dict[str, int] = {
            token: index for index, token in enumerate(self.itos)
        }
        self.counts: Counter[str] = counts

    def __len__(self) -> int:
        """Number of tokens, specials included."""
        return len(self.itos)

    def __getitem__(self, token: str) -> int:
        """Return the id of ``token``, or :attr:`unk_id` if it is not in the vocabulary."""
        return self.stoi.get(token, self.unk_id)

    def __contains__(self, token: object) -> bool:
        """True if ``token`` has its own id (is not mapped to ``<unk>``)."""
        return token in self.stoi

    def __repr__(self) -> str:
        return f"Vocab(size={len(self)}, first tokens={self.itos[:8]})"

    @property
    def pad_id(self) -> int:
        """Id of ``<pad>`` (0 by default)."""
        return self.stoi[PAD]

    @property
    def bos_id(self) -> int:
        """Id of ``<bos>`` (1 by default)."""
        return self.stoi[BOS]

    @property
    def eos_id(self) -> int:
        """Id of ``<eos>`` (2 by default)."""
        return self.stoi[EOS]

    @property
    def unk_id(self) -> int:
        """Id of ``<unk>`` (3 by default)."""
        return self.stoi[UNK]

    def lookup_token(self, index: int) -> str:
        """Return the token with id ``index``.

        Raises:
            IndexError: ``index`` is not in ``0 .. len(self) - 1``; the message
                names the id and the vocabulary size.
        """
        if not 0 <= index < len(self.itos):
            raise IndexError(
                f"token id {index} is out of range for a vocabulary of size {len(self)}"
            )
        return self.itos[index]

    def encode(
        self, tokens: Sequence[str], add_bos: bool = False, add_eos: bool = False
    ) -> list[int]:
        """Turn tokens into ids; unknown tokens become :attr:`unk_id`.

        Args:
            tokens: a list of tokens (not a str).
            add_bos: put :attr:`bos_id` first.
            add_eos: put :attr:`eos_id` last.

        Returns:
            A list of ``len(tokens) + add_bos + add_eos`` ints.

        Raises:
            TypeError: ``tokens`` is a str.
        """
        _check_token_list(tokens, "Vocab.encode")
        ids = [self[token] for token in tokens]
        if add_bos:
            ids = [self.bos_id] + ids
        if add_eos:
            ids = ids + [self.eos_id]
        return ids

    def decode(
        self, ids: Sequence[int] | torch.Tensor, strip_special: bool = True
    ) -> list[str]:
        """Turn ids back into tokens.

        Args:
            ids: a list of ints or a 1-D integer tensor.
            strip_special: if True (default), stop at the first ``<eos>``
                (it and everything after it are left out) and leave out
                ``<pad>`` and ``<bos>``; ``<unk>`` is kept. If False, return
                one token per id.

        Returns:
            A list of tokens.

        Raises:
            IndexError: an id is out of range; the message names the id and
                the vocabulary size.
            ValueError: ``ids`` is a tensor that is not 1-D.
        """
        if isinstance(ids, torch.Tensor):
            if ids.dim() != 1:
                raise ValueError(
                    f"decode expected a 1-D tensor of ids, got shape {tuple(ids.shape)}"
                )
            ids = ids.tolist()
        tokens = []
        for index in ids:
            token = self.lookup_token(int(index))
            if strip_special:
                if token == EOS:
                    break
                if token in (PAD, BOS):
                    continue
            tokens.append(token)
        return tokens


# ---------------------------------------------------------------------------
# 4. Dates: human-readable date -> ISO date
# ---------------------------------------------------------------------------

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


def _check_choices(values: Sequence[str], allowed: Sequence[str], what: str) -> None:
    """Raise ValueError if ``values`` is empty or has a value not in ``allowed``."""
    if len(values) == 0:
        raise ValueError(f"{what} must not be empty; expected some of {tuple(allowed)}")
    unknown = [value for value in values if value not in allowed]
    if unknown:
        raise ValueError(f"unknown {what} {unknown}; expected some of {tuple(allowed)}")


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
    _check_choices(locales, DATE_LOCALES, "locales")
    _check_choices(formats, DATE_FORMATS, "formats")
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


# ---------------------------------------------------------------------------
# 5. Padding and batching
# ---------------------------------------------------------------------------


def pad_sequences(
    seqs: Sequence[Sequence[int]], pad_id: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack id sequences of different lengths into one padded tensor.

    Example: ``pad_sequences([[5, 6, 7], [8]], pad_id=0)`` ->
    ``(tensor([[5, 6, 7], [8, 0, 0]]), tensor([3, 1]))``.

    Args:
        seqs: ``batch`` non-empty lists of ids.
        pad_id: id written after the end of the shorter sequences.

    Returns:
        ``(padded, lengths)``: ``padded`` has shape ``(batch, max_len)`` and
        ``lengths`` shape ``(batch,)``, both ``torch.int64``; ``lengths[i]`` is
        ``len(seqs[i])``.

    Raises:
        ValueError: ``seqs`` is empty ("empty batch"), or one sequence is
            empty (the message gives its index).
    """
    if len(seqs) == 0:
        raise ValueError("empty batch: pad_sequences needs at least one sequence")
    for index, seq in enumerate(seqs):
        if len(seq) == 0:
            raise ValueError(
                f"sequence {index} of the batch is empty; every sequence needs >= 1 id"
            )
    lengths = torch.tensor([len(seq) for seq in seqs], dtype=torch.int64)
    padded = torch.full((len(seqs), int(lengths.max())), pad_id, dtype=torch.int64)
    for index, seq in enumerate(seqs):
        padded[index, : len(seq)] = torch.tensor(seq, dtype=torch.int64)
    return padded, lengths


@dataclass
class Seq2SeqBatch:
    """A padded batch for a sequence-to-sequence model trained with teacher forcing.

    For a target sentence ``y`` (as ids), the decoder reads
    ``tgt_in = [<bos>] + y`` and must predict ``tgt_out = y + [<eos>]``:
    at every position ``t``, ``tgt_out[:, t]`` is the token that follows
    ``tgt_in[:, t]``. Both are padded with ``<pad>``; give
    ``ignore_index=pad_id`` to the loss so padding is not learned.

    Attributes:
        src: ``(batch, src_len)`` int64, source ids padded with the source ``pad_id``.
        src_lengths: ``(batch,)`` int64, real length of each source.
        tgt_in: ``(batch, tgt_len)`` int64, decoder input, starts with ``<bos>``.
        tgt_out: ``(batch, tgt_len)`` int64, decoder target, each row ends
            with ``<eos>`` before its padding.
    """

    src: torch.Tensor
    src_lengths: torch.Tensor
    tgt_in: torch.Tensor
    tgt_out: torch.Tensor

    def __len__(self) -> int:
        """The batch size."""
        return self.src.shape[0]

    def to(self, device: torch.device | str) -> Seq2SeqBatch:
        """Return a copy of the batch with every tensor moved to ``device``."""
        return Seq2SeqBatch(
            src=self.src.to(device),
            src_lengths=self.src_lengths.to(device),
            tgt_in=self.tgt_in.to(device),
            tgt_out=self.tgt_out.to(device),
        )


def make_batch(
    pairs_of_token_lists: Sequence[tuple[Sequence[str], Sequence[str]]],
    src_vocab: Vocab,
    tgt_vocab: Vocab,
    max_src_len: int | None = None,
) -> Seq2SeqBatch:
    """Encode and pad ``(source tokens, target tokens)`` pairs into a :class:`Seq2SeqBatch`.

    Sources are encoded without ``<bos>``/``<eos>``. Targets become
    ``tgt_in = [<bos>] + y`` and ``tgt_out = y + [<eos>]`` (an empty target
    gives ``[<bos>]`` and ``[<eos>]``).

    Args:
        pairs_of_token_lists: ``batch`` pairs ``(source_tokens, target_tokens)``.
        src_vocab: vocabulary of the source side.
        tgt_vocab: vocabulary of the target side.
        max_src_len: if given, the longest source allowed (in tokens).

    Returns:
        A :class:`Seq2SeqBatch` with ``len(batch) == len(pairs_of_token_lists)``.

    Raises:
        ValueError: the list is empty ("empty batch"), a source is empty, or a
            source is longer than ``max_src_len`` (the message gives its length,
            the maximum and the tokens; nothing is ever truncated).
        TypeError: a token list is a str.
    """
    if len(pairs_of_token_lists) == 0:
        raise ValueError(
            "empty batch: make_batch needs at least one (source, target) pair"
        )
    src_ids, tgt_in_ids, tgt_out_ids = [], [], []
    for source_tokens, target_tokens in pairs_of_token_lists:
        if max_src_len is not None and len(source_tokens) > max_src_len:
            raise ValueError(
                f"source has {len(source_tokens)} tokens, more than max_src_len={max_src_len}: "
                f"{list(source_tokens)!r}"
            )
        src_ids.append(src_vocab.encode(source_tokens))
        target_ids = tgt_vocab.encode(target_tokens)
        tgt_in_ids.append([tgt_vocab.bos_id] + target_ids)
        tgt_out_ids.append(target_ids + [tgt_vocab.eos_id])

    src, src_lengths = pad_sequences(src_ids, src_vocab.pad_id)
    tgt_in, _ = pad_sequences(tgt_in_ids, tgt_vocab.pad_id)
    tgt_out, _ = pad_sequences(tgt_out_ids, tgt_vocab.pad_id)
    return Seq2SeqBatch(
        src=src, src_lengths=src_lengths, tgt_in=tgt_in, tgt_out=tgt_out
    )


def batches(
    pairs_of_token_lists: Sequence[tuple[Sequence[str], Sequence[str]]],
    src_vocab: Vocab,
    tgt_vocab: Vocab,
    batch_size: int,
    shuffle: bool = False,
    seed: int = 0,
    max_src_len: int | None = None,
) -> Iterator[Seq2SeqBatch]:
    """Split pairs into batches and return an iterator of :class:`Seq2SeqBatch`.

    Every pair is in exactly one batch.

    Args:
        pairs_of_token_lists: ``(source_tokens, target_tokens)`` pairs.
        src_vocab, tgt_vocab: vocabularies of the two sides.
        batch_size: pairs per batch (>= 1); the last batch may be smaller.
        shuffle: if True, visit the pairs in an order shuffled by
            ``random.Random(seed)`` (use a different seed each epoch);
            otherwise in input order.
        seed: seed of the shuffle.
        max_src_len: if given, the longest source allowed (in tokens).

    Returns:
        An iterator over ``ceil(len(pairs_of_token_lists) / batch_size)``
        batches (none for an empty list).

    Raises:
        ValueError: at once, if ``batch_size`` < 1 or a source is longer than
            ``max_src_len``; while iterating, whatever :func:`make_batch` raises.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if max_src_len is not None:
        for index, (source_tokens, _target_tokens) in enumerate(pairs_of_token_lists):
            if len(source_tokens) > max_src_len:
                raise ValueError(
                    f"source {index} has {len(source_tokens)} tokens, more than "
                    f"max_src_len={max_src_len}: {list(source_tokens)!r}"
                )
    order = list(range(len(pairs_of_token_lists)))
    if shuffle:
        random.Random(seed).shuffle(order)
    chunks = [
        [pairs_of_token_lists[index] for index in order[start : start + batch_size]]
        for start in range(0, len(order), batch_size)
    ]
    return (make_batch(chunk, src_vocab, tgt_vocab, max_src_len) for chunk in chunks)


# ---------------------------------------------------------------------------
# 6. Numbers read aloud: a list of numbers in words -> the digits
# ---------------------------------------------------------------------------

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
    _check_choices(languages, NUMBER_LANGUAGES, "languages")
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


# ---------------------------------------------------------------------------
# 7. The tasks of chapters 1 and 2 (and 7), ready to train on
# ---------------------------------------------------------------------------


class TaskData(NamedTuple):
    """One task's data, prepared the way chapters 1, 2 and 7 train and test on it.

    Attributes:
        splits: ``"train"``, ``"valid"``, ``"test"`` -> the examples of that split
            (:class:`DateExample`, :class:`TranslationPair` or :class:`NumberListExample`).
        train: the training pairs as ``(source tokens, target tokens)``, sorted by length
            (so that a batch holds inputs of similar length and little padding).
        src_vocab, tgt_vocab: vocabularies built from the training pairs only.
        max_src_len: the longest training source, in tokens.
        lengths: ``"train"``, ``"valid"``, ``"test"`` -> the source length in tokens of each
            example of ``splits[name]``, in the same order (what scores are bucketed by).
    """

    splits: dict
    train: list
    src_vocab: Vocab
    tgt_vocab: Vocab
    max_src_len: int
    lengths: dict


def _task_data(
    splits: dict, source_tokens: Callable, target_tokens: Callable, min_freq: int = 1
) -> TaskData:
    if len(splits["train"]) == 0:
        raise ValueError(
            "a task needs at least one training example, got an empty training split"
        )
    train = [(source_tokens(e), target_tokens(e)) for e in splits["train"]]
    train.sort(key=lambda pair: (len(pair[1]), len(pair[0])))
    lengths = {
        name: [len(source_tokens(e)) for e in examples]
        for name, examples in splits.items()
    }
    src_vocab = Vocab((s for s, _ in train), min_freq=min_freq)
    tgt_vocab = Vocab((t for _, t in train), min_freq=min_freq)
    return TaskData(
        splits, train, src_vocab, tgt_vocab, max(len(s) for s, _ in train), lengths
    )


def date_task(
    n_train: int = 10_000, n_valid: int = 1_000, n_test: int = 1_000, seed: int = 0
) -> TaskData:
    """The date task: the locale token and one token per character -> the ISO date.

    The dates come from :func:`make_date_splits` (deterministic by ``seed``); no test date
    appears in training in any locale or format.

    Returns:
        A :class:`TaskData` whose examples are :class:`DateExample`.

    Raises:
        ValueError: a size is negative, the sizes ask for more dates than the range holds, or
            ``n_train`` is 0 (see :func:`make_date_splits`).
    """
    splits = make_date_splits(
        n_train=n_train, n_valid=n_valid, n_test=n_test, seed=seed
    )
    return _task_data(splits, date_source_tokens, date_target_tokens)


def tatoeba_task(
    pairs: list[TranslationPair], seed: int = 0, min_freq: int = 1
) -> TaskData:
    """Tatoeba English -> French, split 80/10/10 *by English sentence* (no source in two splits).

    ``pairs`` is :func:`load_tatoeba`'s list. Tokens are lower-cased words
    (:func:`word_tokenize`); a word seen fewer than ``min_freq`` times in the training pairs
    becomes ``<unk>`` (a smaller vocabulary, a smaller and faster output layer).

    Returns:
        A :class:`TaskData` whose examples are :class:`TranslationPair`.

    Raises:
        ValueError: ``pairs`` is empty (see :func:`split_by_source`); ``min_freq`` < 1.
    """
    splits = split_by_source(pairs, fractions=(0.8, 0.1, 0.1), seed=seed)
    return _task_data(
        splits,
        lambda p: word_tokenize(p.source),
        lambda p: word_tokenize(p.target),
        min_freq,
    )


BOTTLENECK_BUCKETS = ((1, 9), (10, 13), (14, 16), (17, None))
"""Source-length buckets (tokens, inclusive; ``None`` = no upper end) for :func:`bottleneck_task`
with its default sizes: each holds 220-312 of the 1,000 test examples (about a quarter), from
lists of two to four numbers (no test list has one: all 100 one-number lists are in training)
to lists of five or six."""


def bottleneck_task(
    n_train: int = 6_000,
    n_valid: int = 300,
    n_test: int = 1_000,
    min_count: int = 1,
    max_count: int = 6,
    max_value: int = 99,
    languages: Sequence[str] = NUMBER_LANGUAGES,
    seed: int = 0,
) -> TaskData:
    """The long-input task of chapters 1, 2 and 7: a list of numbers read aloud -> its digits.

    Each example is ``min_count .. max_count`` numbers in ``0 .. max_value``, written out in
    words in English, French or Korean by num2words (:func:`make_number_lists`), for example
    ``"soixante-dix-sept, huit, quarante et un"`` -> ``"77 8 41"`` or ``"사십이, 칠"`` ->
    ``"42 7"``. The answer grows with the input: a list of six numbers holds six times what one
    number holds, which one fixed context vector must carry all of.

    * source tokens (:attr:`NumberListExample.source`): ``<en>`` / ``<fr>`` / ``<ko>``, then
      the words and hyphens (en, fr) or syllables (ko), with ``","`` between numbers; 2 to
      about 50 tokens with the defaults;
    * target tokens (:attr:`NumberListExample.target`): one per character of the digits,
      ``" "`` between numbers (vocabulary: ``0``-``9``, ``" "`` and the four specials);
    * lengths: ``task.lengths["test"][i] == len(task.splits["test"][i].source)``; bucket
      them with :data:`BOTTLENECK_BUCKETS` (``attnbook.seq2seq.scores_by_length``).

    All ``n_train + n_valid + n_test`` examples have different tuples of numbers (one call of
    :func:`make_number_lists` with ``seed``, then cut in three): no test list is seen in
    training, in any language. The same arguments always give the same task.

    Returns:
        A :class:`TaskData` whose examples are :class:`NumberListExample`.

    Raises:
        ValueError: a size is negative or ``n_train`` is 0; ``min_count``, ``max_count``,
            ``max_value`` or ``languages`` invalid (see :func:`make_number_lists`).
    """
    sizes = {"train": n_train, "valid": n_valid, "test": n_test}
    for name, size in sizes.items():
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValueError(f"n_{name} must be a non-negative int, got {size!r}")
    examples = make_number_lists(
        n_train + n_valid + n_test, min_count, max_count, max_value, languages, seed
    )
    splits = {
        "train": examples[:n_train],
        "valid": examples[n_train : n_train + n_valid],
        "test": examples[n_train + n_valid :],
    }
    return _task_data(splits, lambda e: e.source, lambda e: e.target)


@dataclass
class Seq2SeqConfig:
    """Sizes and training settings of a sequence-to-sequence model (chapters 1 and 2).

    ``embed_dim``: token embeddings; ``hidden_size``: LSTM states (encoder and decoder);
    ``num_epochs``, ``batch_size``, ``lr`` (Adam), ``clip`` (largest global gradient norm),
    ``seed`` (weight initialisation and batch order).
    """

    embed_dim: int = 32
    hidden_size: int = 128
    num_epochs: int = 3
    batch_size: int = 64
    lr: float = 3e-3
    clip: float = 1.0
    seed: int = 0


DATES_CONFIG = Seq2SeqConfig(embed_dim=32, hidden_size=64, num_epochs=3, lr=1e-2)
"""The date task of chapter 1 (``date_task()``: 10,000 training dates)."""

TATOEBA_CONFIG = Seq2SeqConfig(embed_dim=64, hidden_size=64, num_epochs=3, lr=1e-2)
"""Tatoeba English -> French (``tatoeba_task(min_freq=2)``, about 4,000 training pairs)."""

BOTTLENECK_CONFIG = Seq2SeqConfig(embed_dim=32, hidden_size=32, num_epochs=8, lr=1e-2)
"""Numbers read aloud (:func:`bottleneck_task`, 6,000 training lists): the budget both
chapter 1's baseline and chapter 2's attention model get."""
