"""A generic teacher-forced training loop (hand-written plumbing, not course material).

Chapter 1 explains the loop in prose and re-exports :func:`train_seq2seq` as
``attnbook.seq2seq.train_seq2seq``; chapters 2 and 7 train their models with it.
"""

from __future__ import annotations

import random
import time

import torch
import torch.nn.functional as F
from torch import nn

from attnbook import checks
from attnbook.data import Seq2SeqConfig


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
