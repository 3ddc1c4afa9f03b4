"""attnbook.masks, the one module for masks (generated from chapters 1, 3, 4, 7 and 8): the
mask builders and their errors; ``causal_mask`` and ``sliding_window_mask`` are tested with
their chapters (test_decoder.py, test_llm_attention.py)."""

from __future__ import annotations

import pytest
import torch

from attnbook.masks import causal_mask, key_mask, to_torch, token_mask


def test_token_mask_is_true_at_the_real_tokens():
    expected = torch.tensor([[True, True, True, True, False],
                             [True, True, False, False, False],
                             [False, False, False, False, False]])
    assert torch.equal(token_mask(torch.tensor([4, 2, 0]), 5), expected)
    assert torch.equal(token_mask([4, 2, 0], 5), expected)             # a list works too
    assert token_mask([4, 2, 0], 5).dtype == torch.bool


def test_token_mask_is_as_long_as_the_longest_by_default():
    assert torch.equal(token_mask([3, 1]), torch.tensor([[True] * 3, [True, False, False]]))
    assert token_mask([3, 3], 3).all()


@pytest.mark.parametrize("lengths, seq_len, message", [
    ([[3, 1]], 4, r"lengths must be 1-D \(batch,\), got shape \(1, 2\)"),
    (torch.tensor(3), 4, r"lengths must be 1-D \(batch,\), got shape \(\)"),
    ([3, -1], 4, r"lengths must be in \[0, seq_len=4\], got \[3, -1\]"),
    ([5, 1], 4, r"lengths must be in \[0, seq_len=4\], got \[5, 1\]"),
    ([2, -1], None, r"lengths must be in \[0, seq_len=2\], got \[2, -1\]"),
])
def test_token_mask_refuses_bad_lengths(lengths, seq_len, message):
    with pytest.raises(ValueError, match=message):
        token_mask(lengths, seq_len)


def test_key_mask_adds_the_query_axis():
    real = token_mask([3, 1], 3)                                       # (2, 3)
    mask = key_mask(real)
    assert mask.shape == (2, 1, 3) and torch.equal(mask[:, 0], real)
    assert torch.equal((mask & causal_mask(3)).sum(dim=-1), torch.tensor([[1, 2, 3], [1, 1, 1]]))


@pytest.mark.parametrize("bad, got", [
    (torch.ones(2, 3, dtype=torch.long), r"\(2, 3\)"),                 # not bool
    (torch.ones(2, 1, 3, dtype=torch.bool), r"\(2, 1, 3\)"),           # already a key mask
    (torch.ones(3, dtype=torch.bool), r"\(3,\)"),
    ([[True, False]], "list"),
])
def test_key_mask_refuses_anything_but_a_2d_bool_tensor(bad, got):
    with pytest.raises(ValueError, match=r"token_mask must be a \(batch, seq_len\) torch\.bool "
                                         rf"tensor, got {got}$"):
        key_mask(bad)


def test_to_torch_flips_the_convention_and_keeps_none():
    real = token_mask([2, 1], 3)
    assert torch.equal(to_torch(real), ~real)                          # True = padding
    assert torch.equal(to_torch(causal_mask(3)), torch.ones(3, 3, dtype=torch.bool).triu(1))
    assert to_torch(None) is None


@pytest.mark.parametrize("bad, got", [
    (torch.ones(2, 3), r"torch\.float32"),
    (torch.ones(2, 3, dtype=torch.long), r"torch\.int64"),
    ([True, False], "list"),
])
def test_to_torch_refuses_anything_but_a_bool_tensor(bad, got):
    with pytest.raises(TypeError, match=rf"mask must be a torch\.bool tensor, got {got}$"):
        to_torch(bad)
