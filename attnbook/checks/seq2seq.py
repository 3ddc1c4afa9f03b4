"""Chapters 1-2: RNN/LSTM cells, seq2seq models and batches, attention scores."""

from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor

from attnbook.checks.core import broadcast_shapes


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
    """An integer tensor of token ids with ``rank`` dimensions (``shape_text`` for the message)."""
    if not isinstance(ids, Tensor):
        raise TypeError(f"expected {name} to be a torch.Tensor {shape_text}, got {type(ids).__name__}")
    if ids.dim() != rank:
        raise ValueError(f"expected {name} of shape {shape_text} (rank {rank}), "
                         f"got shape {tuple(ids.shape)}")
    if ids.dtype.is_floating_point or ids.dtype.is_complex or ids.dtype == torch.bool:
        raise ValueError(f"expected {name} to hold integer token ids (torch.int64), "
                         f"got dtype {ids.dtype}")


def check_source(src: Tensor, src_lengths: Tensor, max_src_len: int) -> None:
    """A padded source batch for ``Seq2Seq``: ids ``(batch, src_len)``, lengths ``(batch,)``
    in ``1 .. src_len``, none longer than ``max_src_len``."""
    check_id_tensor("src", src, 2, "(batch, src_len)")
    check_id_tensor("src_lengths", src_lengths, 1, "(batch,)")
    if src.shape[0] == 0:
        raise ValueError(f"empty batch: expected src with batch >= 1, got shape {tuple(src.shape)}")
    if src_lengths.shape[0] != src.shape[0]:
        raise ValueError(f"expected src_lengths of shape (batch={src.shape[0]},), "
                         f"got shape {tuple(src_lengths.shape)}")
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
        raise ValueError(f"expected tgt_in of shape (batch={batch}, tgt_len >= 1), "
                         f"got shape {tuple(tgt_in.shape)}")


def check_max_len(max_len: int) -> None:
    """Greedy decoding writes at least one token."""
    if max_len < 1:
        raise ValueError(f"expected max_len >= 1, got {max_len}")


def check_batches(batches: list) -> None:
    """``train_seq2seq`` needs at least one batch."""
    if len(batches) == 0:
        raise ValueError("train_seq2seq: expected at least one batch, got an empty list")


def check_query_keys(query: Tensor, keys: Tensor, query_size: int, key_size: int) -> None:
    """A score's inputs: ``query (batch, T_q, query_size)``, ``keys (batch, T_k, key_size)``."""
    if query.dim() != 3:
        raise ValueError(f"query must be 3-D (batch, T_q, {query_size}), got shape {tuple(query.shape)}")
    if keys.dim() != 3:
        raise ValueError(f"keys must be 3-D (batch, T_k, {key_size}), got shape {tuple(keys.shape)}")
    if query.shape[0] != keys.shape[0]:
        raise ValueError(f"query and keys must have the same batch size, got query "
                         f"{tuple(query.shape)} and keys {tuple(keys.shape)}")
    if query.shape[-1] != query_size:
        raise ValueError(f"query must have last size {query_size}, got shape {tuple(query.shape)}")
    if keys.shape[-1] != key_size:
        raise ValueError(f"keys must have last size {key_size}, got shape {tuple(keys.shape)}")


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
    broadcasts to ``scores.shape``."""
    if not isinstance(scores, Tensor) or not scores.is_floating_point():
        got = getattr(scores, "dtype", type(scores))
        raise TypeError(f"scores must be a floating-point tensor, got {got}")
    if scores.dim() == 0:
        raise ValueError("scores must have at least 1 dimension (..., T_k), got a 0-D tensor")
    if mask is None:
        return
    if not isinstance(mask, Tensor) or mask.dtype != torch.bool:
        got = getattr(mask, "dtype", type(mask))
        raise TypeError(f"mask must be a bool tensor (True = may attend), got {got}")
    try:
        broadcast_shape = broadcast_shapes(mask.shape, scores.shape)
    except RuntimeError:
        broadcast_shape = None
    if broadcast_shape != scores.shape:
        raise ValueError(f"mask of shape {tuple(mask.shape)} does not broadcast to scores of "
                         f"shape {tuple(scores.shape)}")


def check_attention_mask(mask: object) -> None:
    """``Attention``'s mask is ``None`` or 3-D, broadcastable to ``(batch, T_q, T_k)``."""
    if isinstance(mask, Tensor) and mask.dim() != 3:
        raise ValueError(
            f"mask must be 3-D and broadcast to (batch, T_q, T_k), got shape {tuple(mask.shape)}; "
            "pass a mask of real tokens of shape (batch, T_k) as token_mask.unsqueeze(1)")


def check_values(values: Tensor, keys: Tensor) -> None:
    """One value per key: ``values (batch, T_k, d_v)`` with the batch and ``T_k`` of ``keys``."""
    if values.dim() != 3 or values.shape[:2] != keys.shape[:2]:
        raise ValueError(f"values must be 3-D (batch, T_k, d_v) with the batch and T_k of keys, "
                         f"got values {tuple(values.shape)} and keys {tuple(keys.shape)}")


def check_attention_decoder_inputs(tgt_in: Tensor, enc_outputs: Tensor, src_token_mask: Tensor,
                         hidden_size: int) -> None:
    """``AttentionDecoder.forward``'s inputs: ``tgt_in (batch, tgt_len)`` int64,
    ``enc_outputs (batch, src_len, hidden_size)``, ``src_token_mask (batch, src_len)`` bool."""
    if tgt_in.dim() != 2:
        raise ValueError(f"tgt_in must be 2-D (batch, tgt_len), got shape {tuple(tgt_in.shape)}")
    if tgt_in.dtype != torch.int64:
        raise TypeError(f"tgt_in must be int64 token ids, got {tgt_in.dtype}")
    expected = (tgt_in.shape[0], hidden_size)
    if enc_outputs.dim() != 3 or (enc_outputs.shape[0], enc_outputs.shape[2]) != expected:
        raise ValueError(f"enc_outputs must be 3-D (batch={tgt_in.shape[0]}, src_len, "
                         f"{hidden_size}), got shape {tuple(enc_outputs.shape)}")
    if src_token_mask.shape != enc_outputs.shape[:2]:
        raise ValueError(f"src_token_mask must have shape (batch, src_len) = "
                         f"{tuple(enc_outputs.shape[:2])}, got {tuple(src_token_mask.shape)}")
    if src_token_mask.dtype != torch.bool:
        raise TypeError(f"src_token_mask must be a bool tensor (True = real token), "
                        f"got {src_token_mask.dtype}")
