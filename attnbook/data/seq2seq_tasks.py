"""The tasks of chapters 1, 2 and 7, ready to train on: :class:`TaskData` and
:func:`date_task`, :func:`tatoeba_task`, :func:`bottleneck_task` (splits, token pairs,
vocabularies and lengths; re-exported by :mod:`attnbook.seq2seq`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from attnbook.data.dates import date_source_tokens, date_target_tokens, make_date_splits
from attnbook.data.number_lists import NUMBER_LANGUAGES, make_number_lists
from attnbook.data.tatoeba import TranslationPair, split_by_source
from attnbook.data.vocab import Vocab, word_tokenize


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
