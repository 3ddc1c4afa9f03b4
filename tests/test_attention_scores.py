"""Tests for chapter 2's score functions, masked softmax and Attention module (attnbook.attention).

Every piece is compared with a reference written with torch's own operations
(torch.softmax, torch.bmm, F.bilinear, F.scaled_dot_product_attention) or with an explicit loop.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from attnbook.attention import (
    SCORE_NAMES,
    AdditiveScore,
    Attention,
    ConcatScore,
    DotScore,
    GeneralScore,
    make_score,
    masked_softmax,
)

BATCH, T_Q, T_K, D_Q, D_K, HIDDEN = 3, 4, 6, 5, 7, 9


@pytest.fixture
def qk():
    generator = torch.Generator().manual_seed(0)
    query = torch.randn(BATCH, T_Q, D_Q, generator=generator)
    key = torch.randn(BATCH, T_K, D_K, generator=generator)
    return query, key


def pairwise_reference(score_one_pair, query, key):
    """scores[b, i, j] = score_one_pair(query[b, i], keys[b, j]), by an explicit loop."""
    scores = torch.empty(query.shape[0], query.shape[1], key.shape[1])
    for b in range(query.shape[0]):
        for i in range(query.shape[1]):
            for j in range(key.shape[1]):
                scores[b, i, j] = score_one_pair(query[b, i], key[b, j])
    return scores


# --- score functions --------------------------------------------------------------------------


def test_make_score_builds_each_class():
    assert isinstance(make_score("dot", 4, 4), DotScore)
    assert isinstance(make_score("general", 4, 6), GeneralScore)
    assert isinstance(make_score("concat", 4, 6, 8), ConcatScore)
    assert isinstance(make_score("additive", 4, 6, 8), AdditiveScore)
    assert SCORE_NAMES == ("dot", "general", "concat", "additive")


def test_dot_equals_bmm():
    torch.manual_seed(0)
    query, key = torch.randn(BATCH, T_Q, D_K), torch.randn(BATCH, T_K, D_K)
    expected = torch.bmm(query, key.transpose(1, 2))
    torch.testing.assert_close(make_score("dot", D_K, D_K)(query, key), expected)


def test_general_equals_torch_bilinear(qk):
    query, key = qk
    torch.manual_seed(1)
    score = make_score("general", D_Q, D_K)
    W = score.W.weight  # (d_q, d_k): score = q^T W k
    expected = pairwise_reference(
        lambda q, k: F.bilinear(q[None], k[None], W[None]).squeeze(), query, key
    )
    torch.testing.assert_close(score(query, key), expected, atol=1e-5, rtol=1e-5)


def test_concat_equals_explicit_formula(qk):
    query, key = qk
    torch.manual_seed(2)
    score = make_score("concat", D_Q, D_K, HIDDEN)
    W, v = score.W.weight, score.v.weight[0]  # (hidden, d_q + d_k), (hidden,)
    expected = pairwise_reference(lambda q, k: v @ torch.tanh(W @ torch.cat([q, k])), query, key)
    torch.testing.assert_close(score(query, key), expected, atol=1e-5, rtol=1e-5)


def test_additive_equals_explicit_formula(qk):
    query, key = qk
    torch.manual_seed(3)
    score = make_score("additive", D_Q, D_K, HIDDEN)
    W_q, W_k, v = score.W_q.weight, score.W_k.weight, score.v.weight[0]
    expected = pairwise_reference(lambda q, k: v @ torch.tanh(W_q @ q + W_k @ k), query, key)
    torch.testing.assert_close(score(query, key), expected, atol=1e-5, rtol=1e-5)


def test_concat_is_additive_with_split_weights(qk):
    query, key = qk
    torch.manual_seed(4)
    concat = make_score("concat", D_Q, D_K, HIDDEN)
    additive = make_score("additive", D_Q, D_K, HIDDEN)
    with torch.no_grad():
        additive.W_q.weight.copy_(concat.W.weight[:, :D_Q])
        additive.W_k.weight.copy_(concat.W.weight[:, D_Q:])
        additive.v.weight.copy_(concat.v.weight)
    torch.testing.assert_close(concat(query, key), additive(query, key), atol=1e-6, rtol=1e-6)


def test_hidden_size_defaults_to_key_size():
    assert make_score("additive", D_Q, D_K).v.in_features == D_K
    assert make_score("concat", D_Q, D_K).W.out_features == D_K


@pytest.mark.parametrize("name", SCORE_NAMES)
def test_every_score_gives_batch_tq_tk_and_gradients(name):
    torch.manual_seed(5)
    score = make_score(name, D_K, D_K)
    query = torch.randn(BATCH, T_Q, D_K, requires_grad=True)
    key = torch.randn(BATCH, T_K, D_K, requires_grad=True)
    scores = score(query, key)
    assert scores.shape == (BATCH, T_Q, T_K) and scores.dtype == torch.float32
    scores.sum().backward()
    assert query.grad is not None and key.grad is not None


def test_unknown_score_name_lists_the_valid_names():
    with pytest.raises(ValueError) as error:
        make_score("cosine", 4, 4)
    message = str(error.value)
    assert "'cosine'" in message
    for name in SCORE_NAMES:
        assert name in message


def test_dot_needs_equal_sizes():
    with pytest.raises(ValueError, match="query_size=4 and key_size=6"):
        make_score("dot", 4, 6)


@pytest.mark.parametrize("name", ["dot", "general"])
def test_hidden_size_is_rejected_where_there_is_no_hidden_layer(name):
    with pytest.raises(ValueError, match="no hidden layer"):
        make_score(name, 4, 4, hidden_size=8)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_sizes_must_be_positive_ints(bad):
    with pytest.raises(ValueError, match="positive int"):
        make_score("general", bad, 4)
    with pytest.raises(ValueError, match="positive int"):
        make_score("additive", 4, 4, hidden_size=bad)


@pytest.mark.parametrize("name", SCORE_NAMES)
@pytest.mark.parametrize(
    "query_shape, key_shape, pattern",
    [
        ((T_Q, 4), (BATCH, T_K, 4), r"query must be 3-D .* got shape \(4, 4\)"),
        ((BATCH, T_Q, 4), (T_K, 4), r"key must be 3-D .* got shape \(6, 4\)"),
        ((1, BATCH, T_Q, 4), (BATCH, T_K, 4), r"query must be 3-D"),
        ((BATCH, T_Q, 4), (BATCH + 1, T_K, 4), r"same batch size"),
        ((BATCH, T_Q, 5), (BATCH, T_K, 4), r"query must have last size 4, got shape \(3, 4, 5\)"),
        ((BATCH, T_Q, 4), (BATCH, T_K, 5), r"key must have last size 4, got shape \(3, 6, 5\)"),
    ],
)
def test_wrong_ranks_and_sizes_raise(name, query_shape, key_shape, pattern):
    score = make_score(name, 4, 4)
    with pytest.raises(ValueError, match=pattern):
        score(torch.randn(query_shape), torch.randn(key_shape))


# --- masked softmax ---------------------------------------------------------------------------


def padding_mask(lengths, t_k):
    return torch.arange(t_k) < torch.as_tensor(lengths)[:, None]  # (batch, t_k)


@pytest.mark.parametrize("mask_kind", ["padding (batch, 1, T_k)", "full (batch, T_q, T_k)", "shared (T_k,)"])
def test_masked_softmax_matches_torch_softmax_with_minus_inf(mask_kind):
    generator = torch.Generator().manual_seed(6)
    scores = 4 * torch.randn(BATCH, T_Q, T_K, generator=generator)
    if mask_kind.startswith("padding"):
        mask = padding_mask([6, 3, 1], T_K).unsqueeze(1)
    elif mask_kind.startswith("full"):
        mask = torch.rand(BATCH, T_Q, T_K, generator=generator) < 0.6
        mask[..., 0] = True  # every row keeps at least one real key
    else:
        mask = torch.tensor([True, False, True, True, False, True])
    expected = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    weights = masked_softmax(scores, mask)
    torch.testing.assert_close(weights, expected)
    assert torch.all(weights.masked_select(~mask.expand_as(weights)) == 0)  # exactly zero, not just small


def test_masked_softmax_without_mask_is_softmax():
    scores = torch.randn(2, 3, 4, dtype=torch.float64)
    torch.testing.assert_close(masked_softmax(scores), torch.softmax(scores, dim=-1))
    torch.testing.assert_close(masked_softmax(scores[0, 0]), torch.softmax(scores[0, 0], dim=-1))  # 1-D


def test_masked_softmax_is_stable_for_large_scores():
    scores = torch.tensor([[1e4, 1e4 + 1.0, -1e4]])
    weights = masked_softmax(scores, torch.tensor([[True, True, True]]))
    torch.testing.assert_close(weights, torch.softmax(scores, dim=-1))
    assert torch.isfinite(weights).all()


def test_fully_masked_row_gives_zeros_and_finite_gradients():
    scores = torch.randn(2, 3, 4, requires_grad=True)
    mask = padding_mask([4, 0], 4).unsqueeze(1)  # the second example has no real key at all
    weights = masked_softmax(scores, mask)
    assert torch.all(weights[1] == 0)
    torch.testing.assert_close(weights[0].sum(-1), torch.ones(3))
    (weights * torch.randn(2, 3, 4)).sum().backward()
    assert torch.isfinite(scores.grad).all()
    assert torch.all(scores.grad[1] == 0)
    # torch.softmax with -inf filling gives NaN on that row: that is what we avoid.
    assert torch.isnan(torch.softmax(scores.detach().masked_fill(~mask, float("-inf")), dim=-1)[1]).all()


def test_masked_softmax_gradient_matches_numerical_gradient():
    torch.manual_seed(7)
    scores = torch.randn(2, 3, 5, dtype=torch.float64, requires_grad=True)
    mask = padding_mask([5, 2], 5).unsqueeze(1)
    assert torch.autograd.gradcheck(lambda s: masked_softmax(s, mask), (scores,))


def test_masked_softmax_keeps_dtype():
    scores = torch.randn(2, 4, dtype=torch.float64)
    assert masked_softmax(scores, padding_mask([4, 1], 4)).dtype == torch.float64


def test_non_bool_mask_raises_type_error():
    scores = torch.randn(2, 3, 4)
    with pytest.raises(TypeError, match="bool"):
        masked_softmax(scores, padding_mask([4, 2], 4).unsqueeze(1).float())
    with pytest.raises(TypeError, match="bool"):
        masked_softmax(scores, [[True] * 4])


@pytest.mark.parametrize(
    "mask_shape",
    [(2, 3, 5), (3, 3, 4), (4,  1, 1, 4), (2, 2, 3, 4), (5,)],
)
def test_mask_that_does_not_broadcast_names_both_shapes(mask_shape):
    scores = torch.randn(2, 3, 4)
    with pytest.raises(ValueError) as error:
        masked_softmax(scores, torch.ones(mask_shape, dtype=torch.bool))
    assert str(tuple(mask_shape)) in str(error.value) and "(2, 3, 4)" in str(error.value)


def test_bad_scores_raise():
    with pytest.raises(TypeError, match="floating-point"):
        masked_softmax(torch.ones(2, 3, dtype=torch.int64))
    with pytest.raises(ValueError, match="0-D"):
        masked_softmax(torch.tensor(1.0))


# --- Attention --------------------------------------------------------------------------------


def test_dot_attention_matches_torch_scaled_dot_product_attention():
    torch.manual_seed(8)
    attention = Attention("dot", D_K, D_K)
    query, key, value = torch.randn(BATCH, T_Q, D_K), torch.randn(BATCH, T_K, D_K), torch.randn(BATCH, T_K, 3)
    mask = padding_mask([6, 4, 2], T_K).unsqueeze(1)  # (batch, 1, T_k)
    context, weights = attention(query, key, value, mask)
    expected_context = F.scaled_dot_product_attention(query, key, value, attn_mask=mask, scale=1.0)
    expected_weights = torch.softmax(torch.bmm(query, key.transpose(1, 2)).masked_fill(~mask, float("-inf")), -1)
    assert context.shape == (BATCH, T_Q, 3) and weights.shape == (BATCH, T_Q, T_K)
    torch.testing.assert_close(context, expected_context, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(weights, expected_weights)


def test_general_attention_matches_torch_with_projected_key(qk):
    query, key = qk
    torch.manual_seed(9)
    attention = Attention("general", D_Q, D_K)
    value = torch.randn(BATCH, T_K, 2)
    context, _ = attention(query, key, value)
    projected_key = key @ attention.score.W.weight.T  # (batch, T_k, d_q): W k
    expected = F.scaled_dot_product_attention(query, projected_key, value, scale=1.0)
    torch.testing.assert_close(context, expected, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", SCORE_NAMES)
def test_padding_content_does_not_change_the_result(name):
    torch.manual_seed(10)
    attention = Attention(name, 4, 4)
    query, key = torch.randn(1, 2, 4), torch.randn(1, 3, 4)
    alone, _ = attention(query, key, key)
    padded = torch.cat([key, 50 * torch.randn(1, 2, 4)], dim=1)  # (1, 5, 4): two padded positions
    mask = padding_mask([3], 5).unsqueeze(1)
    masked, weights = attention(query, padded, padded, mask)
    torch.testing.assert_close(masked, alone, atol=1e-6, rtol=1e-5)
    assert torch.all(weights[..., 3:] == 0)


def test_attention_rejects_a_2d_padding_mask_with_advice():
    attention = Attention("dot", 4, 4)
    query, key = torch.randn(2, 2, 4), torch.randn(2, 3, 4)
    with pytest.raises(ValueError, match=r"unsqueeze\(1\)"):
        attention(query, key, key, padding_mask([3, 2], 3))


def test_attention_rejects_a_value_that_does_not_match_the_key():
    attention = Attention("dot", 4, 4)
    query, key = torch.randn(2, 2, 4), torch.randn(2, 3, 4)
    with pytest.raises(ValueError, match=r"value .* got value \(2, 5, 4\) and key \(2, 3, 4\)"):
        attention(query, key, torch.randn(2, 5, 4))
    with pytest.raises(ValueError, match="value must be 3-D"):
        attention(query, key, torch.randn(3, 4))


def test_attention_with_unknown_score_raises():
    with pytest.raises(ValueError, match="unknown score function"):
        Attention("multiplicative", 4, 4)
