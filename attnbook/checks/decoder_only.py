"""Chapter 8: decoder-only models (RoPE, grouped-query, sliding-window and tiled
attention, the KV cache)."""

from __future__ import annotations

from attnbook.checks.attention import check_attention_inputs
from attnbook.checks.core import check_dtype, check_positive_int, check_tensor


def _check_float_tensor(name: str, x: object, min_dim: int, shape_text: str) -> None:
    """A floating-point tensor with at least ``min_dim`` dimensions (``shape_text`` in the message)."""
    check_tensor(name, x)
    check_dtype(name, x, "floating-point")
    if x.dim() < min_dim:
        raise ValueError(f"{name} must have shape {shape_text}, got {tuple(x.shape)}")


def check_tiled_attention(query: object, key: object, value: object, mask: object,
                          block_size: object) -> None:
    """The inputs of ``tiled_attention``: those of scaled dot-product attention, and a block size.

    Raises:
        TypeError: an input is not a floating-point tensor, the dtypes differ, or
            ``mask`` is not a ``torch.bool`` tensor.
        ValueError: an input has fewer than 2 dimensions, ``d_k`` of query and key
            differ, key and value have different ``T_k``, the leading dimensions or the
            mask do not broadcast, or ``block_size`` is not a positive integer.
    """
    check_attention_inputs(query, key, value, mask)
    check_positive_int("block_size", block_size)
    if mask is not None and mask.dim() == 0:
        raise ValueError("mask must have at least 1 dimension (..., T_k), got a 0-D tensor")


def check_rotary(query: object, key: object, positions: object) -> None:
    """The inputs of ``apply_rotary``.

    Raises:
        TypeError: ``query`` or ``key`` is not a floating-point tensor, or ``positions``
            is not an integer tensor.
        ValueError: ``query`` or ``key`` is not ``(..., seq_len, d)`` with the same even
            ``d`` and ``seq_len``, or ``positions`` is not ``(seq_len,)`` or ``(batch, seq_len)``.
    """
    _check_float_tensor("query", query, 2, "(..., seq_len, d)")
    _check_float_tensor("key", key, 2, "(..., seq_len, d)")
    if query.shape[-1] != key.shape[-1] or query.shape[-1] % 2:
        raise ValueError(f"query and key must share one even last dimension d (the features are "
                         f"rotated in pairs), got query {tuple(query.shape)} and key "
                         f"{tuple(key.shape)}")
    if query.shape[-2] != key.shape[-2]:
        raise ValueError(f"query and key must have the same seq_len, got query "
                         f"{tuple(query.shape)} and key {tuple(key.shape)}")
    check_dtype("positions", positions, "integer")
    seq_len = query.shape[-2]
    if positions.dim() not in (1, 2) or positions.shape[-1] != seq_len:
        raise ValueError(f"positions must have shape (seq_len,) or (batch, seq_len) with "
                         f"seq_len={seq_len}, got {tuple(positions.shape)}")


def check_head_counts(d_model: object, num_heads: object, num_kv_heads: object) -> None:
    """Head counts of grouped-query attention: ``num_kv_heads`` divides ``num_heads``,
    which divides ``d_model``.

    Raises:
        ValueError: a count is not a positive integer, or does not divide as it must.
    """
    for name, value in (("d_model", d_model), ("num_heads", num_heads),
                        ("num_kv_heads", num_kv_heads)):
        check_positive_int(name, value)
    if d_model % num_heads:
        raise ValueError(f"d_model ({d_model}) must be divisible by num_heads ({num_heads}): each "
                         f"head gets d_model / num_heads features")
    if num_heads % num_kv_heads:
        raise ValueError(f"num_kv_heads ({num_kv_heads}) must divide num_heads ({num_heads}): "
                         f"each key/value head serves num_heads / num_kv_heads query heads")


def check_grouped_heads(query: object, key: object, value: object) -> None:
    """Query, key and value of ``grouped_query_attention``.

    Raises:
        TypeError: an input is not a floating-point tensor.
        ValueError: an input is not 4-D ``(batch, heads, seq_len, d)``, key and value
            differ in shape, or their number of heads does not divide the query's.
    """
    for name, x in (("query", query), ("key", key), ("value", value)):
        _check_float_tensor(name, x, 4, "(batch, heads, seq_len, d_k)")
        if x.dim() != 4:
            raise ValueError(f"{name} must have shape (batch, heads, seq_len, d_k), got "
                             f"{tuple(x.shape)}")
    if key.shape[:3] != value.shape[:3]:
        raise ValueError(f"key and value must have the same (batch, num_kv_heads, T_k), got key "
                         f"{tuple(key.shape)} and value {tuple(value.shape)}")
    num_heads, num_kv_heads = query.shape[1], key.shape[1]
    if num_heads % num_kv_heads:
        raise ValueError(f"the key/value heads ({num_kv_heads}) must divide the query heads "
                         f"({num_heads}), got query {tuple(query.shape)} and key "
                         f"{tuple(key.shape)}")


def check_window(T_q: object, T_k: object, window: object) -> None:
    """Arguments of ``sliding_window_mask``.

    Raises:
        ValueError: ``T_q`` or ``T_k`` is not a positive integer, ``T_q > T_k``, or
            ``window`` is neither ``None`` nor a positive integer.
    """
    check_positive_int("T_q", T_q)
    check_positive_int("T_k", T_k)
    if T_q > T_k:
        raise ValueError(f"the queries are the last T_q of the T_k positions, so T_q ({T_q}) "
                         f"must be <= T_k ({T_k})")
    if window is not None:
        check_positive_int("window", window)


def check_token_ids(input_ids: object, vocab_size: int, past: int, max_len: int | None) -> None:
    """Token ids for a decoder-only model that has already seen ``past`` tokens.

    Raises:
        TypeError: ``input_ids`` is not an int64/int32 tensor.
        ValueError: it is not ``(batch, seq_len)`` with ``seq_len >= 1``, an id is
            outside ``[0, vocab_size)``, or ``past + seq_len`` exceeds ``max_len`` learned positions.
    """
    check_dtype("input_ids", input_ids, "int64 (or int32)")
    if input_ids.dim() != 2 or input_ids.shape[1] == 0:
        raise ValueError(f"input_ids must have shape (batch, seq_len) with seq_len >= 1, got "
                         f"{tuple(input_ids.shape)}")
    if input_ids.min() < 0 or input_ids.max() >= vocab_size:
        raise ValueError(f"input_ids must lie in [0, {vocab_size}), got values from "
                         f"{input_ids.min().item()} to {input_ids.max().item()}")
    if max_len is not None and past + input_ids.shape[1] > max_len:
        raise ValueError(f"{past} cached + {input_ids.shape[1]} new tokens exceed the {max_len} "
                         f"learned positions")


def check_kv_cache_sizes(**sizes: object) -> None:
    """Every size of ``kv_cache_bytes`` is a positive integer.

    Raises:
        ValueError: one is not (the message names it).
    """
    for name, value in sizes.items():
        check_positive_int(name, value)
