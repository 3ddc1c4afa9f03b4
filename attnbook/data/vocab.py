"""Tokens: :func:`word_tokenize`, :func:`detokenize`, the special tokens and :class:`Vocab`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import torch
from tokenizers import normalizers, pre_tokenizers

_NORMALIZER = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
_PRE_TOKENIZER = pre_tokenizers.BertPreTokenizer()


def word_tokenize(text: str) -> list[str]:
    """Split text into lower-cased words and punctuation marks.

    The text is Unicode-normalized (NFKC) and lower-cased, then split on
    whitespace and around every punctuation character, using the Hugging Face
    ``tokenizers`` library (``BertPreTokenizer``).

    Examples:
        >>> word_tokenize("Je t'aime.")
        ['je', 't', "'", 'aime', '.']
        >>> word_tokenize("I love you.")
        ['i', 'love', 'you', '.']

    Args:
        text: the text to split.

    Returns:
        The list of tokens (empty for an empty or all-whitespace text).

    Raises:
        TypeError: ``text`` is not a ``str``.
    """
    if not isinstance(text, str):
        raise TypeError(f"word_tokenize expected a str, got {type(text).__name__}")
    normalized = _NORMALIZER.normalize_str(text)
    return [token for token, _span in _PRE_TOKENIZER.pre_tokenize_str(normalized)]


def detokenize(tokens: Sequence[str]) -> str:
    """Join tokens with single spaces: ``["je", "t", "'", "aime", "."]`` -> ``"je t ' aime ."``.

    This does not restore the original spelling or casing. In this course BLEU
    is computed on this tokenized, lower-cased text, for both the model output
    and the references (so scores are not comparable with published BLEU on
    detokenized text).

    Raises:
        TypeError: ``tokens`` is a single ``str`` instead of a list of tokens.
    """
    if isinstance(tokens, str):
        raise TypeError("detokenize expected a list of tokens, got a str")
    return " ".join(tokens)


PAD = "<pad>"
BOS = "<bos>"
EOS = "<eos>"
UNK = "<unk>"
SPECIALS = (PAD, BOS, EOS, UNK)
"""The special tokens, in the order of their ids 0, 1, 2, 3 in a default :class:`Vocab`."""


def _check_token_list(tokens: object, what: str) -> None:
    """Raise TypeError if ``tokens`` is a str (a common mistake) instead of a list of tokens."""
    if isinstance(tokens, str):
        raise TypeError(
            f"{what} expected a list of tokens, got the str {tokens!r}; "
            "tokenize it first, e.g. with word_tokenize"
        )


class Vocab:
    """A mapping between tokens (``str``) and ids (``int``).

    Ids ``0 .. len(specials) - 1`` are the special tokens in the given order
    (by default ``<pad>`` = 0, ``<bos>`` = 1, ``<eos>`` = 2, ``<unk>`` = 3).
    The other tokens follow, sorted by descending frequency, ties broken
    alphabetically, so the same data always gives the same ids. Tokens seen
    fewer than ``min_freq`` times are left out of the vocabulary: they are
    encoded as ``<unk>``.

    Example:
        >>> v = Vocab([["a", "b", "a"]])
        >>> v.itos
        ['<pad>', '<bos>', '<eos>', '<unk>', 'a', 'b']
        >>> v.encode(["a", "zzz"], add_eos=True)
        [4, 3, 2]

    Args:
        token_lists: an iterable of token lists, e.g. one per sentence.
        min_freq: minimum count for a token to get its own id (>= 1).
        specials: the special tokens; must contain ``<pad>``, ``<bos>``,
            ``<eos>`` and ``<unk>`` and no duplicates.

    Attributes:
        itos: list of tokens; ``itos[i]`` is the token with id ``i``.
        stoi: dict token -> id (the inverse of ``itos``).
        counts: how many times each data token was seen (before ``min_freq``).

    Raises:
        ValueError: ``min_freq`` < 1; ``specials`` lacks one of the four
            required tokens or has duplicates; a data token equals a special
            token.
        TypeError: an element of ``token_lists`` is a ``str`` (pass lists of
            tokens, not sentences).
    """

    def __init__(
        self,
        token_lists: Iterable[Sequence[str]],
        min_freq: int = 1,
        specials: Sequence[str] = SPECIALS,
    ) -> None:
        if min_freq < 1:
            raise ValueError(f"min_freq must be >= 1, got {min_freq}")
        missing = [token for token in SPECIALS if token not in specials]
        if missing:
            raise ValueError(
                f"specials must contain {list(SPECIALS)}, missing {missing}"
            )
        if len(set(specials)) != len(specials):
            raise ValueError(f"specials must not repeat a token, got {list(specials)}")

        counts: Counter[str] = Counter()
        for tokens in token_lists:
            _check_token_list(tokens, "Vocab")
            counts.update(tokens)
        clashes = sorted(token for token in counts if token in specials)
        if clashes:
            raise ValueError(
                f"the data contains the special tokens {clashes}; "
                "build the vocabulary from tokens without specials"
            )

        kept = [token for token, count in counts.items() if count >= min_freq]
        kept.sort(key=lambda token: (-counts[token], token))
        self.itos: list[str] = list(specials) + kept
        self.stoi: dict[str, int] = {
            token: index for index, token in enumerate(self.itos)
        }
        self.counts: Counter[str] = counts

    def __len__(self) -> int:
        """Number of tokens, specials included."""
        return len(self.itos)

    def __getitem__(self, token: str) -> int:
        """Return the id of ``token``, or :attr:`unk_id` if it is not in the vocabulary."""
        return self.stoi.get(token, self.unk_id)

    def __contains__(self, token: object) -> bool:
        """True if ``token`` has its own id (is not mapped to ``<unk>``)."""
        return token in self.stoi

    def __repr__(self) -> str:
        return f"Vocab(size={len(self)}, first tokens={self.itos[:8]})"

    @property
    def pad_id(self) -> int:
        """Id of ``<pad>`` (0 by default)."""
        return self.stoi[PAD]

    @property
    def bos_id(self) -> int:
        """Id of ``<bos>`` (1 by default)."""
        return self.stoi[BOS]

    @property
    def eos_id(self) -> int:
        """Id of ``<eos>`` (2 by default)."""
        return self.stoi[EOS]

    @property
    def unk_id(self) -> int:
        """Id of ``<unk>`` (3 by default)."""
        return self.stoi[UNK]

    def lookup_token(self, index: int) -> str:
        """Return the token with id ``index``.

        Raises:
            IndexError: ``index`` is not in ``0 .. len(self) - 1``; the message
                names the id and the vocabulary size.
        """
        if not 0 <= index < len(self.itos):
            raise IndexError(
                f"token id {index} is out of range for a vocabulary of size {len(self)}"
            )
        return self.itos[index]

    def encode(
        self, tokens: Sequence[str], add_bos: bool = False, add_eos: bool = False
    ) -> list[int]:
        """Turn tokens into ids; unknown tokens become :attr:`unk_id`.

        Args:
            tokens: a list of tokens (not a str).
            add_bos: put :attr:`bos_id` first.
            add_eos: put :attr:`eos_id` last.

        Returns:
            A list of ``len(tokens) + add_bos + add_eos`` ints.

        Raises:
            TypeError: ``tokens`` is a str.
        """
        _check_token_list(tokens, "Vocab.encode")
        ids = [self[token] for token in tokens]
        if add_bos:
            ids = [self.bos_id] + ids
        if add_eos:
            ids = ids + [self.eos_id]
        return ids

    def decode(
        self, ids: Sequence[int] | torch.Tensor, strip_special: bool = True
    ) -> list[str]:
        """Turn ids back into tokens.

        Args:
            ids: a list of ints or a 1-D integer tensor.
            strip_special: if True (default), stop at the first ``<eos>``
                (it and everything after it are left out) and leave out
                ``<pad>`` and ``<bos>``; ``<unk>`` is kept. If False, return
                one token per id.

        Returns:
            A list of tokens.

        Raises:
            IndexError: an id is out of range; the message names the id and
                the vocabulary size.
            ValueError: ``ids`` is a tensor that is not 1-D.
        """
        if isinstance(ids, torch.Tensor):
            if ids.dim() != 1:
                raise ValueError(
                    f"decode expected a 1-D tensor of ids, got shape {tuple(ids.shape)}"
                )
            ids = ids.tolist()
        tokens = []
        for index in ids:
            token = self.lookup_token(int(index))
            if strip_special:
                if token == EOS:
                    break
                if token in (PAD, BOS):
                    continue
            tokens.append(token)
        return tokens
