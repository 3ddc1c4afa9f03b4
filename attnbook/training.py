"""Training: a generic teacher-forced loop and its settings (hand-written plumbing, not
course material).

Chapter 1 explains the loop in prose and re-exports :func:`train_seq2seq` as
``attnbook.seq2seq.train_seq2seq``; chapters 2 and 7 train their models with it.
:class:`Seq2SeqConfig` holds a model's sizes and training settings, and
:data:`DATES_CONFIG`, :data:`TATOEBA_CONFIG`, :data:`BOTTLENECK_CONFIG` those of the three tasks
(chapter 1 imports them from :mod:`attnbook.data`, which re-exports them).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from attnbook import checks


@dataclass
class Seq2SeqConfig:
    """Sizes and training settings of a sequence-to-sequence model (chapters 1 and 2).

    ``embed_dim``: token embeddings; ``hidden_size``: LSTM states (encoder and decoder);
    ``num_epochs``, ``batch_size``, ``lr`` (Adam), ``clip`` (largest global gradient norm),
    ``seed`` (weight initialisation and batch order).
    """

    embed_dim: int = 32
    hidden_size: int = 128
    num_epochs: int = 3
    batch_size: int = 64
    lr: float = 3e-3
    clip: float = 1.0
    seed: int = 0


DATES_CONFIG = Seq2SeqConfig(embed_dim=32, hidden_size=64, num_epochs=3, lr=1e-2)
"""The date task of chapter 1 (``date_task()``: 10,000 training dates)."""

TATOEBA_CONFIG = Seq2SeqConfig(embed_dim=64, hidden_size=64, num_epochs=3, lr=1e-2)
"""Tatoeba English -> French (``tatoeba_task(min_freq=2)``, about 4,000 training pairs)."""

BOTTLENECK_CONFIG = Seq2SeqConfig(embed_dim=32, hidden_size=32, num_epochs=8, lr=1e-2)
"""Numbers read aloud (:func:`attnbook.data.bottleneck_task`, 6,000 training lists): the budget both
chapter 1's baseline and chapter 2's attention model get."""


def train_seq2seq(model: nn.Module, batches: list, config: Seq2SeqConfig,
                  log_every_epoch: bool = True) -> list[float]:
    """Teacher-forced training: Adam, cross-entropy ignoring padding, gradient clipping.

    ``model(src, src_lengths, tgt_in)`` must return logits ``(batch, tgt_len, vocab)``
    and ``model.pad_id`` be the target padding id. Epoch ``e`` visits ``batches`` (a
    list of ``attnbook.data.Seq2SeqBatch``) in the order of
    ``random.Random(config.seed + e)``; ``log_every_epoch`` prints one line per epoch.
    Returns the mean training loss of every epoch (nats per target token, padding
    excluded). Raises ValueError if ``batches`` is empty.
    """
    checks.check_batches(batches)
    torch.manual_seed(config.seed)
    # foreach: one fused update for all parameters, the same numbers as the per-tensor loop
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, foreach=True)
    model.train()
    epoch_losses = []
    for epoch in range(config.num_epochs):
        start, order = time.perf_counter(), list(range(len(batches)))
        random.Random(config.seed + epoch).shuffle(order)
        total_loss, total_tokens = 0.0, 0
        for batch in (batches[i] for i in order):
            # (batch, tgt_len, vocab)
            logits = model(batch.src, batch.src_lengths, batch.tgt_in)
            loss = F.cross_entropy(logits.flatten(0, 1), batch.tgt_out.flatten(),
                                   ignore_index=model.pad_id)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), config.clip)
            optimizer.step()
            n_tokens = int((batch.tgt_out != model.pad_id).sum())
            total_loss += loss.item() * n_tokens
            total_tokens += n_tokens
        epoch_losses.append(total_loss / total_tokens)
        if log_every_epoch:
            print(f"epoch {epoch + 1}/{config.num_epochs}: loss {epoch_losses[-1]:.3f} "
                  f"({time.perf_counter() - start:.1f} s)")
    model.eval()
    return epoch_losses
