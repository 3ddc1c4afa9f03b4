"""Arguments of the mask builders of :mod:`attnbook.masks` (``token_mask`` and ``key_mask``,
chapters 1 and 3; ``to_torch``, chapter 4). ``causal_mask`` (chapter 7) checks its size with
:func:`~attnbook.checks.core.check_positive_int`, ``sliding_window_mask`` (chapter 8) its
sizes with :func:`~attnbook.checks.decoder_only.check_window`."""

from __future__ import annotations

import torch
from torch import Tensor


def check_lengths(lengths: Tensor, seq_len: int | None) -> None:
    """``token_mask``'s lengths, already a ``torch.long`` tensor: ``(batch,)``, each in
    ``[0, seq_len]`` (``seq_len=None``: the longest length).

    Raises:
        ValueError: ``lengths`` is not 1-D, or a length is negative or larger than
            ``seq_len``.
    """
    if lengths.dim() != 1:
        raise ValueError(f"lengths must be 1-D (batch,), got shape {tuple(lengths.shape)}")
    seq_len = int(lengths.max()) if seq_len is None else seq_len
    if (lengths < 0).any() or (lengths > seq_len).any():
        raise ValueError(f"lengths must be in [0, seq_len={seq_len}], got {lengths.tolist()}")


def check_token_mask(token_mask: object) -> None:
    """``key_mask``'s argument: a ``(batch, seq_len)`` ``torch.bool`` mask of real tokens.

    Raises:
        ValueError: ``token_mask`` is not a tensor, not ``torch.bool`` or not 2-D (the
            message shows its shape, or its type if it is not a tensor).
    """
    if not isinstance(token_mask, Tensor) or token_mask.dtype != torch.bool or token_mask.dim() != 2:
        got = tuple(token_mask.shape) if isinstance(token_mask, Tensor) else type(token_mask).__name__
        raise ValueError(f"token_mask must be a (batch, seq_len) torch.bool tensor, got {got}")


def check_bool_tensor(name: str, mask: object) -> None:
    """A ``torch.bool`` tensor of any shape (``to_torch``'s argument).

    Raises:
        TypeError: ``mask`` is not a tensor, or its dtype is not ``torch.bool`` (the message
            shows the dtype, or the type where there is none).
    """
    if not isinstance(mask, Tensor) or mask.dtype != torch.bool:
        raise TypeError(f"{name} must be a torch.bool tensor, got "
                        f"{getattr(mask, 'dtype', type(mask).__name__)}")
