"""Sentences for chapter 6's pretrained encoder: :class:`SentenceBatching` turns strings into
padded token-id batches and sentence embeddings, in input order."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from attnbook.data.batching import pad_sequences
from attnbook.masks import token_mask


class SentenceBatching:
    """Strings in, sentence embeddings out: tokenizing, padding and batching for a
    sentence encoder whose ``forward(input_ids, token_mask)`` returns ``(batch,
    d_model)``.

    A mixin of :class:`attnbook.pretrained.SentenceEncoder`, which sets ``tokenizer`` (a
    ``tokenizers.Tokenizer``), ``max_seq_length`` and ``d_model``. Masks follow the
    course's convention: ``token_mask`` is True at real tokens.
    """

    tokenizer = None
    max_seq_length: int
    d_model: int

    def token_ids(
        self, sentences: Sequence[str], truncate: bool = False
    ) -> list[list[int]]:
        """Token ids of each sentence, ``[CLS] ... [SEP]``, unpadded.

        Raises:
            TypeError: ``sentences`` is a single string or holds something other than
                strings.
            RuntimeError: the model has no tokenizer.
            ValueError: a sentence is longer than ``max_seq_length`` tokens and
                ``truncate`` is False.
        """
        if isinstance(sentences, str):
            raise TypeError(
                "sentences must be a list of strings, got a single str: pass [sentence]"
            )
        if not all(isinstance(s, str) for s in sentences):
            bad = next(type(s).__name__ for s in sentences if not isinstance(s, str))
            raise TypeError(f"sentences must be a list of strings, found a {bad}")
        if self.tokenizer is None:
            raise RuntimeError(
                "this model has no tokenizer: build it with load_minilm(), "
                "or set model.tokenizer"
            )
        ids = [
            encoding.ids for encoding in self.tokenizer.encode_batch(list(sentences))
        ]
        longest = self.max_seq_length
        for index, sentence_ids in enumerate(ids):
            if len(sentence_ids) > longest:
                if not truncate:
                    raise ValueError(
                        f"sentence {index} has {len(sentence_ids)} tokens, more than "
                        f"max_seq_length={longest}; pass truncate=True to keep its "
                        f"first {longest} (what sentence-transformers does without "
                        "telling)"
                    )
                ids[index] = (
                    sentence_ids[: longest - 1] + sentence_ids[-1:]
                )  # keep [SEP]
        return ids

    @staticmethod
    def pad(ids: Sequence[Sequence[int]]) -> tuple[Tensor, Tensor]:
        """Pad token-id lists into ``(input_ids, token_mask)``, both ``(batch,
        seq_len)``: int64 ids with ``[PAD]`` (id 0) after each sentence, and a bool mask
        that is True at the real tokens.

        Raises:
            ValueError: ``ids`` is empty, or one list is empty.
        """
        input_ids, lengths = pad_sequences(ids, pad_id=0)  # (batch, seq_len), (batch,)
        return input_ids, token_mask(lengths, input_ids.shape[1])  # (batch, seq_len)

    def tokenize(
        self, sentences: Sequence[str], truncate: bool = False
    ) -> tuple[Tensor, Tensor]:
        """Tokenize and pad a batch of sentences: ``(input_ids, token_mask)`` as
        :meth:`pad`.

        Raises:
            TypeError, RuntimeError, ValueError: as :meth:`token_ids`; ``ValueError``
                for an empty list.
        """
        return self.pad(self.token_ids(sentences, truncate))

    @torch.no_grad()
    def encode(
        self, sentences: Sequence[str], batch_size: int = 32, truncate: bool = False
    ) -> Tensor:
        """Embed sentences: ``(len(sentences), d_model)`` L2-normalised rows, in input
        order, with the weights' dtype (float32) and device.

        Sentences are sorted by length, longest first, so that each batch of
        ``batch_size`` needs little padding (sentence-transformers does the same, by
        characters; we sort by tokens, which we already have). The model runs in eval
        mode without gradients, then goes back to its previous mode.

        Raises:
            TypeError, RuntimeError, ValueError: as :meth:`token_ids`; ``ValueError`` if
                ``batch_size < 1``.
        """
        if (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, int)
            or batch_size < 1
        ):
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        ids = self.token_ids(sentences, truncate)
        weight = next(self.parameters())
        output = torch.empty(
            len(ids), self.d_model, dtype=weight.dtype, device=weight.device
        )
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))  # longest first
        was_training = self.training
        self.eval()
        try:
            for start in range(0, len(order), batch_size):
                chosen = order[start : start + batch_size]
                input_ids, token_mask = self.pad(
                    [ids[i] for i in chosen]
                )  # (b, seq_len)
                output[chosen] = self(
                    input_ids.to(weight.device), token_mask.to(weight.device)
                )  # (b, d_model)
        finally:
            self.train(was_training)
        return output
