"""Plumbing for chapter 7's decoding functions (hand-written, not course material).

``attnbook.generation`` decodes any model through one interface,
``step(tokens (batch,), state) -> (logits (batch, vocab_size), state)``, where ``state`` is
nested tuples, lists and dicts of batch-first tensors and KV caches (anything else is carried
unchanged).
This module holds the bookkeeping around it: :func:`reorder_state`, which beam search uses to
follow the surviving hypotheses, and the step functions of the course's models:
:func:`seq2seq_step` for chapters 1 and 2's LSTM models and :func:`transformer_step` for
chapter 7's Transformer, with or without its KV cache (the cache itself,
``attnbook.transformer.KVCache``, is chapter 7's lesson).
"""

from __future__ import annotations

import torch
from torch import Tensor

from attnbook.transformer import KVCache


def reorder_state(state, index: Tensor):
    """Rows ``index`` of every tensor in ``state`` (nested tuples, lists and dicts of
    batch-first tensors, and ``KVCache`` objects, through their ``reorder``; anything else
    is returned as it is). ``state`` itself is left unchanged.

    Raises:
        IndexError: an index is out of range for a tensor of ``state``.
    """
    if isinstance(state, Tensor):
        return state.index_select(0, index)                       # (len(index), ...)
    if isinstance(state, KVCache):
        return state.reorder(index)                               # a new cache
    if isinstance(state, (tuple, list)):
        return type(state)(reorder_state(s, index) for s in state)
    if isinstance(state, dict):
        return {key: reorder_state(s, index) for key, s in state.items()}
    return state


def _batch_first(decoder_state: tuple) -> tuple:
    """Swap the first two axes of the LSTM states ``(1, batch, hidden) <-> (batch, 1, hidden)``;
    2-D tensors (the baseline's fixed context, ``(batch, hidden)``) are already batch-first."""
    return tuple(t.transpose(0, 1).contiguous() if t.dim() == 3 else t for t in decoder_state)


def seq2seq_step(model, src: Tensor, src_lengths: Tensor):
    """``(step, state)`` for chapter 1 and 2's ``attnbook.seq2seq.Seq2Seq`` (either decoder).

    The step feeds one token per sequence to ``model.decoder`` and returns the logits of the
    next one; the decoder's LSTM state is kept batch-first in ``state`` so that beam search can
    reorder it with :func:`reorder_state`.

    Raises:
        ValueError: a bad source (see ``Seq2Seq.encode``).
    """
    enc_outputs, enc_state, src_mask = model.encode(src, src_lengths)

    def step(tokens: Tensor, state):
        enc_outputs, src_mask, decoder_state = state
        logits, decoder_state, _ = model.decoder(tokens[:, None], _batch_first(decoder_state),
                                                 enc_outputs, src_mask)   # (n, 1, vocab)
        return logits[:, -1], (enc_outputs, src_mask, _batch_first(decoder_state))

    decoder_state = model.decoder.init_state(enc_outputs, enc_state, src_mask)
    return step, (enc_outputs, src_mask, _batch_first(decoder_state))


def transformer_step(model, src: Tensor, src_lengths: Tensor, use_cache: bool = True):
    """``(step, state)`` for chapter 7's ``attnbook.transformer.Transformer``.

    With ``use_cache`` a step feeds only the newest token, ``model.decode(tokens[:, None],
    memory, memory_mask, cache, start)``: its keys and values join the KV cache (a
    ``KVCache`` of one entry per decoder layer, updated in place) and the earlier ones are
    read from it.
    Without, a step feeds the whole prefix written so far and keeps the last position's
    logits. Both compute the same logits (chapter 7 and ``tests/test_generation.py`` check it).

    Raises:
        TypeError, ValueError: a bad source (see ``Transformer.encode``).
    """
    memory, memory_mask = model.encode(src, src_lengths)       # (batch, T_src, d_model)

    def cached_step(tokens: Tensor, state):
        memory, memory_mask, cache, start = state
        logits = model.decode(tokens[:, None], memory, memory_mask,
                              cache, start)                  # (batch, 1, vocab)
        return logits[:, -1], (memory, memory_mask, cache, start + 1)

    def recompute_step(tokens: Tensor, state):
        memory, memory_mask, prefix = state
        prefix = torch.cat([prefix, tokens[:, None]], dim=1)  # (batch, t + 1): all again
        logits = model.decode(prefix, memory, memory_mask)    # (batch, t + 1, vocab)
        return logits[:, -1], (memory, memory_mask, prefix)

    if use_cache:
        cache = KVCache(len(model.decoder.layers))               # empty
        return cached_step, (memory, memory_mask, cache, 0)
    return recompute_step, (memory, memory_mask, src.new_zeros(src.shape[0], 0))
