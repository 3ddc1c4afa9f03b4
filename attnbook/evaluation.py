"""Scoring translations: metrics, scores by input length, and the evaluation chapters 1, 2 and 7 share.

Hand-written plumbing (the course teaches the models, not the bookkeeping around them); the
chapters import it, and :mod:`attnbook.seq2seq` re-exports the names chapter 1 introduces.

* :func:`translate` -- greedy-decode token lists with a trained ``Seq2Seq``, in batches.
* :func:`exact_match`, :func:`corpus_bleu` -- the two metrics (BLEU: Papineni et al. 2002, with
  sacrebleu, Post 2018).
* :func:`scores_by_length`, :func:`bootstrap_by_length` -- a metric per bucket of input
  lengths, and its 90% bootstrap interval.
* :func:`evaluate_by_length` -- all of that for one model on one split of a task, in one call;
  :func:`tatoeba_test_set` and :func:`tatoeba_bleu` -- the Tatoeba test sentences with all
  their references, and a model's BLEU on them.
"""

from __future__ import annotations

import math
import random
from typing import NamedTuple

import numpy as np
import sacrebleu
import torch

from attnbook.data import (
    TaskData,
    detokenize,
    group_references,
    pad_sequences,
    word_tokenize,
)

__all__ = [
    "translate",
    "exact_match",
    "corpus_bleu",
    "scores_by_length",
    "bootstrap_by_length",
    "ByLength",
    "evaluate_by_length",
    "tatoeba_test_set",
    "tatoeba_bleu",
    "date_exact_match",
]


def translate(
    model,
    src_token_lists: list,
    src_vocab,
    tgt_vocab,
    max_len: int,
    batch_size: int = 256,
):
    """Greedy-decode a list of tokenized sentences with ``model.greedy_decode``.

    Args:
        model: a trained ``attnbook.seq2seq.Seq2Seq``.
        src_token_lists: source sentences as token lists (e.g. ``word_tokenize(s)``).
        src_vocab, tgt_vocab: the vocabularies the model was trained with.
        max_len: the most target tokens to generate per sentence.
        batch_size: sentences decoded together.

    Returns:
        ``(translations, weights)``: ``translations[i]`` is a token list (without ``<bos>``,
        ``<eos>`` and padding); ``weights[i]`` is None for the baseline, or for an attention
        model a tensor ``(len(translations[i]), len(src_token_lists[i]))``: one row per output
        token.

    Raises:
        ValueError: an empty sentence, or one longer than ``model.max_src_len``.
    """
    was_training = model.training
    model.eval()
    translations, all_weights = [], []
    for start in range(0, len(src_token_lists), batch_size):
        chunk = src_token_lists[start : start + batch_size]
        src, src_lengths = pad_sequences(
            [src_vocab.encode(t) for t in chunk], src_vocab.pad_id
        )
        tokens, weights = model.greedy_decode(
            src, src_lengths, max_len
        )  # (chunk, out_len)
        for i in range(len(chunk)):
            words = tgt_vocab.decode(tokens[i])  # stops at <eos>
            translations.append(words)
            all_weights.append(
                None
                if weights is None
                else weights[i, : len(words), : int(src_lengths[i])]
            )
    model.train(was_training)
    return translations, all_weights


def exact_match(hypotheses: list, references: list) -> float:
    """Fraction of hypotheses equal to their reference (token lists compared whole), in [0, 1].

    Raises:
        ValueError: the lists have different lengths, or are empty.
    """
    if len(hypotheses) != len(references):
        raise ValueError(
            f"expected as many references as hypotheses, got {len(references)} "
            f"and {len(hypotheses)}"
        )
    if len(hypotheses) == 0:
        raise ValueError("exact_match: expected at least one hypothesis, got none")
    return sum(list(h) == list(r) for h, r in zip(hypotheses, references)) / len(
        hypotheses
    )


