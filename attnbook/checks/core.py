"""Generic checks, used by the other modules: tensors, dtypes, positive ints, probabilities,
choices among allowed values, broadcasting, boolean masks."""

from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor


def check_tensor(name: str, x: object, dim: int | None = None, last: int | None = None,
                 shape_text: str | None = None) -> None:
    """Check that ``x`` is a tensor with ``dim`` dimensions and a last dimension of ``last``.

    Raises:
        TypeError: ``x`` is not a ``torch.Tensor``.
        ValueError: the number of dimensions or the last dimension is not the expected one; the
            message shows ``shape_text`` (for example ``"(batch, seq_len, d_model=64)"``).
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if (dim is not None and x.dim() != dim) or (last is not None and (x.dim() == 0 or x.shape[-1] != last)):
        expected = shape_text or (f"{dim} dimensions" if dim is not None else "")
        if last is not None and shape_text is None:
            expected += f"{' and ' if expected else ''}a last dimension of {last}"
        raise ValueError(f"{name} must have shape {expected}, got {tuple(x.shape)}")


DTYPE_KINDS = {
    "floating-point": lambda dtype: dtype.is_floating_point,
    "integer": lambda dtype: not (dtype.is_floating_point or dtype.is_complex
                                  or dtype == torch.bool),
    "int64": lambda dtype: dtype == torch.int64,
    "int64 (or int32)": lambda dtype: dtype in (torch.int64, torch.int32),
    "torch.bool": lambda dtype: dtype == torch.bool,
}
"""The dtype kinds :func:`check_dtype` knows, each with its test."""


def check_dtype(name: str, x: object, kind: str, detail: str = "") -> None:
    """The one dtype check: ``x`` is a tensor whose dtype is of ``kind`` (a key of
    :data:`DTYPE_KINDS`: ``"floating-point"``, ``"integer"``, ``"int64"``,
    ``"int64 (or int32)"``, ``"torch.bool"``).

    Raises:
        TypeError: ``x`` is not a tensor, or not of that kind. The message reads
            ``"{name} must be a {kind} tensor{detail}, got {dtype or type}"``; ``detail``
            adds what the tensor holds, e.g. ``" (True = may attend)"``.
    """
    if not isinstance(x, Tensor) or not DTYPE_KINDS[kind](x.dtype):
        got = x.dtype if isinstance(x, Tensor) else type(x).__name__
        article = "an" if kind[0] in "aeiou" else "a"
        raise TypeError(f"{name} must be {article} {kind} tensor{detail}, got {got}")


def check_same_dtype(**tensors: Tensor) -> None:
    """Raise ``TypeError`` unless the tensors (by name, in order) share one dtype."""
    dtypes = [tensor.dtype for tensor in tensors.values()]
    if len(set(dtypes)) > 1:
        names = list(tensors)
        listed = ", ".join(names[:-1]) + f" and {names[-1]}"
        raise TypeError(f"{listed} must share one dtype, got "
                        f"{', '.join(str(dtype) for dtype in dtypes)}")


def check_positive_int(name: str, value: object) -> None:
    """Raise ``ValueError`` unless ``value`` is an ``int`` of at least 1 (``bool`` is refused)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def check_probability(name: str, value: float) -> None:
    """Raise ``ValueError`` unless ``0 <= value < 1`` (a dropout probability, say)."""
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value}")


def check_choices(name: str, values: Sequence[str], allowed: Sequence[str]) -> None:
    """Raise ValueError if ``values`` is empty or has a value not in ``allowed``."""
    if len(values) == 0:
        raise ValueError(f"{name} must not be empty; expected some of {tuple(allowed)}")
    unknown = [value for value in values if value not in allowed]
    if unknown:
        raise ValueError(f"unknown {name} {unknown}; expected some of {tuple(allowed)}")


def broadcast_shapes(*shapes) -> tuple[int, ...]:
    """``torch.broadcast_shapes`` for the checks, in plain Python (torch's first call
    imports sympy, about 0.7 s): the broadcast shape, or ``RuntimeError`` as torch's."""
    ndim = max((len(shape) for shape in shapes), default=0)
    result = [1] * ndim
    for shape in shapes:
        for axis, size in enumerate(tuple(shape)[::-1], start=1):
            if size != 1 and result[-axis] not in (1, size):
                raise RuntimeError(f"shapes {[tuple(s) for s in shapes]} do not broadcast")
            if size != 1:
                result[-axis] = size
    return tuple(result)


def check_bool_mask(name: str, mask: object, target_shape: Sequence[int], target_text: str) -> None:
    """Check a boolean attention mask (True = may attend) that must broadcast to ``target_shape``.

    Args:
        name: the argument's name, for the message.
        mask: the mask to check.
        target_shape: the shape it must broadcast to, e.g. ``(batch, T_q, T_k)``.
        target_text: that shape in words, e.g. ``"(batch, T_q, T_k) = (2, 5, 7)"``.

    Raises:
        TypeError: ``mask`` is not a ``torch.bool`` tensor.
        ValueError: ``mask`` does not broadcast to ``target_shape`` (or has more dimensions).
    """
    check_dtype(name, mask, "torch.bool", " (True = may attend)")
    target = tuple(target_shape)
    ok = mask.dim() <= len(target)
    if ok:
        try:
            ok = broadcast_shapes(tuple(mask.shape), target) == target
        except RuntimeError:
            ok = False
    if not ok:
        raise ValueError(f"{name} of shape {tuple(mask.shape)} does not broadcast to {target_text}")
