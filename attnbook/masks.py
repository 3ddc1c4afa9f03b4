"""Masks in the course's one convention, and the one place where torch's convention is converted.

The course's convention (every mask in the ``attnbook`` API): a boolean mask is **True where
attention is allowed** — a real token, a visible key. A mask of real tokens is called
``token_mask`` (``(batch, seq_len)``, True = real token); a mask of query/key pairs is called
``mask`` (broadcastable to ``(batch, T_q, T_k)``, True = the query may attend to the key).

``torch.nn.MultiheadAttention`` and ``torch.nn.Transformer*`` use the opposite (True = blocked,
``key_padding_mask`` True = padding). Code that calls torch converts with :func:`to_torch`, and
nowhere else.
"""

from __future__ import annotations

import torch
from torch import Tensor


def token_mask(lengths: Tensor | list[int], seq_len: int | None = None) -> Tensor:
    """``(batch, seq_len)`` bool, True at the first ``lengths[b]`` positions of row ``b`` (real tokens).

    Raises:
        ValueError: a length is negative or larger than ``seq_len``.
    """
    lengths = torch.as_tensor(lengths, dtype=torch.long)
    if lengths.dim() != 1:
        raise ValueError(f"lengths must be 1-D (batch,), got shape {tuple(lengths.shape)}")
    seq_len = int(lengths.max()) if seq_len is None else seq_len
    if (lengths < 0).any() or (lengths > seq_len).any():
        raise ValueError(f"lengths must be in [0, seq_len={seq_len}], got {lengths.tolist()}")
    return torch.arange(seq_len, device=lengths.device)[None, :] < lengths[:, None]  # (batch, seq_len)


def key_mask(token_mask: Tensor) -> Tensor:
    """``(batch, seq_len)`` real-token mask -> ``(batch, 1, seq_len)`` attention mask (every query
    may attend to every real key), broadcastable to ``(batch, T_q, seq_len)``."""
    if not isinstance(token_mask, Tensor) or token_mask.dtype != torch.bool or token_mask.dim() != 2:
        got = tuple(token_mask.shape) if isinstance(token_mask, Tensor) else type(token_mask).__name__
        raise ValueError(f"token_mask must be a (batch, seq_len) torch.bool tensor, got {got}")
    return token_mask[:, None, :]  # (batch, 1, seq_len)


def to_torch(mask: Tensor | None) -> Tensor | None:
    """Convert a course mask (True = may attend / real token) to torch's (True = blocked / padding).

    ``to_torch(token_mask)`` gives ``key_padding_mask``; ``to_torch(mask)`` of a ``(T_q, T_k)`` mask
    gives ``attn_mask``. ``None`` stays ``None``. The only place the two conventions meet.
    """
    if mask is None:
        return None
    if not isinstance(mask, Tensor) or mask.dtype != torch.bool:
        raise TypeError(f"mask must be a torch.bool tensor, got {getattr(mask, 'dtype', type(mask).__name__)}")
    return ~mask