def corpus_bleu(hypotheses: list, references: list) -> float:
    """Corpus BLEU (0-100) with sacrebleu, on text that is already tokenized and lower-cased.

    Args:
        hypotheses: one string per sentence, tokens joined by spaces (``detokenize(tokens)``).
        references: for each sentence, a non-empty list of reference strings (any number).

    Returns:
        ``sacrebleu.corpus_bleu(..., tokenize="none", force=True).score`` (Papineni et al.
        2002; Post 2018). Sentences with fewer references are padded with None, which
        sacrebleu skips.

    Raises:
        ValueError: the lists have different lengths or are empty, or a sentence has no
            reference.
    """
    if len(hypotheses) != len(references):
        raise ValueError(
            f"expected as many reference lists as hypotheses, got {len(references)} "
            f"and {len(hypotheses)}"
        )
    if len(hypotheses) == 0:
        raise ValueError("corpus_bleu: expected at least one hypothesis, got none")
    for index, refs in enumerate(references):
        if isinstance(refs, str) or len(refs) == 0:
            raise ValueError(
                f"expected a non-empty list of reference strings for sentence "
                f"{index}, got {refs!r}"
            )
    n_streams = max(len(refs) for refs in references)
    streams = [
        [refs[k] if k < len(refs) else None for refs in references]
        for k in range(n_streams)
    ]
    return sacrebleu.corpus_bleu(
        list(hypotheses), streams, tokenize="none", force=True
    ).score


def scores_by_length(
    lengths: list, hypotheses: list, references: list, metric, buckets: list
) -> list:
    """Score the examples separately for each bucket of input lengths.

    Args:
        lengths: the input length of each example (e.g. source tokens).
        hypotheses, references: per example, in the format ``metric`` expects.
        metric: ``metric(hypotheses, references) -> float``, e.g. :func:`exact_match` or
            :func:`corpus_bleu`.
        buckets: ``(low, high)`` inclusive ranges of lengths, not overlapping; ``high=None``
            means no upper end.

    Returns:
        One ``(label, count, score)`` per bucket, in the given order; label is
        ``"low-high"``, ``"low"`` or ``"low+"``; an empty bucket has count 0 and score ``nan``.

    Raises:
        ValueError: the three lists differ in length, buckets overlap, or a length is in no
            bucket (no example is dropped silently).
    """
    if not len(lengths) == len(hypotheses) == len(references):
        raise ValueError(
            f"expected lists of equal length, got {len(lengths)} lengths, "
            f"{len(hypotheses)} hypotheses and {len(references)} references"
        )
    ranges = [(low, math.inf if high is None else high) for low, high in buckets]
    for i, (low_i, high_i) in enumerate(ranges):
        if low_i > high_i:
            raise ValueError(f"bucket {buckets[i]} is empty: low > high")
        for low_j, high_j in ranges[i + 1 :]:
            if low_i <= high_j and low_j <= high_i:
                raise ValueError(f"buckets overlap: {buckets}")
    members = [[] for _ in buckets]
    for index, length in enumerate(lengths):
        found = [b for b, (low, high) in enumerate(ranges) if low <= length <= high]
        if not found:
            raise ValueError(
                f"example {index} has length {length}, which is in none of the "
                f"buckets {buckets}"
            )
        members[found[0]].append(index)
    results = []
    for (low, high), indices in zip(buckets, members):
        label = (
            f"{low}+"
            if high is None
            else (f"{low}" if low == high else f"{low}-{high}")
        )
        score = (
            metric([hypotheses[i] for i in indices], [references[i] for i in indices])
            if indices
            else math.nan
        )
        results.append((label, len(indices), score))
    return results


def bootstrap_by_length(
    lengths: list,
    hypotheses: list,
    references: list,
    metric,
    buckets: list,
    n_resamples: int = 200,
    seed: int = 0,
) -> list:
    """90% bootstrap interval of each length bucket's score.

    The test set is resampled with replacement ``n_resamples`` times (seeded) and each
    resample is scored with :func:`scores_by_length`; the 5th and 95th percentiles of a
    bucket's scores are its interval. Arguments are those of :func:`scores_by_length`.

    Returns:
        One ``(low, high)`` pair of floats per bucket, in the order of ``buckets``
        (``(nan, nan)`` for a bucket that no resample fills).
    """
    rng = random.Random(seed)
    samples = [[] for _ in buckets]
    for _ in range(n_resamples):
        chosen = [rng.randrange(len(lengths)) for _ in lengths]
        results = scores_by_length(
            [lengths[i] for i in chosen],
            [hypotheses[i] for i in chosen],
            [references[i] for i in chosen],
            metric,
            buckets,
        )
        for b, (_, count, score) in enumerate(results):
            if count > 0:
                samples[b].append(score)
    return [
        (
            (float(np.percentile(s, 5)), float(np.percentile(s, 95)))
            if s
            else (float("nan"), float("nan"))
        )
        for s in samples
    ]


