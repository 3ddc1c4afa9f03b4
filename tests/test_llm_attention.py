"""Chapter 8's attention pieces of today's LLMs, each against a published implementation: rotary
position embedding (transformers' LLaMA), grouped-query attention (PyTorch's enable_gqa), the
sliding-window mask, and the KV-cache memory formula."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from attnbook.attention import scaled_dot_product_attention
from attnbook.gpt import CausalSelfAttention, apply_rotary, grouped_query_attention, rotate_half
from attnbook.lm import kv_cache_bytes
from attnbook.masks import causal_mask, sliding_window_mask, to_torch

transformers = pytest.importorskip("transformers")
from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding, apply_rotary_pos_emb  # noqa: E402


def randn(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


# --- rotary position embedding ----------------------------------------------------------------
@pytest.mark.parametrize("num_kv_heads, d_k, base", [(4, 16, 10000.0), (2, 8, 500000.0)])
def test_rotary_equals_llamas(num_kv_heads, d_k, base):
    config = transformers.LlamaConfig(hidden_size=4 * d_k, num_attention_heads=4,
                                      num_key_value_heads=num_kv_heads,
                                      max_position_embeddings=64, rope_theta=base)
    rotary = LlamaRotaryEmbedding(config)
    query, key = randn(2, 4, 10, d_k), randn(2, num_kv_heads, 10, d_k, seed=1)
    positions = torch.tensor([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [5, 6, 7, 8, 9, 10, 11, 12, 13, 4000]])
    cos, sin = rotary(query, positions)                       # (batch, T, d_k) each
    expected_q, expected_k = apply_rotary_pos_emb(query, key, cos, sin)
    ours_q, ours_k = apply_rotary(query, key, positions, base=base)
    torch.testing.assert_close(ours_q, expected_q, atol=1e-6, rtol=0)
    torch.testing.assert_close(ours_k, expected_k, atol=1e-6, rtol=0)
    # one row of positions for the whole batch, as GPT uses it
    shared_q, _ = apply_rotary(query, key, positions[0], base=base)
    torch.testing.assert_close(shared_q[0], expected_q[0], atol=1e-6, rtol=0)


def interleaved_rotary(x, positions, base=10000.0):
    """RoFormer's / GPT-J's / Meta's original LLaMA pairing: features (2i, 2i + 1) form a pair,
    rotated as a complex number (Su et al. 2021, eq. 34)."""
    d = x.shape[-1]
    frequency = base ** -(torch.arange(0, d, 2).float() / d)            # (d / 2,)
    angle = positions[:, None].float() * frequency                      # (T, d / 2)
    pairs = torch.view_as_complex(x.reshape(*x.shape[:-1], d // 2, 2).contiguous())
    rotated = pairs * torch.polar(torch.ones_like(angle), angle)        # (..., T, d / 2)
    return torch.view_as_real(rotated).flatten(-2)                      # (..., T, d)


def test_interleaved_pairing_is_a_different_convention_equivalent_after_a_permutation():
    x, positions = randn(2, 3, 7, 12), torch.arange(7)
    interleaved = interleaved_rotary(x, positions)
    rotate_half_style, _ = apply_rotary(x, x, positions)
    assert not torch.allclose(interleaved, rotate_half_style, atol=1e-3)   # not the same...
    # ... but the same after moving the features (0, 2, 4, ..., 1, 3, 5, ...) into place:
    # pair i of rotate-half is features (i, i + d/2), pair i of interleaved is (2i, 2i + 1).
    permutation = torch.cat((torch.arange(0, 12, 2), torch.arange(1, 12, 2)))
    permuted, _ = apply_rotary(x[..., permutation], x[..., permutation], positions)
    torch.testing.assert_close(permuted, interleaved[..., permutation], atol=1e-6, rtol=0)
    # and the attention scores, which a permutation of features does not change, agree
    q, k = randn(7, 12, seed=2), randn(7, 12, seed=3)
    scores_interleaved = interleaved_rotary(q, positions) @ interleaved_rotary(k, positions).T
    rq, rk = apply_rotary(q[:, permutation], k[:, permutation], positions)
    torch.testing.assert_close(rq @ rk.T, scores_interleaved, atol=1e-5, rtol=0)


def test_score_depends_only_on_the_distance():
    q, k = randn(1, 16), randn(1, 16, seed=1)

    def score(m, n):
        rq, _ = apply_rotary(q, q, torch.tensor([m]))
        _, rk = apply_rotary(k, k, torch.tensor([n]))
        return (rq @ rk.T).item()

    for m, n in [(5, 2), (9, 9), (3, 11), (100, 40)]:
        for shift in (1, 7, 250):
            assert score(m + shift, n + shift) == pytest.approx(score(m, n), abs=1e-4)
    assert score(5, 2) != pytest.approx(score(6, 2), abs=1e-3)           # but it does on m - n
    rq, rk = apply_rotary(q, k, torch.tensor([0]))                      # position 0: no rotation
    torch.testing.assert_close(rq, q)
    torch.testing.assert_close(rk, k)


def test_rotation_keeps_lengths_and_rotate_half_is_a_quarter_turn():
    x = randn(3, 5, 8)
    rotated, _ = apply_rotary(x, x, torch.arange(5))
    torch.testing.assert_close(rotated.norm(dim=-1), x.norm(dim=-1), atol=1e-5, rtol=0)
    torch.testing.assert_close(rotate_half(rotate_half(x)), -x)


@pytest.mark.parametrize("query, key, positions, error, message", [
    (randn(4, 6), randn(4, 6), torch.arange(4).float(), TypeError, "integer tensor"),
    (randn(4, 5), randn(4, 5), torch.arange(4), ValueError, "even last dimension"),
    (randn(4, 6), randn(3, 6), torch.arange(4), ValueError, "same seq_len"),
    (randn(4, 6), randn(4, 6), torch.arange(5), ValueError, "positions must have shape"),
    (randn(4, 6).long(), randn(4, 6), torch.arange(4), TypeError, "floating-point"),
])
def test_rotary_bad_input_raises(query, key, positions, error, message):
    with pytest.raises(error, match=message):
        apply_rotary(query, key, positions)


# --- grouped-query attention ------------------------------------------------------------------
@pytest.mark.parametrize("num_heads, num_kv_heads", [(8, 8), (8, 4), (8, 2), (8, 1), (6, 3)])
def test_grouped_query_attention_equals_torchs_enable_gqa(num_heads, num_kv_heads):
    query = randn(2, num_heads, 9, 16)
    key, value = randn(2, num_kv_heads, 11, 16, seed=1), randn(2, num_kv_heads, 11, 16, seed=2)
    mask = sliding_window_mask(9, T_k=11)
    expected = F.scaled_dot_product_attention(query, key, value, attn_mask=~to_torch(mask),
                                              enable_gqa=True)
    output, weights = grouped_query_attention(query, key, value, mask)
    assert output.shape == (2, num_heads, 9, 16) and weights.shape == (2, num_heads, 9, 11)
    torch.testing.assert_close(output, expected, atol=1e-6, rtol=0)


def test_query_heads_of_a_group_share_their_key_value_head():
    query = randn(1, 4, 5, 8).expand(1, 4, 5, 8).clone()
    query[:, :] = query[:, :1]                               # the same query in every head
    key, value = randn(1, 2, 5, 8, seed=1), randn(1, 2, 5, 8, seed=2)
    output, _ = grouped_query_attention(query, key, value)
    torch.testing.assert_close(output[:, 0], output[:, 1])   # heads 0, 1 use kv head 0
    torch.testing.assert_close(output[:, 2], output[:, 3])   # heads 2, 3 use kv head 1
    assert not torch.allclose(output[:, 1], output[:, 2])


@pytest.mark.parametrize("num_heads, num_kv_heads, message", [
    (8, 3, "must divide the query heads"), (4, 8, "must divide the query heads")])
def test_bad_head_counts_raise(num_heads, num_kv_heads, message):
    query = randn(1, num_heads, 4, 8)
    key = randn(1, num_kv_heads, 4, 8)
    with pytest.raises(ValueError, match=message):
        grouped_query_attention(query, key, key)


def test_grouped_query_attention_bad_shapes_raise():
    with pytest.raises(ValueError, match="must have shape \\(batch, heads, seq_len, d_k\\)"):
        grouped_query_attention(randn(4, 5, 8), randn(4, 5, 8), randn(4, 5, 8))
    with pytest.raises(ValueError, match="key and value must have the same"):
        grouped_query_attention(randn(1, 4, 5, 8), randn(1, 2, 5, 8), randn(1, 2, 6, 8))
    with pytest.raises(ValueError, match="must divide num_heads"):
        CausalSelfAttention(32, 8, num_kv_heads=3)


def test_gqa_module_with_one_kv_head_has_a_smaller_projection():
    mha, mqa = CausalSelfAttention(32, 8), CausalSelfAttention(32, 8, num_kv_heads=1)
    assert mha.w_qkv.out_features == 3 * 32 and mqa.w_qkv.out_features == 32 + 2 * 4


# --- sliding-window mask ----------------------------------------------------------------------
def test_sliding_window_without_window_is_chapter_7s_causal_mask():
    assert torch.equal(sliding_window_mask(9), causal_mask(9))


def test_sliding_window_mask_values():
    mask = sliding_window_mask(4, window=2, T_k=6)           # queries at positions 2, 3, 4, 5
    expected = torch.tensor([[0, 1, 1, 0, 0, 0], [0, 0, 1, 1, 0, 0],
                             [0, 0, 0, 1, 1, 0], [0, 0, 0, 0, 1, 1]], dtype=torch.bool)
    assert torch.equal(mask, expected)
    assert sliding_window_mask(5, window=1).equal(torch.eye(5, dtype=torch.bool))
    assert torch.equal(sliding_window_mask(5, window=50), causal_mask(5))


def test_sliding_window_attention_equals_the_full_computation_with_that_mask():
    query, key, value = randn(2, 3, 20, 8), randn(2, 3, 20, 8, seed=1), randn(2, 3, 20, 8, seed=2)
    mask = sliding_window_mask(20, window=4)
    ours, weights = scaled_dot_product_attention(query, key, value, mask)
    expected = F.scaled_dot_product_attention(query, key, value, attn_mask=~to_torch(mask))
    torch.testing.assert_close(ours, expected, atol=1e-6, rtol=0)
    assert (weights[..., ~mask] == 0).all()
    # Each row of weights has exactly min(i + 1, 4) non-zero entries.
    assert ((weights > 0).sum(-1) == torch.arange(20).add(1).clamp(max=4)).all()


@pytest.mark.parametrize("args, message", [
    ((0,), "T_q must be a positive integer"), ((5, 0), "window must be a positive integer"),
    ((6, None, 5), "must be <= T_k"), ((2, 2.0), "window must be a positive integer")])
def test_sliding_window_bad_arguments_raise(args, message):
    with pytest.raises(ValueError, match=message):
        sliding_window_mask(*args)


# --- KV-cache memory --------------------------------------------------------------------------
def test_kv_cache_bytes_formula_and_published_models():
    assert kv_cache_bytes(1, 1, 1, 1, 1, bytes_per_number=1) == 2
    assert kv_cache_bytes(3, 2, 5, 4, 8, bytes_per_number=4) == 2 * 3 * 2 * 5 * 4 * 8 * 4
    # GPT-2 small (12 layers, 12 heads of 64) at 1,024 tokens in float32: 72 MiB (75,497,472 bytes)
    assert kv_cache_bytes(12, 1, 1024, 12, 64, bytes_per_number=4) == 75_497_472
    # Llama 3 8B (32 layers, 8 key/value heads of 128) at 4,096 tokens in bfloat16: 512 MiB
    assert kv_cache_bytes(32, 1, 4096, 8, 128) == 512 * 2**20


def test_kv_cache_bytes_matches_a_real_cache():
    from attnbook.gpt import GPT
    from attnbook.transformer import KVCache

    model = GPT(50, d_model=32, num_layers=3, num_heads=4, d_ff=16, num_kv_heads=2).eval()
    cache = KVCache(3)
    with torch.no_grad():
        model.step(torch.zeros(2, 7, dtype=torch.long), cache)
    held = sum(t.numel() * t.element_size() for t in cache.keys + cache.values)
    assert held == kv_cache_bytes(3, 2, 7, 2, 8, bytes_per_number=4)


@pytest.mark.parametrize("bad", [dict(num_layers=0), dict(d_k=1.5), dict(bytes_per_number=True)])
def test_kv_cache_bytes_bad_sizes_raise(bad):
    sizes = dict(num_layers=2, batch=1, seq_len=8, num_kv_heads=2, d_k=4) | bad
    with pytest.raises(ValueError, match=f"{next(iter(bad))} must be a positive integer"):
        kv_cache_bytes(**sizes)
