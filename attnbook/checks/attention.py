"""Chapters 3-5: scaled dot-product attention, multi-head attention, the encoder."""

from __future__ import annotations

from typing import Sequence

from torch import Tensor

from attnbook.checks.core import (
    broadcast_shapes,
    check_bool_mask,
    check_dtype,
    check_positive_int,
    check_probability,
    check_same_dtype,
    check_tensor,
)


def check_attention_inputs(query: object, key: object, value: object, mask: object,
                           dropout_p: float = 0.0) -> None:
    """Checks of :func:`attnbook.attention.scaled_dot_product_attention` (chapter 3).

    Raises:
        TypeError: ``query``, ``key`` or ``value`` is not a floating-point tensor, their dtypes
            differ, or ``mask`` is not a ``torch.bool`` tensor.
        ValueError: a tensor has fewer than 2 dimensions, ``d_k`` of query and key differ, key and
            value have different ``T_k``, the batch dimensions or the mask do not broadcast to the
            scores' shape ``(..., T_q, T_k)``, or ``dropout_p`` is not in ``[0, 1)``.
    """
    for name, tensor in (("query", query), ("key", key), ("value", value)):
        check_tensor(name, tensor)
        if tensor.dim() < 2:
            raise ValueError(f"{name} must have at least 2 dimensions (..., seq_len, features), "
                             f"got shape {tuple(tensor.shape)}")
        check_dtype(name, tensor, "floating-point")
    check_same_dtype(query=query, key=key, value=value)
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(f"query and key must have the same last dimension d_k, got query "
                         f"{tuple(query.shape)} (d_k={query.shape[-1]}) and key "
                         f"{tuple(key.shape)} (d_k={key.shape[-1]})")
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(f"key and value must have the same number of positions T_k "
                         f"(dimension -2), got key {tuple(key.shape)} and value {tuple(value.shape)}")
    try:
        batch_shape = broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    except RuntimeError:
        raise ValueError(f"the leading (batch) dimensions of query {tuple(query.shape)}, key "
                         f"{tuple(key.shape)} and value {tuple(value.shape)} do not broadcast "
                         f"together") from None
    if mask is not None:
        scores_shape = (*batch_shape, query.shape[-2], key.shape[-2])
        check_bool_mask("mask", mask, scores_shape,
                        f"the scores' shape (..., T_q, T_k) = {scores_shape}")
    if not 0.0 <= dropout_p < 1.0:
        raise ValueError(f"dropout_p must be in [0, 1), got {dropout_p}")


def check_multi_head_args(d_model: int, num_heads: int, dropout: float) -> None:
    """Checks of ``MultiHeadAttention(d_model, num_heads, dropout)`` (chapter 4).

    Raises:
        ValueError: ``d_model`` or ``num_heads`` is not positive, ``num_heads`` does not divide
            ``d_model``, or ``dropout`` is not in ``[0, 1)``.
    """
    if d_model < 1 or num_heads < 1:
        raise ValueError(f"d_model and num_heads must be positive, got d_model={d_model}, "
                         f"num_heads={num_heads}")
    if d_model % num_heads != 0:
        raise ValueError(f"d_model ({d_model}) must be divisible by num_heads ({num_heads}): "
                         f"each head gets d_model / num_heads features")
    check_probability("dropout", dropout)


def check_split_heads(x: object, num_heads: int) -> None:
    """Checks of ``split_heads(x, num_heads)`` (chapter 4).

    Raises:
        TypeError: ``x`` is not a tensor.
        ValueError: ``x`` is not 3-D ``(batch, seq_len, d_model)``, ``num_heads`` is not a
            positive integer, or it does not divide ``d_model``.
    """
    check_tensor("x", x, dim=3, shape_text="(batch, seq_len, d_model)")
    check_positive_int("num_heads", num_heads)
    if x.shape[-1] % num_heads != 0:
        raise ValueError(f"d_model ({x.shape[-1]}) must be divisible by num_heads "
                         f"({num_heads}): each head gets d_model / num_heads features")


