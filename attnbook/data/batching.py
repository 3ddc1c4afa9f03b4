"""Batches: :func:`pad_sequences`, :func:`make_batch` and :func:`batches` turn token lists
into padded ``int64`` tensors for teacher forcing (:class:`Seq2SeqBatch`)."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch

from attnbook.data.vocab import Vocab


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
