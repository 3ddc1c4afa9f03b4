"""Chapter 6: the pretrained (BERT-style) encoder."""

from __future__ import annotations

import torch
from torch import Tensor

from attnbook.checks.core import check_dtype, check_probability, check_tensor


def check_bert_sizes(vocab_size: int, d_model: int, max_len: int, type_vocab_size: int,
                     dropout: float) -> None:
    """Checks of :class:`attnbook.pretrained.BertEmbeddings`' sizes (chapter 6).

    Raises:
        ValueError: a size is below 1, or ``dropout`` is not in ``[0, 1)``.
    """
    if min(vocab_size, d_model, max_len, type_vocab_size) < 1:
        raise ValueError(f"sizes must be positive, got vocab_size={vocab_size}, "
                         f"d_model={d_model}, max_len={max_len}, "
                         f"type_vocab_size={type_vocab_size}")
    check_probability("dropout", dropout)


def check_bert_ids(input_ids: object, segment_ids: object, vocab_size: int,
                   type_vocab_size: int, max_len: int) -> None:
    """Checks of :meth:`attnbook.pretrained.BertEmbeddings.forward` (chapter 6);
    ``segment_ids`` may be ``None``.

    Raises:
        TypeError: an id tensor is not an int64 (or int32) tensor.
        ValueError: a tensor is not ``(batch, seq_len)`` (``segment_ids`` of the shape
            of ``input_ids``), an id is out of range, or ``seq_len > max_len``.
    """
    ids_shape = tuple(input_ids.shape) if isinstance(input_ids, Tensor) else None
    for name, ids, size in (("input_ids", input_ids, vocab_size),
                            ("segment_ids", segment_ids, type_vocab_size)):
        if ids is None and name == "segment_ids":  # None: segment 0 everywhere
            continue
        check_dtype(name, ids, "int64 (or int32)")
        if ids.dim() != 2 or tuple(ids.shape) != ids_shape:
            raise ValueError(f"{name} must have shape (batch, seq_len) = {ids_shape}, "
                             f"got {tuple(ids.shape)}")
        if ids.numel() and (ids.min() < 0 or ids.max() >= size):
            raise ValueError(f"{name} must lie in [0, {size}), got values from "
                             f"{ids.min().item()} to {ids.max().item()}")
    if ids_shape[1] > max_len:
        raise ValueError(f"sequence length {ids_shape[1]} exceeds the {max_len} "
                         "learned positions")


def check_mean_pool(hidden: object, token_mask: object) -> None:
    """Checks of :func:`attnbook.pretrained.mean_pool` (chapter 6).

    Raises:
        TypeError: ``hidden`` is not a tensor, or ``token_mask`` is not a ``torch.bool``
            tensor.
        ValueError: ``hidden`` is not ``(batch, seq_len, d_model)``, ``token_mask`` is
            not ``(batch, seq_len)``, or a sequence has no real token (no mean).
    """
    check_tensor("hidden", hidden)
    check_tensor("token_mask", token_mask)
    if hidden.dim() != 3 or tuple(token_mask.shape) != tuple(hidden.shape[:2]):
        raise ValueError(f"expected hidden (batch, seq_len, d_model) and token_mask "
                         f"(batch, seq_len), got {tuple(hidden.shape)} and "
                         f"{tuple(token_mask.shape)}")
    check_dtype("token_mask", token_mask, "torch.bool", " (True = real token)")
    empty = torch.nonzero(~token_mask.any(dim=1)).flatten().tolist()
    if empty:
        raise ValueError(f"sequences {empty} are all padding: no real token to average")


def check_max_seq_length(max_seq_length: int, max_len: int) -> None:
    """Raise ``ValueError`` unless ``1 <= max_seq_length <= max_len`` (chapter 6)."""
    if not 1 <= max_seq_length <= max_len:
        raise ValueError(f"max_seq_length must be in [1, max_len={max_len}], "
                         f"got {max_seq_length}")