def check_multi_head_inputs(query: object, key: object, value: object, mask: object,
                            d_model: int) -> None:
    """Checks of ``MultiHeadAttention.forward(query, key, value, mask)`` (chapter 4).

    Raises:
        TypeError: an input is not a floating-point tensor, the dtypes differ, or ``mask`` is
            not ``torch.bool``.
        ValueError: an input is not ``(batch, seq_len, d_model)``, the batch sizes differ, key and
            value have different lengths, or ``mask`` does not broadcast to ``(batch, T_q, T_k)``.
    """
    for name, tensor in (("query", query), ("key", key), ("value", value)):
        check_tensor(name, tensor, dim=3, last=d_model,
                     shape_text=f"(batch, seq_len, d_model={d_model})")
        check_dtype(name, tensor, "floating-point")
    check_same_dtype(query=query, key=key, value=value)
    if not query.shape[0] == key.shape[0] == value.shape[0]:
        raise ValueError(f"query, key and value must have the same batch size, got "
                         f"{query.shape[0]}, {key.shape[0]}, {value.shape[0]}")
    if key.shape[1] != value.shape[1]:
        raise ValueError(f"key and value must have the same length T_k, got key "
                         f"{tuple(key.shape)} and value {tuple(value.shape)}")
    if mask is not None:
        target = (query.shape[0], query.shape[1], key.shape[1])
        check_bool_mask("mask", mask, target, f"(batch, T_q, T_k) = {target}")


def check_positional_encoding_args(d_model: int, max_len: int, dropout: float) -> None:
    """Checks of ``PositionalEncoding(d_model, max_len, dropout)`` (chapter 5).

    Raises:
        ValueError: ``d_model`` or ``max_len`` is not positive, or ``dropout`` not in ``[0, 1)``.
    """
    if d_model < 1 or max_len < 1:
        raise ValueError(f"d_model and max_len must be positive, got d_model={d_model}, "
                         f"max_len={max_len}")
    check_probability("dropout", dropout)


def check_encoder_input(x: object, d_model: int, max_len: int | None = None,
                        start: int = 0) -> None:
    """Check an encoder's input ``x``: ``(batch, seq_len, d_model)`` at positions ``start ..
    start + seq_len - 1``, with ``start + seq_len <= max_len``.

    Raises:
        TypeError: ``x`` is not a tensor, or ``start`` is not an int.
        ValueError: ``x`` is not 3-D, its last dimension is not ``d_model``, ``start`` is
            negative, or ``start + seq_len`` exceeds ``max_len`` positions.
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    if x.dim() != 3 or x.shape[-1] != d_model:
        raise ValueError(f"expected x of shape (batch, seq_len, d_model={d_model}), "
                         f"got {tuple(x.shape)}")
    if not isinstance(start, int) or isinstance(start, bool):
        raise TypeError(f"start must be an int (the position of x's first token), got "
                        f"{type(start).__name__}")
    if start < 0:
        raise ValueError(f"start must be >= 0 (the position of x's first token), got {start}")
    if max_len is not None and start + x.shape[1] > max_len:
        length = (f"sequence length {x.shape[1]}" if start == 0
                  else f"start + seq_len = {start} + {x.shape[1]}")
        raise ValueError(f"{length} exceeds max_len={max_len}; build the module with a "
                         f"larger max_len")


def check_feed_forward_args(d_model: int, d_ff: int, dropout: float, activation: str,
                            activations: Sequence[str]) -> None:
    """Checks of ``FeedForward(d_model, d_ff, dropout, activation)`` (chapter 5).

    Raises:
        ValueError: ``activation`` is not one of ``activations``, a size is not positive, or
            ``dropout`` is not in ``[0, 1)``.
    """
    if activation not in activations:
        raise ValueError(f"activation must be one of {sorted(activations)}, got {activation!r}")
    if d_model < 1 or d_ff < 1:
        raise ValueError(f"d_model and d_ff must be positive, got d_model={d_model}, d_ff={d_ff}")
    check_probability("dropout", dropout)


def check_num_layers(num_layers: int) -> None:
    """Raise ``ValueError`` unless ``num_layers >= 1`` (``TransformerEncoder``, chapter 5)."""
    if num_layers < 1:
        raise ValueError(f"num_layers must be >= 1, got {num_layers}")
