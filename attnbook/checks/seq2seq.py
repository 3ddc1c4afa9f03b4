"""Chapters 1-2: RNN/LSTM cells, seq2seq models and batches, attention scores."""

from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor

from attnbook.checks.core import check_bool_mask, check_dtype, check_tensor


def check_cell_input(where: str, x: object, input_size: int) -> None:
    """A recurrent cell's input: ``(batch, input_size)`` (``where`` names the cell)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{where}: expected x to be a torch.Tensor, got {type(x).__name__}")
    if x.dim() != 2 or x.shape[1] != input_size:
        raise ValueError(f"{where}: expected x of shape (batch, input_size={input_size}), "
                         f"got shape {tuple(x.shape)}")


def check_cell_state(where: str, h: Tensor, batch: int, hidden_size: int, name: str = "h") -> None:
    """A recurrent cell's state ``h`` (or ``c``): ``(batch, hidden_size)``."""
    if h.shape != (batch, hidden_size):
        raise ValueError(f"{where}: expected {name} of shape (batch={batch}, "
                         f"hidden_size={hidden_size}), got shape {tuple(h.shape)}")


def check_tanh_cell(cell: torch.nn.RNNCell) -> None:
    """``RNNCell.from_torch`` copies a tanh cell only."""
    if cell.nonlinearity != "tanh":
        raise ValueError(f"expected an nn.RNNCell with nonlinearity='tanh', got {cell.nonlinearity!r}")


def check_sequence(inputs: Tensor) -> None:
    """``run_cell``'s inputs: ``(batch, seq_len, input_size)`` with ``seq_len >= 1``."""
    if inputs.dim() != 3:
        raise ValueError("run_cell: expected inputs of shape (batch, seq_len, input_size), "
                         f"got shape {tuple(inputs.shape)}")
    if inputs.shape[1] == 0:
        raise ValueError("run_cell: expected a sequence with seq_len >= 1, got seq_len = 0")


def check_id_tensor(name: str, ids: object, rank: int, shape_text: str) -> None:
    """An integer tensor of token ids with ``rank`` dimensions (``shape_text`` for the message).

    Raises:
        TypeError: ``ids`` is not an integer tensor.
        ValueError: it does not have ``rank`` dimensions.
    """
    check_dtype(name, ids, "integer", f" {shape_text} of token ids")
    if ids.dim() != rank:
        raise ValueError(f"{name} must have shape {shape_text}, got {tuple(ids.shape)}")


def check_source_ids(src: object, src_lengths: object, max_src_len: int) -> None:
    """A padded source batch, for ``Seq2Seq`` (chapters 1-2) and ``Transformer``
    (chapter 7): ids ``(batch, src_len)``, lengths ``(batch,)`` in ``1 .. src_len``,
    none longer than ``max_src_len``.

    Raises:
        TypeError: ``src`` or ``src_lengths`` is not an integer tensor.
        ValueError: ``src`` is not ``(batch, src_len)`` with ``batch >= 1``,
            ``src_lengths`` is not ``(batch,)``, a length is outside ``1..src_len``, or a
            source is longer than ``max_src_len``.
    """
    check_id_tensor("src", src, 2, "(batch, src_len)")
    check_id_tensor("src_lengths", src_lengths, 1, "(batch,)")
    if src.shape[0] == 0:
        raise ValueError(f"empty batch: expected src with batch >= 1, got shape {tuple(src.shape)}")
    if src_lengths.shape[0] != src.shape[0]:
        raise ValueError(f"src_lengths must have shape (batch={src.shape[0]},), "
                         f"got {tuple(src_lengths.shape)}")
    longest, shortest = int(src_lengths.max()), int(src_lengths.min())
    if longest > max_src_len:
        raise ValueError(f"source of length {longest} is longer than the model's "
                         f"max_src_len={max_src_len}")
    if shortest < 1 or longest > src.shape[1]:
        raise ValueError(f"expected every src_lengths value in 1..src_len={src.shape[1]}, "
                         f"got values from {shortest} to {longest}")


def check_tgt_in(tgt_in: Tensor, batch: int) -> None:
    """Teacher-forced decoder input: ids ``(batch, tgt_len)`` with ``tgt_len >= 1``."""
    check_id_tensor("tgt_in", tgt_in, 2, "(batch, tgt_len)")
    if tgt_in.shape[0] != batch or tgt_in.shape[1] == 0:
        raise ValueError(f"tgt_in must have shape (batch={batch}, tgt_len >= 1), "
                         f"got {tuple(tgt_in.shape)}")


def check_max_len(max_len: int) -> None:
    """Greedy decoding writes at least one token."""
    if max_len < 1:
        raise ValueError(f"expected max_len >= 1, got {max_len}")


def check_batches(batches: list) -> None:
    """``train_seq2seq`` needs at least one batch."""
    if len(batches) == 0:
        raise ValueError("train_seq2seq: expected at least one batch, got an empty list")


