"""Peak memory of a computation on any device, CPU included (plumbing for chapter 8).

``torch.cuda.max_memory_allocated`` exists only on a GPU. :func:`peak_memory` works
everywhere: while the function runs, a ``TorchDispatchMode`` sees every tensor that an
operation creates, adds its storage's bytes to a running total when it appears,
subtracts them when the tensor is freed, and records the largest total. A view or an
in-place result shares an existing storage and is not counted again (a view that
outlives its base is counted only until the base is freed). Tensors that exist before
the call (inputs, weights) are not counted: the result is the extra memory the
computation needed at its busiest moment.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten


class _PeakTracker(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.live: dict[int, int] = {}   # storage address -> bytes, created here
        self.current = 0
        self.peak = 0

    def _free(self, address: int) -> None:
        self.current -= self.live.pop(address, 0)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        tensors = tree_flatten((args, kwargs))[0]
        inputs = {t.untyped_storage().data_ptr()
                  for t in tensors if isinstance(t, torch.Tensor)}
        for tensor in tree_flatten(out)[0]:
            if not isinstance(tensor, torch.Tensor):
                continue
            storage = tensor.untyped_storage()
            address = storage.data_ptr()
            if address in inputs or address in self.live or storage.nbytes() == 0:
                continue   # a view or an in-place result: no new memory
            self.live[address] = storage.nbytes()
            self.current += storage.nbytes()
            self.peak = max(self.peak, self.current)
            weakref.finalize(tensor, self._free, address)
        return out


def peak_memory(function: Callable, *args, **kwargs) -> tuple[object, int]:
    """Run ``function(*args, **kwargs)`` without gradients; return
    ``(result, peak_bytes)``.

    ``peak_bytes`` is the largest number of bytes held at one time by tensors created
    during the call (inputs and parameters that existed before are not counted).
    """
    tracker = _PeakTracker()
    with torch.no_grad(), tracker:
        result = function(*args, **kwargs)
    return result, tracker.peak
