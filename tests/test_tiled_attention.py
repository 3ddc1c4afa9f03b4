"""Chapter 8's tiled attention: an online softmax over blocks of keys gives exactly the output of
scaled dot-product attention (ours and PyTorch's), and its memory grows linearly, not
quadratically, with the sequence length."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from attnbook.attention import scaled_dot_product_attention, tiled_attention
from attnbook.masks import sliding_window_mask, to_torch
from attnbook.memory import peak_memory


def qkv(batch=2, heads=3, T_q=37, T_k=37, d_k=8, d_v=5, seed=0, scale=1.0):
    generator = torch.Generator().manual_seed(seed)
    query = torch.randn(batch, heads, T_q, d_k, generator=generator) * scale
    key = torch.randn(batch, heads, T_k, d_k, generator=generator) * scale
    value = torch.randn(batch, heads, T_k, d_v, generator=generator)
    return query, key, value


@pytest.mark.parametrize("block_size", [1, 7, 16, 37, 64])
def test_equals_scaled_dot_product_attention_without_mask(block_size):
    query, key, value = qkv()
    expected = F.scaled_dot_product_attention(query, key, value)
    ours, _ = scaled_dot_product_attention(query, key, value)
    tiled = tiled_attention(query, key, value, block_size=block_size)
    assert tiled.shape == (2, 3, 37, 5)
    torch.testing.assert_close(tiled, expected, atol=1e-5, rtol=0)
    torch.testing.assert_close(tiled, ours, atol=1e-5, rtol=0)


@pytest.mark.parametrize("block_size", [1, 5, 16, 64])
def test_equals_torch_with_causal_mask(block_size):
    query, key, value = qkv(T_q=50, T_k=50)
    mask = sliding_window_mask(50)                                   # True = may attend
    expected = F.scaled_dot_product_attention(query, key, value, is_causal=True)
    via_to_torch = F.scaled_dot_product_attention(query, key, value, attn_mask=~to_torch(mask))
    tiled = tiled_attention(query, key, value, mask, block_size=block_size)
    torch.testing.assert_close(tiled, expected, atol=1e-5, rtol=0)
    torch.testing.assert_close(via_to_torch, expected, atol=1e-6, rtol=0)


def test_cross_lengths_padding_mask_and_sliding_window():
    query, key, value = qkv(T_q=9, T_k=40)
    padding = torch.arange(40)[None, None, None, :] < torch.tensor([40, 23])[:, None, None, None]
    for mask in (padding, sliding_window_mask(9, window=6, T_k=40)):
        expected, _ = scaled_dot_product_attention(query, key, value, mask)
        torch.testing.assert_close(tiled_attention(query, key, value, mask, block_size=8),
                                   expected, atol=1e-5, rtol=0)


def test_large_scores_do_not_overflow_and_rescaling_matters():
    # Scores up to ~1e3: without the running maximum, exp overflows to inf.
    query, key, value = qkv(T_q=20, T_k=60, scale=12.0)
    expected = F.scaled_dot_product_attention(query, key, value)
    tiled = tiled_attention(query, key, value, block_size=8)
    assert torch.isfinite(tiled).all()
    torch.testing.assert_close(tiled, expected, atol=1e-5, rtol=1e-5)


def test_fully_masked_rows_give_zeros_like_ours():
    query, key, value = qkv(T_q=4, T_k=10)
    mask = torch.ones(4, 10, dtype=torch.bool)
    mask[2] = False                                   # query 2 may attend to nothing
    mask[1, :8] = False                               # query 1 sees only the last block
    expected, _ = scaled_dot_product_attention(query, key, value, mask)
    tiled = tiled_attention(query, key, value, mask, block_size=4)
    assert torch.equal(tiled[:, :, 2], torch.zeros_like(tiled[:, :, 2]))
    torch.testing.assert_close(tiled, expected, atol=1e-6, rtol=0)


def test_gradients_match():
    query, key, value = (t.double().requires_grad_() for t in qkv(T_q=12, T_k=12))
    mask = sliding_window_mask(12)
    tiled = tiled_attention(query, key, value, mask, block_size=5)
    reference = F.scaled_dot_product_attention(query, key, value, is_causal=True)
    grads = torch.autograd.grad(tiled.sum(), (query, key, value))
    expected = torch.autograd.grad(reference.sum(), (query, key, value))
    for got, want in zip(grads, expected):
        torch.testing.assert_close(got, want, atol=1e-10, rtol=0)


def test_peak_memory_is_linear_for_tiled_and_quadratic_for_plain():
    def peaks(T):
        query, key, value = qkv(batch=1, heads=1, T_q=T, T_k=T, d_k=16, d_v=16)
        _, plain = peak_memory(scaled_dot_product_attention, query, key, value)
        _, tiled = peak_memory(tiled_attention, query, key, value, block_size=64)
        return plain, tiled

    plain_512, tiled_512 = peaks(512)
    plain_1024, tiled_1024 = peaks(1024)
    assert plain_512 >= 512 * 512 * 4                  # at least one (T, T) float32 matrix
    assert tiled_1024 < plain_1024 / 3                 # blocks (T, 64), not (T, T)
    assert tiled_1024 < 8 * 1024 * 64 * 4              # a few (T, block_size) float32 blocks
    assert plain_1024 / plain_512 > 3.5                # doubling T: about 4 times the memory
    assert tiled_1024 / tiled_512 < 2.5                # doubling T: about twice


def test_peak_memory_counts_what_the_function_allocates():
    _, peak = peak_memory(lambda: torch.zeros(1000, dtype=torch.float32) + 1)
    assert 4000 <= peak <= 8000
    x = torch.zeros(1000)
    _, view_peak = peak_memory(lambda: x[:10].t())
    assert view_peak == 0


@pytest.mark.parametrize("bad, error, message", [
    (dict(block_size=0), ValueError, "block_size must be a positive integer"),
    (dict(block_size=2.5), ValueError, "block_size must be a positive integer"),
    (dict(mask=torch.ones(37, 37)), TypeError, "mask must be a torch.bool tensor"),
    (dict(mask=torch.ones(5, 37, dtype=torch.bool)), ValueError, "does not broadcast"),
    (dict(mask=torch.tensor(True)), ValueError, "at least 1 dimension"),
])
def test_bad_arguments_raise(bad, error, message):
    query, key, value = qkv()
    arguments = dict(mask=None, block_size=16) | bad
    with pytest.raises(error, match=message):
        tiled_attention(query, key, value, **arguments)


def test_bad_tensors_raise():
    query, key, value = qkv()
    with pytest.raises(TypeError, match="query must be a torch.Tensor"):
        tiled_attention(query.tolist(), key, value)
    with pytest.raises(TypeError, match="floating-point"):
        tiled_attention(query.long(), key, value)
    with pytest.raises(TypeError, match="share one dtype"):
        tiled_attention(query.double(), key, value)
    with pytest.raises(ValueError, match="same last dimension d_k"):
        tiled_attention(query[..., :4], key, value)
    with pytest.raises(ValueError, match="same number of positions T_k"):
        tiled_attention(query, key, value[..., :5, :])
    with pytest.raises(ValueError, match="do not broadcast"):
        tiled_attention(query, key[:1].expand(3, -1, -1, -1), value)
    with pytest.raises(ValueError, match="at least|shape"):
        tiled_attention(query[0, 0, 0], key, value)