def check_query_key(query: object, key: object, query_size: int, key_size: int) -> None:
    """A score's inputs: ``query (batch, T_q, query_size)``, ``key (batch, T_k, key_size)``.

    Raises:
        TypeError: ``query`` or ``key`` is not a tensor.
        ValueError: a wrong rank, batch size or last size.
    """
    check_tensor("query", query)
    check_tensor("key", key)
    if query.dim() != 3:
        raise ValueError(f"query must be 3-D (batch, T_q, {query_size}), got shape {tuple(query.shape)}")
    if key.dim() != 3:
        raise ValueError(f"key must be 3-D (batch, T_k, {key_size}), got shape {tuple(key.shape)}")
    if query.shape[0] != key.shape[0]:
        raise ValueError(f"query and key must have the same batch size, got query "
                         f"{tuple(query.shape)} and key {tuple(key.shape)}")
    if query.shape[-1] != query_size:
        raise ValueError(f"query must have last size {query_size}, got shape {tuple(query.shape)}")
    if key.shape[-1] != key_size:
        raise ValueError(f"key must have last size {key_size}, got shape {tuple(key.shape)}")


def check_dot_sizes(query_size: int, key_size: int) -> None:
    """The dot score has no parameters: the query and the keys must have one size."""
    if query_size != key_size:
        raise ValueError(
            f"the dot score needs query_size == key_size, got query_size={query_size} and "
            f"key_size={key_size}; use 'general', 'concat' or 'additive' for different sizes")


def check_score_args(name: str, names: Sequence[str], query_size: int, key_size: int,
                     hidden_size: int | None) -> None:
    """``make_score``'s arguments: a known name, positive int sizes, no ``hidden_size`` for
    the scores without a hidden layer ("dot", "general")."""
    if name not in names:
        raise ValueError(f"unknown score function {name!r}; expected one of {tuple(names)}")
    sizes = {"query_size": query_size, "key_size": key_size}
    if hidden_size is not None:
        sizes["hidden_size"] = hidden_size
    for size_name, size in sizes.items():
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ValueError(f"{size_name} must be a positive int, got {size!r}")
    if name in ("dot", "general") and hidden_size is not None:
        raise ValueError(f"the {name!r} score has no hidden layer, but hidden_size={hidden_size} "
                         "was given")


def check_scores_and_mask(scores: object, mask: object) -> None:
    """``masked_softmax``'s inputs: float scores ``(..., T_k)``; a bool mask (or None) that
    broadcasts to ``scores.shape``.

    Raises:
        TypeError: ``scores`` is not a floating-point tensor, or ``mask`` is neither None
            nor a ``torch.bool`` tensor.
        ValueError: ``scores`` is 0-D, or ``mask`` does not broadcast to its shape.
    """
    check_dtype("scores", scores, "floating-point")
    if scores.dim() == 0:
        raise ValueError("scores must have at least 1 dimension (..., T_k), got a 0-D tensor")
    if mask is not None:
        check_bool_mask("mask", mask, scores.shape, f"scores of shape {tuple(scores.shape)}")


def check_attention(query: object, key: object, value: object, mask: object,
                    query_size: int, key_size: int) -> None:
    """``Attention.forward(query, key, value, mask)``'s inputs (chapter 2): those of the
    score (:func:`check_query_key`), one value per key, and a 3-D mask or None.

    Raises:
        TypeError: an input is not a tensor, or ``mask`` is not a ``torch.bool`` tensor.
        ValueError: ``mask`` is not 3-D (the message says how to make one of a
            ``(batch, T_k)`` token mask), a wrong shape of ``query`` or ``key`` (as
            :func:`check_query_key`), ``value`` is not ``(batch, T_k, d_v)`` with the batch
            and ``T_k`` of ``key``, or ``mask`` does not broadcast to ``(batch, T_q, T_k)``.
    """
    if isinstance(mask, Tensor) and mask.dim() != 3:
        raise ValueError(
            f"mask must be 3-D and broadcast to (batch, T_q, T_k), got shape {tuple(mask.shape)}; "
            "pass a mask of real tokens of shape (batch, T_k) as token_mask.unsqueeze(1)")
    check_query_key(query, key, query_size, key_size)
    check_tensor("value", value)
    if value.dim() != 3 or value.shape[:2] != key.shape[:2]:
        raise ValueError(f"value must be 3-D (batch, T_k, d_v) with the batch and T_k of key, "
                         f"got value {tuple(value.shape)} and key {tuple(key.shape)}")
    if mask is not None:
        target = (query.shape[0], query.shape[1], key.shape[1])
        check_bool_mask("mask", mask, target, f"(batch, T_q, T_k) = {target}")


def check_attention_decoder_inputs(tgt_in: Tensor, enc_outputs: Tensor, src_token_mask: Tensor,
                         hidden_size: int) -> None:
    """``AttentionDecoder.forward``'s inputs: ``tgt_in (batch, tgt_len)`` int64,
    ``enc_outputs (batch, src_len, hidden_size)``, ``src_token_mask (batch, src_len)`` bool."""
    if tgt_in.dim() != 2:
        raise ValueError(f"tgt_in must be 2-D (batch, tgt_len), got shape {tuple(tgt_in.shape)}")
    check_dtype("tgt_in", tgt_in, "int64", " of token ids")
    expected = (tgt_in.shape[0], hidden_size)
    if enc_outputs.dim() != 3 or (enc_outputs.shape[0], enc_outputs.shape[2]) != expected:
        raise ValueError(f"enc_outputs must be 3-D (batch={tgt_in.shape[0]}, src_len, "
                         f"{hidden_size}), got shape {tuple(enc_outputs.shape)}")
    if src_token_mask.shape != enc_outputs.shape[:2]:
        raise ValueError(f"src_token_mask must have shape (batch, src_len) = "
                         f"{tuple(enc_outputs.shape[:2])}, got {tuple(src_token_mask.shape)}")
    check_dtype("src_token_mask", src_token_mask, "torch.bool", " (True = real token)")
