"""Chapter 8's character-level data: Tiny Shakespeare (:func:`load_shakespeare`), its
characters as token ids (:class:`CharVocab`) and next-character training windows
(:func:`random_windows`, :func:`consecutive_windows`)."""

from __future__ import annotations

import os
import pathlib

import torch
from torch import Tensor

from attnbook.data.download import SHAKESPEARE_FILE, DataFileError, fetch

SHAKESPEARE_CREDIT = "Tiny Shakespeare, from Andrej Karpathy's char-rnn"
"""Credit line for the Tiny Shakespeare text (public domain; char-rnn is MIT-licensed)."""


def load_shakespeare(path: str | os.PathLike[str] | None = None) -> str:
    """Read Tiny Shakespeare (chapter 8's character-level corpus) as one string.

    Args:
        path: the file to read; ``None`` (default) means ``fetch("tinyshakespeare.txt")``
            (see :data:`SHAKESPEARE_CREDIT` for its origin).

    Returns:
        The whole text, 1,115,394 characters for the default file.

    Raises:
        DataFileError: the file is empty or not valid UTF-8 (the message names the file).
        (and whatever :func:`fetch` raises when ``path`` is ``None``)
    """
    file_path = fetch(SHAKESPEARE_FILE) if path is None else pathlib.Path(path)
    try:
        text = file_path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise DataFileError(f"{file_path}: expected UTF-8 text ({error})") from error
    if not text:
        raise DataFileError(
            f"{file_path}: expected Shakespeare's text but the file is empty"
        )
    return text


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
