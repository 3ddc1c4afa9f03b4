"""Plumbing for chapter 8's language models (hand-written): characters as token ids,
random training windows, the step function that lets chapter 7's decoding functions
(``attnbook.generation.sample``, ``greedy_search``) continue a prompt with a
``GPT``, and the KV-cache size of a model configuration."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from attnbook import checks


class CharVocab:
    """The characters of a text as token ids ``0 .. len(chars) - 1``, in sorted order.

    Raises:
        ValueError: the text is empty; :meth:`encode` of a character not in the
            vocabulary.
    """

    def __init__(self, text: str):
        if not text:
            raise ValueError("a character vocabulary needs a non-empty text")
        self.chars = sorted(set(text))
        self.ids = {char: index for index, char in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> Tensor:
        """``(len(text),)`` int64 ids of the characters of ``text``."""
        unknown = sorted(set(text) - set(self.ids))
        if unknown:
            raise ValueError(f"characters not in the vocabulary: {unknown}")
        return torch.tensor([self.ids[char] for char in text], dtype=torch.long)

    def decode(self, ids: Tensor | list[int]) -> str:
        """The text of a sequence of ids."""
        return "".join(self.chars[int(index)] for index in ids)


def random_windows(data: Tensor, batch: int, seq_len: int,
                   generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
    """``batch`` random windows of a 1-D id tensor: inputs ``data[s : s + seq_len]`` and
    the next-token targets ``data[s + 1 : s + seq_len + 1]``, both ``(batch, seq_len)``.

    Raises:
        ValueError: ``data`` is not 1-D or is shorter than ``seq_len + 1``.
    """
    if data.dim() != 1 or len(data) < seq_len + 1:
        raise ValueError(f"data must be 1-D with at least seq_len + 1 = {seq_len + 1} "
                         f"ids, got shape {tuple(data.shape)}")
    starts = torch.randint(len(data) - seq_len, (batch,), generator=generator)
    index = starts[:, None] + torch.arange(seq_len)           # (batch, seq_len)
    return data[index], data[index + 1]                       # (batch, seq_len) each


def consecutive_windows(data: Tensor, seq_len: int, max_windows: int | None = None
                        ) -> tuple[Tensor, Tensor]:
    """Cut a 1-D id tensor into consecutive ``(inputs, targets)`` windows of
    ``seq_len``, each ``(n, seq_len)``, for evaluation: every id but the first is
    predicted once."""
    n = (len(data) - 1) // seq_len
    if max_windows is not None:
        n = min(n, max_windows)
    inputs = data[: n * seq_len].view(n, seq_len)
    return inputs, data[1 : n * seq_len + 1].view(n, seq_len)


def gpt_step(model, prompt: Tensor, use_cache: bool = True, context: int | None = None
             ) -> tuple[Callable, object]:
    """``(step, state)`` to continue ``prompt (batch, T)`` with chapter 7's ``sample``
    or ``greedy_search``, called with ``bos_id`` = the prompt's last token (the same in
    every row).

    ``step(tokens (batch,), state) -> (logits (batch, vocab_size), state)``. With
    ``use_cache`` the state is the model's KV cache (``model.step``) and each step feeds
    one token; without, each step runs the model over the whole prefix again, or over
    its last ``context`` tokens only (a sliding window, for a model with ``context``
    learned positions that must write longer texts).

    Raises:
        ValueError: ``context`` is given with ``use_cache`` (the cached keys would keep
            their old positions), or is not a positive integer.
    """
    if context is not None:
        checks.check_positive_int("context", context)
        if use_cache:
            raise ValueError("context (a sliding window) needs use_cache=False: a KV "
                             "cache keeps each key at the position it was computed for")
    prefix = prompt[:, :-1]                             # the last token is fed first

    def cached_step(tokens: Tensor, cache):
        logits, cache, _ = model.step(tokens[:, None], cache)   # (batch, 1, vocab_size)
        return logits[:, -1], cache

    def recompute_step(tokens: Tensor, prefix: Tensor):
        prefix = torch.cat((prefix, tokens[:, None]), dim=1)    # (batch, t + 1)
        window = prefix if context is None else prefix[:, -context:]
        return model(window)[:, -1], prefix

    if not use_cache:
        return recompute_step, prefix
    return cached_step, (model.step(prefix)[1] if prefix.shape[1] else None)


def kv_cache_bytes(num_layers: int, batch: int, seq_len: int, num_kv_heads: int,
                   d_k: int, bytes_per_number: int = 2) -> int:
    """Bytes of a KV cache: ``2 * num_layers * batch * seq_len * num_kv_heads * d_k``
    numbers (a key and a value per layer, sequence, position and key/value head) of
    ``bytes_per_number`` bytes (2 for float16/bfloat16, 4 for float32; 1 counts
    numbers).

    Raises:
        ValueError: a size is not a positive integer (the message names it).
    """
    checks.check_kv_cache_sizes(num_layers=num_layers, batch=batch, seq_len=seq_len,
                                num_kv_heads=num_kv_heads, d_k=d_k,
                                bytes_per_number=bytes_per_number)
    return 2 * num_layers * batch * seq_len * num_kv_heads * d_k * bytes_per_number