class ByLength(NamedTuple):
    """What :func:`evaluate_by_length` returns.

    Attributes:
        hypotheses: the model's output tokens for every example of the split.
        weights: the attention weights of every example (``None`` entries for the baseline).
        overall: the metric on the whole split.
        results: ``(label, count, score)`` per bucket (:func:`scores_by_length`).
        intervals: ``(low, high)`` per bucket (:func:`bootstrap_by_length`).
    """

    hypotheses: list
    weights: list
    overall: float
    results: list
    intervals: list

    @property
    def scores(self) -> list[float]:
        """The score of each bucket, in order."""
        return [score for _, _, score in self.results]


def evaluate_by_length(
    model,
    task: TaskData,
    buckets,
    max_len: int,
    split: str = "test",
    metric=exact_match,
) -> ByLength:
    """Translate one split of a task and score it overall and per bucket of source length.

    The sources and references are the task's examples' ``.source`` / ``.target`` tokens
    (number lists) or, for dates, ``date_source_tokens`` / ``date_target_tokens``; the
    lengths are ``task.lengths[split]``.

    Raises:
        ValueError: ``split`` is not a split of the task, or what :func:`scores_by_length`
            raises.
    """
    from attnbook.data import DateExample, date_source_tokens, date_target_tokens

    if split not in task.splits:
        raise ValueError(
            f"unknown split {split!r}; expected one of {tuple(task.splits)}"
        )
    examples = task.splits[split]
    if examples and isinstance(examples[0], DateExample):
        sources = [date_source_tokens(e) for e in examples]
        references = [date_target_tokens(e) for e in examples]
    else:
        sources, references = [e.source for e in examples], [e.target for e in examples]
    hypotheses, weights = translate(
        model, sources, task.src_vocab, task.tgt_vocab, max_len
    )
    lengths = task.lengths[split]
    return ByLength(
        hypotheses,
        weights,
        metric(hypotheses, references),
        scores_by_length(lengths, hypotheses, references, metric, buckets),
        bootstrap_by_length(lengths, hypotheses, references, metric, buckets),
    )


def tatoeba_test_set(task: TaskData) -> tuple[list, list, list]:
    """The Tatoeba test sentences, each once, with all their references.

    Returns:
        ``(sources, source_tokens, reference_texts)``: the English sentences, their tokens,
        and for each a list of its distinct French translations as tokenized text (what
        :func:`corpus_bleu` compares), in first-seen order. Translations that only differ
        before tokenizing (``Souriez\u202f!`` and ``Souriez !``) count once; BLEU is the same
        either way, as a repeated reference adds no n-gram and no length.
    """
    sources, references = group_references(task.splits["test"])
    source_tokens = [word_tokenize(s) for s in sources]
    reference_texts = [
        list(dict.fromkeys(detokenize(word_tokenize(r)) for r in refs)) for refs in references
    ]
    return sources, source_tokens, reference_texts


@torch.no_grad()
def tatoeba_bleu(model, task: TaskData, max_len: int = 20) -> tuple[float, list[str]]:
    """A model's test BLEU on Tatoeba, and its translations (tokenized text, one per sentence)."""
    _, source_tokens, reference_texts = tatoeba_test_set(task)
    translations, _ = translate(
        model, source_tokens, task.src_vocab, task.tgt_vocab, max_len
    )
    hypotheses = [detokenize(tokens) for tokens in translations]
    return corpus_bleu(hypotheses, reference_texts), hypotheses


def date_exact_match(model, task: TaskData, max_len: int = 12) -> tuple[float, list[list[str]]]:
    """A model's exact match on the date task's test split (:func:`attnbook.data.date_task`), and
    its outputs (one character list per test date), decoded greedily by :func:`translate`.

    ``max_len=12`` leaves room for the ten characters of an ISO date, ``<eos>`` and one more, so an
    output that does not stop in time counts as wrong instead of being cut to the right length.
    """
    from attnbook.data import date_source_tokens, date_target_tokens

    test = task.splits["test"]
    outputs, _ = translate(model, [date_source_tokens(e) for e in test], task.src_vocab,
                           task.tgt_vocab, max_len=max_len)
    return exact_match(outputs, [date_target_tokens(e) for e in test]), outputs
