"""Plumbing for chapter 8's language models (hand-written): the step function that lets
chapter 7's decoding functions (``attnbook.generation.sample``, ``greedy_search``) continue a
prompt with a ``GPT``, and the KV-cache size of a model configuration.

The character data (:class:`CharVocab`, :func:`random_windows`, :func:`consecutive_windows`)
lives in :mod:`attnbook.data.characters`; it is re-exported here because chapter 8 imports it
from ``attnbook.lm``."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from attnbook import checks
from attnbook.data.characters import (  # noqa: F401  (chapter 8 imports them from here)
    CharVocab,
    consecutive_windows,
    random_windows,
)
from attnbook.transformer import KVCache


def gpt_step(model, prompt: Tensor, use_cache: bool = True, context: int | None = None
             ) -> tuple[Callable, object]:
    """``(step, state)`` to continue ``prompt (batch, T)`` with chapter 7's ``sample``
    or ``greedy_search``, called with ``bos_id`` = the prompt's last token (the same in
    every row).

    ``step(tokens (batch,), state) -> (logits (batch, vocab_size), state)``. With
    ``use_cache`` the state is the model's ``KVCache``, filled by ``model.step`` with the
    prompt and updated in place, and each step feeds one token; without, each step runs
    the model over the whole prefix again, or over its last ``context`` tokens only (a
    sliding window, for a model with ``context`` learned positions that must write longer
    texts).

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

    def cached_step(tokens: Tensor, cache: KVCache):
        logits, _ = model.step(tokens[:, None], cache)          # (batch, 1, vocab_size)
        return logits[:, -1], cache

    def recompute_step(tokens: Tensor, prefix: Tensor):
        prefix = torch.cat((prefix, tokens[:, None]), dim=1)    # (batch, t + 1)
        window = prefix if context is None else prefix[:, -context:]
        return model(window)[:, -1], prefix

    if not use_cache:
        return recompute_step, prefix
    cache = KVCache(len(model.blocks))
    if prefix.shape[1]:
        model.step(prefix, cache)                        # the prompt's keys and values
    return cached_step, cache


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
